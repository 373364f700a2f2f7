#include "app/operations_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "context/kpi_api.h"

namespace gantry {

using ops::OrderTransition;

Result<std::unique_ptr<OperationsService>> OperationsService::Create(
    ops::OperationsConfig config, const ops::TagResolver& resolver, TagBus& bus,
    const std::string& data_dir, const Clock& clock, OperationsServiceOptions options) {
  std::unique_ptr<OperationsService> s(new OperationsService(clock, options));
  s->cube_ = std::make_unique<ctx::KpiCube>(config);
  GANTRY_ASSIGN_OR_RETURN(s->engine_, ops::OperationsEngine::Create(std::move(config), resolver));
  GANTRY_ASSIGN_OR_RETURN(s->store_, ops::EventStore::Open(data_dir + "/operations.sqlite"));
  const Timestamp now = clock.Now();
  s->recorder_ = std::make_unique<ops::IntervalRecorder>(*s->engine_, *s->store_, now);

  // What an earlier run recorded: orders and declared stops back into the engine.
  GANTRY_ASSIGN_OR_RETURN(std::vector<OrderTransition> transitions,
                          s->store_->LoadOrderTransitions());
  for (const OrderTransition& t : transitions) {
    if (!s->engine_->ApplyOrderTransition(t).ok()) continue;  // a work centre no longer configured
    s->TrackOrder(t);
  }
  GANTRY_ASSIGN_OR_RETURN(std::vector<ops::DeclaredStop> stops, s->store_->LoadPlannedStops());
  for (const ops::DeclaredStop& d : stops)
    (void)s->engine_->DeclarePlannedStop(d.work_centre, d.start, d.end, d.reason);

  // The cube from the recorded intervals; recording continues where it stopped.
  for (const ops::WorkCentreRules& wc : s->engine_->config().work_centres) {
    s->work_centres_.push_back(wc.path);
    GANTRY_ASSIGN_OR_RETURN(Timestamp last, s->store_->LastIntervalEnd(wc.path));
    Timestamp resume = now;
    if (last > 0 && last < now) {
      const ops::ShiftCalendar& calendar = s->engine_->CalendarOf(wc.path);
      GANTRY_ASSIGN_OR_RETURN(std::vector<ops::Segment> segs,
                              s->store_->LoadIntervals(wc.path, INT64_MIN, last));
      for (const ops::Segment& seg : segs) s->cube_->Add(seg, calendar);
      resume = std::max(last, now - options.max_gap);
      s->recorder_->ResumeFrom(wc.path, resume);
    }
    s->cubed_until_[wc.path] = resume;
    s->shifts_checked_until_[wc.path] = last > 0 && last < now ? last : now;
    // Actuals handed on shortly before the stop, in case a late sample corrected their intervals
    // and the correction was not handed on before the stop (a check; nothing is sent twice).
    if (last > 0)
      GANTRY_RETURN_IF_ERROR(
          s->QueueCorrections(wc.path, last - 2 * s->engine_->config().late_data_horizon));
  }
  // Completed orders whose actuals were not handed on yet.
  for (const auto& [order, info] : s->orders_) {
    if (!info.completed) continue;
    GANTRY_ASSIGN_OR_RETURN(bool done, s->store_->ActualsFinalRecorded(
                                           "order-complete|" + info.work_centre + "|" + order));
    if (!done)
      s->pending_.push_back(
          {"order-complete", info.work_centre, order, "", info.start, info.end, "", false});
  }
  s->subscription_ =
      bus.Subscribe("operations", options.queue_samples, OverflowPolicy::kDropNewest);
  return s;
}

OperationsService::~OperationsService() {
  Stop();
}

void OperationsService::Start() {
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void OperationsService::Stop() {
  if (!started_) return;
  started_ = false;
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void OperationsService::Drain(Duration wait) {
  SampleBatch batch = subscription_->Pop(wait);
  while (batch) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      engine_->Publish(std::span<const Sample>(*batch));
    }
    batch = subscription_->TryPop();
  }
}

void OperationsService::Pump() {
  Drain(0);
}

void OperationsService::Run() {
  Timestamp next_close = clock_.Now() + options_.close_every;
  while (!stop_.load()) {
    Drain(100 * kMillisecond);
    const Timestamp now = clock_.Now();
    if (now < next_close && !CompletionSettled(now - options_.close_lag)) continue;
    next_close = now + options_.close_every;
    Status s = CloseUpTo(now - options_.close_lag);
    if (!s.ok()) spdlog::error("operations: closing intervals failed: {}", s.ToString());
  }
  Drain(0);
  Status s = CloseUpTo(clock_.Now() - options_.close_lag);
  if (!s.ok()) spdlog::error("operations: closing intervals failed: {}", s.ToString());
}

Status OperationsService::RecomputeCube(const std::string& wc, Timestamp from) {
  const ops::ShiftCalendar& calendar = engine_->CalendarOf(wc);
  const Timestamp hour = calendar.HourOf(from).start;
  const Timestamp closed = recorder_->ClosedUntil(wc);
  cube_->RemoveFrom(wc, hour);
  GANTRY_ASSIGN_OR_RETURN(std::vector<ops::Segment> segs, store_->LoadIntervals(wc, hour, closed));
  for (const ops::Segment& seg : segs) cube_->Add(seg, calendar);
  cubed_until_[wc] = std::max(closed, hour);
  return Status::Ok();
}

Status OperationsService::CloseUpTo(Timestamp watermark) {
  std::lock_guard<std::mutex> lock(mu_);
  // The recorder also lets the engine forget what is recorded and beyond the late-data horizon,
  // but not what the cube still takes from the engine below (a close spanning hours, e.g. after
  // the operations thread stalled, would otherwise lose the units of its first hours).
  Timestamp keep_from = INT64_MAX;
  for (const auto& [wc, t] : cubed_until_) keep_from = std::min(keep_from, t);
  GANTRY_RETURN_IF_ERROR(recorder_->CloseUpTo(watermark, keep_from));
  // Hours a correction touched are summed again from the store (no double counting).
  for (const auto& [wc, from] : recorder_->TakeReopened()) {
    if (from < cubed_until_[wc]) GANTRY_RETURN_IF_ERROR(RecomputeCube(wc, from));
    GANTRY_RETURN_IF_ERROR(QueueCorrections(wc, from));  // actuals handed on already
  }
  for (auto& [wc, cubed] : cubed_until_) {
    const Timestamp closed = recorder_->ClosedUntil(wc);
    if (closed <= cubed) continue;
    const ops::ShiftCalendar& calendar = engine_->CalendarOf(wc);
    for (const ops::Segment& seg : engine_->Segments(wc, cubed, closed)) cube_->Add(seg, calendar);
    cubed = closed;
  }
  // Shifts that ended in what is now recorded.
  for (auto& [wc, checked] : shifts_checked_until_) {
    const Timestamp closed = recorder_->ClosedUntil(wc);
    if (closed <= checked) continue;
    const ops::ShiftCalendar& calendar = engine_->CalendarOf(wc);
    if (!calendar.AlwaysScheduled())
      for (const ops::ShiftInstance& si : calendar.Shifts(checked, closed))
        if (si.end > checked && si.end <= closed)
          pending_.push_back({"shift-end", wc, "", si.Id(), si.start, si.end, "", false});
    checked = closed;
  }
  return FirePending();
}

bool OperationsService::CompletionSettled(Timestamp watermark) const {
  // A completed order's actuals leave as soon as its intervals up to the completion are settled
  // (close_lag after it, or when a short stop open at completion has ended or outgrown the
  // micro-stop threshold), not at the next regular close. One already recorded but still
  // pending (its listener failed) waits for the regular cadence instead of a close every loop.
  std::lock_guard<std::mutex> lock(mu_);
  for (const Pending& p : pending_) {
    if (p.trigger != "order-complete") continue;
    const Timestamp closed = recorder_->ClosedUntil(p.work_centre);
    if (closed < p.end && engine_->SettledUntil(p.work_centre, closed, watermark) >= p.end)
      return true;
  }
  return false;
}

namespace {

std::string ActualsBody(const ops::OrderActuals& a, std::string_view trigger) {
  auto seconds = [](Duration d) { return static_cast<double>(d) / static_cast<double>(kSecond); };
  nlohmann::json j{{"trigger", trigger},
                   {"order", a.order},
                   {"product", a.product},
                   {"shift", a.shift},
                   {"start", FormatIso8601(a.start)},
                   {"end", FormatIso8601(a.end)},
                   {"good", a.good},
                   {"scrap", a.scrap},
                   {"rework", a.rework},
                   {"run_time_s", seconds(a.run_time)},
                   {"downtime_s", seconds(a.downtime)},
                   {"planned_downtime_s", seconds(a.planned_downtime)},
                   {"complete", a.complete}};
  if (a.correction > 0) {
    j["correction"] = a.correction;
  }
  return j.dump();
}

constexpr std::string_view kCorrectionKey = "correction|";

// The figures of an actuals body, without what says which message it is.
nlohmann::json Figures(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return nlohmann::json();
  for (const char* k : {"trigger", "corrects", "correction"}) j.erase(k);
  return j;
}

}  // namespace

Status OperationsService::OfferActuals(const std::string& key, const ops::OrderActuals& a,
                                       std::string_view trigger) {
  std::function<Status(sqlite3*)> in_txn;
  if (listener_) in_txn = [&](sqlite3* db) { return listener_(a, trigger, db); };
  Result<uint64_t> seq = store_->AppendActualsFinal(key, a.work_centre, a.start, a.end,
                                                    ActualsBody(a, trigger), in_txn);
  if (!seq.ok() && seq.status().code() == StatusCode::kAlreadyExists) return Status::Ok();
  return seq.status();
}

Status OperationsService::QueueCorrections(const std::string& wc, Timestamp from) {
  GANTRY_ASSIGN_OR_RETURN(std::vector<ops::EventStore::HandedOn> handed,
                          store_->LoadHandedOn(wc, from));
  for (const ops::EventStore::HandedOn& h : handed) {
    if (h.key.starts_with(kCorrectionKey)) continue;
    if (std::any_of(pending_.begin(), pending_.end(),
                    [&](const Pending& p) { return p.corrects == h.key; }))
      continue;
    nlohmann::json j = nlohmann::json::parse(h.body, nullptr, false);
    if (!j.is_object()) continue;
    const bool order = h.key.starts_with("order-complete|");
    pending_.push_back({order ? "order-correction" : "shift-correction", wc,
                        j.value("order", std::string()),
                        order ? std::string() : j.value("shift", std::string()), h.start, h.end,
                        h.key, j.value("complete", false)});
  }
  return Status::Ok();
}

Status OperationsService::FireCorrection(const Pending& p) {
  GANTRY_ASSIGN_OR_RETURN(std::vector<ops::Segment> segs,
                          store_->LoadIntervals(p.work_centre, p.start, p.end));
  ops::OrderActuals a = ops::SumOrderActuals(p.order, segs);
  a.work_centre = p.work_centre;
  a.shift = p.shift;
  if (p.shift.empty()) {  // the whole order, as for order-complete
    a.start = p.start;
    a.end = p.end;
  }
  if (auto it = orders_.find(p.order); it != orders_.end()) a.product = it->second.product;
  a.complete = p.complete;
  // The last figures handed on for these actuals: the original or its latest correction.
  GANTRY_ASSIGN_OR_RETURN(std::vector<ops::EventStore::HandedOn> handed,
                          store_->LoadHandedOn(p.work_centre, p.end - 1));
  const std::string prefix = std::string(kCorrectionKey) + p.corrects + "|";
  const ops::EventStore::HandedOn* last = nullptr;
  uint32_t corrections = 0;
  for (const ops::EventStore::HandedOn& h : handed) {
    if (h.key == p.corrects) last = &h;
    if (h.key.starts_with(prefix)) {
      last = &h;
      ++corrections;
    }
  }
  if (last == nullptr) return Status::Ok();  // nothing was handed on
  if (Figures(last->body) == Figures(ActualsBody(a, p.trigger))) return Status::Ok();
  a.correction = corrections + 1;
  return OfferActuals(prefix + std::to_string(a.correction), a, p.trigger);
}

Status OperationsService::FirePending() {
  Status first_error = Status::Ok();
  std::vector<Pending> keep;
  for (const Pending& p : pending_) {
    if (recorder_->ClosedUntil(p.work_centre) < p.end) {
      keep.push_back(p);
      continue;
    }
    Status s = Status::Ok();
    if (!p.corrects.empty()) {
      s = FireCorrection(p);
    } else if (p.trigger == "order-complete") {
      Result<std::vector<ops::Segment>> segs = store_->LoadIntervals(p.work_centre, p.start, p.end);
      if (segs.ok()) {
        ops::OrderActuals a = ops::SumOrderActuals(p.order, *segs);
        a.work_centre = p.work_centre;
        a.start = p.start;
        a.end = p.end;
        if (auto it = orders_.find(p.order); it != orders_.end()) a.product = it->second.product;
        a.complete = true;
        s = OfferActuals("order-complete|" + p.work_centre + "|" + p.order, a, p.trigger);
      } else {
        s = segs.status();
      }
    } else {
      Result<std::vector<ops::Segment>> segs = store_->LoadIntervals(p.work_centre, p.start, p.end);
      if (segs.ok()) {
        std::vector<std::string> orders;  // first seen first
        for (const ops::Segment& seg : *segs)
          if (!seg.order.empty() &&
              std::find(orders.begin(), orders.end(), seg.order) == orders.end())
            orders.push_back(seg.order);
        for (const std::string& order : orders) {
          ops::OrderActuals a = ops::SumOrderActuals(order, *segs);
          a.work_centre = p.work_centre;
          a.shift = p.shift;
          auto it = orders_.find(order);
          a.complete = it != orders_.end() && it->second.completed && it->second.end <= p.end;
          Status one = OfferActuals("shift-end|" + p.work_centre + "|" + p.shift + "|" + order, a,
                                    p.trigger);
          if (!one.ok() && s.ok()) s = one;
        }
      } else {
        s = segs.status();
      }
    }
    if (!s.ok()) {
      spdlog::warn("operations: {} actuals of {} {}{} not handed on (retried): {}", p.trigger,
                   p.work_centre, p.order, p.shift, s.ToString());
      keep.push_back(p);
      if (first_error.ok()) first_error = s;
    }
  }
  pending_ = std::move(keep);
  return first_error;
}

// --- orders ---

void OperationsService::TrackOrder(const OrderTransition& t) {
  WorkCentreOrders& w = wc_orders_[t.work_centre];
  switch (t.action) {
    case OrderTransition::Action::kStart: {
      w.running = t.order;
      w.paused.clear();
      OrderInfo& info = orders_[t.order];
      info = OrderInfo{t.work_centre, t.product, t.time, 0, false};
      break;
    }
    case OrderTransition::Action::kPause:
      w.paused = w.running;
      w.running.clear();
      break;
    case OrderTransition::Action::kResume:
      w.running = w.paused;
      w.paused.clear();
      break;
    case OrderTransition::Action::kComplete: {
      const std::string order = !t.order.empty() ? t.order : w.running;
      if (auto it = orders_.find(order); it != orders_.end()) {
        it->second.completed = true;
        it->second.end = t.time;
      }
      if (w.running == order) w.running.clear();
      if (w.paused == order) w.paused.clear();
      break;
    }
    case OrderTransition::Action::kOperator: break;
  }
}

Status OperationsService::CheckOrder(OrderTransition& t) const {
  if (engine_->config().FindWorkCentre(t.work_centre) == nullptr)
    return NotFound("unknown work centre '" + t.work_centre + "'");
  if (t.time < recorder_->ClosedUntil(t.work_centre))
    return InvalidArgument("time " + FormatIso8601(t.time) + " is before " +
                           FormatIso8601(recorder_->ClosedUntil(t.work_centre)) +
                           ", up to which the intervals of " + t.work_centre +
                           " are already recorded");
  const WorkCentreOrders none;
  auto w_it = wc_orders_.find(t.work_centre);
  const WorkCentreOrders& w = w_it == wc_orders_.end() ? none : w_it->second;
  auto named = [&](const std::string& current, std::string_view what) -> Status {
    if (current.empty())
      return FailedPrecondition("no order is " + std::string(what) + " on " + t.work_centre);
    if (!t.order.empty() && t.order != current)
      return FailedPrecondition("order " + t.order + " is not " + std::string(what) + " on " +
                                t.work_centre + " (" + current + " is)");
    t.order = current;
    if (t.product.empty())
      if (auto it = orders_.find(current); it != orders_.end()) t.product = it->second.product;
    return Status::Ok();
  };
  switch (t.action) {
    case OrderTransition::Action::kStart: {
      if (t.order.empty()) return InvalidArgument("order: required to start an order");
      if (!w.running.empty())
        return FailedPrecondition("order " + w.running + " is running on " + t.work_centre +
                                  "; complete or pause it first");
      if (!w.paused.empty())
        return FailedPrecondition("order " + w.paused + " is paused on " + t.work_centre +
                                  "; resume or complete it first");
      auto it = orders_.find(t.order);
      if (it != orders_.end() && it->second.completed)
        return FailedPrecondition("order " + t.order + " was completed");
      if (it != orders_.end())
        return FailedPrecondition("order " + t.order + " was started on " + it->second.work_centre);
      return Status::Ok();
    }
    case OrderTransition::Action::kPause: return named(w.running, "running");
    case OrderTransition::Action::kResume: return named(w.paused, "paused");
    case OrderTransition::Action::kComplete:
      return named(!w.running.empty() ? w.running : w.paused, "running or paused");
    case OrderTransition::Action::kOperator:
      if (t.operator_name.empty()) return InvalidArgument("operator: required");
      return Status::Ok();
  }
  return InvalidArgument("unknown order action");
}

Status OperationsService::ApplyOrder(const OrderTransition& transition, const std::string& by) {
  std::lock_guard<std::mutex> lock(mu_);
  OrderTransition t = transition;
  if (t.time == 0) t.time = clock_.Now();
  GANTRY_RETURN_IF_ERROR(CheckOrder(t));
  GANTRY_RETURN_IF_ERROR(store_->AppendOrder(t, by).status());
  GANTRY_RETURN_IF_ERROR(engine_->ApplyOrderTransition(t));
  TrackOrder(t);
  if (t.action == OrderTransition::Action::kComplete) {
    const OrderInfo& info = orders_.at(t.order);
    pending_.push_back(
        {"order-complete", t.work_centre, t.order, "", info.start, info.end, "", false});
  }
  return Status::Ok();
}

Result<ops::OrderActuals> OperationsService::ActualsForOrder(const std::string& order) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = orders_.find(order);
  if (it == orders_.end()) return NotFound("no order '" + order + "' was started");
  const OrderInfo& info = it->second;
  const Timestamp closed = recorder_->ClosedUntil(info.work_centre);
  const Timestamp end = info.completed ? info.end : clock_.Now();
  GANTRY_ASSIGN_OR_RETURN(
      std::vector<ops::Segment> segs,
      store_->LoadIntervals(info.work_centre, info.start, std::min(end, closed)));
  if (closed < end) {
    std::vector<ops::Segment> tail =
        engine_->Segments(info.work_centre, std::max(closed, info.start), end);
    segs.insert(segs.end(), tail.begin(), tail.end());
  }
  ops::OrderActuals a = ops::SumOrderActuals(order, segs);
  a.work_centre = info.work_centre;
  a.product = info.product;
  a.start = info.start;
  a.end = end;
  a.complete = info.completed && closed >= info.end;
  return a;
}

