#include "context/samples_csv.h"

#include <date/date.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <unordered_map>

namespace gantry::ctx {
namespace {

bool TwoDigits(const char* p, int& out) {
  if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return false;
  out = (p[0] - '0') * 10 + (p[1] - '0');
  return true;
}

std::string_view Trim(std::string_view f) {
  while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
  while (!f.empty() && (f.back() == ' ' || f.back() == '\t' || f.back() == '\r'))
    f.remove_suffix(1);
  return f;
}

// Paths looked up by string_view without building a std::string per line.
struct PathHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

std::optional<Timestamp> ParseIsoUtcFast(std::string_view t, IsoDayCache& cache) {
  if (t.size() < 20 || t.back() != 'Z' || t[4] != '-' || t[7] != '-' || t[10] != 'T' ||
      t[13] != ':' || t[16] != ':')
    return std::nullopt;
  int64_t days = 0;
  if (cache.valid && std::memcmp(cache.date, t.data(), 10) == 0) {
    days = cache.days;
  } else {
    int yh = 0, yl = 0, mo = 0, d = 0;
    if (!TwoDigits(t.data(), yh) || !TwoDigits(t.data() + 2, yl) || !TwoDigits(t.data() + 5, mo) ||
        !TwoDigits(t.data() + 8, d))
      return std::nullopt;
    const date::year_month_day ymd{date::year{yh * 100 + yl}, date::month{unsigned(mo)},
                                   date::day{unsigned(d)}};
    if (!ymd.ok()) return std::nullopt;
    days = date::sys_days{ymd}.time_since_epoch().count();
    // Beyond what int64 ns hold (1677-2262): the general parser names the error.
    if (days < -106'750 || days > 106'750) return std::nullopt;
    std::memcpy(cache.date, t.data(), 10);
    cache.days = days;
    cache.valid = true;
  }
  int h = 0, mi = 0, s = 0;
  if (!TwoDigits(t.data() + 11, h) || !TwoDigits(t.data() + 14, mi) ||
      !TwoDigits(t.data() + 17, s) || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  int64_t frac_ns = 0;
  size_t pos = 19;
  const size_t end = t.size() - 1;  // the 'Z'
  if (pos < end) {
    if (t[pos] != '.') return std::nullopt;
    ++pos;
    if (pos == end) return std::nullopt;
    int64_t scale = kSecond / 10;
    for (; pos < end; ++pos) {
      if (t[pos] < '0' || t[pos] > '9') return std::nullopt;
      frac_ns += (t[pos] - '0') * scale;
      scale /= 10;
    }
  }
  return days * kDay + h * kHour + mi * kMinute + s * kSecond + frac_ns;
}

Result<SampleTable> ParseSamplesCsv(std::string_view csv) {
  SampleTable out;
  out.samples.reserve(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')) + 1);
  std::unordered_map<std::string, uint32_t, PathHash, std::equal_to<>> index;
  IsoDayCache day;
  size_t pos = 0;
  int line_no = 0;
  std::string_view f[4];
  while (pos < csv.size()) {
    const size_t nl = csv.find('\n', pos);
    std::string_view line =
        csv.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? csv.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t fields = 0;
    for (size_t start = 0;;) {
      const size_t comma = line.find(',', start);
      if (fields < 4)
        f[fields] = Trim(line.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      ++fields;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (line_no == 1 && f[0] == "timestamp") continue;  // the header
    auto where = [&](const std::string& m) {
      return InvalidArgument("samples line " + std::to_string(line_no) + ": " + m);
    };
    if (fields < 3 || fields > 4) return where("expected timestamp,tag,value[,quality]");
    Timestamp time = 0;
    if (std::optional<Timestamp> fast = ParseIsoUtcFast(f[0], day)) {
      time = *fast;
    } else {
      Result<Timestamp> t = ParseTimestamp(f[0]);
      if (!t.ok()) return where(t.status().message());
      time = *t;
    }
    Value value;
    const std::string_view v = f[2];
    if (v == "true") {
      value = Value(true);
    } else if (v == "false") {
      value = Value(false);
    } else if (!v.empty()) {
      double d = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
      if (ec != std::errc() || p != v.data() + v.size())
        return where("expected a number, true or false as value, got '" + std::string(v) + "'");
      value = Value(d);
    }
    Quality q = v.empty() ? Quality::BadNoCommunication() : Quality::Good();
    if (fields == 4 && !f[3].empty() && !Quality::FromName(f[3], q))
      return where("unknown quality '" + std::string(f[3]) +
                   "'; expected Good, Uncertain, Bad, a name such as BadNotConnected or 0x...");
    auto it = index.find(f[1]);
    if (it == index.end()) {
      it = index.emplace(std::string(f[1]), static_cast<uint32_t>(out.paths.size())).first;
      out.paths.emplace_back(f[1]);
    }
    out.samples.push_back(Sample{it->second, time, std::move(value), q, 0});
  }
  return out;
}

}  // namespace gantry::ctx
