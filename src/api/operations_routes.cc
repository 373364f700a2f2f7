#include "api/operations_routes.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <vector>

namespace gantry {
namespace {

using json = nlohmann::json;

constexpr std::string_view kEquipmentPrefix = "/api/v1/equipment/";
constexpr std::string_view kStateSuffix = "/state";
constexpr std::string_view kOeePath = "/api/v1/oee";
constexpr std::string_view kDowntimePath = "/api/v1/downtime";
constexpr std::string_view kAssignPath = "/api/v1/downtime/assign";
constexpr std::string_view kReasonsPath = "/api/v1/reasons";
constexpr Duration kDefaultRange = 8 * kHour;

HttpReply TextReply(std::string body) {
  HttpReply r;
  r.body = std::move(body);
  return r;
}

HttpReply NotAllowed(std::string_view method, std::string_view path, std::string allow) {
  HttpReply r = Problem(405, "Method not allowed",
                        "method " + std::string(method) + " is not allowed on " +
                            std::string(path) + "; allowed: " + allow);
  r.allow = std::move(allow);
  return r;
}

HttpReply NoOperations() {
  return Problem(
      503, "Operations not running",
      "this plant has no work centres with rules; see docs/formats/operations-config.md");
}

// The HTTP reply for a failed answer; `parameter` names what the caller got wrong.
HttpReply FromStatus(const Status& s, std::string_view parameter) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return Problem(400, "Invalid parameter", s.message(), parameter);
    case StatusCode::kNotFound: return Problem(404, "Not found", s.message(), parameter);
    default: return Problem(500, "Internal error", s.message());
  }
}

// Only `allowed` names, each at most once; the 400 reply for the first offender otherwise.
std::optional<HttpReply> CheckNames(const RequestTarget& t,
                                    std::initializer_list<std::string_view> allowed) {
  for (size_t i = 0; i < t.query.size(); ++i) {
    const std::string& name = t.query[i].first;
    bool known = false;
    std::string list;
    for (std::string_view a : allowed) {
      known = known || name == a;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    if (!known)
      return Problem(
          400, "Unknown query parameter",
          "query parameter '" + name + "' is not understood by " + t.path + "; it takes: " + list,
          name);
    for (size_t j = 0; j < i; ++j)
      if (t.query[j].first == name)
        return Problem(400, "Repeated query parameter",
                       "query parameter '" + name + "' is given more than once", name);
  }
  return std::nullopt;
}

std::optional<std::string> Param(const RequestTarget& t, std::string_view name) {
  for (const auto& [k, v] : t.query)
    if (k == name) return v;
  return std::nullopt;
}

struct Range {
  std::string scope;
  Timestamp from = 0;
  Timestamp to = 0;
};

// scope (required), from and to (ISO 8601 or epoch; default the last 8 hours up to now).
Result<Range> ReadRange(const RequestTarget& t, Timestamp now, std::string* bad) {
  Range r;
  std::optional<std::string> scope = Param(t, "scope");
  if (!scope || scope->empty()) {
    *bad = "scope";
    return InvalidArgument(
        "query parameter 'scope' is required (a work centre, line, area, "
        "site or enterprise path)");
  }
  r.scope = *scope;
  r.to = now;
  r.from = r.to - kDefaultRange;
  for (auto [name, field] : {std::pair{"from", &r.from}, std::pair{"to", &r.to}}) {
    std::optional<std::string> text = Param(t, name);
    if (!text) continue;
    Result<Timestamp> parsed = ParseTimestamp(*text);
    if (!parsed.ok()) {
      *bad = name;
      return InvalidArgument("query parameter '" + std::string(name) +
                             "': " + parsed.status().message() +
                             " (ISO 8601 like 2026-11-22T06:00:00Z, or epoch seconds)");
    }
    *field = *parsed;
  }
  if (r.from >= r.to) {
    *bad = Param(t, "from") ? "from" : "to";
    return InvalidArgument("query parameter '" + *bad + "': from (" + FormatIso8601(r.from) +
                           ") must be before to (" + FormatIso8601(r.to) + ")");
  }
  return r;
}

HttpReply Oee(const ApiContext& ctx, const RequestTarget& t) {
  if (auto bad = CheckNames(t, {"scope", "from", "to", "by"})) return *bad;
  std::string bad;
  Result<Range> range = ReadRange(t, PlantNow(ctx), &bad);
  if (!range.ok()) return FromStatus(range.status(), bad);
  const std::string by = Param(t, "by").value_or("total");
  if (by != "hour" && by != "shift" && by != "day" && by != "order" && by != "product" &&
      by != "total")
    return Problem(
        400, "Invalid parameter",
        "query parameter 'by' is '" + by + "'; it takes hour, shift, day, order, product or total",
        "by");
  if (!ctx.oee) return NoOperations();
  Result<std::string> body = ctx.oee(range->scope, range->from, range->to, by);
  if (!body.ok()) return FromStatus(body.status(), "scope");
  return TextReply(std::move(*body));
}

HttpReply Downtime(const ApiContext& ctx, const RequestTarget& t) {
  if (auto bad = CheckNames(t, {"scope", "from", "to"})) return *bad;
  std::string bad;
  Result<Range> range = ReadRange(t, PlantNow(ctx), &bad);
  if (!range.ok()) return FromStatus(range.status(), bad);
  if (!ctx.downtime) return NoOperations();
  Result<std::string> body = ctx.downtime(range->scope, range->from, range->to);
  if (!body.ok()) return FromStatus(body.status(), "scope");
  return TextReply(std::move(*body));
}

HttpReply State(const ApiContext& ctx, const RequestTarget& t, std::string_view path) {
  if (auto bad = CheckNames(t, {})) return *bad;
  if (!ctx.equipment_state) return NoOperations();
  Result<std::string> body = ctx.equipment_state(path);
  if (!body.ok()) {
    if (body.status().code() == StatusCode::kNotFound)
      return Problem(404, "Unknown work centre",
                     "no work centre with rules at '" + std::string(path) + "'", "path");
    return FromStatus(body.status(), "path");
  }
  return TextReply(std::move(*body));
}

// A required string field of the body; sets `bad` to its name when missing or not a string.
std::optional<std::string> Field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) return std::nullopt;
  return it->get<std::string>();
}

