// The admin routes (users, tokens, audit) and the OpenAPI document, answered as a RouteModule.
// Their roles come from the policy table (policy.cc): the gate has checked them before.
#include <nlohmann/json.hpp>

#include "api/api_routes.h"
#include "api/security/security_gate.h"

namespace gantry::security {

namespace {

using json = nlohmann::json;

HttpReply Json(unsigned status, const json& body) {
  HttpReply r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

HttpReply FromStatus(const Status& s, std::string_view parameter = {}) {
  switch (s.code()) {
    case StatusCode::kNotFound: return Problem(404, "Not found", s.message(), parameter);
    case StatusCode::kAlreadyExists: return Problem(409, "Conflict", s.message(), parameter);
    case StatusCode::kInvalidArgument: return Problem(400, "Bad request", s.message(), parameter);
    case StatusCode::kFailedPrecondition: return Problem(409, "Conflict", s.message(), parameter);
    default: return Problem(500, "Internal error", s.message());
  }
}

std::string Time(Timestamp t) {
  return t == 0 ? std::string() : FormatIso8601(t);
}

// A JSON object body, or a 400 reply.
std::optional<HttpReply> ParseObject(std::string_view body, json& out) {
  out = json::parse(body, nullptr, false);
  if (out.is_object()) return std::nullopt;
  return Problem(400, "Bad request", "expected a JSON object body");
}

std::string StringField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<HttpReply> RoleField(const json& j, Role& role, bool required) {
  const std::string name = StringField(j, "role");
  if (name.empty() && !required) return std::nullopt;
  std::optional<Role> r = ParseRole(name);
  if (!r || *r == Role::kPublic)
    return Problem(400, "Bad request",
                   "role must be one of viewer, operator, engineer, admin, integration", "role");
  role = *r;
  return std::nullopt;
}

// Credentials live in real time whatever the plant's clock (ApiRequest::now) says: the gate
// checks tokens and sessions against the system clock.
Timestamp WallNow() {
  return SystemClock::Instance().Now();
}

std::optional<std::string> Tail(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix) || path.size() == prefix.size()) return std::nullopt;
  std::string_view rest = path.substr(prefix.size());
  if (rest.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(rest);
}

}  // namespace

RouteModule SecurityGate::AdminModule() {
  RouteModule m;
  m.name = "security";  // its rows are in the built-in policy table
  m.handle = [this](const ApiRequest& r) -> std::optional<HttpReply> {
    const std::string& path = r.target.path;
    const std::string_view method = r.method == "HEAD" ? std::string_view("GET") : r.method;
    CredentialStore& store = *store_;
    if (path == "/api/v1/openapi.json" && method == "GET") {
      HttpReply reply;
      reply.body = OpenApiJson(policy_);
      return reply;
    }
    if (path == "/api/v1/users") {
      if (method == "GET") {
        Result<std::vector<UserInfo>> users = store.ListUsers();
        if (!users.ok()) return FromStatus(users.status());
        json list = json::array();
        for (const UserInfo& u : *users)
          list.push_back({{"name", u.name},
                          {"role", std::string(RoleName(u.role))},
                          {"created", Time(u.created)}});
        return Json(200, {{"users", list}});
      }
      if (method == "POST") {
        json j;
        if (auto bad = ParseObject(r.body, j)) return bad;
        Role role = Role::kViewer;
        if (auto bad = RoleField(j, role, true)) return bad;
        const std::string name = StringField(j, "name");
        if (Status s = store.AddUser(name, role, StringField(j, "password"), WallNow()); !s.ok())
          return FromStatus(s, "name");
        return Json(201, {{"name", name}, {"role", std::string(RoleName(role))}});
      }
      return Problem(405, "Method not allowed", "use GET or POST on /api/v1/users");
    }
    if (std::optional<std::string> name = Tail(path, "/api/v1/users/")) {
      if (method == "PUT") {
        json j;
        if (auto bad = ParseObject(r.body, j)) return bad;
        Role role = Role::kViewer;
        if (auto bad = RoleField(j, role, false)) return bad;
        const std::string password = StringField(j, "password");
        if (!j.contains("role") && password.empty())
          return Problem(400, "Bad request", "give a new password, a new role or both", "password");
        if (!password.empty())
          if (Status s = store.SetPassword(*name, password); !s.ok()) return FromStatus(s);
        if (j.contains("role"))
          if (Status s = store.SetRole(*name, role); !s.ok()) return FromStatus(s);
        return Json(200, {{"name", *name}, {"changed", true}});
      }
      if (method == "DELETE") {
        if (Status s = store.RemoveUser(*name); !s.ok()) return FromStatus(s);
        return Json(200, {{"name", *name}, {"removed", true}});
      }
      return Problem(405, "Method not allowed", "use PUT or DELETE on /api/v1/users/{name}");
    }
    if (path == "/api/v1/tokens") {
      if (method == "GET") {
        Result<std::vector<TokenInfo>> tokens = store.ListTokens();
        if (!tokens.ok()) return FromStatus(tokens.status());
        json list = json::array();
        for (const TokenInfo& t : *tokens)
          list.push_back({{"name", t.name},
                          {"role", std::string(RoleName(t.role))},
                          {"created", Time(t.created)},
                          {"expires", t.expires == 0 ? json(nullptr) : json(Time(t.expires))},
                          {"revoked", t.revoked}});
        return Json(200, {{"tokens", list}});
      }
      if (method == "POST") {
        json j;
        if (auto bad = ParseObject(r.body, j)) return bad;
        Role role = Role::kViewer;
        if (auto bad = RoleField(j, role, true)) return bad;
        Timestamp expires = 0;
        if (std::string in = StringField(j, "expires_in"); !in.empty()) {
          Result<Duration> d = ParseDuration(in);
          if (!d.ok() || *d <= 0)
            return Problem(400, "Bad request", "expires_in must be a duration such as 30d or 8h",
                           "expires_in");
          expires = WallNow() + *d;
        }
        Result<NewToken> t = store.CreateToken(StringField(j, "name"), role, expires, WallNow());
        if (!t.ok()) return FromStatus(t.status(), "name");
        return Json(201, {{"name", t->info.name},
                          {"role", std::string(RoleName(role))},
                          {"expires", expires == 0 ? json(nullptr) : json(Time(expires))},
                          {"token", t->secret}});
      }
      return Problem(405, "Method not allowed", "use GET or POST on /api/v1/tokens");
    }
    if (std::optional<std::string> name = Tail(path, "/api/v1/tokens/")) {
      if (method != "DELETE")
        return Problem(405, "Method not allowed", "use DELETE on /api/v1/tokens/{name}");
      if (Status s = store.RevokeToken(*name); !s.ok()) return FromStatus(s);
      return Json(200, {{"name", *name}, {"revoked", true}});
    }
    if (path == "/api/v1/audit") {
      if (method != "GET") return Problem(405, "Method not allowed", "use GET on /api/v1/audit");
      if (!audit_) return Problem(503, "No audit trail", "this server keeps no audit trail");
      int64_t limit = 100, before = 0;
      for (const auto& [k, v] : r.target.query) {
        try {
          if (k == "limit")
            limit = std::stoll(v);
          else if (k == "before")
            before = std::stoll(v);
          else
            return Problem(400, "Unknown query parameter",
                           "query parameter '" + k + "' is not understood; it takes limit, before",
                           k);
        } catch (const std::exception&) {
          return Problem(400, "Bad query parameter", k + " must be an integer", k);
        }
      }
      if (limit < 1 || limit > 1000)
        return Problem(400, "Bad query parameter", "limit must be from 1 to 1000", "limit");
      Result<std::vector<AuditRecord>> records = audit_->List(static_cast<size_t>(limit), before);
      if (!records.ok()) return FromStatus(records.status());
      json list = json::array();
      for (const AuditRecord& a : *records)
        list.push_back({{"seq", a.seq},
                        {"time", Time(a.time)},
                        {"who", a.who},
                        {"role", a.role},
                        {"remote", a.remote},
                        {"action", a.action},
                        {"target", a.target},
                        {"outcome", a.outcome},
                        {"detail", a.detail},
                        {"hash", a.hash}});
      return Json(200, {{"records", list},
                        {"storage_bytes", audit_->StorageBytes()},
                        {"over_threshold", audit_->over_threshold()}});
    }
    return std::nullopt;
  };
  return m;
}

namespace {

// GET /api/v1/equipment/{path}/state (ctx::EquipmentStateJson): times are ISO 8601 UTC.
json EquipmentStateSchema() {
  json text = {{"type", "string"}};
  json time = {{"type", "string"}, {"format", "date-time"}};
  json nullable_time = {{"type", "string"}, {"format", "date-time"}, {"nullable", true}};
  json props = {{"work_centre", text}, {"time", time},    {"category", text},   {"condition", text},
                {"reason", text},      {"since", time},   {"stop_start", time}, {"shift", text},
                {"order", text},       {"product", text}, {"operator", text}};
  props["shift_start"] = nullable_time;
  props["shift_start"]["description"] =
      "Planned start of the calendar's shift containing `time` (site time zone, DST-correct); "
      "null off shift or without shifts";
  props["shift_end"] = nullable_time;
  props["shift_end"]["description"] = "Planned end of that shift; null off shift";
  return {{"type", "object"}, {"properties", props}};
}

}  // namespace

std::string OpenApiJson(const PolicyTable& policy) {
  json paths = json::object();
  for (const RouteRule& rule : policy.rules()) {
    std::string method = rule.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json op = {{"summary", rule.summary},
               {"x-gantry-role", std::string(RoleName(rule.min))},
               {"x-gantry-module", rule.module},
               {"x-gantry-commands-machine", rule.commands_machine},
               {"responses",
                {{"200", {{"description", "OK"}}},
                 {"default",
                  {{"description", "Problem details (RFC 9457)"},
                   {"content",
                    {{"application/problem+json",
                      {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}}}}}};
    if (rule.min == Role::kPublic) op["security"] = json::array();
    json params = json::array();
    size_t pos = 0;
    while ((pos = rule.pattern.find('{', pos)) != std::string::npos) {
      size_t end = rule.pattern.find('}', pos);
      if (end == std::string::npos) break;
      params.push_back({{"name", rule.pattern.substr(pos + 1, end - pos - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}}}});
      pos = end;
    }
    if (!params.empty()) op["parameters"] = params;
    paths[rule.pattern][method] = op;
  }
  // The equipment state's body, which the dashboard's work-centre page reads field by field.
  const char* kState = "/api/v1/equipment/{path}/state";
  if (paths.contains(kState) && paths[kState].contains("get"))
    paths[kState]["get"]["responses"]["200"]["content"] = {
        {"application/json", {{"schema", {{"$ref", "#/components/schemas/EquipmentState"}}}}}};
  json doc = {
      {"openapi", "3.0.3"},
      {"info", {{"title", "Gantry API"}, {"version", "1"}}},
      {"paths", paths},
      {"security", json::array({{{"bearer", json::array()}}, {{"session", json::array()}}})},
      {"components",
       {{"securitySchemes",
         {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
          {"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "gantry_session"}}}}},
        {"schemas",
         {{"Problem",
           {{"type", "object"},
            {"properties",
             {{"type", {{"type", "string"}}},
              {"title", {{"type", "string"}}},
              {"status", {{"type", "integer"}}},
              {"detail", {{"type", "string"}}},
              {"parameter", {{"type", "string"}}}}}}},
          {"EquipmentState", EquipmentStateSchema()}}}}}};
  return doc.dump(2);
}

}  // namespace gantry::security
