#include "api/security/security_gate.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/api_routes.h"

namespace gantry::security {

namespace {

using json = nlohmann::json;
constexpr std::string_view kCookieName = "gantry_session";
constexpr std::string_view kSessionPath = "/api/v1/session";

bool IsRead(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

HttpReply JsonReply(unsigned status, const json& body) {
  HttpReply r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

HttpReply Unauthorized(std::string_view detail) {
  HttpReply r = Problem(401, "Unauthorized", detail);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gantry\"");
  return r;
}

// The value of cookie `name` in a Cookie header, "" when absent.
std::string_view CookieValue(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    while (pos < header.size() && (header[pos] == ' ' || header[pos] == ';')) ++pos;
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view pair = header.substr(pos, end - pos);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    pos = end + 1;
  }
  return {};
}

// The session's CSRF token, derived from its cookie so that GET /api/v1/session can tell it
// again after a restart while the store keeps only its hash. Unguessable without the HttpOnly
// cookie (BLAKE2b-256 of a fixed label and the cookie).
std::string CsrfFor(std::string_view cookie) {
  return HashHex("gantry-csrf\n" + std::string(cookie)).substr(0, 43);
}

// How stale the stored last_used of a session may get: a restart may end a session this much
// early, and a busy session writes the store at most this often.
constexpr Duration kSessionSaveEvery = kMinute;

bool SameSecret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Paths whose bodies carry secrets: never copied into the audit trail.
bool SecretBearing(std::string_view path) {
  return path.starts_with("/api/v1/users") || path.starts_with("/api/v1/tokens") ||
         path.starts_with(kSessionPath);
}

}  // namespace

SecurityGate::SecurityGate(std::shared_ptr<CredentialStore> store, std::shared_ptr<AuditLog> audit,
                           PolicyTable policy, GateOptions options)
    : store_(std::move(store)),
      audit_(std::move(audit)),
      policy_(std::move(policy)),
      options_(options) {}

GuardVerdict SecurityGate::Check(const GuardRequest& request) {
  GateDecision d = Decide(request);
  // Every attempt to write toward a machine is recorded, the refused ones here (no credential,
  // wrong role, missing CSRF header, one-way mode); the others after routing (Finished()).
  if (d.reply && d.rule.commands_machine && !IsRead(request.method))
    AuditRequest(request, d.principal, d.reply->status);
  GuardVerdict v;
  v.reply = std::move(d.reply);
  if (d.principal.role != Role::kPublic) {
    v.principal = d.principal.name;
    v.role = std::string(RoleName(d.principal.role));
  }
  return v;
}

void SecurityGate::Finished(const GuardRequest& request, const GuardVerdict& verdict,
                            unsigned status) {
  if (IsRead(request.method)) return;
  Principal who{verdict.principal, ParseRole(verdict.role).value_or(Role::kPublic)};
  AuditRequest(request, who, status);
}

GateDecision SecurityGate::Decide(const Incoming& in) {
  GateDecision d;
  d.rule = policy_.Decide(in.method, in.path);
  if (in.path == kSessionPath) {
    if (in.method == "POST")
      d.reply = Login(in);
    else if (in.method == "GET" || in.method == "HEAD")
      d.reply = SessionInfo(in);
    else if (in.method == "DELETE")
      d.reply = Logout(in);
    else {
      d.reply = Problem(405, "Method not allowed", "use POST (log in), GET or DELETE (log out)");
      d.reply->allow = "GET, POST, DELETE";
    }
    return d;
  }

  // Public routes (health, login, the dashboard's files) ignore whatever credential comes
  // along, so a stale cookie never hides the login page.
  if (d.rule.min == Role::kPublic) {
    if (!in.authorization.empty()) {
      std::string_view auth = in.authorization;
      if (auth.size() > 7 && auth.substr(0, 7) == "Bearer ")
        if (Result<Principal> p = store_->CheckToken(auth.substr(7), in.now); p.ok())
          d.principal = *p;
    } else if (std::string_view c = CookieValue(in.cookie, kCookieName); !c.empty()) {
      if (std::optional<Session> s = FindSession(c, in.now)) d.principal = s->who;
    }
    return d;
  }

  // Who is calling: a bearer token wins over a cookie.
  bool presented = false;
  bool from_cookie = false;
  std::string csrf_hash;
  if (!in.authorization.empty()) {
    presented = true;
    std::string_view auth = in.authorization;
    if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
      Result<Principal> p = store_->CheckToken(auth.substr(7), in.now);
      if (p.ok()) {
        d.principal = *p;
      } else {
        counters_.token_failures.fetch_add(1);
        counters_.denied_401.fetch_add(1);
        d.reply =
            Unauthorized("the bearer token is " + std::string(p.status().message().substr(0, 40)) +
                         "; create one with `gantry token create`");
        return d;
      }
    } else {
      counters_.token_failures.fetch_add(1);
      counters_.denied_401.fetch_add(1);
      d.reply = Unauthorized("only 'Authorization: Bearer <token>' is understood");
      return d;
    }
  } else if (std::string_view cookie = CookieValue(in.cookie, kCookieName); !cookie.empty()) {
    presented = true;
    std::optional<Session> s = FindSession(cookie, in.now);
    if (!s) {
      counters_.session_failures.fetch_add(1);
      counters_.denied_401.fetch_add(1);
      d.reply = Unauthorized("the session has ended or is unknown; log in again");
      return d;
    }
    d.principal = s->who;
    csrf_hash = s->csrf_hash;
    from_cookie = true;
  }