HttpReply Assign(const ApiContext& ctx, const RequestTarget& t, std::string_view text) {
  if (auto bad = CheckNames(t, {})) return *bad;
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return Problem(400, "Malformed body",
                   "the body must be a JSON object {work_centre, start, reason, by}");
  std::optional<std::string> wc = Field(body, "work_centre");
  if (!wc)
    return Problem(400, "Invalid field", "field 'work_centre' (a string path) is required",
                   "work_centre");
  Timestamp start = 0;
  auto s = body.find("start");
  Result<Timestamp> parsed = InvalidArgument("missing");
  if (s != body.end() && s->is_string()) parsed = ParseTimestamp(s->get<std::string>());
  if (s != body.end() && s->is_number_integer()) parsed = ParseTimestamp(s->dump());
  if (!parsed.ok())
    return Problem(400, "Invalid field",
                   "field 'start' (when the stop began: ISO 8601 or epoch) is required and must "
                   "be a time; " +
                       parsed.status().message(),
                   "start");
  start = *parsed;
  std::optional<std::string> reason = Field(body, "reason");
  if (!reason)
    return Problem(400, "Invalid field", "field 'reason' (a reason id) is required", "reason");
  std::optional<std::string> by = Field(body, "by");
  if (!by) return Problem(400, "Invalid field", "field 'by' (who assigns) is required", "by");
  if (!ctx.assign_reason) return NoOperations();
  Status st = ctx.assign_reason(*wc, start, *reason, *by);
  if (st.code() == StatusCode::kNotFound)
    return Problem(404, "Not found", st.message(),
                   st.message().find("work centre") != std::string::npos ? "work_centre" : "start");
  if (st.code() == StatusCode::kInvalidArgument)
    return Problem(400, "Invalid field", st.message(), "reason");
  if (!st.ok()) return Problem(500, "Internal error", st.message());
  return TextReply(json({{"work_centre", *wc},
                         {"start", FormatIso8601(start)},
                         {"reason", *reason},
                         {"by", *by},
                         {"recorded", true}})
                       .dump());
}

constexpr std::string_view kPlannedStopsPath = "/api/v1/planned-stops";

// A time field: ISO 8601 string or epoch number; nullopt when absent.
std::optional<Result<Timestamp>> TimeField(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end()) return std::nullopt;
  if (it->is_string()) return ParseTimestamp(it->get<std::string>());
  if (it->is_number_integer()) return ParseTimestamp(it->dump());
  return Result<Timestamp>(InvalidArgument("not a string or an integer"));
}

