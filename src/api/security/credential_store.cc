#include "api/security/credential_store.h"

#include <sodium.h>

#include <mutex>

#include "api/security/sqlite_db.h"

namespace gantry::security {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL,
                                 created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens(name TEXT PRIMARY KEY, role TEXT NOT NULL,
                                  hash TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,
                                  expires INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions(id_hash TEXT PRIMARY KEY, user TEXT NOT NULL,
                                    role TEXT NOT NULL, csrf_hash TEXT NOT NULL,
                                    created INTEGER NOT NULL, last_used INTEGER NOT NULL,
                                    expires INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires);
)sql";

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status CheckName(std::string_view what, std::string_view name) {
  if (ValidName(name)) return Status::Ok();
  return InvalidArgument(std::string(what) + " name '" + std::string(name.substr(0, 80)) +
                         "' must be 1 to 64 characters of letters, digits, '.', '_', '@', '-'");
}

Status CheckPasswordRules(const std::string& password) {
  if (password.size() < 10 || password.size() > 1024)
    return InvalidArgument("a password needs 10 to 1024 characters");
  return Status::Ok();
}

Result<std::string> HashPassword(const std::string& password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return ResourceExhausted("argon2id: out of memory while hashing a password");
  return std::string(out);
}

}  // namespace

std::string RandomSecret(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string HashHex(std::string_view text) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

struct CredentialStore::Impl {
  std::mutex mu;
  std::unique_ptr<SqliteDb> db;
  std::string dummy_hash;  // verified against for unknown users, to take the same time
};

CredentialStore::CredentialStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CredentialStore::~CredentialStore() = default;

Result<std::unique_ptr<CredentialStore>> CredentialStore::Open(const std::string& path) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  auto impl = std::make_unique<Impl>();
  GANTRY_ASSIGN_OR_RETURN(impl->db, SqliteDb::Open(path, kSchema));
  GANTRY_ASSIGN_OR_RETURN(impl->dummy_hash, HashPassword(RandomSecret(16)));
  return std::unique_ptr<CredentialStore>(new CredentialStore(std::move(impl)));
}

Result<std::string> CredentialStore::EnsureAdmin(const std::string& name, Timestamp now) {
  {
    std::lock_guard lock(impl_->mu);
    Stmt count(impl_->db->get(), "SELECT COUNT(*) FROM users");
    if (!count.Step()) return IoError("security store: " + impl_->db->Error());
    if (count.Int(0) > 0) return std::string();
  }
  std::string password = RandomSecret(15);  // 20 characters, 120 bits
  GANTRY_RETURN_IF_ERROR(AddUser(name, Role::kAdmin, password, now));
  return password;
}

Status CredentialStore::AddUser(const std::string& name, Role role, const std::string& password,
                                Timestamp now) {
  GANTRY_RETURN_IF_ERROR(CheckName("user", name));
  GANTRY_RETURN_IF_ERROR(CheckPasswordRules(password));
  if (role == Role::kPublic) return InvalidArgument("a user needs a role other than public");
  GANTRY_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(), "INSERT INTO users(name, role, hash, created) VALUES(?1,?2,?3,?4)");
  s.Bind(1, name);
  s.Bind(2, RoleName(role));
  s.Bind(3, hash);
  s.Bind(4, now);
  s.Step();
  if (s.failed()) {
    if (sqlite3_extended_errcode(impl_->db->get()) == SQLITE_CONSTRAINT_PRIMARYKEY)
      return AlreadyExists("user '" + name + "' already exists");
    return IoError("security store: " + impl_->db->Error());
  }
  return Status::Ok();
}

Status CredentialStore::SetPassword(const std::string& name, const std::string& password) {
  GANTRY_RETURN_IF_ERROR(CheckPasswordRules(password));
  GANTRY_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(), "UPDATE users SET hash=?2 WHERE name=?1");
  s.Bind(1, name);
  s.Bind(2, hash);
  s.Step();
  if (s.failed()) return IoError("security store: " + impl_->db->Error());
  if (s.changes() == 0) return NotFound("no user '" + name + "'");
  return Status::Ok();
}

