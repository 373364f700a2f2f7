// Fuzzes the decoding of request subjects (they come from the network): PathFromSubject must
// refuse or decode without crashing, and a decoded path must encode back to the same subject.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "data/uns/uns_subject.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view subject(reinterpret_cast<const char*>(data), size);
  gantry::Result<std::string> path = gantry::uns::PathFromSubject("uns.$current", subject);
  if (!path.ok()) return 0;
  // Escapes are accepted in either case ("%2e", "%2E"); the encoder writes upper case, so
  // compare after one more round trip.
  const std::string again = gantry::uns::TagSubject("uns.$current", *path);
  gantry::Result<std::string> back = gantry::uns::PathFromSubject("uns.$current", again);
  if (!back.ok() || *back != *path) std::abort();
  if (gantry::uns::TagSubject("uns.$current", *back) != again) std::abort();
  return 0;
}