HttpReply DeclareStop(const DeclarePlannedStopFn& declare, std::string_view text) {
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return Problem(400, "Malformed body",
                   "the body must be a JSON object {work_centre, reason, from, to | duration, by}");
  std::optional<std::string> wc = Field(body, "work_centre");
  if (!wc)
    return Problem(400, "Invalid field", "field 'work_centre' (a string path) is required",
                   "work_centre");
  std::optional<std::string> reason = Field(body, "reason");
  if (!reason)
    return Problem(400, "Invalid field",
                   "field 'reason' (a planned reason of the reason tree) is required", "reason");
  std::optional<Result<Timestamp>> from = TimeField(body, "from");
  if (!from || !from->ok())
    return Problem(400, "Invalid field",
                   "field 'from' (when the stop begins: ISO 8601 or epoch) is required and must "
                   "be a time" +
                       (from ? "; " + from->status().message() : std::string()),
                   "from");
  std::optional<Result<Timestamp>> to = TimeField(body, "to");
  const bool has_duration = body.contains("duration");
  if (to && has_duration)
    return Problem(400, "Invalid field", "give either 'to' or 'duration', not both", "duration");
  Timestamp end = 0;
  if (to) {
    if (!to->ok())
      return Problem(400, "Invalid field",
                     "field 'to' must be a time (ISO 8601 or epoch); " + to->status().message(),
                     "to");
    end = **to;
  } else if (has_duration) {
    const json& d = body["duration"];
    Result<Duration> parsed = d.is_string() ? ParseDuration(d.get<std::string>())
                                            : Result<Duration>(InvalidArgument("not a string"));
    if (!parsed.ok() || *parsed <= 0)
      return Problem(400, "Invalid field",
                     "field 'duration' must be a positive duration like \"30m\" or \"1h30m\"",
                     "duration");
    end = **from + *parsed;
  } else {
    return Problem(400, "Invalid field", "field 'to' (or 'duration') is required", "to");
  }
  if (end <= **from)
    return Problem(400, "Invalid field", "the stop must end after it begins ('to' > 'from')", "to");
  std::optional<std::string> by = Field(body, "by");
  if (!by) return Problem(400, "Invalid field", "field 'by' (who declares) is required", "by");
  Status st = declare(*wc, **from, end, *reason, *by);
  if (st.code() == StatusCode::kNotFound)
    return Problem(404, "Not found", st.message(), "work_centre");
  if (st.code() == StatusCode::kInvalidArgument) {
    const std::string& m = st.message();
    const char* field = m.find("reason") != std::string::npos    ? "reason"
                        : m.find("horizon") != std::string::npos ? "from"
                                                                 : "to";
    return Problem(400, "Invalid field", m, field);
  }
  if (!st.ok()) return Problem(500, "Internal error", st.message());
  HttpReply r = TextReply(json({{"work_centre", *wc},
                                {"reason", *reason},
                                {"from", FormatIso8601(**from)},
                                {"to", FormatIso8601(end)},
                                {"by", *by},
                                {"recorded", true}})
                              .dump());
  r.status = 201;
  return r;
}

}  // namespace

RouteModule PlannedStopsModule(DeclarePlannedStopFn declare) {
  RouteModule m;
  m.name = "operations";
  m.routes = {{"POST", std::string(kPlannedStopsPath),
               "Declare a planned stop (cleaning, changeover, ...) of a work centre", "operator"}};
  m.handle = [declare = std::move(declare)](const ApiRequest& r) -> std::optional<HttpReply> {
    if (r.target.path != kPlannedStopsPath) return std::nullopt;
    if (r.method != "POST") return NotAllowed(r.method, r.target.path, "POST");
    return DeclareStop(declare, r.body);
  };
  return m;
}

RouteModule ReasonsModule(const std::map<std::string, ops::Reason>& reasons) {
  std::vector<const ops::Reason*> sorted;
  for (const auto& [id, reason] : reasons) sorted.push_back(&reason);
  std::stable_sort(sorted.begin(), sorted.end(), [](const ops::Reason* a, const ops::Reason* b) {
    return a->category < b->category;
  });
  json list = json::array();
  for (const ops::Reason* r : sorted)
    list.push_back({{"id", r->id},
                    {"category", r->category},
                    {"planned", r->planned},
                    {"unplanned_outside_window", r->unplanned_outside_window}});
  // Fixed for the life of the process: composed once.
  std::string body = json{{"reasons", std::move(list)}}.dump();
  RouteModule m;
  m.name = "operations";
  m.routes = {{"GET", std::string(kReasonsPath),
               "The reason tree: every downtime reason with its category and whether it is planned",
               "viewer"}};
  m.handle = [body = std::move(body)](const ApiRequest& r) -> std::optional<HttpReply> {
    if (r.target.path != kReasonsPath) return std::nullopt;
    if (r.method != "GET" && r.method != "HEAD")
      return NotAllowed(r.method, r.target.path, "GET, HEAD");
    if (!r.target.query.empty())
      return Problem(400, "Unknown query parameter",
                     "GET /api/v1/reasons takes no query parameters; got '" +
                         r.target.query.front().first + "'",
                     r.target.query.front().first);
    return TextReply(body);
  };
  return m;
}

std::optional<HttpReply> RouteOperations(const ApiContext& ctx, std::string_view method,
                                         const RequestTarget& t, std::string_view body) {
  const std::string_view path = t.path;
  const bool read = method == "GET" || method == "HEAD";
  if (path == kOeePath || path == kDowntimePath) {
    if (!read) return NotAllowed(method, path, "GET, HEAD");
    return path == kOeePath ? Oee(ctx, t) : Downtime(ctx, t);
  }
  if (path == kAssignPath) {
    if (method != "POST") return NotAllowed(method, path, "POST");
    return Assign(ctx, t, body);
  }
  if (path.size() > kEquipmentPrefix.size() + kStateSuffix.size() &&
      path.substr(0, kEquipmentPrefix.size()) == kEquipmentPrefix &&
      path.substr(path.size() - kStateSuffix.size()) == kStateSuffix) {
    if (!read) return NotAllowed(method, path, "GET, HEAD");
    return State(ctx, t,
                 path.substr(kEquipmentPrefix.size(),
                             path.size() - kEquipmentPrefix.size() - kStateSuffix.size()));
  }
  return std::nullopt;
}

}  // namespace gantry
