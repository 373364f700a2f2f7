// Energy and cost benchmark (docs/performance.md, "Energy and cost"):
//  - BM_CostByDayOneLineThirtyDays: GET /api/v1/cost's calculation for one line of 4 machines over
//    30 days, meters read every 5 s (518 400 readings per machine) and intervals of 10 minutes,
//    with a weekday peak/off-peak tariff in Europe/Berlin; by day.
#include <benchmark/benchmark.h>

#include "context/energy/cost_calculator.h"
#include "context/energy/energy_scenario.h"

namespace gantry {
namespace {

using namespace ctx;

void BM_CostByDayOneLineThirtyDays(benchmark::State& state) {
  const Timestamp t0 = ParseTimestamp("2026-03-02T00:00:00Z").value();
  const Timestamp t1 = t0 + 30 * kDay;
  ops::OperationsConfig ops;
  ops.enterprise = "acme";
  ops.calendars["p"].time_zone = "Europe/Berlin";
  ops::LineConfig line{"acme/p/a/l", "p", "a", "l", "", {}};
  EnergyCostConfig cfg;
  cfg.currency = "EUR";
  TariffConfig tariff{"p", "Europe/Berlin", "EUR", {}};
  tariff.bands = {TariffBand{"peak", 0.32, 0x3e, 8 * kHour, 20 * kHour, false},
                  TariffBand{"off", 0.21}};
  cfg.tariffs["p"] = tariff;
  std::map<std::string, std::vector<MeterReading>> readings;
  std::map<std::string, std::vector<ops::Segment>> segments;
  for (int m = 0; m < 4; ++m) {
    std::string wc = line.path + "/m" + std::to_string(m);
    line.work_centres.push_back(wc);
    EnergyMeter meter;
    meter.work_centre = wc;
    meter.tag = wc + "/energy";
    meter.kwh_per_count = 0.001;
    cfg.meters[wc] = meter;
    cfg.rates[wc] = {40, 30};
    std::vector<MeterReading>& r = readings[meter.tag];
    uint64_t wh = 0;
    for (Timestamp t = t0; t <= t1; t += 5 * kSecond, wh += 12) r.push_back({t, double(wh), false});
    std::vector<ops::Segment>& s = segments[wc];
    int i = 0;
    for (Timestamp t = t0; t < t1; t += 10 * kMinute, ++i) {
      ops::Segment seg;
      seg.work_centre = wc;
      seg.start = t;
      seg.end = t + 10 * kMinute;
      seg.category = i % 6 == 5 ? ops::StateCategory::kIdle : ops::StateCategory::kProducing;
      seg.order = "o" + std::to_string(i / 48);
      seg.product = "P-17";
      seg.good = 1000;
      s.push_back(seg);
    }
  }
  ops.lines.push_back(line);
  CostCalculator calc = CostCalculator::Create(cfg, ops).value();
  CostSources sources;
  sources.intervals = [&](const std::string& wc, Timestamp from,
                          Timestamp to) -> Result<std::vector<ops::Segment>> {
    std::vector<ops::Segment> out;
    for (const ops::Segment& s : segments[wc])
      if (s.end > from && s.start < to) out.push_back(s);
    return out;
  };
  sources.readings = [&](const std::string& tag, Timestamp from,
                         Timestamp to) -> Result<std::vector<MeterReading>> {
    return ReadingsAround(readings[tag], from, to);
  };
  for (auto _ : state) {
    CostReport r = calc.Compute("acme/p/a/l", t0, t1, CostGrouping::kDay, sources).value();
    benchmark::DoNotOptimize(r.total.energy_cost);
  }
  state.counters["readings/s"] =
      benchmark::Counter(4.0 * double(readings.begin()->second.size()) * state.iterations(),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CostByDayOneLineThirtyDays)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
