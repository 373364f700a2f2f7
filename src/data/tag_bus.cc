#include "data/tag_bus.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>

#include <spdlog/spdlog.h>

namespace gantry {

std::string_view OverflowPolicyName(OverflowPolicy p) {
  switch (p) {
    case OverflowPolicy::kDropNewest: return "drop_newest";
    case OverflowPolicy::kDropOldest: return "drop_oldest";
  }
  return "drop_newest";
}

namespace tag_bus_internal {

// Time between two "slow subscriber" warnings for the same subscriber.
constexpr auto kWarningInterval = std::chrono::seconds(10);

struct SubscriberQueue {
  SubscriberQueue(std::string n, size_t capacity, OverflowPolicy p)
      : name(std::move(n)), capacity_samples(std::max<size_t>(capacity, 1)), policy(p) {}

  const std::string name;
  const size_t capacity_samples;
  const OverflowPolicy policy;

  mutable std::mutex mu;
  std::condition_variable nonempty;
  // Guarded by mu:
  std::deque<SampleBatch> batches;
  size_t queued_samples = 0;
  size_t high_water_samples = 0;
  uint64_t delivered_samples = 0;
  uint64_t delivered_batches = 0;
  uint64_t dropped_samples = 0;
  uint64_t dropped_batches = 0;
  uint64_t dropped_at_last_warning = 0;
  std::chrono::steady_clock::time_point last_warning{};
  bool warned_once = false;

  // Called by publishers; never waits for the consumer.
  void Push(const SampleBatch& batch) {
    const size_t n = batch->size();
    uint64_t warn_dropped = 0;
    uint64_t warn_total = 0;
    {
      std::lock_guard lock(mu);
      // An empty queue always accepts, so an oversized batch is not lost for good.
      bool fits = batches.empty() || queued_samples + n <= capacity_samples;
      if (!fits && policy == OverflowPolicy::kDropOldest) {
        while (!batches.empty() && queued_samples + n > capacity_samples) {
          Dropped(batches.front()->size());
          queued_samples -= batches.front()->size();
          batches.pop_front();
        }
        fits = true;
      }
      if (fits) {
        batches.push_back(batch);
        queued_samples += n;
        high_water_samples = std::max(high_water_samples, queued_samples);
      } else {
        Dropped(n);
      }
      if (dropped_samples != dropped_at_last_warning) {
        const auto now = std::chrono::steady_clock::now();
        if (!warned_once || now - last_warning >= kWarningInterval) {
          warn_dropped = dropped_samples - dropped_at_last_warning;
          warn_total = dropped_samples;
          dropped_at_last_warning = dropped_samples;
          last_warning = now;
          warned_once = true;
        }
      }
    }
    nonempty.notify_one();
    if (warn_dropped != 0) {
      spdlog::warn(
          "tag bus: subscriber '{}' is too slow: dropped {} samples since the last warning "
          "({} in total, policy {}, queue capacity {} samples)",
          name, warn_dropped, warn_total, OverflowPolicyName(policy), capacity_samples);
    }
  }

  void Dropped(size_t n) {
    dropped_samples += n;
    ++dropped_batches;
  }

  // Precondition: mu held and batches not empty.
  SampleBatch TakeFront() {
    SampleBatch b = std::move(batches.front());
    batches.pop_front();
    queued_samples -= b->size();
    delivered_samples += b->size();
    ++delivered_batches;
    return b;
  }

  SubscriberStats Stats() const {
    std::lock_guard lock(mu);
    SubscriberStats s;
    s.name = name;
    s.policy = policy;
    s.capacity_samples = capacity_samples;
    s.delivered_samples = delivered_samples;
    s.delivered_batches = delivered_batches;
    s.dropped_samples = dropped_samples;
    s.dropped_batches = dropped_batches;
    s.queued_samples = queued_samples;
    s.queued_batches = batches.size();
    s.high_water_samples = high_water_samples;
    return s;
  }
};

struct BusState {
  // Publishers hold it shared while pushing; Subscribe and unsubscribe hold it exclusively, so a
  // queue is never pushed to after its Subscription is gone.
  mutable std::shared_mutex mu;
  std::vector<std::shared_ptr<SubscriberQueue>> subscribers;  // guarded by mu
  std::atomic<uint64_t> published_samples{0};
  std::atomic<uint64_t> published_batches{0};
};

}  // namespace tag_bus_internal

using tag_bus_internal::BusState;
using tag_bus_internal::SubscriberQueue;

Subscription::Subscription(std::shared_ptr<BusState> bus, std::shared_ptr<SubscriberQueue> queue)
    : bus_(std::move(bus)), queue_(std::move(queue)) {}

Subscription::~Subscription() {
  std::unique_lock lock(bus_->mu);
  auto& subs = bus_->subscribers;
  subs.erase(std::remove(subs.begin(), subs.end(), queue_), subs.end());
}

SampleBatch Subscription::Pop(Duration timeout) {
  std::unique_lock lock(queue_->mu);
  if (queue_->batches.empty() && timeout > 0) {
    queue_->nonempty.wait_for(lock, std::chrono::nanoseconds(timeout),
                              [this] { return !queue_->batches.empty(); });
  }
  if (queue_->batches.empty()) return nullptr;
  return queue_->TakeFront();
}

SampleBatch Subscription::TryPop() {
  return Pop(0);
}

SubscriberStats Subscription::Stats() const {
  return queue_->Stats();
}

const std::string& Subscription::name() const {
  return queue_->name;
}

TagBus::TagBus() : state_(std::make_shared<BusState>()) {}

TagBus::~TagBus() = default;

void TagBus::Publish(std::vector<Sample> batch) {
  if (batch.empty()) return;
  const size_t n = batch.size();
  // One allocation per batch: the samples are moved, not copied, and every subscriber shares them.
  SampleBatch shared = std::make_shared<const std::vector<Sample>>(std::move(batch));
  state_->published_samples.fetch_add(n, std::memory_order_relaxed);
  state_->published_batches.fetch_add(1, std::memory_order_relaxed);
  std::shared_lock lock(state_->mu);
  for (const auto& queue : state_->subscribers) queue->Push(shared);
}

std::unique_ptr<Subscription> TagBus::Subscribe(std::string name, size_t capacity_samples,
                                                OverflowPolicy policy) {
  auto queue = std::make_shared<SubscriberQueue>(std::move(name), capacity_samples, policy);
  {
    std::unique_lock lock(state_->mu);
    state_->subscribers.push_back(queue);
  }
  return std::unique_ptr<Subscription>(new Subscription(state_, std::move(queue)));
}

TagBusStats TagBus::Stats() const {
  TagBusStats stats;
  stats.published_samples = state_->published_samples.load(std::memory_order_relaxed);
  stats.published_batches = state_->published_batches.load(std::memory_order_relaxed);
  std::shared_lock lock(state_->mu);
  stats.subscribers.reserve(state_->subscribers.size());
  for (const auto& queue : state_->subscribers) stats.subscribers.push_back(queue->Stats());
  return stats;
}

}  // namespace gantry
