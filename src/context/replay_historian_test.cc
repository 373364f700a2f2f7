#include "context/replay_historian.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "data/historian/historian.h"

namespace gantry::ctx {
namespace {

constexpr const char* kConfig = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    calendar:
      shifts: [{name: A, start: "06:00", duration: 8h}]
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - {name: m, ideal_cycle_time: 1s, state: {word: state}, counters: {good: {tag: good, width: 16}}}
)";

constexpr const char* kCsv = R"(2026-01-05T06:00:00Z,acme/p/a/l/m/state,1
2026-01-05T06:00:00Z,acme/p/a/l/m/good,65000
2026-01-05T07:00:00Z,acme/p/a/l/m/good,3064
2026-01-05T07:30:00Z,acme/p/a/l/m/state,5
2026-01-05T08:00:00Z,acme/p/a/l/m/state,1
2026-01-05T14:00:00Z,acme/p/a/l/m/good,27064
)";

TEST(ReplayFromHistorian, GivesTheSameReportAsTheCsvOfTheSameSamples) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gantry-ops-replay-XXXXXX").string();
  const std::string dir = ::mkdtemp(tmpl.data());
  ManualClock clock(ParseTimestamp("2026-01-06T00:00:00Z").value());
  {
    historian::HistorianOptions o;
    o.sync = historian::SyncPolicy::kNone;
    auto h = historian::Historian::Open(dir, o, clock).value();
    ASSERT_TRUE(h->BindTag(0, "acme/p/a/l/m/state").ok());
    ASSERT_TRUE(h->BindTag(1, "acme/p/a/l/m/good").ok());
    ASSERT_TRUE(h->BindTag(2, "acme/p/a/l/m/temperature").ok());
    auto t = [](const char* iso) { return ParseTimestamp(iso).value(); };
    std::vector<Sample> s = {
        {0, t("2026-01-05T06:00:00Z"), Value(1.0), Quality::Good()},
        {1, t("2026-01-05T06:00:00Z"), Value(65000.0), Quality::Good()},
        {2, t("2026-01-05T06:00:00Z"), Value(71.5), Quality::Good()},
        {1, t("2026-01-05T07:00:00Z"), Value(3064.0), Quality::Good()},
        {0, t("2026-01-05T07:30:00Z"), Value(5.0), Quality::Good()},
        {0, t("2026-01-05T08:00:00Z"), Value(1.0), Quality::Good()},
        {1, t("2026-01-05T14:00:00Z"), Value(27064.0), Quality::Good()},
    };
    ASSERT_TRUE(h->Append(s).ok());
    ASSERT_TRUE(h->Flush().ok());
    ReplayInput in;
    in.config_text = kConfig;
    in.from = t("2026-01-05T06:00:00Z");
    in.to = t("2026-01-05T14:00:00Z");
    Result<std::string> from_store = ReplayFromHistorian(in, *h);
    ASSERT_TRUE(from_store.ok()) << from_store.status().ToString();
    in.samples_csv = kCsv;
    Result<std::string> from_csv = Replay(in);
    ASSERT_TRUE(from_csv.ok());
    EXPECT_EQ(*from_store, *from_csv);
    EXPECT_NE(from_store->find("\"good_quantity\": 27600"), std::string::npos) << *from_store;
    in.to.reset();
    EXPECT_FALSE(ReplayFromHistorian(in, *h).ok());
    std::ofstream(dir + "/plant.yaml") << kConfig;
    std::ofstream(dir + "/samples.csv") << kCsv;
  }
  // The command line, once the historian is closed (one process per folder).
  ASSERT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--historian", dir, "--from",
                              "2026-01-05T06:00:00Z", "--to", "2026-01-05T14:00:00Z", "--out",
                              dir + "/h.json"}),
            0);
  ASSERT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--samples", dir + "/samples.csv",
                              "--from", "2026-01-05T06:00:00Z", "--to", "2026-01-05T14:00:00Z",
                              "--out", dir + "/c.json"}),
            0);
  auto slurp = [](const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_EQ(slurp(dir + "/h.json"), slurp(dir + "/c.json"));
  EXPECT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--historian", dir}),
            2);  // no range
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gantry::ctx
