#include "context/kpi.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "context/replay.h"

namespace gantry::ctx {
namespace {

using ops::StateCategory;

constexpr const char* kConfig = R"(enterprise: acme
sites:
  - name: p
    timezone: Europe/Berlin
    calendar:
      shifts:
        - {name: early, start: "06:00", duration: 8h, breaks: [{start: "09:00", duration: 15m}]}
        - {name: late, start: "14:00", duration: 8h}
        - {name: night, start: "22:00", end: "06:00"}
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - {name: m1, ideal_cycle_time: 1s, state: {word: state, fault_code: {tag: fault}},
                 counters: {good: {tag: good, width: 16}, reject: {tag: reject, width: 16}}}
              - {name: m2, ideal_cycle_time: 2s, state: {word: state},
                 counters: {total: {tag: total, width: 32}}}
operations:
  micro_stop_threshold: 90s
)";

// A random week of samples for both machines across the autumn DST change, with duplicates,
// Bad quality, counter resets and late samples.
std::string RandomSamples(uint32_t seed) {
  std::mt19937 rng(seed);
  std::string csv = "timestamp,tag,value,quality\n";
  Timestamp t = ParseTimestamp("2026-10-22T00:00:00Z").value();
  const Timestamp end = ParseTimestamp("2026-10-29T00:00:00Z").value();
  uint64_t good = 65000, reject = 0, total = 0;
  while (t < end) {
    t += static_cast<Duration>(rng() % 600 + 1) * kSecond;
    const std::string ts = std::to_string(t / kSecond);
    const int state = static_cast<int>(rng() % 10);
    csv += ts + ",acme/p/a/l/m1/state," + std::to_string(state) +
           (rng() % 20 == 0 ? ",BadNotConnected\n" : "\n");
    csv += ts + ",acme/p/a/l/m2/state," + std::to_string(rng() % 6) + "\n";
    csv += ts + ",acme/p/a/l/m1/fault," + std::to_string(state == 5 ? rng() % 3 : 0) + "\n";
    good = (good + rng() % 50) % 65536;
    if (rng() % 200 == 0) good = 0;  // PLC restart
    reject = (reject + rng() % 3) % 65536;
    total += rng() % 40;
    csv += ts + ",acme/p/a/l/m1/good," + std::to_string(good) + "\n";
    csv += ts + ",acme/p/a/l/m1/reject," + std::to_string(reject) + "\n";
    csv += ts + ",acme/p/a/l/m2/total," + std::to_string(total) + "\n";
    if (rng() % 30 == 0)
      csv += ts + ",acme/p/a/l/m1/good," + std::to_string(good) + "\n";  // duplicate
    if (rng() % 40 == 0)
      csv += std::to_string(t / kSecond - 200) + ",acme/p/a/l/m2/state,3\n";  // late
  }
  return csv;
}

ReplayInput Input(uint32_t seed) {
  ReplayInput in;
  in.config_text = kConfig;
  in.samples_csv = RandomSamples(seed);
  in.orders_csv =
      "2026-10-23T10:00:00Z,m1,start,o1,P1,ann\n2026-10-24T10:00:00Z,m1,start,o2,P2,bob,2s\n"
      "2026-10-25T01:30:00Z,m1,pause\n2026-10-25T03:00:00Z,m1,resume\n2026-10-26T00:00:00Z,m1,"
      "complete\n";
  in.from = ParseTimestamp("2026-10-22T00:00:00Z").value();
  in.to = ParseTimestamp("2026-10-29T00:00:00Z").value();
  return in;
}

double Sum(const nlohmann::json& groups, const char* field) {
  double s = 0;
  for (const auto& [k, v] : groups.items()) s += v[field].get<double>();
  return s;
}

TEST(KpiProperties, CategoryTimesSumExactlyToCalendarTime) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    auto j = nlohmann::json::parse(Replay(Input(seed)).value());
    for (const auto& [path, wc] : j["work_centres"].items()) {
      const auto& t = wc["total"];
      EXPECT_DOUBLE_EQ(t["calendar_time_s"].get<double>(), 7 * 86400.0) << path;
      double sum = t["not_scheduled_s"].get<double>() + t["planned_downtime_s"].get<double>() +
                   t["no_data_s"].get<double>() + t["actual_unit_downtime_s"].get<double>() +
                   t["actual_unit_delay_time_s"].get<double>() +
                   t["actual_production_time_s"].get<double>();
      EXPECT_DOUBLE_EQ(sum, 7 * 86400.0) << path;
    }
  }
}