Status CredentialStore::SetRole(const std::string& name, Role role) {
  if (role == Role::kPublic) return InvalidArgument("a user needs a role other than public");
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(), "UPDATE users SET role=?2 WHERE name=?1");
  s.Bind(1, name);
  s.Bind(2, RoleName(role));
  s.Step();
  if (s.failed()) return IoError("security store: " + impl_->db->Error());
  if (s.changes() == 0) return NotFound("no user '" + name + "'");
  return Status::Ok();
}

Status CredentialStore::RemoveUser(const std::string& name) {
  std::lock_guard lock(impl_->mu);
  Stmt admins(impl_->db->get(), "SELECT COUNT(*) FROM users WHERE role='admin' AND name<>?1");
  admins.Bind(1, name);
  if (!admins.Step()) return IoError("security store: " + impl_->db->Error());
  Stmt role(impl_->db->get(), "SELECT role FROM users WHERE name=?1");
  role.Bind(1, name);
  if (!role.Step()) return NotFound("no user '" + name + "'");
  if (role.Text(0) == "admin" && admins.Int(0) == 0)
    return FailedPrecondition("'" + name + "' is the last admin; add another admin first");
  Stmt s(impl_->db->get(), "DELETE FROM users WHERE name=?1");
  s.Bind(1, name);
  s.Step();
  if (s.failed()) return IoError("security store: " + impl_->db->Error());
  return Status::Ok();
}

Result<std::vector<UserInfo>> CredentialStore::ListUsers() {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(), "SELECT name, role, created FROM users ORDER BY name");
  std::vector<UserInfo> out;
  while (s.Step())
    out.push_back({s.Text(0), ParseRole(s.Text(1)).value_or(Role::kViewer), s.Int(2)});
  if (s.failed()) return IoError("security store: " + impl_->db->Error());
  return out;
}

Result<Principal> CredentialStore::CheckPassword(const std::string& name,
                                                 const std::string& password) {
  std::string hash, role;
  {
    std::lock_guard lock(impl_->mu);
    Stmt s(impl_->db->get(), "SELECT hash, role FROM users WHERE name=?1");
    s.Bind(1, name);
    if (s.Step()) {
      hash = s.Text(0);
      role = s.Text(1);
    }
  }
  const bool known = !hash.empty();
  if (!known) hash = impl_->dummy_hash;
  const bool match = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
  if (!known || !match) return PermissionDenied("unknown user or wrong password");
  return Principal{name, ParseRole(role).value_or(Role::kViewer)};
}

Result<NewToken> CredentialStore::CreateToken(const std::string& name, Role role, Timestamp expires,
                                              Timestamp now) {
  GANTRY_RETURN_IF_ERROR(CheckName("token", name));
  if (role == Role::kPublic) return InvalidArgument("a token needs a role other than public");
  NewToken t;
  t.secret = "gnt_" + RandomSecret(32);
  t.info = TokenInfo{name, role, now, expires, false};
  std::lock_guard lock(impl_->mu);
  // A revoked token's name may be reused.
  Stmt gone(impl_->db->get(), "DELETE FROM tokens WHERE name=?1 AND revoked=1");
  gone.Bind(1, name);
  gone.Step();
  Stmt s(impl_->db->get(),
         "INSERT INTO tokens(name, role, hash, created, expires) VALUES(?1,?2,?3,?4,?5)");
  s.Bind(1, name);
  s.Bind(2, RoleName(role));
  s.Bind(3, HashHex(t.secret));
  s.Bind(4, now);
  s.Bind(5, expires);
  s.Step();
  if (s.failed()) {
    if (sqlite3_extended_errcode(impl_->db->get()) == SQLITE_CONSTRAINT_PRIMARYKEY)
      return AlreadyExists("a token named '" + name + "' exists; revoke it first");
    return IoError("security store: " + impl_->db->Error());
  }
  return t;
}

Result<std::vector<TokenInfo>> CredentialStore::ListTokens() {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(),
         "SELECT name, role, created, expires, revoked FROM tokens ORDER BY name");
  std::vector<TokenInfo> out;
  while (s.Step())
    out.push_back({s.Text(0), ParseRole(s.Text(1)).value_or(Role::kViewer), s.Int(2), s.Int(3),
                   s.Int(4) != 0});
  if (s.failed()) return IoError("security store: " + impl_->db->Error());
  return out;
}

