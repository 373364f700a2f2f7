// 10: commissioning an OPC UA PLC from the command line, as an engineer does: `gantry opcua
// browse` against node-opcua (tests/interop) names the security it uses and warns under None;
// under Basic256Sha256 an unknown server is refused with the mv that trusts it, and after that mv
// the same command browses over SignAndEncrypt with a certificate from `gantry opcua cert`.
#include <gtest/gtest.h>

#include <filesystem>

#include "field/opcua/interop_peer.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(OpcUaBrowseCli, SecurityNoneIsNamedAndWarnedAbout) {
  opcua::testing::OpcUaPeer peer;
  if (!peer.ready()) GTEST_SKIP() << peer.why_not();
  auto run = testing::RunToCompletion(
      {GANTRY_EXE, "opcua", "browse", peer.endpoint_url(), "--security", "none", "--depth", "2"},
      60s);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find(peer.endpoint_url() +
                            "  (security None (messages neither signed nor encrypted), start i=85"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("[warning] OPC UA " + peer.endpoint_url() +
                            ": secure channel uses SecurityPolicy None, as configured"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("2:Line1  Object"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("2:Counter  Variable  Int32"), std::string::npos) << run.output;
}

TEST(OpcUaBrowseCli, UnknownServerIsRefusedThenBrowsedUnderSignAndEncryptOnceTrusted) {
  opcua::testing::OpcUaPeer peer(90s, "opcua_secure_server.js", "opcua-browse-cli-server-pki");
  if (!peer.ready()) GTEST_SKIP() << peer.why_not();
  const fs::path pki = fs::path(GANTRY_BINARY_DIR) / "opcua-browse-cli-pki";
  fs::remove_all(pki);
  auto cert = testing::RunToCompletion(
      {GANTRY_EXE, "opcua", "cert", "--uri", "urn:acme:p1:gantry", "--out", pki.string()}, 60s);
  ASSERT_EQ(cert.exit_code, 0) << cert.output;
  const std::vector<std::string> browse = {
      GANTRY_EXE,       "opcua", "browse",     peer.endpoint_url(), "--security",
      "Basic256Sha256", "--pki", pki.string(), "--depth",           "1"};

  auto refused = testing::RunToCompletion(browse, 60s);
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("is not trusted"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("mv '"), std::string::npos) << refused.output;
  size_t rejected = 0;
  for (const auto& entry : fs::directory_iterator(pki / "rejected")) {
    fs::rename(entry.path(), pki / "trusted" / entry.path().filename());  // the operator's mv
    ++rejected;
  }
  ASSERT_EQ(rejected, 1u) << refused.output;

  auto trusted = testing::RunToCompletion(browse, 60s);
  ASSERT_EQ(trusted.exit_code, 0) << trusted.output;
  EXPECT_NE(trusted.output.find("  (security Basic256Sha256/SignAndEncrypt, start i=85"),
            std::string::npos)
      << trusted.output;
  EXPECT_EQ(trusted.output.find("SecurityPolicy None"), std::string::npos) << trusted.output;
  EXPECT_NE(trusted.output.find("2:Line1  Object"), std::string::npos) << trusted.output;
}

}  // namespace
}  // namespace gantry
