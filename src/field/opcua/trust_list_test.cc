// CA chains and CRLs in the OPC UA trust list, with a small PKI made in the test through OpenSSL:
// a root CA, an intermediate CA and servers they issue, CRLs that revoke or do not, in the
// folder layout of Part 12 (trusted/certs, trusted/crl, issuers/certs, issuers/crl) and today's
// flat trusted/ folder.
#include "field/opcua/trust_list.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "field/opcua/certificate_store.h"

namespace gantry::opcua {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Issued {
  Certificate cert;
  PrivateKey key;
  std::shared_ptr<X509> x509;
};

void Extend(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate named `cn`, issued by `issuer` (self-signed when null), valid from `from_days`
// to `to_days` around now; a CA when `ca`, else a server for urn:test:server on 127.0.0.1.
Issued Make(const std::string& cn, bool ca, const Issued* issuer, long serial, long from_days = -1,
            long to_days = 365) {
  PrivateKey key = std::move(PrivateKey::Generate(2048)).value();
  std::shared_ptr<X509> x(X509_new(), X509_free);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), from_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), to_days * 86400);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer_cert = issuer ? issuer->x509.get() : x.get();
  X509_set_issuer_name(x.get(), X509_get_subject_name(signer_cert));
  Extend(x.get(), signer_cert, NID_basic_constraints,
         ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  Extend(x.get(), signer_cert, NID_key_usage,
         ca ? "critical,keyCertSign,cRLSign"
            : "critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment");
  Extend(x.get(), signer_cert, NID_subject_key_identifier, "hash");
  Extend(x.get(), signer_cert, NID_authority_key_identifier, "keyid:always");
  if (!ca) Extend(x.get(), signer_cert, NID_subject_alt_name, "URI:urn:test:server,IP:127.0.0.1");
  X509_sign(x.get(), issuer ? issuer->key.get() : key.get(), EVP_sha256());
  unsigned char* der = nullptr;
  const int n = i2d_X509(x.get(), &der);
  Bytes bytes(der, der + n);
  OPENSSL_free(der);
  return {std::move(Certificate::FromDer(bytes)).value(), std::move(key), std::move(x)};
}

// A CRL of `ca` listing `revoked` serials, current unless `next_update_days` is negative.
Bytes Crl(const Issued& ca, std::vector<long> revoked, long next_update_days = 30) {
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(X509_CRL_new(), X509_CRL_free);
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.x509.get()));
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> last(
      X509_gmtime_adj(nullptr, next_update_days < 0 ? 2 * next_update_days * 86400 : -3600),
      ASN1_TIME_free);
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> next(
      X509_gmtime_adj(nullptr, next_update_days * 86400), ASN1_TIME_free);
  X509_CRL_set1_lastUpdate(crl.get(), last.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (long serial : revoked) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* s = ASN1_INTEGER_new();
    ASN1_INTEGER_set(s, serial);
    X509_REVOKED_set_serialNumber(r, s);
    ASN1_INTEGER_free(s);
    X509_REVOKED_set_revocationDate(r, last.get());
    X509_CRL_add0_revoked(crl.get(), r);
  }
  X509_CRL_sort(crl.get());
  X509_CRL_sign(crl.get(), ca.key.get(), EVP_sha256());
  unsigned char* der = nullptr;
  const int n = i2d_X509_CRL(crl.get(), &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

void Put(const fs::path& file, const Bytes& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

class TrustList : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new Issued(Make("Acme Root CA", true, nullptr, 1));
    plant_ca_ = new Issued(Make("Acme Plant CA", true, root_, 2));
    server_ = new Issued(Make("plc1", false, plant_ca_, 100));
    other_server_ = new Issued(Make("plc2", false, plant_ca_, 101));
    self_signed_ = new Issued(Make("lonely plc", false, nullptr, 7));
  }
  static void TearDownTestSuite() {
    for (Issued* i : {root_, plant_ca_, server_, other_server_, self_signed_}) delete i;
  }
  void SetUp() override {
    pki_ = (fs::temp_directory_path() / ("gantry-trust-" + std::to_string(::getpid()))).string();
    fs::remove_all(pki_);
    fs::create_directories(fs::path(pki_) / "trusted");
    fs::create_directories(fs::path(pki_) / "rejected");
  }
  void TearDown() override { fs::remove_all(pki_); }
  Status Check(const Issued& server) {
    return CheckServerCertificate(server.cert, {pki_, "urn:test:server", "127.0.0.1"},
                                  SystemClock::Instance().Now());
  }
  fs::path At(const char* sub) const { return fs::path(pki_) / sub; }

  static Issued *root_, *plant_ca_, *server_, *other_server_, *self_signed_;
  std::string pki_;
};
Issued *TrustList::root_, *TrustList::plant_ca_, *TrustList::server_, *TrustList::other_server_,
    *TrustList::self_signed_;

TEST_F(TrustList, ServerIssuedThroughATrustedRootWithCurrentCrlsIsTrusted) {
  Put(At("trusted/certs/root.der"), root_->cert.der());
  Put(At("trusted/crl/root.crl"), Crl(*root_, {}));
  Put(At("issuers/certs/plant-ca.der"), plant_ca_->cert.der());
  Put(At("issuers/crl/plant-ca.crl"), Crl(*plant_ca_, {}));
  EXPECT_TRUE(Check(*server_).ok()) << Check(*server_).ToString();
  EXPECT_TRUE(Check(*other_server_).ok());
}