void OperationsService::SetActualsListener(ActualsListener listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = std::move(listener);
}

// --- planned stops ---

Status OperationsService::DeclarePlannedStop(const std::string& wc, Timestamp start, Timestamp end,
                                             const std::string& reason, const std::string& by) {
  std::lock_guard<std::mutex> lock(mu_);
  if (engine_->config().FindWorkCentre(wc) == nullptr)
    return NotFound("unknown work centre '" + wc + "'");
  const Timestamp closed = recorder_->ClosedUntil(wc);
  const Duration horizon = engine_->config().late_data_horizon;
  if (start < closed && start < clock_.Now() - horizon)
    return InvalidArgument("from " + FormatIso8601(start) +
                           " is older than the late-data horizon; recorded time that old is "
                           "not reopened");
  GANTRY_RETURN_IF_ERROR(engine_->DeclarePlannedStop(wc, start, end, reason));
  GANTRY_RETURN_IF_ERROR(store_->AppendPlannedStop({wc, start, end, reason, by}).status());
  if (start < closed)
    recorder_->Reopen(wc, start, "planned stop '" + reason + "' declared by " + by);
  return Status::Ok();
}

// --- reads ---

Result<std::vector<ops::Segment>> OperationsService::ClosedIntervals(const std::string& wc,
                                                                     Timestamp from,
                                                                     Timestamp to) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (engine_->config().FindWorkCentre(wc) == nullptr)
    return NotFound("unknown work centre '" + wc + "'");
  to = std::min(to, recorder_->ClosedUntil(wc));
  if (to <= from) return std::vector<ops::Segment>{};
  return store_->LoadIntervals(wc, from, to);
}

