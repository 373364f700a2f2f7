#include "enterprise/outbox.h"

#include <openssl/sha.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

namespace gantry::enterprise {
namespace {

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db), owned_(true) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) st_ = nullptr;
  }
  // Borrows a statement kept prepared by its owner (the outbox's cache); reset on scope exit.
  Stmt(sqlite3* db, sqlite3_stmt* cached) : db_(db), st_(cached), owned_(false) {}
  ~Stmt() {
    if (owned_) {
      sqlite3_finalize(st_);
    } else if (st_ != nullptr) {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return st_ != nullptr; }
  Status Error(std::string_view what) const {
    return IoError("outbox " + std::string(what) + ": " + sqlite3_errmsg(db_));
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  int Step() { return sqlite3_step(st_); }
  int64_t Int(int col) const { return sqlite3_column_int64(st_, col); }
  std::string Text(int col) const {
    const unsigned char* t = sqlite3_column_text(st_, col);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<size_t>(sqlite3_column_bytes(st_, col)))
             : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  bool owned_;
};

constexpr const char* kEnqueueSql =
    "INSERT INTO outbox_message (idempotency_key, kind, order_key, sequence, payload,"
    " enqueued_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
    " ON CONFLICT(idempotency_key) DO NOTHING";
constexpr const char* kDeliveredSql =
    "UPDATE outbox_message SET state = 1, attempts = ?2, delivered_at = ?3, ack = ?4,"
    " last_error = '' WHERE id = ?1";
constexpr const char* kFailedSql =
    "UPDATE outbox_message SET state = ?2, attempts = ?3, next_attempt_at = ?4,"
    " last_error = ?5 WHERE id = ?1";

constexpr const char* kColumns =
    "id, idempotency_key, kind, order_key, sequence, payload, state, attempts, enqueued_at, "
    "next_attempt_at, delivered_at, last_error, ack";

OutboxMessage ReadRow(const Stmt& s) {
  OutboxMessage m;
  m.id = s.Int(0);
  m.idempotency_key = s.Text(1);
  m.kind = s.Text(2);
  m.order_key = s.Text(3);
  m.sequence = s.Int(4);
  m.payload = s.Text(5);
  m.state = static_cast<MessageState>(s.Int(6));
  m.attempts = static_cast<int>(s.Int(7));
  m.enqueued_at = s.Int(8);
  m.next_attempt_at = s.Int(9);
  m.delivered_at = s.Int(10);
  m.last_error = s.Text(11);
  m.ack = s.Text(12);
  return m;
}

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    Status s = IoError(std::string("outbox: ") + (err ? err : "?") + " in: " + sql);
    sqlite3_free(err);
    return s;
  }
  return Status::Ok();
}

}  // namespace

std::string IdempotencyKey(std::string_view order_key, std::string_view kind, int64_t sequence) {
  std::string input;
  input.reserve(order_key.size() + kind.size() + 24);
  input.append(order_key).push_back('\x1f');
  input.append(kind).push_back('\x1f');
  input.append(std::to_string(sequence));
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  std::string key = "gx1-";
  char hex[3];
  for (int i = 0; i < 16; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    key += hex;
  }
  return key;
}

std::string_view MessageStateName(MessageState s) {
  switch (s) {
    case MessageState::kPending: return "pending";
    case MessageState::kDelivered: return "delivered";
    case MessageState::kQuarantined: return "quarantined";
  }
  return "?";
}

DeliveryResult VerdictFromStatus(const Status& s) {
  if (s.ok()) return {DeliveryVerdict::kAcknowledged, ""};
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kPermissionDenied:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return {DeliveryVerdict::kPermanent, s.ToString()};
    default: return {DeliveryVerdict::kRetry, s.ToString()};
  }
}

// ---- Transaction ----------------------------------------------------------------------------

