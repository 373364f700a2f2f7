#include "subprocess.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace gantry::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& argv, int out_fd) {
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempLogPath() {
  char tmpl[] = "/tmp/gantry-test-child-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd >= 0) close(fd);
  return tmpl;
}

// Log files of the children alive in this process, for DataFolderOfApiPort().
std::mutex live_mu;
std::set<std::string>& LiveLogs() {
  static std::set<std::string> logs;
  return logs;
}

}  // namespace

std::string DataFolderOfApiPort(int port) {
  std::set<std::string> logs;
  {
    std::lock_guard lock(live_mu);
    logs = LiveLogs();
  }
  const std::string p = std::to_string(port);
  for (const std::string& log : logs) {
    const std::string out = ReadFile(log);
    bool serves = false;
    for (const char* scheme : {"http://", "https://"}) {
      const std::string needle = std::string("api: listening on ") + scheme;
      for (size_t at = out.find(needle); at != std::string::npos; at = out.find(needle, at + 1)) {
        const size_t colon = out.find(':', at + needle.size());
        const size_t eol = out.find_first_of("\r\n", at);
        if (colon != std::string::npos && colon < eol &&
            out.substr(colon + 1, eol - colon - 1) == p)
          serves = true;
      }
    }
    if (!serves) continue;
    const std::string key = "data folder ";
    const size_t at = out.find(key);
    if (at == std::string::npos) continue;
    const size_t eol = out.find_first_of("\r\n", at);
    return out.substr(at + key.size(), eol - at - key.size());
  }
  return {};
}

RunResult RunToCompletion(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  Child child(argv);
  RunResult r;
  r.exit_code = child.Wait(timeout);
  r.timed_out = child.Running();
  r.output = child.Output();
  return r;
}

Child::Child(const std::vector<std::string>& argv) : log_path_(TempLogPath()) {
  int fd = open(log_path_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  pid_ = Spawn(argv, fd);
  close(fd);
  std::lock_guard lock(live_mu);
  LiveLogs().insert(log_path_);
}

Child::~Child() {
  {
    std::lock_guard lock(live_mu);
    LiveLogs().erase(log_path_);
  }
  if (Running()) {
    kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(5));
  }
  unlink(log_path_.c_str());
}

std::string Child::Output() const {
  return ReadFile(log_path_);
}

bool Child::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Output().find(text) != std::string::npos) return true;
    int status;
    if (!reaped_ && waitpid(pid_, &status, WNOHANG) == pid_) {
      const_cast<Child*>(this)->reaped_ = true;
      const_cast<Child*>(this)->status_ = status;
    }
    if (reaped_) return Output().find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void Child::Signal(int sig) const {
  if (!reaped_) kill(pid_, sig);
}

bool Child::Running() {
  if (reaped_ || pid_ <= 0) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    status_ = status;
    return false;
  }
  return true;
}

int Child::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!reaped_) return -1;
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

}  // namespace gantry::testing
