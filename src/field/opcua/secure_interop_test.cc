// Gantry's OPC UA client with security against node-opcua (tests/interop/opcua_secure_server.js,
// started by the test on a free loopback port): the trust list (an unknown server is refused and
// trusted by moving its certificate), Basic256Sha256 SignAndEncrypt, Aes128_Sha256_RsaOaep Sign,
// Aes256_Sha256_RsaPss, read, browse, subscription, user-name login, token renewal and a server
// restart.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <thread>

#include "field/modbus/modbus_test_sink.h"
#include "field/opcua/certificate_store.h"
#include "field/opcua/client.h"
#include "field/opcua/interop_peer.h"
#include "field/opcua/opcua_connector.h"

namespace gantry::opcua {
namespace {
namespace fs = std::filesystem;

class OpcUaSecureInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    peer_ = new testing::OpcUaPeer(std::chrono::seconds(90), "opcua_secure_server.js",
                                   "opcua-secure-pki");
    pki_ = std::string(GANTRY_BINARY_DIR) + "/opcua-secure-client-pki";
    fs::remove_all(pki_);
    CertificateRequest request;
    request.application_uri = "urn:gantry:test-client";
    auto made = CreateApplicationCertificate(request, pki_);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    if (!peer_->ready()) return;
    // First contact: the server is unknown, so it is refused and its certificate lands in
    // rejected/; the operator's fix, moving it to trusted/, is what this does.
    auto refused = Client::Connect(Options());
    ASSERT_FALSE(refused.ok());
    first_refusal_ = refused.status().ToString();
    for (const auto& entry : fs::directory_iterator(fs::path(pki_) / "rejected")) {
      fs::rename(entry.path(), fs::path(pki_) / "trusted" / entry.path().filename());
    }
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    if (!peer_->ready()) GTEST_SKIP() << peer_->why_not();
  }
  static ClientOptions Options(std::string policy = "Basic256Sha256",
                               MessageSecurityMode mode = MessageSecurityMode::kSignAndEncrypt) {
    ClientOptions o;
    o.endpoint_url = peer_->endpoint_url();
    o.application_uri = "urn:gantry:test-client";
    o.request_timeout = 20 * kSecond;
    o.security_policy = std::move(policy);
    o.security_mode = mode;
    o.pki_dir = pki_;
    return o;
  }
  NodeId Var(const char* name) const { return NodeId::Text(peer_->namespace_index(), name); }

  static testing::OpcUaPeer* peer_;
  static std::string pki_;
  static std::string first_refusal_;
};
testing::OpcUaPeer* OpcUaSecureInterop::peer_ = nullptr;
std::string OpcUaSecureInterop::pki_;
std::string OpcUaSecureInterop::first_refusal_;

TEST_F(OpcUaSecureInterop, UnknownServerIsRefusedWithItsThumbprintAndHowToTrustIt) {
  EXPECT_NE(first_refusal_.find("is not trusted"), std::string::npos) << first_refusal_;
  EXPECT_NE(first_refusal_.find("thumbprint"), std::string::npos) << first_refusal_;
  EXPECT_NE(first_refusal_.find("/trusted"), std::string::npos) << first_refusal_;
}

TEST_F(OpcUaSecureInterop, Basic256Sha256SignAndEncryptReadsAndBrowses) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-secure").ok());
  const std::vector<NodeId> nodes = {Var("Line1.Temperature"), Var("Line1.Counter")};
  auto values = (*client)->Read(nodes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(std::get<double>((*values)[0].value->scalar), 21.5);
  EXPECT_TRUE(std::holds_alternative<int32_t>((*values)[1].value->scalar));
  auto objects =
      (*client)->Browse({BrowseDescription{.node_id = NodeId::Numeric(0, kObjectsFolder)}});
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  bool found = false;
  for (const auto& ref : (*objects)[0].references) found |= ref.browse_name.name.view() == "Line1";
  EXPECT_TRUE(found);
  EXPECT_TRUE((*client)->CloseSession().ok());
}

