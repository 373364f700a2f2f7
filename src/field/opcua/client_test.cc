// The client against a scripted server (a fake ByteStream): refusals and hostile answers end the
// connection with a message that says what was wrong.
#include "field/opcua/client.h"

#include <gtest/gtest.h>

#include <deque>

namespace gantry::opcua {
namespace {

// Plays back canned server bytes, one reply per ReadSome; records what the client wrote.
class ScriptedServer final : public ByteStream {
 public:
  explicit ScriptedServer(std::deque<std::vector<uint8_t>> replies)
      : replies_(std::move(replies)) {}
  Status WriteAll(std::span<const uint8_t> bytes, Duration) override {
    written_.insert(written_.end(), bytes.begin(), bytes.end());
    return Status::Ok();
  }
  Result<size_t> ReadSome(std::span<uint8_t> buffer, Duration) override {
    if (replies_.empty()) return Unavailable("script ended");
    std::vector<uint8_t>& next = replies_.front();
    const size_t n = std::min(buffer.size(), next.size());
    std::copy(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(n), buffer.begin());
    next.erase(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(n));
    if (next.empty()) replies_.pop_front();
    return n;
  }

 private:
  std::deque<std::vector<uint8_t>> replies_;
  std::vector<uint8_t> written_;
};

std::vector<uint8_t> Ack() {
  return EncodeAcknowledge(Acknowledge{0, 65536, 65536, 0, 0});
}

// An OpenSecureChannelResponse in an OPN chunk: channel 9, token 3, one hour.
std::vector<uint8_t> OpenResponse(uint32_t sequence_number) {
  Encoder e;
  EXPECT_TRUE(Encode(e, NodeId::Numeric(0, encoding_id::kOpenSecureChannelResponse)).ok());
  EXPECT_TRUE(Encode(e, ResponseHeader{}).ok());
  e.WriteUInt32(0);        // ServerProtocolVersion
  e.WriteUInt32(9);        // ChannelId
  e.WriteUInt32(3);        // TokenId
  e.WriteInt64(0);         // CreatedAt
  e.WriteUInt32(3600000);  // RevisedLifetime
  e.WriteInt32(-1);        // ServerNonce
  SecureChunk c;
  c.type = MessageType::kOpenSecureChannel;
  c.secure_channel_id = 9;
  c.asymmetric.security_policy_uri = String::Of(kSecurityPolicyNone);
  c.sequence_number = sequence_number;
  c.request_id = 1;
  c.body = e.bytes();
  return *EncodeSecureChunk(c);
}

std::vector<uint8_t> ReadResponseChunk(uint32_t sequence_number, uint32_t request_id) {
  Encoder e;
  EXPECT_TRUE(Encode(e, NodeId::Numeric(0, encoding_id::kReadResponse)).ok());
  EXPECT_TRUE(Encode(e, ResponseHeader{}).ok());
  e.WriteInt32(1);
  DataValue dv;
  dv.value = Variant::Of(1.5);
  EXPECT_TRUE(Encode(e, dv).ok());
  e.WriteInt32(0);
  SecureChunk c;
  c.secure_channel_id = 9;
  c.token_id = 3;
  c.sequence_number = sequence_number;
  c.request_id = request_id;
  c.body = e.bytes();
  return *EncodeSecureChunk(c);
}

// A PublishResponse for request `request_id` carrying notification `sequence`.
std::vector<uint8_t> PublishResponseChunk(uint32_t sequence_number, uint32_t request_id,
                                          uint32_t sequence) {
  PublishResponse r;
  r.subscription_id = 4;
  r.available_sequence_numbers = {sequence};
  r.notification.sequence_number = sequence;
  Encoder e;
  EXPECT_TRUE(EncodeBody(e, r).ok());
  SecureChunk c;
  c.secure_channel_id = 9;
  c.token_id = 3;
  c.sequence_number = sequence_number;
  c.request_id = request_id;
  c.body = e.bytes();
  return *EncodeSecureChunk(c);
}

ClientOptions Options() {
  ClientOptions o;
  o.endpoint_url = "opc.tcp://scripted:4840";
  o.security_policy = "None";
  o.security_mode = MessageSecurityMode::kNone;
  return o;
}

TEST(OpcUaClient, HelloRefusedByTheServerSaysWhy) {
  auto error = EncodeError({0x80820000u, "endpoint unknown"});
  auto client = Client::Connect(Options(), std::make_unique<ScriptedServer>(std::deque{*error}));
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("server refused Hello"), std::string::npos)
      << client.status().message();
  EXPECT_NE(client.status().message().find("endpoint unknown"), std::string::npos);
}

TEST(OpcUaClient, AcknowledgeWithLargerBuffersThanOfferedIsRejected) {
  auto ack = EncodeAcknowledge(Acknowledge{0, 1 << 20, 65536, 0, 0});
  auto client = Client::Connect(Options(), std::make_unique<ScriptedServer>(std::deque{ack}));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kMalformed);
}

