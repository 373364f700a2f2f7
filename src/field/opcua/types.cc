#include "field/opcua/types.h"

#include <fmt/format.h>

#include <limits>

namespace gantry::opcua {
namespace {

// 1601-01-01 to 1970-01-01 in 100 ns ticks.
constexpr int64_t kUnixEpochTicks = 116'444'736'000'000'000;

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t n =
        (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace

std::string BuiltinTypeName(BuiltinType type) {
  static constexpr const char* kNames[] = {
      "Null",          "Boolean",       "SByte",           "Byte",           "Int16",
      "UInt16",        "Int32",         "UInt32",          "Int64",          "UInt64",
      "Float",         "Double",        "String",          "DateTime",       "Guid",
      "ByteString",    "XmlElement",    "NodeId",          "ExpandedNodeId", "StatusCode",
      "QualifiedName", "LocalizedText", "ExtensionObject", "DataValue",      "Variant",
      "DiagnosticInfo"};
  const auto id = static_cast<size_t>(type);
  if (id < std::size(kNames)) return kNames[id];
  return fmt::format("Reserved({})", id);
}

Timestamp ToTimestamp(DateTime t) {
  constexpr int64_t kMaxTicks = std::numeric_limits<int64_t>::max() / 100;
  // Subtract in a way that cannot overflow: both operands are within int64.
  const int64_t since_unix = t.ticks < std::numeric_limits<int64_t>::min() + kUnixEpochTicks
                                 ? std::numeric_limits<int64_t>::min()
                                 : t.ticks - kUnixEpochTicks;
  if (since_unix > kMaxTicks) return std::numeric_limits<int64_t>::max();
  if (since_unix < -kMaxTicks) return std::numeric_limits<int64_t>::min();
  return since_unix * 100;
}

DateTime FromTimestamp(Timestamp t) {
  // |t / 100| < 9.3e16, so adding the epoch offset (1.2e17) cannot overflow.
  return DateTime{t / 100 + kUnixEpochTicks};
}

bool NodeId::IsNull() const {
  if (namespace_index != 0) return false;
  if (const auto* n = std::get_if<uint32_t>(&identifier)) return *n == 0;
  if (const auto* s = std::get_if<String>(&identifier)) return s->view().empty();
  if (const auto* g = std::get_if<Guid>(&identifier)) return *g == Guid{};
  return std::get<ByteString>(identifier).view().empty();
}

std::string NodeId::ToString() const {
  const std::string ns = namespace_index == 0 ? "" : fmt::format("ns={};", namespace_index);
  if (const auto* n = std::get_if<uint32_t>(&identifier)) return fmt::format("{}i={}", ns, *n);
  if (const auto* s = std::get_if<String>(&identifier)) return fmt::format("{}s={}", ns, s->view());
  if (const auto* g = std::get_if<Guid>(&identifier)) {
    return fmt::format("{}g={:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
                       ns, g->data1, g->data2, g->data3, g->data4[0], g->data4[1], g->data4[2],
                       g->data4[3], g->data4[4], g->data4[5], g->data4[6], g->data4[7]);
  }
  return fmt::format("{}b={}", ns, Base64(std::get<ByteString>(identifier).view()));
}

Variant Variant::Array(BuiltinType type, std::vector<Scalar> elements,
                       std::vector<int32_t> dimensions) {
  Variant v;
  v.type = type;
  v.is_array = true;
  v.array = std::move(elements);
  v.dimensions = std::move(dimensions);
  return v;
}

}  // namespace gantry::opcua
