// The MQTT connector against independent peers on loopback: Debian's mosquitto broker and a
// Sparkplug B edge node written with the npm `mqtt` and `sparkplug-payload` packages
// (tests/interop/sparkplug_edge_node.js). What a plant relies on: values with the edge's
// timestamps, a lost message healed by exactly one rebirth, deaths (sent and by will) turning
// tags Bad, unknown aliases never mis-assigned, broker restarts survived, plain JSON topics;
// writes as DCMD/NCMD that the edge node applies and reports back, and to a plain write_topic.
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>

#include "core/config_node.h"
#include "core/sample_sink.h"
#include "field/mqtt/mqtt_connector.h"
#include "field/mqtt/mqtt_test_peers.h"

namespace gantry::mqtt {
namespace {

using namespace std::chrono_literals;
using testing::MosquittoBroker;
using testing::PeerProcess;

constexpr TagId kSpeed = 0, kCount = 1, kRunning = 2, kProduct = 3, kUptime = 4, kOvenTemp = 5,
                kDoor = 6, kSetpoint = 7;

class CollectingSink : public SampleSink {
 public:
  void Publish(std::vector<Sample> batch) override {
    std::lock_guard lock(mutex_);
    for (Sample& s : batch) samples_.push_back(std::move(s));
    changed_.notify_all();
  }
  // Waits until some sample published since `from` satisfies `want`; returns it.
  std::optional<Sample> WaitFor(const std::function<bool(const Sample&)>& want,
                                std::chrono::milliseconds timeout, size_t from = 0) {
    std::unique_lock lock(mutex_);
    std::optional<Sample> found;
    changed_.wait_for(lock, timeout, [&] {
      for (size_t i = from; i < samples_.size(); ++i)
        if (want(samples_[i])) {
          found = samples_[i];
          return true;
        }
      return false;
    });
    return found;
  }
  size_t size() {
    std::lock_guard lock(mutex_);
    return samples_.size();
  }
  std::vector<Sample> Since(size_t from) {
    std::lock_guard lock(mutex_);
    return {samples_.begin() + static_cast<std::ptrdiff_t>(std::min(from, samples_.size())),
            samples_.end()};
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Sample> samples_;
};

std::function<bool(const Sample&)> Is(TagId tag, std::function<bool(const Sample&)> more) {
  return [tag, more](const Sample& s) { return s.tag == tag && more(s); };
}
std::function<bool(const Sample&)> GoodValue(TagId tag, Value v) {
  return [tag, v](const Sample& s) { return s.tag == tag && s.quality.IsGood() && s.value == v; };
}

std::string DeviceYaml(uint16_t port, const std::string& extra = "") {
  return "name: line3-broker\nprotocol: mqtt\nhost: 127.0.0.1\nport: " + std::to_string(port) +
         "\nclient_id: gantry-test-" + std::to_string(port) +
         "\nkeepalive: 5s\nconnect_timeout: 2s\nreconnect: {min: 100ms, max: 400ms}\n" + extra +
         R"(sparkplug: {host_id: gantry-test, rebirth_interval: 5s}
tags:
  - {path: acme/p1/pack/line3/filler/speed, type: double,
     sparkplug: {group: G1, node: Edge1, device: Filler, metric: Speed}}
  - {path: acme/p1/pack/line3/filler/count, type: int64,
     sparkplug: {group: G1, node: Edge1, device: Filler, metric: Count}}
  - {path: acme/p1/pack/line3/filler/running, type: bool,
     sparkplug: {group: G1, node: Edge1, device: Filler, metric: Running}}
  - {path: acme/p1/pack/line3/filler/product, type: string,
     sparkplug: {group: G1, node: Edge1, device: Filler, metric: Product}}
  - {path: acme/p1/pack/line3/edge/uptime, type: int64,
     sparkplug: {group: G1, node: Edge1, metric: Uptime}}
  - {path: acme/p1/pack/line3/oven/temp, type: double, topic: plant/line3/oven/+/temp,
     json: /t/value, timestamp: /ts}
  - {path: acme/p1/pack/line3/oven/door, type: bool, topic: plant/line3/oven/door}
  - {path: acme/p1/pack/line3/oven/setpoint, type: double, topic: plant/line3/oven/sp,
     json: /value, write_topic: plant/line3/oven/sp/set, write_payload: json}
)";
}

MqttDeviceConfig ParseConfig(const std::string& yaml) {
  Result<ConfigDocument> doc = ConfigDocument::Parse(yaml, "test.yaml");
  EXPECT_TRUE(doc.ok());
  MqttDeviceConfig c = ParseMqttDevice(doc->Root());
  EXPECT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
  return c;
}

class MqttInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveMqttPeers(GANTRY_SOURCE_DIR, "mqtt"))
      GTEST_SKIP() << "node or tests/interop/node_modules missing";
    if (!broker_.ready()) GTEST_SKIP() << broker_.why_not();
  }

  std::unique_ptr<PeerProcess> StartEdge(const std::vector<std::string>& flags = {}) {
    std::vector<std::string> argv = {
        "node", std::string(GANTRY_SOURCE_DIR) + "/tests/interop/sparkplug_edge_node.js", "--port",
        std::to_string(broker_.port())};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto edge = std::make_unique<PeerProcess>(argv);
    EXPECT_TRUE(edge->WaitForLine("READY", 10s)) << edge->Output();
    return edge;
  }

  std::unique_ptr<MqttConnector> StartConnector(const std::string& extra = "") {
    config_ = ParseConfig(DeviceYaml(broker_.port(), extra));
    std::vector<TagId> ids;
    for (size_t i = 0; i < config_.points.size(); ++i) ids.push_back(static_cast<TagId>(i));
    auto c = std::make_unique<MqttConnector>(config_, ids, sink_, SystemClock::Instance());
    EXPECT_TRUE(c->Start().ok());
    return c;
  }

  MosquittoBroker broker_;
  CollectingSink sink_;
  MqttDeviceConfig config_;
};

