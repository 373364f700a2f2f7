#include "app/operations_service.h"

#include <spdlog/spdlog.h>

#include "context/kpi_api.h"

namespace gantry {

Result<std::unique_ptr<OperationsService>> OperationsService::Create(
    ops::OperationsConfig config, const ops::TagResolver& resolver, TagBus& bus,
    const std::string& data_dir, const Clock& clock, OperationsServiceOptions options) {
  std::unique_ptr<OperationsService> s(new OperationsService(clock, options));
  s->cube_ = std::make_unique<ctx::KpiCube>(config);
  GANTRY_ASSIGN_OR_RETURN(s->engine_, ops::OperationsEngine::Create(std::move(config), resolver));
  GANTRY_ASSIGN_OR_RETURN(s->store_, ops::EventStore::Open(data_dir + "/operations.sqlite"));
  const Timestamp start = clock.Now();
  s->started_at_ = start;
  s->recorder_ = std::make_unique<ops::IntervalRecorder>(*s->engine_, *s->store_, start);
  for (const ops::WorkCentreRules& wc : s->engine_->config().work_centres)
    s->cubed_until_[wc.path] = start;
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

void OperationsService::Run() {
  Timestamp next_close = clock_.Now() + options_.close_every;
  while (!stop_.load()) {
    Drain(100 * kMillisecond);
    const Timestamp now = clock_.Now();
    if (now < next_close) continue;
    next_close = now + options_.close_every;
    Status s = CloseUpTo(now - options_.close_lag);
    if (!s.ok()) spdlog::error("operations: closing intervals failed: {}", s.ToString());
  }
  Drain(0);
  Status s = CloseUpTo(clock_.Now() - options_.close_lag);
  if (!s.ok()) spdlog::error("operations: closing intervals failed: {}", s.ToString());
}

Status OperationsService::CloseUpTo(Timestamp watermark) {
  std::lock_guard<std::mutex> lock(mu_);
  // The recorder also lets the engine forget what is recorded and beyond the late-data horizon.
  GANTRY_RETURN_IF_ERROR(recorder_->CloseUpTo(watermark));
  for (auto& [wc, cubed] : cubed_until_) {
    const Timestamp closed = recorder_->ClosedUntil(wc);
    // After a correction the recorder records again from before `cubed`; the cube keeps what it
    // had (a late sample's change to hours already in the cube does not reach it).
    if (closed <= cubed) continue;
    const ops::ShiftCalendar& calendar = engine_->CalendarOf(wc);
    for (const ops::Segment& seg : engine_->Segments(wc, cubed, closed)) cube_->Add(seg, calendar);
    cubed = closed;
  }
  return Status::Ok();
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
  ctx::KpiCube cube = WithOpenTail(*cube_, *engine_, cubed_until_, clock_.Now());
  return ctx::OeeJson(cube, scope, from, to, by);
}

Result<std::string> OperationsService::DowntimeJson(std::string_view scope, Timestamp from,
                                                    Timestamp to) const {
  std::lock_guard<std::mutex> lock(mu_);
  // Intervals come from the engine's memory (the cube only says which work centres make up
  // `scope`): the last 2 late-data horizons at least. Before this service started the engine
  // knows nothing (it would call that time no_data, with the calendar's planned stops), so the
  // range begins at the start at the earliest.
  if (from < started_at_ && started_at_ < to) from = started_at_;
  return ctx::DowntimeJson(*engine_, *cube_, scope, from, to);
}

Status OperationsService::AssignReason(const std::string& work_centre, Timestamp stop_start,
                                       const std::string& reason, const std::string& by) {
  std::lock_guard<std::mutex> lock(mu_);
  if (engine_->config().FindWorkCentre(work_centre) == nullptr)
    return NotFound("unknown work centre '" + work_centre + "'");
  return recorder_->AssignReason(work_centre, stop_start, reason, by);
}

}  // namespace gantry
