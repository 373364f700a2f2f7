#include "app/enterprise_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "api/enterprise_routes.h"
#include "app/energy_service.h"
#include "enterprise/b2mml_performance.h"
#include "enterprise/reconciliation.h"

namespace gantry {

using enterprise::ErpSync;
using enterprise::OrderState;
using enterprise::OutboxMessageSpec;
using enterprise::StoredOrder;

namespace {

constexpr const char* kCompletion = "actuals.completion";
constexpr const char* kShiftEnd = "actuals.shift_end";
constexpr const char* kInterval = "actuals.interval";
constexpr const char* kCorrection = "actuals.correction";
constexpr const char* kShiftCorrection = "actuals.shift_correction";

// Tryton logged into on first use, and again after a failed login: an ERP that is down when the
// plant starts only delays delivery.
class LazyTryton final : public enterprise::ErpAdapter {
 public:
  explicit LazyTryton(enterprise::TrytonConfig config) : config_(std::move(config)) {}
  enterprise::DeliveryResult Deliver(const enterprise::OutboxMessage& m) override {
    if (!adapter_) {
      auto a = enterprise::TrytonAdapter::Connect(config_);
      if (!a.ok()) return enterprise::VerdictFromStatus(a.status());
      adapter_ = std::move(a).value();
    }
    return adapter_->Deliver(m);
  }

 private:
  enterprise::TrytonConfig config_;
  std::unique_ptr<enterprise::TrytonAdapter> adapter_;
};

std::string Seconds(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(d) / kSecond);
  return buf;
}

}  // namespace

EnterpriseService::EnterpriseService(enterprise::ErpSettings settings, const Clock& clock,
                                     EnterpriseHooks hooks)
    : settings_(std::move(settings)), clock_(clock), hooks_(std::move(hooks)) {}

EnterpriseService::~EnterpriseService() {
  Stop();
}

Result<std::unique_ptr<EnterpriseService>> EnterpriseService::Create(
    enterprise::ErpSettings settings, const std::string& data_dir, const Clock& clock,
    EnterpriseHooks hooks) {
  std::unique_ptr<EnterpriseService> s(
      new EnterpriseService(std::move(settings), clock, std::move(hooks)));
  GANTRY_ASSIGN_OR_RETURN(s->orders_,
                          enterprise::OrderStore::Open(data_dir + "/enterprise.sqlite", clock));
  s->outbox_path_ = data_dir + "/operations.sqlite";
  GANTRY_ASSIGN_OR_RETURN(s->drain_outbox_,
                          enterprise::Outbox::Open(s->outbox_path_, s->settings_.outbox, clock));
  GANTRY_ASSIGN_OR_RETURN(s->api_outbox_,
                          enterprise::Outbox::Open(s->outbox_path_, s->settings_.outbox, clock));
  GANTRY_RETURN_IF_ERROR(s->ConnectAdapters());
  return s;
}

Status EnterpriseService::ConnectAdapters() {
  if (settings_.tryton) {
    generic_.push_back(std::make_unique<LazyTryton>(settings_.tryton->config));
    router_.SetTryton(generic_.back().get());
  }
  if (settings_.webhook) {
    generic_.push_back(std::make_unique<enterprise::WebhookAdapter>(*settings_.webhook));
    router_.AddGeneric(generic_.back().get());
  }
  if (settings_.b2mml) {
    GANTRY_ASSIGN_OR_RETURN(auto b2mml, enterprise::MakeB2mmlPerformanceAdapter(*settings_.b2mml));
    generic_.push_back(std::move(b2mml));
    router_.AddGeneric(generic_.back().get());
  }
  return Status::Ok();
}

void EnterpriseService::AttachOperations(OperationsService& ops) {
  OperationsService* o = &ops;
  hooks_.apply_order = [o](const ops::OrderTransition& t, const std::string& by) {
    return o->ApplyOrder(t, by);
  };
  hooks_.actuals_for_order = [o](const std::string& order) { return o->ActualsForOrder(order); };
  ops.SetActualsListener([this](const ops::OrderActuals& a, std::string_view trigger,
                                sqlite3* txn) { return OnActuals(a, trigger, txn); });
}

