#include "operations/operations_config.h"

#include <gtest/gtest.h>

namespace gantry::ops {
namespace {

constexpr const char* kPlant = R"(enterprise: acme
sites:
  - name: plant1
    timezone: Europe/Berlin
    calendar:
      shifts:
        - {name: A, start: "06:00", duration: 8h, days: weekdays,
           breaks: [{start: "10:00", duration: 15m}]}
        - {name: night, start: "22:00", end: "06:00"}
      windows:
        - {reason: cleaning, start: "13:30", duration: 30m, days: [fri]}
    areas:
      - name: packaging
        lines:
          - name: line1
            constraint: filler
            work_centres:
              - name: filler
                ideal_cycle_time: 1.2s
                downstream: [capper]
                state:
                  word: state
                  fault_code: {tag: fault_code, reasons: {101: jam}}
                counters:
                  good: {tag: good_count, width: 32}
                  reject: reject_count
              - capper
operations:
  micro_stop_threshold: 2m
  reasons:
    mechanical: [jam, {id: motor, planned: false}]
    hygiene: [{id: cleaning, planned: true, outside_window: unplanned}]
  precedence: {fault_during_planned_stop: unplanned}
)";

TEST(OperationsConfig, ParsesCalendarRulesAndReasons) {
  auto doc = ConfigDocument::Parse(kPlant, "plant.yaml");
  ASSERT_TRUE(doc.ok());
  OperationsConfig c = ParseOperationsConfig(doc->Root());
  ASSERT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
  const SiteCalendar& cal = c.calendars.at("plant1");
  EXPECT_EQ(cal.time_zone, "Europe/Berlin");
  ASSERT_EQ(cal.shifts.size(), 2u);
  EXPECT_EQ(cal.shifts[0].weekdays.size(), 5u);
  EXPECT_EQ(cal.shifts[0].breaks[0].reason, "break");
  EXPECT_EQ(cal.shifts[1].duration, 8 * kHour);
  ASSERT_EQ(c.work_centres.size(), 2u);
  const WorkCentreRules& f = c.work_centres[0];
  EXPECT_EQ(f.path, "acme/plant1/packaging/line1/filler");
  EXPECT_EQ(f.state_word_tag, "acme/plant1/packaging/line1/filler/state");
  EXPECT_EQ(f.state_word_map.at(5).condition, MachineCondition::kFault);
  EXPECT_EQ(f.state_word_map.at(6).reason, "cleaning");
  EXPECT_EQ(f.fault_reasons.at(101), "jam");
  EXPECT_EQ(f.counters[1]->tag, "acme/plant1/packaging/line1/filler/reject_count");
  EXPECT_EQ(f.ideal_cycle_time, 1200 * kMillisecond);
  EXPECT_TRUE(c.reasons.at("cleaning").unplanned_outside_window);
  EXPECT_TRUE(c.precedence.fault_during_planned_stop_is_unplanned);
  EXPECT_EQ(c.micro_stop_threshold, 2 * kMinute);
  EXPECT_EQ(c.lines[0].constraint, "filler");
}

TEST(OperationsConfig, EveryErrorIsLocated) {
  std::string bad = kPlant;
  bad.replace(bad.find("Europe/Berlin"), 13, "Europe/Berlim");
  bad.replace(bad.find("101: jam"), 8, "101: jamm");
  bad.replace(bad.find("\"22:00\""), 7, "\"25:00\"");
  auto doc = ConfigDocument::Parse(bad, "plant.yaml");
  ASSERT_TRUE(doc.ok());
  (void)ParseOperationsConfig(doc->Root());
  std::string errors = doc->Finish().ToString();
  EXPECT_NE(errors.find("plant.yaml:4:15: sites[0].timezone: unknown time zone"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("unknown reason 'jamm'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("expected a local time HH:MM"), std::string::npos) << errors;
}

TEST(OperationsConfig, UnknownNeighbourAndConstraintAreErrors) {
  std::string bad = kPlant;
  bad.replace(bad.find("[capper]"), 8, "[labeler]");
  bad.replace(bad.find("constraint: filler"), 18, "constraint: filer");
  auto doc = ConfigDocument::Parse(bad, "plant.yaml");
  (void)ParseOperationsConfig(doc->Root());
  std::string errors = doc->Finish().ToString();
  EXPECT_NE(errors.find("neighbour 'labeler'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("constraint: expected a work centre of this line"), std::string::npos)
      << errors;
}

TEST(OperationsConfig, DemoPlantFragmentParses) {
  auto doc = ConfigDocument::LoadFile(std::string(GANTRY_SOURCE_DIR) +
                                      "/tests/scenarios/plant/demo-plant-operations.yaml");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  OperationsConfig c = ParseOperationsConfig(doc->Root());
  ASSERT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
  ASSERT_EQ(c.work_centres.size(), 4u);
  EXPECT_EQ(c.work_centres[3].path, "acme/plant1/packaging/line1/casepacker");
  EXPECT_EQ(c.work_centres[3].fault_reasons.at(420), "carton_jam");
  EXPECT_EQ(c.work_centres[3].counters[0]->tag,
            "acme/plant1/packaging/line1/casepacker/good_count");
  EXPECT_EQ(c.calendars.at("plant1").shifts.size(), 3u);
}

}  // namespace
}  // namespace gantry::ops
