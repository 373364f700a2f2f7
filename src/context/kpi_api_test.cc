#include "context/kpi_api.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

namespace gantry::ctx {
namespace {

Timestamp T(const char* iso) {
  return ParseTimestamp(iso).value();
}

constexpr const char* kPlant = R"(enterprise: acme
sites:
  - name: p
    timezone: Europe/Berlin
    calendar:
      shifts: [{name: early, start: "06:00", duration: 8h}]
    areas:
      - name: a
        lines:
          - name: l
            constraint: m2
            work_centres:
              - {name: m1, ideal_cycle_time: 1s, state: {word: state}, counters: {good: good}}
              - {name: m2, ideal_cycle_time: 1s, state: {word: state}, counters: {good: good}}
)";

struct Plant {
  explicit Plant(const char* yaml = kPlant) {
    auto doc = ConfigDocument::Parse(yaml, "p.yaml").value();
    ops::OperationsConfig cfg = ops::ParseOperationsConfig(doc.Root());
    EXPECT_TRUE(doc.Finish().ok());
    engine = std::move(
        ops::OperationsEngine::Create(cfg, [&](std::string_view p) -> std::optional<TagId> {
          return ids.emplace(std::string(p), static_cast<TagId>(ids.size())).first->second;
        }).value());
    cube = std::make_unique<KpiCube>(engine->config());
  }
  void Put(const std::string& tag, const char* iso, double v) {
    engine->Publish(Sample{ids.at("acme/p/a/l/" + tag), T(iso), Value(v), Quality::Good()});
  }
  void Fill(Timestamp from, Timestamp to) {
    for (const auto& wc : engine->config().work_centres)
      for (const ops::Segment& s : engine->Segments(wc.path, from, to))
        cube->Add(s, engine->CalendarOf(wc.path));
  }
  std::map<std::string, TagId> ids;
  std::unique_ptr<ops::OperationsEngine> engine;
  std::unique_ptr<KpiCube> cube;
};

TEST(KpiApi, OeeByDayForTheLineComesFromItsConstraint) {
  Plant p;
  for (const char* m : {"m1/", "m2/"}) {
    p.Put(std::string(m) + "state", "2026-01-05T05:00:00Z", 1);  // 06:00 CET
    p.Put(std::string(m) + "good", "2026-01-05T05:00:00Z", 0);
  }
  p.Put("m2/state", "2026-01-05T07:00:00Z", 5);
  p.Put("m2/state", "2026-01-05T09:00:00Z", 1);
  p.Put("m1/good", "2026-01-05T13:00:00Z", 28800);
  p.Put("m2/good", "2026-01-05T13:00:00Z", 21600);
  p.Fill(T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"));
  auto body =
      OeeJson(*p.cube, "acme/p/a/l", T("2026-01-04T23:00:00Z"), T("2026-01-05T23:00:00Z"), "day");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  auto j = nlohmann::json::parse(*body);
  const auto& day = j["groups"]["2026-01-05"];
  EXPECT_DOUBLE_EQ(day["planned_busy_time_s"].get<double>(), 28800);
  EXPECT_DOUBLE_EQ(day["availability"].get<double>(), 0.75);  // m2: 6 h of 8 h
  EXPECT_DOUBLE_EQ(day["good_quantity"].get<double>(), 21600);
  EXPECT_EQ(j["work_centres"].size(), 1u);
  EXPECT_FALSE(OeeJson(*p.cube, "acme/p/a/l", 0, 1, "week").ok());
  EXPECT_EQ(OeeJson(*p.cube, "acme/x", 0, 1, "day").status().code(), StatusCode::kNotFound);
}

TEST(KpiApi, StateAndDowntimeShowTheUnassignedStop) {
  Plant p;
  p.Put("m2/state", "2026-01-05T05:00:00Z", 1);
  p.Put("m2/state", "2026-01-05T07:00:00Z", 5);
  auto state = nlohmann::json::parse(
      EquipmentStateJson(*p.engine, "acme/p/a/l/m2", T("2026-01-05T08:00:00Z")).value());
  EXPECT_EQ(state["category"], "unplanned_downtime");
  EXPECT_EQ(state["reason"], "unassigned");
  EXPECT_EQ(state["since"], "2026-01-05T07:00:00.000Z");
  EXPECT_EQ(state["shift"], "2026-01-05/early");
  EXPECT_EQ(state["shift_start"], "2026-01-05T05:00:00.000Z");  // 06:00 CET
  EXPECT_EQ(state["shift_end"], "2026-01-05T13:00:00.000Z");
  p.Fill(T("2026-01-05T05:00:00Z"), T("2026-01-05T09:00:00Z"));
  auto down =
      nlohmann::json::parse(DowntimeJson(*p.engine, *p.cube, "acme/p/a/l/m2",
                                         T("2026-01-05T05:00:00Z"), T("2026-01-05T09:00:00Z"))
                                .value());
  ASSERT_GE(down["intervals"].size(), 1u);
  EXPECT_EQ(down["intervals"][0]["assignable"], true);
  EXPECT_DOUBLE_EQ(down["pareto"][0]["duration_s"].get<double>(), 7200);
  EXPECT_EQ(down["pareto"][0]["stops"], 1);
}

TEST(KpiApi, StateOffShiftHasNoShiftBounds) {
  Plant p;
  p.Put("m2/state", "2026-01-05T05:00:00Z", 1);
  auto state = nlohmann::json::parse(
      EquipmentStateJson(*p.engine, "acme/p/a/l/m2", T("2026-01-05T20:00:00Z")).value());
  EXPECT_TRUE(state["shift_start"].is_null());
  EXPECT_TRUE(state["shift_end"].is_null());
}

// The night shift of the autumn DST change (Europe/Berlin, 25 Oct 2026): 22:00 CEST to 06:00 CET
// is 9 h; a later pattern that overlaps it starts when it ends (06:00 CET, not 05:00).
TEST(KpiApi, StateShiftBoundsFollowTheLocalCalendarOverDst) {
  Plant p(R"(enterprise: acme
sites:
  - name: p
    timezone: Europe/Berlin
    calendar:
      shifts:
        - {name: night, start: "22:00", end: "06:00"}
        - {name: early, start: "05:00", end: "13:00"}
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - {name: m2, ideal_cycle_time: 1s, state: {word: state}, counters: {good: good}}
)");
  p.Put("m2/state", "2026-10-24T19:00:00Z", 1);
  auto night = nlohmann::json::parse(
      EquipmentStateJson(*p.engine, "acme/p/a/l/m2", T("2026-10-25T03:00:00Z")).value());
  EXPECT_EQ(night["shift_start"], "2026-10-24T20:00:00.000Z");  // 22:00 CEST
  EXPECT_EQ(night["shift_end"], "2026-10-25T05:00:00.000Z");    // 06:00 CET: 9 h
  auto early = nlohmann::json::parse(
      EquipmentStateJson(*p.engine, "acme/p/a/l/m2", T("2026-10-25T08:00:00Z")).value());
  EXPECT_EQ(early["shift_start"], "2026-10-25T05:00:00.000Z");  // when the night shift ended
  EXPECT_EQ(early["shift_end"], "2026-10-25T12:00:00.000Z");    // 13:00 CET
}

}  // namespace
}  // namespace gantry::ctx
