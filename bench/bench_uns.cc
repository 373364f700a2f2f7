// Unified Namespace publish path: samples through the publisher's on-change filter and JSON
// composition to a transport that only counts (no network), end to end from TagBus::Publish to
// the transport, against the baseline of the same batches applied to CurrentValues (the work
// every sample already costs on ingest), measured in the same run. docs/performance.md "UNS".
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "data/current_values.h"
#include "data/tag_bus.h"
#include "data/tag_registry.h"
#include "data/uns/uns_publisher.h"

namespace gantry {
namespace {

constexpr size_t kTags = 1000;

TagRegistry Registry() {
  std::vector<TagConfig> tags(kTags);
  for (size_t i = 0; i < kTags; ++i)
    tags[i].path = "acme/plant1/packaging/line" + std::to_string(i / 100) + "/machine" +
                   std::to_string(i % 100) + "/speed";
  return TagRegistry::Build(std::move(tags)).value();
}

// A broker that takes everything: counts messages and bytes.
class NullTransport final : public uns::UnsTransport {
 public:
  explicit NullTransport(std::atomic<uint64_t>& messages) : messages_(messages) {}
  void ServeRequests(std::string, uns::RequestHandler) override {}
  Status Connect() override { return Status::Ok(); }
  bool connected() const override { return true; }
  Status Publish(std::string_view subject, std::string_view payload) override {
    bytes_ += subject.size() + payload.size();
    messages_.fetch_add(1, std::memory_order_release);
    return Status::Ok();
  }
  Status Flush(Duration) override { return Status::Ok(); }
  void Close() override {}
  std::string Describe() const override { return "null://"; }

 private:
  std::atomic<uint64_t>& messages_;
  uint64_t bytes_ = 0;
};

// Round r of every tag: a new value for `changed_every`-th tag (1: all change), the others
// re-read unchanged.
std::vector<Sample> Round(int64_t r, size_t changed_every) {
  std::vector<Sample> batch;
  batch.reserve(kTags);
  for (size_t i = 0; i < kTags; ++i) {
    const bool changes = i % changed_every == 0;
    batch.push_back(Sample{static_cast<TagId>(i), 1'700'000'000'000'000'000 + r * kSecond,
                           Value(changes ? static_cast<double>(r) + 0.25 : 7.5), Quality::Good()});
  }
  return batch;
}

void BM_Baseline_CurrentValuesApply(benchmark::State& state) {
  const size_t changed_every = static_cast<size_t>(state.range(0));
  CurrentValues values(kTags);
  int64_t r = 0;
  for (auto _ : state) {
    std::vector<Sample> batch = Round(++r, changed_every);
    benchmark::DoNotOptimize(values.Apply(batch));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kTags));
}

void BM_UnsPublishPath(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  const size_t changed_every = static_cast<size_t>(state.range(0));
  TagRegistry registry = Registry();
  TagBus bus;
  std::atomic<uint64_t> messages{0};
  uns::UnsOptions options;
  options.serve_current = false;
  uns::UnsPublisher publisher(registry, bus, nullptr, std::make_unique<NullTransport>(messages),
                              options);
  (void)publisher.Start();
  int64_t r = 0;
  uint64_t expected = 0;
  for (auto _ : state) {
    ++r;
    bus.Publish(Round(r, changed_every));
    // Every tag's first round is a change; afterwards one in `changed_every`.
    expected += r == 1 ? kTags : (kTags + changed_every - 1) / changed_every;
    while (messages.load(std::memory_order_acquire) < expected) std::this_thread::yield();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kTags));
  state.counters["messages"] = static_cast<double>(messages.load());
  publisher.Stop();
}

BENCHMARK(BM_Baseline_CurrentValuesApply)->Arg(1)->Arg(10)->UseRealTime();
BENCHMARK(BM_UnsPublishPath)->Arg(1)->Arg(10)->UseRealTime();

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
