// A real Tryton 6.0 for tests: started with ../shared/erp/tryton-up in a temporary folder on a
// free loopback port, demo productions made with tryton-demo-order, stopped and removed at the
// end (GANTRY_KEEP_TRYTON=1 keeps the folder). The database is copied from a template made once
// per machine in /tmp (the first start takes a minute or two, later ones seconds). Header-only so that any test executable can use it.
//
//   TrytonServer tryton;
//   if (!tryton.skip_reason().empty()) GTEST_SKIP() << tryton.skip_reason();
//   auto ids = tryton.DemoOrder("GANTRY-E2E-1", 100);   // {"production_id": "3", ...}
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace gantry::testing {

inline std::string ShellOutput(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *rc = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *rc = pclose(p);
  return out;
}

inline uint16_t FreeLoopbackPortForTryton() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

class TrytonServer {
 public:
  TrytonServer() {
    const std::string up = Shared() + "tryton-up";
    if (access(up.c_str(), X_OK) != 0) {
      skip_reason_ = "no " + up;
      return;
    }
    char tmpl[] = "/tmp/gantry-tryton-e2e-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      skip_reason_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    int rc = 0;
    // Initialising a database takes a minute or two; do it once per machine into a template
    // (under a lock, as tests run in parallel) and start each server on a copy of it.
    const std::string tpl = "/tmp/gantry-tryton-template-" + std::to_string(getuid());
    ShellOutput("flock " + tpl + ".lock sh -c 'if [ ! -e " + tpl +
                    "/db/.initialised ]; then rm -rf " + tpl + "; P=$(" + up + " " + tpl + " " +
                    std::to_string(FreeLoopbackPortForTryton()) + " 2>>" + dir_ +
                    "/tryton-up.log) && kill $P && while kill -0 $P 2>/dev/null; do sleep 0.1; "
                    "done; fi; if [ -e " + tpl + "/db/.initialised ]; then cp -a " + tpl +
                    "/db " + dir_ + "/db; fi'",
                &rc);
    for (int attempt = 0; attempt < 3 && pid_ == 0; ++attempt) {
      port_ = FreeLoopbackPortForTryton();
      const std::string out = ShellOutput(
          up + " " + dir_ + " " + std::to_string(port_) + " 2>>" + dir_ + "/tryton-up.log", &rc);
      if (rc == 0) pid_ = std::atoi(out.c_str());
    }
    if (pid_ == 0) {
      ShellOutput(
          "dpkg-query -W -f='${Status}' tryton-server 2>/dev/null | grep -q 'install ok installed'",
          &rc);
      if (rc != 0) skip_reason_ = "the Tryton packages could not be installed";
      else start_error_ = "tryton-up failed; see " + dir_ + "/tryton-up.log";
    }
  }
  ~TrytonServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 50 && kill(pid_, 0) == 0; ++i) usleep(100'000);
    }
    if (!dir_.empty() && std::getenv("GANTRY_KEEP_TRYTON") == nullptr) {
      int rc = 0;
      ShellOutput("rm -rf '" + dir_ + "'", &rc);
    }
  }
  TrytonServer(const TrytonServer&) = delete;
  TrytonServer& operator=(const TrytonServer&) = delete;

  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& start_error() const { return start_error_; }
  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // A draft production made by the shared demo script; its key=value lines (production_id, ...).
  std::map<std::string, std::string> DemoOrder(const std::string& ref, int qty) const {
    int rc = 0;
    const std::string out =
        ShellOutput("TRYTON_ORDER_REF=" + ref + " TRYTON_ORDER_QTY=" + std::to_string(qty) + " " +
                        Shared() + "tryton-demo-order " + dir_ + " 2>>" + dir_ + "/demo-order.log",
                    &rc);
    std::map<std::string, std::string> kv;
    if (rc != 0) return kv;
    size_t pos = 0;
    while (pos < out.size()) {
      size_t end = out.find('\n', pos);
      if (end == std::string::npos) end = out.size();
      const std::string line = out.substr(pos, end - pos);
      const size_t eq = line.find('=');
      if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
      pos = end + 1;
    }
    return kv;
  }

 private:
  static std::string Shared() { return std::string(GANTRY_SOURCE_DIR) + "/../shared/erp/"; }
  std::string dir_;
  uint16_t port_ = 0;
  int pid_ = 0;
  std::string skip_reason_;
  std::string start_error_;
};

}  // namespace gantry::testing