TEST_F(TrustList, TrustingTheIntermediateCaAloneIsEnough) {
  Put(At("trusted/plant-ca.der"), plant_ca_->cert.der());  // today's flat trusted/ folder
  Put(At("trusted/crl/plant-ca.crl"), Crl(*plant_ca_, {}));
  EXPECT_TRUE(Check(*server_).ok()) << Check(*server_).ToString();
}

TEST_F(TrustList, RevokedServerIsRefusedNamingTheCa) {
  Put(At("trusted/certs/plant-ca.der"), plant_ca_->cert.der());
  Put(At("trusted/crl/plant-ca.crl"), Crl(*plant_ca_, {101}));
  EXPECT_TRUE(Check(*server_).ok());
  const Status s = Check(*other_server_);
  ASSERT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("'/CN=plc2' is revoked by its CA '/CN=Acme Plant CA'"));
  EXPECT_TRUE(fs::is_empty(At("rejected")));  // refused for revocation, not for being unknown
}

TEST_F(TrustList, RevokedIntermediateCaRefusesEveryServerItIssued) {
  Put(At("trusted/certs/root.der"), root_->cert.der());
  Put(At("trusted/crl/root.crl"), Crl(*root_, {2}));
  Put(At("issuers/certs/plant-ca.der"), plant_ca_->cert.der());
  Put(At("issuers/crl/plant-ca.crl"), Crl(*plant_ca_, {}));
  EXPECT_THAT(Check(*server_).message(), HasSubstr("'/CN=Acme Plant CA' is revoked"));
}

TEST_F(TrustList, CaWithoutCrlMeansRevocationUnknownAndIsRefused) {
  Put(At("trusted/certs/plant-ca.der"), plant_ca_->cert.der());
  const Status s = Check(*server_);
  ASSERT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("revocation unknown: no CRL of CA '/CN=Acme Plant CA'"));
  EXPECT_THAT(s.message(), HasSubstr("trusted/crl"));
}

TEST_F(TrustList, OutOfDateCrlIsRefused) {
  Put(At("trusted/certs/plant-ca.der"), plant_ca_->cert.der());
  Put(At("trusted/crl/plant-ca.crl"), Crl(*plant_ca_, {}, -1));
  EXPECT_THAT(Check(*server_).message(), HasSubstr("out of date"));
}

TEST_F(TrustList, CaOnlyInIssuersGivesNoTrustAndTheServerLandsInRejected) {
  Put(At("issuers/certs/root.der"), root_->cert.der());
  Put(At("issuers/certs/plant-ca.der"), plant_ca_->cert.der());
  Put(At("issuers/crl/root.crl"), Crl(*root_, {}));
  Put(At("issuers/crl/plant-ca.crl"), Crl(*plant_ca_, {}));
  Put(At("trusted/certs/unrelated.der"), self_signed_->cert.der());
  const Status s = Check(*server_);
  ASSERT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("is not trusted"));
  EXPECT_THAT(s.message(), HasSubstr("or trust the CA that issued it"));
  EXPECT_FALSE(fs::is_empty(At("rejected")));
}

TEST_F(TrustList, ServerSignedByAnotherKeyThanItsNamedCaIsRefused) {
  const Issued impostor_ca = Make("Acme Plant CA", true, nullptr, 2);  // same name, other key
  const Issued forged = Make("plc1", false, &impostor_ca, 100);
  Put(At("trusted/certs/plant-ca.der"), plant_ca_->cert.der());
  Put(At("trusted/crl/plant-ca.crl"), Crl(*plant_ca_, {}));
  EXPECT_FALSE(Check(forged).ok());
}

TEST_F(TrustList, DirectlyTrustedServersWorkInBothLayoutsWithoutCrls) {
  Put(At("trusted/plc.der"), self_signed_->cert.der());  // the layout of sessions 1-3
  EXPECT_TRUE(DirectlyTrusted(self_signed_->cert, pki_));
  const Status flat =
      CheckServerCertificate(self_signed_->cert, {pki_, "", ""}, SystemClock::Instance().Now());
  EXPECT_TRUE(flat.ok()) << flat.ToString();
  fs::remove(At("trusted/plc.der"));
  Put(At("trusted/certs/plc.der"), self_signed_->cert.der());
  EXPECT_TRUE(
      CheckServerCertificate(self_signed_->cert, {pki_, "", ""}, SystemClock::Instance().Now())
          .ok());
  // A CA-issued server trusted by its own certificate needs no CRL either.
  Put(At("trusted/certs/plc1.der"), server_->cert.der());
  EXPECT_TRUE(Check(*server_).ok());
}

TEST_F(TrustList, NewPkiFolderHasThePart12Layout) {
  CertificateRequest request;
  request.application_uri = "urn:test:client";
  const std::string dir = pki_ + "/client";
  ASSERT_TRUE(CreateApplicationCertificate(request, dir).ok());
  for (const char* sub :
       {"trusted/certs", "trusted/crl", "issuers/certs", "issuers/crl", "rejected"})
    EXPECT_TRUE(fs::is_directory(fs::path(dir) / sub)) << sub;
}

}  // namespace
}  // namespace gantry::opcua
