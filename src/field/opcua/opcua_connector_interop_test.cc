// The OPC UA connector against node-opcua (tests/interop/opcua_server.js on a free loopback
// port): configuration -> connector -> samples of several types; browse paths; writes when
// enabled and refused when not; a dropped connection restored by TransferSubscriptions; a server
// restart seen as one Bad sample per tag, then recovery with the subscription recreated.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "field/modbus/modbus_test_sink.h"
#include "field/opcua/client.h"
#include "field/opcua/interop_peer.h"
#include "field/opcua/opcua_connector.h"

namespace gantry::opcua {
namespace {

using namespace std::chrono_literals;
using modbus::CollectingSink;

class OpcUaConnectorInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { peer_ = new testing::OpcUaPeer(); }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    if (!peer_->ready()) GTEST_SKIP() << peer_->why_not();
  }

  // A device config with `extra` device keys; tags 0..7 as listed.
  OpcUaDeviceConfig Device(const std::string& extra = "") {
    const std::string ns = std::to_string(peer_->namespace_index());
    const std::string yaml =
        "name: line1-plc\n"
        "protocol: opcua\n"
        "endpoint: " +
        peer_->endpoint_url() +
        "\n"
        "security: none\n"
        "timeout: 2s\n"
        "reconnect: {min: 100ms, max: 500ms}\n"
        "publishing_interval: 100ms\n"
        "keep_alive_count: 5\n" +
        extra +
        "tags:\n"
        "  - {path: a/l1/temperature, node: 'ns=" +
        ns +
        ";s=Line1.Temperature'}\n"
        "  - {path: a/l1/counter, browse_path: '" +
        ns + ":Line1/" + ns +
        ":Counter', type: int64}\n"
        "  - {path: a/l1/running, node: 'ns=" +
        ns +
        ";s=Line1.Running', type: bool}\n"
        "  - {path: a/l1/name, node: 'ns=" +
        ns +
        ";s=Line1.Name', type: string}\n"
        "  - {path: a/l1/speed, node: 'ns=" +
        ns +
        ";s=Line1.Speed', scale: {gain: 2}}\n"
        "  - {path: a/l1/setpoint, node: 'ns=" +
        ns +
        ";s=Line1.Setpoint'}\n"
        "  - {path: a/l1/missing, browse_path: '" +
        ns + ":Line1/" + ns +
        ":NoSuchThing'}\n"
        "  - {path: a/l1/counter_by_uri, node: 'nsu=urn:gantry:interop;s=Line1.Counter',"
        " type: int64}\n";
    auto doc = ConfigDocument::Parse(yaml, "interop.yaml");
    EXPECT_TRUE(doc.ok());
    OpcUaDeviceConfig d = ParseOpcUaDevice(doc->Root());
    EXPECT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
    return d;
  }
  static std::vector<TagId> Ids(size_t n) {
    std::vector<TagId> ids;
    for (size_t i = 0; i < n; ++i) ids.push_back(static_cast<TagId>(i));
    return ids;
  }
  static bool CounterGoodAbove(const CollectingSink& sink, int64_t above) {
    Sample s = sink.Latest(1);
    return s.quality.IsGood() && s.value.AsInt64().value_or(-1) > above;
  }

  static testing::OpcUaPeer* peer_;
};
testing::OpcUaPeer* OpcUaConnectorInterop::peer_ = nullptr;