Timestamp OperationsService::ClosedUntil(const std::string& wc) const {
  std::lock_guard<std::mutex> lock(mu_);
  return recorder_->ClosedUntil(wc);
}

std::vector<std::string> OperationsService::WorkCentres() const {
  return work_centres_;
}

namespace {

// Must hold mu_. The cube with every work centre's still-open tail (from what the cube holds up
// to `now`) added, so that answers include the last minutes; the tail is provisional.
ctx::KpiCube WithOpenTail(const ctx::KpiCube& cube, const ops::OperationsEngine& engine,
                          const std::map<std::string, Timestamp>& cubed_until, Timestamp now) {
  ctx::KpiCube copy = cube;
  for (const auto& [wc, cubed] : cubed_until) {
    if (now <= cubed) continue;
    const ops::ShiftCalendar& calendar = engine.CalendarOf(wc);
    for (const ops::Segment& seg : engine.Segments(wc, cubed, now)) copy.Add(seg, calendar);
  }
  return copy;
}

}  // namespace

Result<std::string> OperationsService::EquipmentStateJson(std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return ctx::EquipmentStateJson(*engine_, path, clock_.Now());
}

Result<std::string> OperationsService::OeeJson(std::string_view scope, Timestamp from, Timestamp to,
                                               std::string_view by) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Timestamp now = clock_.Now();
  ctx::KpiCube cube = WithOpenTail(*cube_, *engine_, cubed_until_, now);
  // Parts of hours at either end of the range: recorded intervals clipped to it (a clipped
  // interval's units count where it ends), the open tail exactly from the engine (up to now).
  auto segments_in = [&](const std::string& wc, Timestamp a,
                         Timestamp b) -> Result<std::vector<ops::Segment>> {
    const Timestamp closed = recorder_->ClosedUntil(wc);
    std::vector<ops::Segment> segs;
    if (a < closed) {
      GANTRY_ASSIGN_OR_RETURN(segs, store_->LoadIntervals(wc, a, std::min(b, closed), true));
    }
    if (std::min(b, now) > std::max(a, closed)) {
      std::vector<ops::Segment> tail = engine_->Segments(wc, std::max(a, closed), std::min(b, now));
      segs.insert(segs.end(), tail.begin(), tail.end());
    }
    return segs;
  };
  auto calendar_of = [&](const std::string& wc) -> const ops::ShiftCalendar& {
    return engine_->CalendarOf(wc);
  };
  GANTRY_ASSIGN_OR_RETURN(std::string body,
                          ctx::OeeJson(cube, scope, from, to, by, calendar_of, segments_in));
  if (options_.time_scale == 1.0) return body;
  // The figures are right at any scale (the plant runs on simulated time); say which time it is.
  auto j = nlohmann::ordered_json::parse(body, nullptr, false);
  if (!j.is_object()) return body;
  j["notes"] = {fmt::format(
      "plant time is simulated at {:g}x real time: every time, quantity and ratio is in "
      "simulated time",
      options_.time_scale)};
  return j.dump();
}

