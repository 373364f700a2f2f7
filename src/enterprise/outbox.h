// The durable actuals outbox: messages for the ERP written to SQLite (WAL) in the same transaction
// as the events that cause them, then delivered per order in order, at least once, each carrying a
// deterministic idempotency key so that the ERP side applies it exactly once in effect.
// Table layout and states: docs/formats/outbox.md.
//
//   GANTRY_ASSIGN_OR_RETURN(auto outbox, Outbox::Open("data/gantry.db", {}, clock));
//   { auto tx = outbox->Begin();  // BEGIN IMMEDIATE; write your events through outbox->db() too
//     GANTRY_RETURN_IF_ERROR(outbox->Enqueue({"actuals.completion", "tryton:12", 1,
//     payload}).status()); GANTRY_RETURN_IF_ERROR(tx.Commit()); }
//   GANTRY_ASSIGN_OR_RETURN(DrainReport r, outbox->DrainOnce(adapter));
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gantry::enterprise {

// sha256("order_key\x1fkind\x1fsequence") as 32 hex digits, prefixed "gx1-". The same order, kind
// and sequence always give the same key, on any node and after any restart.
std::string IdempotencyKey(std::string_view order_key, std::string_view kind, int64_t sequence);

enum class MessageState : uint8_t { kPending = 0, kDelivered = 1, kQuarantined = 2 };
std::string_view MessageStateName(MessageState s);

// What a caller asks to send.
struct OutboxMessageSpec {
  std::string kind;       // e.g. "actuals.completion", "actuals.shift_end", "actuals.interval"
  std::string order_key;  // ProductionOrder::Key(); delivery is FIFO per order key
  int64_t sequence = 0;   // deterministic per (order, kind): e.g. 1 for completion, shift number
  std::string payload;    // JSON text handed to the adapter unchanged
};

// A stored message.
struct OutboxMessage {
  int64_t id = 0;  // enqueue order, global
  std::string idempotency_key;
  std::string kind;
  std::string order_key;
  int64_t sequence = 0;
  std::string payload;
  MessageState state = MessageState::kPending;
  int attempts = 0;
  Timestamp enqueued_at = 0;
  Timestamp next_attempt_at = 0;
  Timestamp delivered_at = 0;  // 0 unless delivered
  std::string last_error;      // the last failure, verbatim
  std::string ack;             // what the ERP answered on success (its reference), verbatim
};

// How the ERP answered one delivery attempt.
enum class DeliveryVerdict : uint8_t {
  kAcknowledged,  // applied (or found already applied under the same key)
  kRetry,         // transient: ERP down, HTTP 5xx/408/429, timeout, malformed answer
  kPermanent,     // the ERP refuses this message as it is (HTTP 4xx, business error)
  kQuarantine,    // no attempt can apply it (e.g. it would change a closed ERP record): a person
                  // must act; quarantined at once with the detail as its reason
};

struct DeliveryResult {
  DeliveryVerdict verdict = DeliveryVerdict::kRetry;
  std::string detail;  // ack text on success, the error otherwise
};

// Maps a Status from a transport or adapter: InvalidArgument, PermissionDenied, NotFound,
// AlreadyExists, FailedPrecondition -> kPermanent; everything else -> kRetry.
DeliveryResult VerdictFromStatus(const Status& s);

// One ERP connection. Deliver is called from the draining thread only, one message at a time;
// it must be safe to call again with the same idempotency key (the outbox delivers at least once).
class ErpAdapter {
 public:
  virtual ~ErpAdapter() = default;
  virtual DeliveryResult Deliver(const OutboxMessage& m) = 0;
};

struct OutboxOptions {
  Duration first_backoff = 1 * kSecond;  // delay after the first failure
  Duration max_backoff = 5 * kMinute;    // backoff doubles per attempt up to this
  double jitter = 0.5;                   // the delay is drawn from [d*(1-jitter), d]
  int quarantine_after = 3;              // permanent rejections before quarantine
  int max_transient_attempts = 0;  // quarantine after this many failures of any kind; 0 = never
  uint64_t jitter_seed = 0;        // 0 = seeded from std::random_device
  size_t latency_window = 4096;    // recent delivery latencies kept for percentiles
};

struct DrainReport {
  int attempted = 0;
  int delivered = 0;
  int retried = 0;
  int quarantined = 0;
};

struct OutboxMetrics {
  int64_t backlog = 0;              // pending messages
  int64_t quarantined = 0;          // quarantined messages
  Duration oldest_pending_age = 0;  // now - enqueued_at of the oldest pending; 0 if none
  int64_t delivered_since_open = 0;
  Duration latency_p50 = 0;  // enqueue -> acknowledged, over the recent window
  Duration latency_p99 = 0;
  Duration latency_max = 0;
};

// Owns one SQLite connection (or borrows one, see Attach). Not thread-safe: one thread at a time
// (typically the draining thread; producers open their own Outbox on the same file, WAL mode lets
// them run beside it).
class Outbox {
 public:
  // Opens or creates the database file (":memory:" for tests), WAL mode, and the outbox table.
  // The clock is borrowed and must outlive the outbox.
  static Result<std::unique_ptr<Outbox>> Open(const std::string& path, OutboxOptions options,
                                              const Clock& clock);
  // Uses a connection the caller owns (and keeps open for the outbox's life), so that Enqueue
  // joins the caller's own BEGIN ... COMMIT. Creates the table if missing.
  static Result<std::unique_ptr<Outbox>> Attach(sqlite3* db, OutboxOptions options,
                                                const Clock& clock);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // The connection, for writing the caller's own rows inside a Transaction.
  sqlite3* db() const { return db_; }

  // BEGIN IMMEDIATE ... COMMIT on this connection; rolls back when destroyed uncommitted.
  class Transaction {
   public:
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status Commit();
    // OK when BEGIN succeeded; Commit reports the same error otherwise.
    const Status& status() const { return begin_status_; }

   private:
    friend class Outbox;
    explicit Transaction(sqlite3* db);
    sqlite3* db_;
    Status begin_status_;
    bool open_ = false;
  };
  Transaction Begin();

  // Stores a message (in the caller's transaction when one is open, else on its own) and returns
  // its idempotency key. Enqueuing the same (order, kind, sequence) again is a no-op that returns
  // the same key, so replaying the events that caused it cannot send it twice.
  Result<std::string> Enqueue(const OutboxMessageSpec& spec);

  // Attempts due messages (next_attempt_at <= now) oldest first, at most `max_messages`, keeping
  // per-order FIFO: a message goes only after every older message of its order was acknowledged
  // (a quarantined message holds back later messages of its own order, never other orders).
  // Outcomes are committed in short transactions of up to 64, never across a network call; a
  // crash before that commit only redelivers with the same key. IoError when the database fails.
  Result<DrainReport> DrainOnce(ErpAdapter& adapter, int max_messages = 1000);

  // Messages in a state, oldest first, at most `limit`.
  Result<std::vector<OutboxMessage>> List(MessageState state, size_t limit = 1000) const;
  Result<OutboxMessage> Get(std::string_view idempotency_key) const;
  // Every message of one order (any state), oldest first.
  Result<std::vector<OutboxMessage>> ListForOrder(std::string_view order_key) const;
  // Messages of any state enqueued in [from, to), oldest first, at most `limit`.
  Result<std::vector<OutboxMessage>> ListEnqueued(Timestamp from, Timestamp to,
                                                  size_t limit = 10000) const;
  // Deletes delivered messages acknowledged before `before`; returns how many. Pending and
  // quarantined messages are never pruned.
  Result<int64_t> PruneDelivered(Timestamp before);
  // Puts a quarantined message back to pending with a fresh attempt budget, due now.
  // NotFound if no such key, FailedPrecondition if it is not quarantined.
  Status Retry(std::string_view idempotency_key);
  // Replaces the payload of a pending message that still holds `m.payload` (compare and set, on
  // its own when no transaction is open). For a payload completed once before its first
  // delivery (actuals energy, actuals_energy.h): the completed text is durable before any ERP
  // sees it, so every retry sends the same bytes. FailedPrecondition when the message is no
  // longer pending or its payload changed; IoError when the database fails.
  Status CompletePayload(const OutboxMessage& m, std::string_view payload);
  // Quarantined messages as a JSON array (every column; payload embedded as JSON).
  Result<std::string> ExportQuarantined() const;

  Result<OutboxMetrics> Metrics() const;

 private:
  Outbox(sqlite3* db, bool owned, OutboxOptions options, const Clock& clock);
  Status CreateSchema();
  Status Record(const OutboxMessage& m, const DeliveryResult& r);
  Duration Backoff(int attempts);
  // The hot statements stay prepared; keyed by the address of their static SQL text.
  sqlite3_stmt* Cached(const char* sql);

  sqlite3* db_;
  bool owned_;
  OutboxOptions options_;
  const Clock& clock_;
  std::mt19937_64 rng_;
  std::vector<Duration> latencies_;  // ring buffer of recent delivery latencies
  size_t latency_next_ = 0;
  int64_t delivered_since_open_ = 0;
  std::map<const char*, sqlite3_stmt*> statements_;
};

}  // namespace gantry::enterprise
