#include "data/historian/chunk.h"

#include <zstd.h>

#include <cstring>
#include <string>

#include "data/historian/bytes.h"
#include "data/historian/codecs.h"
#include "data/historian/crc32c.h"

namespace gantry::historian {
namespace {

void PutSummary(ByteWriter& w, const ChunkSummary& s) {
  w.PutU32(s.count);
  w.PutI64(s.t_min);
  w.PutI64(s.t_max);
  w.PutU32(s.usable);
  w.PutU32(s.falls);
  w.PutF64(s.min);
  w.PutF64(s.max);
  w.PutF64(s.sum);
  w.PutI64(s.first_t);
  w.PutF64(s.first_v);
  w.PutI64(s.last_t);
  w.PutF64(s.last_v);
  w.PutF64(s.tw_integral);
  w.PutF64(s.rise);
  w.PutF64(s.fall);
  w.PutF64(s.reset_sum);
}

ChunkSummary GetSummary(ByteReader& r) {
  ChunkSummary s;
  s.count = r.U32();
  s.t_min = r.I64();
  s.t_max = r.I64();
  s.usable = r.U32();
  s.falls = r.U32();
  s.min = r.F64();
  s.max = r.F64();
  s.sum = r.F64();
  s.first_t = r.I64();
  s.first_v = r.F64();
  s.last_t = r.I64();
  s.last_v = r.F64();
  s.tw_integral = r.F64();
  s.rise = r.F64();
  s.fall = r.F64();
  s.reset_sum = r.F64();
  return s;
}

void EncodeValues(const Columns& c, ByteWriter& w) {
  std::vector<uint64_t> vals;
  vals.reserve(c.size());
  for (size_t i = 0; i < c.size(); ++i) {
    if (c.present[i]) vals.push_back(c.bits[i]);
  }
  switch (c.type) {
    case ValueType::kEmpty: break;
    case ValueType::kDouble: EncodeDoubles(vals, w); break;
    case ValueType::kInt64: {
      std::vector<int64_t> ints(vals.begin(), vals.end());
      EncodeIntegers(ints, w);
      break;
    }
    case ValueType::kBool:
    case ValueType::kString: {
      if (c.type == ValueType::kString) {
        w.PutVarint(c.strings.size());
        for (const auto& s : c.strings) w.PutString(s);
      }
      std::vector<uint32_t> codes(vals.begin(), vals.end());
      EncodeRuns(codes, w);
      break;
    }
  }
}

Status DecodeValues(ByteReader& r, Columns& c, size_t present_count, uint32_t payload_len) {
  std::vector<uint64_t> vals(present_count);
  switch (c.type) {
    case ValueType::kEmpty:
      if (present_count != 0) return Malformed("chunk: values present in an empty-typed chunk");
      break;
    case ValueType::kDouble: GANTRY_RETURN_IF_ERROR(DecodeDoubles(r, vals)); break;
    case ValueType::kInt64:
      GANTRY_RETURN_IF_ERROR(DecodeIntegers(
          r, std::span<int64_t>(reinterpret_cast<int64_t*>(vals.data()), vals.size())));
      break;
    case ValueType::kBool:
    case ValueType::kString: {
      if (c.type == ValueType::kString) {
        const uint64_t n = r.Varint();
        if (!r.ok() || n > payload_len) return Malformed("chunk: bad string dictionary size");
        for (uint64_t i = 0; i < n; ++i) {
          std::string_view s = r.String();
          if (!r.ok()) return Malformed("chunk: truncated string dictionary");
          c.strings.emplace_back(s);
        }
      }
      std::vector<uint32_t> codes(present_count);
      GANTRY_RETURN_IF_ERROR(DecodeRuns(r, codes));
      const uint64_t limit = c.type == ValueType::kBool ? 2 : c.strings.size();
      for (size_t i = 0; i < codes.size(); ++i) {
        if (codes[i] >= limit) return Malformed("chunk: value code out of range");
        vals[i] = codes[i];
      }
      break;
    }
  }
  size_t k = 0;
  for (size_t i = 0; i < c.size(); ++i) c.bits[i] = c.present[i] ? vals[k++] : 0;
  return Status::Ok();
}

// Server timestamps: which samples have one (runs of 0/1), then server_time - time of those, by
// wrapping arithmetic, through the integer codec (a constant offset costs a byte per 128 samples).
[[gnu::noinline]] void EncodeServerTimes(const Columns& c, ByteWriter& w) {
  std::vector<uint32_t> known(c.size());
  std::vector<int64_t> deltas;
  for (size_t i = 0; i < c.size(); ++i) {
    const Timestamp st = c.server[i];
    known[i] = st != 0 ? 1 : 0;
    if (st != 0) {
      deltas.push_back(
          static_cast<int64_t>(static_cast<uint64_t>(st) - static_cast<uint64_t>(c.times[i])));
    }
  }
  EncodeRuns(known, w);
  EncodeIntegers(deltas, w);
}

[[gnu::noinline]] Status DecodeServerTimes(ByteReader& r, Columns& c) {
  const size_t n = c.size();
  std::vector<uint32_t> known(n);
  GANTRY_RETURN_IF_ERROR(DecodeRuns(r, known));
  size_t known_count = 0;
  for (uint32_t k : known) {
    if (k > 1) return Malformed("chunk: bad server-time presence code");
    known_count += k;
  }
  if (known_count == 0) return Malformed("chunk: server times flagged but none present");
  std::vector<int64_t> deltas(known_count);
  GANTRY_RETURN_IF_ERROR(DecodeIntegers(r, deltas));
  c.server.assign(n, 0);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!known[i]) continue;
    const auto st = static_cast<Timestamp>(static_cast<uint64_t>(c.times[i]) +
                                           static_cast<uint64_t>(deltas[k++]));
    if (st == 0) return Malformed("chunk: a present server time of 0 (0 means unknown)");
    c.server[i] = st;
  }
  return Status::Ok();
}