void EnterpriseService::ServeApi(ApiContext& context) {
  Start();
  context.modules.push_back(Routes());
  context.metrics.push_back([this] { return MetricsText(); });
}

Result<std::unique_ptr<EnterpriseService>> CreateEnterpriseService(
    const enterprise::ErpSettings& erp, const std::string& data_dir, const Clock& clock) {
  auto s = EnterpriseService::Create(erp, data_dir, clock, {});
  if (!s.ok()) return s.status().WithContext("erp");
  if (erp.tryton)
    spdlog::info("erp: Tryton at {}:{} pulled every {} s", erp.tryton->config.endpoint.host,
                 erp.tryton->config.endpoint.port, erp.tryton->poll_every / kSecond);
  return s;
}

void EnterpriseService::UseEnergy(EnergyService* energy) {
  if (energy == nullptr) return;
  enterprise::OrderStore* orders = orders_.get();
  energy->UseOrderMaterials([orders](const std::string& order) {
    std::vector<ctx::OrderMaterial> out;
    auto o = orders->Get(order);
    if (!o.ok() || !(o->order.quantity > 0)) return out;
    for (const enterprise::BomLine& b : o->order.bom)
      out.push_back({b.material, b.planned_quantity / o->order.quantity, b.unit_cost});
    return out;
  });
  hooks_.energy = [energy](const std::string& order, Timestamp from,
                           Timestamp to) -> Result<enterprise::OrderEnergy> {
    // The order's intervals cover [from, to) (its start to its completion); a meter reading at
    // `to` closes its energy.
    GANTRY_ASSIGN_OR_RETURN(ctx::OrderEnergyCost c,
                            energy->ForOrder(order, from, std::max(to, from + 1)));
    enterprise::OrderEnergy e;
    e.kwh = c.energy_kwh;
    e.cost = c.energy_cost;
    e.currency = c.currency;
    e.readings_complete = c.readings_complete;
    for (const std::string& n : c.notes)  // the notes on energy, not on rates or materials
      if (n.find("meter") != std::string::npos || n.find("tariff") != std::string::npos)
        e.note += (e.note.empty() ? "" : "; ") + n;
    return e;
  };
  hooks_.consumption = [energy](const std::string& order, Timestamp from,
                                Timestamp to) -> Result<enterprise::OrderConsumption> {
    GANTRY_ASSIGN_OR_RETURN(ctx::MeasuredConsumption m,
                            energy->ConsumptionForOrder(order, from, std::max(to, from + 1)));
    enterprise::OrderConsumption c;
    for (const ctx::MeasuredLine& l : m.lines)
      c.measured.push_back({l.material, l.unit, l.quantity});
    c.readings_complete = m.readings_complete;
    for (const std::string& n : m.notes) c.note += (c.note.empty() ? "" : "; ") + n;
    return c;
  };
}

void EnterpriseService::Start() {
  if (started_) return;
  started_ = true;

  drainer_ = std::thread([this] { RunDrainer(); });
  if (settings_.tryton) poller_ = std::thread([this] { RunPoller(); });
}

void EnterpriseService::Stop() {
  stop_.store(true);
  WakeDrainer();
  if (drainer_.joinable()) drainer_.join();
  if (poller_.joinable()) poller_.join();
}

void EnterpriseService::WakeDrainer() {
  {
    std::lock_guard lock(wake_mu_);
    kicked_ = true;
  }
  wake_.notify_all();
}

bool EnterpriseService::Wait(Duration d) {
  std::unique_lock lock(wake_mu_);
  wake_.wait_for(lock, std::chrono::nanoseconds(d), [this] { return kicked_ || stop_.load(); });
  const bool kicked = kicked_;
  kicked_ = false;
  return kicked;
}

