// The `historian:` configuration section: retention with aggregates kept longer, disk floor,
// low-priority prefixes, and errors that name the line and key.
#include "data/historian/historian_config.h"

#include <gtest/gtest.h>

#include "data/historian/test_util.h"

namespace gantry::historian {
namespace {

TEST(HistorianConfig, RetentionFloorAndPackingAreRead) {
  auto doc = std::move(ConfigDocument::Parse(R"(
historian:
  sync: interval
  sync_interval: 50ms
  retention:
    - {prefix: acme/, keep_raw: 90d, keep_aggregates: 1000d}
    - {prefix: acme/p1/diagnostics/, keep_raw: 7d}
  disk_floor: 2GB
  low_priority: [acme/p1/diagnostics/]
  pack_after: 2d
  maintenance_interval: 5m
)",
                                             "plant.yaml"))
                 .value();
  HistorianConfig c = ParseHistorianConfig(doc.Root()["historian"]);
  ASSERT_TRUE(doc.Finish().ok()) << doc.Finish().ToString();
  EXPECT_EQ(c.options.sync, SyncPolicy::kInterval);
  EXPECT_EQ(c.options.sync_interval, 50 * kMillisecond);
  ASSERT_EQ(c.options.retention.size(), 2u);
  EXPECT_EQ(c.options.retention[0].keep_raw, 90 * kDay);
  EXPECT_EQ(c.options.retention[0].keep_aggregates, 1000 * kDay);
  EXPECT_EQ(c.options.retention[1].keep_aggregates, 0);
  EXPECT_EQ(c.options.disk_floor_bytes, 2'000'000'000u);
  EXPECT_EQ(c.low_priority, std::vector<std::string>{"acme/p1/diagnostics/"});
  EXPECT_EQ(c.options.pack_after, 2 * kDay);
  EXPECT_EQ(c.maintenance_interval, 5 * kMinute);
}

TEST(HistorianConfig, AbsentSectionGivesDefaults) {
  auto doc = std::move(ConfigDocument::Parse("data_dir: x\n", "plant.yaml")).value();
  HistorianConfig c = ParseHistorianConfig(doc.Root()["historian"]);
  EXPECT_TRUE(doc.Finish().ok());
  EXPECT_EQ(c.options.sync, SyncPolicy::kEveryBatch);
  EXPECT_TRUE(c.options.retention.empty());
  EXPECT_EQ(c.options.pack_after, kDay);
}

TEST(HistorianConfig, BadValuesNameTheLineAndKey) {
  auto doc = std::move(ConfigDocument::Parse(R"(historian:
  retention:
    - {prefix: acme/, keep_raw: 90d, keep_aggregates: 30d}
  disk_floor: lots
  colour: red
)",
                                             "plant.yaml"))
                 .value();
  (void)ParseHistorianConfig(doc.Root()["historian"]);
  const std::string errors = doc.Finish().ToString();
  EXPECT_NE(errors.find("plant.yaml:3"), std::string::npos) << errors;
  EXPECT_NE(errors.find("keep_aggregates"), std::string::npos) << errors;
  EXPECT_NE(errors.find("disk_floor"), std::string::npos) << errors;
  EXPECT_NE(errors.find("colour"), std::string::npos) << errors;
}

TEST(HistorianConfig, LowPriorityPrefixesAreRefusedFirstAtTheFloor) {
  testing::TempDir dir;
  ManualClock clock(1'763'769'600 * kSecond);
  HistorianOptions o;
  o.sync = SyncPolicy::kNone;
  o.disk_floor_bytes = 1000;
  o.free_bytes = [](const std::string&) -> Result<uint64_t> { return 900; };  // below the floor
  auto h = std::move(Historian::Open(dir.path(), o, clock)).value();
  const std::vector<std::string> paths = {"acme/p1/line/temp", "acme/p1/diagnostics/cpu"};
  for (TagId t = 0; t < paths.size(); ++t) ASSERT_TRUE(h->BindTag(t, paths[t]).ok());
  ASSERT_TRUE(ApplyLowPriority(*h, {"acme/p1/diagnostics/"}, paths).ok());
  std::vector<Sample> b = {{0, clock.Now(), Value(1.0), Quality::Good()},
                           {1, clock.Now(), Value(2.0), Quality::Good()}};
  ASSERT_TRUE(h->Append(b).ok());
  EXPECT_EQ(h->stats().samples_refused_disk_floor, 1u);
  EXPECT_TRUE(h->stats().disk_floor_alarm);
}

}  // namespace
}  // namespace gantry::historian
