#include "data/historian/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gantry::historian {
namespace {
Status Errno(const std::string& what, const std::string& path) {
  return IoError(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

FileHandle& FileHandle::operator=(FileHandle&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

Result<FileHandle> OpenFile(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open", path);
  return FileHandle(fd);
}

Status WriteAll(int fd, const std::string& path, std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status ReadAt(int fd, const std::string& path, uint64_t offset, std::span<uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot read", path);
    }
    if (n == 0) {
      return IoError("short read of " + path + " at offset " + std::to_string(offset + done));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::vector<uint8_t>> ReadWholeFile(const std::string& path) {
  GANTRY_ASSIGN_OR_RETURN(FileHandle f, OpenFile(path, O_RDONLY));
  GANTRY_ASSIGN_OR_RETURN(uint64_t size, FileSize(f.get(), path));
  std::vector<uint8_t> buf(size);
  GANTRY_RETURN_IF_ERROR(ReadAt(f.get(), path, 0, buf));
  return buf;
}

Result<uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Errno("cannot stat", path);
  return static_cast<uint64_t>(st.st_size);
}

Status SyncFile(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return Errno("cannot fsync", path);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  GANTRY_ASSIGN_OR_RETURN(FileHandle f, OpenFile(dir, O_RDONLY | O_DIRECTORY));
  if (::fsync(f.get()) != 0) return Errno("cannot fsync directory", dir);
  return Status::Ok();
}

Status TruncateFile(const std::string& path, uint64_t length) {
  if (::truncate(path.c_str(), static_cast<off_t>(length)) != 0)
    return Errno("cannot truncate", path);
  return Status::Ok();
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path);
  return Status::Ok();
}

Result<std::vector<uint64_t>> ListNumbered(const std::string& dir, const std::string& prefix,
                                           const std::string& suffix) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Errno("cannot list", dir);
  std::vector<uint64_t> out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string digits =
        name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.empty() || digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    out.push_back(std::stoull(digits));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string NumberedPath(const std::string& dir, const std::string& prefix, uint64_t seq,
                         const std::string& suffix) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%06llu", static_cast<unsigned long long>(seq));
  return dir + "/" + prefix + digits + suffix;
}

}  // namespace gantry::historian