void EnterpriseService::RunDrainer() {
  // Messages the operations thread enqueues commit just after the listener returns (the kick
  // comes from inside its transaction), so a kick is followed by a short wait rather than an
  // immediate round, and then by a few quick rounds: a commit slower than the first wait (a
  // busy machine) is found within 20 ms instead of at the next drain_every.
  constexpr Duration kQuick = 20 * kMillisecond;
  constexpr int kQuickRounds = 25;  // half a second of quick rounds after each kick
  int quick_left = 0;
  while (!stop_.load()) {
    auto r = DrainOnce();
    if (!r.ok()) spdlog::warn("erp outbox: {}", r.status().ToString());
    const bool busy = r.ok() && r->attempted > 0;
    Duration wait = settings_.drain_every;
    if (busy) {
      wait = 0;
    } else if (quick_left > 0) {
      --quick_left;
      wait = std::min(kQuick, settings_.drain_every);
    }
    if (Wait(wait) && !stop_.load()) {
      quick_left = kQuickRounds;
      std::this_thread::sleep_for(std::chrono::nanoseconds(kQuick));
    }
  }
}

void EnterpriseService::RunPoller() {
  while (!stop_.load()) {
    Status s = PollTrytonOnce();
    if (!s.ok()) {
      ++pull_errors_;
      spdlog::warn("erp tryton pull: {}", s.ToString());
    }
    const Timestamp until = clock_.Now() + settings_.tryton->poll_every;
    while (!stop_.load() && clock_.Now() < until) {
      std::unique_lock lock(wake_mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_.load(); });
    }
  }
}

Status EnterpriseService::PollTrytonOnce() {
  if (!settings_.tryton) return FailedPrecondition("no erp.tryton configured");
  std::lock_guard lock(tryton_read_mu_);
  if (!tryton_read_) {
    GANTRY_ASSIGN_OR_RETURN(tryton_read_,
                            enterprise::TrytonAdapter::Connect(settings_.tryton->config));
  }
  auto pulled = tryton_read_->PullOrders();
  if (!pulled.ok()) {
    tryton_read_.reset();  // log in again next time
    return pulled.status();
  }
  std::set<std::string> present;
  for (const enterprise::ProductionOrder& o : *pulled) {
    present.insert(o.Key());
    GANTRY_ASSIGN_OR_RETURN(enterprise::ErpSyncResult r, orders_->SyncFromErp(o));
    if (r.what != ErpSync::kUnchanged) {
      ++pulled_;
      spdlog::info("erp tryton: order {} {}{}{}", o.Key(), enterprise::ErpSyncName(r.what),
                   r.detail.empty() ? "" : ": ", r.detail);
    }
  }
  // Open Tryton orders the pull no longer lists: read back why (cancelled, or moved on).
  for (OrderState st : {OrderState::kDraft, OrderState::kReleased, OrderState::kRunning}) {
    GANTRY_ASSIGN_OR_RETURN(std::vector<StoredOrder> open, orders_->List(st));
    for (const StoredOrder& o : open) {
      if (o.order.source != "tryton" || present.count(o.order.Key())) continue;
      int64_t id = 0;
      try {
        id = std::stoll(o.order.external_id);
      } catch (...) {
        continue;
      }
      auto held = tryton_read_->ReadProduction(id);
      const bool gone = !held.ok() && held.status().code() == StatusCode::kNotFound;
      if (!gone && (!held.ok() || held->state != "cancelled")) continue;
      enterprise::ProductionOrder cancelled = o.order;
      cancelled.state = OrderState::kCancelled;
      GANTRY_ASSIGN_OR_RETURN(enterprise::ErpSyncResult r, orders_->SyncFromErp(cancelled));
      if (r.what != ErpSync::kUnchanged)
        spdlog::warn("erp tryton: order {} {} ({})", o.order.Key(), enterprise::ErpSyncName(r.what),
                     gone ? "deleted in Tryton" : r.detail);
    }
  }
  return Status::Ok();
}

