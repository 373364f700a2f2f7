#include "data/tag_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace gantry {
namespace {

std::vector<Sample> Batch(TagId first, size_t n, Timestamp t = 1) {
  std::vector<Sample> b;
  for (size_t i = 0; i < n; ++i)
    b.push_back(
        Sample{static_cast<TagId>(first + i), t, Value(static_cast<double>(i)), Quality::Good()});
  return b;
}

TEST(TagBus, EverySubscriberGetsTheSameBatchWithoutCopies) {
  TagBus bus;
  auto historian = bus.Subscribe("historian", 100, OverflowPolicy::kDropNewest);
  auto operations = bus.Subscribe("operations", 100, OverflowPolicy::kDropOldest);
  bus.Publish(Batch(0, 3));
  SampleBatch a = historian->TryPop();
  SampleBatch b = operations->Pop(kSecond);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a.get(), b.get());  // shared, not copied
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[2].tag, 2u);
  EXPECT_EQ(historian->TryPop(), nullptr);
  EXPECT_EQ(historian->Stats().delivered_samples, 3u);
  EXPECT_EQ(bus.Stats().published_samples, 3u);
}

TEST(TagBus, SubscriberSeesOnlyBatchesAfterSubscribing) {
  TagBus bus;
  bus.Publish(Batch(0, 2));
  auto late = bus.Subscribe("api", 10, OverflowPolicy::kDropNewest);
  EXPECT_EQ(late->TryPop(), nullptr);
  bus.Publish(Batch(5, 1));
  auto b = late->TryPop();
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)[0].tag, 5u);
}

TEST(TagBus, StalledSubscriberDropsNewestCountsAndDoesNotBlockPublisher) {
  TagBus bus;
  auto stalled = bus.Subscribe("stalled-historian", 250, OverflowPolicy::kDropNewest);
  auto healthy = bus.Subscribe("operations", 1'000'000, OverflowPolicy::kDropNewest);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) bus.Publish(Batch(static_cast<TagId>(i * 100), 100));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  SubscriberStats s = stalled->Stats();
  EXPECT_EQ(s.queued_samples, 200u);  // two batches of 100 fit in 250
  EXPECT_EQ(s.dropped_samples, 998u * 100u);
  EXPECT_EQ(s.dropped_batches, 998u);
  EXPECT_EQ(s.high_water_samples, 200u);
  EXPECT_EQ(s.queued_samples + s.dropped_samples, 1000u * 100u);  // nothing lost uncounted
  // Drop-newest keeps the oldest: the first two batches are still there.
  EXPECT_EQ((*stalled->TryPop())[0].tag, 0u);
  EXPECT_EQ((*stalled->TryPop())[0].tag, 100u);
  EXPECT_EQ(healthy->Stats().queued_samples, 100'000u);
  EXPECT_EQ(healthy->Stats().dropped_samples, 0u);
}

TEST(TagBus, DropOldestKeepsTheFreshestBatches) {
  TagBus bus;
  auto sub = bus.Subscribe("api", 20, OverflowPolicy::kDropOldest);
  for (TagId i = 0; i < 5; ++i) bus.Publish(Batch(i * 10, 10));
  SubscriberStats s = sub->Stats();
  EXPECT_EQ(s.dropped_samples, 30u);
  EXPECT_EQ(s.queued_samples, 20u);
  EXPECT_EQ((*sub->TryPop())[0].tag, 30u);
  EXPECT_EQ((*sub->TryPop())[0].tag, 40u);
  EXPECT_EQ(sub->TryPop(), nullptr);
}

TEST(TagBus, BatchLargerThanCapacityIsAcceptedByAnEmptyQueue) {
  TagBus bus;
  auto sub = bus.Subscribe("tiny", 5, OverflowPolicy::kDropNewest);
  bus.Publish(Batch(0, 8));
  bus.Publish(Batch(0, 1));
  EXPECT_EQ(sub->Stats().queued_samples, 8u);
  EXPECT_EQ(sub->Stats().dropped_samples, 1u);
}

TEST(TagBus, PopWaitsForAPublisherOnAnotherThread) {
  TagBus bus;
  auto sub = bus.Subscribe("operations", 100, OverflowPolicy::kDropNewest);
  EXPECT_EQ(sub->Pop(5 * kMillisecond), nullptr);
  std::thread publisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    bus.Publish(Batch(7, 1));
  });
  SampleBatch b = sub->Pop(5 * kSecond);
  publisher.join();
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)[0].tag, 7u);
}

TEST(TagBus, DestroyingSubscriptionUnsubscribes) {
  TagBus bus;
  auto a = bus.Subscribe("a", 10, OverflowPolicy::kDropNewest);
  {
    auto b = bus.Subscribe("b", 10, OverflowPolicy::kDropNewest);
    EXPECT_EQ(bus.Stats().subscribers.size(), 2u);
  }
  TagBusStats stats = bus.Stats();
  ASSERT_EQ(stats.subscribers.size(), 1u);
  EXPECT_EQ(stats.subscribers[0].name, "a");
  bus.Publish(Batch(0, 1));  // must not touch the gone queue
  EXPECT_TRUE(a->TryPop());
}

TEST(TagBus, SubscriptionMayOutliveTheBus) {
  std::unique_ptr<Subscription> sub;
  {
    TagBus bus;
    sub = bus.Subscribe("late", 10, OverflowPolicy::kDropNewest);
    bus.Publish(Batch(0, 1));
  }
  EXPECT_TRUE(sub->TryPop());
}

TEST(TagBus, ManyPublishersAndSubscribersLoseNothingUncounted) {
  TagBus bus;
  constexpr int kPublishers = 3;
  constexpr int kBatches = 2000;
  constexpr size_t kBatchSize = 10;
  std::vector<std::unique_ptr<Subscription>> subs;
  subs.push_back(bus.Subscribe("fast", 1'000'000, OverflowPolicy::kDropNewest));
  subs.push_back(bus.Subscribe("small-old", 50, OverflowPolicy::kDropOldest));
  subs.push_back(bus.Subscribe("small-new", 50, OverflowPolicy::kDropNewest));
  std::atomic<bool> done{false};
  std::vector<uint64_t> received(subs.size(), 0);
  std::vector<std::thread> consumers;
  for (size_t i = 0; i < subs.size(); ++i) {
    consumers.emplace_back([&, i] {
      while (true) {
        const bool finished = done.load();
        SampleBatch b = subs[i]->Pop(kMillisecond);
        if (b)
          received[i] += b->size();
        else if (finished)
          break;
      }
    });
  }
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p)
    publishers.emplace_back([&] {
      for (int i = 0; i < kBatches; ++i) bus.Publish(Batch(0, kBatchSize));
    });
  for (auto& t : publishers) t.join();
  done.store(true);
  for (auto& t : consumers) t.join();
  const uint64_t total = uint64_t{kPublishers} * kBatches * kBatchSize;
  for (size_t i = 0; i < subs.size(); ++i) {
    SubscriberStats s = subs[i]->Stats();
    EXPECT_EQ(received[i], s.delivered_samples) << s.name;
    EXPECT_EQ(s.delivered_samples + s.dropped_samples + s.queued_samples, total) << s.name;
  }
  EXPECT_EQ(subs[0]->Stats().dropped_samples, 0u);
}

}  // namespace
}  // namespace gantry
