// Runs the gantry executable (or any program) as a child process for integration tests: capture
// its output, wait with a deadline, send signals. POSIX only; loopback only.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace gantry::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved
};

// Runs `argv` to completion (killed after `timeout`), capturing stdout+stderr.
RunResult RunToCompletion(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// The data folder of a child of this process (`gantry demo` or `run`) whose API listens on
// 127.0.0.1:`port`, read from its log ("api: listening on ...", "data folder ..."); "" if none.
std::string DataFolderOfApiPort(int port);

// A child process running in the background; its output goes to a file that can be read while
// it runs. The destructor kills it (SIGKILL) if it still runs.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Everything the child printed so far.
  std::string Output() const;
  // Waits until the output contains `text`; false on timeout or exit.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) const;
  void Signal(int sig) const;
  // Waits for exit; returns the exit code, or -1 on timeout / death by signal.
  int Wait(std::chrono::milliseconds timeout);
  bool Running();

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace gantry::testing
