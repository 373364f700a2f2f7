// Gantry's OPC UA client against node-opcua (an independent server started by the test on a free
// loopback port): Hello, OpenSecureChannel (None), GetEndpoints, anonymous session, Read of
// static and changing variables of several types, token renewal, restart of the server.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "field/opcua/client.h"
#include "field/opcua/interop_peer.h"

namespace gantry::opcua {
namespace {

class OpcUaInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { peer_ = new testing::OpcUaPeer(); }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    if (!peer_->ready()) GTEST_SKIP() << peer_->why_not();
  }
  ClientOptions Options() const {
    ClientOptions o;
    o.endpoint_url = peer_->endpoint_url();
    o.request_timeout = 20 * kSecond;
    o.security_policy = "None";  // this suite is about the protocol; see secure_interop_test.cc
    o.security_mode = MessageSecurityMode::kNone;
    return o;
  }
  NodeId Var(const char* name) const { return NodeId::Text(peer_->namespace_index(), name); }

  static testing::OpcUaPeer* peer_;
};
testing::OpcUaPeer* OpcUaInterop::peer_ = nullptr;

TEST_F(OpcUaInterop, HandshakeNegotiatesBuffersAndOpensAChannel) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_GE((*client)->limits().send_chunk_size, kMinBufferSize);
  EXPECT_LE((*client)->limits().receive_chunk_size, 65536u);
  EXPECT_NE((*client)->token().channel_id, 0u);
  EXPECT_GT((*client)->token().revised_lifetime_ms, 0u);
  EXPECT_TRUE((*client)->Close().ok());
}

TEST_F(OpcUaInterop, GetEndpointsListsTheNoneEndpointWithAnonymousLogin) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto endpoints = (*client)->GetEndpoints();
  ASSERT_TRUE(endpoints.ok()) << endpoints.status().ToString();
  ASSERT_FALSE(endpoints->empty());
  bool none_with_anonymous = false;
  for (const auto& ep : *endpoints) {
    if (ep.security_policy_uri.view() != kSecurityPolicyNone) continue;
    EXPECT_EQ(ep.security_mode, MessageSecurityMode::kNone);
    for (const auto& p : ep.user_identity_tokens)
      none_with_anonymous |= p.token_type == UserTokenType::kAnonymous;
  }
  EXPECT_TRUE(none_with_anonymous);
  EXPECT_EQ((*endpoints)[0].server.application_name.text.view().empty(), false);
}

TEST_F(OpcUaInterop, ReadsStaticVariablesOfSeveralTypes) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-interop").ok());
  const std::vector<NodeId> nodes = {Var("Line1.Temperature"), Var("Line1.Running"),
                                     Var("Line1.Name"), Var("Line1.Speed"), Var("Line1.Total")};
  auto values = (*client)->Read(nodes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  ASSERT_EQ(values->size(), 5u);
  for (const DataValue& dv : *values) {
    ASSERT_TRUE(dv.value.has_value());
    EXPECT_TRUE(dv.status.value_or(Quality::Good()).IsGood());
    EXPECT_TRUE(dv.server_timestamp.has_value());
  }
  EXPECT_EQ(std::get<double>((*values)[0].value->scalar), 21.5);
  EXPECT_EQ(std::get<bool>((*values)[1].value->scalar), true);
  EXPECT_EQ(std::get<String>((*values)[2].value->scalar).view(), "Filler");
  EXPECT_EQ(std::get<float>((*values)[3].value->scalar), 12.25f);
  EXPECT_EQ(std::get<uint64_t>((*values)[4].value->scalar), 10'000'000'000u);
  // The server's clock and ours agree to within a minute.
  const Timestamp server_time = ToTimestamp(*(*values)[0].server_timestamp);
  EXPECT_LT(std::abs(server_time - SystemClock::Instance().Now()), 60 * kSecond);
  EXPECT_TRUE((*client)->CloseSession().ok());
}

TEST_F(OpcUaInterop, ChangingVariableAdvancesBetweenReads) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-interop").ok());
  const std::vector<NodeId> counter = {Var("Line1.Counter")};
  auto first = (*client)->Read(counter);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto second = (*client)->Read(counter, TimestampsToReturn::kNeither);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_GT(std::get<int32_t>((*second)[0].value->scalar),
            std::get<int32_t>((*first)[0].value->scalar));
  EXPECT_FALSE((*second)[0].server_timestamp.has_value());  // as asked
}

