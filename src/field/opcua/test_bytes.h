// Test helpers for the OPC UA codecs: byte vectors written as hex text, as the specification's
// examples print them ("06 00 00 00 E6 B0 B4 42 6F 79"), and encode/decode shorthands.
#pragma once

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "field/opcua/builtin_codec.h"

namespace gantry::opcua::testing {

// "0A ff 10" -> {0x0A, 0xFF, 0x10}; spaces and newlines are ignored.
inline std::vector<uint8_t> Hex(std::string_view text) {
  std::vector<uint8_t> out;
  int high = -1;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    const int v = std::isdigit(static_cast<unsigned char>(c))
                      ? c - '0'
                      : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

// The encoding of `value`.
template <typename T>
Result<std::vector<uint8_t>> EncodeToBytes(const T& value) {
  Encoder e;
  GANTRY_RETURN_IF_ERROR(Encode(e, value));
  return std::move(e).Take();
}

}  // namespace gantry::opcua::testing
