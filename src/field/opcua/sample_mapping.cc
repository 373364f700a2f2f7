#include "field/opcua/sample_mapping.h"

#include <limits>

namespace gantry::opcua {
namespace {

// The Gantry value for a scalar, or nullopt when the type has no Gantry equivalent.
std::optional<Value> MapScalar(const Scalar& s) {
  return std::visit(
      [](const auto& x) -> std::optional<Value> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          return Value(x);
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            return Value(static_cast<double>(x));
          return Value(static_cast<int64_t>(x));
        } else if constexpr (std::is_integral_v<T>) {
          return Value(static_cast<int64_t>(x));
        } else if constexpr (std::is_floating_point_v<T>) {
          return Value(static_cast<double>(x));
        } else if constexpr (std::is_same_v<T, String>) {
          return Value(std::string(x.view()));
        } else if constexpr (std::is_same_v<T, LocalizedText>) {
          return Value(std::string(x.text.view()));
        } else if constexpr (std::is_same_v<T, DateTime>) {
          return Value(static_cast<int64_t>(ToTimestamp(x)));
        } else if constexpr (std::is_same_v<T, Quality>) {
          return Value(static_cast<int64_t>(x.code()));
        } else {
          return std::nullopt;
        }
      },
      s);
}

}  // namespace

Sample ToSample(TagId tag, const DataValue& dv, Timestamp received_at) {
  Sample out;
  out.tag = tag;
  out.quality = dv.status.value_or(Quality::Good());
  out.time = dv.source_timestamp   ? ToTimestamp(*dv.source_timestamp)
             : dv.server_timestamp ? ToTimestamp(*dv.server_timestamp)
                                   : received_at;
  out.server_time = dv.server_timestamp ? ToTimestamp(*dv.server_timestamp) : 0;
  if (!dv.value || dv.value->is_null()) {
    if (out.quality.IsGood()) out.quality = Quality::Bad();
    return out;
  }
  std::optional<Value> v = dv.value->is_array ? std::nullopt : MapScalar(dv.value->scalar);
  if (!v) {
    out.quality = Quality::BadTypeMismatch();
    return out;
  }
  out.value = std::move(*v);
  return out;
}

}  // namespace gantry::opcua