TEST_F(OpcUaInterop, UnknownNodeReadsAsBadNodeIdUnknown) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-interop").ok());
  const std::vector<NodeId> nodes = {Var("Line1.DoesNotExist")};
  auto values = (*client)->Read(nodes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ((*values)[0].status.value_or(Quality::Good()), Quality::BadNodeIdUnknown());
}

TEST_F(OpcUaInterop, ReadWithoutSessionIsAServiceFault) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  const std::vector<NodeId> nodes = {Var("Line1.Temperature")};
  auto values = (*client)->Read(nodes);
  ASSERT_FALSE(values.ok());
  EXPECT_NE(values.status().message().find("ServiceFault"), std::string::npos)
      << values.status().message();
}

TEST_F(OpcUaInterop, SecurityTokenIsRenewedBeforeItExpires) {
  ClientOptions o = Options();
  o.channel_lifetime_ms = 2000;
  auto client = Client::Connect(o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  const uint32_t lifetime = (*client)->token().revised_lifetime_ms;
  if (lifetime > 10'000)
    GTEST_SKIP() << "server raised the token lifetime to " << lifetime << " ms";
  ASSERT_TRUE((*client)->OpenSession("gantry-renew").ok());
  const uint32_t first_token = (*client)->token().token_id;
  std::this_thread::sleep_for(std::chrono::milliseconds(lifetime * 8 / 10));
  const std::vector<NodeId> nodes = {Var("Line1.Temperature")};
  auto values = (*client)->Read(nodes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ((*client)->token_renewals(), 1);
  EXPECT_NE((*client)->token().token_id, first_token);
}

TEST_F(OpcUaInterop, SubscriptionDeliversCounterChangesWithAcknowledgements) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-subscribe").ok());
  CreateSubscriptionRequest sub;
  sub.publishing_interval_ms = 200;
  auto created = (*client)->CreateSubscription(sub);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_NE(created->subscription_id, 0u);
  std::vector<MonitoredItemRequest> items(2);
  items[0].node_id = Var("Line1.Counter");
  items[0].client_handle = 7;
  items[0].sampling_interval_ms = 100;
  items[0].queue_size = 10;
  items[1].node_id = Var("Line1.Temperature");
  items[1].client_handle = 8;
  items[1].deadband = DeadbandType::kAbsolute;
  items[1].deadband_value = 0.5;
  auto results = (*client)->CreateMonitoredItems(created->subscription_id, items);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 2u);
  EXPECT_TRUE((*results)[0].status.IsGood()) << (*results)[0].status.Name();
  EXPECT_TRUE((*results)[1].status.IsGood()) << (*results)[1].status.Name();

  std::vector<int32_t> counter_values;
  bool saw_temperature = false;
  std::vector<SubscriptionAcknowledgement> acks;
  uint32_t last_sequence = 0;
  for (int round = 0; round < 20 && counter_values.size() < 4; ++round) {
    auto published = (*client)->Publish(acks);
    ASSERT_TRUE(published.ok()) << published.status().ToString();
    for (Quality q : published->results) EXPECT_TRUE(q.IsGood()) << q.Name();
    acks.clear();
    if (published->notification.notification_data.empty()) continue;  // keep-alive
    EXPECT_GT(published->notification.sequence_number, last_sequence);
    last_sequence = published->notification.sequence_number;
    acks.push_back({published->subscription_id, published->notification.sequence_number});
    for (const ExtensionObject& data : published->notification.notification_data) {
      auto changes = DecodeDataChangeNotification(data);
      ASSERT_TRUE(changes.ok()) << changes.status().ToString();
      if (!*changes) continue;
      for (const auto& change : **changes) {
        ASSERT_TRUE(change.value.value.has_value());
        EXPECT_TRUE(change.value.source_timestamp.has_value());
        if (change.client_handle == 7)
          counter_values.push_back(std::get<int32_t>(change.value.value->scalar));
        if (change.client_handle == 8) saw_temperature = true;
      }
    }
  }
  ASSERT_GE(counter_values.size(), 4u);
  for (size_t i = 1; i < counter_values.size(); ++i)
    EXPECT_GT(counter_values[i], counter_values[i - 1]);
  EXPECT_TRUE(saw_temperature);  // the initial value is always reported
  // The last message is not acknowledged yet, so the server can send it again.
  auto republished = (*client)->Republish(created->subscription_id, last_sequence);
  EXPECT_TRUE(republished.ok()) << republished.status().ToString();
  if (republished.ok()) {
    EXPECT_EQ(republished->sequence_number, last_sequence);
  }
}

TEST_F(OpcUaInterop, ThreePublishRequestsInFlightDeliverEveryMessageAcknowledgedOnce) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-pipelined").ok());
  CreateSubscriptionRequest sub;
  sub.publishing_interval_ms = 100;
  auto created = (*client)->CreateSubscription(sub);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::vector<MonitoredItemRequest> items(1);
  items[0].node_id = Var("Line1.Counter");
  items[0].client_handle = 7;
  items[0].sampling_interval_ms = 100;
  items[0].queue_size = 10;
  ASSERT_TRUE((*client)->CreateMonitoredItems(created->subscription_id, items).ok());

  // Keep three Publish requests queued at the server; every acknowledgement goes out on exactly
  // one of them. The server accepts each (Good: no sequence number acknowledged twice or never
  // sent), sequence numbers have no gap, and its retransmission queue stays short.
  std::vector<SubscriptionAcknowledgement> acks;
  std::vector<int32_t> counter_values;
  uint32_t last_sequence = 0;
  size_t acks_sent = 0, ack_results = 0, most_available = 0, most_in_flight = 0;
  for (int round = 0; round < 200 && counter_values.size() < 15; ++round) {
    while ((*client)->publish_in_flight() < 3) {
      acks_sent += acks.size();
      ASSERT_TRUE((*client)->SendPublish(std::move(acks), 30 * kSecond).ok());
      acks.clear();
    }
    most_in_flight = std::max(most_in_flight, (*client)->publish_in_flight());
    if (round == 5) {  // another request while three Publish are outstanding
      const std::vector<NodeId> nodes = {Var("Line1.Temperature")};
      auto read = (*client)->Read(nodes);
      ASSERT_TRUE(read.ok()) << read.status().ToString();
    }
    auto published = (*client)->ReceivePublish(10 * kSecond);
    ASSERT_TRUE(published.ok()) << published.status().ToString();
    for (Quality q : published->results) EXPECT_TRUE(q.IsGood()) << q.Name();
    ack_results += published->results.size();
    most_available = std::max(most_available, published->available_sequence_numbers.size());
    if (published->notification.notification_data.empty()) continue;  // keep-alive
    if (last_sequence != 0) {
      EXPECT_EQ(published->notification.sequence_number, last_sequence + 1);
    }
    last_sequence = published->notification.sequence_number;
    acks.push_back({published->subscription_id, last_sequence});
    for (const ExtensionObject& data : published->notification.notification_data) {
      auto changes = DecodeDataChangeNotification(data);
      ASSERT_TRUE(changes.ok() && *changes);
      for (const auto& change : **changes)
        counter_values.push_back(std::get<int32_t>(change.value.value->scalar));
    }
  }
  ASSERT_GE(counter_values.size(), 15u);
  for (size_t i = 1; i < counter_values.size(); ++i)
    EXPECT_GT(counter_values[i], counter_values[i - 1]);
  EXPECT_EQ(most_in_flight, 3u);
  EXPECT_GT(acks_sent, 10u);
  EXPECT_LE(ack_results, acks_sent);  // each acknowledgement answered once, in its own Publish
  // Unacknowledged messages: at most the one just received plus those whose ack is in flight.
  EXPECT_LE(most_available, 4u);
}

