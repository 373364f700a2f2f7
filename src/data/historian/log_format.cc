#include "data/historian/log_format.h"

#include "data/historian/crc32c.h"

namespace gantry::historian {

std::vector<uint8_t> EncodeLogHeader(const LogFileHeader& h) {
  ByteWriter w;
  w.PutU32(h.magic);
  w.PutU32(kLogVersion);
  w.PutU64(h.durable_segment);
  w.PutU64(h.durable_length);
  w.PutU32(Crc32c(w.bytes()));
  return std::move(w.buffer());
}

Result<LogFileHeader> DecodeLogHeader(std::span<const uint8_t> bytes, uint32_t magic) {
  if (bytes.size() < kLogHeaderSize) return Malformed("log header: truncated");
  ByteReader r(bytes.first(kLogHeaderSize));
  LogFileHeader h;
  h.magic = r.U32();
  const uint32_t version = r.U32();
  h.durable_segment = r.U64();
  h.durable_length = r.U64();
  const uint32_t crc = r.U32();
  if (h.magic != magic) return Corrupt("log header: bad magic");
  if (Crc32c(bytes.first(kLogHeaderSize - 4)) != crc)
    return Corrupt("log header: checksum mismatch");
  if (version != kLogVersion)
    return Corrupt("log header: unsupported version " + std::to_string(version));
  return h;
}

size_t BeginRecord(ByteWriter& w, RecordType type) {
  const size_t start = w.size();
  w.PutU32(0);  // crc
  w.PutU32(0);  // length
  w.PutU8(static_cast<uint8_t>(type));
  return start;
}

void EndRecord(ByteWriter& w, size_t start) {
  const auto len = static_cast<uint32_t>(w.size() - start - kRecordHeaderSize);
  w.PatchU32(start + 4, len);
  auto covered = w.bytes().subspan(start + 4);
  w.PatchU32(start, Crc32c(covered));
}

LogScan ScanRecords(std::span<const uint8_t> bytes, size_t start) {
  LogScan scan;
  size_t pos = start;
  scan.valid_end = start;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < kRecordHeaderSize) {
      scan.problem = "record header truncated";
      break;
    }
    ByteReader r(bytes.subspan(pos, kRecordHeaderSize));
    const uint32_t crc = r.U32();
    const uint32_t len = r.U32();
    const uint8_t type_byte = r.U8();
    const uint8_t type = type_byte & static_cast<uint8_t>(~kWalHasServerTime);
    if (len > kMaxRecordPayload || len > bytes.size() - pos - kRecordHeaderSize) {
      scan.problem = "record length " + std::to_string(len) + " runs past the end";
      break;
    }
    if (Crc32c(bytes.subspan(pos + 4, 5 + len)) != crc) {
      scan.problem = "record checksum mismatch";
      break;
    }
    if (type != static_cast<uint8_t>(RecordType::kSampleBatch) &&
        type != static_cast<uint8_t>(RecordType::kCatalogEntry)) {
      scan.problem = "unknown record type " + std::to_string(type);
      break;
    }
    scan.records.push_back(
        {static_cast<RecordType>(type), bytes.subspan(pos + kRecordHeaderSize, len), pos});
    pos += kRecordHeaderSize + len;
    scan.valid_end = pos;
  }
  return scan;
}

void EncodeSampleBatch(uint64_t lsn, std::span<const Sample> samples,
                       std::span<const SeriesId> series, ByteWriter& w) {
  w.PutU64(lsn);
  w.PutVarint(samples.size());
  Timestamp prev = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    w.PutVarint(series[i]);
    w.PutVarint(
        ZigZag(static_cast<int64_t>(static_cast<uint64_t>(s.time) - static_cast<uint64_t>(prev))));
    prev = s.time;
    w.PutVarint(s.quality.code());
    const auto type = s.value.type();
    w.PutU8(static_cast<uint8_t>(static_cast<uint8_t>(type) |
                                 (s.server_time != 0 ? kWalHasServerTime : 0)));
    const auto& v = s.value.variant();
    switch (type) {
      case ValueType::kEmpty: break;
      case ValueType::kDouble: w.PutF64(std::get<double>(v)); break;
      case ValueType::kInt64: w.PutVarint(ZigZag(std::get<int64_t>(v))); break;
      case ValueType::kBool: w.PutU8(std::get<bool>(v) ? 1 : 0); break;
      case ValueType::kString: w.PutString(std::get<std::string>(v)); break;
    }
    if (s.server_time != 0) {
      w.PutVarint(ZigZag(static_cast<int64_t>(static_cast<uint64_t>(s.server_time) -
                                              static_cast<uint64_t>(s.time))));
    }
  }
}

Result<SampleBatch> DecodeSampleBatch(std::span<const uint8_t> payload) {
  ByteReader r(payload);
  SampleBatch b;
  b.lsn = r.U64();
  const uint64_t n = r.Varint();
  if (!r.ok() || n > payload.size() / 4) return Malformed("sample batch: bad count");
  b.samples.resize(n);
  Timestamp prev = 0;
  for (auto& s : b.samples) {
    const uint64_t series = r.Varint();
    const auto delta = static_cast<uint64_t>(UnZigZag(r.Varint()));
    s.time = static_cast<Timestamp>(static_cast<uint64_t>(prev) + delta);
    prev = s.time;
    const uint64_t q = r.Varint();
    const uint8_t type_byte = r.U8();
    const uint8_t type = type_byte & static_cast<uint8_t>(~kWalHasServerTime);
    if (series > UINT32_MAX || q > UINT32_MAX) return Malformed("sample batch: field out of range");
    s.tag = static_cast<TagId>(series);
    s.quality = Quality(static_cast<uint32_t>(q));
    switch (static_cast<ValueType>(type)) {
      case ValueType::kEmpty: break;
      case ValueType::kDouble: s.value = Value(r.F64()); break;
      case ValueType::kInt64: s.value = Value(UnZigZag(r.Varint())); break;
      case ValueType::kBool: {
        const uint8_t x = r.U8();
        if (x > 1) return Malformed("sample batch: bad bool");
        s.value = Value(x == 1);
        break;
      }
      case ValueType::kString: s.value = Value(std::string(r.String())); break;
      default: return Malformed("sample batch: bad value type");
    }
    if (type_byte & kWalHasServerTime) {
      const auto server_delta = static_cast<uint64_t>(UnZigZag(r.Varint()));
      s.server_time = static_cast<Timestamp>(static_cast<uint64_t>(s.time) + server_delta);
      if (r.ok() && s.server_time == 0)
        return Malformed("sample batch: a present server time of 0 (0 means unknown)");
    }
    if (!r.ok()) return Malformed("sample batch: truncated");
  }
  if (r.remaining() != 0) return Malformed("sample batch: trailing bytes");
  return b;
}

}  // namespace gantry::historian