TEST(OpcUaClient, ReadsThroughAScriptedChannel) {
  // Request ids: 1 = OPN, 2 = Read.
  auto client = Client::Connect(Options(), std::make_unique<ScriptedServer>(std::deque{
                                               Ack(), OpenResponse(1), ReadResponseChunk(2, 2)}));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->token().channel_id, 9u);
  const std::vector<NodeId> nodes = {NodeId::Numeric(2, 1)};
  auto values = (*client)->Read(nodes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(std::get<double>((*values)[0].value->scalar), 1.5);
}

TEST(OpcUaClient, PublishAnswersArrivingDuringAReadAreKeptForReceivePublish) {
  // Request ids: 1 = OPN, 2 and 3 = Publish, 4 = Read. The server answers Publish 2 before the
  // Read and Publish 3 after it.
  auto client =
      Client::Connect(Options(), std::make_unique<ScriptedServer>(std::deque{
                                     Ack(), OpenResponse(1), PublishResponseChunk(2, 2, 41),
                                     ReadResponseChunk(3, 4), PublishResponseChunk(4, 3, 42)}));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->SendPublish({}, 10 * kSecond).ok());
  ASSERT_TRUE((*client)->SendPublish({{4, 40}}, 10 * kSecond).ok());
  EXPECT_EQ((*client)->publish_in_flight(), 2u);
  const std::vector<NodeId> nodes = {NodeId::Numeric(2, 1)};
  auto values = (*client)->Read(nodes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ((*client)->publish_in_flight(), 1u);  // the first answer is kept, not lost
  auto first = (*client)->ReceivePublish(kSecond);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->notification.sequence_number, 41u);
  auto second = (*client)->ReceivePublish(kSecond);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->notification.sequence_number, 42u);
  EXPECT_EQ((*client)->publish_in_flight(), 0u);
  EXPECT_EQ((*client)->ReceivePublish(kSecond).status().code(), StatusCode::kFailedPrecondition);
}

TEST(OpcUaClient, OutstandingPublishRequestsAreBounded) {
  auto client = Client::Connect(
      Options(), std::make_unique<ScriptedServer>(std::deque{Ack(), OpenResponse(1)}));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  for (size_t i = 0; i < Client::kMaxPublishInFlight; ++i)
    ASSERT_TRUE((*client)->SendPublish({}, kSecond).ok()) << i;
  EXPECT_EQ((*client)->SendPublish({}, kSecond).status().code(), StatusCode::kResourceExhausted);
}

TEST(OpcUaClient, ServerSkippingASequenceNumberEndsTheConnection) {
  auto client = Client::Connect(Options(), std::make_unique<ScriptedServer>(std::deque{
                                               Ack(), OpenResponse(1), ReadResponseChunk(5, 2)}));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  const std::vector<NodeId> nodes = {NodeId::Numeric(2, 1)};
  auto values = (*client)->Read(nodes);
  ASSERT_FALSE(values.ok());
  EXPECT_NE(values.status().message().find("sequence number 5 after 1"), std::string::npos)
      << values.status().message();
  // The channel is closed after a security failure.
  EXPECT_EQ((*client)->Read(nodes).status().code(), StatusCode::kFailedPrecondition);
}

TEST(OpcUaClient, ResponseFromAnotherChannelEndsTheConnection) {
  auto wrong = ReadResponseChunk(2, 2);
  wrong[8] = 10;  // SecureChannelId 10 instead of 9
  auto client = Client::Connect(
      Options(), std::make_unique<ScriptedServer>(std::deque{Ack(), OpenResponse(1), wrong}));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  const std::vector<NodeId> nodes = {NodeId::Numeric(2, 1)};
  EXPECT_EQ((*client)->Read(nodes).status().code(), StatusCode::kMalformed);
}

}  // namespace
}  // namespace gantry::opcua
