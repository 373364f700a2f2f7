#include "field/mqtt/sparkplug_payload.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "field/mqtt/protobuf_wire.h"

namespace gantry::sparkplug {

using mqtt::WireField;
using mqtt::WireReader;
using mqtt::WireType;
using mqtt::WireWriter;

std::string_view DataTypeName(uint32_t datatype) {
  static constexpr std::string_view kNames[] = {"Unknown",      "Int8",
                                                "Int16",        "Int32",
                                                "Int64",        "UInt8",
                                                "UInt16",       "UInt32",
                                                "UInt64",       "Float",
                                                "Double",       "Boolean",
                                                "String",       "DateTime",
                                                "Text",         "UUID",
                                                "DataSet",      "Bytes",
                                                "File",         "Template",
                                                "PropertySet",  "PropertySetList",
                                                "Int8Array",    "Int16Array",
                                                "Int32Array",   "Int64Array",
                                                "UInt8Array",   "UInt16Array",
                                                "UInt32Array",  "UInt64Array",
                                                "FloatArray",   "DoubleArray",
                                                "BooleanArray", "StringArray",
                                                "DateTimeArray"};
  if (datatype < std::size(kNames)) return kNames[datatype];
  return "Unknown";
}

namespace {

// Moves a decoded value into `out`, or passes the error on (usable inside a switch's case).
template <typename T, typename U>
Status Assign(T& out, Result<U> value) {
  if (!value.ok()) return value.status();
  out = std::move(value).value();
  return Status::Ok();
}

// Decoding state shared by every nested message: the limits and what is spent of them.
class Decoder {
 public:
  explicit Decoder(const DecodeLimits& limits) : limits_(limits) {}

  Status Payload(std::string_view bytes, sparkplug::Payload& out) {
    {  // count the metrics first: one allocation instead of a vector growing (and moving) 7 times
      WireReader count(bytes);
      size_t metrics = 0;
      while (!count.AtEnd()) {
        Result<WireField> f = count.Next();
        if (!f.ok()) break;  // reported by the real pass below
        if (f->number == 2) ++metrics;
      }
      out.metrics.reserve(std::min(metrics, limits_.max_elements));
    }
    WireReader r(bytes);
    while (!r.AtEnd()) {
      GANTRY_ASSIGN_OR_RETURN(WireField f, r.Next());
      switch (f.number) {
        case 1: GANTRY_RETURN_IF_ERROR(Assign(out.timestamp, U64(f, "Payload.timestamp"))); break;
        case 2: {
          GANTRY_RETURN_IF_ERROR(Spend("Payload.metrics"));
          GANTRY_ASSIGN_OR_RETURN(std::string_view m, Nested(f, "Payload.metrics"));
          out.metrics.emplace_back();
          GANTRY_RETURN_IF_ERROR(Metric(m, 1, out.metrics.back()));
          break;
        }
        case 3: GANTRY_RETURN_IF_ERROR(Assign(out.seq, U64(f, "Payload.seq"))); break;
        case 4: GANTRY_RETURN_IF_ERROR(Assign(out.uuid, Text(f, "Payload.uuid"))); break;
        case 5: GANTRY_RETURN_IF_ERROR(Assign(out.body, Text(f, "Payload.body"))); break;
        default: break;  // unknown field or extension: skipped
      }
    }
    return Status::Ok();
  }