Result<std::string> OperationsService::DowntimeJson(std::string_view scope, Timestamp from,
                                                    Timestamp to) const {
  std::lock_guard<std::mutex> lock(mu_);
  // Recorded time from the event store (any age), the open tail from the engine.
  return ctx::DowntimeJson(
      *cube_, scope, from, to, [&](const std::string& wc) -> Result<std::vector<ops::Segment>> {
        const Timestamp closed = recorder_->ClosedUntil(wc);
        std::vector<ops::Segment> segs;
        if (from < closed) {
          GANTRY_ASSIGN_OR_RETURN(segs, store_->LoadIntervals(wc, from, std::min(to, closed)));
        }
        if (to > closed) {
          std::vector<ops::Segment> tail = engine_->Segments(wc, std::max(from, closed), to);
          segs.insert(segs.end(), tail.begin(), tail.end());
        }
        return segs;
      });
}

Status OperationsService::AssignReason(const std::string& work_centre, Timestamp stop_start,
                                       const std::string& reason, const std::string& by) {
  std::lock_guard<std::mutex> lock(mu_);
  if (engine_->config().FindWorkCentre(work_centre) == nullptr)
    return NotFound("unknown work centre '" + work_centre + "'");
  Status s = recorder_->AssignReason(work_centre, stop_start, reason, by);
  if (s.code() != StatusCode::kNotFound) return s;
  // A stop the engine no longer holds (older than its memory, or before a restart): the store
  // knows it; the event alone renames it (reasons do not change KPI sums).
  GANTRY_ASSIGN_OR_RETURN(std::vector<ops::Segment> segs,
                          store_->LoadIntervals(work_centre, stop_start, stop_start + 1));
  const bool unassigned_stop = !segs.empty() && segs.front().stop_start == stop_start &&
                               segs.front().category == ops::StateCategory::kUnplannedDowntime &&
                               segs.front().reason == ops::kUnassignedReason;
  if (!unassigned_stop) return s;
  return store_->AppendReasonAssigned(work_centre, stop_start, reason, by).status();
}

}  // namespace gantry