Outbox::Transaction::Transaction(sqlite3* db) : db_(db) {
  begin_status_ = Exec(db_, "BEGIN IMMEDIATE");
  open_ = begin_status_.ok();
}
Outbox::Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_), begin_status_(std::move(other.begin_status_)), open_(other.open_) {
  other.open_ = false;
}
Outbox::Transaction::~Transaction() {
  if (open_) (void)Exec(db_, "ROLLBACK");
}
Status Outbox::Transaction::Commit() {
  if (!begin_status_.ok()) return begin_status_;
  if (!open_) return FailedPrecondition("outbox: transaction already committed");
  open_ = false;
  Status s = Exec(db_, "COMMIT");
  if (!s.ok()) (void)Exec(db_, "ROLLBACK");
  return s;
}
Outbox::Transaction Outbox::Begin() {
  return Transaction(db_);
}

// ---- Outbox ---------------------------------------------------------------------------------

Outbox::Outbox(sqlite3* db, bool owned, OutboxOptions options, const Clock& clock)
    : db_(db),
      owned_(owned),
      options_(options),
      clock_(clock),
      rng_(options.jitter_seed != 0 ? options.jitter_seed : std::random_device{}()) {}

Outbox::~Outbox() {
  for (auto& [sql, st] : statements_) sqlite3_finalize(st);
  if (owned_) sqlite3_close(db_);
}

sqlite3_stmt* Outbox::Cached(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
    return nullptr;  // Stmt::ok() reports it, with sqlite3_errmsg
  statements_.emplace(sql, st);
  return st;
}

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::string& path, OutboxOptions options,
                                             const Clock& clock) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return IoError("outbox: cannot open " + path + ": " + msg);
  }
  std::unique_ptr<Outbox> box(new Outbox(db, true, options, clock));
  sqlite3_busy_timeout(db, 5000);
  GANTRY_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9); only an OS
  // crash or power loss can lose the last transactions. FULL would fsync every commit.
  GANTRY_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=NORMAL"));
  GANTRY_RETURN_IF_ERROR(box->CreateSchema());
  return box;
}

Result<std::unique_ptr<Outbox>> Outbox::Attach(sqlite3* db, OutboxOptions options,
                                               const Clock& clock) {
  if (db == nullptr) return InvalidArgument("outbox: Attach needs an open connection");
  std::unique_ptr<Outbox> box(new Outbox(db, false, options, clock));
  GANTRY_RETURN_IF_ERROR(box->CreateSchema());
  return box;
}

Status Outbox::CreateSchema() {
  return Exec(db_,
              "CREATE TABLE IF NOT EXISTS outbox_message ("
              " id INTEGER PRIMARY KEY AUTOINCREMENT,"
              " idempotency_key TEXT NOT NULL UNIQUE,"
              " kind TEXT NOT NULL,"
              " order_key TEXT NOT NULL,"
              " sequence INTEGER NOT NULL,"
              " payload TEXT NOT NULL,"
              " state INTEGER NOT NULL DEFAULT 0,"
              " attempts INTEGER NOT NULL DEFAULT 0,"
              " enqueued_at INTEGER NOT NULL,"
              " next_attempt_at INTEGER NOT NULL,"
              " delivered_at INTEGER NOT NULL DEFAULT 0,"
              " last_error TEXT NOT NULL DEFAULT '',"
              " ack TEXT NOT NULL DEFAULT '');"
              "CREATE INDEX IF NOT EXISTS outbox_undelivered ON outbox_message(order_key, id)"
              " WHERE state != 1;"
              "CREATE INDEX IF NOT EXISTS outbox_due ON outbox_message(next_attempt_at, id)"
              " WHERE state = 0;"
              "CREATE INDEX IF NOT EXISTS outbox_quarantined ON outbox_message(id)"
              " WHERE state = 2;");
}

Result<std::string> Outbox::Enqueue(const OutboxMessageSpec& spec) {
  if (spec.kind.empty() || spec.order_key.empty())
    return InvalidArgument("outbox: a message needs a kind and an order key");
  std::string key = IdempotencyKey(spec.order_key, spec.kind, spec.sequence);
  Stmt s(db_, Cached(kEnqueueSql));
  if (!s.ok()) return s.Error("enqueue");
  const Timestamp now = clock_.Now();
  s.Bind(1, key);
  s.Bind(2, spec.kind);
  s.Bind(3, spec.order_key);
  s.Bind(4, spec.sequence);
  s.Bind(5, spec.payload);
  s.Bind(6, now);
  if (s.Step() != SQLITE_DONE) return s.Error("enqueue");
  return key;
}