TEST_F(MqttInterop, SparkplugValuesArriveWithTheEdgesTimestamps) {
  auto edge = StartEdge();
  auto connector = StartConnector();
  // The connector asks for a rebirth when it connects; the births carry the current values.
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s)) << edge->Output();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kCount, int64_t{-3}), 2s));
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kRunning, true), 2s));
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kProduct, "P-17"), 2s));
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kUptime, int64_t{1}), 2s));
  EXPECT_EQ(connector->Health().state, ConnectorState::kConnected);

  // The edge's clock runs 3 s ahead of ours: its time is the sample's time.
  const int64_t edge_ms = SystemClock::Instance().Now() / 1'000'000 + 3000;
  edge->Send("ddata Speed 13.25 " + std::to_string(edge_ms));
  std::optional<Sample> s = sink_.WaitFor(GoodValue(kSpeed, 13.25), 5s);
  ASSERT_TRUE(s) << edge->Output();
  EXPECT_EQ(s->time, Timestamp{edge_ms} * 1'000'000);
  // An older edge time (a late message) is kept as is: the current values ignore it, the
  // historian stores it where it belongs.
  edge->Send("ddata Speed 13.5 " + std::to_string(edge_ms - 60'000));
  s = sink_.WaitFor(GoodValue(kSpeed, 13.5), 5s);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->time, Timestamp{edge_ms} * 1'000'000 - 60 * kSecond);
  edge->Send("ndata 77");
  EXPECT_TRUE(sink_.WaitFor(GoodValue(kUptime, int64_t{77}), 5s));
  edge->Send("null Count");
  EXPECT_TRUE(sink_.WaitFor(
      Is(kCount, [](const Sample& x) { return x.quality == Quality::Bad() && x.value.empty(); }),
      5s));
  EXPECT_EQ(connector->sequence_gaps(), 0u);

  // Sparkplug 3.0 STATE: retained, online while connected, offline after a clean stop.
  edge->Send("sub spBv1.0/STATE/gantry-test");
  std::optional<std::string> online = edge->WaitForLine("MSG spBv1.0/STATE/gantry-test 1", 5s);
  ASSERT_TRUE(online) << edge->Output();
  EXPECT_NE(online->find(R"({"online":true,"timestamp":)"), std::string::npos) << *online;
  connector->Stop();
  std::optional<std::string> offline = edge->WaitForLine(R"({"online":false)", 5s);
  ASSERT_TRUE(offline) << edge->Output();
  // The same timestamp in both, as Sparkplug 3.0 asks.
  EXPECT_EQ(online->substr(online->find("timestamp")), offline->substr(offline->find("timestamp")));
}