Result<enterprise::DrainReport> EnterpriseService::DrainOnce() {
  const Timestamp now = clock_.Now();
  if (settings_.interval > 0 && hooks_.actuals_for_order) {
    if (next_interval_ == 0) next_interval_ = (now / settings_.interval + 1) * settings_.interval;
    if (now >= next_interval_) {
      Status s = EnqueueInterval();
      if (!s.ok()) spdlog::warn("erp interval actuals: {}", s.ToString());
      next_interval_ = (now / settings_.interval + 1) * settings_.interval;
    }
  }
  if (!fixer_) {  // here rather than in Create: UseEnergy may come after Create
    fixer_ = std::make_unique<enterprise::EnergyFixingAdapter>(
        router_, hooks_.energy,
        [this](const enterprise::OutboxMessage& m, std::string_view payload) {
          return drain_outbox_->CompletePayload(m, payload);
        },
        clock_, settings_.energy_wait);
    if (hooks_.consumption) fixer_->SetConsumption(hooks_.consumption);
  }
  GANTRY_ASSIGN_OR_RETURN(enterprise::DrainReport r, drain_outbox_->DrainOnce(*fixer_));
  if (now >= next_prune_) {
    auto pruned = drain_outbox_->PruneDelivered(now - settings_.keep_delivered);
    if (pruned.ok() && *pruned > 0)
      spdlog::info("erp outbox: pruned {} delivered messages", *pruned);
    next_prune_ = now + kHour;
  }
  auto m = drain_outbox_->Metrics();
  if (m.ok()) {
    std::lock_guard lock(metrics_mu_);
    metrics_ = *m;
  }
  return r;
}

Result<enterprise::OrderActuals> EnterpriseService::ToErpActuals(const ops::OrderActuals& a,
                                                                 const StoredOrder& o, bool final,
                                                                 bool energy_now) {
  enterprise::OrderActuals e;
  e.order_key = o.order.Key();
  e.external_id = o.order.external_id;
  e.product = o.order.product;
  e.unit = o.order.unit;
  e.final = final;
  e.from = a.start;
  e.to = a.end;
  e.good = static_cast<double>(a.good);
  e.scrap = static_cast<double>(a.scrap);
  for (const auto& [reason, qty] : a.scrap_by_reason)
    e.scrap_by_reason.push_back({reason, static_cast<double>(qty)});
  // The BOM scaled by what was made (good + scrap); measured quantities replace it where
  // consumption counters are configured (fixed with the energy, see UseEnergy).
  e.consumption = enterprise::PlannedConsumption(o.order, e.good + e.scrap);
  e.run_time = a.run_time;
  for (const auto& [reason, d] : a.downtime_by_reason) e.downtime.push_back({reason, d});
  for (const auto& [reason, d] : a.planned_downtime_by_reason)
    e.downtime.push_back({"planned/" + reason, d});
  if (!energy_now) {
    e.energy_pending = true;  // fixed by the drainer before the first delivery
  } else if (hooks_.energy) {
    Result<enterprise::OrderEnergy> energy = hooks_.energy(e.order_key, e.from, e.to);
    enterprise::FillEnergy(e, &energy);
  } else {
    enterprise::FillEnergy(e, nullptr);
  }
  if (energy_now && hooks_.consumption) {
    Result<enterprise::OrderConsumption> c = hooks_.consumption(e.order_key, e.from, e.to);
    if (c.ok())
      enterprise::ApplyMeasuredConsumption(e, *c);
    else
      e.consumption_note = "consumption not measured (planned shown): " + c.status().ToString();
  }
  return e;
}

namespace {

bool IsInterim(const enterprise::OutboxMessage& m) {
  return m.kind == kShiftEnd || m.kind == kShiftCorrection;
}

// The shift a shift-end message or its correction covers, as its sequence says (shift-end:
// its end in epoch seconds; correction: that times 1000 plus the correction number).
int64_t ShiftSequence(const enterprise::OutboxMessage& m) {
  return m.kind == kShiftCorrection ? m.sequence / 1000 : m.sequence;
}

}  // namespace

