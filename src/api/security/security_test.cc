// Unit tests of API security: the policy table, credentials, the audit chain and the gate.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/security/audit_log.h"
#include "api/security/credential_store.h"
#include "api/security/policy.h"
#include "api/security/security_gate.h"

namespace gantry::security {
namespace {

std::string TempDir(const std::string& name) {
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("gantry-sec-" + name + "-" + std::to_string(getpid())))
                        .string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void Sql(const std::string& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST(SecurityPolicy, PatternsMatchOneOrMoreSegments) {
  EXPECT_TRUE(MatchPattern("/api/v1/tags/{path}", "/api/v1/tags/acme/plant1/speed"));
  EXPECT_FALSE(MatchPattern("/api/v1/tags/{path}", "/api/v1/tags/"));
  EXPECT_FALSE(MatchPattern("/api/v1/tags/{path}", "/api/v1/tags"));
  EXPECT_TRUE(MatchPattern("/api/v1/equipment/{path}/state", "/api/v1/equipment/a/b/state"));
  EXPECT_FALSE(MatchPattern("/api/v1/equipment/{path}/state", "/api/v1/equipment/state"));
}

TEST(SecurityPolicy, MostSpecificRowDecides) {
  PolicyTable t = PolicyTable::Build({});
  EXPECT_EQ(t.Decide("GET", "/api/v1/tags/a/b/history").pattern, "/api/v1/tags/{path}/history");
  EXPECT_EQ(t.Decide("GET", "/api/v1/tags/a/b").pattern, "/api/v1/tags/{path}");
  EXPECT_EQ(t.Decide("HEAD", "/api/v1/tags").min, Role::kViewer);
  EXPECT_EQ(t.Decide("GET", "/api/v1/tags/").min, Role::kViewer);
  EXPECT_EQ(t.Decide("POST", "/api/v1/downtime/assign").min, Role::kOperator);
  EXPECT_EQ(t.Decide("GET", "/health").min, Role::kPublic);
  RouteRule unknown = t.Decide("GET", "/api/v1/secret-backdoor");
  EXPECT_FALSE(unknown.listed);
  EXPECT_EQ(unknown.min, Role::kAdmin);
  // A POST to a read-only route is not a viewer's either.
  EXPECT_EQ(t.Decide("POST", "/api/v1/tags").min, Role::kAdmin);
}

TEST(SecurityPolicy, ModuleRolesAndTheStaticModule) {
  RouteModule erp{"enterprise",
                  {{"POST", "/api/v1/orders", "Import orders", "integration"},
                   {"GET", "/api/v1/orders/{id}", "One order", "viewer"},
                   {"POST", "/api/v1/mystery", "No role given"}},
                  nullptr};
  RouteModule web{
      "static", {{"GET", "/", "Dashboard"}, {"GET", "/assets/{file}", "Assets"}}, nullptr};
  PolicyTable t = PolicyTable::Build({erp, web});
  EXPECT_EQ(t.Decide("POST", "/api/v1/orders").min, Role::kIntegration);
  EXPECT_EQ(t.Decide("GET", "/api/v1/orders/42").min, Role::kViewer);
  EXPECT_EQ(t.Decide("POST", "/api/v1/mystery").min, Role::kAdmin);
  EXPECT_EQ(t.Decide("GET", "/").min, Role::kPublic);
  EXPECT_EQ(t.Decide("GET", "/assets/app.js").min, Role::kPublic);
}

TEST(SecurityPolicy, RoleLadderAndIntegration) {
  EXPECT_TRUE(Allows(Role::kOperator, Role::kViewer));
  EXPECT_FALSE(Allows(Role::kViewer, Role::kOperator));
  EXPECT_TRUE(Allows(Role::kAdmin, Role::kIntegration));
  EXPECT_TRUE(Allows(Role::kIntegration, Role::kViewer));
  EXPECT_FALSE(Allows(Role::kIntegration, Role::kOperator));
  EXPECT_FALSE(Allows(Role::kEngineer, Role::kIntegration));
  EXPECT_FALSE(Allows(Role::kPublic, Role::kViewer));
  EXPECT_TRUE(Allows(Role::kPublic, Role::kPublic));
}

TEST(CredentialStore, PasswordsAndTokensAreStoredOnlyAsHashes) {
  const std::string dir = TempDir("store");
  auto store = std::move(CredentialStore::Open(dir + "/security.sqlite")).value();
  Result<std::string> pw = store->EnsureAdmin("admin", 1);
  ASSERT_TRUE(pw.ok());
  ASSERT_GE(pw->size(), 16u);
  EXPECT_EQ(*store->EnsureAdmin("admin", 2), "");  // only on the first start
  EXPECT_TRUE(store->CheckPassword("admin", *pw).ok());
  EXPECT_FALSE(store->CheckPassword("admin", *pw + "x").ok());
  EXPECT_FALSE(store->CheckPassword("nobody", *pw).ok());

  NewToken t = std::move(store->CreateToken("grafana", Role::kViewer, 0, 10)).value();
  EXPECT_EQ(t.secret.rfind("gnt_", 0), 0u);
  Result<Principal> p = store->CheckToken(t.secret, 20);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "token:grafana");
  EXPECT_EQ(p->role, Role::kViewer);
  std::string tampered = t.secret;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(store->CheckToken(tampered, 20).ok());

  std::stringstream bytes;  // the database and its write-ahead log
  for (const char* f : {"/security.sqlite", "/security.sqlite-wal"}) {
    std::ifstream raw(dir + f, std::ios::binary);
    bytes << raw.rdbuf();
  }
  EXPECT_EQ(bytes.str().find(t.secret), std::string::npos);
  EXPECT_EQ(bytes.str().find(*pw), std::string::npos);
  EXPECT_NE(bytes.str().find("$argon2id$"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(CredentialStore, ExpiredAndRevokedTokensAreRefused) {
  const std::string dir = TempDir("tokens");
  auto store = std::move(CredentialStore::Open(dir + "/security.sqlite")).value();
  NewToken shortlived = std::move(store->CreateToken("short", Role::kOperator, 100, 0)).value();
  EXPECT_TRUE(store->CheckToken(shortlived.secret, 99).ok());
  EXPECT_EQ(store->CheckToken(shortlived.secret, 100).status().message(), "expired token");
  NewToken t = std::move(store->CreateToken("ci", Role::kAdmin, 0, 0)).value();
  EXPECT_EQ(store->CreateToken("ci", Role::kAdmin, 0, 0).status().code(),
            StatusCode::kAlreadyExists);
  ASSERT_TRUE(store->RevokeToken("ci").ok());
  EXPECT_EQ(store->CheckToken(t.secret, 1).status().message(), "revoked token");
  EXPECT_EQ(store->RevokeToken("ci").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->CreateToken("ci", Role::kAdmin, 0, 0).ok());  // the name is free again
  EXPECT_EQ(store->CreateToken("bad name!", Role::kViewer, 0, 0).status().code(),
            StatusCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

TEST(CredentialStore, TheLastAdminCannotBeRemoved) {
  const std::string dir = TempDir("users");
  auto store = std::move(CredentialStore::Open(dir + "/security.sqlite")).value();
  ASSERT_TRUE(store->AddUser("anna", Role::kAdmin, "correct horse battery", 0).ok());
  EXPECT_EQ(store->AddUser("bob", Role::kOperator, "short", 0).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(store->AddUser("bob", Role::kOperator, "long enough pass", 0).ok());
  EXPECT_EQ(store->RemoveUser("anna").code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store->RemoveUser("bob").ok());
  std::filesystem::remove_all(dir);
}

class AuditChain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("audit");
    log_ = std::move(AuditLog::Open(dir_, 0)).value();
    for (int i = 1; i <= 5; ++i)
      ASSERT_TRUE(log_->Append({i * kSecond, "alice", "operator", "127.0.0.1",
                                "POST /api/v1/downtime/assign", "line1", "200",
                                "reason " + std::to_string(i), 0, ""})
                      .ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditChain, AnIntactTrailVerifies) {
  Result<int64_t> n = log_->Verify();
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 5);
  auto newest = std::move(log_->List(2)).value();
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].seq, 5);
  EXPECT_EQ(newest[1].detail, "reason 4");
}

TEST_F(AuditChain, AnEditedRecordIsNamed) {
  Sql(dir_ + "/audit.sqlite", "UPDATE audit SET outcome='403' WHERE seq=3");
  Result<int64_t> n = log_->Verify();
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("record 3"), std::string::npos) << n.status().message();
  EXPECT_NE(n.status().message().find("edited"), std::string::npos);
}

TEST_F(AuditChain, ADeletedRecordIsNamed) {
  Sql(dir_ + "/audit.sqlite", "DELETE FROM audit WHERE seq=2");
  Result<int64_t> n = log_->Verify();
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("record 2 is missing"), std::string::npos)
      << n.status().message();
}

TEST_F(AuditChain, ATruncatedTrailIsNamed) {
  Sql(dir_ + "/audit.sqlite", "DELETE FROM audit WHERE seq=5");
  Result<int64_t> n = log_->Verify();
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("record 5 is missing"), std::string::npos)
      << n.status().message();
}

TEST_F(AuditChain, TheHeadIsKeptOutsideTheDatabaseAndReplacedWhole) {
  std::ifstream in(dir_ + "/audit.head");
  int64_t seq = 0;
  std::string hash;
  ASSERT_TRUE(in >> seq >> hash);
  EXPECT_EQ(seq, 5);
  EXPECT_EQ(hash, std::move(log_->List(1)).value().front().hash);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/audit.head.tmp"));
}

TEST_F(AuditChain, DeletingTheNewestRecordsIsNamed) {
  Sql(dir_ + "/audit.sqlite", "DELETE FROM audit WHERE seq>=4");
  Result<int64_t> n = log_->Verify();
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("record 4 to 5 are missing (deleted from the end)"),
            std::string::npos)
      << n.status().message();
}

TEST_F(AuditChain, AHeadRolledBackOrMissingIsReported) {
  const std::string hash3 = std::move(log_->List(1, 4)).value().front().hash;
  {
    std::ofstream head(dir_ + "/audit.head", std::ios::trunc);
    head << 3 << ' ' << hash3 << '\n';
  }
  Result<int64_t> behind = log_->Verify();
  ASSERT_FALSE(behind.ok());
  EXPECT_NE(behind.status().message().find("record 4 was added behind the head's back"),
            std::string::npos)
      << behind.status().message();
  {
    std::ofstream head(dir_ + "/audit.head", std::ios::trunc);
    head << 5 << ' ' << hash3 << '\n';
  }
  Result<int64_t> replaced = log_->Verify();
  ASSERT_FALSE(replaced.ok());
  EXPECT_NE(replaced.status().message().find("record 5: it does not match the recorded head"),
            std::string::npos)
      << replaced.status().message();
  std::filesystem::remove(dir_ + "/audit.head");
  Result<int64_t> missing = log_->Verify();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("head file"), std::string::npos);
}