TEST_F(MqttInterop, ASeqGapAsksForExactlyOneRebirthAndValuesAreGoodAgain) {
  auto edge = StartEdge();
  auto connector = StartConnector();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s)) << edge->Output();
  ASSERT_TRUE(edge->WaitForLine("NCMD rebirth 1", 5s)) << edge->Output();  // the one at connect
  const uint64_t requested = connector->rebirths_requested();

  edge->Send("ddata Speed 11");
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 11.0), 5s));
  const size_t mark = sink_.size();
  edge->Send("skip");  // a DDATA lost on the way
  edge->Send("ddata Speed 12");
  edge->Send("ddata Speed 12.5");  // also after the gap, before the rebirth: not a second request
  // The node's tags become Uncertain (last usable value), one rebirth is requested, and after the
  // new births the values are Good again.
  std::optional<Sample> stale = sink_.WaitFor(
      Is(kSpeed, [](const Sample& x) { return x.quality == Quality::UncertainLastUsableValue(); }),
      5s, mark);
  ASSERT_TRUE(stale) << edge->Output();
  EXPECT_EQ(stale->value, Value(11.0));
  ASSERT_TRUE(edge->WaitForLine("NCMD rebirth 2", 5s)) << edge->Output();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 12.5), 5s, mark)) << edge->Output();
  edge->Send("ddata Speed 14");
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 14.0), 5s, mark));
  EXPECT_EQ(connector->rebirths_requested(), requested + 1);
  EXPECT_FALSE(edge->WaitForLine("NCMD rebirth 3", 300ms)) << edge->Output();
  EXPECT_GE(connector->sequence_gaps(), 1u);
  EXPECT_NE(connector->Health().last_error.find("edge node G1/Edge1"), std::string::npos);
}

TEST_F(MqttInterop, DeathsSentOrByWillTurnTheTagsBad) {
  auto edge = StartEdge();
  auto connector = StartConnector();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s)) << edge->Output();
  size_t mark = sink_.size();
  edge->Send("ddeath");
  ASSERT_TRUE(sink_.WaitFor(
      Is(kSpeed, [](const Sample& x) { return x.quality == Quality::BadNotConnected(); }), 5s,
      mark));
  EXPECT_FALSE(sink_.WaitFor(Is(kUptime, [](const Sample& x) { return x.quality.IsBad(); }), 200ms,
                             mark));  // a device death leaves the node's own tags
  edge->Send("birth");
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 5s, mark));
  mark = sink_.size();
  edge->Send("ndeath");
  ASSERT_TRUE(sink_.WaitFor(
      Is(kUptime, [](const Sample& x) { return x.quality == Quality::BadNotConnected(); }), 5s,
      mark));
  ASSERT_TRUE(sink_.WaitFor(
      Is(kSpeed, [](const Sample& x) { return x.quality == Quality::BadNotConnected(); }), 5s,
      mark));
  edge->Send("birth");
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 5s, mark));

  // The edge process dies without a word: the broker publishes its will (NDEATH, same bdSeq).
  mark = sink_.size();
  edge->Kill(SIGKILL);
  std::optional<Sample> dead = sink_.WaitFor(
      Is(kSpeed, [](const Sample& x) { return x.quality == Quality::BadNotConnected(); }), 5s,
      mark);
  ASSERT_TRUE(dead);
  EXPECT_TRUE(dead->value.empty());
}

