#include "data/historian/chunk.h"

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

}  // namespace

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

  ByteWriter w;
  w.buffer().reserve(kChunkHeaderSize + p.size());
  w.PutU32(kChunkMagic);
  w.PutU8(kChunkVersion);
  w.PutU8(static_cast<uint8_t>(c.type));
  w.PutU8(absent ? kChunkHasAbsent : 0);
  w.PutU8(0);
  w.PutU32(series);
  w.PutU64(lsn);
  w.PutU32(lsn_samples);
  PutSummary(w, Summarize(c));
  w.PutU32(static_cast<uint32_t>(p.size()));
  w.PutU32(Crc32c(p.bytes()));
  w.PutU32(Crc32c(w.bytes()));
  w.PutBytes(p.bytes());
  return std::move(w.buffer());
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
  GANTRY_RETURN_IF_ERROR(DecodeValues(r, c, present_count, h.payload_len));
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
