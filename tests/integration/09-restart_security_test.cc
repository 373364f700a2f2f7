// 09: credentials and the audit trail across a restart of the process. One `gantry demo` logs in
// an admin (session cookie + CSRF token) and creates an API token through the API; it is stopped
// (SIGTERM) and a second process starts on the same data folder: the cookie, its CSRF token and
// the API token still work, a write toward a PLC without `writes: enabled` is refused (409) and
// recorded, and `gantry audit verify` is clean. Then the trail is tampered with
// from outside: deleting its newest record, and editing one, are both named by `audit verify`.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

int PortOf(const testing::Child& demo) {
  std::smatch m;
  const std::string out = demo.Output();
  std::regex re("Gantry is running: http://127\\.0\\.0\\.1:([0-9]+)/");
  return std::regex_search(out, m, re) ? std::stoi(m[1]) : 0;
}

std::unique_ptr<testing::Child> StartDemo(const std::string& data) {
  auto demo = std::make_unique<testing::Child>(std::vector<std::string>{
      GANTRY_EXE, "demo", "--port", "0", "--sim-port", "0", "--data", data});
  EXPECT_TRUE(demo->WaitForOutput("Gantry is running", 60s)) << demo->Output();
  return demo;
}

testing::RunResult Verify(const std::string& data) {
  return testing::RunToCompletion({GANTRY_EXE, "audit", "verify", "--data", data}, 30s);
}

void Sql(const std::string& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  sqlite3_close(db);
}

int64_t NewestSeq(const std::string& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) return 0;
  sqlite3_stmt* s = nullptr;
  int64_t seq = 0;
  if (sqlite3_prepare_v2(db, "SELECT max(seq) FROM audit", -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    seq = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return seq;
}

TEST(RestartSecurity, CookieCsrfAndTokenSurviveASecondProcessAndTheTrailVerifies) {
  const std::string data = "/tmp/gantry-restart-test-" + std::to_string(getpid());
  std::filesystem::remove_all(data);

  // First process: log in, create a token with the session.
  std::string cookie, csrf, token;
  {
    std::unique_ptr<testing::Child> demo = StartDemo(data);
    const int port = PortOf(*demo);
    ASSERT_GT(port, 0);
    std::ifstream in(data + "/demo-credentials.json");
    std::stringstream text;
    text << in.rdbuf();
    const json creds = json::parse(text.str(), nullptr, false);
    ASSERT_TRUE(creds.is_object()) << text.str();
    const std::string login =
        json{{"user", "admin"}, {"password", creds["password"].get<std::string>()}}.dump();
    testing::HttpReply session =
        testing::HttpRequest(port, "POST", "/api/v1/session", login, "", false);
    ASSERT_EQ(session.status, 200) << session.body;
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(session.headers, m,
                          std::regex("Set-Cookie: (gantry_session=[^;\r\n]*)", std::regex::icase)))
        << session.headers;
    cookie = "Cookie: " + std::string(m[1]) + "\r\n";
    csrf = json::parse(session.body)["csrf"];
    testing::HttpReply created = testing::HttpRequest(
        port, "POST", "/api/v1/tokens", R"({"name":"restart-probe","role":"viewer"})",
        cookie + "X-CSRF-Token: " + csrf + "\r\n", false);
    ASSERT_EQ(created.status, 201) << created.body;
    token = json::parse(created.body)["token"];
    ASSERT_FALSE(token.empty());
    demo->Signal(SIGTERM);
    ASSERT_EQ(demo->Wait(30s), 0) << demo->Output();
  }

  // Second process on the same folder: nothing has to be done again.
  {
    std::unique_ptr<testing::Child> demo = StartDemo(data);
    const int port = PortOf(*demo);
    ASSERT_GT(port, 0);
    testing::HttpReply who =
        testing::HttpRequest(port, "GET", "/api/v1/session", "", cookie, false);
    ASSERT_EQ(who.status, 200) << who.body;
    EXPECT_EQ(json::parse(who.body)["user"], "admin") << who.body;
    EXPECT_EQ(json::parse(who.body)["csrf"], csrf) << "the CSRF token is the same after a restart";
    // A state change with the old cookie and its CSRF token is accepted ...
    EXPECT_EQ(testing::HttpRequest(port, "POST", "/api/v1/tokens",
                                   R"({"name":"after-restart","role":"viewer"})",
                                   cookie + "X-CSRF-Token: " + csrf + "\r\n", false)
                  .status,
              201);
    // A write toward a machine whose device does not allow writes (the demo's PLCs) is a clear
    // refusal, and is recorded like every attempt.
    testing::HttpReply write = testing::HttpRequest(
        port, "POST", "/api/v1/tags/acme/plant1/packaging/line1/filler/speed/write",
        R"({"value": 90})", cookie + "X-CSRF-Token: " + csrf + "\r\n", false);
    EXPECT_EQ(write.status, 409) << write.body;
    EXPECT_NE(write.body.find("writes: enabled"), std::string::npos) << write.body;
    testing::HttpReply trail =
        testing::HttpRequest(port, "GET", "/api/v1/audit?limit=5", "", cookie, false);
    EXPECT_NE(trail.body.find("filler/speed/write"), std::string::npos) << trail.body;
    EXPECT_NE(trail.body.find("\"outcome\":\"409\""), std::string::npos) << trail.body;
    // ... and the token made by the first process reads.
    EXPECT_EQ(testing::HttpRequest(port, "GET", "/api/v1/tags", "",
                                   "Authorization: Bearer " + token + "\r\n", false)
                  .status,
              200);
    demo->Signal(SIGTERM);
    ASSERT_EQ(demo->Wait(30s), 0) << demo->Output();
  }

  testing::RunResult clean = Verify(data);
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_NE(clean.output.find("audit trail intact"), std::string::npos) << clean.output;

  // Deleting the newest record leaves a valid chain, but not a valid head: it is named.
  const std::string trail = data + "/audit.sqlite";
  const int64_t newest = NewestSeq(trail);
  ASSERT_GT(newest, 3);
  Sql(trail, "DELETE FROM audit WHERE seq=" + std::to_string(newest));
  testing::RunResult truncated = Verify(data);
  EXPECT_EQ(truncated.exit_code, 1) << truncated.output;
  EXPECT_NE(truncated.output.find("record " + std::to_string(newest) + " is missing"),
            std::string::npos)
      << truncated.output;
  // An edited record is named too.
  Sql(trail, "UPDATE audit SET outcome='tampered' WHERE seq=2");
  testing::RunResult edited = Verify(data);
  EXPECT_EQ(edited.exit_code, 1) << edited.output;
  EXPECT_NE(edited.output.find("record 2"), std::string::npos) << edited.output;
  std::filesystem::remove_all(data);
}

}  // namespace
}  // namespace gantry
