// The hook through which the HTTP server asks "may this request go on?" before routing it, and
// reports how it ended afterwards (for the audit trail). Implemented by security::SecurityGate
// (api/security/security_gate.h); an ApiServer without a guard lets every request through (unit
// tests of the routes and the server).
//
//   GuardVerdict v = guard->Check(request);
//   if (v.reply) Send(*v.reply); else { reply = Route(...); guard->Finished(request, v, status); }
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/route_module.h"
#include "core/time.h"

namespace gantry {

// What the server knows of one request before routing it.
struct GuardRequest {
  std::string_view method;
  std::string_view path;  // decoded path, no query
  std::string_view body;
  std::string_view authorization;  // the Authorization header, "" when absent
  std::string_view cookie;         // the Cookie header
  std::string_view csrf;           // the X-CSRF-Token header
  std::string remote;              // peer address
  Timestamp now = 0;
};

struct GuardVerdict {
  std::optional<HttpReply> reply;  // set: answer this instead of routing (401, 403, login...)
  std::string principal;           // who is calling ("" anonymous)
  std::string role;                // their role name ("" anonymous)
};

class RequestGuard {
 public:
  virtual ~RequestGuard() = default;
  // Authenticates and authorises one request. Thread-safe.
  virtual GuardVerdict Check(const GuardRequest& request) = 0;
  // The routed request's final status (audits state-changing calls). Thread-safe.
  virtual void Finished(const GuardRequest& request, const GuardVerdict& verdict,
                        unsigned status) = 0;
  // Routes the guard answers itself (login aside), added to ApiContext::modules by the server.
  virtual std::optional<RouteModule> OwnRoutes() { return std::nullopt; }
  // Told once by ApiServer::Start, before any request, of every module's routes (its own
  // included), to build its policy.
  virtual void RoutesKnown(const std::vector<RouteModule>& modules) { (void)modules; }
  // More /metrics text (Prometheus format); "" for none. Thread-safe.
  virtual std::string MetricsText() { return {}; }
};

}  // namespace gantry
