#include "field/opcua/opcua_points.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "field/opcua/sample_mapping.h"

namespace gantry::opcua {

std::optional<Value> ToEngineering(const OpcUaPoint& point, const Value& raw) {
  const TagConfig& tag = point.tag;
  switch (tag.type) {
    case ValueType::kDouble: {
      auto d = raw.AsDouble();
      if (!d) return std::nullopt;
      return Value(tag.scaling.Apply(*d));
    }
    case ValueType::kInt64: {
      auto i = raw.AsInt64();
      if (!i) return std::nullopt;
      return Value(*i);
    }
    case ValueType::kBool: {
      if (auto b = raw.AsBool()) return Value(*b);
      if (auto i = raw.AsInt64()) return Value(*i != 0);
      return std::nullopt;
    }
    case ValueType::kString:
      if (const std::string* s = raw.AsString()) return Value(*s);
      return Value(raw.ToString());
    case ValueType::kEmpty: return std::nullopt;
  }
  return std::nullopt;
}

namespace {

template <typename T>
Result<Variant> IntegerAs(std::optional<double> v, BuiltinType type) {
  if (!v || std::isnan(*v) || std::round(*v) != *v ||
      *v < static_cast<double>(std::numeric_limits<T>::min()) ||
      *v > static_cast<double>(std::numeric_limits<T>::max())) {
    return InvalidArgument(
        fmt::format("value does not fit the node's type {}", BuiltinTypeName(type)));
  }
  return Variant::Of(static_cast<T>(*v));
}

}  // namespace

Result<Variant> ToWireValue(const OpcUaPoint& point, const Value& value, BuiltinType type) {
  std::optional<double> raw = value.AsDouble();
  if (raw && !point.tag.scaling.IsIdentity())
    raw = (*raw - point.tag.scaling.offset) / point.tag.scaling.gain;
  switch (type) {
    case BuiltinType::kBoolean: {
      auto b = value.AsBool();
      if (!b) return InvalidArgument("expected a bool for a Boolean node");
      return Variant::Of(*b);
    }
    case BuiltinType::kSByte: return IntegerAs<int8_t>(raw, type);
    case BuiltinType::kByte: return IntegerAs<uint8_t>(raw, type);
    case BuiltinType::kInt16: return IntegerAs<int16_t>(raw, type);
    case BuiltinType::kUInt16: return IntegerAs<uint16_t>(raw, type);
    case BuiltinType::kInt32: return IntegerAs<int32_t>(raw, type);
    case BuiltinType::kUInt32: return IntegerAs<uint32_t>(raw, type);
    case BuiltinType::kInt64:
      if (auto i = value.AsInt64(); i && point.tag.scaling.IsIdentity()) return Variant::Of(*i);
      return IntegerAs<int64_t>(raw, type);
    case BuiltinType::kUInt64: return IntegerAs<uint64_t>(raw, type);
    case BuiltinType::kFloat:
      if (!raw) return InvalidArgument("expected a number for a Float node");
      return Variant::Of(static_cast<float>(*raw));
    case BuiltinType::kDouble:
      if (!raw) return InvalidArgument("expected a number for a Double node");
      return Variant::Of(*raw);
    case BuiltinType::kString:
      if (const std::string* s = value.AsString()) return Variant::Of(String::Of(*s));
      return InvalidArgument("expected a string for a String node");
    default:
      return InvalidArgument(
          fmt::format("writing nodes of type {} is not supported", BuiltinTypeName(type)));
  }
}

PointSamples::PointSamples(const OpcUaDeviceConfig& device, std::vector<TagId> tag_ids)
    : device_(device), tag_ids_(std::move(tag_ids)), last_quality_(tag_ids_.size()) {}

Sample PointSamples::OnDataChange(size_t index, const DataValue& value, Timestamp received_at) {
  Sample s = ToSample(tag_ids_[index], value, received_at);
  if (!s.value.empty()) {
    std::optional<Value> eng = ToEngineering(device_.points[index], s.value);
    if (eng) {
      s.value = std::move(*eng);
    } else {
      s.value = Value();
      s.quality = Quality::BadTypeMismatch();
    }
  }
  last_quality_[index] = s.quality;
  return s;
}

std::optional<Sample> PointSamples::OnPointBad(size_t index, Quality quality, Timestamp time) {
  if (last_quality_[index] && *last_quality_[index] == quality) return std::nullopt;
  last_quality_[index] = quality;
  return Sample{tag_ids_[index], time, Value(), quality};
}

std::vector<Sample> PointSamples::OnDeviceDown(Quality quality, Timestamp time) {
  std::vector<Sample> out;
  for (size_t i = 0; i < tag_ids_.size(); ++i) {
    if (auto s = OnPointBad(i, quality, time)) out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace gantry::opcua
