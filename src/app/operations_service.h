// The running plant's operations: the OperationsEngine fed from the tag bus, its intervals closed
// into the EventStore (<data_dir>/operations.sqlite) and a KpiCube, the shop-floor order lifecycle
// and operator-declared planned stops, the production actuals handed to a listener (the ERP
// outbox), and the answers the API's operations routes give.
//
//   GANTRY_ASSIGN_OR_RETURN(auto ops, OperationsService::Create(config.operations, resolver,
//                                                              bus, config.data_dir, clock));
//   ops->SetActualsListener([&](const ops::OrderActuals& a, std::string_view trigger,
//                               sqlite3* txn) { return outbox.Attach(txn).Enqueue(...); });
//   ops->Start();
//   ops->ApplyOrder({wc, 0, ops::OrderTransition::Action::kStart, "4711", "P-17", "anna"}, "anna");
//   Result<std::string> body = ops->OeeJson("acme/plant1/packaging/line1", from, to, "hour");
//   ops->Stop();
//
// Threads: one operations thread (started by Start, joined by Stop) drains the bus subscription
// into the engine and every `close_every` closes the settled intervals (up to now - `close_lag`,
// or the start of a stop still open and shorter than the micro-stop threshold) into the
// recorder, the store and the cube, then hands final actuals to the listener; a completed order
// is closed as soon as its intervals are settled up to its completion. Every other public
// call may come from any thread (API I/O threads, the ERP and energy parts): engine, recorder,
// store and cube are touched only under `mu_`, so every answer sees one state.
//
// Restart: Create re-reads the store: order transitions and declared planned stops go back into
// the engine (a running order stays running), the KPI cube is rebuilt from the recorded
// intervals, and recording continues where it stopped; the time gantry was not running is
// recorded as what the engine knows about it: no data (or not scheduled / planned by the
// calendar), at most `max_gap` back.
//
// OEE answers are the cube plus each work centre's still-open tail (provisional). A late sample
// (or a planned stop declared for the past) that reopens recorded intervals makes the cube drop
// the hours from there and add them again from the store. Downtime answers read the store for
// recorded time and the engine for the open tail.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "context/kpi_cube.h"
#include "core/status.h"
#include "core/time.h"
#include "data/tag_bus.h"
#include "operations/event_store.h"
#include "operations/interval_recorder.h"
#include "operations/operations_engine.h"
#include "operations/order_actuals.h"

struct sqlite3;

namespace gantry {

struct OperationsServiceOptions {
  Duration close_every = 5 * kSecond;  // how often intervals are closed into the store and cube
  Duration close_lag = 2 * kSecond;    // the watermark trails the clock by this (late samples)
  size_t queue_samples = 1'000'000;    // bus subscription capacity; newest dropped when full
  Duration max_gap = 7 * kDay;  // after a restart, the downtime of gantry recorded at most this far
  // The time scale of the plant's simulated clock (1 = real time). Not 1: OEE answers carry a
  // "notes" entry saying that their times are simulated time (the figures are right at any scale:
  // the clock passed to Create is the simulated one).
  double time_scale = 1.0;
};

// Called with final production actuals (see OperationsService::SetActualsListener). `trigger` is
// "order-complete" (the whole order) or "shift-end" (one work centre's shift; `a.shift` names it,
// quantities are that shift's), or, when a late sample changed recorded intervals after those
// were handed on, "order-correction" / "shift-correction": the same actuals recomputed, with
// `a.correction` = 1, 2, ... (once per change; figures to replace the earlier ones, not deltas).
// `txn` is the event store's connection inside the transaction that records the "actuals final"
// event: write your own rows through it (Outbox::Attach) to commit atomically with it. A non-Ok
// return rolls both back; the call is repeated at the next close.
using ActualsListener =
    std::function<Status(const ops::OrderActuals& a, std::string_view trigger, sqlite3* txn)>;

class OperationsService {
 public:
  // Builds the engine (fails when a rule names an unknown tag or a time zone is unknown), opens
  // the event store at `data_dir`/operations.sqlite and subscribes to `bus` as "operations".
  // `bus` and `clock` are borrowed and must outlive the service.
  static Result<std::unique_ptr<OperationsService>> Create(ops::OperationsConfig config,
                                                           const ops::TagResolver& resolver,
                                                           TagBus& bus, const std::string& data_dir,
                                                           const Clock& clock,
                                                           OperationsServiceOptions options = {});
  ~OperationsService();  // Stop()s
  OperationsService(const OperationsService&) = delete;
  OperationsService& operator=(const OperationsService&) = delete;