  if (!presented) {
    counters_.denied_401.fetch_add(1);
    d.reply = Unauthorized(
        "this route needs a credential: 'Authorization: Bearer <token>' or a session cookie "
        "from POST /api/v1/session");
    return d;
  }
  if (!Allows(d.principal.role, d.rule.min)) {
    counters_.denied_403.fetch_add(1);
    d.reply = Problem(403, "Forbidden",
                      "role '" + std::string(RoleName(d.principal.role)) + "' may not " +
                          std::string(in.method) + " " + d.rule.pattern + "; it needs '" +
                          std::string(RoleName(d.rule.min)) + "'");
    return d;
  }
  if (from_cookie && !IsRead(in.method) &&
      (in.csrf.empty() || !SameSecret(HashHex(in.csrf), csrf_hash))) {
    counters_.csrf_failures.fetch_add(1);
    counters_.denied_403.fetch_add(1);
    d.reply = Problem(403, "CSRF token missing",
                      "a change made with a session cookie needs the header X-CSRF-Token with "
                      "the csrf value from GET /api/v1/session",
                      "X-CSRF-Token");
    return d;
  }
  // Decided after authentication so that the audit trail names who tried.
  if (options_.one_way && d.rule.commands_machine) {
    counters_.denied_403.fetch_add(1);
    d.reply = Problem(403, "One-way mode",
                      "this node runs in one-way mode and accepts no command toward a machine (" +
                          std::string(in.method) + " " + d.rule.pattern + ")");
    return d;
  }
  return d;
}

bool SecurityGate::Locked(std::unordered_map<std::string, Failures>& map, const std::string& key,
                          Timestamp now) {
  auto it = map.find(key);
  return it != map.end() && it->second.locked_until > now;
}

void SecurityGate::Fail(std::unordered_map<std::string, Failures>& map, const std::string& key,
                        int limit, Timestamp now) {
  if (map.size() > 100000) map.clear();  // bounded memory under a flood of names
  Failures& f = map[key];
  if (now - f.first > options_.failure_window) f = Failures{0, now, 0};
  if (++f.count >= limit) f.locked_until = now + options_.lockout;
}