 private:
  Status Spend(std::string_view what) {
    if (++elements_ > limits_.max_elements)
      return Malformed(
          fmt::format("{}: more than {} elements in one payload", what, limits_.max_elements));
    return Status::Ok();
  }
  Status Deeper(int depth, std::string_view what) const {
    if (depth > limits_.max_depth)
      return Malformed(fmt::format("{}: nested deeper than {}", what, limits_.max_depth));
    return Status::Ok();
  }
  static Status WrongType(const WireField& f, std::string_view what) {
    return Malformed(
        fmt::format("{} (field {}) has wire type {}", what, f.number, static_cast<int>(f.type)));
  }
  static Result<uint64_t> U64(const WireField& f, std::string_view what) {
    if (f.type != WireType::kVarint) return WrongType(f, what);
    return f.varint;
  }
  static Result<uint32_t> U32(const WireField& f, std::string_view what) {
    if (f.type != WireType::kVarint) return WrongType(f, what);
    return static_cast<uint32_t>(f.varint);  // protobuf: a uint32 keeps the low 32 bits
  }
  static Result<bool> Bool(const WireField& f, std::string_view what) {
    if (f.type != WireType::kVarint) return WrongType(f, what);
    return f.varint != 0;
  }
  static Result<std::string> Text(const WireField& f, std::string_view what) {
    if (f.type != WireType::kLengthDelimited) return WrongType(f, what);
    return std::string(f.bytes);
  }
  static Result<std::string_view> Nested(const WireField& f, std::string_view what) {
    if (f.type != WireType::kLengthDelimited) return WrongType(f, what);
    return f.bytes;
  }
  static Result<double> Float(const WireField& f, std::string_view what) {
    if (f.type != WireType::kFixed32) return WrongType(f, what);
    return static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(f.varint)));
  }
  static Result<double> Double(const WireField& f, std::string_view what) {
    if (f.type != WireType::kFixed64) return WrongType(f, what);
    return std::bit_cast<double>(f.varint);
  }

  // The value fields shared by DataSet cells and template parameters (numbers `first`..first+6:
  // int, long, float, double, boolean, string, extension).
  Status CellValue(const WireField& f, uint32_t first, DataSetValue& v, std::string_view what) {
    switch (f.number - first) {
      case 0:
        v.kind = ValueKind::kInt;
        GANTRY_RETURN_IF_ERROR(Assign(v.integer, U32(f, what)));
        break;
      case 1:
        v.kind = ValueKind::kLong;
        GANTRY_RETURN_IF_ERROR(Assign(v.integer, U64(f, what)));
        break;
      case 2:
        v.kind = ValueKind::kFloat;
        GANTRY_RETURN_IF_ERROR(Assign(v.number, Float(f, what)));
        break;
      case 3:
        v.kind = ValueKind::kDouble;
        GANTRY_RETURN_IF_ERROR(Assign(v.number, Double(f, what)));
        break;
      case 4: {
        v.kind = ValueKind::kBoolean;
        GANTRY_ASSIGN_OR_RETURN(const bool b, Bool(f, what));
        v.integer = b ? 1 : 0;
        break;
      }
      case 5:
        v.kind = ValueKind::kString;
        GANTRY_RETURN_IF_ERROR(Assign(v.text, Text(f, what)));
        break;
      case 6:
        v.kind = ValueKind::kExtension;
        GANTRY_RETURN_IF_ERROR(Assign(v.text, Text(f, what)));
        break;
      default: break;
    }
    if (v.kind != ValueKind::kInt && v.kind != ValueKind::kLong && v.kind != ValueKind::kBoolean)
      v.integer = 0;
    if (v.kind != ValueKind::kFloat && v.kind != ValueKind::kDouble) v.number = 0;
    if (v.kind != ValueKind::kString && v.kind != ValueKind::kExtension) v.text.clear();
    return Status::Ok();
  }