TEST_F(MqttInterop, DataByAnUnknownAliasBeforeTheBirthIsNotMisassigned) {
  auto edge = StartEdge({"--no-birth"});
  auto connector = StartConnector();
  ASSERT_TRUE(edge->WaitForLine("NCMD rebirth 1", 10s)) << edge->Output();
  edge->Send("alias 2 99");  // alias 2 will be Count; no birth yet, so nobody may take it
  edge->Send("alias 1 98");
  EXPECT_FALSE(sink_.WaitFor([](const Sample& s) { return s.quality.IsGood(); }, 1s));
  edge->Send("birth");  // now alias 1 = Speed (10.5), alias 2 = Count (-3)
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 5s)) << edge->Output();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kCount, int64_t{-3}), 5s));
  edge->Send("alias 9 97");  // an alias the birth never gave
  edge->Send("ddata Speed 15");
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 15.0), 5s));
  for (const Sample& s : sink_.Since(0)) {
    EXPECT_NE(s.value, Value(99.0)) << "tag " << s.tag;
    EXPECT_NE(s.value, Value(int64_t{99})) << "tag " << s.tag;
    EXPECT_NE(s.value, Value(97.0)) << "tag " << s.tag;
  }
  EXPECT_GE(connector->unknown_aliases(), 1u);
}

TEST_F(MqttInterop, BrokerRestartReconnectsResubscribesAndValuesReturn) {
  auto edge = StartEdge();
  auto connector = StartConnector();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s)) << edge->Output();
  size_t mark = sink_.size();
  broker_.Stop();
  ASSERT_TRUE(sink_.WaitFor(
      Is(kSpeed, [](const Sample& x) { return x.quality == Quality::BadCommunicationError(); }), 5s,
      mark));
  EXPECT_EQ(connector->Health().state, ConnectorState::kBackoff);
  EXPECT_NE(connector->Health().last_error.find("127.0.0.1:" + std::to_string(broker_.port())),
            std::string::npos)
      << connector->Health().last_error;
  ASSERT_TRUE(broker_.Start());
  mark = sink_.size();
  // The edge reconnects and rebirths; Gantry reconnects, resubscribes and asks for births.
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s, mark)) << edge->Output();
  edge->Send("ddata Speed 16");
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 16.0), 5s, mark)) << edge->Output();
  EXPECT_EQ(connector->Health().state, ConnectorState::kConnected);
  EXPECT_GE(connector->Health().reconnects, 1u);
}

TEST_F(MqttInterop, PlainJsonTopicsMapToTagsAndABadPayloadIsABadSample) {
  auto edge = StartEdge();
  auto connector = StartConnector();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s)) << edge->Output();
  const int64_t ts = SystemClock::Instance().Now() / 1'000'000 + 2000;
  edge->Send(R"(pub plant/line3/oven/zone1/temp {"t":{"value":181.5},"ts":)" + std::to_string(ts) +
             "}");
  std::optional<Sample> t = sink_.WaitFor(GoodValue(kOvenTemp, 181.5), 5s);
  ASSERT_TRUE(t) << edge->Output();
  EXPECT_EQ(t->time, Timestamp{ts} * 1'000'000);
  edge->Send("pub plant/line3/oven/door true");
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kDoor, true), 5s));
  edge->Send(R"(pub plant/line3/oven/zone2/temp {"t":{"value":)");  // cut short
  ASSERT_TRUE(sink_.WaitFor(
      Is(kOvenTemp, [](const Sample& x) { return x.quality == Quality::BadDecodingError(); }), 5s));
  EXPECT_NE(connector->Health().last_error.find("not JSON"), std::string::npos);
  edge->Send(R"(pub plant/line3/oven/zone2/temp {"t":{"value":"hot"}})");
  ASSERT_TRUE(sink_.WaitFor(
      Is(kOvenTemp, [](const Sample& x) { return x.quality == Quality::BadTypeMismatch(); }), 5s));
  edge->Send(R"(pub plant/line3/oven/zone2/temp {"t":{"value":"182.5"}})");  // a number as text
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kOvenTemp, 182.5), 5s));
}

class MqttCredentials : public ::testing::Test {
 protected:
  MosquittoBroker broker_{"gantry", "s3cret-pw"};
  CollectingSink sink_;
};

