#include "field/mqtt/sparkplug_values.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

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

Result<Metric> MetricForWrite(const Value& engineering, uint32_t datatype, const TagConfig& tag) {
  const DataType type = static_cast<DataType>(datatype);
  const std::string_view type_name = DataTypeName(datatype);
  const auto refuse = [&](std::string_view why) {
    return InvalidArgument(fmt::format("{}: cannot write {} to Sparkplug {} metric: {}", tag.path,
                                       engineering.ToString(), type_name, why));
  };
  Metric m;
  m.datatype = datatype;
  // Engineering value back to the device's value (engineering = raw * gain + offset).
  Value raw = engineering;
  if (!tag.scaling.IsIdentity()) {
    const std::optional<double> v = engineering.AsDouble();
    if (!v || tag.scaling.gain == 0) return refuse("a scaled tag takes a number");
    raw = Value((*v - tag.scaling.offset) / tag.scaling.gain);
  }
  struct IntRange {
    DataType type;
    int64_t min;
    uint64_t max;
  };
  static constexpr IntRange kInts[] = {
      {DataType::kInt8, INT8_MIN, INT8_MAX},    {DataType::kInt16, INT16_MIN, INT16_MAX},
      {DataType::kInt32, INT32_MIN, INT32_MAX}, {DataType::kInt64, INT64_MIN, INT64_MAX},
      {DataType::kUInt8, 0, UINT8_MAX},         {DataType::kUInt16, 0, UINT16_MAX},
      {DataType::kUInt32, 0, UINT32_MAX},       {DataType::kUInt64, 0, UINT64_MAX}};
  for (const IntRange& r : kInts) {
    if (r.type != type) continue;
    const std::string range = fmt::format("an integer in {}..{}", r.min, r.max);
    std::optional<int64_t> i;
    if (raw.type() == ValueType::kDouble) {
      const double d = *raw.AsDouble();
      const double rounded = std::nearbyint(d);
      // A scaled value may land a hair off an integer; more than that is not an integer.
      if (!std::isfinite(d) || std::fabs(d - rounded) > 1e-9 * std::max(1.0, std::fabs(d)))
        return refuse("expected " + range);
      if (r.type == DataType::kUInt64 && rounded >= 9223372036854775808.0 &&
          rounded < 18446744073709551616.0) {
        m.kind = ValueKind::kLong;
        m.integer = static_cast<uint64_t>(rounded);
        return m;
      }
      if (rounded < -9223372036854775808.0 || rounded >= 9223372036854775808.0)
        return refuse("expected " + range);
      i = static_cast<int64_t>(rounded);
    } else if (raw.type() == ValueType::kInt64) {
      i = raw.AsInt64();
    } else {
      return refuse("expected " + range);
    }
    if (*i < r.min || (*i > 0 && static_cast<uint64_t>(*i) > r.max))
      return refuse("out of range, expected " + range);
    const bool wide = r.type == DataType::kInt64 || r.type == DataType::kUInt64;
    m.kind = wide ? ValueKind::kLong : ValueKind::kInt;
    // Signed 8/16/32-bit values travel as uint32 (two's complement), 64-bit as uint64.
    m.integer = wide ? static_cast<uint64_t>(*i) : static_cast<uint32_t>(static_cast<int32_t>(*i));
    if (!wide && r.min == 0) m.integer = static_cast<uint64_t>(*i);
    return m;
  }
  switch (type) {
    case DataType::kFloat:
    case DataType::kDouble: {
      const std::optional<double> d =
          raw.type() == ValueType::kDouble || raw.type() == ValueType::kInt64 ? raw.AsDouble()
                                                                              : std::nullopt;
      if (!d || !std::isfinite(*d)) return refuse("expected a finite number");
      if (type == DataType::kFloat && std::fabs(*d) > std::numeric_limits<float>::max())
        return refuse("out of range, expected a number within +-3.4028235e38");
      m.kind = type == DataType::kFloat ? ValueKind::kFloat : ValueKind::kDouble;
      m.number = type == DataType::kFloat ? static_cast<double>(static_cast<float>(*d)) : *d;
      return m;
    }
    case DataType::kBoolean: {
      std::optional<bool> b;
      if (raw.type() == ValueType::kBool) b = raw.AsBool();
      if (raw.type() == ValueType::kInt64 && (*raw.AsInt64() == 0 || *raw.AsInt64() == 1))
        b = *raw.AsInt64() == 1;
      if (!b) return refuse("expected true or false (or 0/1)");
      m.kind = ValueKind::kBoolean;
      m.integer = *b ? 1 : 0;
      return m;
    }
    case DataType::kString:
    case DataType::kText:
      if (raw.AsString() == nullptr) return refuse("expected a string");
      m.kind = ValueKind::kString;
      m.text = *raw.AsString();
      return m;
    default: return refuse("Gantry does not write this datatype");
  }
}

}  // namespace gantry::sparkplug
