// A chunk: the sealed, compressed samples of one series over a time range, with a fixed-size
// header carrying its summary and checksums. The decoder takes a span, checks every length and
// both CRC-32C checksums, and verifies that the decoded samples agree with the header (count,
// time order and range), so a damaged chunk yields Corrupt/Malformed, never wrong samples.
// A cold chunk may be packed further with zstd (the decoder bounds and checks the unpacked size),
// and an expired one reduced to its header. Layout: docs/formats/historian.md.
//
//   std::vector<uint8_t> bytes = EncodeChunk(series, lsn, lsn_samples, sorted_columns);
//   GANTRY_ASSIGN_OR_RETURN(ChunkHeader h, DecodeChunkHeader(bytes));
//   GANTRY_ASSIGN_OR_RETURN(Columns c, DecodeChunkPayload(h, payload_span));
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "data/historian/columns.h"

namespace gantry::historian {

inline constexpr uint32_t kChunkMagic = 0x4B434847;  // "GHCK" little-endian
inline constexpr uint8_t kChunkVersion = 1;
inline constexpr size_t kChunkHeaderSize = 152;
// Upper bound on samples per chunk; also bounds what a decoder allocates for a hostile header.
inline constexpr uint32_t kMaxChunkSamples = 1u << 20;
// Upper bound on a chunk's payload bytes.
inline constexpr uint32_t kMaxChunkPayload = 64u << 20;

// Chunk flag bits.
inline constexpr uint8_t kChunkHasAbsent = 1;  // some samples carry no value: presence runs stored
inline constexpr uint8_t kChunkPacked = 2;     // payload := unpacked_len:u32 zstd_frame
inline constexpr uint8_t kChunkSummaryOnly = 4;  // raw samples expired: header (summary) only
inline constexpr uint8_t kChunkColdPlain = 8;    // cold, but zstd would not shrink it: left plain
// Some samples carry a server timestamp: (server_time - time) deltas follow the values.
inline constexpr uint8_t kChunkHasServerTimes = 16;
inline constexpr uint8_t kChunkKnownFlags =
    kChunkHasAbsent | kChunkPacked | kChunkSummaryOnly | kChunkColdPlain | kChunkHasServerTimes;

struct ChunkHeader {
  ValueType type = ValueType::kEmpty;
  uint8_t flags = 0;
  SeriesId series = 0;
  // Replay marker: every sample of the series from WAL batches before `lsn`, and the first
  // `lsn_samples` of it in batch `lsn`, are in this chunk or an earlier one.
  uint64_t lsn = 0;
  uint32_t lsn_samples = 0;
  ChunkSummary summary;
  uint32_t payload_len = 0;
  uint32_t payload_crc = 0;
};

// Encodes sorted, duplicate-free columns (1 <= size <= kMaxChunkSamples) into header + payload.
std::vector<uint8_t> EncodeChunk(SeriesId series, uint64_t lsn, uint32_t lsn_samples,
                                 const Columns& sorted);

// Parses and checks the first kChunkHeaderSize bytes of `bytes` (magic, version, header CRC,
// field ranges). Does not look at the payload. `verify_checksums` = false only for fuzzing, so
// that the fuzzer reaches the decoders behind the checksums.
Result<ChunkHeader> DecodeChunkHeader(std::span<const uint8_t> bytes, bool verify_checksums = true);

// Decodes a payload of exactly header.payload_len bytes; checks its CRC and its consistency with
// the header. A packed payload is unpacked first (at most kMaxChunkPayload bytes, and exactly the
// size it declares). FailedPrecondition for a summary-only chunk (it has no samples to decode).
Result<Columns> DecodeChunkPayload(const ChunkHeader& header, std::span<const uint8_t> payload,
                                   bool verify_checksums = true);

// Header + payload in one buffer; `bytes` may extend past the chunk.
Result<Columns> DecodeChunk(std::span<const uint8_t> bytes, bool verify_checksums = true);

// The 152 header bytes for `h` (checksummed). `h.payload_len/payload_crc` must describe the
// payload that follows it.
std::vector<uint8_t> EncodeChunkHeader(const ChunkHeader& h);

// The same chunk (header + payload in `chunk`) with its payload packed by zstd at `level`; when
// packing would not save bytes, the plain chunk flagged kChunkColdPlain (so it is not tried again);
// an unchanged copy when it is already packed, cold-plain or summary-only.
// The summary stays in the header, readable without decompression. Corrupt if `chunk` is damaged.
Result<std::vector<uint8_t>> PackChunk(std::span<const uint8_t> chunk, int level = 3);

// A summary-only chunk for `h`: the header with kChunkSummaryOnly set and no payload (what is kept
// of a chunk once its raw samples have expired but its aggregates have not).
std::vector<uint8_t> SummaryOnlyChunk(const ChunkHeader& h);

}  // namespace gantry::historian