TEST_F(OpcUaConnectorInterop, ConfiguredNodesArriveAsTagsOfSeveralTypes) {
  CollectingSink sink;
  OpcUaConnector c(Device(), Ids(8), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 6) && sink.Has(6); }, 15s)) << sink.Dump();
  EXPECT_EQ(sink.Latest(0).value, Value(21.5));
  EXPECT_TRUE(sink.Latest(1).value.AsInt64().has_value());
  EXPECT_EQ(sink.Latest(2).value, Value(true));
  EXPECT_EQ(sink.Latest(3).value, Value("Filler"));
  EXPECT_EQ(sink.Latest(4).value, Value(24.5));  // 12.25 x gain 2
  EXPECT_EQ(sink.Latest(6).quality.code(), 0x806F0000u) << sink.Latest(6).quality.Name();
  // The counter changes every 100 ms: several values flow, source timestamps set by the server.
  const int64_t first = *sink.Latest(1).value.AsInt64();
  ASSERT_TRUE(sink.WaitFor([&] { return CounterGoodAbove(sink, first + 3); }, 5s));
  EXPECT_GT(sink.Latest(1).time, 1'600'000'000 * kSecond);
  EXPECT_GT(sink.Latest(1).server_time, 1'600'000'000 * kSecond);  // both timestamps kept
  EXPECT_EQ(c.Health().state, ConnectorState::kConnected);
  EXPECT_GT(c.Health().polls_ok, 0u);
  EXPECT_EQ(c.Health().security, "None (unencrypted)");  // shown in /health
  c.Stop();
}

TEST_F(OpcUaConnectorInterop, NodesAndBrowsePathsByNamespaceUriResolveAndAnUnknownUriIsBad) {
  const std::string yaml =
      "name: line1-plc\nprotocol: opcua\nendpoint: " + peer_->endpoint_url() +
      "\nsecurity: none\ntimeout: 2s\npublishing_interval: 100ms\ntags:\n"
      "  - {path: a/l1/running, node: 'nsu=urn:gantry:interop;s=Line1.Running',"
      " type: bool}\n"
      "  - {path: a/l1/counter, node: 'nsu=urn:gantry:interop;s=Line1.Counter',"
      " type: int64}\n"
      "  - {path: a/l1/elsewhere, node: 'nsu=urn:nowhere;s=Line1.Running'}\n"
      "  - {path: a/l1/name_by_path, browse_path: "
      "'nsu=urn:gantry:interop;Line1/nsu=urn:gantry:interop;Name', type: string}\n"
      "  - {path: a/l1/path_elsewhere, browse_path: 'nsu=urn:gantry:interop;Line1/"
      "nsu=http://nowhere.example/ns;Name', type: string}\n";
  auto doc = ConfigDocument::Parse(yaml, "interop.yaml");
  ASSERT_TRUE(doc.ok());
  OpcUaDeviceConfig device = ParseOpcUaDevice(doc->Root());
  ASSERT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
  CollectingSink sink;
  OpcUaConnector c(device, Ids(5), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor(
      [&] { return sink.AllGood(0, 2) && sink.Has(2) && sink.Has(3) && sink.Has(4); }, 15s))
      << sink.Dump();
  EXPECT_EQ(sink.Latest(0).value, Value(true));
  EXPECT_TRUE(sink.Latest(1).value.AsInt64().has_value());
  EXPECT_EQ(sink.Latest(2).quality, Quality::BadNodeIdUnknown()) << sink.Latest(2).quality.Name();
  // BrowseNames by URI: the server put urn:gantry:interop at an index only it knows.
  EXPECT_EQ(sink.Latest(3).value, Value("Filler")) << sink.Latest(3).quality.Name();
  EXPECT_EQ(sink.Latest(4).quality.code(), 0x806F0000u) << sink.Latest(4).quality.Name();
  c.Stop();
}

TEST_F(OpcUaConnectorInterop, TranslateBrowsePathsFindsTheCounterAndReportsNoMatch) {
  ClientOptions o;
  o.endpoint_url = peer_->endpoint_url();
  o.security_policy = "None";
  o.security_mode = MessageSecurityMode::kNone;
  auto client = Client::Connect(o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-interop").ok());
  const uint16_t ns = peer_->namespace_index();
  auto good = ParseBrowsePathText(std::to_string(ns) + ":Line1/" + std::to_string(ns) + ":Counter");
  auto bad = ParseBrowsePathText(std::to_string(ns) + ":Line1/" + std::to_string(ns) + ":Nope");
  ASSERT_TRUE(good.ok() && bad.ok());
  auto results = (*client)->TranslateBrowsePaths({*good, *bad});
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 2u);
  ASSERT_TRUE((*results)[0].status.IsGood());
  ASSERT_EQ((*results)[0].targets.size(), 1u);
  EXPECT_EQ((*results)[0].targets[0].target.node_id, NodeId::Text(ns, "Line1.Counter"));
  EXPECT_EQ((*results)[1].status.code(), 0x806F0000u);  // BadNoMatch
}

TEST_F(OpcUaConnectorInterop, WritesWhenEnabledAndRefusesWhenNot) {
  CollectingSink sink;
  OpcUaConnector enabled(Device("writes: enabled\n"), Ids(8), sink, SystemClock::Instance());
  ASSERT_TRUE(enabled.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(5).quality.IsGood(); }, 15s));
  Status w = enabled.WriteTag(5, Value(42.5));
  ASSERT_TRUE(w.ok()) << w.ToString();
  // The subscription sees the written value come back.
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(5).value == Value(42.5); }, 5s)) << sink.Dump();
  // A read-only node: the server refuses, and the message names its status code.
  Status ro = enabled.WriteTag(0, Value(99.0));
  EXPECT_EQ(ro.code(), StatusCode::kFailedPrecondition) << ro.ToString();
  EXPECT_NE(ro.message().find("BadNotWritable"), std::string::npos) << ro.ToString();
  // A value that does not fit the node's type is refused before anything is sent.
  EXPECT_EQ(enabled.WriteTag(5, Value("text")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(enabled.WriteTag(99, Value(1.0)).code(), StatusCode::kNotFound);
  enabled.Stop();

  CollectingSink sink2;
  OpcUaConnector disabled(Device(), Ids(8), sink2, SystemClock::Instance());
  ASSERT_TRUE(disabled.Start().ok());
  Status refused = disabled.WriteTag(5, Value(7.0));
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied) << refused.ToString();
  EXPECT_NE(refused.message().find("writes: enabled"), std::string::npos);
  disabled.Stop();
}

