#include "api/security/audit_log.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "api/security/credential_store.h"
#include "api/security/sqlite_db.h"

namespace gantry::security {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, who TEXT NOT NULL,
  role TEXT NOT NULL, remote TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
  outcome TEXT NOT NULL, detail TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);
)sql";

constexpr const char* kGenesis = "gantry-audit-v1";

// Length-prefixed fields, so that moving text between fields changes the hash.
std::string ChainHash(const std::string& prev, const AuditRecord& r) {
  std::string text;
  auto add = [&text](std::string_view f) {
    text += std::to_string(f.size());
    text += ':';
    text += f;
  };
  add(prev);
  add(std::to_string(r.seq));
  add(std::to_string(r.time));
  for (const std::string* f :
       {&r.who, &r.role, &r.remote, &r.action, &r.target, &r.outcome, &r.detail})
    add(*f);
  return HashHex(text);
}

AuditRecord Row(const Stmt& s, std::string* prev) {
  AuditRecord r;
  r.seq = s.Int(0);
  r.time = s.Int(1);
  r.who = s.Text(2);
  r.role = s.Text(3);
  r.remote = s.Text(4);
  r.action = s.Text(5);
  r.target = s.Text(6);
  r.outcome = s.Text(7);
  r.detail = s.Text(8);
  if (prev) *prev = s.Text(9);
  r.hash = s.Text(10);
  return r;
}

