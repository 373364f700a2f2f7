// Column codecs of a historian chunk: integers (frame-of-reference bit packing of zigzag
// residuals after delta or delta-of-delta, with a common-divisor scale), doubles (exact decimal
// scaling onto the integer codec when every value allows it, else Gorilla XOR), and run-length
// coding for quality, booleans, presence and string-dictionary indices. Pure functions: bytes in,
// values or a Malformed status out; decoders never read outside the given bytes.
//
//   ByteWriter w;  EncodeTimestamps(times, w);
//   ByteReader r(w.bytes());  std::vector<int64_t> back(times.size());
//   GANTRY_RETURN_IF_ERROR(DecodeIntegers(r, back));
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/status.h"
#include "data/historian/bytes.h"

namespace gantry::historian {

// Residual order of the integer codec: raw values, first differences or second differences.
enum class IntOrder : uint8_t { kRaw = 0, kDelta = 1, kDeltaOfDelta = 2 };

// Encodes `values`; chooses the cheapest order unless `forced` is given. The count is not stored:
// the decoder is told it (the chunk header holds it).
void EncodeIntegers(std::span<const int64_t> values, ByteWriter& out,
                    std::optional<IntOrder> forced = std::nullopt);
// Timestamps: always delta-of-delta, so a regular series costs almost nothing.
inline void EncodeTimestamps(std::span<const int64_t> times, ByteWriter& out) {
  EncodeIntegers(times, out, IntOrder::kDeltaOfDelta);
}
// Fills all of `out` (its size is the expected count) from `in`. Malformed on any inconsistency.
Status DecodeIntegers(ByteReader& in, std::span<int64_t> out);

// Doubles by bit pattern (NaN payloads, -0.0, denormals and infinities survive exactly).
void EncodeDoubles(std::span<const uint64_t> bits, ByteWriter& out);
Status DecodeDoubles(ByteReader& in, std::span<uint64_t> out);

// Run-length coding of small codes (quality, booleans, presence, dictionary indices).
void EncodeRuns(std::span<const uint32_t> values, ByteWriter& out);
Status DecodeRuns(ByteReader& in, std::span<uint32_t> out);

}  // namespace gantry::historian
