#include "api/api_routes.h"

#include "api/history_routes.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "api/operations_routes.h"
#include "api/url.h"
#include "data/uns/uns_payload.h"

namespace gantry {
namespace {

using json = nlohmann::json;

constexpr std::string_view kTagsPath = "/api/v1/tags";
constexpr std::string_view kStreamPath = "/api/v1/stream";

json ValueJson(const Value& v) {
  switch (v.type()) {
    case ValueType::kEmpty: return nullptr;
    case ValueType::kDouble: return std::get<double>(v.variant());  // NaN/inf dump as null
    case ValueType::kInt64: return std::get<int64_t>(v.variant());
    case ValueType::kBool: return std::get<bool>(v.variant());
    case ValueType::kString: return *v.AsString();
  }
  return nullptr;
}

// ISO 8601, or null for a tag that has not been read yet.
json TimeJson(Timestamp t) {
  return t == 0 ? json(nullptr) : json(FormatIso8601(t));
}

HttpReply JsonReply(const json& body) {
  HttpReply r;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

HttpReply MethodNotAllowed(std::string_view method, std::string_view path, std::string allow) {
  HttpReply r = Problem(405, "Method not allowed",
                        "method " + std::string(method) + " is not allowed on " +
                            std::string(path) + "; allowed: " + allow);
  r.allow = std::move(allow);
  return r;
}

// Checks that the query holds only `allowed` names, each at most once. Returns a 400 reply for
// the first offender.
std::optional<HttpReply> CheckQuery(const RequestTarget& t,
                                    std::initializer_list<std::string_view> allowed) {
  for (size_t i = 0; i < t.query.size(); ++i) {
    const std::string& name = t.query[i].first;
    bool known = false;
    for (std::string_view a : allowed) known = known || name == a;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Problem(400, "Unknown query parameter",
                     "query parameter '" + name + "' is not understood by " + t.path +
                         (list.empty() ? "; it takes none" : "; it takes: " + list),
                     name);
    }
    for (size_t j = 0; j < i; ++j)
      if (t.query[j].first == name)
        return Problem(400, "Repeated query parameter",
                       "query parameter '" + name + "' is given more than once", name);
  }
  return std::nullopt;
}

std::string QueryValue(const RequestTarget& t, std::string_view name) {
  for (const auto& [k, v] : t.query)
    if (k == name) return v;
  return {};
}

HttpReply Health(const ApiContext& ctx) {
  json connectors = json::array();
  if (ctx.connectors) {
    for (const ConnectorHealth& h : ctx.connectors()) {
      json entry = {{"device", h.device},
                    {"state", std::string(ConnectorStateName(h.state))},
                    {"last_error", h.last_error},
                    {"last_success", TimeJson(h.last_success)}};
      if (!h.security.empty()) entry["security"] = h.security;
      // Devices behind a gateway or on a shared line, each with its own state: the entry above
      // is the connection, which stays "connected" while the gateway answers for a dead unit.
      if (!h.units.empty()) {
        json units = json::array();
        for (const UnitHealth& u : h.units) {
          units.push_back({{"unit", u.unit},
                           {"state", std::string(UnitStateName(u.state))},
                           {"since", TimeJson(u.since)},
                           {"last_error", u.last_error},
                           {"last_success", TimeJson(u.last_success)},
                           {"polls_ok", u.polls_ok},
                           {"polls_failed", u.polls_failed}});
        }
        entry["units"] = std::move(units);
      }
      connectors.push_back(std::move(entry));
    }
  }
  // The plant's clock, so that a dashboard builds its time ranges on plant time (simulated in a
  // scaled demo) rather than on the browser's clock.
  return JsonReply({{"status", "ok"},
                    {"now", FormatIso8601(PlantNow(ctx))},
                    {"time_scale", ctx.time_scale},
                    {"connectors", std::move(connectors)}});
}

HttpReply TagList(const ApiContext& ctx, const std::string& prefix) {
  json tags = json::array();
  for (TagId id : ctx.registry->WithPrefix(prefix)) {
    const TagConfig& tag = ctx.registry->Get(id);
    const Sample s = ctx.values->Get(id);
    tags.push_back({{"path", tag.path},
                    {"type", std::string(ValueTypeName(tag.type))},
                    {"unit", tag.unit},
                    {"description", tag.description},
                    {"value", ValueJson(s.value)},
                    {"quality", s.quality.Name()},
                    {"time", TimeJson(s.time)}});
  }
  return JsonReply({{"tags", std::move(tags)}});
}

HttpReply OneTag(const ApiContext& ctx, std::string_view path) {
  std::optional<TagId> id = ctx.registry->Find(path);
  if (!id) {
    return Problem(404, "Unknown tag",
                   "unknown tag path '" + std::string(path) + "'; list tags at /api/v1/tags",
                   "path");
  }
  const TagConfig& tag = ctx.registry->Get(*id);
  const Sample s = ctx.values->Get(*id);
  json reply = {{"path", tag.path},
                {"value", ValueJson(s.value)},
                {"type", std::string(ValueTypeName(tag.type))},
                {"unit", tag.unit},
                {"quality", s.quality.Name()},
                {"quality_code", s.quality.code()},
                {"time", TimeJson(s.time)},
                {"source", tag.source}};
  // The OPC UA server's timestamp, when the value came through one (time is the source's).
  if (s.server_time != 0) reply["server_time"] = TimeJson(s.server_time);
  return JsonReply(std::move(reply));
}

HttpReply Metrics(const ApiContext& ctx) {
  HttpReply r;
  r.content_type = "text/plain; version=0.0.4";
  std::string& out = r.body;
  auto line = [&out](std::string_view name, std::string_view labels, uint64_t v) {
    out += name;
    if (!labels.empty()) out += "{" + std::string(labels) + "}";
    out += " " + std::to_string(v) + "\n";
  };
  out += "# TYPE gantry_current_values_stale_samples_total counter\n";
  line("gantry_current_values_stale_samples_total", "", ctx.values->stale_samples());
  out += "# TYPE gantry_current_values_unknown_samples_total counter\n";
  line("gantry_current_values_unknown_samples_total", "", ctx.values->unknown_samples());
  if (ctx.bus_stats) {
    TagBusStats bus = ctx.bus_stats();
    out += "# TYPE gantry_tag_bus_published_samples_total counter\n";
    line("gantry_tag_bus_published_samples_total", "", bus.published_samples);
    const std::pair<std::string_view, uint64_t SubscriberStats::*> counters[] = {
        {"gantry_tag_bus_delivered_samples_total", &SubscriberStats::delivered_samples},
        {"gantry_tag_bus_dropped_samples_total", &SubscriberStats::dropped_samples}};
    for (const auto& [name, member] : counters) {
      out += "# TYPE " + std::string(name) + " counter\n";
      for (const SubscriberStats& s : bus.subscribers)
        line(name, "subscriber=\"" + s.name + "\"", s.*member);
    }
    const std::pair<std::string_view, size_t SubscriberStats::*> gauges[] = {
        {"gantry_tag_bus_queued_samples", &SubscriberStats::queued_samples},
        {"gantry_tag_bus_high_water_samples", &SubscriberStats::high_water_samples},
        {"gantry_tag_bus_capacity_samples", &SubscriberStats::capacity_samples}};
    for (const auto& [name, member] : gauges) {
      out += "# TYPE " + std::string(name) + " gauge\n";
      for (const SubscriberStats& s : bus.subscribers)
        line(name, "subscriber=\"" + s.name + "\"", s.*member);
    }
  }
  if (ctx.connectors) {  // one series per device, whatever its protocol
    const std::vector<ConnectorHealth> health = ctx.connectors();
    const std::pair<std::string_view, uint64_t ConnectorHealth::*> counters[] = {
        {"gantry_connector_polls_ok_total", &ConnectorHealth::polls_ok},
        {"gantry_connector_polls_failed_total", &ConnectorHealth::polls_failed},
        {"gantry_connector_reconnects_total", &ConnectorHealth::reconnects},
        {"gantry_connector_samples_published_total", &ConnectorHealth::samples_published}};
    for (const auto& [name, member] : counters) {
      out += "# TYPE " + std::string(name) + " counter\n";
      for (const ConnectorHealth& h : health) line(name, "device=\"" + h.device + "\"", h.*member);
    }
    out += "# TYPE gantry_connector_connected gauge\n";
    for (const ConnectorHealth& h : health)
      line("gantry_connector_connected", "device=\"" + h.device + "\"",
           h.state == ConnectorState::kConnected ? 1 : 0);
    // Per unit behind a gateway or on a shared line (Modbus unit ids), only when some device
    // has units.
    const bool any_units = std::any_of(health.begin(), health.end(),
                                       [](const ConnectorHealth& h) { return !h.units.empty(); });
    if (any_units) {
      const std::pair<std::string_view, uint64_t UnitHealth::*> unit_counters[] = {
          {"gantry_connector_unit_polls_ok_total", &UnitHealth::polls_ok},
          {"gantry_connector_unit_polls_failed_total", &UnitHealth::polls_failed}};
      auto labels = [](const ConnectorHealth& h, const UnitHealth& u) {
        return "device=\"" + h.device + "\",unit=\"" + std::to_string(u.unit) + "\"";
      };
      for (const auto& [name, member] : unit_counters) {
        out += "# TYPE " + std::string(name) + " counter\n";
        for (const ConnectorHealth& h : health)
          for (const UnitHealth& u : h.units) line(name, labels(h, u), u.*member);
      }
      // 1 while the unit answers (even if it refuses some read), 0 when down or not asked yet.
      out += "# TYPE gantry_connector_unit_answering gauge\n";
      for (const ConnectorHealth& h : health)
        for (const UnitHealth& u : h.units)
          line("gantry_connector_unit_answering", labels(h, u),
               u.state == UnitHealth::State::kAnswering || u.state == UnitHealth::State::kRefusing
                   ? 1
                   : 0);
    }
  }
  for (const auto& more : ctx.metrics)
    if (more) out += more();
  return r;
}

}  // namespace

HttpReply Problem(unsigned status, std::string_view title, std::string_view detail,
                  std::string_view parameter) {
  std::string slug;
  for (char c : title) slug += c == ' ' ? '-' : static_cast<char>(std::tolower(c));
  json body = {
      {"type", "/problems/" + slug}, {"title", title}, {"status", status}, {"detail", detail}};
  if (!parameter.empty()) body["parameter"] = parameter;
  HttpReply r = JsonReply(body);
  r.status = status;
  r.content_type = "application/problem+json";
  return r;
}

RouteDecision Route(const ApiContext& ctx, std::string_view method, std::string_view target) {
  return Route(ctx, method, target, {});
}

RouteDecision Route(const ApiContext& ctx, std::string_view method, std::string_view target,
                    std::string_view body) {
  return Route(ctx, method, target, body, Caller{});
}

RouteDecision Route(const ApiContext& ctx, std::string_view method, std::string_view target,
                    std::string_view body, const Caller& caller) {
  RouteDecision d;
  Result<RequestTarget> parsed = ParseRequestTarget(target);
  if (!parsed.ok()) {
    d.reply = Problem(400, "Malformed request target", parsed.status().message());
    return d;
  }
  const RequestTarget& t = *parsed;
  const bool read = method == "GET" || method == "HEAD";
  const std::string_view path = t.path;

  if (path == "/health" || path == "/metrics") {
    if (!read)
      d.reply = MethodNotAllowed(method, path, "GET, HEAD");
    else if (auto bad = CheckQuery(t, {}))
      d.reply = *bad;
    else
      d.reply = path == "/health" ? Health(ctx) : Metrics(ctx);
    return d;
  }
  if (path == kTagsPath || path == std::string(kTagsPath) + "/") {
    if (!read)
      d.reply = MethodNotAllowed(method, path, "GET, HEAD");
    else if (auto bad = CheckQuery(t, {"prefix"}))
      d.reply = *bad;
    else
      d.reply = TagList(ctx, QueryValue(t, "prefix"));
    return d;
  }
  if (std::optional<HttpReply> history = RouteHistory(ctx, method, t, PlantNow(ctx))) {
    d.reply = std::move(*history);
    return d;
  }
  // POST /api/v1/tags/{path}/write belongs to the machine-writes module (api/tag_write_routes.h).
  const bool tag_write = method == "POST" && path.ends_with("/write");
  if (!tag_write && path.size() > kTagsPath.size() + 1 &&
      path.substr(0, kTagsPath.size() + 1) == "/api/v1/tags/") {
    if (!read)
      d.reply = MethodNotAllowed(method, path, "GET, HEAD");
    else if (auto bad = CheckQuery(t, {}))
      d.reply = *bad;
    else
      d.reply = OneTag(ctx, path.substr(kTagsPath.size() + 1));
    return d;
  }
  if (path == kStreamPath) {
    if (method != "GET") {
      d.reply = MethodNotAllowed(method, path, "GET");
    } else if (auto bad = CheckQuery(t, {"prefix"})) {
      d.reply = *bad;
    } else {
      const std::string prefix = QueryValue(t, "prefix");
      std::vector<TagId> tags = ctx.registry->WithPrefix(prefix);
      if (tags.empty()) {
        d.reply = Problem(404, "No matching tags",
                          "no tag at or below prefix '" + prefix + "'; list tags at /api/v1/tags",
                          "prefix");
      } else {
        d.stream = std::move(tags);
      }
    }
    return d;
  }
  if (std::optional<HttpReply> ops = RouteOperations(ctx, method, t, body)) {
    d.reply = std::move(*ops);
    return d;
  }
  std::string more;
  if (!ctx.modules.empty()) {
    ApiRequest request{method,           t,           body,         PlantNow(ctx),
                       caller.principal, caller.role, caller.remote};
    for (const RouteModule& module : ctx.modules) {
      if (!module.handle) continue;
      if (std::optional<HttpReply> r = module.handle(request)) {
        d.reply = std::move(*r);
        return d;
      }
      for (const RouteSpec& spec : module.routes)
        if (more.find(spec.pattern) == std::string::npos) more += ", " + spec.pattern;
    }
  }
  d.reply = Problem(404, "Not found",
                    "no route for " + std::string(path) +
                        "; routes: /health, /metrics, /api/v1/tags, /api/v1/tags/{path}, "
                        "/api/v1/tags/{path}/history, /api/v1/stream, "
                        "/api/v1/equipment/{path}/state, /api/v1/oee, "
                        "/api/v1/downtime, /api/v1/downtime/assign" +
                        more);
  return d;
}

std::string SseValueEvent(const ApiContext& ctx, const Sample& sample) {
  // The Unified Namespace's value JSON (data/uns/uns_payload.h) without its extra keys: one
  // definition of a tag value on the wire for SSE and NATS.
  uns::ValueJsonOptions fields;
  fields.quality_code = false;
  fields.server_time = false;
  std::string out = "event: value\ndata: ";
  uns::AppendValueJson(out, ctx.registry->Get(sample.tag).path, sample, fields);
  out += "\n\n";
  return out;
}

std::string SseReadyEvent(size_t tag_count) {
  return "event: ready\ndata: {\"tags\":" + std::to_string(tag_count) + "}\n\n";
}

}  // namespace gantry
