#include "api/security/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gantry::security {

Stmt::Stmt(sqlite3* db, const char* sql) : db_(db) {
  rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  if (rc_ != SQLITE_OK) stmt_ = nullptr;
}
Stmt::~Stmt() {
  sqlite3_finalize(stmt_);
}
void Stmt::Bind(int i, std::string_view text) {
  sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
}
bool Stmt::Step() {
  if (!stmt_) {
    rc_ = SQLITE_ERROR;
    return false;
  }
  rc_ = sqlite3_step(stmt_);
  return rc_ == SQLITE_ROW;
}
int Stmt::changes() const {
  return sqlite3_changes(db_);
}
std::string Stmt::Text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
int64_t Stmt::Int(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, const char* schema) {
  // Create the file with mode 0600 before SQLite opens it (it keeps an existing file's mode).
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create " + path);
  ::close(fd);
  auto db = std::unique_ptr<SqliteDb>(new SqliteDb());
  if (sqlite3_open_v2(path.c_str(), &db->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    return IoError("cannot open " + path + ": " + db->Error());
  sqlite3_busy_timeout(db->db_, 5000);
  GANTRY_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL").WithContext(path));
  GANTRY_RETURN_IF_ERROR(db->Exec(schema).WithContext(path));
  return db;
}

SqliteDb::~SqliteDb() {
  sqlite3_close(db_);
}

Status SqliteDb::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return IoError("sqlite: " + m);
  }
  return Status::Ok();
}

}  // namespace gantry::security
