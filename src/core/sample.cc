#include "core/sample.h"

#include <cmath>
#include <cstdio>

namespace gantry {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kEmpty: return "empty";
    case ValueType::kDouble: return "double";
    case ValueType::kInt64: return "int64";
    case ValueType::kBool: return "bool";
    case ValueType::kString: return "string";
  }
  return "empty";
}

std::optional<double> Value::AsDouble() const {
  switch (type()) {
    case ValueType::kDouble: return std::get<double>(v_);
    case ValueType::kInt64: return static_cast<double>(std::get<int64_t>(v_));
    case ValueType::kBool: return std::get<bool>(v_) ? 1.0 : 0.0;
    default: return std::nullopt;
  }
}

std::optional<int64_t> Value::AsInt64() const {
  switch (type()) {
    case ValueType::kInt64: return std::get<int64_t>(v_);
    case ValueType::kBool: return std::get<bool>(v_) ? 1 : 0;
    case ValueType::kDouble: {
      double d = std::get<double>(v_);
      if (std::isfinite(d) && d == std::trunc(d) && d >= -9.2e18 && d <= 9.2e18)
        return static_cast<int64_t>(d);
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

std::optional<bool> Value::AsBool() const {
  switch (type()) {
    case ValueType::kBool: return std::get<bool>(v_);
    case ValueType::kInt64: return std::get<int64_t>(v_) != 0;
    case ValueType::kDouble: return std::get<double>(v_) != 0.0;
    default: return std::nullopt;
  }
}

std::string Value::ToString() const {
  switch (type()) {
    case ValueType::kEmpty: return "";
    case ValueType::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(v_));
      // Prefer the shortest form that reads back to the same double.
      for (int prec = 1; prec <= 17; ++prec) {
        char shorter[32];
        std::snprintf(shorter, sizeof shorter, "%.*g", prec, std::get<double>(v_));
        if (std::strtod(shorter, nullptr) == std::get<double>(v_)) return shorter;
      }
      return buf;
    }
    case ValueType::kInt64: return std::to_string(std::get<int64_t>(v_));
    case ValueType::kBool: return std::get<bool>(v_) ? "true" : "false";
    case ValueType::kString: return std::get<std::string>(v_);
  }
  return "";
}

}  // namespace gantry
