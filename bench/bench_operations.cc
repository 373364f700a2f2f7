// Operations benchmarks (docs/performance.md, "Operations"):
//  - BM_ReplayThroughput: samples per second through the state and count engine (Publish), one
//    core, 20 work centres with state word, fault code, good and reject counters.
//  - BM_OeeByDayFiftyWorkCentresOneYear: an OEE query by day over a year for 50 work centres from
//    the hourly KPI cube.
//  - BM_CsvSampleParse: `gantry replay --samples` CSV parsing (ctx::ParseSamplesCsv: ISO 8601
//    timestamps, tag paths, values, qualities) in lines per second; /0 is the baseline measured in
//    the same run: only finding the lines and commas and reading each value with from_chars.
#include <benchmark/benchmark.h>

#include <charconv>
#include <map>
#include <random>

#include "context/kpi_api.h"
#include "context/kpi_cube.h"
#include "context/replay.h"
#include "operations/operations_engine.h"

namespace gantry {
namespace {

std::string PlantYaml(int machines, bool late_data) {
  std::string y =
      "enterprise: acme\nsites:\n  - name: p\n    timezone: Europe/Berlin\n"
      "    calendar:\n      shifts:\n"
      "        - {name: early, start: \"06:00\", duration: 8h, breaks: [{start: \"09:00\", "
      "duration: 15m}]}\n"
      "        - {name: late, start: \"14:00\", duration: 8h}\n"
      "        - {name: night, start: \"22:00\", end: \"06:00\"}\n"
      "    areas:\n      - name: a\n        lines:\n";
  for (int l = 0; l < (machines + 4) / 5; ++l) {
    y += "          - name: l" + std::to_string(l) + "\n            work_centres:\n";
    for (int m = l * 5; m < std::min(machines, l * 5 + 5); ++m)
      y += "              - {name: m" + std::to_string(m) +
           ", ideal_cycle_time: 1s, state: {word: state, fault_code: {tag: fault}}, counters: "
           "{good: good, reject: reject}}\n";
  }
  y += "operations:\n  micro_stop_threshold: 2m\n";
  if (!late_data) y += "  late_data_horizon: 0s\n";
  return y;
}

struct Bench {
  Bench(int machines, bool late_data) {
    auto doc = ConfigDocument::Parse(PlantYaml(machines, late_data), "bench.yaml").value();
    ops::OperationsConfig cfg = ops::ParseOperationsConfig(doc.Root());
    if (!doc.Finish().ok()) std::abort();
    engine = std::move(
        ops::OperationsEngine::Create(cfg, [&](std::string_view p) -> std::optional<TagId> {
          return ids.emplace(std::string(p), static_cast<TagId>(ids.size())).first->second;
        }).value());
  }
  std::map<std::string, TagId> ids;
  std::unique_ptr<ops::OperationsEngine> engine;
};

// One poll per second per machine: state (changes now and then), fault code, two counters.
std::vector<Sample> MakeSamples(const std::map<std::string, TagId>& ids, int machines, size_t n,
                                Timestamp start) {
  std::vector<Sample> out;
  out.reserve(n);
  std::mt19937 rng(42);
  std::vector<int> state(machines, 1);
  std::vector<uint32_t> good(machines, 0), reject(machines, 0);
  Timestamp t = start;
  while (out.size() < n) {
    t += kSecond;
    for (int m = 0; m < machines && out.size() < n; ++m) {
      const std::string base =
          "acme/p/a/l" + std::to_string(m / 5) + "/m" + std::to_string(m) + "/";
      if (rng() % 120 == 0) state[m] = static_cast<int>(rng() % 6);
      good[m] += state[m] == 1 ? 1 : 0;
      reject[m] += rng() % 50 == 0 ? 1 : 0;
      out.push_back({ids.at(base + "state"), t, Value(int64_t{state[m]}), Quality::Good()});
      out.push_back(
          {ids.at(base + "fault"), t, Value(int64_t{state[m] == 5 ? 7 : 0}), Quality::Good()});
      out.push_back({ids.at(base + "good"), t, Value(int64_t{good[m]}), Quality::Good()});
      out.push_back({ids.at(base + "reject"), t, Value(int64_t{reject[m]}), Quality::Good()});
    }
  }
  return out;
}

void BM_ReplayThroughput(benchmark::State& st) {
  const bool late_data = st.range(0) != 0;
  const size_t n = 4'000'000;
  Bench proto(20, late_data);
  std::vector<Sample> samples =
      MakeSamples(proto.ids, 20, n, ParseTimestamp("2026-01-05T00:00:00Z").value());
  for (auto _ : st) {
    st.PauseTiming();
    Bench b(20, late_data);
    st.ResumeTiming();
    b.engine->Publish(samples);
    benchmark::DoNotOptimize(b.engine->Newest());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(n));
}
BENCHMARK(BM_ReplayThroughput)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_OeeByDayFiftyWorkCentresOneYear(benchmark::State& st) {
  Bench b(50, false);
  const Timestamp from = ParseTimestamp("2026-01-01T00:00:00Z").value();
  const Timestamp to = ParseTimestamp("2027-01-01T00:00:00Z").value();
  // A state change every ~20 minutes for a year, and a count every hour, per machine.
  std::mt19937 rng(7);
  for (int m = 0; m < 50; ++m) {
    const std::string base = "acme/p/a/l" + std::to_string(m / 5) + "/m" + std::to_string(m) + "/";
    uint32_t good = 0;
    for (Timestamp t = from; t < to; t += 20 * kMinute) {
      b.engine->Publish(Sample{b.ids.at(base + "fault"), t, Value(int64_t{0}), Quality::Good()});
      b.engine->Publish(Sample{b.ids.at(base + "state"), t, Value(int64_t{rng() % 4 == 0 ? 2 : 1}),
                               Quality::Good()});
      good += 1000;
      b.engine->Publish(Sample{b.ids.at(base + "good"), t, Value(int64_t{good}), Quality::Good()});
      b.engine->Publish(Sample{b.ids.at(base + "reject"), t, Value(int64_t{0}), Quality::Good()});
    }
  }
  ctx::KpiCube cube(b.engine->config());
  for (const auto& wc : b.engine->config().work_centres)
    for (const ops::Segment& s : b.engine->Segments(wc.path, from, to))
      cube.Add(s, b.engine->CalendarOf(wc.path));
  st.counters["cube_rows"] = static_cast<double>(cube.rows());
  for (auto _ : st) {
    auto body = ctx::OeeJson(cube, "acme/p", from, to, "day");
    if (!body.ok()) std::abort();
    benchmark::DoNotOptimize(body->size());
  }
}
BENCHMARK(BM_OeeByDayFiftyWorkCentresOneYear)->Unit(benchmark::kMillisecond)->Iterations(20);

// 20 machines polled every second (state, fault, good, reject), as a historian export writes them:
// ISO 8601 with milliseconds, full tag paths, a quality on every 50th line.
std::string SamplesCsv(size_t lines) {
  std::string csv = "timestamp,tag,value,quality\n";
  csv.reserve(lines * 64);
  std::mt19937 rng(3);
  const char* signals[] = {"state", "fault", "good", "reject"};
  Timestamp t = ParseTimestamp("2026-01-05T00:00:00Z").value();
  uint32_t count = 0;
  for (size_t i = 0; i < lines; ++i) {
    if (i % 80 == 0) t += kSecond;
    const int m = static_cast<int>((i / 4) % 20);
    csv += FormatIso8601(t);
    csv += ",acme/p/a/l" + std::to_string(m / 5) + "/m" + std::to_string(m) + "/" + signals[i % 4];
    csv += "," + std::to_string(i % 4 < 2 ? rng() % 6 : count += rng() % 3);
    csv += i % 50 == 0 ? ",Uncertain\n" : "\n";
  }
  return csv;
}

void BM_CsvSampleParse(benchmark::State& st) {
  const bool parse = st.range(0) != 0;
  const size_t lines = 1'000'000;
  const std::string csv = SamplesCsv(lines);
  for (auto _ : st) {
    if (parse) {
      auto samples = ctx::ParseSamplesCsv(csv);
      if (!samples.ok() || samples->samples.size() != lines) std::abort();
      benchmark::DoNotOptimize(samples->samples.back().time);
    } else {
      // Baseline: find each line and its commas, read the value as a number.
      double sum = 0;
      size_t n = 0;
      for (size_t pos = csv.find('\n') + 1; pos < csv.size();) {
        const size_t nl = csv.find('\n', pos);
        const size_t c1 = csv.find(',', pos), c2 = csv.find(',', c1 + 1);
        size_t c3 = csv.find(',', c2 + 1);
        if (c3 > nl) c3 = nl;
        double v = 0;
        std::from_chars(csv.data() + c2 + 1, csv.data() + c3, v);
        sum += v;
        ++n;
        pos = nl + 1;
      }
      if (n != lines) std::abort();
      benchmark::DoNotOptimize(sum);
    }
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(lines));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(csv.size()));
}
BENCHMARK(BM_CsvSampleParse)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