TEST_F(OpcUaInterop, NamespaceArrayNamesTheTestNamespaceAtItsIndex) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-namespaces").ok());
  auto namespaces = (*client)->ReadNamespaceArray();
  ASSERT_TRUE(namespaces.ok()) << namespaces.status().ToString();
  ASSERT_GT(namespaces->size(), peer_->namespace_index());
  EXPECT_EQ((*namespaces)[0], "http://opcfoundation.org/UA/");
  EXPECT_EQ((*namespaces)[peer_->namespace_index()], "urn:gantry:interop");
}

TEST_F(OpcUaInterop, TransferredSubscriptionRepublishesWhatTheLostConnectionNeverRead) {
  auto first = Client::Connect(Options());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE((*first)->OpenSession("gantry-lost").ok());
  CreateSubscriptionRequest sub;
  sub.publishing_interval_ms = 100;
  auto created = (*first)->CreateSubscription(sub);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const uint32_t id = created->subscription_id;
  std::vector<MonitoredItemRequest> items(1);
  items[0].node_id = Var("Line1.Counter");
  items[0].client_handle = 7;
  items[0].sampling_interval_ms = 100;
  items[0].queue_size = 10;
  ASSERT_TRUE((*first)->CreateMonitoredItems(id, items).ok());
  // Three Publish requests that the server answers while nobody reads: the answers are lost
  // with the connection, as on a network failure.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*first)->SendPublish({}, 30 * kSecond).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  (*first)->DropConnection();

  auto second = Client::Connect(Options());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE((*second)->OpenSession("gantry-recovered").ok());
  auto transferred = (*second)->TransferSubscriptions({id}, false);
  ASSERT_TRUE(transferred.ok()) << transferred.status().ToString();
  ASSERT_EQ(transferred->size(), 1u);
  ASSERT_TRUE((*transferred)[0].status.IsGood()) << (*transferred)[0].status.Name();
  const std::vector<uint32_t> available = (*transferred)[0].available_sequence_numbers;
  ASSERT_GE(available.size(), 3u);  // the three answers nobody read
  std::vector<int32_t> counter_values;
  std::vector<SubscriptionAcknowledgement> acks;
  for (uint32_t n : available) {
    auto m = (*second)->Republish(id, n);
    ASSERT_TRUE(m.ok()) << n << ": " << m.status().ToString();
    EXPECT_EQ(m->sequence_number, n);
    for (const ExtensionObject& data : m->notification_data) {
      auto changes = DecodeDataChangeNotification(data);
      ASSERT_TRUE(changes.ok() && *changes);
      for (const auto& change : **changes)
        counter_values.push_back(std::get<int32_t>(change.value.value->scalar));
    }
    acks.push_back({id, n});
  }
  ASSERT_GE(counter_values.size(), 3u);
  for (size_t i = 1; i < counter_values.size(); ++i)
    EXPECT_GT(counter_values[i], counter_values[i - 1]);
  // Acknowledged once on the new session: the server accepts every one.
  ASSERT_TRUE((*second)->SendPublish(acks, 30 * kSecond).ok());
  auto answer = (*second)->ReceivePublish(10 * kSecond);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->results.size(), acks.size());
  for (Quality q : answer->results) EXPECT_TRUE(q.IsGood()) << q.Name();
}

