// The tag bus: connectors publish batches of samples; every subscriber (historian, operations,
// API, publishers) reads them from its own bounded queue. Publishing never blocks on a subscriber:
// a full queue drops by the subscriber's own policy, counts every dropped sample and logs a
// rate-limited warning naming the subscriber, so a slow consumer is visible, never silent.
//
//   TagBus bus;
//   auto sub = bus.Subscribe("historian", 1'000'000, OverflowPolicy::kDropOldest);
//   bus.Publish(std::move(batch));                     // from any connector thread
//   if (SampleBatch b = sub->Pop(100 * kMillisecond)) for (const Sample& s : *b) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/sample.h"
#include "core/sample_sink.h"
#include "core/time.h"

namespace gantry {

// One published batch, shared read-only by every subscriber that received it. A shared_ptr
// because the batch has several owners (one per subscriber queue) whose lifetimes are unrelated;
// it is allocated once per batch, never copied per subscriber.
using SampleBatch = std::shared_ptr<const std::vector<Sample>>;

// What a full subscriber queue does with a batch that does not fit. Either way the lost samples
// are counted in SubscriberStats::dropped_samples.
enum class OverflowPolicy : uint8_t {
  kDropNewest,  // keep what is queued, drop the incoming batch (keeps history contiguous)
  kDropOldest,  // drop the oldest queued batches until the new one fits (keeps data fresh)
};
std::string_view OverflowPolicyName(OverflowPolicy p);

// A snapshot of one subscriber's queue, for /metrics and logs.
struct SubscriberStats {
  std::string name;
  OverflowPolicy policy = OverflowPolicy::kDropNewest;
  size_t capacity_samples = 0;
  uint64_t delivered_samples = 0;  // handed to the subscriber by Pop/TryPop
  uint64_t delivered_batches = 0;
  uint64_t dropped_samples = 0;  // lost to overflow
  uint64_t dropped_batches = 0;
  size_t queued_samples = 0;  // waiting in the queue now
  size_t queued_batches = 0;
  size_t high_water_samples = 0;  // most samples ever queued at once
};

// Totals over the bus's life.
struct TagBusStats {
  uint64_t published_samples = 0;
  uint64_t published_batches = 0;
  std::vector<SubscriberStats> subscribers;  // in subscription order
};

namespace tag_bus_internal {
struct BusState;
struct SubscriberQueue;
}  // namespace tag_bus_internal

// A subscriber's end of the bus. Owned by the subscriber; destroying it unsubscribes. Pop/TryPop
// are meant for one consumer thread at a time (several are safe, each batch goes to one of them);
// Stats() may be called from any thread.
class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The next batch, waiting up to `timeout` (0 = do not wait); null when none arrived in time.
  SampleBatch Pop(Duration timeout);
  // The next batch if one is queued, else null. Never waits.
  SampleBatch TryPop();

  SubscriberStats Stats() const;
  const std::string& name() const;

 private:
  friend class TagBus;
  Subscription(std::shared_ptr<tag_bus_internal::BusState> bus,
               std::shared_ptr<tag_bus_internal::SubscriberQueue> queue);

  // Shared with the bus: either side may be destroyed first.
  std::shared_ptr<tag_bus_internal::BusState> bus_;
  std::shared_ptr<tag_bus_internal::SubscriberQueue> queue_;
};

class TagBus final : public SampleSink {
 public:
  TagBus();
  ~TagBus() override;
  TagBus(const TagBus&) = delete;
  TagBus& operator=(const TagBus&) = delete;

  // Hands `batch` to every current subscriber. Never blocks on a subscriber (only on short
  // internal locks); an empty batch is ignored. Thread-safe.
  void Publish(std::vector<Sample> batch) override;

  // Adds a subscriber with a queue of at most `capacity_samples` samples (minimum 1; an empty
  // queue always accepts one batch, so a batch larger than the capacity is not lost for good).
  // It receives batches published after this call. `name` appears in stats and warnings.
  // Thread-safe.
  std::unique_ptr<Subscription> Subscribe(std::string name, size_t capacity_samples,
                                          OverflowPolicy policy);

  // Snapshot of the totals and every subscriber's queue. Thread-safe.
  TagBusStats Stats() const;

 private:
  std::shared_ptr<tag_bus_internal::BusState> state_;
};

}  // namespace gantry
