#include "operations/event_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace gantry::ops {
namespace {

using nlohmann::json;

json SegmentJson(const Segment& s) {
  return json{{"category", StateCategoryName(s.category)},
              {"condition", MachineConditionName(s.condition)},
              {"reason", s.reason},
              {"fault_code", s.fault_code},
              {"stop_start", s.stop_start},
              {"micro_stop", s.micro_stop},
              {"window", s.window},
              {"shift", s.shift},
              {"order", s.order},
              {"product", s.product},
              {"operator", s.operator_name},
              {"ideal_cycle_time_ns", s.ideal_cycle_time},
              {"good", s.good},
              {"scrap", s.scrap},
              {"rework", s.rework}};
}

// The event's JSON body; a body that is not JSON is corruption, named by the event's number.
Result<json> BodyOf(const StoredEvent& e) {
  json j = json::parse(e.body, nullptr, false);
  if (j.is_discarded()) return Corrupt("event " + std::to_string(e.seq) + ": body is not JSON");
  return j;
}

Segment SegmentFromJson(const StoredEvent& e, const json& j) {
  Segment s;
  s.work_centre = e.work_centre;
  s.start = e.start;
  s.end = e.end;
  s.category =
      StateCategoryFromName(j.value("category", "no_data")).value_or(StateCategory::kNoData);
  s.reason = j.value("reason", "");
  s.fault_code = j.value("fault_code", int64_t{0});
  s.stop_start = j.value("stop_start", Timestamp{0});
  s.micro_stop = j.value("micro_stop", false);
  s.window = j.value("window", "");
  s.shift = j.value("shift", "");
  s.order = j.value("order", "");
  s.product = j.value("product", "");
  s.operator_name = j.value("operator", "");
  s.ideal_cycle_time = j.value("ideal_cycle_time_ns", Duration{0});
  s.good = j.value("good", uint64_t{0});
  s.scrap = j.value("scrap", uint64_t{0});
  s.rework = j.value("rework", uint64_t{0});
  return s;
}

}  // namespace

std::string_view EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kInterval: return "interval";
    case EventKind::kOrder: return "order";
    case EventKind::kCorrection: return "correction";
    case EventKind::kReasonAssigned: return "reason_assigned";
    case EventKind::kPlannedStop: return "planned_stop";
    case EventKind::kActualsFinal: return "actuals_final";
  }
  return "?";
}

Result<std::unique_ptr<EventStore>> EventStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return IoError("event store " + path + ": " + msg);
  }
  std::unique_ptr<EventStore> store(new EventStore(db));
  GANTRY_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
  GANTRY_RETURN_IF_ERROR(store->Exec("PRAGMA synchronous=FULL"));
  GANTRY_RETURN_IF_ERROR(
      store->Exec("CREATE TABLE IF NOT EXISTS ops_events(seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                  "kind INTEGER NOT NULL, work_centre TEXT NOT NULL, start_ns INTEGER NOT NULL, "
                  "end_ns INTEGER NOT NULL, body TEXT NOT NULL)"));
  GANTRY_RETURN_IF_ERROR(
      store->Exec("CREATE INDEX IF NOT EXISTS ops_events_wc ON ops_events(work_centre, start_ns)"));
  GANTRY_RETURN_IF_ERROR(
      store->Exec("CREATE TABLE IF NOT EXISTS ops_actuals_final(key TEXT PRIMARY KEY, "
                  "seq INTEGER NOT NULL)"));
  // Concurrent connections (a reader, a second process) wait instead of failing at once.
  sqlite3_busy_timeout(db, 5000);
  return store;
}

EventStore::~EventStore() {
  sqlite3_close(db_);
}

Status EventStore::Exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return IoError(std::string("event store: ") + msg + " in: " + sql);
  }
  return Status::Ok();
}