HttpReply SecurityGate::Login(const Incoming& in) {
  json body = json::parse(in.body, nullptr, false);
  if (!body.is_object() || !body.contains("user") || !body["user"].is_string() ||
      !body.contains("password") || !body["password"].is_string())
    return Problem(400, "Bad login", "expected a JSON body {\"user\": ..., \"password\": ...}",
                   body.is_object() && body.contains("user") ? "password" : "user");
  const std::string user = body["user"].get<std::string>().substr(0, 64);
  const std::string password = body["password"].get<std::string>();
  AuditRecord rec{in.now, user, "", in.remote, "login", user, "", "", 0, ""};
  bool locked = false;
  {
    std::lock_guard lock(mu_);
    locked = Locked(user_failures_, user, in.now) || Locked(address_failures_, in.remote, in.now);
  }
  if (locked) {
    counters_.login_lockouts.fetch_add(1);
    rec.outcome = "locked";
    Audit(rec);
    HttpReply r = Problem(429, "Too many failed logins",
                          "this user or address is locked for a while after repeated failures");
    r.headers.emplace_back("Retry-After", std::to_string(options_.lockout / kSecond));
    return r;
  }
  Result<Principal> p = store_->CheckPassword(user, password);
  if (!p.ok()) {
    counters_.login_failures.fetch_add(1);
    {
      std::lock_guard lock(mu_);
      Fail(user_failures_, user, options_.user_failures_to_lock, in.now);
      Fail(address_failures_, in.remote, options_.address_failures_to_lock, in.now);
    }
    rec.outcome = "denied";
    Audit(rec);
    return Unauthorized("unknown user or wrong password");
  }
  counters_.logins.fetch_add(1);
  const std::string cookie = RandomSecret(32);
  const std::string csrf = CsrfFor(cookie);
  Session s{*p, HashHex(csrf), in.now, in.now, in.now};
  const std::string key = HashHex(cookie);
  // The store first: a session that could not be kept would silently end at the next restart.
  Result<size_t> pruned =
      store_->PruneSessions(in.now, options_.max_sessions > 0 ? options_.max_sessions - 1 : 0);
  Status saved =
      pruned.ok()
          ? store_->SaveSession({key, s.who, s.csrf_hash, s.created, s.last_used, SessionEnd(s)})
          : pruned.status();
  if (!saved.ok()) {
    spdlog::error("api: cannot keep a session: {}", saved.message());
    rec.outcome = "error";
    Audit(rec);
    return Problem(503, "Sessions unavailable",
                   "the session could not be stored; see the server log and retry");
  }
  {
    std::lock_guard lock(mu_);
    user_failures_.erase(user);
    if (sessions_.size() >= options_.max_sessions) {
      auto oldest = sessions_.begin();
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
        if (it->second.last_used < oldest->second.last_used) oldest = it;
      sessions_.erase(oldest);
    }
    sessions_[key] = s;
  }
  rec.role = std::string(RoleName(p->role));
  rec.outcome = "ok";
  Audit(rec);
  HttpReply r =
      JsonReply(200, {{"user", p->name}, {"role", std::string(RoleName(p->role))}, {"csrf", csrf}});
  r.headers.emplace_back("Set-Cookie", std::string(kCookieName) + "=" + cookie +
                                           "; HttpOnly; SameSite=Strict; Path=/" +
                                           (options_.tls ? "; Secure" : ""));
  return r;
}

Timestamp SecurityGate::SessionEnd(const Session& s) const {
  return std::min(s.last_used + options_.session_idle, s.created + options_.session_max);
}

std::optional<SecurityGate::Session> SecurityGate::FindSession(std::string_view cookie,
                                                               Timestamp now) {
  if (cookie.empty() || cookie.size() > 100) return std::nullopt;
  const std::string key = HashHex(cookie);
  std::optional<Session> found;
  {
    std::lock_guard lock(mu_);
    if (auto it = sessions_.find(key); it != sessions_.end()) found = it->second;
  }
  if (!found) {  // not seen since this process started: the store knows sessions of earlier runs
    Result<std::optional<SessionRecord>> r = store_->FindSession(key);
    if (!r.ok()) spdlog::error("api: {}", r.status().message());
    if (!r.ok() || !r->has_value()) return std::nullopt;
    const SessionRecord& rec = **r;
    found = Session{rec.who, rec.csrf_hash, rec.created, rec.last_used, rec.last_used};
  }
  if (now - found->last_used > options_.session_idle ||
      now - found->created > options_.session_max) {
    {
      std::lock_guard lock(mu_);
      sessions_.erase(key);
    }
    if (Status st = store_->DeleteSession(key); !st.ok()) spdlog::error("api: {}", st.message());
    return std::nullopt;
  }
  found->last_used = std::max(found->last_used, now);
  const bool save = found->last_used - found->saved_last_used >= kSessionSaveEvery;
  if (save) found->saved_last_used = found->last_used;
  {
    std::lock_guard lock(mu_);
    if (sessions_.size() < options_.max_sessions || sessions_.count(key) != 0)
      sessions_[key] = *found;
  }
  if (save) {
    Status st = store_->SaveSession(
        {key, found->who, found->csrf_hash, found->created, found->last_used, SessionEnd(*found)});
    if (!st.ok()) spdlog::error("api: {}", st.message());
  }
  return found;
}

