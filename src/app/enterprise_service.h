// The enterprise part of the running plant: the order store, the Tryton poller thread, the
// outbox drainer thread, the actuals listener that turns the operations layer's final actuals
// into outbox messages in the event store's own transaction, the enterprise API routes and the
// outbox /metrics lines. Configuration: the `erp:` section (docs/enterprise.md).
//
//   GANTRY_ASSIGN_OR_RETURN(auto erp, EnterpriseService::Create(cfg.erp, cfg.data_dir, clock,
//                                                                hooks));
//   ops->SetActualsListener(erp->Listener());
//   erp->Start();
//   context.modules.push_back(erp->Routes());
//   context.metrics.push_back([e = erp.get()] { return e->MetricsText(); });
//   ...
//   erp->Stop();
//
// Threads: the drainer thread owns `drain_outbox_` and the ERP adapters used to deliver (and
// fires the fixed-interval trigger); the poller thread (only with erp.tryton) owns nothing but
// takes `tryton_read_mu_` for its Tryton connection, which the reconciliation page shares. The
// listener runs on the operations thread with the operations lock held: it touches only the
// order store (thread-safe) and the borrowed transaction. API calls come from I/O threads and
// use `api_outbox_` under `api_mu_`.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "api/route_module.h"
#include "app/operations_service.h"
#include "core/status.h"
#include "core/time.h"
#include "enterprise/actuals.h"
#include "enterprise/actuals_energy.h"
#include "enterprise/erp_config.h"
#include "enterprise/erp_router.h"
#include "enterprise/order_store.h"
#include "enterprise/outbox.h"
#include "enterprise/tryton_adapter.h"
#include "operations/order_actuals.h"
#include "operations/segment.h"

namespace gantry {

class EnergyService;

// What the enterprise part needs from the rest of the plant; each may be empty.
struct EnterpriseHooks {
  // OperationsService::ApplyOrder: shop-floor start/pause/resume/complete.
  std::function<Status(const ops::OrderTransition&, const std::string& by)> apply_order;
  // OperationsService::ActualsForOrder: the ledger so far (progress, interval trigger,
  // reconciliation). Never called from the listener.
  std::function<Result<ops::OrderActuals>(const std::string& order)> actuals_for_order;
  // Energy and cost of an order over a span (the energy part, see UseEnergy). Called from the
  // drainer thread (to fix a message's energy before its first delivery) and API threads
  // (progress, reconciliation), never from the listener: it reads the OperationsService, whose
  // lock the listener runs under. Empty: messages carry 0 kWh with a note.
  enterprise::EnergyOfOrder energy;
  // Material measured by consumption counters over a span (the energy part, see UseEnergy); the
  // same threads as `energy`. Empty: consumption is the BOM scaled by output.
  enterprise::ConsumptionOfOrder consumption;
};

class EnterpriseService {
 public:
  // Opens <data_dir>/enterprise.sqlite (orders) and the outbox in <data_dir>/operations.sqlite
  // (the event store's file, so that messages commit with their events), and connects the
  // configured adapters (Tryton is logged into lazily: an ERP that is down does not stop the
  // plant). The clock is borrowed.
  static Result<std::unique_ptr<EnterpriseService>> Create(enterprise::ErpSettings settings,
                                                           const std::string& data_dir,
                                                           const Clock& clock,
                                                           EnterpriseHooks hooks);
  ~EnterpriseService();  // Stop()s
  EnterpriseService(const EnterpriseService&) = delete;
  EnterpriseService& operator=(const EnterpriseService&) = delete;

  // Wires the shop floor: ApplyOrder and ActualsForOrder as hooks, OnActuals as the operations
  // service's actuals listener. Call before Start() and before ops.Start(); `ops` must outlive
  // this service's threads (Stop() this first... or after ops.Stop(): the listener only touches
  // the order store and the transaction it is given).
  void AttachOperations(OperationsService& ops);
  // Takes energy and cost, and measured consumption (costs.consumption), from the plant's energy
  // service (borrowed; null: none configured).
  // Call before Start()/ServeApi() and before the first DrainOnce().
  // Also hands the energy service the ERP's bills of materials and cost prices of the orders in
  // the order store (material cost where costs.products has no bill; configuration wins).
  void UseEnergy(EnergyService* energy);
  // Starts the threads and adds the routes and /metrics lines to the API context.
  void ServeApi(ApiContext& context);

  // Starts the drainer thread and, with erp.tryton, the poller thread. Call once.
  void Start();
  // Asks both threads to stop, wakes them and joins them (an ERP call in flight finishes first,
  // bounded by its timeout). Idempotent.
  void Stop();

