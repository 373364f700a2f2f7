// The durable, numbered record of what the operations layer concluded: intervals (with their
// counts), order transitions, corrections from late data and reasons assigned by operators, in
// one SQLite table (WAL mode). Every KPI is derived from these events, so it can be recomputed.
// Record layout: docs/operations.md ("Events"). Also the operator-declared planned stops and the
// "actuals final" marks (one per order completion / shift end handed to the actuals listener).
//
//   GANTRY_ASSIGN_OR_RETURN(auto store, EventStore::Open("data/gantry.db"));
//   GANTRY_ASSIGN_OR_RETURN(uint64_t seq, store->AppendInterval(segment));
//   GANTRY_ASSIGN_OR_RETURN(std::vector<Segment> segs, store->LoadIntervals(wc, from, to));
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "operations/segment.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gantry::ops {

enum class EventKind : uint8_t {
  kInterval = 1,
  kOrder,
  kCorrection,
  kReasonAssigned,
  kPlannedStop,   // an operator declared planned downtime [start, end) with a planned reason
  kActualsFinal,  // the actuals of an order (completion or shift end) were handed on
};
std::string_view EventKindName(EventKind k);

struct StoredEvent {
  uint64_t seq = 0;  // 1, 2, 3, ... in append order; never reused
  EventKind kind = EventKind::kInterval;
  std::string work_centre;
  Timestamp start = 0;
  Timestamp end = 0;
  std::string body;  // the event as one JSON object
};

// An operator's declaration of planned downtime, as stored.
struct DeclaredStop {
  std::string work_centre;
  Timestamp start = 0;
  Timestamp end = 0;
  std::string reason;
  std::string by;
};

// Owns one SQLite connection. Not thread-safe: one writer thread (SQLite serializes anyway).
class EventStore {
 public:
  // Opens or creates the database (":memory:" for tests); IoError when it cannot.
  static Result<std::unique_ptr<EventStore>> Open(const std::string& path);
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Each append is durable when it returns and returns the event's sequence number.
  Result<uint64_t> AppendInterval(const Segment& s);
  Result<uint64_t> AppendOrder(const OrderTransition& t, const std::string& by = {});
  Result<uint64_t> AppendPlannedStop(const DeclaredStop& d);
  Result<uint64_t> AppendCorrection(const Correction& c);
  Result<uint64_t> AppendReasonAssigned(const std::string& work_centre, Timestamp stop_start,
                                        const std::string& reason, const std::string& by);
  // Appends many intervals in one transaction; returns the last sequence number.
  Result<uint64_t> AppendIntervals(const std::vector<Segment>& segs);

  // Events with seq > after, in order, at most `limit`.
  Result<std::vector<StoredEvent>> Read(uint64_t after, size_t limit) const;
  // The current truth for one work centre over [from, to): interval events replayed in sequence
  // order, a correction voiding every interval that ends after its `from` and an assigned reason
  // replacing "unassigned" on the stop it names. Intervals are clipped to the range; an interval's
  // units stay with it whole (they cannot be split), unless `units_at_end`: then an interval
  // clipped at `to` keeps none, so that every unit is counted in the one range holding the end of
  // its interval (adjacent ranges then add up to the whole).
  Result<std::vector<Segment>> LoadIntervals(const std::string& work_centre, Timestamp from,
                                             Timestamp to, bool units_at_end = false) const;
  uint64_t LastSeq() const;

  // Every order transition / declared planned stop of the store, in sequence order (for the
  // engine after a restart).
  Result<std::vector<OrderTransition>> LoadOrderTransitions() const;
  Result<std::vector<DeclaredStop>> LoadPlannedStops() const;
  // A reason an operator assigned to a stop, as stored.
  struct AssignedReason {
    std::string work_centre;
    Timestamp stop_start = 0;
    std::string reason;
    std::string by;
  };
  // Every assigned reason of the store, in sequence order (for a replay from the store).
  Result<std::vector<AssignedReason>> LoadAssignedReasons() const;
  // The end of the last interval recorded for `work_centre` (0 when none).
  Result<Timestamp> LastIntervalEnd(const std::string& work_centre) const;

  // One "actuals final" event as recorded: its key, sequence number, range and body.
  struct HandedOn {
    std::string key;
    uint64_t seq = 0;
    Timestamp start = 0;
    Timestamp end = 0;
    std::string body;
  };
  // The "actuals final" events of `work_centre` whose range ends after `ends_after`, in sequence
  // order (originals and their corrections).
  Result<std::vector<HandedOn>> LoadHandedOn(const std::string& work_centre,
                                             Timestamp ends_after) const;
  // True when an "actuals final" event with this key was recorded.
  Result<bool> ActualsFinalRecorded(const std::string& key) const;
  // In one SQLite transaction: records the "actuals final" event `key` (unique) with `body`, and
  // calls `in_txn` with this connection so that a caller can write its own rows (an ERP outbox)
  // atomically with it. When `in_txn` fails, everything is rolled back and its Status returned;
  // AlreadyExists when the key was recorded before (nothing is called then).
  Result<uint64_t> AppendActualsFinal(const std::string& key, const std::string& work_centre,
                                      Timestamp start, Timestamp end, const std::string& body,
                                      const std::function<Status(sqlite3*)>& in_txn);

 private:
  explicit EventStore(sqlite3* db) : db_(db) {}
  Result<uint64_t> Append(EventKind kind, const std::string& wc, Timestamp start, Timestamp end,
                          const std::string& body);
  Status Exec(const char* sql) const;
  // Runs a SELECT of (seq, kind, work_centre, start_ns, end_ns, body) rows.
  Status Query(const char* sql, const std::function<void(sqlite3_stmt*)>& bind,
               const std::function<Status(const StoredEvent&)>& row) const;

  sqlite3* db_;  // owned
};

}  // namespace gantry::ops
