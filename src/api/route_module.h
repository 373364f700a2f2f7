// Routes contributed by other parts of Gantry (operations, enterprise, administration) without
// editing the core router: each part hands the ApiServer a RouteModule that claims its own paths
// and lists them (for the route-by-role policy and the OpenAPI document).
//
//   RouteModule m{"enterprise", {{"GET", "/api/v1/orders", "List production orders"}},
//                 [&](const ApiRequest& r) -> std::optional<HttpReply> {
//                   if (r.target.path != "/api/v1/orders") return std::nullopt;  // not ours
//                   return ListOrders(r);
//                 }};
//   context.modules.push_back(std::move(m));
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/url.h"
#include "core/time.h"

namespace gantry {

// One HTTP answer, independent of the HTTP library.
struct HttpReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // the Allow header for 405 replies
  // More response headers (Set-Cookie, ...), name and value.
  std::vector<std::pair<std::string, std::string>> headers = {};
};

// One request as a route module sees it.
struct ApiRequest {
  std::string_view method;      // "GET", "POST", ...; HEAD arrives as HEAD
  const RequestTarget& target;  // decoded path and query
  std::string_view body;        // empty for GET
  Timestamp now = 0;            // the plant clock at arrival (ApiContext::clock; simulated)
  std::string principal;        // who is calling: user or token name; empty when unauthenticated
  std::string role;             // the caller's role ("viewer", "operator", ...); empty likewise
  std::string remote;           // the peer address, for the audit trail
};

// One route a module answers: method and path pattern ("{x}" is one or more path segments),
// with a one-line summary for the OpenAPI document.
struct RouteSpec {
  std::string method;
  std::string pattern;
  std::string summary;
  // The least role that may call it: "public" (no credential), "viewer", "operator", "engineer",
  // "admin" or "integration" (see api/security/policy.h). Empty: admin-only.
  std::string role = {};
  // True for a route that writes toward a machine (setpoints, commands): refused in one-way mode.
  bool commands_machine = false;
};

// Answers the request when its path belongs to the module (a problem reply for bad input
// included), nullopt when it does not. Called on I/O threads: must be thread-safe.
using RouteHandler = std::function<std::optional<HttpReply>(const ApiRequest&)>;

struct RouteModule {
  std::string name;               // "enterprise", "operations", ... for logs and docs
  std::vector<RouteSpec> routes;  // every method+pattern the handler answers
  RouteHandler handle;
};

}  // namespace gantry
