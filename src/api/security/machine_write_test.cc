// POST /api/v1/tags/{path}/write through the real server and gate: only engineer (and admin) may
// write, one-way mode refuses everyone, every attempt lands in the audit trail with who, tag,
// value and outcome; bad input names the field; a device's refusal is a clear 409/422/503.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "api/api_routes.h"
#include "api/http_server.h"
#include "api/security/audit_log.h"
#include "api/security/credential_store.h"
#include "api/security/security_gate.h"
#include "api/tag_write_routes.h"

namespace gantry::security {
namespace {

constexpr const char* kSpeed = "acme/plant1/line1/filler/speed_setpoint";

// One request on a fresh loopback connection; the status and the body (5 s at most).
std::pair<int, std::string> Post(uint16_t port, const std::string& target, const std::string& body,
                                 const std::string& token) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {0, ""};
  }
  std::string req =
      "POST " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
      (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") +
      "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (out.size() < 12) return {0, out};
  const size_t end = out.find("\r\n\r\n");
  return {std::atoi(out.substr(9, 3).c_str()), end == std::string::npos ? "" : out.substr(end + 4)};
}

class MachineWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("gantry-write-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::create_directories(dir_);
    std::vector<TagConfig> tags(2);
    tags[0].path = kSpeed;
    tags[1].path = "acme/plant1/line1/filler/recipe";
    tags[1].type = ValueType::kString;
    registry_ = std::move(TagRegistry::Build(std::move(tags))).value();
    values_ = std::make_unique<CurrentValues>(registry_.size());
    store_ = std::move(CredentialStore::Open(dir_ + "/security.sqlite")).value();
    audit_ = std::move(AuditLog::Open(dir_, 0)).value();
    for (Role r : {Role::kViewer, Role::kOperator, Role::kEngineer, Role::kAdmin})
      tokens_[static_cast<int>(r)] =
          std::move(store_->CreateToken(std::string(RoleName(r)), r, 0, 0)).value().secret;
  }
  void TearDown() override {
    if (server_) server_->Stop();
    std::filesystem::remove_all(dir_);
  }
  void Start(bool one_way) {
    ApiOptions options;
    options.port = 0;
    GateOptions g;
    g.one_way = one_way;
    options.guard = std::make_shared<SecurityGate>(store_, audit_, PolicyTable::Build({}), g);
    ApiContext ctx;
    ctx.registry = &registry_;
    ctx.values = values_.get();
    ctx.modules.push_back(TagWriteRoutes(registry_, [this](TagId tag, const Value& v) {
      std::lock_guard lock(mu_);
      written_.emplace_back(tag, v);
      return answer_;
    }));
    auto started = ApiServer::Start(options, ctx);
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(started).value();
  }
  std::pair<int, std::string> Write(Role role, const std::string& body,
                                    const std::string& tag = kSpeed) {
    return Post(server_->port(), "/api/v1/tags/" + tag + "/write", body,
                tokens_[static_cast<int>(role)]);
  }
  AuditRecord Newest() {
    auto list = std::move(audit_->List(1)).value();
    return list.empty() ? AuditRecord{} : list.front();
  }
  size_t Written() {
    std::lock_guard lock(mu_);
    return written_.size();
  }

  std::string dir_;
  TagRegistry registry_;
  std::unique_ptr<CurrentValues> values_;
  std::shared_ptr<CredentialStore> store_;
  std::shared_ptr<AuditLog> audit_;
  std::string tokens_[6];
  std::unique_ptr<ApiServer> server_;
  std::mutex mu_;
  std::vector<std::pair<TagId, Value>> written_;  // guarded by mu_
  Status answer_ = Status::Ok();
};

TEST_F(MachineWrite, AnEngineerWritesAndTheTrailNamesWhoTagValueAndOutcome) {
  Start(false);
  auto [status, body] = Write(Role::kEngineer, R"({"value": 42.5})");
  ASSERT_EQ(status, 200) << body;
  EXPECT_NE(body.find("\"written\":true"), std::string::npos) << body;
  ASSERT_EQ(Written(), 1u);
  EXPECT_EQ(written_[0].first, 0u);
  EXPECT_EQ(written_[0].second, Value(42.5));
  AuditRecord r = Newest();
  EXPECT_EQ(r.who, "token:engineer");
  EXPECT_EQ(r.role, "engineer");
  EXPECT_EQ(r.remote, "127.0.0.1");
  EXPECT_EQ(r.target, std::string("/api/v1/tags/") + kSpeed + "/write");
  EXPECT_NE(r.detail.find("42.5"), std::string::npos) << r.detail;
  EXPECT_EQ(r.outcome, "200");
  EXPECT_TRUE(audit_->Verify().ok());
}