Duration Outbox::Backoff(int attempts) {
  Duration d = options_.first_backoff;
  for (int i = 1; i < attempts && d < options_.max_backoff; ++i) d *= 2;
  d = std::min(d, options_.max_backoff);
  const double j = std::clamp(options_.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> u(1.0 - j, 1.0);
  return static_cast<Duration>(static_cast<double>(d) * u(rng_));
}

Result<DrainReport> Outbox::DrainOnce(ErpAdapter& adapter, int max_messages) {
  DrainReport report;
  std::vector<OutboxMessage> due;
  {
    // Due pending messages, oldest first, whose order has no older message that is quarantined or
    // pending but not yet due. Older due messages of the same order come earlier in this list, so
    // processing it in id order and skipping an order after its first failure keeps per-order FIFO.
    Stmt s(db_,
           "SELECT id, idempotency_key, kind, order_key, sequence, payload, state, attempts,"
           " enqueued_at, next_attempt_at, delivered_at, last_error, ack FROM outbox_message m"
           " WHERE m.state = 0 AND m.next_attempt_at <= ?1 AND NOT EXISTS ("
           "  SELECT 1 FROM outbox_message o WHERE o.order_key = m.order_key AND o.state != 1"
           "  AND o.id < m.id AND (o.state = 2 OR o.next_attempt_at > ?1))"
           " ORDER BY m.id LIMIT ?2");
    if (!s.ok()) return s.Error("drain");
    s.Bind(1, clock_.Now());
    s.Bind(2, max_messages);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) due.push_back(ReadRow(s));
    if (rc != SQLITE_DONE) return s.Error("drain");
  }
  // Outcomes are recorded in short transactions of up to kRecordBatch, never while waiting on
  // the network. A crash before a record commits only means that message is delivered again
  // with the same key.
  constexpr size_t kRecordBatch = 64;
  std::vector<std::pair<const OutboxMessage*, DeliveryResult>> outcomes;
  auto flush = [&]() -> Status {
    if (outcomes.empty()) return Status::Ok();
    const bool own_tx = sqlite3_get_autocommit(db_) != 0;
    if (own_tx) GANTRY_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    for (const auto& [m, r] : outcomes) {
      Status st = Record(*m, r);
      if (!st.ok()) {
        if (own_tx) (void)Exec(db_, "ROLLBACK");
        return st;
      }
    }
    outcomes.clear();
    return own_tx ? Exec(db_, "COMMIT") : Status::Ok();
  };
  std::set<std::string> blocked;  // orders whose head failed in this round
  for (const OutboxMessage& m : due) {
    if (blocked.count(m.order_key)) continue;
    ++report.attempted;
    DeliveryResult r = adapter.Deliver(m);
    if (r.verdict == DeliveryVerdict::kAcknowledged) {
      ++report.delivered;
    } else {
      blocked.insert(m.order_key);
      const int attempts = m.attempts + 1;
      const bool quarantine =
          r.verdict == DeliveryVerdict::kQuarantine ||
          (r.verdict == DeliveryVerdict::kPermanent && attempts >= options_.quarantine_after) ||
          (options_.max_transient_attempts > 0 && attempts >= options_.max_transient_attempts);
      quarantine ? ++report.quarantined : ++report.retried;
    }
    outcomes.emplace_back(&m, std::move(r));
    if (outcomes.size() >= kRecordBatch) GANTRY_RETURN_IF_ERROR(flush());
  }
  GANTRY_RETURN_IF_ERROR(flush());
  return report;
}

