#include "api/security/policy.h"

#include <spdlog/spdlog.h>

namespace gantry::security {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPublic: return "public";
    case Role::kViewer: return "viewer";
    case Role::kOperator: return "operator";
    case Role::kEngineer: return "engineer";
    case Role::kAdmin: return "admin";
    case Role::kIntegration: return "integration";
  }
  return "admin";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kPublic, Role::kViewer, Role::kOperator, Role::kEngineer, Role::kAdmin,
                 Role::kIntegration})
    if (RoleName(r) == name) return r;
  return std::nullopt;
}

bool Allows(Role have, Role need) {
  if (need == Role::kPublic) return true;
  if (have == Role::kPublic) return false;
  if (have == Role::kAdmin) return true;
  if (have == Role::kIntegration) return need == Role::kViewer || need == Role::kIntegration;
  if (need == Role::kIntegration) return false;
  return static_cast<int>(have) >= static_cast<int>(need);
}

namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  return out;
}

bool IsParameter(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

// Pattern segments from p, path segments from s; a parameter eats one or more non-empty segments.
bool MatchFrom(const std::vector<std::string_view>& pat, size_t p,
               const std::vector<std::string_view>& segs, size_t s, size_t& literal) {
  if (p == pat.size()) return s == segs.size();
  if (s == segs.size()) return false;
  if (!IsParameter(pat[p])) {
    if (pat[p] != segs[s]) return false;
    size_t before = literal;
    literal += pat[p].size() + 1;
    if (MatchFrom(pat, p + 1, segs, s + 1, literal)) return true;
    literal = before;
    return false;
  }
  for (size_t end = s + 1; end <= segs.size(); ++end) {
    if (segs[end - 1].empty()) return false;
    if (MatchFrom(pat, p + 1, segs, end, literal)) return true;
  }
  return false;
}

RouteRule Rule(std::string method, std::string pattern, Role min, std::string summary) {
  return RouteRule{std::move(method),  std::move(pattern), min,
                   std::move(summary), "built-in",         true};
}

}  // namespace

bool MatchPattern(std::string_view pattern, std::string_view path, size_t* literal) {
  size_t lit = 0;
  const bool ok = MatchFrom(Segments(pattern), 0, Segments(path), 0, lit);
  if (literal) *literal = ok ? lit : 0;
  return ok;
}

std::vector<RouteRule> BuiltInRules() {
  using R = Role;
  return {
      Rule("GET", "/health", R::kPublic, "Liveness and connector health"),
      Rule("GET", "/metrics", R::kViewer, "Prometheus metrics"),
      Rule("GET", "/api/v1/tags", R::kViewer, "List tags with their current values"),
      Rule("GET", "/api/v1/tags/{path}", R::kViewer, "One tag's current value"),
      Rule("GET", "/api/v1/tags/{path}/history", R::kViewer,
           "A tag's stored samples or aggregates (JSON or CSV)"),
      Rule("GET", "/api/v1/stream", R::kViewer, "Server-Sent Events of value changes"),
      Rule("GET", "/api/v1/equipment/{path}/state", R::kViewer, "A work centre's state"),
      Rule("GET", "/api/v1/oee", R::kViewer, "OEE (ISO 22400) of a scope over a period"),
      Rule("GET", "/api/v1/downtime", R::kViewer, "Stops of a scope over a period"),
      Rule("POST", "/api/v1/downtime/assign", R::kOperator, "Assign a reason to a stop"),
      Rule("POST", "/api/v1/session", R::kPublic, "Log in with user and password (cookie)"),
      Rule("GET", "/api/v1/session", R::kPublic, "The logged-in user, role and CSRF token"),
      Rule("DELETE", "/api/v1/session", R::kPublic, "Log out"),
      Rule("GET", "/api/v1/openapi.json", R::kViewer, "This API as an OpenAPI 3 document"),
      Rule("GET", "/api/v1/users", R::kAdmin, "List users"),
      Rule("POST", "/api/v1/users", R::kAdmin, "Add a user"),
      Rule("PUT", "/api/v1/users/{name}", R::kAdmin, "Change a user's password or role"),
      Rule("DELETE", "/api/v1/users/{name}", R::kAdmin, "Remove a user"),
      Rule("GET", "/api/v1/tokens", R::kAdmin, "List API tokens (never their secrets)"),
      Rule("POST", "/api/v1/tokens", R::kAdmin, "Create an API token (secret shown once)"),
      Rule("DELETE", "/api/v1/tokens/{name}", R::kAdmin, "Revoke an API token"),
      Rule("GET", "/api/v1/audit", R::kAdmin, "Read the audit trail"),
  };
}

PolicyTable PolicyTable::Build(const std::vector<RouteModule>& modules) {
  PolicyTable table;
  table.rules_ = BuiltInRules();
  for (const RouteModule& module : modules) {
    for (const RouteSpec& spec : module.routes) {
      std::optional<Role> role = ParseRole(spec.role);
      // The dashboard's files are public by contract (see docs/security.md).
      if (!role && module.name == "static" && spec.method == "GET") role = Role::kPublic;
      if (!role) {
        spdlog::warn(
            "api policy: route {} {} of module '{}' names no valid role ('{}'); it is "
            "admin-only",
            spec.method, spec.pattern, module.name, spec.role);
        role = Role::kAdmin;
      }
      table.rules_.push_back(RouteRule{spec.method, spec.pattern, *role, spec.summary, module.name,
                                       true, spec.commands_machine});
    }
  }
  return table;
}

RouteRule PolicyTable::Decide(std::string_view method, std::string_view path) const {
  const std::string_view m = method == "HEAD" ? std::string_view("GET") : method;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);  // "/api/v1/tags/" = list
  const RouteRule* best = nullptr;
  size_t best_literal = 0;
  for (const RouteRule& rule : rules_) {
    if (rule.method != m) continue;
    size_t literal = 0;
    if (MatchPattern(rule.pattern, path, &literal) && (!best || literal > best_literal)) {
      best = &rule;
      best_literal = literal;
    }
  }
  if (best) return *best;
  RouteRule unlisted{std::string(m), std::string(path), Role::kAdmin, {}, {}, false, false};
  // Log once per method and first three path segments, at most 100 distinct keys.
  std::string key(m);
  key += ' ';
  size_t cut = 0;
  for (int seg = 0; seg < 4 && cut != std::string_view::npos; ++seg) cut = path.find('/', cut + 1);
  key += path.substr(0, std::min(cut, path.size()));
  std::lock_guard lock(logged_->mu);
  if (logged_->keys.size() < 100 && logged_->keys.insert(key).second)
    spdlog::warn("api policy: {} is in no policy row; admin-only", key);
  return unlisted;
}

}  // namespace gantry::security