TEST_F(OpcUaSecureInterop, EveryPolicyAndModeConnectsAndReads) {
  for (const char* policy : {"Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"}) {
    for (MessageSecurityMode mode :
         {MessageSecurityMode::kSign, MessageSecurityMode::kSignAndEncrypt}) {
      SCOPED_TRACE(fmt::format("{} mode {}", policy, static_cast<int>(mode)));
      auto client = Client::Connect(Options(policy, mode));
      ASSERT_TRUE(client.ok()) << client.status().ToString();
      ASSERT_TRUE((*client)->OpenSession("gantry-policy").ok());
      const std::vector<NodeId> nodes = {Var("Line1.Temperature")};
      auto values = (*client)->Read(nodes);
      ASSERT_TRUE(values.ok()) << values.status().ToString();
      EXPECT_EQ(std::get<double>((*values)[0].value->scalar), 21.5);
    }
  }
}

TEST_F(OpcUaSecureInterop, SubscriptionSeesCounterChangesUnderEncryption) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-secure-subscribe").ok());
  CreateSubscriptionRequest sub;
  sub.publishing_interval_ms = 200;
  auto created = (*client)->CreateSubscription(sub);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::vector<MonitoredItemRequest> items(1);
  items[0].node_id = Var("Line1.Counter");
  items[0].client_handle = 7;
  items[0].sampling_interval_ms = 100;
  items[0].queue_size = 10;
  auto results = (*client)->CreateMonitoredItems(created->subscription_id, items);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  std::vector<int32_t> counter;
  std::vector<SubscriptionAcknowledgement> acks;
  for (int round = 0; round < 20 && counter.size() < 3; ++round) {
    auto published = (*client)->Publish(acks);
    ASSERT_TRUE(published.ok()) << published.status().ToString();
    acks.clear();
    if (published->notification.notification_data.empty()) continue;
    acks.push_back({published->subscription_id, published->notification.sequence_number});
    for (const ExtensionObject& data : published->notification.notification_data) {
      auto changes = DecodeDataChangeNotification(data);
      ASSERT_TRUE(changes.ok()) << changes.status().ToString();
      if (!*changes) continue;
      for (const auto& change : **changes)
        counter.push_back(std::get<int32_t>(change.value.value->scalar));
    }
  }
  ASSERT_GE(counter.size(), 3u);
  for (size_t i = 1; i < counter.size(); ++i) EXPECT_GT(counter[i], counter[i - 1]);
}