TEST(KpiProperties, RollupsEqualTheSumOfTheirParts) {
  auto j = nlohmann::json::parse(Replay(Input(7)).value());
  const auto& line = j["lines"]["acme/p/a/l"];
  for (const char* f : {"actual_production_time_s", "planned_busy_time_s", "good_quantity",
                        "scrap_quantity", "planned_run_time_s"}) {
    double parts = 0;
    for (const auto& [path, wc] : j["work_centres"].items()) parts += wc["total"][f].get<double>();
    EXPECT_NEAR(line["total"][f].get<double>(), parts, 1e-6) << f;
    EXPECT_NEAR(Sum(line["by_day"], f), parts, 1e-6) << f;
    EXPECT_NEAR(j["enterprise"]["total"][f].get<double>(), parts, 1e-6) << f;
  }
  // Shifts cover all planned operation time; days cover all calendar time.
  EXPECT_NEAR(Sum(line["by_shift"], "planned_operation_time_s"),
              line["total"]["planned_operation_time_s"].get<double>(), 1e-6);
  // OEE of the line is the ratio of sums, not the mean of the machines' OEE.
  const auto& t = line["total"];
  double a = t["actual_production_time_s"].get<double>() / t["planned_busy_time_s"].get<double>();
  EXPECT_NEAR(t["availability"].get<double>(), a, 1e-6);
}

TEST(KpiProperties, ReplayIsByteIdentical) {
  ReplayInput in = Input(11);
  std::string a = Replay(in).value();
  std::string b = Replay(in).value();
  EXPECT_EQ(a, b);
  EXPECT_GT(a.size(), 1000u);
}

TEST(KpiProperties, CountsAreNeverNegativeNorAWholeRange) {
  auto j = nlohmann::json::parse(Replay(Input(5)).value());
  const auto& m1 = j["work_centres"]["acme/p/a/l/m1"];
  // At most 49 good units per sample and < 7*86400 samples.
  EXPECT_LT(m1["total"]["good_quantity"].get<double>(), 49.0 * 7 * 86400);
  EXPECT_GT(m1["counters"]["resets"].get<int>(), 0);
  EXPECT_GT(m1["counters"]["rollovers"].get<int>(), 0);
}

TEST(Kpi, FormulasFollowIso22400) {
  KpiTotals t;
  ops::Segment s;
  s.start = 0;
  s.end = 3600 * kSecond;
  s.category = StateCategory::kProducing;
  s.ideal_cycle_time = kSecond;
  s.good = 2700;
  s.scrap = 180;
  t.Add(s);
  s.start = s.end;
  s.end = s.start + 1200 * kSecond;
  s.category = StateCategory::kUnplannedDowntime;
  s.good = s.scrap = 0;
  t.Add(s);
  EXPECT_EQ(t.PlannedBusyTime(), 4800 * kSecond);
  EXPECT_DOUBLE_EQ(*t.Availability(), 0.75);
  EXPECT_DOUBLE_EQ(*t.Effectiveness(), 0.8);    // 2880 s / 3600 s
  EXPECT_DOUBLE_EQ(*t.QualityRatio(), 0.9375);  // 2700 / 2880
  EXPECT_DOUBLE_EQ(*t.Oee(), 0.75 * 0.8 * 0.9375);
}

}  // namespace
}  // namespace gantry::ctx