Status EnterpriseService::OnActuals(const ops::OrderActuals& a, std::string_view trigger,
                                    sqlite3* txn) {
  const bool completion = trigger == "order-complete";
  const bool correction = trigger == "order-correction";
  const bool shift = trigger == "shift-end" || trigger == "shift-correction";
  if (!completion && !correction && !(shift && settings_.on_shift_end)) return Status::Ok();
  auto stored = orders_->Get(a.order);
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return Status::Ok();  // not an ERP order
    return stored.status();
  }
  GANTRY_ASSIGN_OR_RETURN(enterprise::OrderActuals e,
                          ToErpActuals(a, *stored, completion || correction, false));
  GANTRY_ASSIGN_OR_RETURN(auto outbox, enterprise::Outbox::Attach(txn, settings_.outbox, clock_));
  GANTRY_ASSIGN_OR_RETURN(std::vector<enterprise::OutboxMessage> earlier,
                          outbox->ListForOrder(e.order_key));
  OutboxMessageSpec spec;
  spec.order_key = e.order_key;
  if (completion) {
    spec.kind = kCompletion;
    spec.sequence = 1;
  } else if (correction) {
    GANTRY_ASSIGN_OR_RETURN(spec, CorrectionSpec(a, e, earlier));
    if (spec.kind.empty()) return Status::Ok();
  } else if (trigger == "shift-correction") {
    GANTRY_ASSIGN_OR_RETURN(spec, ShiftCorrectionSpec(a, *stored, e, earlier));
    if (spec.kind.empty()) return Status::Ok();
  } else {
    // A shift's own figures; the message carries the order's totals so far (cumulative, so that
    // it can be applied as "set to"): the latest earlier shift message's totals plus this shift.
    spec.kind = kShiftEnd;
    spec.sequence = a.end / kSecond;
    e.shift = a.shift;
    e.shift_good = e.good;
    e.shift_scrap = e.scrap;
    e.shift_run_time = e.run_time;
    for (auto it = earlier.rbegin(); it != earlier.rend(); ++it) {
      if (!IsInterim(*it) || ShiftSequence(*it) >= spec.sequence) continue;
      auto prev = enterprise::ActualsFromJson(it->payload);
      if (!prev.ok()) break;
      e.good += prev->good;
      e.scrap += prev->scrap;
      e.run_time += prev->run_time;
      e.from = prev->from;
      e.consumption = enterprise::PlannedConsumption(stored->order, e.good + e.scrap);
      break;
    }
  }
  if (spec.payload.empty()) spec.payload = enterprise::ActualsToJson(e);
  GANTRY_ASSIGN_OR_RETURN(std::string key, outbox->Enqueue(spec));
  spdlog::info("erp: {} of {} enqueued ({}: good {}, scrap {})", spec.kind, e.order_key, key,
               e.good, e.scrap);
  WakeDrainer();
  return Status::Ok();
}

Result<OutboxMessageSpec> EnterpriseService::CorrectionSpec(
    const ops::OrderActuals& a, enterprise::OrderActuals& e,
    const std::vector<enterprise::OutboxMessage>& earlier) {
  // The message it replaces: the completion or its latest correction. Without one, nothing final
  // reached the outbox for this order, so there is nothing to correct.
  const enterprise::OutboxMessage* replaced = nullptr;
  for (const enterprise::OutboxMessage& m : earlier)
    if (m.kind == kCompletion || m.kind == kCorrection) replaced = &m;
  if (replaced == nullptr) {
    spdlog::info("erp: order-correction {} of {} not sent: no final actuals were handed on",
                 a.correction, e.order_key);
    return OutboxMessageSpec{};
  }
  e.correction = a.correction;
  e.corrects = replaced->idempotency_key;
  OutboxMessageSpec spec;
  spec.kind = kCorrection;
  spec.order_key = e.order_key;
  spec.sequence = a.correction;
  return spec;
}

