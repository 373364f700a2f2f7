// libFuzzer target: the chunk decoder must reject or accept any bytes without crashing or reading
// out of bounds. Checksums are checked as in production and also skipped, so that mutated
// payloads reach the column decoders and the zstd unpacker (packed chunks are in the corpus); a
// chunk that decodes must re-encode, and re-encode packed, to chunks that decode to the same
// samples (SameSample compares server timestamps too; seeds with them are in the corpus).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "data/historian/chunk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gantry::historian;
  const std::span<const uint8_t> bytes(data, size);
  (void)DecodeChunk(bytes, true);
  auto decoded = DecodeChunk(bytes, false);
  if (!decoded.ok()) return 0;
  auto header = DecodeChunkHeader(bytes, false);
  SortAndDedupe(*decoded);  // the encoder's precondition
  const auto plain = EncodeChunk(header->series, header->lsn, header->lsn_samples, *decoded);
  auto packed = PackChunk(plain, 1);
  if (!packed.ok()) std::abort();
  const std::vector<uint8_t>& packed_bytes = *packed;
  for (const std::vector<uint8_t>* bytes_again : {&plain, &packed_bytes}) {
    auto again = DecodeChunk(*bytes_again);
    if (!again.ok() || again->size() != decoded->size()) std::abort();
    for (size_t i = 0; i < decoded->size(); ++i) {
      if (!again->SameSample(i, *decoded, i)) std::abort();
    }
  }
  return 0;
}
