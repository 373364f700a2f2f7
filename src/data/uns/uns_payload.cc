#include "data/uns/uns_payload.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace gantry::uns {
namespace {

bool PlainAscii(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') return false;
  }
  return true;
}

void AppendTime(std::string& out, Timestamp t) {
  if (t == 0) {
    out += "null";
    return;
  }
  out += '"';
  out += FormatIso8601(t);
  out += '"';
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  if (PlainAscii(s)) {  // paths, quality names, times: the common case, copied as is
    out += '"';
    out += s;
    out += '"';
    return;
  }
  // nlohmann's serializer: the same escaping as the API's JSON, U+FFFD for invalid UTF-8.
  out +=
      nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AppendValueJson(std::string& out, std::string_view path, const Sample& sample,
                     const ValueJsonOptions& options) {
  out += '{';
  if (options.backlog) out += "\"backlog\":true,";
  out += "\"path\":";
  AppendJsonString(out, path);
  out += ",\"quality\":";
  AppendJsonString(out, sample.quality.Name());
  if (options.quality_code) {
    out += ",\"quality_code\":";
    out += std::to_string(sample.quality.code());
  }
  if (options.server_time && sample.server_time != 0) {
    out += ",\"server_time\":";
    AppendTime(out, sample.server_time);
  }
  out += ",\"time\":";
  AppendTime(out, sample.time);
  out += ",\"value\":";
  const Value& v = sample.value;
  switch (v.type()) {
    case ValueType::kEmpty: out += "null"; break;
    case ValueType::kDouble: {
      const double d = std::get<double>(v.variant());
      // nlohmann's shortest round-trip form ("120.5", "121.0", "1e+20"), the API's numbers.
      out += std::isfinite(d) ? nlohmann::json(d).dump() : "null";
      break;
    }
    case ValueType::kInt64: out += std::to_string(std::get<int64_t>(v.variant())); break;
    case ValueType::kBool: out += std::get<bool>(v.variant()) ? "true" : "false"; break;
    case ValueType::kString: AppendJsonString(out, *v.AsString()); break;
  }
  out += '}';
}

}  // namespace gantry::uns