TEST_F(AuditChain, ARewrittenChainStillBreaksAtTheFirstEdit) {
  // Renumbering after a deletion does not help: the links no longer match.
  Sql(dir_ + "/audit.sqlite",
      "DELETE FROM audit WHERE seq=2; UPDATE audit SET seq=seq-1 WHERE seq>2;");
  Result<int64_t> n = log_->Verify();
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("record 2"), std::string::npos) << n.status().message();
}

class Gate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("gate");
    store_ = std::move(CredentialStore::Open(dir_ + "/security.sqlite")).value();
    audit_ = std::move(AuditLog::Open(dir_, 0)).value();
    ASSERT_TRUE(store_->AddUser("olga", Role::kOperator, "operator password", 0).ok());
    GateOptions options;
    options.user_failures_to_lock = 3;
    gate_ = std::make_unique<SecurityGate>(store_, audit_, PolicyTable::Build({}), options);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  GateDecision Ask(std::string_view method, std::string_view path, std::string_view body = {},
                   std::string_view auth = {}, std::string_view cookie = {},
                   std::string_view csrf = {}) {
    return gate_->Decide(Incoming{method, path, body, auth, cookie, csrf, "127.0.0.9", now_});
  }

  std::string dir_;
  std::shared_ptr<CredentialStore> store_;
  std::shared_ptr<AuditLog> audit_;
  std::unique_ptr<SecurityGate> gate_;
  Timestamp now_ = 1000 * kSecond;
};