HttpReply SecurityGate::SessionInfo(const Incoming& in) {
  const std::string_view cookie = CookieValue(in.cookie, kCookieName);
  std::optional<Session> s = FindSession(cookie, in.now);
  if (!s) return Unauthorized("no session; log in with POST /api/v1/session");
  return JsonReply(200, {{"user", s->who.name},
                         {"role", std::string(RoleName(s->who.role))},
                         {"csrf", CsrfFor(cookie)}});
}

HttpReply SecurityGate::Logout(const Incoming& in) {
  std::string_view cookie = CookieValue(in.cookie, kCookieName);
  std::optional<Session> s = FindSession(cookie, in.now);
  if (s && (in.csrf.empty() || !SameSecret(HashHex(in.csrf), s->csrf_hash)))
    return Problem(403, "CSRF token missing",
                   "logging out needs the header X-CSRF-Token with the session's csrf value",
                   "X-CSRF-Token");
  if (s) {
    {
      std::lock_guard lock(mu_);
      sessions_.erase(HashHex(cookie));
    }
    if (Status st = store_->DeleteSession(HashHex(cookie)); !st.ok())
      spdlog::error("api: {}", st.message());
  }
  if (s)
    Audit({in.now, s->who.name, std::string(RoleName(s->who.role)), in.remote, "logout",
           s->who.name, "ok", "", 0, ""});
  HttpReply r = JsonReply(200, {{"logged_out", s.has_value()}});
  r.headers.emplace_back("Set-Cookie", std::string(kCookieName) +
                                           "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0" +
                                           (options_.tls ? "; Secure" : ""));
  return r;
}

void SecurityGate::AuditRequest(const Incoming& in, const Principal& who, unsigned status) {
  std::string detail;
  if (!SecretBearing(in.path)) detail = std::string(in.body.substr(0, 256));
  Audit({in.now, who.name, who.role == Role::kPublic ? "" : std::string(RoleName(who.role)),
         in.remote, std::string(in.method) + " " + std::string(in.path.substr(0, 256)),
         std::string(in.path.substr(0, 256)), std::to_string(status), std::move(detail), 0, ""});
}

void SecurityGate::Audit(AuditRecord record) {
  if (!audit_) return;
  if (Status s = audit_->Append(std::move(record)); !s.ok())
    spdlog::error("audit: {}", s.message());
}

std::string SecurityGate::MetricsText() {
  std::string out;
  auto counter = [&out](std::string_view name, std::string_view labels, uint64_t v) {
    out += name;
    if (!labels.empty()) out += "{" + std::string(labels) + "}";
    out += " " + std::to_string(v) + "\n";
  };
  out += "# TYPE gantry_api_auth_failures_total counter\n";
  counter("gantry_api_auth_failures_total", "kind=\"password\"", counters_.login_failures);
  counter("gantry_api_auth_failures_total", "kind=\"token\"", counters_.token_failures);
  counter("gantry_api_auth_failures_total", "kind=\"session\"", counters_.session_failures);
  counter("gantry_api_auth_failures_total", "kind=\"csrf\"", counters_.csrf_failures);
  out += "# TYPE gantry_api_login_lockouts_total counter\n";
  counter("gantry_api_login_lockouts_total", "", counters_.login_lockouts);
  out += "# TYPE gantry_api_logins_total counter\n";
  counter("gantry_api_logins_total", "", counters_.logins);
  out += "# TYPE gantry_api_denied_total counter\n";
  counter("gantry_api_denied_total", "status=\"401\"", counters_.denied_401);
  counter("gantry_api_denied_total", "status=\"403\"", counters_.denied_403);
  if (audit_) {
    out += "# TYPE gantry_audit_storage_bytes gauge\n";
    counter("gantry_audit_storage_bytes", "", audit_->StorageBytes());
    out += "# TYPE gantry_audit_storage_over_threshold gauge\n";
    counter("gantry_audit_storage_over_threshold", "", audit_->over_threshold() ? 1 : 0);
  }
  return out;
}

}  // namespace gantry::security
