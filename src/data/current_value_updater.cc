#include "data/current_value_updater.h"

namespace gantry {

CurrentValueUpdater::CurrentValueUpdater(TagBus& bus, CurrentValues& values,
                                         size_t capacity_samples)
    : values_(values),
      subscription_(
          bus.Subscribe("current-values", capacity_samples, OverflowPolicy::kDropOldest)) {}

CurrentValueUpdater::~CurrentValueUpdater() {
  Stop();
}

Status CurrentValueUpdater::Start() {
  if (thread_.joinable()) return FailedPrecondition("current value updater already started");
  stop_.store(false);
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void CurrentValueUpdater::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  thread_.join();
  while (SampleBatch batch = subscription_->TryPop()) values_.Apply(*batch);
}

void CurrentValueUpdater::Run() {
  while (!stop_.load(std::memory_order_relaxed)) {
    if (SampleBatch batch = subscription_->Pop(50 * kMillisecond)) values_.Apply(*batch);
  }
}

}  // namespace gantry
