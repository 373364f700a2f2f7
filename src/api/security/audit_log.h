// The audit trail: who did what, when, from where and with what outcome, as hash-chained records
// in <data>/audit.sqlite. Each record's hash covers its fields and the previous record's hash, and
// <data>/audit.head keeps the last sequence number and hash, so `Verify()` finds any edited,
// deleted or truncated record and names it.
//
//   GANTRY_ASSIGN_OR_RETURN(auto audit, AuditLog::Open(data_dir, 64 << 20));
//   audit->Append({now, "alice", "operator", "10.0.0.7", "POST /api/v1/downtime/assign",
//                  "line1/filler", "200", ""});
//   Status s = audit->Verify();  // Corrupt("record 17: ...") after tampering
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace gantry::security {

struct AuditRecord {
  Timestamp time = 0;
  std::string who;      // user, "token:<name>", "cli:<os user>" or "" (anonymous)
  std::string role;     // the caller's role, "" when anonymous
  std::string remote;   // peer address, or "cli"
  std::string action;   // "POST /api/v1/downtime/assign", "login", "token create", ...
  std::string target;   // what it acted on (path, user, token name)
  std::string outcome;  // HTTP status or "ok" / "denied" / an error
  std::string detail;   // short free text (never a secret)
  int64_t seq = 0;      // set by the log
  std::string hash;     // set by the log
};

class AuditLog {
 public:
  // Opens or creates <dir>/audit.sqlite; warns (log, metrics) once its storage passes
  // `warn_bytes` (0: never).
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& dir, uint64_t warn_bytes);
  ~AuditLog();

  // Appends one record (safe from several threads and processes). Errors: IoError.
  Status Append(AuditRecord record);
  // The newest records first, at most `limit`, with seq < `before` (0: from the newest).
  Result<std::vector<AuditRecord>> List(size_t limit, int64_t before = 0);
  // Walks the whole chain. OK with the number of records checked; Corrupt naming the first
  // record that was edited, deleted or added out of chain.
  Result<int64_t> Verify();
  // Bytes the trail takes on disk (database pages).
  uint64_t StorageBytes();
  bool over_threshold() const { return over_threshold_.load(); }

 private:
  struct Impl;
  explicit AuditLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> over_threshold_{false};
};

}  // namespace gantry::security
