// Users (argon2id password hashes), API tokens (stored only as BLAKE2b hashes) and web sessions
// (stored only by the hash of their cookie) in one SQLite file of the data folder,
// <data>/security.sqlite. Safe to use from several threads and from a second
// process (`gantry token create` while the plant runs).
//
//   GANTRY_ASSIGN_OR_RETURN(auto store, CredentialStore::Open(data_dir + "/security.sqlite"));
//   GANTRY_ASSIGN_OR_RETURN(NewToken t, store->CreateToken("grafana", Role::kViewer, 0, now));
//   std::printf("%s\n", t.secret.c_str());  // shown once; only its hash is kept
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/security/policy.h"
#include "core/status.h"
#include "core/time.h"

namespace gantry::security {

// Who is calling, once a credential was checked.
struct Principal {
  std::string name;  // user name or "token:<token name>"
  Role role = Role::kPublic;
};

struct UserInfo {
  std::string name;
  Role role = Role::kViewer;
  Timestamp created = 0;
};

struct TokenInfo {
  std::string name;
  Role role = Role::kViewer;
  Timestamp created = 0;
  Timestamp expires = 0;  // 0: never
  bool revoked = false;
};

// A web session at rest: only hashes of its secrets, so a copy of the store logs nobody in.
struct SessionRecord {
  std::string id_hash;    // HashHex(cookie value)
  Principal who;          // user and role as at login
  std::string csrf_hash;  // HashHex(CSRF token)
  Timestamp created = 0;
  Timestamp last_used = 0;  // as last written (the gate writes it at most once a minute)
  Timestamp expires = 0;    // when it ends unless used again (idle and maximum age applied)
};

struct NewToken {
  TokenInfo info;
  std::string secret;  // "gnt_..." — the only time it exists outside the caller's hands
};

// A random secret of `bytes` random bytes, base64url without padding.
std::string RandomSecret(size_t bytes);
// Hex BLAKE2b-256 of `text` (used for token and session ids at rest).
std::string HashHex(std::string_view text);

class CredentialStore {
 public:
  // Opens or creates the store (mode 0600). Errors: IoError naming the file.
  static Result<std::unique_ptr<CredentialStore>> Open(const std::string& path);
  ~CredentialStore();

  // With no user at all, creates `name` as admin with a random password and returns it; returns
  // "" when users already exist.
  Result<std::string> EnsureAdmin(const std::string& name, Timestamp now);

  // Errors: InvalidArgument (name: 1..64 of [A-Za-z0-9._@-], password: 10..1024 bytes),
  // AlreadyExists.
  Status AddUser(const std::string& name, Role role, const std::string& password, Timestamp now);
  Status SetPassword(const std::string& name, const std::string& password);  // NotFound
  Status SetRole(const std::string& name, Role role);                        // NotFound
  Status RemoveUser(const std::string& name);  // NotFound; FailedPrecondition for the last admin
  Result<std::vector<UserInfo>> ListUsers();
  // The user when the password matches; PermissionDenied otherwise (same time for an unknown
  // user as for a wrong password).
  Result<Principal> CheckPassword(const std::string& name, const std::string& password);

  // `expires` 0 = never. Errors: InvalidArgument (name), AlreadyExists (a live token of that name).
  Result<NewToken> CreateToken(const std::string& name, Role role, Timestamp expires,
                               Timestamp now);
  Result<std::vector<TokenInfo>> ListTokens();
  Status RevokeToken(const std::string& name);  // NotFound
  // The token's principal; PermissionDenied "unknown", "expired" or "revoked" otherwise.
  Result<Principal> CheckToken(std::string_view secret, Timestamp now);

  // Sessions, so that they survive a restart. Writes or replaces the record of `id_hash`.
  Status SaveSession(const SessionRecord& session);
  // The record, or nullopt when there is none (ended, logged out, pruned or never existed).
  Result<std::optional<SessionRecord>> FindSession(std::string_view id_hash);
  Status DeleteSession(std::string_view id_hash);
  // Deletes every session that expired at or before `now`, then the least recently used ones
  // beyond `keep_at_most`; returns how many were deleted.
  Result<size_t> PruneSessions(Timestamp now, size_t keep_at_most);
  Result<size_t> SessionCount();

 private:
  struct Impl;
  explicit CredentialStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::security