  Status Metric(std::string_view bytes, int depth, sparkplug::Metric& m) {
    GANTRY_RETURN_IF_ERROR(Deeper(depth, "Metric"));
    WireReader r(bytes);
    while (!r.AtEnd()) {
      GANTRY_ASSIGN_OR_RETURN(WireField f, r.Next());
      if (f.number >= 10 && f.number <= 19) ClearValue(m);
      switch (f.number) {
        case 1: GANTRY_RETURN_IF_ERROR(Assign(m.name, Text(f, "Metric.name"))); break;
        case 2: GANTRY_RETURN_IF_ERROR(Assign(m.alias, U64(f, "Metric.alias"))); break;
        case 3: GANTRY_RETURN_IF_ERROR(Assign(m.timestamp, U64(f, "Metric.timestamp"))); break;
        case 4: GANTRY_RETURN_IF_ERROR(Assign(m.datatype, U32(f, "Metric.datatype"))); break;
        case 5:
          GANTRY_RETURN_IF_ERROR(Assign(m.is_historical, Bool(f, "Metric.is_historical")));
          break;
        case 6:
          GANTRY_RETURN_IF_ERROR(Assign(m.is_transient, Bool(f, "Metric.is_transient")));
          break;
        case 7: GANTRY_RETURN_IF_ERROR(Assign(m.is_null, Bool(f, "Metric.is_null"))); break;
        case 8: {
          GANTRY_ASSIGN_OR_RETURN(std::string_view b, Nested(f, "Metric.metadata"));
          GANTRY_RETURN_IF_ERROR(MetaData(b, m.metadata));
          break;
        }
        case 9: {
          GANTRY_ASSIGN_OR_RETURN(std::string_view b, Nested(f, "Metric.properties"));
          m.properties.emplace();
          GANTRY_RETURN_IF_ERROR(PropertySet(b, depth + 1, *m.properties));
          break;
        }
        case 10:
          m.kind = ValueKind::kInt;
          GANTRY_RETURN_IF_ERROR(Assign(m.integer, U32(f, "Metric.int_value")));
          break;
        case 11:
          m.kind = ValueKind::kLong;
          GANTRY_RETURN_IF_ERROR(Assign(m.integer, U64(f, "Metric.long_value")));
          break;
        case 12:
          m.kind = ValueKind::kFloat;
          GANTRY_RETURN_IF_ERROR(Assign(m.number, Float(f, "Metric.float_value")));
          break;
        case 13:
          m.kind = ValueKind::kDouble;
          GANTRY_RETURN_IF_ERROR(Assign(m.number, Double(f, "Metric.double_value")));
          break;
        case 14: {
          m.kind = ValueKind::kBoolean;
          GANTRY_ASSIGN_OR_RETURN(const bool b, Bool(f, "Metric.boolean_value"));
          m.integer = b ? 1 : 0;
          break;
        }
        case 15:
          m.kind = ValueKind::kString;
          GANTRY_RETURN_IF_ERROR(Assign(m.text, Text(f, "Metric.string_value")));
          break;
        case 16:
          m.kind = ValueKind::kBytes;
          GANTRY_RETURN_IF_ERROR(Assign(m.text, Text(f, "Metric.bytes_value")));
          break;
        case 17: {
          m.kind = ValueKind::kDataSet;
          GANTRY_ASSIGN_OR_RETURN(std::string_view b, Nested(f, "Metric.dataset_value"));
          GANTRY_RETURN_IF_ERROR(DataSet(b, m.dataset));
          break;
        }
        case 18: {
          m.kind = ValueKind::kTemplate;
          GANTRY_ASSIGN_OR_RETURN(std::string_view b, Nested(f, "Metric.template_value"));
          m.template_value.emplace_back();
          GANTRY_RETURN_IF_ERROR(Template(b, depth + 1, m.template_value.back()));
          break;
        }
        case 19:
          m.kind = ValueKind::kExtension;
          GANTRY_RETURN_IF_ERROR(Assign(m.text, Text(f, "Metric.extension_value")));
          break;
        default: break;
      }
    }
    return Status::Ok();
  }

  // A later value field replaces an earlier one (protobuf `oneof`: the last one wins).
  static void ClearValue(sparkplug::Metric& m) {
    m.kind = ValueKind::kNone;
    m.integer = 0;
    m.number = 0;
    m.text.clear();
    m.dataset = sparkplug::DataSet{};
    m.template_value.clear();
  }

  Status MetaData(std::string_view bytes, sparkplug::MetaData& md) {
    md.present = true;
    WireReader r(bytes);
    while (!r.AtEnd()) {
      GANTRY_ASSIGN_OR_RETURN(WireField f, r.Next());
      switch (f.number) {
        case 1:
          GANTRY_RETURN_IF_ERROR(Assign(md.is_multi_part, Bool(f, "MetaData.is_multi_part")));
          break;
        case 2:
          GANTRY_RETURN_IF_ERROR(Assign(md.content_type, Text(f, "MetaData.content_type")));
          break;
        case 3: GANTRY_RETURN_IF_ERROR(Assign(md.size, U64(f, "MetaData.size"))); break;
        case 4: GANTRY_RETURN_IF_ERROR(Assign(md.seq, U64(f, "MetaData.seq"))); break;
        case 5: GANTRY_RETURN_IF_ERROR(Assign(md.file_name, Text(f, "MetaData.file_name"))); break;
        case 6: GANTRY_RETURN_IF_ERROR(Assign(md.file_type, Text(f, "MetaData.file_type"))); break;
        case 7: GANTRY_RETURN_IF_ERROR(Assign(md.md5, Text(f, "MetaData.md5"))); break;
        case 8:
          GANTRY_RETURN_IF_ERROR(Assign(md.description, Text(f, "MetaData.description")));
          break;
        default: break;
      }
    }
    return Status::Ok();
  }

