// A small RAII layer over SQLite for the security stores (credentials, audit trail): one
// connection guarded by the caller, prepared statements bound by position.
//
//   GANTRY_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path));
//   Stmt s = db.Prepare("SELECT role FROM users WHERE name=?1"); s.Bind(1, name);
//   while (s.Step()) role = s.Text(0);
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gantry::security {

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  void Bind(int i, std::string_view text);
  void Bind(int i, int64_t v);
  // Steps once: true while a row is there; `done()` and `error()` tell how it ended.
  bool Step();
  bool failed() const { return rc_ != SQLITE_DONE && rc_ != SQLITE_ROW && rc_ != SQLITE_OK; }
  int changes() const;
  std::string Text(int col) const;
  int64_t Int(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

class SqliteDb {
 public:
  // Opens (creating, mode 0600) with WAL, a busy timeout of 5 s, and runs `schema`.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, const char* schema);
  ~SqliteDb();
  sqlite3* get() const { return db_; }
  Status Exec(const char* sql);
  std::string Error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace gantry::security