TEST_F(Gate, NoCredentialIs401ButHealthIsOpen) {
  EXPECT_EQ(Ask("GET", "/api/v1/tags").reply->status, 401u);
  EXPECT_FALSE(Ask("GET", "/health").reply.has_value());
}

TEST_F(Gate, LoginGivesACookieAndStateChangesNeedTheCsrfHeader) {
  GateDecision login =
      Ask("POST", "/api/v1/session", R"({"user":"olga","password":"operator password"})");
  ASSERT_EQ(login.reply->status, 200u) << login.reply->body;
  std::string cookie;
  for (const auto& [k, v] : login.reply->headers)
    if (k == "Set-Cookie") cookie = v;
  ASSERT_NE(cookie.find("HttpOnly; SameSite=Strict; Path=/"), std::string::npos);
  cookie = cookie.substr(0, cookie.find(';'));
  const std::string body = login.reply->body;
  const size_t at = body.find("\"csrf\":\"") + 8;
  const std::string csrf = body.substr(at, body.find('"', at) - at);

  EXPECT_FALSE(Ask("GET", "/api/v1/tags", {}, {}, cookie).reply.has_value());
  EXPECT_EQ(Ask("GET", "/api/v1/session", {}, {}, cookie).reply->status, 200u);
  GateDecision no_csrf = Ask("POST", "/api/v1/downtime/assign", "{}", {}, cookie);
  ASSERT_TRUE(no_csrf.reply);
  EXPECT_EQ(no_csrf.reply->status, 403u);
  EXPECT_FALSE(Ask("POST", "/api/v1/downtime/assign", "{}", {}, cookie, csrf).reply.has_value());
  // An operator is no admin.
  EXPECT_EQ(Ask("GET", "/api/v1/audit", {}, {}, cookie).reply->status, 403u);
  // Logout ends the session.
  EXPECT_EQ(Ask("DELETE", "/api/v1/session", {}, {}, cookie, csrf).reply->status, 200u);
  EXPECT_EQ(Ask("GET", "/api/v1/tags", {}, {}, cookie).reply->status, 401u);
}

