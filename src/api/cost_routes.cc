#include "api/cost_routes.h"

#include <optional>
#include <string>

#include "api/api_routes.h"

namespace gantry {
namespace {

constexpr std::string_view kCostPath = "/api/v1/cost";
constexpr Duration kDefaultRange = 24 * kHour;
constexpr std::string_view kGroupings[] = {"total", "order", "product",
                                           "day",   "line",  "work_centre"};

std::optional<std::string> Param(const RequestTarget& t, std::string_view name) {
  for (const auto& [k, v] : t.query)
    if (k == name) return v;
  return std::nullopt;
}

HttpReply Bad(std::string detail, std::string_view parameter) {
  return Problem(400, "Invalid parameter", detail, parameter);
}

HttpReply Answer(const CostQuery& query, const ApiRequest& r) {
  const RequestTarget& t = r.target;
  for (size_t i = 0; i < t.query.size(); ++i) {
    const std::string& name = t.query[i].first;
    if (name != "scope" && name != "from" && name != "to" && name != "by")
      return Problem(400, "Unknown query parameter",
                     "query parameter '" + name +
                         "' is not understood by /api/v1/cost; it takes: scope, from, to, by",
                     name);
    for (size_t j = 0; j < i; ++j)
      if (t.query[j].first == name)
        return Problem(400, "Repeated query parameter",
                       "query parameter '" + name + "' is given more than once", name);
  }
  std::optional<std::string> scope = Param(t, "scope");
  if (!scope || scope->empty())
    return Bad(
        "query parameter 'scope' is required (a work centre, line, area, site or enterprise "
        "path, like acme/plant1/packaging/line1)",
        "scope");
  Timestamp to = r.now != 0 ? r.now : SystemClock::Instance().Now();
  Timestamp from = to - kDefaultRange;
  for (auto [name, field] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    std::optional<std::string> text = Param(t, name);
    if (!text) continue;
    Result<Timestamp> parsed = ParseTimestamp(*text);
    if (!parsed.ok())
      return Bad("query parameter '" + std::string(name) + "': " + parsed.status().message() +
                     " (ISO 8601 like 2026-11-22T06:00:00Z, or epoch seconds)",
                 name);
    *field = *parsed;
  }
  if (from >= to) {
    std::string bad = Param(t, "from") ? "from" : "to";
    return Bad("query parameter '" + bad + "': from (" + FormatIso8601(from) +
                   ") must be before to (" + FormatIso8601(to) + ")",
               bad);
  }
  const std::string by = Param(t, "by").value_or("total");
  bool known = false;
  for (std::string_view g : kGroupings) known = known || by == g;
  if (!known)
    return Bad("query parameter 'by' is '" + by +
                   "'; it takes total, order, product, day, line or work_centre",
               "by");
  if (!query)
    return Problem(503, "Costs not configured",
                   "this plant has no energy meters, tariffs or costs; see docs/energy.md");
  Result<std::string> body = query(*scope, from, to, by);
  if (!body.ok()) {
    switch (body.status().code()) {
      case StatusCode::kNotFound:
        return Problem(404, "Unknown scope", body.status().message(), "scope");
      case StatusCode::kInvalidArgument: return Bad(body.status().message(), "scope");
      default: return Problem(500, "Internal error", body.status().message());
    }
  }
  HttpReply reply;
  reply.body = std::move(*body);
  return reply;
}

}  // namespace

RouteModule CostRoutes(CostQuery query) {
  RouteSpec spec{"GET", std::string(kCostPath),
                 "Energy (kWh by category) and cost per good unit by order, product, day or line"};
  spec.role = "viewer";
  RouteModule m;
  m.name = "cost";
  m.routes.push_back(std::move(spec));
  m.handle = [query = std::move(query)](const ApiRequest& r) -> std::optional<HttpReply> {
    if (r.target.path != kCostPath) return std::nullopt;
    if (r.method != "GET" && r.method != "HEAD") {
      HttpReply reply = Problem(405, "Method not allowed",
                                "method " + std::string(r.method) +
                                    " is not allowed on /api/v1/cost; allowed: GET, HEAD");
      reply.allow = "GET, HEAD";
      return reply;
    }
    return Answer(query, r);
  };
  return m;
}

}  // namespace gantry