  Status PropertySet(std::string_view bytes, int depth, sparkplug::PropertySet& set) {
    GANTRY_RETURN_IF_ERROR(Deeper(depth, "PropertySet"));
    WireReader r(bytes);
    while (!r.AtEnd()) {
      GANTRY_ASSIGN_OR_RETURN(WireField f, r.Next());
      if (f.number == 1) {
        GANTRY_RETURN_IF_ERROR(Spend("PropertySet.keys"));
        GANTRY_ASSIGN_OR_RETURN(std::string key, Text(f, "PropertySet.keys"));
        set.keys.push_back(std::move(key));
      } else if (f.number == 2) {
        GANTRY_RETURN_IF_ERROR(Spend("PropertySet.values"));
        GANTRY_ASSIGN_OR_RETURN(std::string_view b, Nested(f, "PropertySet.values"));
        set.values.emplace_back();
        GANTRY_RETURN_IF_ERROR(PropertyValue(b, depth, set.values.back()));
      }
    }
    return Status::Ok();
  }

  Status PropertyValue(std::string_view bytes, int depth, sparkplug::PropertyValue& v) {
    WireReader r(bytes);
    while (!r.AtEnd()) {
      GANTRY_ASSIGN_OR_RETURN(WireField f, r.Next());
      if (f.number >= 3 && f.number <= 11) {  // oneof value: the last one wins
        v.kind = ValueKind::kNone;
        v.integer = 0;
        v.number = 0;
        v.text.clear();
        v.sets.clear();
      }
      switch (f.number) {
        case 1: GANTRY_RETURN_IF_ERROR(Assign(v.type, U32(f, "PropertyValue.type"))); break;
        case 2: GANTRY_RETURN_IF_ERROR(Assign(v.is_null, Bool(f, "PropertyValue.is_null"))); break;
        case 3:
          v.kind = ValueKind::kInt;
          GANTRY_RETURN_IF_ERROR(Assign(v.integer, U32(f, "PropertyValue.int_value")));
          break;
        case 4:
          v.kind = ValueKind::kLong;
          GANTRY_RETURN_IF_ERROR(Assign(v.integer, U64(f, "PropertyValue.long_value")));
          break;
        case 5:
          v.kind = ValueKind::kFloat;
          GANTRY_RETURN_IF_ERROR(Assign(v.number, Float(f, "PropertyValue.float_value")));
          break;
        case 6:
          v.kind = ValueKind::kDouble;
          GANTRY_RETURN_IF_ERROR(Assign(v.number, Double(f, "PropertyValue.double_value")));
          break;
        case 7: {
          v.kind = ValueKind::kBoolean;
          GANTRY_ASSIGN_OR_RETURN(const bool b, Bool(f, "PropertyValue.boolean_value"));
          v.integer = b ? 1 : 0;
          break;
        }
        case 8:
          v.kind = ValueKind::kString;
          GANTRY_RETURN_IF_ERROR(Assign(v.text, Text(f, "PropertyValue.string_value")));
          break;
        case 9: {
          v.kind = ValueKind::kPropertySet;
          GANTRY_ASSIGN_OR_RETURN(std::string_view b, Nested(f, "PropertyValue.propertyset_value"));
          v.sets.emplace_back();
          GANTRY_RETURN_IF_ERROR(PropertySet(b, depth + 1, v.sets.back()));
          break;
        }
        case 10: {
          v.kind = ValueKind::kPropertySetList;
          GANTRY_ASSIGN_OR_RETURN(std::string_view b,
                                  Nested(f, "PropertyValue.propertysets_value"));
          GANTRY_RETURN_IF_ERROR(Deeper(depth + 1, "PropertySetList"));
          WireReader list(b);
          while (!list.AtEnd()) {
            GANTRY_ASSIGN_OR_RETURN(WireField item, list.Next());
            if (item.number != 1) continue;
            GANTRY_RETURN_IF_ERROR(Spend("PropertySetList.propertyset"));
            GANTRY_ASSIGN_OR_RETURN(std::string_view s,
                                    Nested(item, "PropertySetList.propertyset"));
            v.sets.emplace_back();
            GANTRY_RETURN_IF_ERROR(PropertySet(s, depth + 1, v.sets.back()));
          }
          break;
        }
        case 11:
          v.kind = ValueKind::kExtension;
          GANTRY_RETURN_IF_ERROR(Assign(v.text, Text(f, "PropertyValue.extension_value")));
          break;
        default: break;
      }
    }
    return Status::Ok();
  }