// The cookie and CSRF value of a successful login reply.
struct LoggedIn {
  std::string cookie;
  std::string csrf;
};
LoggedIn FromLogin(const GateDecision& login) {
  LoggedIn out;
  if (!login.reply) return out;
  for (const auto& [k, v] : login.reply->headers)
    if (k == "Set-Cookie") out.cookie = v.substr(0, v.find(';'));
  const std::string& body = login.reply->body;
  const size_t at = body.find("\"csrf\":\"") + 8;
  out.csrf = body.substr(at, body.find('"', at) - at);
  return out;
}

TEST_F(Gate, SessionsSurviveARestartAndLogoutAfterItWorks) {
  LoggedIn olga = FromLogin(
      Ask("POST", "/api/v1/session", R"({"user":"olga","password":"operator password"})"));
  ASSERT_FALSE(olga.cookie.empty());
  EXPECT_FALSE(Ask("GET", "/api/v1/tags", {}, {}, olga.cookie).reply.has_value());

  // Restart: a new store and gate over the same file; nothing kept in memory.
  gate_.reset();
  store_.reset();
  store_ = std::move(CredentialStore::Open(dir_ + "/security.sqlite")).value();
  gate_ = std::make_unique<SecurityGate>(store_, audit_, PolicyTable::Build({}), GateOptions{});
  now_ += 5 * kMinute;

  GateDecision read = Ask("GET", "/api/v1/tags", {}, {}, olga.cookie);
  EXPECT_FALSE(read.reply.has_value()) << read.reply->body;
  EXPECT_EQ(read.principal.name, "olga");
  EXPECT_EQ(read.principal.role, Role::kOperator);
  // The same CSRF value is told again and still opens changes.
  GateDecision info = Ask("GET", "/api/v1/session", {}, {}, olga.cookie);
  ASSERT_EQ(info.reply->status, 200u);
  EXPECT_NE(info.reply->body.find(olga.csrf), std::string::npos) << info.reply->body;
  EXPECT_EQ(Ask("POST", "/api/v1/downtime/assign", "{}", {}, olga.cookie).reply->status, 403u);
  EXPECT_FALSE(
      Ask("POST", "/api/v1/downtime/assign", "{}", {}, olga.cookie, olga.csrf).reply.has_value());

  // Logout after the restart ends it for good, in memory and in the store.
  EXPECT_EQ(Ask("DELETE", "/api/v1/session", {}, {}, olga.cookie, olga.csrf).reply->status, 200u);
  EXPECT_EQ(Ask("GET", "/api/v1/tags", {}, {}, olga.cookie).reply->status, 401u);
  EXPECT_EQ(*store_->SessionCount(), 0u);

  // Only hashes are at rest: neither the cookie nor the CSRF value is in the file.
  std::stringstream bytes;
  for (const char* f : {"/security.sqlite", "/security.sqlite-wal"}) {
    std::ifstream raw(dir_ + f, std::ios::binary);
    bytes << raw.rdbuf();
  }
  EXPECT_EQ(bytes.str().find(olga.cookie.substr(olga.cookie.find('=') + 1)), std::string::npos);
  EXPECT_EQ(bytes.str().find(olga.csrf), std::string::npos);
}

