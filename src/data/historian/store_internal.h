// Constants and helpers shared by the historian's implementation files (historian.cc,
// recovery.cc): the segment file header, error wording with file and offset, chunk windows.
// Not part of the public API.
//
//   if (bytes != SegmentHeader()) return CorruptAt(path, 0, "bad segment header");
#pragma once

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/sample.h"
#include "core/status.h"
#include "core/time.h"
#include "data/historian/bytes.h"
#include "data/historian/columns.h"
#include "data/historian/crc32c.h"

namespace gantry::historian::internal {

inline constexpr SeriesId kNoSeries = UINT32_MAX;
inline constexpr TagId kDenseTags = 1u << 20;          // bindings below this live in a vector
inline constexpr uint32_t kSegmentMagic = 0x47455347;  // "GSEG"
inline constexpr uint32_t kSegmentVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 12;

inline std::vector<uint8_t> SegmentHeader() {
  ByteWriter w;
  w.PutU32(kSegmentMagic);
  w.PutU32(kSegmentVersion);
  w.PutU32(Crc32c(w.bytes()));
  return std::move(w.buffer());
}

inline Status CorruptAt(const std::string& path, uint64_t offset, const std::string& what) {
  return Corrupt(path + " at offset " + std::to_string(offset) + ": " + what);
}

inline Result<uint64_t> StatvfsFree(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0)
    return IoError("statvfs " + dir + ": " + std::strerror(errno));
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

inline Timestamp WindowEnd(Timestamp t, Duration span) {
  Timestamp start = t / span * span;
  if (t < 0 && start != t) start -= span;
  return start > INT64_MAX - span ? INT64_MAX : start + span;
}

}  // namespace gantry::historian::internal