// Replaces the head file with "<seq> <hash>\n" atomically: a temporary file beside it, written,
// fsynced and renamed over the old one, so a crash leaves the old head or the new, never half.
Status WriteHead(const std::string& path, int64_t seq, const std::string& hash) {
  const std::string tmp = path + ".tmp";
  const std::string text = std::to_string(seq) + " " + hash + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("audit: cannot write " + tmp + ": " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    return IoError("audit: cannot replace the head " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

constexpr const char* kColumns =
    "seq, time, who, role, remote, action, target, outcome, detail, prev, hash";

}  // namespace

struct AuditLog::Impl {
  std::mutex mu;
  std::unique_ptr<SqliteDb> db;
  std::string head_path;
  uint64_t warn_bytes = 0;
  uint64_t appends = 0;
};

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditLog::~AuditLog() = default;

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& dir, uint64_t warn_bytes) {
  auto impl = std::make_unique<Impl>();
  GANTRY_ASSIGN_OR_RETURN(impl->db, SqliteDb::Open(dir + "/audit.sqlite", kSchema));
  impl->head_path = dir + "/audit.head";
  impl->warn_bytes = warn_bytes;
  auto log = std::unique_ptr<AuditLog>(new AuditLog(std::move(impl)));
  if (warn_bytes > 0 && log->StorageBytes() > warn_bytes) {
    log->over_threshold_ = true;
    spdlog::warn(
        "audit: the trail takes {} bytes, above the warning threshold of {} bytes; "
        "archive it (see docs/security.md)",
        log->StorageBytes(), warn_bytes);
  }
  return log;
}

Status AuditLog::Append(AuditRecord r) {
  std::lock_guard lock(impl_->mu);
  sqlite3* db = impl_->db->get();
  GANTRY_RETURN_IF_ERROR(impl_->db->Exec("BEGIN IMMEDIATE"));
  std::string prev = kGenesis;
  r.seq = 1;
  {
    Stmt last(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (last.Step()) {
      r.seq = last.Int(0) + 1;
      prev = last.Text(1);
    }
  }
  r.hash = ChainHash(prev, r);
  {
    Stmt s(db,
           "INSERT INTO audit(seq, time, who, role, remote, action, target, outcome, detail, "
           "prev, hash) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
    s.Bind(1, r.seq);
    s.Bind(2, r.time);
    int i = 3;
    for (const std::string* f :
         {&r.who, &r.role, &r.remote, &r.action, &r.target, &r.outcome, &r.detail, &prev, &r.hash})
      s.Bind(i++, *f);
    s.Step();
    if (s.failed()) {
      std::string err = impl_->db->Error();
      (void)impl_->db->Exec("ROLLBACK");
      return IoError("audit: cannot append: " + err);
    }
  }
  // The head is replaced inside the transaction, under the database's write lock, so two
  // processes appending (the server and the CLI) write it in the order of their records. A crash
  // between the head and the commit leaves the head one record ahead, which Verify() reports.
  if (Status head = WriteHead(impl_->head_path, r.seq, r.hash); !head.ok()) {
    (void)impl_->db->Exec("ROLLBACK");
    return head;
  }
  GANTRY_RETURN_IF_ERROR(impl_->db->Exec("COMMIT"));
  if (impl_->warn_bytes > 0 && (++impl_->appends % 64) == 1 && !over_threshold_) {
    Stmt pages(db, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size");
    if (pages.Step() && static_cast<uint64_t>(pages.Int(0)) > impl_->warn_bytes) {
      over_threshold_ = true;
      spdlog::warn(
          "audit: the trail passed its warning threshold of {} bytes; archive it (see "
          "docs/security.md)",
          impl_->warn_bytes);
    }
  }
  return Status::Ok();
}

Result<std::vector<AuditRecord>> AuditLog::List(size_t limit, int64_t before) {
  std::lock_guard lock(impl_->mu);
  const std::string sql = std::string("SELECT ") + kColumns +
                          " FROM audit WHERE (?1 = 0 OR seq < ?1) ORDER BY seq DESC LIMIT ?2";
  Stmt s(impl_->db->get(), sql.c_str());
  s.Bind(1, before);
  s.Bind(2, static_cast<int64_t>(limit));
  std::vector<AuditRecord> out;
  while (s.Step()) out.push_back(Row(s, nullptr));
  if (s.failed()) return IoError("audit: " + impl_->db->Error());
  return out;
}

Result<int64_t> AuditLog::Verify() {
  std::lock_guard lock(impl_->mu);
  // The head, kept outside the database: the sequence number and hash of the newest record.
  std::ifstream head(impl_->head_path);
  int64_t head_seq = 0;
  std::string head_hash;
  const bool have_head = static_cast<bool>(head >> head_seq >> head_hash);
  std::string hash_at_head;  // the trail's hash of record head_seq
  const std::string sql = std::string("SELECT ") + kColumns + " FROM audit ORDER BY seq";
  Stmt s(impl_->db->get(), sql.c_str());
  std::string expected_prev = kGenesis;
  int64_t expected_seq = 1;
  int64_t count = 0;
  while (s.Step()) {
    std::string prev;
    AuditRecord r = Row(s, &prev);
    if (r.seq != expected_seq) {
      return Corrupt("audit record " + std::to_string(expected_seq) +
                     (r.seq > expected_seq
                          ? " is missing (deleted): the chain jumps from " +
                                std::to_string(expected_seq - 1) + " to " + std::to_string(r.seq)
                          : " is out of sequence"));
    }
    if (prev != expected_prev)
      return Corrupt("audit record " + std::to_string(r.seq) +
                     ": its link to the previous record is broken (a record before it was "
                     "edited or replaced)");
    if (ChainHash(prev, r) != r.hash)
      return Corrupt("audit record " + std::to_string(r.seq) +
                     ": its content does not match its hash (the record was edited)");
    if (r.seq == head_seq) hash_at_head = r.hash;
    expected_prev = r.hash;
    ++expected_seq;
    ++count;
  }
  if (s.failed()) return IoError("audit: " + impl_->db->Error());
  if (have_head) {
    if (head_seq > count)
      return Corrupt("audit record " + std::to_string(count + 1) +
                     (head_seq > count + 1 ? " to " + std::to_string(head_seq) + " are" : " is") +
                     " missing (deleted from the end): the trail ends at " + std::to_string(count) +
                     " but its head (" + impl_->head_path + ") says " + std::to_string(head_seq) +
                     (head_seq == count + 1
                          ? " (or gantry stopped between recording the head and the record)"
                          : ""));
    if (head_seq > 0 && hash_at_head != head_hash)
      return Corrupt("audit record " + std::to_string(head_seq) +
                     ": it does not match the recorded head (the record was replaced)");
    if (head_seq < count)
      return Corrupt("audit record " + std::to_string(head_seq + 1) +
                     " was added behind the head's back: the head (" + impl_->head_path +
                     ") ends at " + std::to_string(head_seq) + " but the trail at " +
                     std::to_string(count));
  } else if (count > 0) {
    return Corrupt("audit head file " + impl_->head_path + " is missing or unreadable");
  }
  return count;
}

uint64_t AuditLog::StorageBytes() {
  std::lock_guard lock(impl_->mu);
  Stmt pages(impl_->db->get(),
             "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size");
  return pages.Step() ? static_cast<uint64_t>(pages.Int(0)) : 0;
}

}  // namespace gantry::security