Status Outbox::Record(const OutboxMessage& m, const DeliveryResult& r) {
  const Timestamp now = clock_.Now();
  const int attempts = m.attempts + 1;
  if (r.verdict == DeliveryVerdict::kAcknowledged) {
    Stmt s(db_, Cached(kDeliveredSql));
    if (!s.ok()) return s.Error("record");
    s.Bind(1, m.id);
    s.Bind(2, attempts);
    s.Bind(3, now);
    s.Bind(4, r.detail);
    if (s.Step() != SQLITE_DONE) return s.Error("record");
    const Duration latency = now - m.enqueued_at;
    if (latencies_.size() < options_.latency_window) {
      latencies_.push_back(latency);
    } else if (!latencies_.empty()) {
      latencies_[latency_next_] = latency;
      latency_next_ = (latency_next_ + 1) % latencies_.size();
    }
    ++delivered_since_open_;
    return Status::Ok();
  }
  const bool quarantine =
      r.verdict == DeliveryVerdict::kQuarantine ||
      (r.verdict == DeliveryVerdict::kPermanent && attempts >= options_.quarantine_after) ||
      (options_.max_transient_attempts > 0 && attempts >= options_.max_transient_attempts);
  Stmt s(db_, Cached(kFailedSql));
  if (!s.ok()) return s.Error("record");
  s.Bind(1, m.id);
  s.Bind(2, quarantine ? 2 : 0);
  s.Bind(3, attempts);
  s.Bind(4, now + Backoff(attempts));
  s.Bind(5, r.detail);
  if (s.Step() != SQLITE_DONE) return s.Error("record");
  return Status::Ok();
}

Result<std::vector<OutboxMessage>> Outbox::List(MessageState state, size_t limit) const {
  Stmt s(db_, (std::string("SELECT ") + kColumns +
               " FROM outbox_message WHERE state = ?1 ORDER BY id LIMIT ?2")
                  .c_str());
  if (!s.ok()) return s.Error("list");
  s.Bind(1, static_cast<int64_t>(state));
  s.Bind(2, static_cast<int64_t>(limit));
  std::vector<OutboxMessage> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadRow(s));
  if (rc != SQLITE_DONE) return s.Error("list");
  return out;
}

Result<std::vector<OutboxMessage>> Outbox::ListForOrder(std::string_view order_key) const {
  Stmt s(db_, (std::string("SELECT ") + kColumns +
               " FROM outbox_message WHERE order_key = ?1 ORDER BY id")
                  .c_str());
  if (!s.ok()) return s.Error("list");
  s.Bind(1, order_key);
  std::vector<OutboxMessage> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadRow(s));
  if (rc != SQLITE_DONE) return s.Error("list");
  return out;
}

Result<std::vector<OutboxMessage>> Outbox::ListEnqueued(Timestamp from, Timestamp to,
                                                        size_t limit) const {
  Stmt s(db_, (std::string("SELECT ") + kColumns +
               " FROM outbox_message WHERE enqueued_at >= ?1 AND enqueued_at < ?2"
               " ORDER BY id LIMIT ?3")
                  .c_str());
  if (!s.ok()) return s.Error("list");
  s.Bind(1, static_cast<int64_t>(from));
  s.Bind(2, static_cast<int64_t>(to));
  s.Bind(3, static_cast<int64_t>(limit));
  std::vector<OutboxMessage> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadRow(s));
  if (rc != SQLITE_DONE) return s.Error("list");
  return out;
}

Result<int64_t> Outbox::PruneDelivered(Timestamp before) {
  Stmt s(db_, "DELETE FROM outbox_message WHERE state = 1 AND delivered_at < ?1");
  if (!s.ok()) return s.Error("prune");
  s.Bind(1, static_cast<int64_t>(before));
  if (s.Step() != SQLITE_DONE) return s.Error("prune");
  return static_cast<int64_t>(sqlite3_changes(db_));
}

