// The Sample: one observation of one tag. Every connector produces them, the tag bus carries them,
// the historian stores them and the operations layer reasons over them.
//
//   Sample s{tag_id, clock.Now(), Value(42.5), Quality::Good()};
//   if (auto d = s.value.AsDouble()) ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/quality.h"
#include "core/time.h"

namespace gantry {

// Index of a tag in the TagRegistry; dense from 0, stable for the life of a configuration.
using TagId = uint32_t;
inline constexpr TagId kInvalidTagId = UINT32_MAX;

enum class ValueType : uint8_t { kEmpty = 0, kDouble, kInt64, kBool, kString };
std::string_view ValueTypeName(ValueType t);

// A tag's value. Empty when the quality is Bad and no value could be read.
class Value {
 public:
  Value() = default;
  Value(double v) : v_(v) {}                    // NOLINT(google-explicit-constructor)
  Value(int64_t v) : v_(v) {}                   // NOLINT(google-explicit-constructor)
  Value(int v) : v_(int64_t{v}) {}              // NOLINT(google-explicit-constructor)
  Value(bool v) : v_(v) {}                      // NOLINT(google-explicit-constructor)
  Value(std::string v) : v_(std::move(v)) {}    // NOLINT(google-explicit-constructor)
  Value(const char* v) : v_(std::string(v)) {}  // NOLINT(google-explicit-constructor)

  ValueType type() const { return static_cast<ValueType>(v_.index()); }
  bool empty() const { return v_.index() == 0; }

  // Numeric view: doubles as is, integers converted, bools as 0/1; nullopt for strings and empty.
  std::optional<double> AsDouble() const;
  // Integer view: integers and bools; doubles only when integral and in range.
  std::optional<int64_t> AsInt64() const;
  std::optional<bool> AsBool() const;
  const std::string* AsString() const { return std::get_if<std::string>(&v_); }

  // Text form for logs, CSV and JSON-less displays ("12.5", "true", "", the string itself).
  std::string ToString() const;

  const std::variant<std::monostate, double, int64_t, bool, std::string>& variant() const {
    return v_;
  }

  friend bool operator==(const Value& a, const Value& b) = default;

 private:
  std::variant<std::monostate, double, int64_t, bool, std::string> v_;
};

struct Sample {
  TagId tag = kInvalidTagId;
  Timestamp time = 0;  // source timestamp, UTC ns
  Value value;
  Quality quality;
  // When the server in between (an OPC UA server) stamped the value, UTC ns; 0 when unknown or
  // no such server. Shown with the current value; the historian stores `time` only.
  Timestamp server_time = 0;

  friend bool operator==(const Sample& a, const Sample& b) = default;
};

static_assert(std::is_nothrow_move_constructible_v<Sample>);
static_assert(std::is_nothrow_move_assignable_v<Sample>);

}  // namespace gantry