TEST_F(MqttCredentials, TheBrokerRefusesAWrongPasswordAndAcceptsTheRightOne) {
  if (!broker_.ready()) GTEST_SKIP() << broker_.why_not();
  const std::string user = "user: {name: gantry, password_env: GANTRY_TEST_MQTT_PASSWORD}\n";
  MqttDeviceConfig config = ParseConfig(DeviceYaml(broker_.port(), user));
  std::vector<TagId> ids;
  for (size_t i = 0; i < config.points.size(); ++i) ids.push_back(static_cast<TagId>(i));

  ::unsetenv("GANTRY_TEST_MQTT_PASSWORD");
  MqttConnector unset(config, ids, sink_, SystemClock::Instance());
  Status s = unset.Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("GANTRY_TEST_MQTT_PASSWORD"), std::string::npos);

  ::setenv("GANTRY_TEST_MQTT_PASSWORD", "wrong", 1);
  {
    MqttConnector wrong(config, ids, sink_, SystemClock::Instance());
    ASSERT_TRUE(wrong.Start().ok());
    for (int i = 0; i < 300 && wrong.Health().last_error.empty(); ++i)
      std::this_thread::sleep_for(10ms);
    EXPECT_NE(wrong.Health().state, ConnectorState::kConnected);
    EXPECT_NE(wrong.Health().last_error.find("not authorised"), std::string::npos)
        << wrong.Health().last_error;
  }
  ::setenv("GANTRY_TEST_MQTT_PASSWORD", "s3cret-pw", 1);
  MqttConnector right(config, ids, sink_, SystemClock::Instance());
  ASSERT_TRUE(right.Start().ok());
  for (int i = 0; i < 300 && right.Health().state != ConnectorState::kConnected; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(right.Health().state, ConnectorState::kConnected);
  ::unsetenv("GANTRY_TEST_MQTT_PASSWORD");
}

// A CA and a broker certificate for 127.0.0.1 (P-256), made with the openssl command line in
// `dir`; false when openssl is missing.
bool MakeCertificates(const std::filesystem::path& dir, const std::string& ca_name) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "san.ext") << "subjectAltName=IP:127.0.0.1\n";
  const std::string d = dir.string();
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
  const std::string cmd =
      "cd " + d + " && openssl req -x509" + ec +
      "-keyout ca.key -out ca.crt -days 2 -subj /CN=" + ca_name + " && openssl req" + ec +
      "-keyout server.key -out server.csr -subj /CN=127.0.0.1 && openssl x509 -req -in "
      "server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile "
      "san.ext && chmod 0644 ca.key server.key";  // mosquitto reads them as user mosquitto
  return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

