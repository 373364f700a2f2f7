// Keeps CurrentValues up to date: one thread drains a tag bus subscription into it.
//
//   CurrentValueUpdater updater(bus, values);   // subscribes now, so nothing published is missed
//   updater.Start();
//   ...
//   updater.Stop();                             // also done by the destructor
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "core/status.h"
#include "data/current_values.h"
#include "data/tag_bus.h"

namespace gantry {

class CurrentValueUpdater {
 public:
  // Subscribes to `bus` as "current-values" with a drop-oldest queue (fresh values matter more
  // than old ones here; drops are counted by the bus). `values` must outlive this object.
  CurrentValueUpdater(TagBus& bus, CurrentValues& values, size_t capacity_samples = 1'000'000);
  ~CurrentValueUpdater();
  CurrentValueUpdater(const CurrentValueUpdater&) = delete;
  CurrentValueUpdater& operator=(const CurrentValueUpdater&) = delete;

  // Starts the draining thread. FailedPrecondition when already started.
  Status Start();
  // Applies what is still queued, stops and joins the thread; idempotent.
  void Stop();

  // The subscription's queue statistics (delivered, dropped, depth).
  SubscriberStats Stats() const { return subscription_->Stats(); }

 private:
  void Run();

  CurrentValues& values_;
  std::unique_ptr<Subscription> subscription_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // owns Run(); touches only values_ and subscription_
};

}  // namespace gantry
