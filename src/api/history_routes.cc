#include "api/history_routes.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "data/historian/aggregate.h"
#include "data/historian/historian.h"

namespace gantry {
namespace {

using json = nlohmann::json;
constexpr std::string_view kPrefix = "/api/v1/tags/";
constexpr std::string_view kSuffix = "/history";
constexpr size_t kDefaultLimit = 10'000;
constexpr size_t kMaxLimit = 100'000;
constexpr size_t kMaxBuckets = 100'000;

json PointValue(const Value& v) {
  switch (v.type()) {
    case ValueType::kEmpty: return nullptr;
    case ValueType::kDouble: {
      double d = *v.AsDouble();
      return std::isfinite(d) ? json(d) : json(v.ToString());
    }
    case ValueType::kInt64: return *v.AsInt64();
    case ValueType::kBool: return *v.AsBool();
    case ValueType::kString: return *v.AsString();
  }
  return nullptr;
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string NumberText(double d) {
  return Value(d).ToString();
}

std::optional<std::string> Param(const RequestTarget& t, std::string_view name) {
  for (const auto& [k, v] : t.query)
    if (k == name) return v;
  return std::nullopt;
}

struct RangeQuery {
  Timestamp from = 0, to = 0;
  std::optional<historian::AggregateKind> agg;
  std::string agg_name;
  Duration interval = 0;
  std::string interval_text;
  size_t limit = kDefaultLimit;
  std::optional<historian::RawCursor> cursor;
  bool csv = false;
  uint32_t counter_width = 0;
  double state = 1;
  std::optional<Timestamp> at;  // one instant: last value before it and interpolated value
};

// Parses and checks every parameter; the problem names the first bad one.
std::optional<HttpReply> ParseQuery(const RequestTarget& t, Timestamp now, RangeQuery& q) {
  static constexpr std::string_view kKnown[] = {
      "from", "to", "agg", "interval", "limit", "cursor", "format", "counter_bits", "state", "at"};
  for (const auto& [k, v] : t.query) {
    bool known = false;
    for (auto name : kKnown) known = known || k == name;
    if (!known)
      return Problem(400, "Unknown parameter",
                     "unknown query parameter '" + k +
                         "'; history takes from, to, agg, interval, limit, cursor, format, "
                         "counter_bits, state, at",
                     k);
  }
  auto time_param = [&](std::string_view name, Timestamp fallback,
                        Timestamp& out) -> std::optional<HttpReply> {
    std::optional<std::string> text = Param(t, name);
    if (!text) {
      out = fallback;
      return std::nullopt;
    }
    Result<Timestamp> ts = ParseTimestamp(*text);
    if (!ts.ok())
      return Problem(400, "Bad parameter", std::string(name) + ": " + ts.status().message(), name);
    out = *ts;
    return std::nullopt;
  };
  if (auto bad = time_param("to", now, q.to)) return bad;
  if (auto bad = time_param("from", q.to - kHour, q.from)) return bad;
  if (q.from >= q.to)
    return Problem(400, "Bad parameter", "from must be before to (got an empty or reversed range)",
                   "from");

  if (auto agg = Param(t, "agg"); agg && *agg != "raw" && !agg->empty()) {
    Result<historian::AggregateKind> kind = historian::ParseAggregateKind(*agg);
    if (!kind.ok()) return Problem(400, "Bad parameter", "agg: " + kind.status().message(), "agg");
    q.agg = *kind;
    q.agg_name = *agg;
    std::optional<std::string> interval = Param(t, "interval");
    if (!interval)
      return Problem(400, "Missing parameter",
                     "interval is required with agg (e.g. interval=1h or interval=15m)",
                     "interval");
    Result<Duration> d = ParseDuration(*interval);
    if (!d.ok() || *d <= 0)
      return Problem(
          400, "Bad parameter",
          "interval: " + (d.ok() ? std::string("must be positive") : d.status().message()),
          "interval");
    if ((q.to - q.from) / *d > static_cast<Timestamp>(kMaxBuckets))
      return Problem(400, "Bad parameter",
                     "interval " + *interval +
                         " gives more than 100000 buckets over the range; "
                         "choose a longer interval or a shorter range",
                     "interval");
    q.interval = *d;
    q.interval_text = *interval;
  } else if (Param(t, "interval")) {
    return Problem(
        400, "Bad parameter",
        "interval needs agg (min, max, mean, twa, sum, count, first, last, delta, duration)",
        "interval");
  }
  if (auto limit = Param(t, "limit")) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(limit->c_str(), &end, 10);
    if (limit->empty() || *end != '\0' || v == 0 || v > kMaxLimit)
      return Problem(400, "Bad parameter",
                     "limit: expected a whole number from 1 to 100000, got '" + *limit + "'",
                     "limit");
    q.limit = static_cast<size_t>(v);
  }
  if (auto cursor = Param(t, "cursor")) {
    long long time = 0;
    unsigned skip = 0;
    char tail = 0;
    if (std::sscanf(cursor->c_str(), "%lld.%u%c", &time, &skip, &tail) != 2)
      return Problem(400, "Bad parameter",
                     "cursor: expected the next_cursor of a previous page, got '" + *cursor + "'",
                     "cursor");
    q.cursor = historian::RawCursor{time, skip};
  }
  if (auto format = Param(t, "format")) {
    if (*format != "json" && *format != "csv")
      return Problem(400, "Bad parameter", "format: expected json or csv, got '" + *format + "'",
                     "format");
    q.csv = *format == "csv";
  }
  if (auto bits = Param(t, "counter_bits")) {
    if (*bits != "16" && *bits != "32" && *bits != "64")
      return Problem(400, "Bad parameter",
                     "counter_bits: expected 16, 32 or 64 (the counter's width, for delta)",
                     "counter_bits");
    q.counter_width = static_cast<uint32_t>(std::stoul(*bits));
  }
  if (auto at = Param(t, "at")) {
    Result<Timestamp> ts = ParseTimestamp(*at);
    if (!ts.ok()) return Problem(400, "Bad parameter", "at: " + ts.status().message(), "at");
    if (q.agg) return Problem(400, "Bad parameter", "at asks for one instant: drop agg", "at");
    q.at = *ts;
  }
  if (auto state = Param(t, "state")) {
    char* end = nullptr;
    q.state = std::strtod(state->c_str(), &end);
    if (state->empty() || *end != '\0')
      return Problem(400, "Bad parameter",
                     "state: expected a number (the state whose duration is measured; true = 1)",
                     "state");
  }
  return std::nullopt;
}

// One stored sample; `server_time` (the OPC UA server's timestamp) only when one was stored.
json PointJson(const historian::Point& p) {
  json j = {{"time", FormatIso8601(p.time)},
            {"value", PointValue(p.value)},
            {"quality", p.quality.Name()}};
  if (p.server_time != 0) j["server_time"] = FormatIso8601(p.server_time);
  return j;
}

HttpReply Raw(historian::Historian& store, historian::SeriesId series, const std::string& path,
              const RangeQuery& q) {
  Result<historian::RawPage> page = store.ReadRaw(series, q.from, q.to, q.limit, q.cursor);
  if (!page.ok()) return Problem(500, "Historian error", page.status().message());
  // The whole range lies where raw samples have expired: say so instead of an empty list.
  if (page->raw_expired_before && page->points.empty() && q.to <= *page->raw_expired_before)
    return Problem(410, "Raw data expired",
                   "raw samples of '" + path + "' before " +
                       FormatIso8601(*page->raw_expired_before) +
                       " have expired (retention); aggregates are kept longer: ask with agg= "
                       "and interval= (whole hours)",
                   "from");
  std::string next;
  if (page->next) next = std::to_string(page->next->time) + "." + std::to_string(page->next->skip);
  HttpReply r;
  if (q.csv) {
    r.content_type = "text/csv";
    r.body = "timestamp,tag,value,quality\n";
    for (const auto& p : page->points)
      r.body += FormatIso8601(p.time) + "," + CsvField(path) + "," + CsvField(p.value.ToString()) +
                "," + p.quality.Name() + "\n";
    if (!next.empty()) r.body += "# next_cursor=" + next + "\n";
    if (page->raw_expired_before)
      r.body += "# raw_expired_before=" + FormatIso8601(*page->raw_expired_before) + "\n";
    return r;
  }
  json points = json::array();
  for (const auto& p : page->points) points.push_back(PointJson(p));
  json body = {{"path", path},
               {"from", FormatIso8601(q.from)},
               {"to", FormatIso8601(q.to)},
               {"points", std::move(points)}};
  body["next_cursor"] = next.empty() ? json(nullptr) : json(next);
  if (page->raw_expired_before)  // points before this time may be missing: raw data expired
    body["raw_expired_before"] = FormatIso8601(*page->raw_expired_before);
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

json PointJson(const std::optional<historian::Point>& p) {
  if (!p) return nullptr;
  return PointJson(*p);
}

// ?at=T: the last stored sample at or before T (any quality) and the value at T (linear between
// usable samples for numbers, else the previous value).
HttpReply AtInstant(historian::Historian& store, historian::SeriesId series,
                    const std::string& path, Timestamp at, bool csv) {
  auto last = store.LastBefore(series, at);
  if (!last.ok()) return Problem(500, "Historian error", last.status().message());
  auto interpolated = store.InterpolatedAt(series, at);
  if (!interpolated.ok()) return Problem(500, "Historian error", interpolated.status().message());
  HttpReply r;
  if (csv) {
    r.content_type = "text/csv";
    r.body = "kind,timestamp,tag,value,quality\n";
    for (auto [kind, p] :
         {std::pair{"last_before", &*last}, std::pair{"interpolated", &*interpolated}}) {
      if (*p)
        r.body += std::string(kind) + "," + FormatIso8601((*p)->time) + "," + CsvField(path) + "," +
                  CsvField((*p)->value.ToString()) + "," + (*p)->quality.Name() + "\n";
    }
    return r;
  }
  r.body = json({{"path", path},
                 {"at", FormatIso8601(at)},
                 {"last_before", PointJson(*last)},
                 {"interpolated", PointJson(*interpolated)}})
               .dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

HttpReply Aggregated(historian::Historian& store, historian::SeriesId series,
                     const std::string& path, const RangeQuery& q) {
  historian::AggregateOptions options;
  options.interval = q.interval;
  options.counter_width_bits = q.counter_width;
  options.want_state_duration = *q.agg == historian::AggregateKind::kDurationInState;
  options.state = q.state;
  Result<std::vector<historian::Bucket>> buckets = store.Aggregate(series, q.from, q.to, options);
  if (!buckets.ok()) return Problem(500, "Historian error", buckets.status().message());
  HttpReply r;
  if (q.csv) {
    r.content_type = "text/csv";
    r.body = "start,end,tag,agg,value,count,raw_expired\n";
    for (const auto& b : *buckets) {
      std::optional<double> v = historian::BucketValue(b, *q.agg);
      r.body += FormatIso8601(b.start) + "," + FormatIso8601(b.end) + "," + CsvField(path) + "," +
                q.agg_name + "," + (v ? NumberText(*v) : std::string()) + "," +
                std::to_string(b.count) + "," + (b.raw_expired ? "true" : "false") + "\n";
    }
    return r;
  }
  json list = json::array();
  for (const auto& b : *buckets) {
    std::optional<double> v = historian::BucketValue(b, *q.agg);
    json item = {{"start", FormatIso8601(b.start)},
                 {"end", FormatIso8601(b.end)},
                 {"value", v && std::isfinite(*v) ? json(*v) : json(nullptr)},
                 {"count", b.count}};
    // Raw samples expired and the kept summaries cannot be cut at this bucket's edges.
    if (b.raw_expired) item["raw_expired"] = true;
    list.push_back(std::move(item));
  }
  json body = {{"path", path},      {"from", FormatIso8601(q.from)}, {"to", FormatIso8601(q.to)},
               {"agg", q.agg_name}, {"interval", q.interval_text},   {"buckets", std::move(list)}};
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

}  // namespace

std::string HistorianMetricsText(const historian::Historian& store) {
  const historian::HistorianStats s = store.stats();
  std::string out;
  auto line = [&](const char* name, const char* type, uint64_t v) {
    out +=
        std::string("# TYPE ") + name + " " + type + "\n" + name + " " + std::to_string(v) + "\n";
  };
  line("gantry_historian_samples_stored_total", "counter", s.samples_appended);
  line("gantry_historian_samples_refused_disk_floor_total", "counter",
       s.samples_refused_disk_floor);
  line("gantry_historian_disk_floor_alarm", "gauge", s.disk_floor_alarm ? 1 : 0);
  line("gantry_historian_wal_syncs_total", "counter", s.wal_syncs);
  line("gantry_historian_chunks_sealed_total", "counter", s.chunks_sealed);
  line("gantry_historian_chunks_expired_total", "counter", s.chunks_expired);
  line("gantry_historian_chunks_summarised_total", "counter", s.chunks_summarised);
  line("gantry_historian_chunks_packed_total", "counter", s.chunks_packed);
  line("gantry_historian_chunks_compacted_total", "counter", s.chunks_compacted);
  return out;
}

std::optional<HttpReply> RouteHistory(const ApiContext& ctx, std::string_view method,
                                      const RequestTarget& t, Timestamp now) {
  std::string_view p = t.path;
  if (p.size() <= kPrefix.size() + kSuffix.size() || p.substr(0, kPrefix.size()) != kPrefix ||
      p.substr(p.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  const std::string path(p.substr(kPrefix.size(), p.size() - kPrefix.size() - kSuffix.size()));
  if (method != "GET" && method != "HEAD") {
    HttpReply r = Problem(405, "Method not allowed",
                          std::string(method) + " is not allowed on " + std::string(p));
    r.allow = "GET, HEAD";
    return r;
  }
  if (!ctx.registry->Find(path))
    return Problem(404, "Unknown tag",
                   "unknown tag path '" + path + "'; list tags at /api/v1/tags");
  if (ctx.historian == nullptr)
    return Problem(503, "No historian",
                   "this node stores no history (the historian is not running)");
  RangeQuery q;
  if (auto bad = ParseQuery(t, now, q)) return bad;
  std::optional<historian::SeriesId> series = ctx.historian->FindSeries(path);
  if (!series) {
    // Configured but nothing stored yet: an empty answer, not an error.
    HttpReply r;
    r.body = json({{"path", path},
                   {"from", FormatIso8601(q.from)},
                   {"to", FormatIso8601(q.to)},
                   {q.agg ? "buckets" : "points", json::array()}})
                 .dump();
    if (q.csv) {
      r.content_type = "text/csv";
      r.body =
          q.agg ? "start,end,tag,agg,value,count,raw_expired\n" : "timestamp,tag,value,quality\n";
    }
    return r;
  }
  if (q.at) return AtInstant(*ctx.historian, *series, path, *q.at, q.csv);
  return q.agg ? Aggregated(*ctx.historian, *series, path, q)
               : Raw(*ctx.historian, *series, path, q);
}

}  // namespace gantry
