// The security building blocks: known vectors for HMAC-SHA256 and P_SHA256 (checked against
// OpenSSL's own TLS1-PRF), key derivation per policy, sealing and unsealing chunks in every
// policy and mode, and the attacks a secured chunk must survive (tampering, wrong keys, bad
// padding, a forged OPN signature); certificates: creation, trust list, expiry, URI and host.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "field/opcua/certificate_store.h"
#include "field/opcua/chunk_security.h"
#include "field/opcua/secure_chunk.h"
#include "field/opcua/session_security.h"
#include "field/opcua/test_bytes.h"

namespace gantry::opcua {
namespace {
namespace fs = std::filesystem;
using testing::Hex;

ByteView Text(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Two application identities made once (RSA key generation is the slow part).
struct Identities {
  std::string dir = std::string(GANTRY_BINARY_DIR) + "/opcua-security-test";
  Certificate client_cert, server_cert;
  PrivateKey client_key, server_key;
  Identities() {
    fs::remove_all(dir);
    CertificateRequest c{.application_uri = "urn:gantry:client", .hostnames = {"localhost"}};
    CertificateRequest s{.application_uri = "urn:plant:plc1",
                         .common_name = "PLC1",
                         .hostnames = {"plc1", "127.0.0.1"}};
    client_cert = *CreateApplicationCertificate(c, dir + "/client");
    server_cert = *CreateApplicationCertificate(s, dir + "/server");
    client_key = *PrivateKey::Load(PkiLayout(dir + "/client").own_key);
    server_key = *PrivateKey::Load(PkiLayout(dir + "/server").own_key);
  }
};
const Identities& Ids() {
  static const Identities* ids = new Identities();
  return *ids;
}

TEST(OpcUaCrypto, HmacSha256MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256(Text("Jefe"), Text("what do ya want for nothing?")),
            Hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
}

TEST(OpcUaCrypto, PSha256MatchesOpenSslTls12Prf) {
  const Bytes secret = Hex("9bbe436ba940f017b17652849a71db35");
  const Bytes seed = Hex("a0ba9f936cda311827a6f796ffd5198c");
  const Bytes ours = PSha256(secret, seed, 100);
  // OpenSSL's TLS1-PRF is P_SHA256(secret, label + seed); with an empty label it is ours.
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  ASSERT_NE(kdf, nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, const_cast<uint8_t*>(seed.data()),
                                        seed.size()),
      OSSL_PARAM_construct_end()};
  Bytes theirs(100);
  ASSERT_EQ(EVP_KDF_derive(ctx, theirs.data(), theirs.size(), params), 1);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  EXPECT_EQ(ours, theirs);
}

TEST(OpcUaCrypto, KeysPerPolicyHaveTheProfileLengthsAndMirrorEachOther) {
  const Bytes client_nonce(32, 0x11), server_nonce(32, 0x22);
  const SecurityPolicy* aes128 = FindSecurityPolicy("Aes128_Sha256_RsaOaep");
  const SecurityPolicy* basic =
      FindSecurityPolicy("http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
  ASSERT_NE(aes128, nullptr);
  ASSERT_NE(basic, nullptr);
  EXPECT_EQ(FindSecurityPolicy("Basic128Rsa15"), nullptr);  // deprecated: not offered
  const SymmetricKeys k128 = DeriveKeys(*aes128, server_nonce, client_nonce);
  EXPECT_EQ(k128.signing.size(), 32u);
  EXPECT_EQ(k128.encrypting.size(), 16u);
  EXPECT_EQ(k128.iv.size(), 16u);
  const SymmetricKeys k256 = DeriveKeys(*basic, server_nonce, client_nonce);
  EXPECT_EQ(k256.encrypting.size(), 32u);
  // The signing key is the first 32 bytes of P_SHA256(server nonce, client nonce).
  EXPECT_EQ(k256.signing, PSha256(server_nonce, client_nonce, 32));
  EXPECT_NE(DeriveKeys(*basic, client_nonce, server_nonce).signing, k256.signing);
}

TEST(OpcUaCrypto, RsaRoundTripsForEveryPaddingAndSignature) {
  const Identities& ids = Ids();
  const Bytes secret(300, 0x5A);  // more than one RSA block
  for (RsaEncryption e :
       {RsaEncryption::kOaepSha1, RsaEncryption::kOaepSha256, RsaEncryption::kPkcs1}) {
    auto cipher = RsaEncrypt(ids.server_cert, e, secret);
    ASSERT_TRUE(cipher.ok()) << cipher.status().ToString();
    EXPECT_EQ(cipher->size() % 256, 0u);
    auto plain = RsaDecrypt(ids.server_key, e, *cipher);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    EXPECT_EQ(*plain, secret);
    EXPECT_FALSE(RsaDecrypt(ids.client_key, e, *cipher).ok());  // not for this key
  }
  for (RsaSignature s : {RsaSignature::kPkcs1Sha256, RsaSignature::kPssSha256}) {
    auto sig = RsaSign(ids.client_key, s, secret);
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(RsaVerify(ids.client_cert, s, secret, *sig).ok());
    EXPECT_EQ(RsaVerify(ids.server_cert, s, secret, *sig).code(), StatusCode::kPermissionDenied);
  }
}

// A MSG chunk with `body_size` bytes of body, encoded without security.
Bytes PlainMessage(size_t body_size, uint32_t sequence = 5) {
  SecureChunk c;
  c.secure_channel_id = 4;
  c.token_id = 1;
  c.sequence_number = sequence;
  c.request_id = 2;
  for (size_t i = 0; i < body_size; ++i) c.body.push_back(static_cast<uint8_t>(i * 7));
  return *EncodeSecureChunk(c);
}

TEST(OpcUaChunkSecurity, SymmetricChunksRoundTripInEveryPolicyAndMode) {
  for (const char* name : {"Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"}) {
    const SecurityPolicy* p = FindSecurityPolicy(name);
    const SymmetricKeys keys = DeriveKeys(*p, Bytes(32, 1), Bytes(32, 2));
    for (auto mode : {MessageSecurityMode::kSign, MessageSecurityMode::kSignAndEncrypt}) {
      const ChannelSecurity s{p, mode};
      for (size_t body : {0u, 1u, 15u, 16u, 17u, 1000u}) {
        SCOPED_TRACE(fmt::format("{} mode {} body {}", name, static_cast<int>(mode), body));
        const Bytes plain = PlainMessage(body);
        auto wire = SealSymmetric(plain, s, keys);
        ASSERT_TRUE(wire.ok()) << wire.status().ToString();
        if (s.encrypts()) {
          EXPECT_EQ((wire->size() - 16) % 16, 0u);
          // The body is not visible on the wire.
          if (body >= 16) {
            EXPECT_EQ(
                std::search(wire->begin(), wire->end(), plain.begin() + 24, plain.begin() + 40),
                wire->end());
          }
        } else {
          EXPECT_EQ(wire->size(), plain.size() + 32);
        }
        auto back = UnsealSymmetric(*wire, s, keys);
        ASSERT_TRUE(back.ok()) << back.status().ToString();
        EXPECT_EQ(*back, plain);
      }
    }
  }
}

TEST(OpcUaChunkSecurity, TamperedEncryptedChunkIsRejectedByItsSignature) {
  const SecurityPolicy* p = FindSecurityPolicy("Basic256Sha256");
  const SymmetricKeys keys = DeriveKeys(*p, Bytes(32, 1), Bytes(32, 2));
  const ChannelSecurity s{p, MessageSecurityMode::kSignAndEncrypt};
  const Bytes wire = *SealSymmetric(PlainMessage(100), s, keys);
  for (size_t at : {size_t{20}, wire.size() / 2, wire.size() - 1}) {
    Bytes tampered = wire;
    tampered[at] ^= 0x01;
    auto back = UnsealSymmetric(tampered, s, keys);
    ASSERT_FALSE(back.ok()) << "flipped byte " << at;
    EXPECT_EQ(back.status().code(), StatusCode::kPermissionDenied) << back.status().ToString();
  }
  // Keys of another channel (another nonce) do not open it either.
  const SymmetricKeys other = DeriveKeys(*p, Bytes(32, 1), Bytes(32, 3));
  EXPECT_EQ(UnsealSymmetric(wire, s, other).status().code(), StatusCode::kPermissionDenied);
  // A truncated chunk is not whole AES blocks.
  Bytes cut(wire.begin(), wire.end() - 5);
  EXPECT_EQ(UnsealSymmetric(cut, s, keys).status().code(), StatusCode::kMalformed);
}

TEST(OpcUaChunkSecurity, SignedOnlyChunkWithAChangedBodyIsRejected) {
  const SecurityPolicy* p = FindSecurityPolicy("Aes128_Sha256_RsaOaep");
  const SymmetricKeys keys = DeriveKeys(*p, Bytes(32, 1), Bytes(32, 2));
  const ChannelSecurity s{p, MessageSecurityMode::kSign};
  Bytes wire = *SealSymmetric(PlainMessage(40), s, keys);
  wire[30] ^= 0x80;
  EXPECT_EQ(UnsealSymmetric(wire, s, keys).status().code(), StatusCode::kPermissionDenied);
}

// An OPN chunk from the client with a request-sized body.
Bytes PlainOpen(const Identities& ids, const SecurityPolicy& p) {
  SecureChunk c;
  c.type = MessageType::kOpenSecureChannel;
  c.asymmetric.security_policy_uri = String::Of(p.uri);
  const Bytes& der = ids.client_cert.der();
  c.asymmetric.sender_certificate =
      ByteString::Of(std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
  const Bytes thumb = ids.server_cert.Thumbprint();
  c.asymmetric.receiver_certificate_thumbprint =
      ByteString::Of(std::string_view(reinterpret_cast<const char*>(thumb.data()), thumb.size()));
  c.sequence_number = 1;
  c.request_id = 1;
  c.body.assign(120, 0x42);
  return *EncodeSecureChunk(c);
}

TEST(OpcUaChunkSecurity, OpenSecureChannelChunksRoundTripAndAForgedSignatureFails) {
  const Identities& ids = Ids();
  const AsymmetricKeys client{ids.client_key, ids.client_cert, ids.server_cert};
  const AsymmetricKeys server{ids.server_key, ids.server_cert, ids.client_cert};
  for (const char* name : {"Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"}) {
    SCOPED_TRACE(name);
    const SecurityPolicy* p = FindSecurityPolicy(name);
    const ChannelSecurity s{p, MessageSecurityMode::kSign};  // OPN is encrypted even in Sign
    const Bytes plain = PlainOpen(ids, *p);
    auto wire = SealAsymmetric(plain, s, client);
    ASSERT_TRUE(wire.ok()) << wire.status().ToString();
    EXPECT_EQ(std::search(wire->begin(), wire->end(), plain.end() - 20, plain.end()), wire->end())
        << "body visible";
    auto back = UnsealAsymmetric(*wire, s, server);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, plain);
    // The client's own key cannot read what was sealed for the server.
    EXPECT_FALSE(UnsealAsymmetric(*wire, s, client).ok());
    // Signed with a key that does not belong to the certificate in the header: refused.
    const AsymmetricKeys forger{ids.server_key, ids.client_cert, ids.server_cert};
    auto forged = SealAsymmetric(plain, s, forger);
    ASSERT_TRUE(forged.ok());
    EXPECT_EQ(UnsealAsymmetric(*forged, s, server).status().code(), StatusCode::kPermissionDenied);
  }
}

TEST(OpcUaChunkSecurity, MaxBodyLeavesRoomForPaddingAndSignature) {
  const SecurityPolicy* p = FindSecurityPolicy("Basic256Sha256");
  const ChannelSecurity s{p, MessageSecurityMode::kSignAndEncrypt};
  const SymmetricKeys keys = DeriveKeys(*p, Bytes(32, 1), Bytes(32, 2));
  const size_t room = MaxSymmetricBody(s, 8192, 16);
  auto wire = SealSymmetric(PlainMessage(room), s, keys);
  ASSERT_TRUE(wire.ok());
  EXPECT_LE(wire->size(), 8192u);
  EXPECT_GT(wire->size(), 8192u - 32u);
}

// The seeds of opcua_secure_chunk_fuzz: a ReadRequest-sized MSG chunk sealed with the fuzz keys
// (client nonce 32 x 0x01, server nonce 32 x 0x02), one per policy and mode; the first byte
// selects policy and mode as the fuzz target reads it. GANTRY_WRITE_SEEDS=1 rewrites them.
TEST(OpcUaChunkSecurity, FuzzSeedsOpenWithTheFuzzKeys) {
  const std::string dir =
      std::string(GANTRY_SOURCE_DIR) + "/tests/fuzz/corpus/opcua_secure_chunk_fuzz";
  const char* policies[] = {"Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"};
  for (uint8_t selector = 0; selector < 6; ++selector) {
    const SecurityPolicy* p = FindSecurityPolicy(policies[selector >> 1]);
    const ChannelSecurity s{
        p, (selector & 1) ? MessageSecurityMode::kSignAndEncrypt : MessageSecurityMode::kSign};
    const SymmetricKeys keys = DeriveKeys(*p, Bytes(32, 0x02), Bytes(32, 0x01));
    const std::string file =
        fmt::format("{}/{}_{}", dir, p->name, s.encrypts() ? "encrypt" : "sign");
    if (std::getenv("GANTRY_WRITE_SEEDS") != nullptr) {
      fs::create_directories(dir);
      Bytes seed = {selector};
      const Bytes wire = *SealSymmetric(PlainMessage(57), s, keys);
      seed.insert(seed.end(), wire.begin(), wire.end());
      std::ofstream(file, std::ios::binary)
          .write(reinterpret_cast<const char*>(seed.data()),
                 static_cast<std::streamsize>(seed.size()));
    }
    std::ifstream in(file, std::ios::binary);
    const Bytes seed((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(seed.size(), 1u) << file;
    EXPECT_EQ(seed[0], selector);
    auto plain = UnsealSymmetric(ByteView(seed).subspan(1), s, keys);
    ASSERT_TRUE(plain.ok()) << file << ": " << plain.status().ToString();
    EXPECT_EQ(*plain, PlainMessage(57));
  }
}

TEST(OpcUaSessionSecurity, NonceTooShortOrRepeatedIsRejected) {
  const Bytes a(32, 7), b(32, 8);
  EXPECT_TRUE(CheckNonce(a, b, 32, "test").ok());
  EXPECT_TRUE(CheckNonce(a, {}, 32, "test").ok());
  EXPECT_EQ(CheckNonce(a, a, 32, "test").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckNonce(Bytes(16, 1), {}, 32, "test").code(), StatusCode::kPermissionDenied);
  EXPECT_NE(CheckNonce(a, a, 32, "test").message().find("nonce reuse"), std::string::npos);
}

TEST(OpcUaSessionSecurity, SignaturesOverCertificateAndNonceVerifyOnlyUnchanged) {
  const Identities& ids = Ids();
  const SecurityPolicy* p = FindSecurityPolicy("Aes256_Sha256_RsaPss");
  const Bytes nonce(32, 9);
  auto sig = SignCertificateAndNonce(*p, ids.server_key, ids.client_cert.der(), nonce);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->algorithm.view(), "http://opcfoundation.org/UA/security/rsa-pss-sha2-256");
  EXPECT_TRUE(
      VerifyCertificateAndNonce(*p, ids.server_cert, *sig, ids.client_cert.der(), nonce).ok());
  EXPECT_FALSE(
      VerifyCertificateAndNonce(*p, ids.server_cert, *sig, ids.client_cert.der(), Bytes(32, 8))
          .ok());
  SignatureData wrong_algorithm = *sig;
  wrong_algorithm.algorithm = String::Of("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
  EXPECT_FALSE(
      VerifyCertificateAndNonce(*p, ids.server_cert, wrong_algorithm, ids.client_cert.der(), nonce)
          .ok());
}

TEST(OpcUaSessionSecurity, UserPasswordIsEncryptedForTheServerWithTheNonce) {
  const Identities& ids = Ids();
  const SecurityPolicy* p = FindSecurityPolicy("Basic256Sha256");
  const Bytes nonce(32, 0xAB);
  auto token =
      UserNameIdentity(String::Of("user"), "operator", "secret", *p, &ids.server_cert, nonce);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->type_id, NodeId::Numeric(0, encoding_id::kUserNameIdentityToken));
  EXPECT_EQ(token->body.find("secret"), std::string::npos);  // never in clear
  Decoder d(Text(token->body));
  EXPECT_EQ(d.ReadString("policy")->view(), "user");
  EXPECT_EQ(d.ReadString("user")->view(), "operator");
  const ByteString cipher = *d.ReadByteString("password");
  EXPECT_EQ(d.ReadString("algorithm")->view(), "http://www.w3.org/2001/04/xmlenc#rsa-oaep");
  auto plain = RsaDecrypt(ids.server_key, RsaEncryption::kOaepSha1, Text(cipher.view()));
  ASSERT_TRUE(plain.ok());
  Bytes expected = {38, 0, 0, 0, 's', 'e', 'c', 'r', 'e', 't'};
  expected.insert(expected.end(), nonce.begin(), nonce.end());
  EXPECT_EQ(*plain, expected);
}

TEST(OpcUaCertificates, CreatedCertificateCarriesTheUriHostsAndKeyUsage) {
  const Identities& ids = Ids();
  EXPECT_EQ(ids.server_cert.Uris(), std::vector<std::string>{"urn:plant:plc1"});
  EXPECT_EQ(ids.server_cert.Hostnames(), (std::vector<std::string>{"plc1", "127.0.0.1"}));
  EXPECT_EQ(ids.server_cert.key_bits(), 2048);
  EXPECT_TRUE(ids.server_cert.self_signed());
  EXPECT_NE(ids.server_cert.Subject().find("CN=PLC1"), std::string::npos);
  const uint32_t usage = X509_get_key_usage(ids.server_cert.get());
  EXPECT_TRUE(usage & KU_DIGITAL_SIGNATURE);
  EXPECT_TRUE(usage & KU_NON_REPUDIATION);
  EXPECT_TRUE(usage & KU_KEY_ENCIPHERMENT);
  EXPECT_TRUE(usage & KU_DATA_ENCIPHERMENT);
  const uint32_t extended = X509_get_extended_key_usage(ids.server_cert.get());
  EXPECT_TRUE(extended & XKU_SSL_SERVER);
  EXPECT_TRUE(extended & XKU_SSL_CLIENT);
  EXPECT_TRUE(fs::is_directory(ids.dir + "/server/trusted"));
  EXPECT_TRUE(fs::is_directory(ids.dir + "/server/rejected"));
  EXPECT_EQ(
      fs::status(PkiLayout(ids.dir + "/server").own_key).permissions() & fs::perms::others_read,
      fs::perms::none);
  // Not overwritten without asking.
  CertificateRequest again;
  again.application_uri = "urn:x";
  EXPECT_EQ(CreateApplicationCertificate(again, ids.dir + "/server").status().code(),
            StatusCode::kAlreadyExists);
  // Loading checks the URI against the configuration.
  EXPECT_TRUE(LoadApplicationIdentity(ids.dir + "/client", "urn:gantry:client").ok());
  auto wrong = LoadApplicationIdentity(ids.dir + "/client", "urn:gantry:other");
  EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong.status().message().find("gantry opcua cert"), std::string::npos);
}

TEST(OpcUaCertificates, UntrustedServerIsCopiedToRejectedAndTrustedAfterTheMove) {
  const Identities& ids = Ids();
  const std::string pki = ids.dir + "/trust";
  fs::create_directories(pki + "/trusted");
  const ServerCheck check{pki, "urn:plant:plc1", "plc1"};
  const Timestamp now = SystemClock::Instance().Now();
  Status refused = CheckServerCertificate(ids.server_cert, check, now);
  ASSERT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.message().find(ids.server_cert.ThumbprintHex()), std::string::npos);
  EXPECT_NE(refused.message().find("CN=PLC1"), std::string::npos);
  EXPECT_NE(refused.message().find("mv "), std::string::npos) << refused.message();
  std::vector<fs::path> rejected;
  for (const auto& e : fs::directory_iterator(pki + "/rejected")) rejected.push_back(e.path());
  ASSERT_EQ(rejected.size(), 1u);
  fs::rename(rejected[0], fs::path(pki) / "trusted" / rejected[0].filename());
  EXPECT_TRUE(CheckServerCertificate(ids.server_cert, check, now).ok());

  // Trusted, but not this server or not this host: refused with the reason.
  Status uri = CheckServerCertificate(ids.server_cert, {pki, "urn:plant:plc2", "plc1"}, now);
  EXPECT_EQ(uri.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(uri.message().find("urn:plant:plc2"), std::string::npos);
  EXPECT_NE(uri.message().find("needs a certificate made for its ApplicationUri"),
            std::string::npos)
      << uri.message();
  Status host = CheckServerCertificate(ids.server_cert, {pki, "urn:plant:plc1", "plc9"}, now);
  EXPECT_EQ(host.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(host.message().find("plc9"), std::string::npos);
  EXPECT_NE(host.message().find("use one of those names in the endpoint URL"), std::string::npos)
      << host.message();
  EXPECT_TRUE(
      CheckServerCertificate(ids.server_cert, {pki, "urn:plant:plc1", "127.0.0.1"}, now).ok());

  // Expired, and not yet valid.
  Status expired =
      CheckServerCertificate(ids.server_cert, check, ids.server_cert.not_after() + kSecond);
  EXPECT_EQ(expired.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(expired.message().find("expired"), std::string::npos);
  EXPECT_NE(expired.message().find("needs a new certificate, then trust that one"),
            std::string::npos)
      << expired.message();
  Status early =
      CheckServerCertificate(ids.server_cert, check, ids.server_cert.not_before() - kSecond);
  EXPECT_NE(early.message().find("not valid yet"), std::string::npos);
}

}  // namespace
}  // namespace gantry::opcua
