#include "field/mqtt/sparkplug_values.h"

#include <cstdint>
#include <limits>

namespace gantry::sparkplug {

Value NaturalValue(const Metric& m, uint32_t datatype) {
  if (m.is_null) return Value();
  const bool integer_field = m.kind == ValueKind::kInt || m.kind == ValueKind::kLong;
  switch (static_cast<DataType>(datatype)) {
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      if (!integer_field) return Value();
      return Value(int64_t{static_cast<int32_t>(static_cast<uint32_t>(m.integer))});
    case DataType::kUInt8:
    case DataType::kUInt16:
    case DataType::kUInt32:
      if (!integer_field) return Value();
      return Value(static_cast<int64_t>(m.integer & 0xFFFFFFFFu));
    case DataType::kInt64:
      if (!integer_field) return Value();
      return Value(static_cast<int64_t>(m.integer));
    case DataType::kUInt64:
      if (!integer_field) return Value();
      if (m.integer > static_cast<uint64_t>(INT64_MAX))
        return Value(static_cast<double>(m.integer));
      return Value(static_cast<int64_t>(m.integer));
    case DataType::kDateTime:  // ms since 1970 -> ns, when it fits
      if (!integer_field || m.integer > static_cast<uint64_t>(INT64_MAX / 1'000'000))
        return Value();
      return Value(static_cast<int64_t>(m.integer) * 1'000'000);
    case DataType::kFloat:
    case DataType::kDouble:
      if (m.kind != ValueKind::kFloat && m.kind != ValueKind::kDouble) return Value();
      return Value(m.number);
    case DataType::kBoolean:
      if (m.kind != ValueKind::kBoolean) return Value();
      return Value(m.integer != 0);
    case DataType::kString:
    case DataType::kText:
    case DataType::kUuid:
      if (m.kind != ValueKind::kString) return Value();
      return Value(m.text);
    case DataType::kUnknown:  // no datatype known: go by the value field
      switch (m.kind) {
        case ValueKind::kInt: return Value(static_cast<int64_t>(m.integer));
        case ValueKind::kLong:
          if (m.integer > static_cast<uint64_t>(INT64_MAX))
            return Value(static_cast<double>(m.integer));
          return Value(static_cast<int64_t>(m.integer));
        case ValueKind::kFloat:
        case ValueKind::kDouble: return Value(m.number);
        case ValueKind::kBoolean: return Value(m.integer != 0);
        case ValueKind::kString: return Value(m.text);
        default: return Value();
      }
    default: return Value();
  }
}

std::pair<Value, Quality> ConvertForTag(const Value& v, const TagConfig& tag) {
  const std::pair<Value, Quality> mismatch{Value(), Quality::BadTypeMismatch()};
  if (v.empty()) return mismatch;
  switch (tag.type) {
    case ValueType::kDouble: {
      std::optional<double> d = v.AsDouble();
      if (!d) return mismatch;
      return {Value(tag.scaling.Apply(*d)), Quality::Good()};
    }
    case ValueType::kInt64: {
      std::optional<int64_t> i = v.AsInt64();
      if (!i) return mismatch;
      return {Value(*i), Quality::Good()};
    }
    case ValueType::kBool: {
      std::optional<bool> b = v.AsBool();
      if (!b) return mismatch;
      return {Value(*b), Quality::Good()};
    }
    case ValueType::kString:
      if (const std::string* s = v.AsString()) return {Value(*s), Quality::Good()};
      return {Value(v.ToString()), Quality::Good()};
    default: return mismatch;
  }
}

std::pair<Value, Quality> MetricToValue(const Metric& metric, uint32_t datatype,
                                        const TagConfig& tag) {
  if (metric.is_null) return {Value(), Quality::Bad()};
  return ConvertForTag(NaturalValue(metric, datatype), tag);
}

}  // namespace gantry::sparkplug