TEST_F(OpcUaConnectorInterop, WritesReachNodesGivenByNamespaceUriAndRefuseUnresolvedOnes) {
  // The Setpoint (writable, Double) in the server's own namespace, addressed without its index:
  // by nsu= NodeId and by an nsu= browse path; and two addresses whose URI the server lacks.
  const std::string yaml =
      "name: line1-plc\nprotocol: opcua\nendpoint: " + peer_->endpoint_url() +
      "\nsecurity: none\ntimeout: 2s\npublishing_interval: 100ms\nwrites: enabled\ntags:\n"
      "  - {path: a/l1/setpoint, node: 'nsu=urn:gantry:interop;s=Line1.Setpoint'}\n"
      "  - {path: a/l1/setpoint_by_path, browse_path: "
      "'nsu=urn:gantry:interop;Line1/nsu=urn:gantry:interop;Setpoint'}\n"
      "  - {path: a/l1/elsewhere, node: 'nsu=urn:nowhere;s=Line1.Setpoint'}\n"
      "  - {path: a/l1/path_elsewhere, browse_path: "
      "'nsu=urn:gantry:interop;Line1/nsu=urn:nowhere;Setpoint'}\n"
      "  - {path: a/l1/no_such_path, browse_path: "
      "'nsu=urn:gantry:interop;Line1/nsu=urn:gantry:interop;NoSuchThing'}\n";
  auto doc = ConfigDocument::Parse(yaml, "interop.yaml");
  ASSERT_TRUE(doc.ok());
  OpcUaDeviceConfig device = ParseOpcUaDevice(doc->Root());
  ASSERT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
  CollectingSink sink;
  OpcUaConnector c(device, Ids(5), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 2); }, 15s)) << sink.Dump();

  Status by_node = c.WriteTag(0, Value(61.5));
  ASSERT_TRUE(by_node.ok()) << by_node.ToString();
  // Both tags read the same node: each sees the value written through the other address.
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(1).value == Value(61.5); }, 5s)) << sink.Dump();
  Status by_path = c.WriteTag(1, Value(62.5));
  ASSERT_TRUE(by_path.ok()) << by_path.ToString();
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(0).value == Value(62.5); }, 5s)) << sink.Dump();

  // Unresolved: refused before anything is written, the message naming the address and why.
  Status elsewhere = c.WriteTag(2, Value(1.0));
  EXPECT_EQ(elsewhere.code(), StatusCode::kFailedPrecondition) << elsewhere.ToString();
  EXPECT_NE(elsewhere.message().find("nsu=urn:nowhere;s=Line1.Setpoint"), std::string::npos)
      << elsewhere.ToString();
  EXPECT_NE(elsewhere.message().find("urn:nowhere"), std::string::npos) << elsewhere.ToString();
  EXPECT_NE(elsewhere.message().find("does not resolve"), std::string::npos)
      << elsewhere.ToString();
  Status path_elsewhere = c.WriteTag(3, Value(1.0));
  EXPECT_EQ(path_elsewhere.code(), StatusCode::kFailedPrecondition) << path_elsewhere.ToString();
  EXPECT_NE(path_elsewhere.message().find("browse path"), std::string::npos)
      << path_elsewhere.ToString();
  Status no_such = c.WriteTag(4, Value(1.0));
  EXPECT_EQ(no_such.code(), StatusCode::kFailedPrecondition) << no_such.ToString();
  EXPECT_NE(no_such.message().find("BadNoMatch"), std::string::npos) << no_such.ToString();
  // Nothing reached the Setpoint from the refused writes.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(sink.Latest(0).value, Value(62.5));
  // Leave the shared server's Setpoint as the other tests expect it.
  ASSERT_TRUE(c.WriteTag(0, Value(50.0)).ok());
  c.Stop();
}

