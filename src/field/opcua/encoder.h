// The writer under every OPC UA binary encoder: appends little-endian primitives to a byte
// buffer it owns. Writes of primitives cannot fail; composite encoders (builtin_codec.h) return
// a Status when a value breaks an encoding rule.
//
//   Encoder e;
//   e.WriteUInt32(7);
//   GANTRY_RETURN_IF_ERROR(Encode(e, data_value));
//   std::vector<uint8_t> bytes = std::move(e).Take();
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "field/opcua/types.h"

namespace gantry::opcua {

class Encoder {
 public:
  // Nesting limit for Variant/DataValue/DiagnosticInfo, as on the decoding side.
  explicit Encoder(uint32_t max_depth = 100) : max_depth_(max_depth) {}

  void WriteBoolean(bool v) { bytes_.push_back(v ? 1 : 0); }
  void WriteByte(uint8_t v) { bytes_.push_back(v); }
  void WriteSByte(int8_t v) { WriteLittle(v); }
  void WriteInt16(int16_t v) { WriteLittle(v); }
  void WriteUInt16(uint16_t v) { WriteLittle(v); }
  void WriteInt32(int32_t v) { WriteLittle(v); }
  void WriteUInt32(uint32_t v) { WriteLittle(v); }
  void WriteInt64(int64_t v) { WriteLittle(v); }
  void WriteUInt64(uint64_t v) { WriteLittle(v); }
  void WriteFloat(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    WriteLittle(bits);
  }
  void WriteDouble(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    WriteLittle(bits);
  }
  void WriteBytes(std::span<const uint8_t> raw) {
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
  }
  void WriteBytes(std::string_view raw) { bytes_.insert(bytes_.end(), raw.begin(), raw.end()); }
  // Int32 length (-1 for null) and the bytes. Fails beyond 2^31-1 bytes.
  Status WriteLengthPrefixed(const std::optional<std::string>& v);
  template <BuiltinType kType>
  Status WriteText(const Text<kType>& v) {
    return WriteLengthPrefixed(v.value);
  }
  // Int32 array length; fails beyond 2^31-1 elements.
  Status WriteArrayLength(size_t n);

  // Overwrites 4 bytes at `offset` (e.g. a message size known only at the end).
  void PatchUInt32(size_t offset, uint32_t v);

  Status Enter(std::string_view what);
  void Leave() { --depth_; }

  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> Take() && { return std::move(bytes_); }

 private:
  template <typename T>
  void WriteLittle(T v) {
    using U = std::make_unsigned_t<T>;
    U u;
    std::memcpy(&u, &v, sizeof(T));
    for (size_t i = 0; i < sizeof(T); ++i) bytes_.push_back(static_cast<uint8_t>(u >> (8 * i)));
  }

  std::vector<uint8_t> bytes_;
  uint32_t max_depth_;
  uint32_t depth_ = 0;
};

}  // namespace gantry::opcua
