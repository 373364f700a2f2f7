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

// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm, proleptic Gregorian).
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
}

void Digits(std::string& out, uint64_t v, int width) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<size_t>(width));
}

// "2026-11-22T14:30:01.000Z": FormatIso8601's text (core/time.h) without its snprintf, which
// was the largest single cost of a published change; the same for years 0..9999 (tested).
void AppendTime(std::string& out, Timestamp t) {
  if (t == 0) {
    out += "null";
    return;
  }
  int64_t days = t / kDay;
  int64_t in_day = t % kDay;
  if (in_day < 0) {
    in_day += kDay;
    --days;
  }
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  CivilFromDays(days, y, m, d);
  if (y < 0 || y > 9999) {  // outside what the fast path writes: the general one
    out += '"';
    out += FormatIso8601(t);
    out += '"';
    return;
  }
  const auto ns = static_cast<uint64_t>(in_day % kSecond);
  const auto secs = static_cast<uint64_t>(in_day / kSecond);
  out += '"';
  Digits(out, static_cast<uint64_t>(y), 4);
  out += '-';
  Digits(out, m, 2);
  out += '-';
  Digits(out, d, 2);
  out += 'T';
  Digits(out, secs / 3600, 2);
  out += ':';
  Digits(out, secs / 60 % 60, 2);
  out += ':';
  Digits(out, secs % 60, 2);
  out += '.';
  if (ns % static_cast<uint64_t>(kMillisecond) == 0) {
    Digits(out, ns / static_cast<uint64_t>(kMillisecond), 3);
  } else {
    Digits(out, ns, 9);
  }
  out += "Z\"";
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
      // nlohmann's shortest round-trip form ("120.5", "121.0", "1e+20"), the API's numbers:
      // the function json::dump calls for a double, without building a json and a serializer.
      if (std::isfinite(d)) {
        char buf[64];
        const char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, d);
        out.append(buf, static_cast<size_t>(end - buf));
      } else {
        out += "null";
      }
      break;
    }
    case ValueType::kInt64: out += std::to_string(std::get<int64_t>(v.variant())); break;
    case ValueType::kBool: out += std::get<bool>(v.variant()) ? "true" : "false"; break;
    case ValueType::kString: AppendJsonString(out, *v.AsString()); break;
  }
  out += '}';
}

}  // namespace gantry::uns