// `security: none` is allowed only when configured, and then warned about at every connect
// (the first, every reconnect, the write session's); the connect line names the security used.
TEST_F(OpcUaConnectorInterop, SecurityNoneIsWarnedAtEveryConnectAndNamedInTheConnectLine) {
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  spdlog::default_logger()->sinks().push_back(ring);
  CollectingSink sink;
  OpcUaConnector c(Device("writes: enabled\n"), Ids(8), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 6); }, 15s)) << sink.Dump();
  c.DropConnectionForTest();
  ASSERT_TRUE(sink.WaitFor([&] { return c.Health().reconnects == 1; }, 15s));
  ASSERT_TRUE(sink.WaitFor([&] { return c.Health().state == ConnectorState::kConnected; }, 15s));
  ASSERT_TRUE(c.WriteTag(5, Value(50.0)).ok());  // the write session: a connect of its own
  c.Stop();
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::find(sinks.begin(), sinks.end(), ring));
  const std::vector<std::string> lines = ring->last_formatted();
  const auto count = [&](const std::string& text) {
    return std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find(peer_->endpoint_url()) != std::string::npos &&
             l.find(text) != std::string::npos;
    });
  };
  EXPECT_EQ(count("[warning] OPC UA " + peer_->endpoint_url() +
                  ": secure channel uses SecurityPolicy None, as configured"),
            3)
      << fmt::format("{}", fmt::join(lines, ""));
  EXPECT_EQ(count(": connected with security None (messages neither signed nor encrypted)"), 1);
  EXPECT_EQ(count(": reconnected with security None (messages neither signed nor encrypted)"), 1);
}

TEST_F(OpcUaConnectorInterop, DroppedConnectionIsBadThenGoodWithTheSubscriptionTransferred) {
  CollectingSink sink;
  OpcUaConnector c(Device(), Ids(8), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 6); }, 15s)) << sink.Dump();
  c.DropConnectionForTest();
  ASSERT_TRUE(sink.WaitFor([&] { return sink.CountWith(1, Quality::BadNotConnected()) == 1; }, 5s))
      << sink.Dump();
  const int64_t before = sink.All().size();
  ASSERT_TRUE(sink.WaitFor(
      [&] { return CounterGoodAbove(sink, 0) && sink.Count() > size_t(before) + 3; }, 15s))
      << sink.Dump();
  EXPECT_EQ(c.subscriptions_transferred(), 1u);
  EXPECT_EQ(c.subscriptions_recreated(), 0u);
  EXPECT_EQ(sink.CountWith(1, Quality::BadNotConnected()), 1u);  // one Bad sample for the gap
  EXPECT_EQ(c.Health().reconnects, 1u);
  c.Stop();
}

TEST_F(OpcUaConnectorInterop, AnswersLostWithTheConnectionAreRepublishedAfterTheTransfer) {
  CollectingSink sink;
  OpcUaConnector c(Device(), Ids(8), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 6); }, 15s)) << sink.Dump();
  // For 800 ms nothing the server sends arrives: it answers the outstanding Publish requests
  // (the counter changes every 100 ms) into a connection that then drops.
  c.DropConnectionForTest(800 * kMillisecond);
  ASSERT_TRUE(sink.WaitFor([&] { return sink.CountWith(1, Quality::BadNotConnected()) == 1; }, 5s))
      << sink.Dump();
  ASSERT_TRUE(sink.WaitFor([&] { return c.subscriptions_transferred() == 1; }, 15s));
  ASSERT_TRUE(sink.WaitFor([&] { return CounterGoodAbove(sink, 0); }, 15s)) << sink.Dump();
  EXPECT_GE(c.notifications_republished(), 1u);
  EXPECT_EQ(c.subscriptions_recreated(), 0u);
  c.Stop();
}

// Last: restarts the shared server.
TEST_F(OpcUaConnectorInterop, ServerRestartIsBadThenRecoversWithTheSubscriptionRecreated) {
  CollectingSink sink;
  OpcUaConnector c(Device(), Ids(8), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 6); }, 15s)) << sink.Dump();
  peer_->Stop();
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(1).quality.IsBad(); }, 10s)) << sink.Dump();
  for (TagId t = 0; t < 6; ++t) EXPECT_TRUE(sink.Latest(t).quality.IsBad()) << t;
  std::this_thread::sleep_for(1s);  // a few failed attempts with backoff
  EXPECT_NE(c.Health().state, ConnectorState::kConnected);
  EXPECT_FALSE(c.Health().last_error.empty());
  ASSERT_TRUE(peer_->Restart());
  // The counter restarts at 0 on the new server: values flow again with Good quality.
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 6) && CounterGoodAbove(sink, 3); }, 30s))
      << sink.Dump();
  EXPECT_EQ(c.subscriptions_recreated(), 1u);
  EXPECT_EQ(c.Health().state, ConnectorState::kConnected);
  // The node given by namespace URI was resolved again against the new server's table.
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(7).quality.IsGood(); }, 5s)) << sink.Dump();
  // One Bad sample per tag for the whole gap, however many attempts failed.
  EXPECT_EQ(
      sink.CountWith(0, Quality::BadNotConnected()) + sink.CountWith(0, Quality::BadTimeout()), 1u)
      << sink.Dump();
  c.Stop();
}

}  // namespace
}  // namespace gantry::opcua
