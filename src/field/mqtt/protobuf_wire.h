// The protobuf wire format (varints, tags, length-delimited fields) as a bounds-checked reader and
// a small writer, enough for the Sparkplug B payload. The reader trusts nothing: every read checks
// the end of its span, varints stop at 10 bytes, a length never reaches past the enclosing field.
//
//   WireReader r(bytes);
//   while (!r.AtEnd()) {
//     GANTRY_ASSIGN_OR_RETURN(WireField f, r.Next());
//     if (f.number == 1 && f.type == WireType::kVarint) timestamp = f.varint;
//   }
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gantry::mqtt {

// Protobuf wire types; 3 and 4 (groups) are deprecated and rejected.
enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// One field as read: its number, wire type and value (varint, fixed bits, or the bytes of a
// length-delimited field, borrowed from the reader's span).
struct WireField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;     // kVarint; kFixed64/kFixed32: the raw little-endian bits
  std::string_view bytes;  // kLengthDelimited
};

// Reads fields one after another from a borrowed span. Not thread-safe; cheap to copy.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : data_(bytes) {}
  bool AtEnd() const { return pos_ >= data_.size(); }
  size_t position() const { return pos_; }
  // The next field. Malformed (naming the byte offset) for a truncated field, a varint longer
  // than 10 bytes, field number 0, a group wire type or a length past the end.
  Result<WireField> Next();
  // A bare varint at the current position (packed repeated fields).
  Result<uint64_t> ReadVarint() {
    if (pos_ < data_.size()) {  // most varints on this wire (tags, aliases, types) are one byte
      const uint8_t b = static_cast<uint8_t>(data_[pos_]);
      if (b < 0x80) {
        ++pos_;
        return uint64_t{b};
      }
    }
    return ReadLongVarint();
  }

 private:
  Result<uint64_t> ReadLongVarint();

  std::string_view data_;
  size_t pos_ = 0;
};

// Appends fields to a string. Fields are written in the order called.
class WireWriter {
 public:
  void Varint(uint32_t field, uint64_t v);
  void Fixed32(uint32_t field, uint32_t bits);
  void Fixed64(uint32_t field, uint64_t bits);
  void Bytes(uint32_t field, std::string_view bytes);
  void Bool(uint32_t field, bool b) { Varint(field, b ? 1 : 0); }
  void Float(uint32_t field, float f);
  void Double(uint32_t field, double d);
  // A bare varint (packed repeated fields).
  void RawVarint(uint64_t v);

  const std::string& bytes() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Tag(uint32_t field, WireType type);
  std::string out_;
};

}  // namespace gantry::mqtt