Result<uint64_t> EventStore::Append(EventKind kind, const std::string& wc, Timestamp start,
                                    Timestamp end, const std::string& body) {
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "INSERT INTO ops_events(kind, work_centre, start_ns, end_ns, body) VALUES(?,?,?,?,?)";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
    return IoError(std::string("event store: ") + sqlite3_errmsg(db_));
  sqlite3_bind_int(st, 1, static_cast<int>(kind));
  sqlite3_bind_text(st, 2, wc.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, start);
  sqlite3_bind_int64(st, 4, end);
  sqlite3_bind_text(st, 5, body.c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return IoError(std::string("event store append: ") + sqlite3_errmsg(db_));
  return static_cast<uint64_t>(sqlite3_last_insert_rowid(db_));
}

Result<uint64_t> EventStore::AppendInterval(const Segment& s) {
  return Append(EventKind::kInterval, s.work_centre, s.start, s.end, SegmentJson(s).dump());
}

Result<uint64_t> EventStore::AppendIntervals(const std::vector<Segment>& segs) {
  GANTRY_RETURN_IF_ERROR(Exec("BEGIN"));
  uint64_t last = 0;
  for (const Segment& s : segs) {
    Result<uint64_t> r = AppendInterval(s);
    if (!r.ok()) {
      (void)Exec("ROLLBACK");
      return r.status();
    }
    last = *r;
  }
  GANTRY_RETURN_IF_ERROR(Exec("COMMIT"));
  return last;
}

Result<uint64_t> EventStore::AppendOrder(const OrderTransition& t, const std::string& by) {
  json j{{"action", OrderActionName(t.action)},
         {"order", t.order},
         {"product", t.product},
         {"operator", t.operator_name},
         {"ideal_cycle_time_ns", t.ideal_cycle_time}};
  if (!by.empty()) j["by"] = by;
  return Append(EventKind::kOrder, t.work_centre, t.time, t.time, j.dump());
}

Result<uint64_t> EventStore::AppendPlannedStop(const DeclaredStop& d) {
  json j{{"reason", d.reason}, {"by", d.by}};
  return Append(EventKind::kPlannedStop, d.work_centre, d.start, d.end, j.dump());
}

Result<uint64_t> EventStore::AppendCorrection(const Correction& c) {
  json j{{"late_sample_time", c.late_sample_time}, {"tag", c.tag}, {"note", c.note}};
  return Append(EventKind::kCorrection, c.work_centre, c.from, c.from, j.dump());
}

Result<uint64_t> EventStore::AppendReasonAssigned(const std::string& wc, Timestamp stop_start,
                                                  const std::string& reason,
                                                  const std::string& by) {
  json j{{"reason", reason}, {"by", by}};
  return Append(EventKind::kReasonAssigned, wc, stop_start, stop_start, j.dump());
}

Result<std::vector<StoredEvent>> EventStore::Read(uint64_t after, size_t limit) const {
  std::vector<StoredEvent> out;
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "SELECT seq, kind, work_centre, start_ns, end_ns, body FROM ops_events "
      "WHERE seq > ? ORDER BY seq LIMIT ?";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
    return IoError(std::string("event store: ") + sqlite3_errmsg(db_));
  sqlite3_bind_int64(st, 1, static_cast<int64_t>(after));
  sqlite3_bind_int64(st, 2, static_cast<int64_t>(limit));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    StoredEvent e;
    e.seq = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    e.kind = static_cast<EventKind>(sqlite3_column_int(st, 1));
    e.work_centre = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
    e.start = sqlite3_column_int64(st, 3);
    e.end = sqlite3_column_int64(st, 4);
    e.body = reinterpret_cast<const char*>(sqlite3_column_text(st, 5));
    out.push_back(std::move(e));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return IoError(std::string("event store read: ") + sqlite3_errmsg(db_));
  return out;
}

Status EventStore::Query(const char* sql, const std::function<void(sqlite3_stmt*)>& bind,
                         const std::function<Status(const StoredEvent&)>& row) const {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
    return IoError(std::string("event store: ") + sqlite3_errmsg(db_));
  bind(st);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    StoredEvent e;
    e.seq = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    e.kind = static_cast<EventKind>(sqlite3_column_int(st, 1));
    e.work_centre = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
    e.start = sqlite3_column_int64(st, 3);
    e.end = sqlite3_column_int64(st, 4);
    e.body = reinterpret_cast<const char*>(sqlite3_column_text(st, 5));
    Status s = row(e);
    if (!s.ok()) {
      sqlite3_finalize(st);
      return s;
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return IoError(std::string("event store read: ") + sqlite3_errmsg(db_));
  return Status::Ok();
}

Result<std::vector<Segment>> EventStore::LoadIntervals(const std::string& wc, Timestamp from,
                                                       Timestamp to, bool units_at_end) const {
  std::vector<Segment> segs;
  // Intervals overlapping the range, and every correction and assigned reason of the work centre
  // (a correction voids intervals by their end, whatever its own instant).
  const char* sql =
      "SELECT seq, kind, work_centre, start_ns, end_ns, body FROM ops_events "
      "WHERE work_centre = ?1 AND (kind IN (3, 4) OR (kind = 1 AND end_ns > ?2 AND start_ns < ?3)) "
      "ORDER BY seq";
  GANTRY_RETURN_IF_ERROR(Query(
      sql,
      [&](sqlite3_stmt* st) {
        sqlite3_bind_text(st, 1, wc.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
      },
      [&](const StoredEvent& e) -> Status {
        GANTRY_ASSIGN_OR_RETURN(json j, BodyOf(e));
        switch (e.kind) {
          case EventKind::kInterval: segs.push_back(SegmentFromJson(e, j)); break;
          case EventKind::kCorrection:
            // Whole intervals are voided (their counts cannot be split); the engine re-emits
            // from the start of the earliest voided one.
            std::erase_if(segs, [&](const Segment& s) { return s.end > e.start; });
            break;
          case EventKind::kReasonAssigned:
            for (Segment& s : segs)
              if (s.stop_start == e.start && s.category == StateCategory::kUnplannedDowntime &&
                  s.reason == kUnassignedReason)
                s.reason = j.value("reason", "unassigned");
            break;
          default: break;
        }
        return Status::Ok();
      }));
  std::stable_sort(segs.begin(), segs.end(),
                   [](const Segment& a, const Segment& b) { return a.start < b.start; });
  std::vector<Segment> out;
  for (Segment& s : segs) {
    if (s.end <= from || s.start >= to) continue;
    s.start = std::max(s.start, from);
    if (s.end > to && units_at_end) s.good = s.scrap = s.rework = 0;
    s.end = std::min(s.end, to);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<OrderTransition>> EventStore::LoadOrderTransitions() const {
  std::vector<OrderTransition> out;
  GANTRY_RETURN_IF_ERROR(Query(
      "SELECT seq, kind, work_centre, start_ns, end_ns, body FROM ops_events WHERE kind = 2 "
      "ORDER BY seq",
      [](sqlite3_stmt*) {},
      [&](const StoredEvent& e) -> Status {
        GANTRY_ASSIGN_OR_RETURN(json j, BodyOf(e));
        OrderTransition t;
        t.work_centre = e.work_centre;
        t.time = e.start;
        std::optional<OrderTransition::Action> a = OrderActionFromName(j.value("action", ""));
        if (!a) return Corrupt("event " + std::to_string(e.seq) + ": unknown order action");
        t.action = *a;
        t.order = j.value("order", "");
        t.product = j.value("product", "");
        t.operator_name = j.value("operator", "");
        t.ideal_cycle_time = j.value("ideal_cycle_time_ns", Duration{0});
        out.push_back(std::move(t));
        return Status::Ok();
      }));
  return out;
}

Result<std::vector<DeclaredStop>> EventStore::LoadPlannedStops() const {
  std::vector<DeclaredStop> out;
  GANTRY_RETURN_IF_ERROR(Query(
      "SELECT seq, kind, work_centre, start_ns, end_ns, body FROM ops_events WHERE kind = 5 "
      "ORDER BY seq",
      [](sqlite3_stmt*) {},
      [&](const StoredEvent& e) -> Status {
        GANTRY_ASSIGN_OR_RETURN(json j, BodyOf(e));
        out.push_back({e.work_centre, e.start, e.end, j.value("reason", ""), j.value("by", "")});
        return Status::Ok();
      }));
  return out;
}

Result<std::vector<EventStore::AssignedReason>> EventStore::LoadAssignedReasons() const {
  std::vector<AssignedReason> out;
  GANTRY_RETURN_IF_ERROR(Query(
      "SELECT seq, kind, work_centre, start_ns, end_ns, body FROM ops_events WHERE kind = 4 "
      "ORDER BY seq",
      [](sqlite3_stmt*) {},
      [&](const StoredEvent& e) -> Status {
        GANTRY_ASSIGN_OR_RETURN(json j, BodyOf(e));
        out.push_back({e.work_centre, e.start, j.value("reason", std::string()),
                       j.value("by", std::string())});
        return Status::Ok();
      }));
  return out;
}

Result<Timestamp> EventStore::LastIntervalEnd(const std::string& wc) const {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT COALESCE(MAX(end_ns), 0) FROM ops_events "
                         "WHERE work_centre = ? AND kind = 1",
                         -1, &st, nullptr) != SQLITE_OK)
    return IoError(std::string("event store: ") + sqlite3_errmsg(db_));
  sqlite3_bind_text(st, 1, wc.c_str(), -1, SQLITE_TRANSIENT);
  Timestamp end = 0;
  const int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) end = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return IoError(std::string("event store read: ") + sqlite3_errmsg(db_));
  return end;
}

Result<std::vector<EventStore::HandedOn>> EventStore::LoadHandedOn(const std::string& wc,
                                                                   Timestamp ends_after) const {
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "SELECT a.key, e.seq, e.start_ns, e.end_ns, e.body FROM ops_actuals_final a "
      "JOIN ops_events e ON e.seq = a.seq WHERE e.work_centre = ?1 AND e.end_ns > ?2 "
      "ORDER BY e.seq";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
    return IoError(std::string("event store: ") + sqlite3_errmsg(db_));
  sqlite3_bind_text(st, 1, wc.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, ends_after);
  std::vector<HandedOn> out;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    auto text = [&](int col) {
      const unsigned char* t = sqlite3_column_text(st, col);
      return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
    };
    out.push_back({text(0), static_cast<uint64_t>(sqlite3_column_int64(st, 1)),
                   sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3), text(4)});
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return IoError(std::string("event store read: ") + sqlite3_errmsg(db_));
  return out;
}

Result<bool> EventStore::ActualsFinalRecorded(const std::string& key) const {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT 1 FROM ops_actuals_final WHERE key = ?", -1, &st, nullptr) !=
      SQLITE_OK)
    return IoError(std::string("event store: ") + sqlite3_errmsg(db_));
  sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return IoError(std::string("event store read: ") + sqlite3_errmsg(db_));
  return rc == SQLITE_ROW;
}

