// The history route over a real historian: epoch and ISO 8601 times, bad parameters named,
// CSV export, paging, and what it says once raw samples have expired (410 for a wholly expired
// raw range, a flag when partly expired, aggregates from kept summaries, raw_expired buckets).
#include "api/history_routes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/historian/historian.h"
#include "data/tag_registry.h"
#include "field/opcua/interop_peer.h"
#include "field/opcua/opcua_connector.h"

namespace gantry {
namespace {

using json = nlohmann::json;
constexpr Timestamp kT0 = 1'763'769'600 * kSecond;  // 2025-11-22T00:00:00Z
constexpr std::string_view kPath = "acme/p1/line1/press/pressure";

class HistoryRoute : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("gantry-history-route-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    TagConfig tag;
    tag.path = std::string(kPath);
    registry_ = std::move(TagRegistry::Build({tag})).value();
    historian::HistorianOptions o;
    o.sync = historian::SyncPolicy::kNone;
    o.retention = {{"acme/", 2 * kDay, 20 * kDay}};
    store_ = std::move(historian::Historian::Open(dir_, o, clock_)).value();
    ASSERT_TRUE(store_->BindTag(0, kPath).ok());
    std::vector<Sample> samples;
    for (int64_t s = 0; s < 4 * 86'400; s += 60)
      samples.push_back(
          {0, kT0 + s * kSecond, Value(static_cast<double>(s % 3600)), Quality::Good()});
    ASSERT_TRUE(store_->Append(samples).ok());
    ASSERT_TRUE(store_->Flush().ok());
    ctx_.registry = &registry_;
    ctx_.historian = store_.get();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  HttpReply Get(const std::string& query) {
    auto target = ParseRequestTarget("/api/v1/tags/" + std::string(kPath) + "/history?" + query);
    EXPECT_TRUE(target.ok());
    auto reply = RouteHistory(ctx_, "GET", *target, clock_.Now());
    EXPECT_TRUE(reply.has_value());
    return reply.value_or(HttpReply{});
  }

  std::string dir_;
  ManualClock clock_{kT0 + 4 * kDay};
  TagRegistry registry_;
  std::unique_ptr<historian::Historian> store_;
  ApiContext ctx_;
};

TEST_F(HistoryRoute, EpochAndIsoTimesGiveTheSamePoints) {
  HttpReply iso = Get("from=2025-11-22T01:00:00Z&to=2025-11-22T02:00:00Z");
  HttpReply epoch = Get("from=1763773200&to=1763776800");
  ASSERT_EQ(iso.status, 200) << iso.body;
  EXPECT_EQ(json::parse(iso.body)["points"].size(), 60u);
  EXPECT_EQ(json::parse(iso.body)["points"], json::parse(epoch.body)["points"]);
}

TEST_F(HistoryRoute, BadParametersAreNamed) {
  for (auto [query, param] :
       {std::pair{"from=yesterday", "from"}, std::pair{"agg=median&interval=1h", "agg"},
        std::pair{"agg=mean", "interval"}, std::pair{"limit=0", "limit"},
        std::pair{"format=xml", "format"}, std::pair{"colour=red", "colour"}}) {
    HttpReply r = Get(query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(json::parse(r.body)["parameter"], param) << r.body;
  }
}

TEST_F(HistoryRoute, CsvPagesFollowTheCursor) {
  HttpReply first = Get("from=2025-11-24T00:00:00Z&to=2025-11-24T01:00:00Z&limit=40&format=csv");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.content_type, "text/csv");
  EXPECT_EQ(first.body.rfind("timestamp,tag,value,quality\n", 0), 0u);
  const auto at = first.body.find("# next_cursor=");
  ASSERT_NE(at, std::string::npos);
  const std::string cursor = first.body.substr(at + 14, first.body.find('\n', at) - at - 14);
  HttpReply second =
      Get("from=2025-11-24T00:00:00Z&to=2025-11-24T01:00:00Z&limit=40&format=csv"
          "&cursor=" +
          cursor);
  ASSERT_EQ(second.status, 200);
  EXPECT_NE(second.body.find("2025-11-24T00:40:00"), std::string::npos) << second.body;
  EXPECT_EQ(second.body.find("# next_cursor="), std::string::npos);
}

TEST_F(HistoryRoute, AtGivesTheLastValueBeforeAndTheInterpolatedValue) {
  HttpReply r = Get("at=2025-11-24T00:00:30Z");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["last_before"]["time"], "2025-11-24T00:00:00.000Z");
  EXPECT_DOUBLE_EQ(j["last_before"]["value"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["interpolated"]["value"].get<double>(), 30.0);  // halfway from 0 to 60
  EXPECT_EQ(Get("at=soon").status, 400);
  EXPECT_EQ(json::parse(Get("at=1763769600&agg=mean&interval=1h").body)["parameter"], "at");
}

TEST_F(HistoryRoute, ServerTimestampIsShownWhereAnOpcUaServerStampedTheSample) {
  const Timestamp t = kT0 + 4 * kDay - 30 * kSecond;
  std::vector<Sample> samples = {
      {0, t, Value(1.5), Quality::Good(), t + 3 * kMillisecond},  // through an OPC UA server
      {0, t + 10 * kSecond, Value(2.5), Quality::Good(), 0}};     // no server in between
  ASSERT_TRUE(store_->Append(samples).ok());
  HttpReply r = Get("from=2025-11-25T23:59:00Z&to=2025-11-26T00:00:00Z");
  ASSERT_EQ(r.status, 200) << r.body;
  const json points = json::parse(r.body)["points"];
  ASSERT_EQ(points.size(), 3u) << r.body;
  EXPECT_FALSE(points[0].contains("server_time"));
  EXPECT_EQ(points[1]["time"], "2025-11-25T23:59:30.000Z");
  EXPECT_EQ(points[1]["server_time"], "2025-11-25T23:59:30.003Z");
  EXPECT_FALSE(points[2].contains("server_time"));
  HttpReply at = Get("at=2025-11-25T23:59:35Z");
  ASSERT_EQ(at.status, 200) << at.body;
  EXPECT_EQ(json::parse(at.body)["last_before"]["server_time"], "2025-11-25T23:59:30.003Z");
}

// OPC UA connector -> historian -> history route, against node-opcua: both timestamps of the
// server's changing counter arrive in the history answer.
class HistorianSink final : public SampleSink {
 public:
  explicit HistorianSink(historian::Historian& h) : h_(h) {}
  void Publish(std::vector<Sample> batch) override {
    if (h_.Append(batch).ok()) appended_ += batch.size();
  }
  size_t appended() const { return appended_; }

 private:
  historian::Historian& h_;
  std::atomic<size_t> appended_{0};
};

TEST_F(HistoryRoute, OpcUaServerTimestampsTravelFromTheConnectorToTheHistory) {
  opcua::testing::OpcUaPeer peer;
  if (!peer.ready()) GTEST_SKIP() << peer.why_not();
  opcua::OpcUaDeviceConfig device;
  device.name = "line1-plc";
  device.endpoint_url = peer.endpoint_url();
  device.timeout = 5 * kSecond;
  device.publishing_interval = 100 * kMillisecond;
  opcua::OpcUaPoint counter;
  counter.tag.path = std::string(kPath);
  counter.tag.type = ValueType::kInt64;
  counter.node_id = opcua::NodeId::Text(peer.namespace_index(), "Line1.Counter");
  device.points.push_back(counter);
  HistorianSink sink(*store_);
  {
    opcua::OpcUaConnector c(device, {0}, sink, SystemClock::Instance());
    ASSERT_TRUE(c.Start().ok());
    for (int i = 0; i < 200 && sink.appended() < 4; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.Stop();
  }
  ASSERT_GE(sink.appended(), 4u);
  const Timestamp now = SystemClock::Instance().Now();
  HttpReply r = Get("from=" + std::to_string((now - kMinute) / kMillisecond) +
                    "&to=" + std::to_string((now + kSecond) / kMillisecond));
  ASSERT_EQ(r.status, 200) << r.body;
  const json points = json::parse(r.body)["points"];
  size_t stamped = 0;
  for (const json& p : points) {
    if (p["quality"] != "Good") continue;
    ASSERT_TRUE(p.contains("server_time")) << p.dump();
    EXPECT_GE(ParseTimestamp(p["server_time"].get<std::string>()).value(),
              ParseTimestamp(p["time"].get<std::string>()).value() - kSecond);
    ++stamped;
  }
  EXPECT_GE(stamped, 3u) << r.body;
}

TEST_F(HistoryRoute, MetricsCarryTheDiskFloorAlarmAndCounters) {
  const std::string m = HistorianMetricsText(*store_);
  EXPECT_NE(m.find("gantry_historian_samples_stored_total 5760\n"), std::string::npos) << m;
  EXPECT_NE(m.find("gantry_historian_disk_floor_alarm 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("# TYPE gantry_historian_chunks_packed_total counter"), std::string::npos);
}

TEST_F(HistoryRoute, ExpiredRawDataIsSaidAndAggregatesStillAnswer) {
  ASSERT_TRUE(store_->Maintain().ok());  // days 0-1 are past keep_raw (2 days)
  HttpReply gone = Get("from=2025-11-22T00:00:00Z&to=2025-11-22T06:00:00Z");
  EXPECT_EQ(gone.status, 410) << gone.body;
  EXPECT_NE(gone.body.find("expired"), std::string::npos);
  HttpReply partly = Get("from=2025-11-23T23:00:00Z&to=2025-11-24T01:00:00Z");
  ASSERT_EQ(partly.status, 200) << partly.body;
  json p = json::parse(partly.body);
  EXPECT_EQ(p["raw_expired_before"], "2025-11-24T00:00:00.000Z");
  EXPECT_EQ(p["points"].size(), 60u);
  // Hourly means over an expired day come from the kept summaries: exact.
  HttpReply hourly = Get("from=2025-11-22T00:00:00Z&to=2025-11-22T03:00:00Z&agg=mean&interval=1h");
  ASSERT_EQ(hourly.status, 200) << hourly.body;
  const json hourly_json = json::parse(hourly.body);
  for (const json& b : hourly_json["buckets"]) {
    EXPECT_DOUBLE_EQ(b["value"].get<double>(), 1770.0);  // mean of 0, 60, ..., 3540
    EXPECT_FALSE(b.contains("raw_expired"));
  }
  // 10-minute means there cannot be cut from hourly summaries: no number, a flag.
  HttpReply fine = Get("from=2025-11-22T00:00:00Z&to=2025-11-22T01:00:00Z&agg=mean&interval=10m");
  const json fine_json = json::parse(fine.body);
  for (const json& b : fine_json["buckets"]) {
    EXPECT_TRUE(b["value"].is_null());
    EXPECT_EQ(b["raw_expired"], true);
  }
  HttpReply csv =
      Get("from=2025-11-22T00:00:00Z&to=2025-11-22T01:00:00Z&agg=mean&interval=30m&format=csv");
  EXPECT_NE(csv.body.find(",true\n"), std::string::npos) << csv.body;
}

}  // namespace
}  // namespace gantry