Result<OutboxMessageSpec> EnterpriseService::ShiftCorrectionSpec(
    const ops::OrderActuals& a, const StoredOrder& o, enterprise::OrderActuals& e,
    const std::vector<enterprise::OutboxMessage>& earlier) {
  // Once final actuals exist they supersede every interim message (the order-correction that
  // the operations layer sends with this one corrects them).
  const bool finalised = std::any_of(earlier.begin(), earlier.end(), [](const auto& m) {
    return m.kind == kCompletion || m.kind == kCorrection;
  });
  if (finalised || o.order.state == OrderState::kCompleted) return OutboxMessageSpec{};
  // The shift's figures as last sent, and the latest cumulative totals: the correction sends
  // those totals with this shift's difference applied.
  std::optional<enterprise::OrderActuals> old_shift;
  std::optional<enterprise::OrderActuals> latest;
  std::string old_key;
  for (const enterprise::OutboxMessage& m : earlier) {
    if (!IsInterim(m)) continue;
    auto p = enterprise::ActualsFromJson(m.payload);
    if (!p.ok()) continue;
    if (p->shift == a.shift) {
      old_shift = *p;
      old_key = m.idempotency_key;
    }
    latest = *p;
  }
  if (!old_shift || !latest) {
    spdlog::info("erp: shift-correction {} of {} ({}) not sent: that shift was not handed on",
                 a.correction, e.order_key, a.shift);
    return OutboxMessageSpec{};
  }
  const double good = e.good, scrap = e.scrap;
  const Duration run = e.run_time;
  e.good = latest->good - old_shift->shift_good + good;
  e.scrap = latest->scrap - old_shift->shift_scrap + scrap;
  e.run_time = latest->run_time - old_shift->shift_run_time + run;
  e.from = latest->from;
  e.to = std::max(latest->to, e.to);
  e.consumption = enterprise::PlannedConsumption(o.order, e.good + e.scrap);
  e.shift = a.shift;
  e.shift_good = good;
  e.shift_scrap = scrap;
  e.shift_run_time = run;
  e.correction = a.correction;
  e.corrects = old_key;
  OutboxMessageSpec spec;
  spec.kind = kShiftCorrection;
  spec.order_key = e.order_key;
  spec.sequence = (a.end / kSecond) * 1000 + std::min<int64_t>(a.correction, 999);
  return spec;
}

Status EnterpriseService::EnqueueInterval() {
  GANTRY_ASSIGN_OR_RETURN(std::vector<StoredOrder> running, orders_->List(OrderState::kRunning));
  const int64_t sequence = clock_.Now() / settings_.interval;
  for (const StoredOrder& o : running) {
    auto a = hooks_.actuals_for_order(o.order.Key());
    if (!a.ok()) continue;  // not started on the shop floor yet
    GANTRY_ASSIGN_OR_RETURN(enterprise::OrderActuals e, ToErpActuals(*a, o, false, false));
    std::lock_guard lock(api_mu_);
    GANTRY_RETURN_IF_ERROR(
        api_outbox_->Enqueue({kInterval, o.order.Key(), sequence, enterprise::ActualsToJson(e)})
            .status());
  }
  return Status::Ok();
}