TEST_F(MachineWrite, ViewersAndOperatorsAreRefusedAndTheAttemptIsRecorded) {
  Start(false);
  for (Role role : {Role::kViewer, Role::kOperator}) {
    auto [status, body] = Write(role, R"({"value": 1})");
    EXPECT_EQ(status, 403) << RoleName(role) << ": " << body;
    EXPECT_NE(body.find("it needs 'engineer'"), std::string::npos) << body;
    AuditRecord r = Newest();
    EXPECT_EQ(r.who, "token:" + std::string(RoleName(role)));
    EXPECT_EQ(r.outcome, "403");
    EXPECT_NE(r.detail.find("\"value\": 1"), std::string::npos) << r.detail;
  }
  EXPECT_EQ(
      Post(server_->port(), std::string("/api/v1/tags/") + kSpeed + "/write", R"({"value": 1})", "")
          .first,
      401);
  EXPECT_EQ(Newest().outcome, "401");
  EXPECT_EQ(Written(), 0u);
  auto [admin, body] = Write(Role::kAdmin, R"({"value": 3})");
  EXPECT_EQ(admin, 200) << body;
}

TEST_F(MachineWrite, OneWayModeRefusesEvenAnAdminAndRecordsIt) {
  Start(true);
  auto [status, body] = Write(Role::kAdmin, R"({"value": 42.5})");
  EXPECT_EQ(status, 403) << body;
  EXPECT_NE(body.find("one-way mode"), std::string::npos) << body;
  EXPECT_EQ(Written(), 0u);
  AuditRecord r = Newest();
  EXPECT_EQ(r.who, "token:admin");
  EXPECT_EQ(r.outcome, "403");
  EXPECT_NE(r.target.find(kSpeed), std::string::npos);
}

TEST_F(MachineWrite, BadInputNamesTheField) {
  Start(false);
  struct Case {
    std::string body;
    std::string tag;
    int status;
    std::string parameter;
  };
  const std::vector<Case> cases = {
      {"", kSpeed, 400, "value"},
      {"not json", kSpeed, 400, "value"},
      {"{}", kSpeed, 400, "value"},
      {R"({"value": "fast"})", kSpeed, 400, "value"},
      {R"({"value": 12.5})", "acme/plant1/line1/filler/recipe", 400, "value"},
      {R"({"value": 1, "setpoint": 2})", kSpeed, 400, "setpoint"},
      {R"({"value": 1})", "acme/plant1/line1/nothing", 404, "path"},
  };
  for (const Case& c : cases) {
    auto [status, body] = Write(Role::kEngineer, c.body, c.tag);
    EXPECT_EQ(status, c.status) << c.body << ": " << body;
    EXPECT_NE(body.find("\"parameter\":\"" + c.parameter + "\""), std::string::npos)
        << c.body << ": " << body;
    EXPECT_EQ(Newest().outcome, std::to_string(c.status));
  }
  EXPECT_EQ(Written(), 0u);
  auto [status, body] =
      Write(Role::kEngineer, R"({"value": "R-17"})", "acme/plant1/line1/filler/recipe");
  EXPECT_EQ(status, 200) << body;
}

TEST_F(MachineWrite, ADevicesRefusalIsAClearConflictOrUnprocessable) {
  Start(false);
  const std::vector<std::pair<Status, int>> cases = {
      {PermissionDenied("filler-plc: writes are disabled for this device"), 409},
      {PermissionDenied("filler-plc: this node runs in one-way mode"), 409},
      {FailedPrecondition("filler-plc: this device's connector cannot write values"), 422},
      {FailedPrecondition("filler-plc: the server refused: BadNotWritable"), 422},
      {Unavailable("filler-plc: connection refused"), 503},
  };
  for (const auto& [answer, expected] : cases) {
    answer_ = answer;
    auto [status, body] = Write(Role::kEngineer, R"({"value": 7})");
    EXPECT_EQ(status, expected) << body;
    EXPECT_NE(body.find(answer.message()), std::string::npos) << body;
    EXPECT_NE(body.find(kSpeed), std::string::npos) << body;
    EXPECT_EQ(Newest().outcome, std::to_string(expected));
  }
}

TEST(MachineWriteRoute, IsInThePolicyTableAsAnEngineerMachineCommand) {
  TagRegistry registry = std::move(TagRegistry::Build({})).value();
  PolicyTable policy = PolicyTable::Build({TagWriteRoutes(registry, nullptr)});
  RouteRule rule = policy.Decide("POST", "/api/v1/tags/acme/plant1/line1/filler/speed/write");
  EXPECT_EQ(rule.min, Role::kEngineer);
  EXPECT_TRUE(rule.commands_machine);
  EXPECT_EQ(rule.pattern, "/api/v1/tags/{path}/write");
  // Reading a tag stays a viewer's route.
  EXPECT_EQ(policy.Decide("GET", "/api/v1/tags/acme/plant1/line1/filler/speed").min, Role::kViewer);
}

}  // namespace
}  // namespace gantry::security
