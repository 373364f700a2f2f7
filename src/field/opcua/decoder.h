// The bounds-checked reader under every OPC UA binary decoder: a span, a position and a nesting
// depth, with limits. Every read is checked; a failure is a Malformed status that names the field
// and the byte offset ("Variant array length at byte 12: 1000000 elements but 3 bytes left").
//
//   Decoder d(bytes);
//   GANTRY_ASSIGN_OR_RETURN(uint32_t handle, d.ReadUInt32("ClientHandle"));
//   GANTRY_ASSIGN_OR_RETURN(DataValue value, DecodeDataValue(d));   // see builtin_codec.h
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "field/opcua/types.h"

namespace gantry::opcua {

// What a decoder accepts. Defaults suit a client talking to a PLC-class server.
struct DecodeLimits {
  size_t max_message_size = 16u << 20;     // bytes of one decoded message body
  uint32_t max_array_length = 1u << 20;    // elements in any one array
  uint32_t max_string_length = 16u << 20;  // bytes in any one String/ByteString/XmlElement
  uint32_t max_depth = 100;                // nesting of Variant/DataValue/DiagnosticInfo
  // Memory the decoded values may take (arrays are charged count x element size, strings
  // their length), so that a small message cannot expand into a large allocation.
  size_t max_decoded_bytes = 128u << 20;
};

class Decoder {
 public:
  // Borrows `bytes`; they must outlive the Decoder. Fails every read if bytes exceed
  // limits.max_message_size.
  explicit Decoder(std::span<const uint8_t> bytes, const DecodeLimits& limits = DecodeLimits{})
      : bytes_(bytes), limits_(limits) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool AtEnd() const { return pos_ == bytes_.size(); }
  const DecodeLimits& limits() const { return limits_; }
  uint32_t depth() const { return depth_; }

  Result<bool> ReadBoolean(std::string_view what) {
    GANTRY_RETURN_IF_ERROR(Need(1, what));
    return bytes_[pos_++] != 0;  // any non-zero byte is true (Part 6 §5.2.2.1)
  }
  Result<uint8_t> ReadByte(std::string_view what) {
    GANTRY_RETURN_IF_ERROR(Need(1, what));
    return bytes_[pos_++];
  }
  Result<int8_t> ReadSByte(std::string_view what) { return ReadLittle<int8_t>(what); }
  Result<int16_t> ReadInt16(std::string_view what) { return ReadLittle<int16_t>(what); }
  Result<uint16_t> ReadUInt16(std::string_view what) { return ReadLittle<uint16_t>(what); }
  Result<int32_t> ReadInt32(std::string_view what) { return ReadLittle<int32_t>(what); }
  Result<uint32_t> ReadUInt32(std::string_view what) { return ReadLittle<uint32_t>(what); }
  Result<int64_t> ReadInt64(std::string_view what) { return ReadLittle<int64_t>(what); }
  Result<uint64_t> ReadUInt64(std::string_view what) { return ReadLittle<uint64_t>(what); }
  Result<float> ReadFloat(std::string_view what);
  Result<double> ReadDouble(std::string_view what);

  // `n` raw bytes, borrowed from the input.
  Result<std::span<const uint8_t>> ReadBytes(size_t n, std::string_view what);
  // A length-prefixed String/ByteString/XmlElement body: nullopt for length -1.
  Result<std::optional<std::string>> ReadLengthPrefixed(std::string_view what);
  Result<String> ReadString(std::string_view what);
  Result<ByteString> ReadByteString(std::string_view what);

  // An Int32 array length (-1, a null array, reads as 0), checked against the bytes left (every
  // element takes at least `min_wire_size` bytes), max_array_length and the memory budget
  // (`element_size` bytes each in memory).
  Result<uint32_t> ReadArrayLength(std::string_view what, size_t min_wire_size,
                                   size_t element_size);

  // Enter one nesting level; fails past limits.max_depth. Pair with Leave(), or use DepthGuard.
  Status Enter(std::string_view what);
  void Leave() { --depth_; }

  // A Malformed status: "<what> at byte <position>: <why>".
  Status Fail(std::string_view what, std::string_view why) const;

 private:
  Status Need(size_t n, std::string_view what) const {
    if (bytes_.size() > limits_.max_message_size) return TooLarge();
    if (n <= remaining()) return Status::Ok();
    return NeedFailed(n, what);
  }
  Status NeedFailed(size_t n, std::string_view what) const;
  Status TooLarge() const;
  Status Charge(size_t bytes, std::string_view what);

  template <typename T>
  Result<T> ReadLittle(std::string_view what) {
    GANTRY_RETURN_IF_ERROR(Need(sizeof(T), what));
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u = static_cast<U>(u | (U{bytes_[pos_ + i]} << (8 * i)));
    pos_ += sizeof(T);
    T out;
    std::memcpy(&out, &u, sizeof(T));
    return out;
  }

  std::span<const uint8_t> bytes_;
  DecodeLimits limits_;
  size_t pos_ = 0;
  uint32_t depth_ = 0;
  size_t decoded_bytes_ = 0;
};

// Enter() on construction, Leave() on destruction when Enter() succeeded.
class DepthGuard {
 public:
  DepthGuard(Decoder& d, std::string_view what) : d_(d), status_(d.Enter(what)) {}
  ~DepthGuard() {
    if (status_.ok()) d_.Leave();
  }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  const Status& status() const { return status_; }

 private:
  Decoder& d_;
  Status status_;
};

}  // namespace gantry::opcua