Result<uint64_t> EventStore::AppendActualsFinal(const std::string& key, const std::string& wc,
                                                Timestamp start, Timestamp end,
                                                const std::string& body,
                                                const std::function<Status(sqlite3*)>& in_txn) {
  GANTRY_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto rollback = [&](Status s) -> Status {
    (void)Exec("ROLLBACK");
    return s;
  };
  Result<bool> seen = ActualsFinalRecorded(key);
  if (!seen.ok()) return rollback(seen.status());
  if (*seen) return rollback(AlreadyExists("actuals final '" + key + "' was recorded before"));
  Result<uint64_t> seq = Append(EventKind::kActualsFinal, wc, start, end, body);
  if (!seq.ok()) return rollback(seq.status());
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT INTO ops_actuals_final(key, seq) VALUES(?, ?)", -1, &st,
                         nullptr) != SQLITE_OK)
    return rollback(IoError(std::string("event store: ") + sqlite3_errmsg(db_)));
  sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, static_cast<int64_t>(*seq));
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return rollback(IoError(std::string("event store append: ") + sqlite3_errmsg(db_)));
  if (in_txn) {
    Status s = in_txn(db_);
    if (!s.ok()) return rollback(s);
  }
  GANTRY_RETURN_IF_ERROR(Exec("COMMIT"));
  return *seq;
}

uint64_t EventStore::LastSeq() const {
  sqlite3_stmt* st = nullptr;
  uint64_t seq = 0;
  if (sqlite3_prepare_v2(db_, "SELECT MAX(seq) FROM ops_events", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    seq = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  return seq;
}

}  // namespace gantry::ops