Status CredentialStore::RevokeToken(const std::string& name) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(), "UPDATE tokens SET revoked=1 WHERE name=?1 AND revoked=0");
  s.Bind(1, name);
  s.Step();
  if (s.failed()) return IoError("security store: " + impl_->db->Error());
  if (s.changes() == 0) return NotFound("no live token named '" + name + "'");
  return Status::Ok();
}

Result<Principal> CredentialStore::CheckToken(std::string_view secret, Timestamp now) {
  if (secret.size() > 200) return PermissionDenied("unknown token");
  const std::string hash = HashHex(secret);
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(), "SELECT name, role, expires, revoked FROM tokens WHERE hash=?1");
  s.Bind(1, hash);
  if (!s.Step()) return PermissionDenied("unknown token");
  if (s.Int(3) != 0) return PermissionDenied("revoked token");
  if (s.Int(2) != 0 && s.Int(2) <= now) return PermissionDenied("expired token");
  return Principal{"token:" + s.Text(0), ParseRole(s.Text(1)).value_or(Role::kViewer)};
}

Status CredentialStore::SaveSession(const SessionRecord& r) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(),
         "INSERT OR REPLACE INTO sessions(id_hash, user, role, csrf_hash, created, last_used, "
         "expires) VALUES(?1,?2,?3,?4,?5,?6,?7)");
  s.Bind(1, r.id_hash);
  s.Bind(2, r.who.name);
  s.Bind(3, RoleName(r.who.role));
  s.Bind(4, r.csrf_hash);
  s.Bind(5, r.created);
  s.Bind(6, r.last_used);
  s.Bind(7, r.expires);
  s.Step();
  if (s.failed()) return IoError("security store: saving a session: " + impl_->db->Error());
  return Status::Ok();
}

Result<std::optional<SessionRecord>> CredentialStore::FindSession(std::string_view id_hash) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(),
         "SELECT user, role, csrf_hash, created, last_used, expires FROM sessions "
         "WHERE id_hash=?1");
  s.Bind(1, id_hash);
  if (!s.Step()) {
    if (s.failed()) return IoError("security store: reading a session: " + impl_->db->Error());
    return std::optional<SessionRecord>();
  }
  SessionRecord r;
  r.id_hash = std::string(id_hash);
  r.who = Principal{s.Text(0), ParseRole(s.Text(1)).value_or(Role::kViewer)};
  r.csrf_hash = s.Text(2);
  r.created = s.Int(3);
  r.last_used = s.Int(4);
  r.expires = s.Int(5);
  return std::optional<SessionRecord>(std::move(r));
}

Status CredentialStore::DeleteSession(std::string_view id_hash) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(), "DELETE FROM sessions WHERE id_hash=?1");
  s.Bind(1, id_hash);
  s.Step();
  if (s.failed()) return IoError("security store: deleting a session: " + impl_->db->Error());
  return Status::Ok();
}

Result<size_t> CredentialStore::PruneSessions(Timestamp now, size_t keep_at_most) {
  std::lock_guard lock(impl_->mu);
  Stmt expired(impl_->db->get(), "DELETE FROM sessions WHERE expires<=?1");
  expired.Bind(1, now);
  expired.Step();
  if (expired.failed()) return IoError("security store: pruning sessions: " + impl_->db->Error());
  size_t deleted = static_cast<size_t>(expired.changes());
  Stmt surplus(impl_->db->get(),
               "DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions "
               "ORDER BY last_used DESC LIMIT -1 OFFSET ?1)");
  surplus.Bind(1, static_cast<int64_t>(keep_at_most));
  surplus.Step();
  if (surplus.failed()) return IoError("security store: pruning sessions: " + impl_->db->Error());
  deleted += static_cast<size_t>(surplus.changes());
  return deleted;
}

Result<size_t> CredentialStore::SessionCount() {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db->get(), "SELECT COUNT(*) FROM sessions");
  if (!s.Step()) return IoError("security store: " + impl_->db->Error());
  return static_cast<size_t>(s.Int(0));
}

}  // namespace gantry::security