Result<OutboxMessage> Outbox::Get(std::string_view key) const {
  Stmt s(db_,
         (std::string("SELECT ") + kColumns + " FROM outbox_message WHERE idempotency_key = ?1")
             .c_str());
  if (!s.ok()) return s.Error("get");
  s.Bind(1, key);
  const int rc = s.Step();
  if (rc == SQLITE_ROW) return ReadRow(s);
  if (rc == SQLITE_DONE) return NotFound("outbox: no message with key " + std::string(key));
  return s.Error("get");
}

Status Outbox::Retry(std::string_view key) {
  GANTRY_ASSIGN_OR_RETURN(OutboxMessage m, Get(key));
  if (m.state != MessageState::kQuarantined)
    return FailedPrecondition("outbox: message " + std::string(key) + " is " +
                              std::string(MessageStateName(m.state)) + ", not quarantined");
  Stmt s(db_,
         "UPDATE outbox_message SET state = 0, attempts = 0, next_attempt_at = ?2"
         " WHERE id = ?1 AND state = 2");
  if (!s.ok()) return s.Error("retry");
  s.Bind(1, m.id);
  s.Bind(2, clock_.Now());
  if (s.Step() != SQLITE_DONE) return s.Error("retry");
  return Status::Ok();
}

Status Outbox::CompletePayload(const OutboxMessage& m, std::string_view payload) {
  Stmt s(db_,
         "UPDATE outbox_message SET payload = ?3"
         " WHERE id = ?1 AND state = 0 AND delivered_at = 0 AND payload = ?2");
  if (!s.ok()) return s.Error("complete payload");
  s.Bind(1, m.id);
  s.Bind(2, m.payload);
  s.Bind(3, payload);
  if (s.Step() != SQLITE_DONE) return s.Error("complete payload");
  if (sqlite3_changes(db_) != 1)
    return FailedPrecondition("outbox: message " + m.idempotency_key +
                              " is no longer pending with the payload it was read with");
  return Status::Ok();
}

Result<std::string> Outbox::ExportQuarantined() const {
  GANTRY_ASSIGN_OR_RETURN(std::vector<OutboxMessage> ms,
                          List(MessageState::kQuarantined, 1u << 30));
  nlohmann::json out = nlohmann::json::array();
  for (const OutboxMessage& m : ms) {
    nlohmann::json payload = nlohmann::json::parse(m.payload, nullptr, false);
    if (payload.is_discarded()) payload = m.payload;  // not JSON: keep the text
    out.push_back({{"id", m.id},
                   {"idempotency_key", m.idempotency_key},
                   {"kind", m.kind},
                   {"order_key", m.order_key},
                   {"sequence", m.sequence},
                   {"attempts", m.attempts},
                   {"enqueued_at", FormatIso8601(m.enqueued_at)},
                   {"last_error", m.last_error},
                   {"payload", std::move(payload)}});
  }
  return out.dump(2);
}

Result<OutboxMetrics> Outbox::Metrics() const {
  OutboxMetrics mx;
  {
    Stmt s(db_, "SELECT COUNT(*), MIN(enqueued_at) FROM outbox_message WHERE state = 0");
    if (!s.ok() || s.Step() != SQLITE_ROW) return s.Error("metrics");
    mx.backlog = s.Int(0);
    if (mx.backlog > 0) mx.oldest_pending_age = std::max<Duration>(0, clock_.Now() - s.Int(1));
  }
  {
    Stmt s(db_, "SELECT COUNT(*) FROM outbox_message WHERE state = 2");
    if (!s.ok() || s.Step() != SQLITE_ROW) return s.Error("metrics");
    mx.quarantined = s.Int(0);
  }
  mx.delivered_since_open = delivered_since_open_;
  if (!latencies_.empty()) {
    std::vector<Duration> sorted = latencies_;
    std::sort(sorted.begin(), sorted.end());
    const auto at = [&](double q) {
      return sorted[std::min(sorted.size() - 1,
                             static_cast<size_t>(q * static_cast<double>(sorted.size())))];
    };
    mx.latency_p50 = at(0.50);
    mx.latency_p99 = at(0.99);
    mx.latency_max = sorted.back();
  }
  return mx;
}

}  // namespace gantry::enterprise
