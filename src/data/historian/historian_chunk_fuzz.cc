// libFuzzer target: the chunk decoder must reject or accept any bytes without crashing, and a
// chunk it accepts must re-encode to a chunk that decodes to the same samples.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "data/historian/chunk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gantry::historian;
  auto decoded = DecodeChunk(std::span<const uint8_t>(data, size));
  if (!decoded.ok()) return 0;
  auto header = DecodeChunkHeader(std::span<const uint8_t>(data, size));
  auto again = DecodeChunk(EncodeChunk(header->series, header->lsn, header->lsn_samples, *decoded));
  if (!again.ok() || again->size() != decoded->size()) std::abort();
  for (size_t i = 0; i < decoded->size(); ++i) {
    if (!(again->PointAt(i).time == decoded->PointAt(i).time) ||
        !again->SameSample(i, *decoded, i)) {
      std::abort();
    }
  }
  return 0;
}