  Status DataSet(std::string_view bytes, sparkplug::DataSet& ds) {
    WireReader r(bytes);
    while (!r.AtEnd()) {
      GANTRY_ASSIGN_OR_RETURN(WireField f, r.Next());
      switch (f.number) {
        case 1:
          GANTRY_RETURN_IF_ERROR(Assign(ds.num_of_columns, U64(f, "DataSet.num_of_columns")));
          break;
        case 2: {
          GANTRY_RETURN_IF_ERROR(Spend("DataSet.columns"));
          GANTRY_ASSIGN_OR_RETURN(std::string c, Text(f, "DataSet.columns"));
          ds.columns.push_back(std::move(c));
          break;
        }
        case 3:
          if (f.type == WireType::kLengthDelimited) {  // packed
            WireReader packed(f.bytes);
            while (!packed.AtEnd()) {
              GANTRY_RETURN_IF_ERROR(Spend("DataSet.types"));
              GANTRY_ASSIGN_OR_RETURN(const uint64_t t, packed.ReadVarint());
              ds.types.push_back(static_cast<uint32_t>(t));
            }
          } else {
            GANTRY_RETURN_IF_ERROR(Spend("DataSet.types"));
            GANTRY_ASSIGN_OR_RETURN(const uint32_t t, U32(f, "DataSet.types"));
            ds.types.push_back(t);
          }
          break;
        case 4: {
          GANTRY_RETURN_IF_ERROR(Spend("DataSet.rows"));
          GANTRY_ASSIGN_OR_RETURN(std::string_view row_bytes, Nested(f, "DataSet.rows"));
          std::vector<DataSetValue>& row = ds.rows.emplace_back();
          WireReader rr(row_bytes);
          while (!rr.AtEnd()) {
            GANTRY_ASSIGN_OR_RETURN(WireField e, rr.Next());
            if (e.number != 1) continue;
            GANTRY_RETURN_IF_ERROR(Spend("DataSet.Row.elements"));
            GANTRY_ASSIGN_OR_RETURN(std::string_view cell, Nested(e, "DataSet.Row.elements"));
            DataSetValue& v = row.emplace_back();
            WireReader cr(cell);
            while (!cr.AtEnd()) {
              GANTRY_ASSIGN_OR_RETURN(WireField c, cr.Next());
              GANTRY_RETURN_IF_ERROR(CellValue(c, 1, v, "DataSet.DataSetValue"));
            }
          }
          break;
        }
        default: break;
      }
    }
    return Status::Ok();
  }

