// Small POSIX file helpers for the historian: whole writes, positioned reads, fsync of files and
// directories, and listing numbered files ("wal-000001.log"). Errors name the path and errno.
//
//   GANTRY_ASSIGN_OR_RETURN(auto fd, OpenFile(path, O_RDWR | O_CREAT));
//   GANTRY_RETURN_IF_ERROR(WriteAll(fd.get(), path, bytes));
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace gantry::historian {

// Owns a file descriptor; closes it on destruction.
class FileHandle {
 public:
  FileHandle() = default;
  explicit FileHandle(int fd) : fd_(fd) {}
  FileHandle(FileHandle&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileHandle& operator=(FileHandle&& o) noexcept;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

Result<FileHandle> OpenFile(const std::string& path, int flags);
Status WriteAll(int fd, const std::string& path, std::span<const uint8_t> bytes);
// Reads exactly bytes.size() bytes at `offset`; IoError on a short read.
Status ReadAt(int fd, const std::string& path, uint64_t offset, std::span<uint8_t> bytes);
Result<std::vector<uint8_t>> ReadWholeFile(const std::string& path);
Result<uint64_t> FileSize(int fd, const std::string& path);
Status SyncFile(int fd, const std::string& path);
Status SyncDir(const std::string& dir);
Status TruncateFile(const std::string& path, uint64_t length);
Status RemoveFile(const std::string& path);
// Sequence numbers of files named <prefix><digits><suffix> in `dir`, ascending.
Result<std::vector<uint64_t>> ListNumbered(const std::string& dir, const std::string& prefix,
                                           const std::string& suffix);
// "<dir>/<prefix><seq as 6+ digits><suffix>"
std::string NumberedPath(const std::string& dir, const std::string& prefix, uint64_t seq,
                         const std::string& suffix);

}  // namespace gantry::historian
