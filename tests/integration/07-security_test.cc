// 07: API security of a running `gantry demo`, generated from its own route list: every route
// (built-in and every module's RouteSpec, as the OpenAPI document lists them) x {no credential,
// expired, tampered, each role} answers 401/403 or passes as the policy table says; sessions with
// CSRF, login lockout, the audit trail and its verification, and one-way mode's sockets.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

int PortFromBanner(const std::string& output) {
  std::smatch m;
  std::regex re("Gantry is running: http://127\\.0\\.0\\.1:([0-9]+)/");
  if (!std::regex_search(output, m, re)) return 0;
  return std::stoi(m[1]);
}

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str(), nullptr, false);
}

// `gantry token create` and the secret it printed.
std::string CreateToken(const std::string& data, const std::string& name, const std::string& role,
                        const std::string& expires = "") {
  std::vector<std::string> argv = {GANTRY_EXE, "token", "create", "--data",
                                   data,       name,    "--role", role};
  if (!expires.empty()) {
    argv.push_back("--expires");
    argv.push_back(expires);
  }
  testing::RunResult r = testing::RunToCompletion(argv, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  std::regex re("(gnt_[A-Za-z0-9_-]+)");
  return std::regex_search(r.output, m, re) ? std::string(m[1]) : std::string();
}

std::string Bearer(const std::string& token) {
  return "Authorization: Bearer " + token + "\r\n";
}

// A concrete path for a pattern: every {x} becomes "x".
std::string Instantiate(const std::string& pattern) {
  return std::regex_replace(pattern, std::regex("\\{[^}]*\\}"), "x");
}

bool Allows(const std::string& have, const std::string& need) {
  const std::vector<std::string> ladder = {"viewer", "operator", "engineer", "admin"};
  auto rank = [&](const std::string& r) {
    for (size_t i = 0; i < ladder.size(); ++i)
      if (ladder[i] == r) return static_cast<int>(i);
    return -1;
  };
  if (need == "public" || have == "admin") return true;
  if (have == "integration") return need == "viewer" || need == "integration";
  if (need == "integration") return false;
  return rank(have) >= rank(need);
}

std::string SetCookie(const std::string& headers) {
  std::smatch m;
  std::regex re("Set-Cookie: (gantry_session=[^;]*)([^\r\n]*)", std::regex::icase);
  return std::regex_search(headers, m, re) ? std::string(m[1]) + "|" + std::string(m[2]) : "";
}

class SecureDemo : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = "/tmp/gantry-security-test-" + std::to_string(getpid());
    std::filesystem::remove_all(data_);
    demo_ = std::make_unique<testing::Child>(
        std::vector<std::string>{GANTRY_EXE, "demo", "--port", "0", "--sim-port", "0",
                                 "--time-scale", "10", "--data", data_});
    ASSERT_TRUE(demo_->WaitForOutput("Gantry is running", 60s)) << demo_->Output();
    port_ = PortFromBanner(demo_->Output());
    ASSERT_GT(port_, 0);
    creds_ = ReadJson(data_ + "/demo-credentials.json");
    ASSERT_TRUE(creds_.is_object());
    ASSERT_EQ(std::filesystem::status(data_ + "/demo-credentials.json").permissions() &
                  std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  void TearDown() override {
    demo_.reset();
    std::filesystem::remove_all(data_);
  }

  std::string data_;
  std::unique_ptr<testing::Child> demo_;
  int port_ = 0;
  json creds_;
};

TEST_F(SecureDemo, EveryRouteAnswersEveryCredentialAsThePolicySays) {
  // The console said it once, and the file holds the same.
  EXPECT_NE(demo_->Output().find(creds_["password"].get<std::string>()), std::string::npos);
  EXPECT_NE(demo_->Output().find("demo-credentials.json"), std::string::npos);
  const std::string admin = creds_["admin_token"];
  std::map<std::string, std::string> role_tokens = {{"viewer", creds_["viewer_token"]},
                                                    {"admin", admin}};
  for (const char* role : {"operator", "engineer", "integration"})
    role_tokens[role] = CreateToken(data_, std::string("t-") + role, role);
  const std::string expired = CreateToken(data_, "t-expired", "admin", "1s");
  std::string tampered = admin;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  std::this_thread::sleep_for(1200ms);  // let t-expired expire

  testing::HttpReply doc =
      testing::HttpRequest(port_, "GET", "/api/v1/openapi.json", "", Bearer(admin), false);
  ASSERT_EQ(doc.status, 200) << doc.body;
  json api = json::parse(doc.body, nullptr, false);
  ASSERT_TRUE(api.contains("paths"));
  int checked = 0;
  for (const auto& [pattern, ops] : api["paths"].items()) {
    for (const auto& [lower, op] : ops.items()) {
      std::string method = lower;
      for (char& c : method) c = static_cast<char>(std::toupper(c));
      const std::string need = op["x-gantry-role"];
      const std::string target = Instantiate(pattern);
      const int timeout = pattern == "/api/v1/stream" ? 1500 : 5000;
      SCOPED_TRACE(method + " " + target + " needs " + need);
      auto ask = [&](const std::string& headers) {
        return testing::HttpRequest(port_, method, target, "", headers, false, timeout);
      };
      const bool session_probe = pattern == "/api/v1/session";  // answers 401 without a session
      for (const auto& [what, headers] :
           std::vector<std::pair<std::string, std::string>>{{"no credential", ""},
                                                            {"expired", Bearer(expired)},
                                                            {"tampered", Bearer(tampered)}}) {
        testing::HttpReply r = ask(headers);
        if (need == "public") {
          if (!session_probe)
            EXPECT_TRUE(r.status != 401 && r.status != 403 && r.status != 0)
                << what << ": " << r.status;
        } else {
          EXPECT_EQ(r.status, 401) << what << ": " << r.body;
        }
      }
      for (const auto& [role, token] : role_tokens) {
        testing::HttpReply r = ask(Bearer(token));
        if (Allows(role, need)) {
          if (!session_probe)
            EXPECT_TRUE(r.status != 401 && r.status != 403 && r.status != 0)
                << role << ": " << r.status << " " << r.body;
        } else {
          EXPECT_EQ(r.status, 403) << role << ": " << r.body;
        }
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 20);

  // Every pattern the router knows (its 404 lists the built-in and every module's routes) is in
  // the OpenAPI document.
  testing::HttpReply nf =
      testing::HttpRequest(port_, "GET", "/api/v1/no-such-route", "", Bearer(admin), false);
  ASSERT_EQ(nf.status, 404);
  const std::string detail = json::parse(nf.body)["detail"];
  const std::string list = detail.substr(detail.find("routes: ") + 8);
  std::stringstream names(list);
  std::string pattern;
  int listed = 0;
  while (std::getline(names, pattern, ',')) {
    while (!pattern.empty() && pattern.front() == ' ') pattern.erase(0, 1);
    if (pattern.empty() || pattern.front() != '/') continue;
    EXPECT_TRUE(api["paths"].contains(pattern)) << pattern << " is missing from openapi.json";
    ++listed;
  }
  EXPECT_GE(listed, 8);
  // The equipment state's body is described field by field, with the shift's planned bounds.
  const json& state_props = api["components"]["schemas"]["EquipmentState"]["properties"];
  EXPECT_TRUE(state_props.contains("shift_start")) << api["components"].dump();
  EXPECT_TRUE(state_props.contains("shift_end"));
  EXPECT_EQ(api["paths"]["/api/v1/equipment/{path}/state"]["get"]["responses"]["200"]["content"]
               ["application/json"]["schema"]["$ref"],
            "#/components/schemas/EquipmentState");
}

TEST_F(SecureDemo, SessionsNeedCsrfLockoutsCountAndTheAuditTrailVerifies) {
  const std::string login = json{{"user", "admin"}, {"password", creds_["password"]}}.dump();
  testing::HttpReply in = testing::HttpRequest(port_, "POST", "/api/v1/session", login, "", false);
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string cookie_line = SetCookie(in.headers);
  ASSERT_FALSE(cookie_line.empty()) << in.headers;
  const std::string cookie = cookie_line.substr(0, cookie_line.find('|'));
  EXPECT_NE(cookie_line.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie_line.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie_line.find("Secure"), std::string::npos);  // plain HTTP on loopback
  const std::string csrf = json::parse(in.body)["csrf"];
  const std::string with_cookie = "Cookie: " + cookie + "\r\n";

  EXPECT_EQ(testing::HttpRequest(port_, "GET", "/api/v1/session", "", with_cookie, false).status,
            200);
  // The stream works with the cookie alone (EventSource).
  testing::HttpReply stream =
      testing::HttpRequest(port_, "GET", "/api/v1/stream", "", with_cookie, false, 1500);
  EXPECT_EQ(stream.status, 200);
  EXPECT_NE(stream.body.find("event: value"), std::string::npos);
  // A change with the cookie needs the CSRF header.
  const std::string add = R"({"name":"olga","role":"operator","password":"operator password"})";
  EXPECT_EQ(testing::HttpRequest(port_, "POST", "/api/v1/users", add, with_cookie, false).status,
            403);
  EXPECT_EQ(testing::HttpRequest(port_, "POST", "/api/v1/users", add,
                                 with_cookie + "X-CSRF-Token: " + csrf + "\r\n", false)
                .status,
            201);

  // Repeated failures lock the user out and are counted, not logged line by line.
  const std::string wrong = R"({"user":"olga","password":"not her password"})";
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(testing::HttpRequest(port_, "POST", "/api/v1/session", wrong, "", false).status, 401);
  const std::string right = R"({"user":"olga","password":"operator password"})";
  EXPECT_EQ(testing::HttpRequest(port_, "POST", "/api/v1/session", right, "", false).status, 429);
  testing::HttpReply metrics = testing::HttpGet(port_, "/metrics");
  EXPECT_NE(metrics.body.find("gantry_api_auth_failures_total{kind=\"password\"} 5"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("gantry_api_login_lockouts_total 1"), std::string::npos);
  EXPECT_EQ(demo_->Output().find("not her password"), std::string::npos);

  // The audit trail has the logins and the change; only admin reads it.
  testing::HttpReply audit = testing::HttpGet(port_, "/api/v1/audit?limit=50");
  ASSERT_EQ(audit.status, 200) << audit.body;
  const std::string trail = audit.body;
  EXPECT_NE(trail.find("\"action\":\"POST /api/v1/users\""), std::string::npos) << trail;
  EXPECT_NE(trail.find("\"outcome\":\"denied\""), std::string::npos);
  EXPECT_NE(trail.find("\"outcome\":\"locked\""), std::string::npos);
  EXPECT_EQ(trail.find("operator password"), std::string::npos);  // never a secret
  EXPECT_EQ(
      testing::HttpRequest(port_, "GET", "/api/v1/audit", "", Bearer(creds_["viewer_token"]), false)
          .status,
      403);

  demo_->Signal(SIGTERM);
  EXPECT_EQ(demo_->Wait(30s), 0);
  testing::RunResult ok =
      testing::RunToCompletion({GANTRY_EXE, "audit", "verify", "--data", data_}, 30s);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("audit trail intact"), std::string::npos);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((data_ + "/audit.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "UPDATE audit SET outcome='ok' WHERE seq=6", nullptr, nullptr, nullptr),
      SQLITE_OK);
  testing::RunResult edited =
      testing::RunToCompletion({GANTRY_EXE, "audit", "verify", "--data", data_}, 30s);
  EXPECT_EQ(edited.exit_code, 1);
  EXPECT_NE(edited.output.find("record 6"), std::string::npos) << edited.output;
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM audit WHERE seq=3", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  testing::RunResult deleted =
      testing::RunToCompletion({GANTRY_EXE, "audit", "verify", "--data", data_}, 30s);
  EXPECT_EQ(deleted.exit_code, 1);
  EXPECT_NE(deleted.output.find("record 3 is missing"), std::string::npos) << deleted.output;
}

// The listening TCP sockets of process `pid` (local address as hex "ADDR:PORT" per /proc).
std::vector<std::string> ListeningSockets(pid_t pid) {
  std::set<std::string> inodes;
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& e : std::filesystem::directory_iterator(fd_dir)) {
    std::error_code ec;
    const std::string link = std::filesystem::read_symlink(e.path(), ec).string();
    if (!ec && link.rfind("socket:[", 0) == 0) inodes.insert(link.substr(8, link.size() - 9));
  }
  std::vector<std::string> out;
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(pid) + table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::stringstream f(line);
      std::string sl, local, remote, state, queues, tr, retr, uid, timeout, inode;
      f >> sl >> local >> remote >> state >> queues >> tr >> retr >> uid >> timeout >> inode;
      if (state == "0A" && inodes.count(inode)) out.push_back(local);
    }
  }
  return out;
}

bool IsLoopback(const std::string& hex_local) {
  const std::string addr = hex_local.substr(0, hex_local.find(':'));
  if (addr.size() == 8) return addr.substr(6, 2) == "7F";  // 127.x.x.x, little-endian
  return addr == "00000000000000000000000001000000";       // ::1
}

TEST(OneWayMode, OpensNoListenerBeyondLoopbackAndRefusesAnyOther) {
  const std::string base = "/tmp/gantry-oneway-test-" + std::to_string(getpid());
  std::filesystem::create_directories(base);
  std::ifstream demo_yaml(std::string(GANTRY_SOURCE_DIR) + "/config/demo-plant.yaml");
  std::stringstream yaml;
  yaml << demo_yaml.rdbuf();
  {
    std::ofstream out(base + "/plant.yaml");
    out << yaml.str() << "\nsecurity:\n  one_way: true\n";
  }
  testing::Child demo({GANTRY_EXE, "demo", "--config", base + "/plant.yaml", "--port", "0",
                       "--sim-port", "0", "--data", base + "/data"});
  ASSERT_TRUE(demo.WaitForOutput("Gantry is running", 60s)) << demo.Output();
  EXPECT_NE(demo.Output().find("one-way mode"), std::string::npos);
  std::vector<std::string> listening = ListeningSockets(demo.pid());
  EXPECT_GE(listening.size(), 2u);  // the API and the simulated PLCs
  for (const std::string& s : listening) EXPECT_TRUE(IsLoopback(s)) << s;
  // No command toward a machine is accepted, not even an admin's write.
  testing::HttpReply write = testing::HttpPost(
      PortFromBanner(demo.Output()), "/api/v1/tags/acme/plant1/packaging/line1/filler/speed/write",
      R"({"value": 1})");
  EXPECT_EQ(write.status, 403) << write.body;
  EXPECT_NE(write.body.find("one-way mode"), std::string::npos) << write.body;
  demo.Signal(SIGTERM);
  EXPECT_EQ(demo.Wait(30s), 0);

  // Asked to listen on every address, it refuses to start, naming the setting.
  std::string open = yaml.str();
  open = std::regex_replace(open, std::regex("\napi:\n  listen: 127\\.0\\.0\\.1"),
                            "\napi:\n  listen: 0.0.0.0");
  ASSERT_NE(open.find("listen: 0.0.0.0"), std::string::npos);
  {
    std::ofstream out(base + "/open.yaml");
    out << open << "\nsecurity:\n  one_way: true\n";
  }
  testing::RunResult refused =
      testing::RunToCompletion({GANTRY_EXE, "demo", "--config", base + "/open.yaml", "--port", "0",
                                "--sim-port", "0", "--data", base + "/data2"},
                               60s);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("one-way mode allows no listener beyond loopback"),
            std::string::npos)
      << refused.output;
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace gantry
