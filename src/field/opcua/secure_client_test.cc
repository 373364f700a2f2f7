// The client against a fake secured server (a ByteStream that opens the client's chunks with the
// server's key and answers with sealed chunks): a server that reuses its nonce, sends one that is
// too short, signs with the wrong key, or whose encrypted answers are tampered with or out of
// sequence, is refused and the channel closed.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <functional>
#include <thread>

#include "field/opcua/builtin_codec.h"
#include "field/opcua/certificate_store.h"
#include "field/opcua/chunk_security.h"
#include "field/opcua/client.h"
#include "field/opcua/secure_chunk.h"
#include "field/opcua/session_security.h"

namespace gantry::opcua {
namespace {
namespace fs = std::filesystem;

ByteString Bs(const Bytes& b) {
  return ByteString::Of(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

struct Pki {
  std::string dir = std::string(GANTRY_BINARY_DIR) + "/opcua-secure-client-test";
  Certificate server_cert;
  PrivateKey server_key;
  PrivateKey other_key;
  Pki() {
    fs::remove_all(dir);
    CertificateRequest client;
    client.application_uri = "urn:gantry:client";
    EXPECT_TRUE(CreateApplicationCertificate(client, dir + "/client").ok());
    CertificateRequest server;
    server.application_uri = "urn:plant:plc";
    server.common_name = "PLC";
    server_cert = *CreateApplicationCertificate(server, dir + "/server");
    server_key = *PrivateKey::Load(PkiLayout(dir + "/server").own_key);
    other_key = *PrivateKey::Generate(2048);
  }
};
const Pki& Keys() {
  static const Pki* pki = new Pki();
  return *pki;
}

// Answers Hello, OpenSecureChannel (with the nonces given, one per OPN) and any MSG request
// with a ReadResponse of one Double, all secured with `policy` and `mode`.
class FakeSecureServer final : public ByteStream {
 public:
  std::vector<Bytes> server_nonces;
  uint32_t lifetime_ms = 3'600'000;
  bool forge_opn_signature = false;
  uint32_t skip_sequence = 0;  // added to the sequence number of MSG answers
  std::function<void(Bytes&)> tamper;
  // How the CreateSessionResponse signs the client's certificate + nonce (Part 4 §5.6.2).
  enum class SessionSignature { kGenuine, kOtherKey, kOtherNonce, kMissing };
  SessionSignature session_signature = SessionSignature::kGenuine;

  FakeSecureServer(const SecurityPolicy& policy, MessageSecurityMode mode)
      : security_{&policy, mode}, framer_(65536) {
    client_cert_ = *Certificate::Load(PkiLayout(Keys().dir + "/client").own_certificate);
  }

  Status WriteAll(std::span<const uint8_t> bytes, Duration) override {
    GANTRY_ASSIGN_OR_RETURN(auto chunks, framer_.Push(bytes));
    for (auto& raw : chunks) GANTRY_RETURN_IF_ERROR(Answer(raw));
    return Status::Ok();
  }
  Result<size_t> ReadSome(std::span<uint8_t> buffer, Duration) override {
    if (out_.empty()) return Unavailable("fake server has nothing to say");
    Bytes& next = out_.front();
    const size_t n = std::min(buffer.size(), next.size());
    std::copy(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(n), buffer.begin());
    next.erase(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(n));
    if (next.empty()) out_.pop_front();
    return n;
  }

 private:
  AsymmetricKeys ServerKeys() const {
    return {forge_opn_signature ? Keys().other_key : Keys().server_key, Keys().server_cert,
            client_cert_};
  }

  Status Answer(const Bytes& raw) {
    GANTRY_ASSIGN_OR_RETURN(MessageHeader header, DecodeMessageHeader(raw));
    if (header.type == MessageType::kHello) {
      out_.push_back(EncodeAcknowledge(Acknowledge{0, 65536, 65536, 0, 0}));
      return Status::Ok();
    }
    if (header.type == MessageType::kOpenSecureChannel) {
      const AsymmetricKeys keys{Keys().server_key, Keys().server_cert, client_cert_};
      GANTRY_ASSIGN_OR_RETURN(Bytes plain, UnsealAsymmetric(raw, security_, keys));
      GANTRY_ASSIGN_OR_RETURN(SecureChunk request, DecodeSecureChunk(plain));
      // ClientNonce (32 bytes) and RequestedLifetime end the request body.
      const Bytes client_nonce(request.body.end() - 36, request.body.end() - 4);
      const Bytes server_nonce = server_nonces.at(opened_++);
      Encoder e;
      GANTRY_RETURN_IF_ERROR(
          Encode(e, NodeId::Numeric(0, encoding_id::kOpenSecureChannelResponse)));
      GANTRY_RETURN_IF_ERROR(Encode(e, ResponseHeader{}));
      e.WriteUInt32(0);
      e.WriteUInt32(9);         // ChannelId
      e.WriteUInt32(++token_);  // TokenId
      e.WriteInt64(0);          // CreatedAt
      e.WriteUInt32(lifetime_ms);
      GANTRY_RETURN_IF_ERROR(e.WriteText(Bs(server_nonce)));
      SecureChunk c;
      c.type = MessageType::kOpenSecureChannel;
      c.secure_channel_id = 9;
      c.asymmetric.security_policy_uri = String::Of(security_.policy->uri);
      c.asymmetric.sender_certificate = Bs(Keys().server_cert.der());
      c.asymmetric.receiver_certificate_thumbprint = Bs(client_cert_.Thumbprint());
      c.sequence_number = ++sequence_;
      c.request_id = request.request_id;
      c.body = e.bytes();
      GANTRY_ASSIGN_OR_RETURN(Bytes wire_plain, EncodeSecureChunk(c));
      GANTRY_ASSIGN_OR_RETURN(Bytes wire, SealAsymmetric(wire_plain, security_, ServerKeys()));
      out_.push_back(std::move(wire));
      send_ = DeriveKeys(*security_.policy, client_nonce, server_nonce);
      receive_ = DeriveKeys(*security_.policy, server_nonce, client_nonce);
      return Status::Ok();
    }
    if (header.type != MessageType::kMessage) return Status::Ok();  // CLO
    GANTRY_ASSIGN_OR_RETURN(Bytes plain, UnsealSymmetric(raw, security_, receive_));
    GANTRY_ASSIGN_OR_RETURN(SecureChunk request, DecodeSecureChunk(plain));
    Decoder type_reader(request.body);
    GANTRY_ASSIGN_OR_RETURN(NodeId type, DecodeNodeId(type_reader));
    Encoder e;
    if (type == NodeId::Numeric(0, encoding_id::kCreateSessionRequest)) {
      GANTRY_RETURN_IF_ERROR(CreateSessionAnswer(request.body, e));
    } else if (type == NodeId::Numeric(0, encoding_id::kActivateSessionRequest)) {
      GANTRY_RETURN_IF_ERROR(Encode(e, NodeId::Numeric(0, encoding_id::kActivateSessionResponse)));
      GANTRY_RETURN_IF_ERROR(Encode(e, ResponseHeader{}));
      GANTRY_RETURN_IF_ERROR(e.WriteText(Bs(Bytes(32, 0x77))));  // ServerNonce
      e.WriteInt32(0);                                           // Results
      e.WriteInt32(0);                                           // DiagnosticInfos
    } else {
      GANTRY_RETURN_IF_ERROR(ReadAnswer(e));
    }
    SecureChunk c;
    c.secure_channel_id = 9;
    c.token_id = token_;
    sequence_ += 1 + skip_sequence;
    c.sequence_number = sequence_;
    c.request_id = request.request_id;
    c.body = e.bytes();
    GANTRY_ASSIGN_OR_RETURN(Bytes wire_plain, EncodeSecureChunk(c));
    GANTRY_ASSIGN_OR_RETURN(Bytes wire, SealSymmetric(wire_plain, security_, send_));
    if (tamper) tamper(wire);
    out_.push_back(std::move(wire));
    return Status::Ok();
  }

  Status ReadAnswer(Encoder& e) {
    GANTRY_RETURN_IF_ERROR(Encode(e, NodeId::Numeric(0, encoding_id::kReadResponse)));
    GANTRY_RETURN_IF_ERROR(Encode(e, ResponseHeader{}));
    e.WriteInt32(1);
    DataValue dv;
    dv.value = Variant::Of(1.5);
    GANTRY_RETURN_IF_ERROR(Encode(e, dv));
    e.WriteInt32(0);
    return Status::Ok();
  }

  // A CreateSessionResponse whose signature is genuine or forged as `session_signature` says.
  // The client's 32-byte nonce is the ByteString just before its certificate in the request.
  Status CreateSessionAnswer(const Bytes& body, Encoder& e) {
    Encoder cert_field;
    GANTRY_RETURN_IF_ERROR(cert_field.WriteText(Bs(client_cert_.der())));
    const Bytes& needle = cert_field.bytes();
    const auto at = std::search(body.begin(), body.end(), needle.begin(), needle.end());
    if (at == body.end() || at - body.begin() < 32) return Malformed("no client certificate");
    Bytes client_nonce(at - 32, at);
    if (session_signature == SessionSignature::kOtherNonce) client_nonce.assign(32, 0x5A);
    const PrivateKey& signer =
        session_signature == SessionSignature::kOtherKey ? Keys().other_key : Keys().server_key;
    GANTRY_ASSIGN_OR_RETURN(
        SignatureData signature,
        SignCertificateAndNonce(*security_.policy, signer, client_cert_.der(), client_nonce));
    if (session_signature == SessionSignature::kMissing) signature.signature = ByteString{};
    GANTRY_RETURN_IF_ERROR(Encode(e, NodeId::Numeric(0, encoding_id::kCreateSessionResponse)));
    GANTRY_RETURN_IF_ERROR(Encode(e, ResponseHeader{}));
    GANTRY_RETURN_IF_ERROR(Encode(e, NodeId::Numeric(1, 100)));  // SessionId
    GANTRY_RETURN_IF_ERROR(Encode(e, NodeId::Numeric(1, 101)));  // AuthenticationToken
    e.WriteDouble(60'000);
    GANTRY_RETURN_IF_ERROR(e.WriteText(Bs(Bytes(32, 0x66))));  // ServerNonce
    GANTRY_RETURN_IF_ERROR(e.WriteText(Bs(Keys().server_cert.der())));
    e.WriteInt32(1);  // ServerEndpoints: this endpoint, anonymous login
    GANTRY_RETURN_IF_ERROR(e.WriteText(String::Of("opc.tcp://plc:4840")));
    GANTRY_RETURN_IF_ERROR(e.WriteText(String::Of("urn:plant:plc")));  // ApplicationUri
    GANTRY_RETURN_IF_ERROR(e.WriteText(String{}));                     // ProductUri
    GANTRY_RETURN_IF_ERROR(Encode(e, LocalizedText{}));
    e.WriteInt32(0);  // ApplicationType Server
    GANTRY_RETURN_IF_ERROR(e.WriteText(String{}));
    GANTRY_RETURN_IF_ERROR(e.WriteText(String{}));
    e.WriteInt32(-1);  // DiscoveryUrls
    GANTRY_RETURN_IF_ERROR(e.WriteText(Bs(Keys().server_cert.der())));
    e.WriteInt32(static_cast<int32_t>(security_.mode));
    GANTRY_RETURN_IF_ERROR(e.WriteText(String::Of(security_.policy->uri)));
    e.WriteInt32(1);  // UserIdentityTokens
    GANTRY_RETURN_IF_ERROR(e.WriteText(String::Of("anonymous")));
    e.WriteInt32(0);  // Anonymous
    for (int i = 0; i < 3; ++i) GANTRY_RETURN_IF_ERROR(e.WriteText(String{}));
    GANTRY_RETURN_IF_ERROR(e.WriteText(String{}));  // TransportProfileUri
    e.WriteByte(0);                                 // SecurityLevel
    e.WriteInt32(0);                                // ServerSoftwareCertificates
    GANTRY_RETURN_IF_ERROR(e.WriteText(signature.algorithm));
    GANTRY_RETURN_IF_ERROR(e.WriteText(signature.signature));
    e.WriteUInt32(0);  // MaxRequestMessageSize
    return Status::Ok();
  }

  ChannelSecurity security_;
  ChunkFramer framer_;
  Certificate client_cert_;
  std::deque<Bytes> out_;
  SymmetricKeys send_, receive_;
  uint32_t opened_ = 0;
  uint32_t token_ = 0;
  uint32_t sequence_ = 0;
};

ClientOptions Options(const char* policy = "Basic256Sha256",
                      MessageSecurityMode mode = MessageSecurityMode::kSignAndEncrypt) {
  ClientOptions o;
  o.endpoint_url = "opc.tcp://plc:4840";
  o.application_uri = "urn:gantry:client";
  o.security_policy = policy;
  o.security_mode = mode;
  o.pki_dir = Keys().dir + "/client";
  o.server_certificate = Keys().server_cert.der();
  return o;
}

std::unique_ptr<FakeSecureServer> Server(
    std::vector<Bytes> nonces, const char* policy = "Basic256Sha256",
    MessageSecurityMode mode = MessageSecurityMode::kSignAndEncrypt) {
  auto s = std::make_unique<FakeSecureServer>(*FindSecurityPolicy(policy), mode);
  s->server_nonces = std::move(nonces);
  return s;
}

const std::vector<NodeId> kNodes = {NodeId::Numeric(2, 1)};

TEST(OpcUaSecureClient, ReadsThroughAnEncryptedAndASignedChannel) {
  for (auto mode : {MessageSecurityMode::kSignAndEncrypt, MessageSecurityMode::kSign}) {
    auto client = Client::Connect(Options("Aes256_Sha256_RsaPss", mode),
                                  Server({Bytes(32, 1)}, "Aes256_Sha256_RsaPss", mode));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    auto values = (*client)->Read(kNodes);
    ASSERT_TRUE(values.ok()) << values.status().ToString();
    EXPECT_EQ(std::get<double>((*values)[0].value->scalar), 1.5);
  }
}

TEST(OpcUaSecureClient, RenewalWithAFreshNonceSwitchesKeys) {
  auto server = Server({Bytes(32, 1), Bytes(32, 2)});
  server->lifetime_ms = 4;  // renewed at the next request
  auto client = Client::Connect(Options(), std::move(server));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto values = (*client)->Read(kNodes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ((*client)->token_renewals(), 1);
  EXPECT_EQ((*client)->token().token_id, 2u);
}

TEST(OpcUaSecureClient, ServerReusingItsNonceOnRenewalIsRefused) {
  auto server = Server({Bytes(32, 1), Bytes(32, 1)});
  server->lifetime_ms = 4;
  auto client = Client::Connect(Options(), std::move(server));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto values = (*client)->Read(kNodes);
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(values.status().message().find("nonce reuse"), std::string::npos)
      << values.status().ToString();
  EXPECT_FALSE((*client)->Read(kNodes).ok());  // the channel is not used again
}

TEST(OpcUaSecureClient, ServerNonceTooShortIsRefused) {
  auto client = Client::Connect(Options(), Server({Bytes(16, 1)}));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(client.status().message().find("16 bytes"), std::string::npos)
      << client.status().ToString();
}

TEST(OpcUaSecureClient, OpenSecureChannelSignedWithAnotherKeyIsRefused) {
  auto server = Server({Bytes(32, 1)});
  server->forge_opn_signature = true;
  auto client = Client::Connect(Options(), std::move(server));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kPermissionDenied) << client.status().ToString();
}

TEST(OpcUaSecureClient, TamperedEncryptedAnswerEndsTheChannel) {
  auto server = Server({Bytes(32, 1)});
  server->tamper = [](Bytes& wire) { wire[wire.size() / 2] ^= 0x20; };
  auto client = Client::Connect(Options(), std::move(server));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto values = (*client)->Read(kNodes);
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.status().code(), StatusCode::kPermissionDenied) << values.status().ToString();
  EXPECT_EQ((*client)->Read(kNodes).status().code(), StatusCode::kFailedPrecondition);
}

TEST(OpcUaSecureClient, WrongSequenceNumberUnderEncryptionEndsTheChannel) {
  auto server = Server({Bytes(32, 1)});
  server->skip_sequence = 3;
  auto client = Client::Connect(Options(), std::move(server));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto values = (*client)->Read(kNodes);
  ASSERT_FALSE(values.ok());
  EXPECT_NE(values.status().message().find("sequence number 5 after 1"), std::string::npos)
      << values.status().ToString();
}

TEST(OpcUaSecureClient, SessionWithAGenuineServerSignatureOpens) {
  auto client = Client::Connect(Options(), Server({Bytes(32, 1)}));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  Status s = (*client)->OpenSession("gantry");
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(OpcUaSecureClient, ForgedCreateSessionSignatureIsRefused) {
  using Forgery = FakeSecureServer::SessionSignature;
  for (Forgery forgery : {Forgery::kOtherKey, Forgery::kOtherNonce, Forgery::kMissing}) {
    auto server = Server({Bytes(32, 1)});
    server->session_signature = forgery;
    auto client = Client::Connect(Options(), std::move(server));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    Status s = (*client)->OpenSession("gantry");
    ASSERT_FALSE(s.ok()) << static_cast<int>(forgery);
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
    EXPECT_NE(s.message().find("CreateSession"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("server signature over our certificate and nonce is wrong"),
              std::string::npos)
        << s.ToString();
  }
}

TEST(OpcUaSecureClient, NoSilentDowngradeAndNoneOnlyWhenAskedFor) {
  ClientOptions o = Options();
  o.security_mode = MessageSecurityMode::kNone;  // None mode with a real policy: refused
  EXPECT_EQ(Client::Connect(o, Server({})).status().code(), StatusCode::kInvalidArgument);
  o = Options("None", MessageSecurityMode::kSign);
  EXPECT_EQ(Client::Connect(o, Server({})).status().code(), StatusCode::kInvalidArgument);
  o = Options("Basic128Rsa15");
  EXPECT_EQ(Client::Connect(o, Server({})).status().code(), StatusCode::kInvalidArgument);
  // Secure by default: without a PKI folder a default client does not connect at all.
  ClientOptions plain;
  plain.endpoint_url = "opc.tcp://plc:4840";
  auto refused = Client::Connect(plain, Server({}));
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("gantry opcua cert"), std::string::npos);
}

}  // namespace
}  // namespace gantry::opcua