  // Starts the operations thread. Call once.
  void Start();
  // Drains what is queued, closes intervals one last time and joins the thread. Idempotent.
  void Stop();

  // Bodies for the API routes (see context/kpi_api.h); thread-safe. With options.time_scale != 1
  // the OEE body has "notes": [that plant time is simulated at that scale].
  Result<std::string> EquipmentStateJson(std::string_view path) const;
  Result<std::string> OeeJson(std::string_view scope, Timestamp from, Timestamp to,
                              std::string_view by) const;
  Result<std::string> DowntimeJson(std::string_view scope, Timestamp from, Timestamp to) const;
  // An operator names the reason of the stop of `work_centre` that began at `stop_start`; the
  // event is recorded. NotFound for an unknown work centre or stop, InvalidArgument for an
  // unknown or planned reason. Thread-safe.
  Status AssignReason(const std::string& work_centre, Timestamp stop_start,
                      const std::string& reason, const std::string& by);

  // Feeds what is queued on the bus into the engine now (the operations thread does this; for
  // tests and tools that do not Start the thread). Not concurrently with a running thread.
  void Pump();
  // Closes the settled intervals up to `watermark` now (a stop still open and shorter than the
  // micro-stop threshold is held back from its start; the operations thread does this
  // periodically at now - close_lag), then calls the actuals listener for what became final.
  // Thread-safe.
  Status CloseUpTo(Timestamp watermark);

  // --- Shop-floor orders (role operator on the API; the ERP part calls these) ---

  // Shop-floor order lifecycle; each call is a durable, numbered event (kind "order", with `by`).
  // `t.time` 0 = now. start needs t.order (and usually t.product; t.ideal_cycle_time 0 = the
  // product's); pause / resume / complete act on the order running (paused) on t.work_centre, and
  // when t.order is given it must be that one; operator needs t.operator_name.
  // NotFound: unknown work centre. InvalidArgument: missing field, or a time before intervals
  // already recorded. FailedPrecondition: start while another order runs or for an order already
  // completed, pause/complete with none running, resume with none paused. Thread-safe.
  Status ApplyOrder(const ops::OrderTransition& t, const std::string& by);
  // The actuals of `order` so far: recorded intervals plus the open tail up to now (provisional
  // unless `complete`). NotFound for an order never started. Thread-safe.
  Result<ops::OrderActuals> ActualsForOrder(const std::string& order) const;
  // Sets the listener for final actuals (replacing any). Set it before Start(): actuals that
  // become final without a listener are marked final and not offered again. Called on the
  // thread that closes intervals (the operations thread), with the service's lock held: it must
  // not call back into this service. Each (trigger, work centre, order[, shift]) is offered until
  // it returns Ok once, across restarts (the "actuals final" key is stored with the event).
  void SetActualsListener(ActualsListener listener);

  // --- Planned stops declared by an operator (role operator on the API) ---