RouteModule EnterpriseService::Routes() {
  EnterpriseApi api;
  api.orders = orders_.get();
  api.apply_order = hooks_.apply_order;
  if (hooks_.actuals_for_order) {
    api.progress = [this](const std::string& key) -> Result<enterprise::OrderActuals> {
      GANTRY_ASSIGN_OR_RETURN(StoredOrder o, orders_->Get(key));
      GANTRY_ASSIGN_OR_RETURN(ops::OrderActuals a, hooks_.actuals_for_order(key));
      return ToErpActuals(a, o, a.complete, true);
    };
  }
  api.outbox_list = [this](std::optional<enterprise::MessageState> state)
      -> Result<std::vector<enterprise::OutboxMessage>> {
    std::lock_guard lock(api_mu_);
    if (state) return api_outbox_->List(*state);
    GANTRY_ASSIGN_OR_RETURN(auto pending, api_outbox_->List(enterprise::MessageState::kPending));
    GANTRY_ASSIGN_OR_RETURN(auto held, api_outbox_->List(enterprise::MessageState::kQuarantined));
    pending.insert(pending.end(), held.begin(), held.end());
    std::sort(pending.begin(), pending.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    return pending;
  };
  api.outbox_retry = [this](const std::string& key) {
    Status s;
    {
      std::lock_guard lock(api_mu_);
      s = api_outbox_->Retry(key);
    }
    if (s.ok()) WakeDrainer();
    return s;
  };
  api.outbox_export = [this]() {
    std::lock_guard lock(api_mu_);
    return api_outbox_->ExportQuarantined();
  };
  api.reconciliation = [this](Timestamp from, Timestamp to) {
    return ReconciliationJson(from, to);
  };
  return EnterpriseRoutes(std::move(api));
}

Result<std::string> EnterpriseService::ReconciliationJson(Timestamp from, Timestamp to) {
  GANTRY_ASSIGN_OR_RETURN(std::vector<StoredOrder> all, orders_->List());
  std::set<std::string> keys;
  {
    std::lock_guard lock(api_mu_);
    GANTRY_ASSIGN_OR_RETURN(auto enqueued, api_outbox_->ListEnqueued(from, to));
    for (const auto& m : enqueued) keys.insert(m.order_key);
  }
  std::vector<enterprise::ReconciliationEntry> entries;
  for (const StoredOrder& o : all) {
    const bool in_range = (o.updated_at >= from && o.updated_at < to) ||
                          (o.completed_at >= from && o.completed_at < to);
    if (!in_range && !keys.count(o.order.Key())) continue;
    enterprise::ReconciliationEntry e;
    e.order = o;
    if (hooks_.actuals_for_order && o.order.state != OrderState::kDraft &&
        o.order.state != OrderState::kReleased) {
      auto a = hooks_.actuals_for_order(o.order.Key());
      if (a.ok()) {
        auto converted = ToErpActuals(*a, o, a->complete, true);
        if (converted.ok()) e.ledger = *converted;
      } else if (a.status().code() != StatusCode::kNotFound) {
        e.ledger_error = a.status().ToString();
      }
    }
    {
      std::lock_guard lock(api_mu_);
      GANTRY_ASSIGN_OR_RETURN(e.messages, api_outbox_->ListForOrder(o.order.Key()));
    }
    if (settings_.tryton && o.order.source == "tryton") {
      std::lock_guard lock(tryton_read_mu_);
      if (!tryton_read_) {
        auto c = enterprise::TrytonAdapter::Connect(settings_.tryton->config);
        if (c.ok())
          tryton_read_ = std::move(c).value();
        else
          e.erp_error = c.status().ToString();
      }
      if (tryton_read_) {
        int64_t id = 0;
        try {
          id = std::stoll(o.order.external_id);
        } catch (...) {
        }
        auto held = tryton_read_->ReadProduction(id);
        if (held.ok())
          e.erp = *held;
        else
          e.erp_error = held.status().ToString();
      }
    }
    entries.push_back(std::move(e));
  }
  return enterprise::ReconciliationJson(entries, from, to);
}

std::string EnterpriseService::MetricsText() const {
  enterprise::OutboxMetrics m;
  {
    std::lock_guard lock(metrics_mu_);
    m = metrics_;
  }
  std::string out;
  out += "# TYPE gantry_outbox_backlog gauge\ngantry_outbox_backlog " + std::to_string(m.backlog) +
         "\n";
  out += "# TYPE gantry_outbox_quarantined gauge\ngantry_outbox_quarantined " +
         std::to_string(m.quarantined) + "\n";
  out +=
      "# TYPE gantry_outbox_oldest_pending_seconds gauge\ngantry_outbox_oldest_pending_seconds " +
      Seconds(m.oldest_pending_age) + "\n";
  out += "# TYPE gantry_outbox_delivered_total counter\ngantry_outbox_delivered_total " +
         std::to_string(m.delivered_since_open) + "\n";
  out += "# TYPE gantry_outbox_delivery_latency_seconds summary\n";
  out +=
      "gantry_outbox_delivery_latency_seconds{quantile=\"0.5\"} " + Seconds(m.latency_p50) + "\n";
  out +=
      "gantry_outbox_delivery_latency_seconds{quantile=\"0.99\"} " + Seconds(m.latency_p99) + "\n";
  out += "gantry_outbox_delivery_latency_seconds{quantile=\"1\"} " + Seconds(m.latency_max) + "\n";
  out += "# TYPE gantry_erp_orders_synced_total counter\ngantry_erp_orders_synced_total " +
         std::to_string(pulled_.load()) + "\n";
  out += "# TYPE gantry_erp_pull_errors_total counter\ngantry_erp_pull_errors_total " +
         std::to_string(pull_errors_.load()) + "\n";
  return out;
}

}  // namespace gantry
