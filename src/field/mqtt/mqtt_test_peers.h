// Test helpers: independent MQTT peers started on 127.0.0.1 with a free port and stopped after.
//   MosquittoBroker broker;                  // Debian's mosquitto, a config file of its own
//   PeerProcess edge({"node", ".../sparkplug_edge_node.js", "--port", port});
//   edge.WaitForLine("READY", 10s);  edge.Send("ddata Speed 12.5");  edge.Kill(SIGKILL);
// Both end their process by its own pid in the destructor.
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
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gantry::mqtt::testing {

// True when the MQTT interop peers are installed (scripts/deps.sh --test): Debian's mosquitto,
// node, and the npm package `npm_package` in <source_dir>/tests/interop/node_modules.
inline bool HaveMqttPeers(const std::string& source_dir, const std::string& npm_package) {
  return std::filesystem::exists("/usr/sbin/mosquitto") &&
         std::system("node --version >/dev/null 2>&1") == 0 &&
         std::filesystem::exists(source_dir + "/tests/interop/node_modules/" + npm_package);
}

inline uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

inline bool PortAccepts(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

// A child process with pipes on stdin and stdout (stderr joins stdout).
class PeerProcess {
 public:
  explicit PeerProcess(const std::vector<std::string>& argv) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
      close(in[1]);
      close(out[0]);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    in_ = in[1];
    out_ = out[0];
  }
  ~PeerProcess() {
    Kill(SIGTERM);
    if (out_ >= 0) close(out_);
  }
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  // Writes one command line to the process's stdin.
  void Send(const std::string& line) {
    if (in_ < 0) return;
    const std::string l = line + "\n";
    (void)!write(in_, l.data(), l.size());
  }

  // Reads lines until one contains `want` (returned) or the deadline passes (nullopt).
  std::optional<std::string> WaitForLine(const std::string& want,
                                         std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      size_t nl;
      while ((nl = buffer_.find('\n')) != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        output_ += line + "\n";
        if (line.find(want) != std::string::npos) return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || out_ < 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[1024];
      const ssize_t n = read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  const std::string& Output() const { return output_; }
  // Sends `sig` to the process (SIGSTOP/SIGCONT: freeze and thaw it).
  void Signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }

  // Sends `sig` (SIGKILL: no clean MQTT disconnect, the broker publishes the will), then SIGKILL
  // after 2 s; reaps the child. Idempotent.
  void Kill(int sig) {
    if (in_ >= 0) close(in_);
    in_ = -1;
    if (pid_ <= 0) return;
    kill(pid_, sig);
    for (int i = 0; i < 200 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) usleep(10'000);
    if (waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffer_;
  std::string output_;
};

// Debian's mosquitto broker on a free loopback port; anonymous, or with one user when given.
class MosquittoBroker {
 public:
  // `extra_conf`: lines added to the listener's configuration (TLS files, ...).
  explicit MosquittoBroker(std::string user = "", std::string password = "",
                           const std::string& extra_conf = "")
      : port_(FreePort()), user_(std::move(user)), password_(std::move(password)) {
    dir_ = std::filesystem::path(GANTRY_BINARY_DIR) / ("mosquitto-" + std::to_string(port_));
    std::filesystem::create_directories(dir_);
    std::ofstream conf(dir_ / "mosquitto.conf");
    conf << "listener " << port_ << " 127.0.0.1\n"
         << extra_conf << "persistence false\nlog_dest stdout\n";
    if (user_.empty()) {
      conf << "allow_anonymous true\n";
    } else {
      const std::string pw = (dir_ / "passwords").string();
      const std::string cmd =
          "mosquitto_passwd -b -c " + pw + " " + user_ + " " + password_ + " >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) why_not_ = "mosquitto_passwd failed";
      conf << "allow_anonymous false\npassword_file " << pw << "\n";
    }
    conf.close();
    Start();
  }
  ~MosquittoBroker() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  bool ready() const { return ready_; }
  const std::string& why_not() const { return why_not_; }
  uint16_t port() const { return port_; }
  // The broker's own folder (its configuration; tests put certificates there).
  const std::filesystem::path& dir() const { return dir_; }

  // Kills the broker (SIGKILL: clients see the connection drop) and waits until it is gone.
  void Stop() {
    if (process_) process_->Kill(SIGKILL);
    process_.reset();
    ready_ = false;
  }
  // Freezes (SIGSTOP) or thaws (SIGCONT) the broker: connections stay open, nothing is answered.
  void Signal(int sig) {
    if (process_) process_->Signal(sig);
  }
  // Starts it again on the same port; true when it accepts connections.
  bool Start() {
    if (!std::filesystem::exists("/usr/sbin/mosquitto")) {
      why_not_ = "mosquitto is not installed (apt-get install mosquitto)";
      return false;
    }
    process_ = std::make_unique<PeerProcess>(
        std::vector<std::string>{"/usr/sbin/mosquitto", "-c", (dir_ / "mosquitto.conf").string()});
    for (int i = 0; i < 300 && !ready_; ++i) {
      ready_ = PortAccepts(port_);
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!ready_) why_not_ = "mosquitto did not listen on port " + std::to_string(port_);
    return ready_;
  }

 private:
  uint16_t port_;
  std::string user_, password_;
  std::filesystem::path dir_;
  std::unique_ptr<PeerProcess> process_;
  bool ready_ = false;
  std::string why_not_;
};

}  // namespace gantry::mqtt::testing