TEST_F(OpcUaInterop, BrowseFindsTheLineAndItsVariablesAcrossBrowseNext) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-browse").ok());
  auto objects =
      (*client)->Browse({BrowseDescription{.node_id = NodeId::Numeric(0, kObjectsFolder)}});
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  ASSERT_EQ(objects->size(), 1u);
  std::optional<NodeId> line;
  for (const auto& ref : (*objects)[0].references) {
    if (ref.browse_name.name.view() == "Line1") line = ref.node_id.node_id;
  }
  ASSERT_TRUE(line.has_value());
  // Two references per page forces BrowseNext with continuation points.
  BrowseDescription children{.node_id = *line};
  auto all = (*client)->Browse({children}, /*max_references_per_node=*/2);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<std::string> names;
  for (const auto& ref : (*all)[0].references) {
    if (ref.node_class == 2) names.push_back(std::string(ref.browse_name.name.view()));
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"Counter", "Mode", "Name", "Running", "Setpoint",
                                             "Speed", "Temperature", "Total"}));
}

TEST_F(OpcUaInterop, ServerRestartFailsTheConnectionThenAReconnectWorks) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-restart").ok());
  ASSERT_TRUE(peer_->Restart()) << peer_->why_not();
  const std::vector<NodeId> nodes = {Var("Line1.Temperature")};
  auto lost = (*client)->Read(nodes);
  EXPECT_FALSE(lost.ok());
  auto again = Client::Connect(Options());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE((*again)->OpenSession("gantry-restart").ok());
  auto values = (*again)->Read(nodes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(std::get<double>((*values)[0].value->scalar), 21.5);
}

}  // namespace
}  // namespace gantry::opcua