  // The OperationsService actuals listener: "order-complete" -> actuals.completion (final),
  // "order-correction" -> actuals.correction (final, sequence = correction number, replaces the
  // completion or the previous correction), "shift-end" / "shift-correction" ->
  // actuals.shift_end / actuals.shift_correction (cumulative interim totals; only with
  // erp.actuals.on_shift_end; shift corrections only before final actuals exist), enqueued
  // through `txn`. Orders unknown to the order store are skipped (Ok). Errors roll the caller's
  // transaction back (it offers them again later).
  Status OnActuals(const ops::OrderActuals& a, std::string_view trigger, sqlite3* txn);

  // The "enterprise" API route module (orders, outbox, reconciliation).
  RouteModule Routes();
  // Prometheus lines: gantry_outbox_backlog, _oldest_pending_seconds, _quarantined,
  // _delivery_latency_seconds{quantile=...}, _delivered_total, gantry_erp_orders_pulled_total.
  std::string MetricsText() const;
  // The reconciliation page for orders updated or with messages enqueued in [from, to).
  Result<std::string> ReconciliationJson(Timestamp from, Timestamp to);

  // One pull from Tryton (the poller thread calls this): new orders created, changes taken over
  // or flagged, cancellations applied. FailedPrecondition without erp.tryton.
  Status PollTrytonOnce();
  // One drain round (the drainer thread calls this); also fires the interval trigger and prunes.
  Result<enterprise::DrainReport> DrainOnce();
  // Wakes the drainer now (after an enqueue, for low latency).
  void WakeDrainer();

  enterprise::OrderStore& orders() { return *orders_; }

 private:
  EnterpriseService(enterprise::ErpSettings settings, const Clock& clock, EnterpriseHooks hooks);
  Status ConnectAdapters();
  Status EnqueueInterval();
  // The ERP's view of the shop floor's actuals. With `energy_now` the energy hook is asked at
  // once (API and drainer threads); without, the energy is left pending for the drainer to fix
  // (the listener, which must not call the energy part).
  Result<enterprise::OrderActuals> ToErpActuals(const ops::OrderActuals& a,
                                                const enterprise::StoredOrder& o, bool final,
                                                bool energy_now);
  // The outbox spec of an order-correction (kind empty: nothing to send) and the fields of `e`
  // that say what it replaces.
  Result<enterprise::OutboxMessageSpec> CorrectionSpec(
      const ops::OrderActuals& a, enterprise::OrderActuals& e,
      const std::vector<enterprise::OutboxMessage>& earlier);
  // The same for a shift-correction: `e` becomes the latest cumulative interim totals with the
  // corrected shift's difference applied.
  Result<enterprise::OutboxMessageSpec> ShiftCorrectionSpec(
      const ops::OrderActuals& a, const enterprise::StoredOrder& o, enterprise::OrderActuals& e,
      const std::vector<enterprise::OutboxMessage>& earlier);
  void RunDrainer();
  void RunPoller();
  bool Wait(Duration d);  // true when woken by WakeDrainer

  const enterprise::ErpSettings settings_;
  const Clock& clock_;
  EnterpriseHooks hooks_;  // set before Start, then constant
  std::string outbox_path_;
  std::unique_ptr<enterprise::OrderStore> orders_;  // thread-safe

  // Drainer thread only.
  std::unique_ptr<enterprise::Outbox> drain_outbox_;
  std::unique_ptr<enterprise::TrytonAdapter> tryton_deliver_;
  std::vector<std::unique_ptr<enterprise::ErpAdapter>> generic_;
  enterprise::ErpRouter router_;
  std::unique_ptr<enterprise::EnergyFixingAdapter> fixer_;  // wraps router_; first DrainOnce
  Timestamp next_interval_ = 0;
  Timestamp next_prune_ = 0;

  // API threads (and the interval trigger) under api_mu_.
  mutable std::mutex api_mu_;
  std::unique_ptr<enterprise::Outbox> api_outbox_;

  // The poller's Tryton connection, shared with the reconciliation page.
  std::mutex tryton_read_mu_;
  std::unique_ptr<enterprise::TrytonAdapter> tryton_read_;

  mutable std::mutex metrics_mu_;
  enterprise::OutboxMetrics metrics_;  // refreshed by the drainer after each round
  std::atomic<int64_t> pulled_{0};
  std::atomic<int64_t> pull_errors_{0};

  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool kicked_ = false;  // guarded by wake_mu_
  std::atomic<bool> stop_{false};
  bool started_ = false;
  std::thread drainer_;
  std::thread poller_;
};

// The runtime's one call: the service over the `erp:` settings with the plant's clock (simulated
// time in a scaled demo; borrowed, must outlive the service). Orders and outbox work without an
// `erp:` section too; only delivery needs a target.
Result<std::unique_ptr<EnterpriseService>> CreateEnterpriseService(
    const enterprise::ErpSettings& erp, const std::string& data_dir, const Clock& clock);

}  // namespace gantry
