// Test helpers for the historian tests: a fresh temporary folder per test.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace gantry::historian::testing {

// A new empty folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "gantry-historian-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace gantry::historian::testing