  Status Template(std::string_view bytes, int depth, sparkplug::Template& t) {
    GANTRY_RETURN_IF_ERROR(Deeper(depth, "Template"));
    WireReader r(bytes);
    while (!r.AtEnd()) {
      GANTRY_ASSIGN_OR_RETURN(WireField f, r.Next());
      switch (f.number) {
        case 1: GANTRY_RETURN_IF_ERROR(Assign(t.version, Text(f, "Template.version"))); break;
        case 2: {
          GANTRY_RETURN_IF_ERROR(Spend("Template.metrics"));
          GANTRY_ASSIGN_OR_RETURN(std::string_view b, Nested(f, "Template.metrics"));
          t.metrics.emplace_back();
          GANTRY_RETURN_IF_ERROR(Metric(b, depth + 1, t.metrics.back()));
          break;
        }
        case 3: {
          GANTRY_RETURN_IF_ERROR(Spend("Template.parameters"));
          GANTRY_ASSIGN_OR_RETURN(std::string_view b, Nested(f, "Template.parameters"));
          TemplateParameter& p = t.parameters.emplace_back();
          WireReader pr(b);
          while (!pr.AtEnd()) {
            GANTRY_ASSIGN_OR_RETURN(WireField pf, pr.Next());
            if (pf.number == 1) {
              GANTRY_RETURN_IF_ERROR(Assign(p.name, Text(pf, "Template.Parameter.name")));
            } else if (pf.number == 2) {
              GANTRY_RETURN_IF_ERROR(Assign(p.type, U32(pf, "Template.Parameter.type")));
            } else {
              GANTRY_RETURN_IF_ERROR(CellValue(pf, 3, p.value, "Template.Parameter"));
            }
          }
          break;
        }
        case 4:
          GANTRY_RETURN_IF_ERROR(Assign(t.template_ref, Text(f, "Template.template_ref")));
          break;
        case 5:
          GANTRY_RETURN_IF_ERROR(Assign(t.is_definition, Bool(f, "Template.is_definition")));
          break;
        default: break;
      }
    }
    return Status::Ok();
  }

  const DecodeLimits& limits_;
  size_t elements_ = 0;
};

// --- encoding ---

void EncodeCell(WireWriter& w, uint32_t first, const DataSetValue& v) {
  switch (v.kind) {
    case ValueKind::kInt: w.Varint(first, static_cast<uint32_t>(v.integer)); break;
    case ValueKind::kLong: w.Varint(first + 1, v.integer); break;
    case ValueKind::kFloat: w.Float(first + 2, static_cast<float>(v.number)); break;
    case ValueKind::kDouble: w.Double(first + 3, v.number); break;
    case ValueKind::kBoolean: w.Bool(first + 4, v.integer != 0); break;
    case ValueKind::kString: w.Bytes(first + 5, v.text); break;
    case ValueKind::kExtension: w.Bytes(first + 6, v.text); break;
    default: break;
  }
}

std::string EncodePropertySet(const PropertySet& set);

std::string EncodePropertyValue(const PropertyValue& v) {
  WireWriter w;
  if (v.type) w.Varint(1, *v.type);
  if (v.is_null) w.Bool(2, true);
  switch (v.kind) {
    case ValueKind::kInt: w.Varint(3, static_cast<uint32_t>(v.integer)); break;
    case ValueKind::kLong: w.Varint(4, v.integer); break;
    case ValueKind::kFloat: w.Float(5, static_cast<float>(v.number)); break;
    case ValueKind::kDouble: w.Double(6, v.number); break;
    case ValueKind::kBoolean: w.Bool(7, v.integer != 0); break;
    case ValueKind::kString: w.Bytes(8, v.text); break;
    case ValueKind::kPropertySet:
      w.Bytes(9, v.sets.empty() ? std::string() : EncodePropertySet(v.sets.front()));
      break;
    case ValueKind::kPropertySetList: {
      WireWriter list;
      for (const PropertySet& s : v.sets) list.Bytes(1, EncodePropertySet(s));
      w.Bytes(10, list.bytes());
      break;
    }
    case ValueKind::kExtension: w.Bytes(11, v.text); break;
    default: break;
  }
  return w.Take();
}

std::string EncodePropertySet(const PropertySet& set) {
  WireWriter w;
  for (const std::string& k : set.keys) w.Bytes(1, k);
  for (const PropertyValue& v : set.values) w.Bytes(2, EncodePropertyValue(v));
  return w.Take();
}

