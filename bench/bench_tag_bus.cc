// Tag bus throughput: one producer publishing batches to N subscribers, each drained by its own
// consumer thread that reads every sample. Reports samples/s delivered to every subscriber
// (end to end: a measured round ends when every consumer has drained it). See
// docs/performance.md "Tag bus and registry" for commands and results.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <time.h>

#include <spdlog/spdlog.h>

#include "data/tag_bus.h"

namespace gantry {
namespace {

constexpr int kBatchesPerRound = 100;

// CPU time of the whole process (all threads), in seconds: independent of how busy the machine is.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// What a consumer does with each sample here: read its time and numeric value (inline, so the
// figure is the bus plus a minimal read, not a particular consumer's work).
double Touch(const Sample& s) {
  const double* d = std::get_if<double>(&s.value.variant());
  return static_cast<double>(s.time & 0xff) + (d != nullptr ? *d : 0.0);
}

std::vector<Sample> PrototypeBatch(size_t batch_size) {
  std::vector<Sample> prototype;
  for (size_t i = 0; i < batch_size; ++i)
    prototype.push_back(Sample{static_cast<TagId>(i),
                               1'700'000'000'000'000'000 + static_cast<int64_t>(i),
                               Value(static_cast<double>(i) * 0.5), Quality::Good()});
  return prototype;
}

void BM_TagBusFanOut(benchmark::State& state) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  const int subscribers = static_cast<int>(state.range(1));
  TagBus bus;
  std::vector<std::unique_ptr<Subscription>> subs;
  for (int i = 0; i < subscribers; ++i)
    subs.push_back(
        bus.Subscribe("consumer-" + std::to_string(i), 1'000'000, OverflowPolicy::kDropNewest));
  std::atomic<bool> stop{false};
  std::vector<std::atomic<uint64_t>> seen(static_cast<size_t>(subscribers));
  std::vector<std::thread> consumers;
  for (int i = 0; i < subscribers; ++i) {
    consumers.emplace_back([&, i] {
      double checksum = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        SampleBatch b = subs[static_cast<size_t>(i)]->Pop(10 * kMillisecond);
        if (!b) continue;
        for (const Sample& s : *b) checksum += Touch(s);
        seen[static_cast<size_t>(i)].fetch_add(b->size(), std::memory_order_release);
      }
      benchmark::DoNotOptimize(checksum);
    });
  }
  const std::vector<Sample> prototype = PrototypeBatch(batch_size);
  uint64_t target = 0;
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (int b = 0; b < kBatchesPerRound; ++b)
      bus.Publish(prototype);  // copy = a connector's batch
    target += uint64_t{kBatchesPerRound} * batch_size;
    for (auto& s : seen) {
      // Sleep rather than spin: on a 2-core machine a spinning producer starves the consumers.
      while (s.load(std::memory_order_acquire) < target)
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const double cpu_used = ProcessCpuSeconds() - cpu_start;
  stop.store(true);
  for (auto& t : consumers) t.join();
  uint64_t dropped = 0;
  for (const auto& s : subs) dropped += s->Stats().dropped_samples;
  // items = samples published (each delivered to every subscriber).
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kBatchesPerRound *
                          static_cast<int64_t>(batch_size));
  state.counters["deliveries_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kBatchesPerRound *
                             static_cast<double>(batch_size) * subscribers,
                         benchmark::Counter::kIsRate);
  state.counters["dropped"] = static_cast<double>(dropped);
  // CPU (all threads) per published sample: what the bus costs regardless of machine load.
  state.counters["cpu_ns_per_sample"] = cpu_used * 1e9 /
                                        (static_cast<double>(state.iterations()) *
                                         kBatchesPerRound * static_cast<double>(batch_size));
}

BENCHMARK(BM_TagBusFanOut)
    ->ArgNames({"batch", "subscribers"})
    ->Args({1000, 4})
    ->Args({100, 4})
    ->Args({10000, 4})
    ->Args({1000, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// The bus's own cost without thread wake-ups: one thread publishes a batch and then drains it
// from each of 4 subscriptions, reading every sample.
void BM_TagBusFanOutOneThread(benchmark::State& state) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  TagBus bus;
  std::vector<std::unique_ptr<Subscription>> subs;
  for (int i = 0; i < 4; ++i)
    subs.push_back(
        bus.Subscribe("consumer-" + std::to_string(i), 1'000'000, OverflowPolicy::kDropNewest));
  const std::vector<Sample> prototype = PrototypeBatch(batch_size);
  double checksum = 0;
  for (auto _ : state) {
    bus.Publish(prototype);
    for (auto& sub : subs) {
      SampleBatch b = sub->TryPop();
      for (const Sample& s : *b) checksum += Touch(s);
    }
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(batch_size));
}
BENCHMARK(BM_TagBusFanOutOneThread)->ArgName("batch")->Arg(1000)->Unit(benchmark::kMicrosecond);

// Publish alone with subscribers that never read (queues full, kDropNewest): the cost a stalled
// subscriber puts on a connector.
void BM_TagBusPublishToStalledSubscribers(benchmark::State& state) {
  spdlog::set_level(spdlog::level::err);  // the expected slow-subscriber warnings are not news here
  TagBus bus;
  std::vector<std::unique_ptr<Subscription>> subs;
  for (int i = 0; i < 4; ++i)
    subs.push_back(
        bus.Subscribe("stalled-" + std::to_string(i), 10'000, OverflowPolicy::kDropNewest));
  std::vector<Sample> prototype(1000, Sample{0, 1, Value(1.0), Quality::Good()});
  for (auto _ : state) bus.Publish(prototype);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 1000);
  state.counters["dropped"] = static_cast<double>(subs[0]->Stats().dropped_samples);
}
BENCHMARK(BM_TagBusPublishToStalledSubscribers)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
