// The OPC UA built-in types (IEC 62541-6 §5.1.2, Table 1) as plain C++ values: what the binary
// decoder produces and the encoder consumes. No I/O and no wire knowledge lives here.
//
//   Variant v = Variant::Scalar(42.5);                       // Double
//   NodeId id = NodeId::Text(2, "Line1.Filler.Count");       // ns=2;s=Line1.Filler.Count
//   DataValue dv{.value = v, .status = Quality::Good()};
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/quality.h"
#include "core/time.h"

namespace gantry::opcua {

// Built-in type ids; also the low six bits of a Variant's encoding mask. Ids 26..31 are
// unassigned: decoders keep them and treat the value as a ByteString (Part 6 §5.2.2.16).
enum class BuiltinType : uint8_t {
  kNull = 0,
  kBoolean = 1,
  kSByte = 2,
  kByte = 3,
  kInt16 = 4,
  kUInt16 = 5,
  kInt32 = 6,
  kUInt32 = 7,
  kInt64 = 8,
  kUInt64 = 9,
  kFloat = 10,
  kDouble = 11,
  kString = 12,
  kDateTime = 13,
  kGuid = 14,
  kByteString = 15,
  kXmlElement = 16,
  kNodeId = 17,
  kExpandedNodeId = 18,
  kStatusCode = 19,
  kQualifiedName = 20,
  kLocalizedText = 21,
  kExtensionObject = 22,
  kDataValue = 23,
  kVariant = 24,
  kDiagnosticInfo = 25,
};

// "Double", "NodeId", ...; "Reserved(27)" for the unassigned ids.
std::string BuiltinTypeName(BuiltinType type);

// A String, ByteString or XmlElement. Null (wire length -1) is distinct from empty (length 0).
template <BuiltinType kType>
struct Text {
  std::optional<std::string> value;

  static Text Of(std::string_view s) { return Text{std::string(s)}; }
  bool is_null() const { return !value.has_value(); }
  // The content, "" when null.
  std::string_view view() const { return value ? std::string_view(*value) : std::string_view(); }
  friend bool operator==(const Text&, const Text&) = default;
};
using String = Text<BuiltinType::kString>;
using ByteString = Text<BuiltinType::kByteString>;
using XmlElement = Text<BuiltinType::kXmlElement>;

// 100-nanosecond intervals since 1601-01-01T00:00:00Z (UTC).
struct DateTime {
  int64_t ticks = 0;
  friend bool operator==(const DateTime&, const DateTime&) = default;
};
// Conversions to Gantry's Timestamp (ns since 1970). Values outside Timestamp's range saturate.
Timestamp ToTimestamp(DateTime t);
DateTime FromTimestamp(Timestamp t);

struct Guid {
  uint32_t data1 = 0;
  uint16_t data2 = 0;
  uint16_t data3 = 0;
  std::array<uint8_t, 8> data4{};
  friend bool operator==(const Guid&, const Guid&) = default;
};

// A node in a server's address space: namespace index plus a numeric, string, GUID or opaque id.
struct NodeId {
  uint16_t namespace_index = 0;
  std::variant<uint32_t, String, Guid, ByteString> identifier = uint32_t{0};

