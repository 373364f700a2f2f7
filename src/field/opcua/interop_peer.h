// Test helper: runs tests/interop/opcua_server.js (node-opcua, an independent OPC UA server) on
// a free loopback port. The server stops when its stdin closes; the helper also kills it by pid.
//
//   OpcUaPeer peer;                       // starts node, waits for "READY <port> <ns>"
//   if (!peer.ready()) GTEST_SKIP() << peer.why_not();
//   Client::Connect({.endpoint_url = peer.endpoint_url()});
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

namespace gantry::opcua::testing {

class OpcUaPeer {
 public:
  // `script` in tests/interop (opcua_secure_server.js for the security tests).
  explicit OpcUaPeer(std::chrono::seconds startup = std::chrono::seconds(90),
                     std::string script = "opcua_server.js",
                     std::string pki_name = "opcua-interop-pki")
      : script_(std::move(script)) {
    const std::filesystem::path interop =
        std::filesystem::path(GANTRY_SOURCE_DIR) / "tests/interop";
    if (!std::filesystem::exists(interop / "node_modules/node-opcua")) {
      why_not_ = "node-opcua is not installed (cd tests/interop && npm install)";
      return;
    }
    pki_ = std::string(GANTRY_BINARY_DIR) + "/" + pki_name;
    for (int attempt = 0; attempt < 3 && !ready(); ++attempt) Start(interop, startup);
  }
  ~OpcUaPeer() { Stop(); }
  OpcUaPeer(const OpcUaPeer&) = delete;
  OpcUaPeer& operator=(const OpcUaPeer&) = delete;

  bool ready() const { return port_ != 0; }
  const std::string& why_not() const { return why_not_; }
  uint16_t port() const { return port_; }
  // The folder given to the server script for its own PKI.
  const std::string& pki() const { return pki_; }
  // Namespace index of "urn:gantry:interop", where the test variables live.
  uint16_t namespace_index() const { return ns_; }
  std::string endpoint_url() const {
    return "opc.tcp://127.0.0.1:" + std::to_string(port_) + "/gantry";
  }

  // Closes the server's stdin (it shuts down), then SIGTERM/SIGKILL; reaps it. Idempotent.
  void Stop() {
    if (in_ >= 0) close(in_);
    in_ = -1;
    if (out_ >= 0) close(out_);
    out_ = -1;
    if (pid_ > 0) {
      for (int i = 0; i < 300 && waitpid(pid_, nullptr, WNOHANG) != pid_; ++i) {
        if (i == 100) kill(pid_, SIGTERM);
        usleep(10'000);
      }
      if (waitpid(pid_, nullptr, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
    }
    pid_ = -1;
    port_ = 0;
  }

  // Starts the server again on the same port (after Stop()); true when it is ready.
  bool Restart(std::chrono::seconds startup = std::chrono::seconds(90)) {
    const uint16_t port = last_port_;
    Stop();
    const std::filesystem::path interop =
        std::filesystem::path(GANTRY_SOURCE_DIR) / "tests/interop";
    Spawn(interop, port, startup);
    return ready();
  }

 private:
  static uint16_t FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    uint16_t port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
  }

  void Start(const std::filesystem::path& interop, std::chrono::seconds startup) {
    Spawn(interop, FreePort(), startup);
  }

  void Spawn(const std::filesystem::path& interop, uint16_t port, std::chrono::seconds startup) {
    last_port_ = port;
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], STDIN_FILENO);
      dup2(from_child[1], STDOUT_FILENO);
      const int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDERR_FILENO);  // node-opcua is chatty on stderr
      close(to_child[1]);
      close(from_child[0]);
      const std::string script = (interop / script_).string();
      const std::string port_text = std::to_string(port);
      execlp("node", "node", script.c_str(), port_text.c_str(), pki_.c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
    std::string buffer;
    const auto deadline = std::chrono::steady_clock::now() + startup;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char chunk[512];
      const ssize_t n = read(out_, chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      const size_t at = buffer.find("READY ");
      if (at != std::string::npos && buffer.find('\n', at) != std::string::npos) {
        unsigned p_port = 0, p_ns = 0;
        if (std::sscanf(buffer.c_str() + at, "READY %u %u", &p_port, &p_ns) == 2) {
          port_ = static_cast<uint16_t>(p_port);
          ns_ = static_cast<uint16_t>(p_ns);
          return;
        }
      }
    }
    why_not_ = "opcua_server.js did not report READY; output: " + buffer;
    Stop();
  }

  std::string script_;
  std::string pki_;
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  uint16_t port_ = 0;
  uint16_t last_port_ = 0;
  uint16_t ns_ = 0;
  std::string why_not_;
};

}  // namespace gantry::opcua::testing
