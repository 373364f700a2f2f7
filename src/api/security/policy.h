// Who may call what: the roles of Gantry's API and the one table that maps every route
// (method + path pattern) to the least role that may call it. A route not in the table is
// admin-only (and logged once), so a forgotten route is closed, not open.
//
//   PolicyTable policy = PolicyTable::Build(context.modules);
//   RouteRule rule = policy.Decide("POST", "/api/v1/downtime/assign");  // min = kOperator
//   if (!Allows(principal.role, rule.min)) return Forbidden();
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/route_module.h"

namespace gantry::security {

// viewer < operator < engineer < admin form a ladder; integration reads what a viewer reads and
// calls the ERP (integration) routes; admin may call everything. kPublic needs no credential.
enum class Role { kPublic, kViewer, kOperator, kEngineer, kAdmin, kIntegration };

std::string_view RoleName(Role role);  // "public", "viewer", ...
// Parses "viewer", "operator", "engineer", "admin", "integration" (and "public"); nullopt else.
std::optional<Role> ParseRole(std::string_view name);
// True when a caller holding `have` may call a route that needs `need`.
bool Allows(Role have, Role need);

// One row of the policy table.
struct RouteRule {
  std::string method;   // GET, POST, PUT, PATCH, DELETE (HEAD is decided as GET)
  std::string pattern;  // "/api/v1/tags/{path}": {x} stands for one or more path segments
  Role min = Role::kAdmin;
  std::string summary;            // one line for the OpenAPI document
  std::string module;             // "built-in" or the RouteModule's name
  bool listed = true;             // false: no row matched (the decision is then admin-only)
  bool commands_machine = false;  // writes toward a machine: refused in one-way mode
};

// True when `path` matches `pattern`; `literal` receives the number of literal characters
// matched (more literal = more specific).
bool MatchPattern(std::string_view pattern, std::string_view path, size_t* literal = nullptr);

class PolicyTable {
 public:
  // The built-in routes plus every RouteSpec of `modules`. A RouteSpec's role (RouteSpec::role)
  // decides for that route; a spec without a role, or with an unknown one, stays admin-only and
  // is logged once here.
  static PolicyTable Build(const std::vector<RouteModule>& modules);

  // The most specific row for method+path; a row with listed=false and min=kAdmin when none.
  // Logs the first unlisted request per method+path (bounded), never more.
  RouteRule Decide(std::string_view method, std::string_view path) const;

  // Every row, built-in first, for the OpenAPI document and the generated tests.
  const std::vector<RouteRule>& rules() const { return rules_; }

 private:
  struct LoggedOnce {
    std::mutex mu;
    std::set<std::string> keys;
  };
  std::vector<RouteRule> rules_;
  std::unique_ptr<LoggedOnce> logged_ = std::make_unique<LoggedOnce>();
};

// The built-in rows alone (the routes of api_routes.cc, the session, admin and OpenAPI routes).
std::vector<RouteRule> BuiltInRules();

}  // namespace gantry::security