// A packed payload: unpacked_len:u32, then one zstd frame declaring exactly that content size.
Result<std::vector<uint8_t>> Unpack(std::span<const uint8_t> packed) {
  if (packed.size() < 4) return Corrupt("chunk: packed payload too short");
  uint32_t unpacked_len = 0;
  std::memcpy(&unpacked_len, packed.data(), 4);
  if (unpacked_len == 0 || unpacked_len > kMaxChunkPayload)
    return Corrupt("chunk: packed payload declares " + std::to_string(unpacked_len) + " bytes");
  const auto frame = packed.subspan(4);
  const unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared != unpacked_len)
    return Corrupt("chunk: zstd frame size disagrees with the packed payload header");
  std::vector<uint8_t> out(unpacked_len);
  const size_t n = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n)) return Corrupt(std::string("chunk: zstd: ") + ZSTD_getErrorName(n));
  if (n != unpacked_len) return Corrupt("chunk: zstd frame unpacked to the wrong size");
  return out;
}

}  // namespace

std::vector<uint8_t> EncodeChunkHeader(const ChunkHeader& h) {
  ByteWriter w;
  w.buffer().reserve(kChunkHeaderSize);
  w.PutU32(kChunkMagic);
  w.PutU8(kChunkVersion);
  w.PutU8(static_cast<uint8_t>(h.type));
  w.PutU8(h.flags);
  w.PutU8(0);
  w.PutU32(h.series);
  w.PutU64(h.lsn);
  w.PutU32(h.lsn_samples);
  PutSummary(w, h.summary);
  w.PutU32(h.payload_len);
  w.PutU32(h.payload_crc);
  w.PutU32(Crc32c(w.bytes()));
  return std::move(w.buffer());
}

