// Memory for a large plant: 100 000 configured tags (realistic ISA-95 paths, units,
// descriptions, sources) in a TagRegistry plus CurrentValues holding a value for each, measured
// as process RSS (VmRSS from /proc/self/status). Also lookup speeds. See docs/performance.md.
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include "data/current_values.h"
#include "data/tag_registry.h"

namespace gantry {
namespace {

double RssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return -1;
}

std::vector<TagConfig> PlantTags(size_t n) {
  static const char* kAreas[] = {"packaging", "filling", "mixing", "utilities", "warehouse"};
  static const char* kCells[] = {"filler",   "capper",   "labeller",     "palletiser",
                                 "conveyor", "cartoner", "checkweigher", "wrapper"};
  static const char* kSignals[] = {"speed",       "state",    "good_count",     "reject_count",
                                   "temperature", "pressure", "energy",         "motor_current",
                                   "alarm_code",  "recipe",   "operator_badge", "vibration"};
  static const char* kUnits[] = {"bpm", "",  "units", "units", "degC", "bar",
                                 "kWh", "A", "",      "",      "",     "mm/s"};
  std::vector<TagConfig> tags;
  tags.reserve(n);
  size_t i = 0;
  for (int plant = 1; i < n; ++plant)
    for (const char* area : kAreas)
      for (int line = 1; line <= 10 && i < n; ++line)
        for (const char* cell : kCells)
          for (size_t s = 0; s < std::size(kSignals) && i < n; ++s, ++i) {
            TagConfig t;
            t.path = "acme/plant" + std::to_string(plant) + "/" + area + "/line" +
                     std::to_string(line) + "/" + cell + "/" + kSignals[s];
            t.type = s == 1 || s == 9 ? ValueType::kString : ValueType::kDouble;
            t.unit = kUnits[s];
            t.description = std::string(cell) + " " + kSignals[s] + " on " + area + " line " +
                            std::to_string(line);
            t.source = std::string(cell) + "-plc-" + std::to_string(line) +
                       " hr:" + std::to_string(s * 2) + " float32";
            t.where = ConfigLocation{"plant.yaml", static_cast<int>(i * 6 + 10), 9};
            tags.push_back(std::move(t));
          }
  return tags;
}

void BM_MemoryFor100kTags(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    const double before = RssMiB();
    auto registry = TagRegistry::Build(PlantTags(n));
    if (!registry.ok()) {
      state.SkipWithError(registry.status().ToString().c_str());
      return;
    }
    CurrentValues values(registry->size());
    std::vector<Sample> batch;
    for (TagId id = 0; id < registry->size(); ++id) {
      Value v = registry->Get(id).type == ValueType::kString ? Value("RUNNING")
                                                             : Value(static_cast<double>(id));
      batch.push_back(Sample{id, 1'700'000'000'000'000'000, std::move(v), Quality::Good()});
    }
    values.Apply(batch);
    batch = {};
    const double after = RssMiB();
    state.counters["tags"] = static_cast<double>(registry->size());
    state.counters["rss_total_MiB"] = after;
    state.counters["rss_added_MiB"] = after - before;
    state.counters["registry_MiB"] =
        static_cast<double>(registry->MemoryBytes()) / (1024.0 * 1024.0);
  }
}
BENCHMARK(BM_MemoryFor100kTags)->Arg(100'000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_FindByPath(benchmark::State& state) {
  auto registry = TagRegistry::Build(PlantTags(100'000));
  std::vector<std::string> paths;
  for (TagId id = 0; id < registry->size(); id += 97) paths.push_back(registry->Get(id).path);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(registry->Find(paths[i]));
    i = (i + 1) % paths.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_FindByPath);

void BM_WithPrefixOneLine(benchmark::State& state) {
  auto registry = TagRegistry::Build(PlantTags(100'000));
  for (auto _ : state) {
    auto ids = registry->WithPrefix("acme/plant3/filling/line4");
    benchmark::DoNotOptimize(ids.data());
    state.counters["matched"] = static_cast<double>(ids.size());
  }
}
BENCHMARK(BM_WithPrefixOneLine)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
