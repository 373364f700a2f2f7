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

// A timestamp as a usable Timestamp, or nullopt: absent, 0 or the largest value ("no date" and
// "forever", Part 6 §5.2.2.5), or beyond what a Timestamp holds (years 1678..2261), which would
// saturate and break every later date calculation.
std::optional<Timestamp> UsableTime(const std::optional<DateTime>& t) {
  if (!t || t->ticks <= 0 || t->ticks == std::numeric_limits<int64_t>::max()) return std::nullopt;
  constexpr Timestamp kEdge = std::numeric_limits<int64_t>::max() - 2 * 86400 * kSecond;
  const Timestamp ns = ToTimestamp(*t);
  if (ns <= -kEdge || ns >= kEdge) return std::nullopt;
  return ns;
}

}  // namespace

Sample ToSample(TagId tag, const DataValue& dv, Timestamp received_at) {
  Sample out;
  out.tag = tag;
  out.quality = dv.status.value_or(Quality::Good());
  const std::optional<Timestamp> source = UsableTime(dv.source_timestamp);
  const std::optional<Timestamp> server = UsableTime(dv.server_timestamp);
  out.time = source ? *source : server ? *server : received_at;
  out.server_time = server.value_or(0);
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
