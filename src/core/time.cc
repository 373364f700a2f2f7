#include "core/time.h"

#include <chrono>
#include <cstdio>

#include <date/date.h>

namespace gantry {

Timestamp SystemClock::Now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

std::string FormatIso8601(Timestamp t) {
  using namespace std::chrono;
  const sys_time<nanoseconds> tp{nanoseconds{t}};
  const auto day = floor<date::days>(tp);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<nanoseconds> hms{tp - day};
  const int64_t ns = hms.subseconds().count();
  char buf[64];
  if (ns % kMillisecond == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()), int(ns / kMillisecond));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%09lldZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()),
                  static_cast<long long>(ns));
  }
  return buf;
}

namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Reads exactly n digits at s[pos]; advances pos.
bool Digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += n;
  return true;
}

// Days either side of 1970 whose instants (plus a day and an offset) fit in int64 ns: 1677-09-22
// to 2262-04-10.
constexpr int64_t kMaxTimestampDays = 106'750;

Status BadTimestamp(std::string_view text) {
  return InvalidArgument("'" + std::string(text) +
                         "' is not a timestamp; expected ISO 8601 such as "
                         "2026-11-22T06:00:00Z or 2026-11-22T07:00:00+01:00, a date "
                         "2026-11-22, or epoch seconds/milliseconds/nanoseconds");
}

Result<Timestamp> ParseEpoch(std::string_view text) {
  std::string_view whole = text;
  std::string_view frac;
  if (auto dot = text.find('.'); dot != std::string_view::npos) {
    whole = text.substr(0, dot);
    frac = text.substr(dot + 1);
    if (!frac.empty() && !AllDigits(frac)) return BadTimestamp(text);
  }
  bool negative = !whole.empty() && whole[0] == '-';
  if (negative) whole.remove_prefix(1);
  if (!AllDigits(whole) || whole.size() > 19) return BadTimestamp(text);
  // Magnitude decides the unit: seconds up to 11 digits, ms up to 14, else ns.
  int64_t v = 0;
  for (char c : whole) v = v * 10 + (c - '0');
  int64_t scale = whole.size() <= 11 ? kSecond : whole.size() <= 14 ? kMillisecond : 1;
  if (scale > 1 && v > INT64_MAX / scale) return BadTimestamp(text);
  int64_t ns = v * scale;
  int64_t digit_scale = scale / 10;
  for (char c : frac) {
    if (digit_scale == 0) break;
    ns += (c - '0') * digit_scale;
    digit_scale /= 10;
  }
  return negative ? -ns : ns;
}

}  // namespace

Result<Timestamp> ParseTimestamp(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  if (text.empty()) return BadTimestamp(text);
  if (text.size() < 10 || text[4] != '-') return ParseEpoch(text);

  size_t pos = 0;
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!Digits(text, pos, 4, y) || text[pos++] != '-' || !Digits(text, pos, 2, mo) ||
      pos >= text.size() || text[pos++] != '-' || !Digits(text, pos, 2, d))
    return BadTimestamp(text);
  int64_t frac_ns = 0;
  int64_t offset_ns = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return BadTimestamp(text);
    ++pos;
    if (!Digits(text, pos, 2, h) || pos >= text.size() || text[pos++] != ':' ||
        !Digits(text, pos, 2, mi))
      return BadTimestamp(text);
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!Digits(text, pos, 2, s)) return BadTimestamp(text);
    }
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      int64_t scale = kSecond / 10;
      size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        frac_ns += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return BadTimestamp(text);
    }
    if (pos < text.size()) {
      char z = text[pos];
      if (z == 'Z' || z == 'z') {
        ++pos;
      } else if (z == '+' || z == '-') {
        ++pos;
        int oh, om = 0;
        if (!Digits(text, pos, 2, oh)) return BadTimestamp(text);
        if (pos < text.size() && text[pos] == ':') ++pos;
        if (pos < text.size() && !Digits(text, pos, 2, om)) return BadTimestamp(text);
        if (oh > 23 || om > 59) return BadTimestamp(text);
        offset_ns = (oh * kHour + om * kMinute) * (z == '+' ? 1 : -1);
      } else {
        return BadTimestamp(text);
      }
    }
    if (pos != text.size()) return BadTimestamp(text);
  }
  const date::year_month_day ymd{date::year{y}, date::month{unsigned(mo)}, date::day{unsigned(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return BadTimestamp(text);
  const int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  if (days < -kMaxTimestampDays || days > kMaxTimestampDays) return BadTimestamp(text);  // int64 ns
  return days * kDay + h * kHour + mi * kMinute + s * kSecond + frac_ns - offset_ns;
}

Result<Duration> ParseDuration(std::string_view text) {
  const std::string original(text);
  auto bad = [&] {
    return InvalidArgument("'" + original +
                           "' is not a duration; expected a number with a unit, such as 250ms, "
                           "5s, 10m, 8h, 1d or 1h30m (a bare number means seconds)");
  };
  if (text.empty()) return bad();
  if (AllDigits(text)) {
    if (text.size() > 10) return bad();
    return static_cast<Duration>(std::stoll(std::string(text))) * kSecond;
  }
  Duration total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.')) ++pos;
    if (pos == start || pos - start > 12) return bad();
    double number = std::stod(std::string(text.substr(start, pos - start)));
    size_t ustart = pos;
    while (pos < text.size() && text[pos] >= 'a' && text[pos] <= 'z') ++pos;
    std::string_view unit = text.substr(ustart, pos - ustart);
    Duration scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us")
      scale = kMicrosecond;
    else if (unit == "ms")
      scale = kMillisecond;
    else if (unit == "s")
      scale = kSecond;
    else if (unit == "m" || unit == "min")
      scale = kMinute;
    else if (unit == "h")
      scale = kHour;
    else if (unit == "d")
      scale = kDay;
    else
      return bad();
    total += static_cast<Duration>(number * static_cast<double>(scale));
  }
  return total;
}

}  // namespace gantry
