// The Sparkplug B payload (Sparkplug 3.0 §6.4, the protobuf schema `Payload`) as plain C++ values,
// with a decoder that treats the bytes as hostile and an encoder (for tests and for the NCMD
// rebirth request). Written against the schema's field numbers; no libprotobuf (docs/mqtt.md).
//
//   GANTRY_ASSIGN_OR_RETURN(sparkplug::Payload p, sparkplug::DecodePayload(bytes));
//   for (const sparkplug::Metric& m : p.metrics) ... m.name, m.alias, m.value ...
//   std::string wire = sparkplug::EncodePayload(p);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gantry::sparkplug {

// Sparkplug data types (the schema's DataType enumeration).
enum class DataType : uint32_t {
  kUnknown = 0,
  kInt8 = 1,
  kInt16 = 2,
  kInt32 = 3,
  kInt64 = 4,
  kUInt8 = 5,
  kUInt16 = 6,
  kUInt32 = 7,
  kUInt64 = 8,
  kFloat = 9,
  kDouble = 10,
  kBoolean = 11,
  kString = 12,
  kDateTime = 13,
  kText = 14,
  kUuid = 15,
  kDataSet = 16,
  kBytes = 17,
  kFile = 18,
  kTemplate = 19,
  kPropertySet = 20,
  kPropertySetList = 21,
  // 22..34: arrays (Int8Array .. DateTimeArray), carried in bytes_value
};
std::string_view DataTypeName(uint32_t datatype);  // "Int32", ..., "Unknown(99)"

// Which member of a value's `oneof` was on the wire.
enum class ValueKind : uint8_t {
  kNone,  // no value field (is_null, or a DATA without a value)
  kInt,   // int_value (uint32 on the wire)
  kLong,  // long_value (uint64 on the wire)
  kFloat,
  kDouble,
  kBoolean,
  kString,
  kBytes,
  kDataSet,
  kTemplate,
  kPropertySet,      // PropertyValue only
  kPropertySetList,  // PropertyValue only
  kExtension,        // extension_value: skipped, its bytes kept
};

struct PropertySet;

struct PropertyValue {
  std::optional<uint32_t> type;
  bool is_null = false;
  ValueKind kind = ValueKind::kNone;
  uint64_t integer = 0;           // kInt (32 bits), kLong, kBoolean (0/1)
  double number = 0;              // kFloat, kDouble
  std::string text;               // kString, kExtension
  std::vector<PropertySet> sets;  // kPropertySet: one; kPropertySetList: any number
  friend bool operator==(const PropertyValue&, const PropertyValue&) = default;
};

struct PropertySet {
  std::vector<std::string> keys;
  std::vector<PropertyValue> values;
  friend bool operator==(const PropertySet&, const PropertySet&) = default;
};

struct MetaData {
  bool present = false;
  std::optional<bool> is_multi_part;
  std::optional<std::string> content_type, file_name, file_type, md5, description;
  std::optional<uint64_t> size, seq;
  friend bool operator==(const MetaData&, const MetaData&) = default;
};

// One cell of a DataSet row.
struct DataSetValue {
  ValueKind kind = ValueKind::kNone;  // kInt, kLong, kFloat, kDouble, kBoolean, kString, kExtension
  uint64_t integer = 0;
  double number = 0;
  std::string text;
  friend bool operator==(const DataSetValue&, const DataSetValue&) = default;
};

struct DataSet {
  std::optional<uint64_t> num_of_columns;
  std::vector<std::string> columns;
  std::vector<uint32_t> types;
  std::vector<std::vector<DataSetValue>> rows;
  friend bool operator==(const DataSet&, const DataSet&) = default;
};

struct TemplateParameter {
  std::optional<std::string> name;
  std::optional<uint32_t> type;
  DataSetValue value;  // same value kinds as a DataSet cell
  friend bool operator==(const TemplateParameter&, const TemplateParameter&) = default;
};

struct Template;

struct Metric {
  std::optional<std::string> name;  // in births; DATA messages may carry only the alias
  std::optional<uint64_t> alias;
  std::optional<uint64_t> timestamp;  // ms since the Unix epoch
  std::optional<uint32_t> datatype;
  bool is_historical = false;
  bool is_transient = false;
  bool is_null = false;
  MetaData metadata;
  std::optional<PropertySet> properties;
  ValueKind kind = ValueKind::kNone;
  uint64_t integer = 0;  // kInt (32 bits), kLong, kBoolean (0/1)
  double number = 0;     // kFloat (exactly representable), kDouble
  std::string text;      // kString, kBytes, kExtension
  DataSet dataset;       // kDataSet
  std::vector<Template>
      template_value;  // kTemplate: exactly one (a vector: Template nests Metrics)
  friend bool operator==(const Metric&, const Metric&) = default;
};

struct Template {
  std::optional<std::string> version;
  std::vector<Metric> metrics;
  std::vector<TemplateParameter> parameters;
  std::optional<std::string> template_ref;
  std::optional<bool> is_definition;
  friend bool operator==(const Template&, const Template&) = default;
};

struct Payload {
  std::optional<uint64_t> timestamp;  // ms since the Unix epoch
  std::vector<Metric> metrics;
  std::optional<uint64_t> seq;
  std::optional<std::string> uuid;
  std::optional<std::string> body;
  friend bool operator==(const Payload&, const Payload&) = default;
};

// Limits of the decoder; a payload beyond any of them is Malformed, never allocated.
struct DecodeLimits {
  size_t max_bytes = 16 * 1024 * 1024;  // whole payload
  int max_depth = 8;                    // Template/PropertySet nesting
  size_t max_elements = 200'000;        // metrics, properties, rows, cells, keys... in total
};

// Decodes a Sparkplug B payload. Unknown fields are skipped (the schema allows extensions);
// Malformed naming the field and byte offset for a truncated or inconsistent encoding, a known
// field of the wrong wire type, or a payload beyond `limits`. Pure: no I/O.
Result<Payload> DecodePayload(std::string_view bytes, const DecodeLimits& limits = {});

// Encodes `payload` (present fields only, in schema order). Deterministic: decoding the result and
// encoding again gives the same bytes.
std::string EncodePayload(const Payload& payload);

}  // namespace gantry::sparkplug