std::vector<uint8_t> EncodeChunk(SeriesId series, uint64_t lsn, uint32_t lsn_samples,
                                 const Columns& c) {
  ByteWriter p;
  EncodeTimestamps(c.times, p);
  EncodeRuns(c.quality, p);
  bool absent = false;
  for (uint8_t x : c.present) absent |= x == 0;
  if (absent) {
    std::vector<uint32_t> pres(c.present.begin(), c.present.end());
    EncodeRuns(pres, p);
  }
  EncodeValues(c, p);
  const bool server_times = c.HasServerTimes();
  if (server_times) EncodeServerTimes(c, p);

  ChunkHeader h;
  h.type = c.type;
  h.flags = static_cast<uint8_t>((absent ? kChunkHasAbsent : 0) |
                                 (server_times ? kChunkHasServerTimes : 0));
  h.series = series;
  h.lsn = lsn;
  h.lsn_samples = lsn_samples;
  h.summary = Summarize(c);
  h.payload_len = static_cast<uint32_t>(p.size());
  h.payload_crc = Crc32c(p.bytes());
  std::vector<uint8_t> out = EncodeChunkHeader(h);
  out.insert(out.end(), p.bytes().begin(), p.bytes().end());
  return out;
}

Result<std::vector<uint8_t>> PackChunk(std::span<const uint8_t> chunk, int level) {
  GANTRY_ASSIGN_OR_RETURN(ChunkHeader h, DecodeChunkHeader(chunk));
  if (chunk.size() - kChunkHeaderSize < h.payload_len) return Corrupt("chunk: payload truncated");
  const auto payload = chunk.subspan(kChunkHeaderSize, h.payload_len);
  const auto whole = chunk.first(kChunkHeaderSize + h.payload_len);
  if ((h.flags & (kChunkPacked | kChunkSummaryOnly | kChunkColdPlain)) != 0) {
    return std::vector<uint8_t>(whole.begin(), whole.end());
  }
  if (Crc32c(payload) != h.payload_crc) return Corrupt("chunk payload: checksum mismatch");
  std::vector<uint8_t> packed(4 + ZSTD_compressBound(payload.size()));
  const uint32_t unpacked_len = h.payload_len;
  std::memcpy(packed.data(), &unpacked_len, 4);
  const size_t n =
      ZSTD_compress(packed.data() + 4, packed.size() - 4, payload.data(), payload.size(), level);
  if (ZSTD_isError(n)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  packed.resize(4 + n);
  if (packed.size() >= payload.size()) {
    h.flags |= kChunkColdPlain;
    std::vector<uint8_t> out = EncodeChunkHeader(h);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
  }
  h.flags |= kChunkPacked;
  h.payload_len = static_cast<uint32_t>(packed.size());
  h.payload_crc = Crc32c(packed);
  std::vector<uint8_t> out = EncodeChunkHeader(h);
  out.insert(out.end(), packed.begin(), packed.end());
  return out;
}

std::vector<uint8_t> SummaryOnlyChunk(const ChunkHeader& header) {
  ChunkHeader h = header;
  h.flags = static_cast<uint8_t>((h.flags & (kChunkHasAbsent | kChunkHasServerTimes)) |
                                 kChunkSummaryOnly);
  h.payload_len = 0;
  h.payload_crc = Crc32c({});
  return EncodeChunkHeader(h);
}

Result<ChunkHeader> DecodeChunkHeader(std::span<const uint8_t> bytes, bool verify_checksums) {
  if (bytes.size() < kChunkHeaderSize) return Malformed("chunk header: truncated");
  ByteReader r(bytes.first(kChunkHeaderSize));
  if (r.U32() != kChunkMagic) return Corrupt("chunk header: bad magic");
  const uint8_t version = r.U8();
  ChunkHeader h;
  const uint8_t type = r.U8();
  h.flags = r.U8();
  (void)r.U8();
  h.series = r.U32();
  h.lsn = r.U64();
  h.lsn_samples = r.U32();
  h.summary = GetSummary(r);
  h.payload_len = r.U32();
  h.payload_crc = r.U32();
  const size_t crc_at = r.pos();
  const uint32_t header_crc = r.U32();
  if (!r.ok()) return Malformed("chunk header: truncated");
  if (verify_checksums && Crc32c(bytes.first(crc_at)) != header_crc) {
    return Corrupt("chunk header: checksum mismatch");
  }
  if (version != kChunkVersion) {
    return Corrupt("chunk header: unsupported version " + std::to_string(version));
  }
  if (type > static_cast<uint8_t>(ValueType::kString))
    return Corrupt("chunk header: bad value type");
  h.type = static_cast<ValueType>(type);
  if ((h.flags & ~kChunkKnownFlags) != 0) return Corrupt("chunk header: unknown flags");
  if ((h.flags & kChunkSummaryOnly) != 0 && ((h.flags & kChunkPacked) != 0 || h.payload_len != 0))
    return Corrupt("chunk header: a summary-only chunk carries no payload");
  if ((h.flags & kChunkPacked) != 0 && h.payload_len < 4)
    return Corrupt("chunk header: packed payload too short");
  if (h.summary.count == 0 || h.summary.count > kMaxChunkSamples ||
      h.summary.usable > h.summary.count || h.summary.t_min > h.summary.t_max ||
      h.payload_len > kMaxChunkPayload) {
    return Corrupt("chunk header: field out of range");
  }
  return h;
}

Result<Columns> DecodeChunkPayload(const ChunkHeader& h, std::span<const uint8_t> payload,
                                   bool verify_checksums) {
  if (payload.size() != h.payload_len) return Malformed("chunk payload: length mismatch");
  if (verify_checksums && Crc32c(payload) != h.payload_crc) {
    return Corrupt("chunk payload: checksum mismatch");
  }
  if ((h.flags & kChunkSummaryOnly) != 0) {
    return FailedPrecondition("chunk: raw samples expired; only the summary is kept");
  }
  std::vector<uint8_t> unpacked;
  if ((h.flags & kChunkPacked) != 0) {
    GANTRY_ASSIGN_OR_RETURN(unpacked, Unpack(payload));
    payload = unpacked;
  }
  const size_t n = h.summary.count;
  Columns c;
  c.type = h.type;
  c.times.resize(n);
  c.quality.resize(n);
  c.present.assign(n, 1);
  c.bits.resize(n);
  ByteReader r(payload);
  GANTRY_RETURN_IF_ERROR(DecodeIntegers(r, c.times));
  GANTRY_RETURN_IF_ERROR(DecodeRuns(r, c.quality));
  size_t present_count = n;
  if (h.flags & kChunkHasAbsent) {
    std::vector<uint32_t> pres(n);
    GANTRY_RETURN_IF_ERROR(DecodeRuns(r, pres));
    present_count = 0;
    for (size_t i = 0; i < n; ++i) {
      if (pres[i] > 1) return Malformed("chunk: bad presence code");
      c.present[i] = static_cast<uint8_t>(pres[i]);
      present_count += pres[i];
    }
  }
  GANTRY_RETURN_IF_ERROR(DecodeValues(r, c, present_count, static_cast<uint32_t>(payload.size())));
  if (h.flags & kChunkHasServerTimes) GANTRY_RETURN_IF_ERROR(DecodeServerTimes(r, c));
  if (r.remaining() != 0) return Malformed("chunk payload: trailing bytes");
  if (c.times.front() != h.summary.t_min || c.times.back() != h.summary.t_max) {
    return Corrupt("chunk: time range disagrees with header");
  }
  for (size_t i = 1; i < n; ++i) {
    if (c.times[i] < c.times[i - 1]) return Corrupt("chunk: timestamps out of order");
  }
  return c;
}

Result<Columns> DecodeChunk(std::span<const uint8_t> bytes, bool verify_checksums) {
  GANTRY_ASSIGN_OR_RETURN(ChunkHeader h, DecodeChunkHeader(bytes, verify_checksums));
  if (bytes.size() - kChunkHeaderSize < h.payload_len) return Malformed("chunk: payload truncated");
  return DecodeChunkPayload(h, bytes.subspan(kChunkHeaderSize, h.payload_len), verify_checksums);
}

}  // namespace gantry::historian