  // Planned downtime on `work_centre` for [start, end) with a planned `reason` of the reason
  // tree, stored as an event (kind "planned_stop", with `by`) and applied by the precedence of
  // docs/operations.md (a calendar or declared window: planned downtime). A stop reaching into
  // recorded time (not older than the late-data horizon) reopens and corrects it. NotFound:
  // unknown work centre; InvalidArgument: not a planned reason, end <= start, or start older than
  // the late-data horizon. Thread-safe.
  Status DeclarePlannedStop(const std::string& work_centre, Timestamp start, Timestamp end,
                            const std::string& reason, const std::string& by);

  // --- Read-only access to recorded facts (the energy part) ---

  // The closed (recorded) intervals of `work_centre` overlapping [from, to), clipped to it and to
  // ClosedUntil: category, reason, shift, order, product, operator, units. The current truth of
  // the event store (corrections and assigned reasons applied). NotFound for an unknown work
  // centre. Thread-safe; takes the service's lock for one SQLite read.
  Result<std::vector<ops::Segment>> ClosedIntervals(const std::string& work_centre, Timestamp from,
                                                    Timestamp to) const;
  // Up to when `work_centre`'s intervals are recorded (0 for an unknown one). Thread-safe.
  Timestamp ClosedUntil(const std::string& work_centre) const;
  // Work centres with rules, in configuration order (constant after Create).
  std::vector<std::string> WorkCentres() const;

 private:
  OperationsService(const Clock& clock, OperationsServiceOptions options)
      : clock_(clock), options_(options) {}
  struct OrderInfo {
    std::string work_centre;
    std::string product;
    Timestamp start = 0;
    Timestamp end = 0;  // completion time (0 while not completed)
    bool completed = false;
  };
  struct WorkCentreOrders {
    std::string running;  // order running now ("" = none)
    std::string paused;   // order paused now ("" = none)
  };
  struct Pending {  // actuals waiting until the intervals up to `end` are recorded
    std::string trigger;
    std::string work_centre;
    std::string order;  // order-complete, corrections
    std::string shift;  // shift-end, shift-correction
    Timestamp start = 0;
    Timestamp end = 0;
    std::string corrects;   // corrections: the key of the actuals handed on first
    bool complete = false;  // corrections: as handed on first
  };
  void Run();
  void Drain(Duration wait);
  // Whether a completed order waits for intervals that are settled up to its completion at
  // `watermark` (Run() closes at once then). Takes mu_.
  bool CompletionSettled(Timestamp watermark) const;
  // Must hold mu_.
  void TrackOrder(const ops::OrderTransition& t);
  Status CheckOrder(ops::OrderTransition& t) const;
  Status RecomputeCube(const std::string& wc, Timestamp from);
  Status FirePending();
  // Queues a check of every actuals handed on for `wc` that ends after `from` (recorded intervals
  // from there changed); FirePending hands on a correction where the figures differ.
  Status QueueCorrections(const std::string& wc, Timestamp from);
  Status FireCorrection(const Pending& p);
  Status OfferActuals(const std::string& key, const ops::OrderActuals& a, std::string_view trigger);

  const Clock& clock_;
  const OperationsServiceOptions options_;
  std::unique_ptr<Subscription> subscription_;  // popped only by the operations thread
  mutable std::mutex mu_;                       // guards everything below
  std::unique_ptr<ops::OperationsEngine> engine_;
  std::unique_ptr<ops::EventStore> store_;
  std::unique_ptr<ops::IntervalRecorder> recorder_;
  std::unique_ptr<ctx::KpiCube> cube_;
  std::map<std::string, Timestamp> cubed_until_;  // per work centre: segments added to the cube
  std::map<std::string, Timestamp> shifts_checked_until_;  // per work centre: shift ends seen
  std::map<std::string, OrderInfo> orders_;                // by order id
  std::map<std::string, WorkCentreOrders> wc_orders_;      // by work centre
  std::vector<Pending> pending_;
  ActualsListener listener_;
  std::vector<std::string> work_centres_;  // constant after Create
  std::atomic<bool> stop_{false};
  bool started_ = false;
  std::thread thread_;
};

}  // namespace gantry