TEST(MqttTls, TheBrokersCertificateIsCheckedAgainstTheConfiguredCa) {
  const std::filesystem::path certs =
      std::filesystem::path(GANTRY_BINARY_DIR) / "mqtt-tls-test" / "broker";
  const std::filesystem::path other =
      std::filesystem::path(GANTRY_BINARY_DIR) / "mqtt-tls-test" / "other";
  if (!MakeCertificates(certs, "gantry-test-ca") || !MakeCertificates(other, "another-ca"))
    GTEST_SKIP() << "openssl cannot make test certificates";
  MosquittoBroker broker("", "",
                         "cafile " + (certs / "ca.crt").string() + "\ncertfile " +
                             (certs / "server.crt").string() + "\nkeyfile " +
                             (certs / "server.key").string() + "\nallow_anonymous true\n");
  if (!broker.ready()) GTEST_SKIP() << broker.why_not();
  CollectingSink sink;
  auto start = [&](const std::string& tls) {
    MqttDeviceConfig config = ParseConfig(DeviceYaml(broker.port(), tls));
    std::vector<TagId> ids;
    for (size_t i = 0; i < config.points.size(); ++i) ids.push_back(static_cast<TagId>(i));
    auto c = std::make_unique<MqttConnector>(config, ids, sink, SystemClock::Instance());
    EXPECT_TRUE(c->Start().ok());
    for (int i = 0; i < 300 && c->Health().state != ConnectorState::kConnected &&
                    c->Health().last_error.empty();
         ++i)
      std::this_thread::sleep_for(10ms);
    return c;
  };
  auto trusted = start("tls: {ca_file: " + (certs / "ca.crt").string() + "}\n");
  for (int i = 0; i < 300 && trusted->Health().state != ConnectorState::kConnected; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(trusted->Health().state, ConnectorState::kConnected) << trusted->Health().last_error;
  trusted->Stop();

  auto untrusted = start("tls: {ca_file: " + (other / "ca.crt").string() + "}\n");
  for (int i = 0; i < 100 && untrusted->Health().last_error.empty(); ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_NE(untrusted->Health().state, ConnectorState::kConnected);
  EXPECT_FALSE(untrusted->Health().last_error.empty());
  untrusted->Stop();

  MqttDeviceConfig missing =
      ParseConfig(DeviceYaml(broker.port(), "tls: {ca_file: /nonexistent/ca.pem}\n"));
  MqttConnector refused(missing, std::vector<TagId>(missing.points.size(), 0), sink,
                        SystemClock::Instance());
  Status s = refused.Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("/nonexistent/ca.pem"), std::string::npos) << s.message();
}

TEST_F(MqttInterop, SparkplugWritesReachTheEdgeNodeAndComeBackThroughData) {
  auto edge = StartEdge();
  auto connector = StartConnector("writes: enabled\n");
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s)) << edge->Output();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kUptime, int64_t{1}), 5s));
  size_t mark = sink_.size();
  Status s = connector->WriteTag(kSpeed, Value(42.5));
  ASSERT_TRUE(s.ok()) << s.ToString();
  // By name, with the birth's alias and datatype, at QoS 0, not retained (Sparkplug commands).
  EXPECT_TRUE(edge->WaitForLine("CMD DCMD Speed alias=1 type=Double value=42.5 qos=0 retain=0", 5s))
      << edge->Output();
  EXPECT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 42.5), 5s, mark)) << edge->Output();
  s = connector->WriteTag(kCount, Value(int64_t{-7}));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(edge->WaitForLine("CMD DCMD Count alias=2 type=Int32 value=-7", 5s))
      << edge->Output();
  EXPECT_TRUE(sink_.WaitFor(GoodValue(kCount, int64_t{-7}), 5s, mark));
  ASSERT_TRUE(connector->WriteTag(kRunning, Value(false)).ok());
  EXPECT_TRUE(edge->WaitForLine("CMD DCMD Running alias=3 type=Boolean value=false", 5s));
  EXPECT_TRUE(sink_.WaitFor(GoodValue(kRunning, false), 5s, mark));
  ASSERT_TRUE(connector->WriteTag(kProduct, Value("P-18")).ok());
  EXPECT_TRUE(edge->WaitForLine("CMD DCMD Product alias=4 type=String value=P-18", 5s));
  EXPECT_TRUE(sink_.WaitFor(GoodValue(kProduct, "P-18"), 5s, mark));
  // A metric of the edge node itself goes out as NCMD.
  ASSERT_TRUE(connector->WriteTag(kUptime, Value(int64_t{99})).ok());
  EXPECT_TRUE(edge->WaitForLine("CMD NCMD Uptime alias=20 type=Int64 value=99", 5s))
      << edge->Output();
  EXPECT_TRUE(sink_.WaitFor(GoodValue(kUptime, int64_t{99}), 5s, mark));

  // Values the birth's datatype cannot take are refused before anything is published.
  Status fraction = connector->WriteTag(kCount, Value(3.5));
  EXPECT_EQ(fraction.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(fraction.message().find("acme/p1/pack/line3/filler/count"), std::string::npos);
  EXPECT_NE(fraction.message().find("Int32"), std::string::npos) << fraction.ToString();
  Status too_big = connector->WriteTag(kCount, Value(int64_t{3'000'000'000}));
  EXPECT_EQ(too_big.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_big.message().find("-2147483648..2147483647"), std::string::npos)
      << too_big.ToString();
  EXPECT_EQ(connector->WriteTag(kProduct, Value(5.0)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(connector->WriteTag(kRunning, Value("yes")).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(edge->WaitForLine("value=3.5", 200ms));
  // A plain topic without write_topic stays read-only.
  Status read_only = connector->WriteTag(kDoor, Value(true));
  EXPECT_EQ(read_only.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(read_only.message().find("write_topic"), std::string::npos) << read_only.ToString();

  // A dead device, then a dead edge node: Unavailable, nothing published.
  mark = sink_.size();
  edge->Send("ddeath");
  ASSERT_TRUE(
      sink_.WaitFor(Is(kSpeed, [](const Sample& x) { return x.quality.IsBad(); }), 5s, mark));
  Status dead_device = connector->WriteTag(kSpeed, Value(1.0));
  EXPECT_EQ(dead_device.code(), StatusCode::kUnavailable);
  EXPECT_NE(dead_device.message().find("G1/Edge1/Filler is not born"), std::string::npos)
      << dead_device.ToString();
  EXPECT_TRUE(connector->WriteTag(kUptime, Value(int64_t{100})).ok());  // the node still lives
  edge->Send("ndeath");
  ASSERT_TRUE(
      sink_.WaitFor(Is(kUptime, [](const Sample& x) { return x.quality.IsBad(); }), 5s, mark));
  Status dead_node = connector->WriteTag(kUptime, Value(int64_t{101}));
  EXPECT_EQ(dead_node.code(), StatusCode::kUnavailable);
  EXPECT_NE(dead_node.message().find("edge node G1/Edge1 is not born"), std::string::npos)
      << dead_node.ToString();
  EXPECT_FALSE(edge->WaitForLine("value=101", 200ms));
}

TEST_F(MqttInterop, WritesAreRefusedWhenDisabledOrWhenTheBrokerIsGone) {
  auto edge = StartEdge();
  auto disabled = StartConnector();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s)) << edge->Output();
  Status refused = disabled->WriteTag(kSpeed, Value(1.0));
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.message().find("writes: enabled"), std::string::npos) << refused.ToString();
  EXPECT_EQ(disabled->WriteTag(kSetpoint, Value(1.0)).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(disabled->WriteTag(99, Value(1.0)).code(), StatusCode::kNotFound);
  disabled.reset();

  auto enabled = StartConnector("writes: enabled\n");
  size_t mark = sink_.size();
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s, mark)) << edge->Output();
  mark = sink_.size();
  broker_.Stop();
  ASSERT_TRUE(sink_.WaitFor(
      Is(kSpeed, [](const Sample& x) { return x.quality == Quality::BadCommunicationError(); }), 5s,
      mark));
  Status offline = enabled->WriteTag(kSpeed, Value(1.0));
  EXPECT_EQ(offline.code(), StatusCode::kUnavailable);
  EXPECT_NE(offline.message().find("not connected to the broker"), std::string::npos)
      << offline.ToString();
  EXPECT_EQ(enabled->WriteTag(kSetpoint, Value(1.0)).code(), StatusCode::kUnavailable);
}

TEST_F(MqttInterop, APlainWriteIsPublishedToItsWriteTopicAsJson) {
  auto edge = StartEdge();
  edge->Send("sub plant/line3/oven/sp/set");
  ASSERT_TRUE(edge->WaitForLine("SUBSCRIBED plant/line3/oven/sp/set", 5s)) << edge->Output();
  auto connector = StartConnector("writes: enabled\n");
  ASSERT_TRUE(sink_.WaitFor(GoodValue(kSpeed, 10.5), 10s)) << edge->Output();
  Status s = connector->WriteTag(kSetpoint, Value(185.5));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(edge->WaitForLine(R"(MSG plant/line3/oven/sp/set 0 {"value":185.5})", 5s))
      << edge->Output();
  // The device answers on the topic Gantry reads: that becomes the current value.
  edge->Send(R"(pub plant/line3/oven/sp {"value":185.5})");
  EXPECT_TRUE(sink_.WaitFor(GoodValue(kSetpoint, 185.5), 5s));
  Status text = connector->WriteTag(kSetpoint, Value("hot"));
  EXPECT_EQ(text.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(text.message().find("expected a number"), std::string::npos) << text.ToString();
}

}  // namespace
}  // namespace gantry::mqtt