std::string EncodeMetaData(const MetaData& md) {
  WireWriter w;
  if (md.is_multi_part) w.Bool(1, *md.is_multi_part);
  if (md.content_type) w.Bytes(2, *md.content_type);
  if (md.size) w.Varint(3, *md.size);
  if (md.seq) w.Varint(4, *md.seq);
  if (md.file_name) w.Bytes(5, *md.file_name);
  if (md.file_type) w.Bytes(6, *md.file_type);
  if (md.md5) w.Bytes(7, *md.md5);
  if (md.description) w.Bytes(8, *md.description);
  return w.Take();
}

std::string EncodeDataSet(const DataSet& ds) {
  WireWriter w;
  if (ds.num_of_columns) w.Varint(1, *ds.num_of_columns);
  for (const std::string& c : ds.columns) w.Bytes(2, c);
  for (uint32_t t : ds.types) w.Varint(3, t);
  for (const std::vector<DataSetValue>& row : ds.rows) {
    WireWriter rw;
    for (const DataSetValue& v : row) {
      WireWriter cw;
      EncodeCell(cw, 1, v);
      rw.Bytes(1, cw.bytes());
    }
    w.Bytes(4, rw.bytes());
  }
  return w.Take();
}

std::string EncodeMetric(const Metric& m);

std::string EncodeTemplate(const Template& t) {
  WireWriter w;
  if (t.version) w.Bytes(1, *t.version);
  for (const Metric& m : t.metrics) w.Bytes(2, EncodeMetric(m));
  for (const TemplateParameter& p : t.parameters) {
    WireWriter pw;
    if (p.name) pw.Bytes(1, *p.name);
    if (p.type) pw.Varint(2, *p.type);
    EncodeCell(pw, 3, p.value);
    w.Bytes(3, pw.bytes());
  }
  if (t.template_ref) w.Bytes(4, *t.template_ref);
  if (t.is_definition) w.Bool(5, *t.is_definition);
  return w.Take();
}

std::string EncodeMetric(const Metric& m) {
  WireWriter w;
  if (m.name) w.Bytes(1, *m.name);
  if (m.alias) w.Varint(2, *m.alias);
  if (m.timestamp) w.Varint(3, *m.timestamp);
  if (m.datatype) w.Varint(4, *m.datatype);
  if (m.is_historical) w.Bool(5, true);
  if (m.is_transient) w.Bool(6, true);
  if (m.is_null) w.Bool(7, true);
  if (m.metadata.present) w.Bytes(8, EncodeMetaData(m.metadata));
  if (m.properties) w.Bytes(9, EncodePropertySet(*m.properties));
  switch (m.kind) {
    case ValueKind::kInt: w.Varint(10, static_cast<uint32_t>(m.integer)); break;
    case ValueKind::kLong: w.Varint(11, m.integer); break;
    case ValueKind::kFloat: w.Float(12, static_cast<float>(m.number)); break;
    case ValueKind::kDouble: w.Double(13, m.number); break;
    case ValueKind::kBoolean: w.Bool(14, m.integer != 0); break;
    case ValueKind::kString: w.Bytes(15, m.text); break;
    case ValueKind::kBytes: w.Bytes(16, m.text); break;
    case ValueKind::kDataSet: w.Bytes(17, EncodeDataSet(m.dataset)); break;
    case ValueKind::kTemplate:
      w.Bytes(18, m.template_value.empty() ? std::string() : EncodeTemplate(m.template_value[0]));
      break;
    case ValueKind::kExtension: w.Bytes(19, m.text); break;
    default: break;
  }
  return w.Take();
}

}  // namespace

Result<Payload> DecodePayload(std::string_view bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.max_bytes)
    return Malformed(fmt::format("Sparkplug payload of {} bytes is above the limit of {}",
                                 bytes.size(), limits.max_bytes));
  Payload out;
  Decoder d(limits);
  GANTRY_RETURN_IF_ERROR(d.Payload(bytes, out));
  return out;
}

std::string EncodePayload(const Payload& p) {
  WireWriter w;
  if (p.timestamp) w.Varint(1, *p.timestamp);
  for (const Metric& m : p.metrics) w.Bytes(2, EncodeMetric(m));
  if (p.seq) w.Varint(3, *p.seq);
  if (p.uuid) w.Bytes(4, *p.uuid);
  if (p.body) w.Bytes(5, *p.body);
  return w.Take();
}

}  // namespace gantry::sparkplug