  static NodeId Numeric(uint16_t ns, uint32_t id) { return NodeId{ns, id}; }
  static NodeId Text(uint16_t ns, std::string_view id) { return NodeId{ns, String::Of(id)}; }
  // The null NodeId is ns=0;i=0.
  bool IsNull() const;
  // "ns=2;s=Line1", "i=85", "ns=1;g=...", "ns=1;b=<base64>" (OPC UA's text form).
  std::string ToString() const;
  friend bool operator==(const NodeId&, const NodeId&) = default;
};

// A NodeId that may name its namespace by URI and live on another server.
struct ExpandedNodeId {
  NodeId node_id;
  String namespace_uri;       // null when not given
  uint32_t server_index = 0;  // 0 = this server
  friend bool operator==(const ExpandedNodeId&, const ExpandedNodeId&) = default;
};

struct QualifiedName {
  uint16_t namespace_index = 0;
  String name;
  friend bool operator==(const QualifiedName&, const QualifiedName&) = default;
};

// Each part is optional on the wire (encoding mask), so both are nullable.
struct LocalizedText {
  String locale;
  String text;
  friend bool operator==(const LocalizedText&, const LocalizedText&) = default;
};

// A structure the decoder does not interpret: its type and its encoded body, kept as bytes so
// that unknown types are skipped safely by their length.
struct ExtensionObject {
  enum class Body : uint8_t { kNone = 0, kByteString = 1, kXmlElement = 2 };
  NodeId type_id;
  Body body_kind = Body::kNone;
  std::string body;  // empty when body_kind == kNone
  friend bool operator==(const ExtensionObject&, const ExtensionObject&) = default;
};

// Owns one T on the heap and copies it deeply; lets DataValue, Variant and DiagnosticInfo nest
// inside a Variant. A moved-from Box is empty and may only be assigned or destroyed.
template <typename T>
class Box {
 public:
  Box() : p_(std::make_unique<T>()) {}
  explicit Box(T value) : p_(std::make_unique<T>(std::move(value))) {}
  Box(const Box& other) : p_(other.p_ ? std::make_unique<T>(*other.p_) : nullptr) {}
  Box(Box&&) noexcept = default;
  Box& operator=(const Box& other) {
    if (this != &other) p_ = other.p_ ? std::make_unique<T>(*other.p_) : nullptr;
    return *this;
  }
  Box& operator=(Box&&) noexcept = default;
  ~Box() = default;

  const T& operator*() const { return *p_; }
  T& operator*() { return *p_; }
  const T* operator->() const { return p_.get(); }
  T* operator->() { return p_.get(); }
  friend bool operator==(const Box& a, const Box& b) {
    if (!a.p_ || !b.p_) return a.p_ == b.p_;
    return *a.p_ == *b.p_;
  }

 private:
  std::unique_ptr<T> p_;
};

struct DataValue;
struct Variant;
struct DiagnosticInfo;

// One value of any built-in type. The alternative's index equals its BuiltinType id
// (StatusCode is carried as gantry::Quality, which holds the OPC UA code unchanged).
using Scalar =
    std::variant<std::monostate, bool, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t,
                 int64_t, uint64_t, float, double, String, DateTime, Guid, ByteString, XmlElement,
                 NodeId, ExpandedNodeId, Quality, QualifiedName, LocalizedText, ExtensionObject,
                 Box<DataValue>, Box<Variant>, Box<DiagnosticInfo>>;

// A Variant: null, a scalar, or a one- or multi-dimensional array of one built-in type.
// Invariants the encoder checks: scalars are never Variants; every array element holds the
// alternative of `type`; `dimensions` is empty or has >= 2 entries whose product is the length.
struct Variant {
  BuiltinType type = BuiltinType::kNull;
  bool is_array = false;
  Scalar scalar;                    // when !is_array
  std::vector<Scalar> array;        // when is_array
  std::vector<int32_t> dimensions;  // multi-dimensional arrays only

  // A scalar Variant whose type follows from the C++ type of `value`.
  template <typename T>
  static Variant Of(T value) {
    Variant v;
    v.scalar = Scalar(std::move(value));
    v.type = static_cast<BuiltinType>(v.scalar.index());
    return v;
  }
  // An array of `type`; elements must hold that type's alternative.
  static Variant Array(BuiltinType type, std::vector<Scalar> elements,
                       std::vector<int32_t> dimensions = {});
  bool is_null() const { return type == BuiltinType::kNull; }
  friend bool operator==(const Variant&, const Variant&) = default;
};

// A value with its quality and timestamps, as Read and data-change notifications carry it.
struct DataValue {
  std::optional<Variant> value;
  std::optional<Quality> status;  // absent means Good
  std::optional<DateTime> source_timestamp;
  std::optional<uint16_t> source_picoseconds;
  std::optional<DateTime> server_timestamp;
  std::optional<uint16_t> server_picoseconds;
  friend bool operator==(const DataValue&, const DataValue&) = default;
};

// Vendor diagnostics; the Int32 fields index the response header's string table.
struct DiagnosticInfo {
  std::optional<int32_t> symbolic_id;
  std::optional<int32_t> namespace_uri;
  std::optional<int32_t> locale;
  std::optional<int32_t> localized_text;
  std::optional<String> additional_info;
  std::optional<Quality> inner_status_code;
  std::optional<Box<DiagnosticInfo>> inner_diagnostic_info;
  friend bool operator==(const DiagnosticInfo&, const DiagnosticInfo&) = default;
};

}  // namespace gantry::opcua
