// The API's door: checks every request's credential (bearer token or session cookie + CSRF
// header) against the policy table before the router sees it, answers the session routes
// (login/logout), throttles password guessing, and writes the audit trail of every change.
// The router (api_routes.cc) stays auth-free; http_server.cc asks the gate first.
//
//   SecurityGate gate(store, audit, PolicyTable::Build(modules), {});
//   GateDecision d = gate.Decide(incoming);   // d.reply set: send it (401/403/429/session)
//   ... route as d.principal ...; gate.AuditRequest(incoming, d.principal, status);
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/request_guard.h"
#include "api/route_module.h"
#include "api/security/audit_log.h"
#include "api/security/credential_store.h"
#include "api/security/policy.h"

namespace gantry::security {

struct GateOptions {
  Duration session_idle = 30 * kMinute;  // a session unused this long ends
  Duration session_max = 12 * kHour;     // and every session ends after this
  int user_failures_to_lock = 5;         // failed logins of one user within `failure_window`
  int address_failures_to_lock = 20;     // failed logins from one address within the window
  Duration failure_window = 15 * kMinute;
  Duration lockout = 15 * kMinute;  // how long a locked user/address is refused
  bool tls = false;                 // cookies get "Secure"
  bool one_way = false;             // refuse routes that write to machines
  size_t max_sessions = 10000;
};

using Incoming = GuardRequest;

struct GateDecision {
  std::optional<HttpReply> reply;  // set: answer this instead of routing
  Principal principal;             // the caller (role kPublic when anonymous)
  RouteRule rule;                  // the policy row that decided
};

// Counters for /metrics.
struct GateCounters {
  std::atomic<uint64_t> login_failures{0};
  std::atomic<uint64_t> login_lockouts{0};  // logins refused because user or address is locked
  std::atomic<uint64_t> token_failures{0};
  std::atomic<uint64_t> session_failures{0};
  std::atomic<uint64_t> csrf_failures{0};
  std::atomic<uint64_t> denied_401{0};
  std::atomic<uint64_t> denied_403{0};
  std::atomic<uint64_t> logins{0};
};

class SecurityGate : public RequestGuard {
 public:
  // `policy` is replaced by RoutesKnown() when an ApiServer starts with this gate.
  SecurityGate(std::shared_ptr<CredentialStore> store, std::shared_ptr<AuditLog> audit,
               PolicyTable policy, GateOptions options);

  // Authenticates and authorises one request (session routes answered here).
  GateDecision Decide(const Incoming& in);
  // RequestGuard: Check() as a verdict, Finished() = AuditRequest() for changes.
  GuardVerdict Check(const GuardRequest& request) override;
  void Finished(const GuardRequest& request, const GuardVerdict& verdict, unsigned status) override;

  std::optional<RouteModule> OwnRoutes() override { return AdminModule(); }
  void RoutesKnown(const std::vector<RouteModule>& modules) override {
    policy_ = PolicyTable::Build(modules);
  }
  std::string MetricsText() override;

  // Records a state-changing request (POST/PUT/PATCH/DELETE) and its outcome in the audit trail.
  void AuditRequest(const Incoming& in, const Principal& who, unsigned status);
  // Records anything else (login, CLI actions routed through the API...).
  void Audit(AuditRecord record);

  // The admin routes (users, tokens, audit) and GET /api/v1/openapi.json as a module; the
  // caller's principal arrives in ApiRequest.
  RouteModule AdminModule();

  const PolicyTable& policy() const { return policy_; }
  GateCounters& counters() { return counters_; }
  CredentialStore& store() { return *store_; }
  AuditLog* audit() { return audit_.get(); }

 private:
  // A live session in memory; the store holds the same record (SessionRecord) so that it
  // survives a restart. The CSRF token itself is derived from the cookie (CsrfFor), only its
  // hash is kept.
  struct Session {
    Principal who;
    std::string csrf_hash;
    Timestamp created = 0;
    Timestamp last_used = 0;
    Timestamp saved_last_used = 0;  // last_used as written to the store
  };
  struct Failures {
    int count = 0;
    Timestamp first = 0;
    Timestamp locked_until = 0;
  };

  HttpReply Login(const Incoming& in);
  HttpReply SessionInfo(const Incoming& in);
  HttpReply Logout(const Incoming& in);
  // The live session of `cookie` (from memory, else from the store after a restart); ends and
  // forgets it when idle or too old. Marks it used at `now`.
  std::optional<Session> FindSession(std::string_view cookie, Timestamp now);
  // When a session used at `last_used` ends unless used again.
  Timestamp SessionEnd(const Session& s) const;
  // True when `key` is locked now; bumps the lockout counter.
  bool Locked(std::unordered_map<std::string, Failures>& map, const std::string& key,
              Timestamp now);
  void Fail(std::unordered_map<std::string, Failures>& map, const std::string& key, int limit,
            Timestamp now);

  std::shared_ptr<CredentialStore> store_;
  std::shared_ptr<AuditLog> audit_;
  PolicyTable policy_;
  GateOptions options_;
  GateCounters counters_;
  std::mutex mu_;                                      // sessions and failure maps
  std::unordered_map<std::string, Session> sessions_;  // by hash of the cookie value
  std::unordered_map<std::string, Failures> user_failures_;
  std::unordered_map<std::string, Failures> address_failures_;
};

// Builds the OpenAPI 3.0 document of every policy row (roles as x-gantry-role).
std::string OpenApiJson(const PolicyTable& policy);

}  // namespace gantry::security