TEST_F(Gate, EndedSessionsArePrunedFromTheStore) {
  LoggedIn first = FromLogin(
      Ask("POST", "/api/v1/session", R"({"user":"olga","password":"operator password"})"));
  LoggedIn second = FromLogin(
      Ask("POST", "/api/v1/session", R"({"user":"olga","password":"operator password"})"));
  EXPECT_EQ(*store_->SessionCount(), 2u);
  // An hour later both are idle past 30 min: using one ends it; the next login prunes the other.
  now_ += kHour;
  EXPECT_EQ(Ask("GET", "/api/v1/tags", {}, {}, first.cookie).reply->status, 401u);
  EXPECT_EQ(*store_->SessionCount(), 1u);
  LoggedIn third = FromLogin(
      Ask("POST", "/api/v1/session", R"({"user":"olga","password":"operator password"})"));
  EXPECT_EQ(*store_->SessionCount(), 1u) << "only the new session is left";
  EXPECT_EQ(Ask("GET", "/api/v1/tags", {}, {}, second.cookie).reply->status, 401u);
  EXPECT_FALSE(Ask("GET", "/api/v1/tags", {}, {}, third.cookie).reply.has_value());
  // A session in use still ends at the 12 h maximum age.
  const Timestamp born = now_;
  for (int i = 0; i < 100 && !Ask("GET", "/api/v1/tags", {}, {}, third.cookie).reply; ++i)
    now_ += 25 * kMinute;
  EXPECT_GT(now_ - born, 12 * kHour);
  EXPECT_LE(now_ - born, 12 * kHour + 25 * kMinute);
  EXPECT_EQ(*store_->PruneSessions(now_, 100), 0u);
  EXPECT_EQ(*store_->SessionCount(), 0u);
}

TEST_F(Gate, RepeatedFailuresLockTheUserAndAreCounted) {
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Ask("POST", "/api/v1/session", R"({"user":"olga","password":"wrong password"})")
                  .reply->status,
              401u);
  // Locked now: even the right password is refused for a while.
  EXPECT_EQ(Ask("POST", "/api/v1/session", R"({"user":"olga","password":"operator password"})")
                .reply->status,
            429u);
  now_ += 16 * kMinute;
  EXPECT_EQ(Ask("POST", "/api/v1/session", R"({"user":"olga","password":"operator password"})")
                .reply->status,
            200u);
  const std::string metrics = gate_->MetricsText();
  EXPECT_NE(metrics.find("gantry_api_auth_failures_total{kind=\"password\"} 3"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("gantry_api_login_lockouts_total 1"), std::string::npos);
  // Every attempt is in the audit trail, and the trail verifies.
  auto records = std::move(audit_->List(10)).value();
  EXPECT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].outcome, "ok");
  EXPECT_EQ(records[1].outcome, "locked");
  EXPECT_TRUE(audit_->Verify().ok());
}

TEST_F(Gate, BearerTokensNeedNoCsrfAndBadOnesAre401) {
  NewToken t = std::move(store_->CreateToken("robot", Role::kOperator, 0, 0)).value();
  const std::string auth = "Bearer " + t.secret;
  EXPECT_FALSE(Ask("POST", "/api/v1/downtime/assign", "{}", auth).reply.has_value());
  EXPECT_EQ(Ask("POST", "/api/v1/users", "{}", auth).reply->status, 403u);
  EXPECT_EQ(Ask("GET", "/api/v1/tags", {}, "Bearer gnt_nonsense").reply->status, 401u);
  EXPECT_EQ(Ask("GET", "/api/v1/tags", {}, "Basic YWRtaW46YWRtaW4=").reply->status, 401u);
}

}  // namespace
}  // namespace gantry::security
