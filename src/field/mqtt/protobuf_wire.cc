#include "field/mqtt/protobuf_wire.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>

namespace gantry::mqtt {

Result<uint64_t> WireReader::ReadLongVarint() {
  uint64_t v = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= data_.size()) return Malformed(fmt::format("varint truncated at byte {}", pos_));
    const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    if (i == 9 && b > 1)
      return Malformed(fmt::format("varint longer than 64 bits at byte {}", pos_ - 1));
    v |= uint64_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) == 0) return v;
  }
  return Malformed(fmt::format("varint longer than 10 bytes at byte {}", pos_));
}

Result<WireField> WireReader::Next() {
  const size_t at = pos_;
  GANTRY_ASSIGN_OR_RETURN(const uint64_t key, ReadVarint());
  WireField f;
  if ((key >> 3) == 0 || (key >> 3) > 0x1FFFFFFF)
    return Malformed(fmt::format("field number {} at byte {} is out of range", key >> 3, at));
  f.number = static_cast<uint32_t>(key >> 3);
  const uint64_t type = key & 7;
  switch (type) {
    case 0: {
      f.type = WireType::kVarint;
      GANTRY_ASSIGN_OR_RETURN(f.varint, ReadVarint());
      return f;
    }
    case 1:
    case 5: {
      const size_t n = type == 1 ? 8 : 4;
      if (data_.size() - pos_ < n)
        return Malformed(fmt::format("fixed{} field {} truncated at byte {}", n * 8, f.number, at));
      uint64_t bits = 0;
      for (size_t i = 0; i < n; ++i)
        bits |= uint64_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
      pos_ += n;
      f.type = type == 1 ? WireType::kFixed64 : WireType::kFixed32;
      f.varint = bits;
      return f;
    }
    case 2: {
      GANTRY_ASSIGN_OR_RETURN(const uint64_t len, ReadVarint());
      if (len > data_.size() - pos_)
        return Malformed(fmt::format("field {} at byte {} claims {} bytes, {} are left", f.number,
                                     at, len, data_.size() - pos_));
      f.type = WireType::kLengthDelimited;
      f.bytes = data_.substr(pos_, static_cast<size_t>(len));
      pos_ += static_cast<size_t>(len);
      return f;
    }
    default:
      return Malformed(fmt::format(
          "field {} at byte {} has wire type {} (groups are not supported)", f.number, at, type));
  }
}

void WireWriter::RawVarint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void WireWriter::Tag(uint32_t field, WireType type) {
  RawVarint((uint64_t{field} << 3) | static_cast<uint64_t>(type));
}

void WireWriter::Varint(uint32_t field, uint64_t v) {
  Tag(field, WireType::kVarint);
  RawVarint(v);
}

void WireWriter::Fixed32(uint32_t field, uint32_t bits) {
  Tag(field, WireType::kFixed32);
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

void WireWriter::Fixed64(uint32_t field, uint64_t bits) {
  Tag(field, WireType::kFixed64);
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

void WireWriter::Bytes(uint32_t field, std::string_view bytes) {
  Tag(field, WireType::kLengthDelimited);
  RawVarint(bytes.size());
  out_.append(bytes);
}

void WireWriter::Float(uint32_t field, float f) {
  Fixed32(field, std::bit_cast<uint32_t>(f));
}

void WireWriter::Double(uint32_t field, double d) {
  Fixed64(field, std::bit_cast<uint64_t>(d));
}

}  // namespace gantry::mqtt
