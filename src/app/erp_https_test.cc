// HTTPS to the ERP: the webhook and the B2MML HTTP target verify the server's certificate against
// the configured CA file (or the system store) and the host they connect to, and say which URL
// failed and why. The peer is the ERP stand-in serving TLS with a certificate made by Gantry's
// own `gantry cert` code.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "api/security/self_signed_cert.h"
#include "core/config_node.h"
#include "enterprise/b2mml_performance.h"
#include "enterprise/erp_config.h"
#include "enterprise/erp_stand_in.h"
#include "enterprise/webhook_adapter.h"

namespace gantry::enterprise {
namespace {

namespace fs = std::filesystem;

OutboxMessage Message() {
  OutboxMessage m;
  m.id = 1;
  m.kind = "actuals.completion";
  m.order_key = "rest:4711";
  m.sequence = 1;
  m.idempotency_key = IdempotencyKey(m.order_key, m.kind, 1);
  m.payload = R"({"order_key":"rest:4711","external_id":"4711","final":true,"good":5,"scrap":0})";
  return m;
}

class ErpOverHttps : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gantry_erp_https_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    erp_.reset();
    fs::remove_all(dir_);
  }
  // A stand-in serving HTTPS with a fresh self-signed certificate for `names`.
  void StartErp(const std::vector<std::string>& names) {
    cert_ = (dir_ / "erp.crt").string();
    const std::string key = (dir_ / "erp.key").string();
    ASSERT_TRUE(security::WriteSelfSignedCert(cert_, key, names, 1).ok());
    auto erp = ErpStandIn::Start(2 * kSecond, {cert_, key});
    ASSERT_TRUE(erp.ok()) << erp.status().ToString();
    erp_ = std::move(*erp);
  }
  WebhookConfig Hook(const std::string& ca_file) const {
    WebhookConfig c;
    c.endpoint = HttpEndpoint("127.0.0.1", erp_->port(), 5 * kSecond);
    c.endpoint.tls = true;
    c.endpoint.ca_file = ca_file;
    c.path = "/actuals";
    return c;
  }
  std::string Url() const { return "https://127.0.0.1:" + std::to_string(erp_->port()); }

  fs::path dir_;
  std::string cert_;
  std::unique_ptr<ErpStandIn> erp_;
};

TEST_F(ErpOverHttps, WebhookDeliversWhenTheCaFileTrustsTheErpsCertificate) {
  StartErp({"127.0.0.1"});
  WebhookAdapter hook(Hook(cert_));
  const DeliveryResult r = hook.Deliver(Message());
  EXPECT_EQ(r.verdict, DeliveryVerdict::kAcknowledged) << r.detail;
  EXPECT_EQ(hook.Deliver(Message()).verdict, DeliveryVerdict::kAcknowledged) << "kept alive";
  EXPECT_EQ(erp_->Ledger().applied, std::vector<std::string>{Message().idempotency_key});
}

TEST_F(ErpOverHttps, AnUntrustedCertificateIsRefusedNamingTheUrlAndTheReason) {
  StartErp({"127.0.0.1"});
  WebhookAdapter hook(Hook(""));  // the system store does not know this self-signed certificate
  const DeliveryResult r = hook.Deliver(Message());
  EXPECT_EQ(r.verdict, DeliveryVerdict::kRetry)
      << "a trust problem holds messages, never drops them";
  EXPECT_NE(r.detail.find(Url()), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("not trusted: self-signed certificate"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("the system store"), std::string::npos) << r.detail;
  EXPECT_TRUE(erp_->Ledger().requests.empty()) << "nothing may be sent before the check";
}

TEST_F(ErpOverHttps, ACertificateForAnotherHostIsRefused) {
  StartErp({"erp.example.com"});  // trusted, but not for 127.0.0.1
  WebhookAdapter hook(Hook(cert_));
  const DeliveryResult r = hook.Deliver(Message());
  EXPECT_EQ(r.verdict, DeliveryVerdict::kRetry);
  EXPECT_NE(r.detail.find("IP address mismatch"), std::string::npos) << r.detail;
  EXPECT_TRUE(erp_->Ledger().requests.empty());
}

TEST_F(ErpOverHttps, AMissingCaFileIsNamed) {
  StartErp({"127.0.0.1"});
  WebhookAdapter hook(Hook((dir_ / "nowhere.pem").string()));
  const DeliveryResult r = hook.Deliver(Message());
  EXPECT_EQ(r.verdict, DeliveryVerdict::kRetry);
  EXPECT_NE(r.detail.find("nowhere.pem' cannot be loaded"), std::string::npos) << r.detail;
}

TEST_F(ErpOverHttps, B2mmlHttpTargetSpeaksTlsAndChecksTheCertificate) {
  StartErp({"127.0.0.1"});
  B2mmlOutSettings trusted{"", Url() + "/b2mml", cert_};
  auto target = MakeB2mmlPerformanceAdapter(trusted);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  OutboxMessage m = Message();
  // The stand-in answers XML with 400 (it expects webhook JSON): the answer came over TLS.
  DeliveryResult r = (*target)->Deliver(m);
  EXPECT_NE(r.detail.find("HTTP 400"), std::string::npos) << r.detail;
  auto untrusted = MakeB2mmlPerformanceAdapter({"", Url() + "/b2mml", ""});
  ASSERT_TRUE(untrusted.ok());
  r = (*untrusted)->Deliver(m);
  EXPECT_EQ(r.verdict, DeliveryVerdict::kRetry);
  EXPECT_NE(r.detail.find("not trusted"), std::string::npos) << r.detail;
}

TEST(ErpConfigHttps, HttpsUrlsAreAcceptedWithTheirCaFile) {
  auto doc =
      ConfigDocument::Parse(
          "erp:\n"
          "  webhook: {url: https://erp.example.com:8443/actuals, ca_file: /etc/erp-ca.pem}\n"
          "  b2mml_performance: {url: https://erp.example.com/b2mml}\n",
          "plant.yaml")
          .value();
  ErpSettings erp = ParseErpConfig(doc.Root()["erp"]);
  ASSERT_TRUE(doc.Finish().ok()) << doc.Finish().ToString();
  ASSERT_TRUE(erp.webhook.has_value());
  EXPECT_TRUE(erp.webhook->endpoint.tls);
  EXPECT_EQ(erp.webhook->endpoint.port, 8443);
  EXPECT_EQ(erp.webhook->endpoint.ca_file, "/etc/erp-ca.pem");
  EXPECT_EQ(erp.webhook->path, "/actuals");
}

}  // namespace
}  // namespace gantry::enterprise