// The connector (the product path, not only the client) under Basic256Sha256 SignAndEncrypt: it
// discovers the endpoint on a channel of its own, checks the server against its trust list and
// delivers the changing counter with both timestamps. Its certificate is made for the plant's
// ApplicationUri, which the configuration names (`security.application_uri`); a configuration
// naming another URI is refused with the fix; without one the certificate's URI is used.
TEST_F(OpcUaSecureInterop, ConnectorSubscribesUnderBasic256Sha256SignAndEncrypt) {
  const std::string pki = std::string(GANTRY_BINARY_DIR) + "/opcua-secure-connector-pki";
  fs::remove_all(pki);
  CertificateRequest request;
  request.application_uri = "urn:acme:p1:gantry";  // `gantry opcua cert --uri urn:acme:p1:gantry`
  ASSERT_TRUE(CreateApplicationCertificate(request, pki).ok());
  for (const auto& entry : fs::directory_iterator(fs::path(pki_) / "trusted")) {
    if (entry.is_regular_file())
      fs::copy_file(entry.path(), fs::path(pki) / "trusted" / entry.path().filename());
  }
  OpcUaDeviceConfig device;
  device.name = "secure-plc";
  device.endpoint_url = peer_->endpoint_url();
  device.security = {"Basic256Sha256", MessageSecurityMode::kSignAndEncrypt, pki,
                     "urn:acme:p1:gantry"};
  device.timeout = 20 * kSecond;
  device.publishing_interval = 100 * kMillisecond;
  OpcUaPoint counter;
  counter.tag.path = "a/l1/counter";
  counter.tag.type = ValueType::kInt64;
  counter.node_id = Var("Line1.Counter");
  device.points.push_back(counter);
  modbus::CollectingSink sink;
  OpcUaConnector c(device, {0}, sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  auto good_above = [&](int64_t above) {
    const Sample s = sink.Latest(0);
    return s.quality.IsGood() && s.value.AsInt64().value_or(-1) > above;
  };
  ASSERT_TRUE(sink.WaitFor([&] { return good_above(-1); }, std::chrono::seconds(30)))
      << sink.Dump();
  const int64_t first = *sink.Latest(0).value.AsInt64();
  ASSERT_TRUE(sink.WaitFor([&] { return good_above(first + 2); }, std::chrono::seconds(10)));
  EXPECT_GT(sink.Latest(0).server_time, 1'600'000'000 * kSecond);
  EXPECT_EQ(c.Health().state, ConnectorState::kConnected);
  EXPECT_EQ(c.Health().security, "Basic256Sha256/SignAndEncrypt");  // for /health
  c.Stop();

  // Another ApplicationUri in the configuration than in the certificate: refused before any
  // connection, the message naming both and how to recreate the certificate.
  device.security.application_uri = "urn:acme:p1:other";
  modbus::CollectingSink sink2;
  OpcUaConnector mismatched(device, {0}, sink2, SystemClock::Instance());
  ASSERT_TRUE(mismatched.Start().ok());
  ASSERT_TRUE(sink2.WaitFor([&] { return sink2.Has(0); }, std::chrono::seconds(10)));
  EXPECT_EQ(sink2.Latest(0).quality, Quality::BadNotConnected());
  ASSERT_TRUE(sink2.WaitFor([&] { return !mismatched.Health().last_error.empty(); },
                            std::chrono::seconds(10)));
  const std::string error = mismatched.Health().last_error;
  EXPECT_NE(error.find("is made for ApplicationUri 'urn:acme:p1:gantry', the configuration says "
                       "'urn:acme:p1:other'"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("gantry opcua cert --uri urn:acme:p1:other"), std::string::npos) << error;
  mismatched.Stop();

  // No ApplicationUri given (as `gantry opcua browse` does): the certificate's is used, and the
  // server accepts the session it is sent in.
  ClientOptions o = Options();
  o.application_uri.clear();
  o.pki_dir = pki;
  auto client = Client::Connect(o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  Status opened = (*client)->OpenSession("gantry-uri-from-certificate");
  EXPECT_TRUE(opened.ok()) << opened.ToString();
}

TEST_F(OpcUaSecureInterop, UserNameLoginWorksAndAWrongPasswordIsRejected) {
  ClientOptions o = Options();
  o.user_name = "operator";
  o.password = "secret";
  auto client = Client::Connect(o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  Status opened = (*client)->OpenSession("gantry-user");
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  const std::vector<NodeId> nodes = {Var("Line1.Temperature")};
  EXPECT_TRUE((*client)->Read(nodes).ok());

  o.password = "wrong";
  auto other = Client::Connect(o);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  Status refused = (*other)->OpenSession("gantry-user");
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.ToString().find("operator"), std::string::npos) << refused.ToString();
}

TEST_F(OpcUaSecureInterop, TokenRenewalKeepsTheEncryptedChannelWorking) {
  ClientOptions o = Options();
  o.channel_lifetime_ms = 1000;  // node-opcua may raise it; renewal happens at 75 %
  auto client = Client::Connect(o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-renew").ok());
  const uint32_t lifetime = (*client)->token().revised_lifetime_ms;
  if (lifetime > 5000) GTEST_SKIP() << "server granted " << lifetime << " ms";
  const std::vector<NodeId> nodes = {Var("Line1.Counter")};
  for (int i = 0; i < 8; ++i) {
    auto values = (*client)->Read(nodes);
    ASSERT_TRUE(values.ok()) << values.status().ToString();
    std::this_thread::sleep_for(std::chrono::milliseconds(lifetime / 3));
  }
  EXPECT_GE((*client)->token_renewals(), 1);
}

TEST_F(OpcUaSecureInterop, ServerRestartThenASecureReconnectWorks) {
  auto client = Client::Connect(Options());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->OpenSession("gantry-restart").ok());
  ASSERT_TRUE(peer_->Restart()) << peer_->why_not();
  const std::vector<NodeId> nodes = {Var("Line1.Temperature")};
  EXPECT_FALSE((*client)->Read(nodes).ok());
  auto again = Client::Connect(Options());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE((*again)->OpenSession("gantry-restart").ok());
  auto values = (*again)->Read(nodes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
}

}  // namespace
}  // namespace gantry::opcua
