#include "enterprise/order_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace gantry::enterprise {
namespace {

using nlohmann::json;

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return IoError(std::string("order store: ") + m);
  }
  return Status::Ok();
}

// A prepared statement finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return s_; }
  void Text(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Int(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  std::string ColText(int i) const {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

constexpr const char* kColumns =
    "body, paused, flag, created_at, updated_at, completed_at FROM production_order";

Result<StoredOrder> FromRow(const Stmt& st) {
  auto order = OrderFromJson(st.ColText(0));
  if (!order.ok())
    return Corrupt("order store: stored order unreadable: " + order.status().message());
  StoredOrder o;
  o.order = std::move(order).value();
  o.paused = sqlite3_column_int64(st.get(), 1) != 0;
  o.flag = st.ColText(2);
  o.created_at = sqlite3_column_int64(st.get(), 3);
  o.updated_at = sqlite3_column_int64(st.get(), 4);
  o.completed_at = sqlite3_column_int64(st.get(), 5);
  return o;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// What differs between two versions of an order in the fields the ERP owns ("" when equal).
std::string Differences(const ProductionOrder& had, const ProductionOrder& now) {
  std::string d;
  auto add = [&d](const std::string& part) { d += (d.empty() ? "" : ", ") + part; };
  if (had.product != now.product) add("product " + had.product + " -> " + now.product);
  if (had.quantity != now.quantity)
    add("quantity " + Num(had.quantity) + " -> " + Num(now.quantity));
  if (had.unit != now.unit) add("unit " + had.unit + " -> " + now.unit);
  if (had.due != now.due) add("due " + FormatIso8601(had.due) + " -> " + FormatIso8601(now.due));
  if (had.work_centre != now.work_centre)
    add("work centre " + had.work_centre + " -> " + now.work_centre);
  if (had.ideal_cycle_time != now.ideal_cycle_time) add("ideal cycle time");
  // The ERP's cost prices are not part of the order's plan: a price change alone is no change.
  auto plan = [](std::vector<BomLine> bom) {
    for (BomLine& b : bom) b.unit_cost.reset();
    return bom;
  };
  if (plan(had.bom) != plan(now.bom)) add("bill of materials");
  return d;
}

std::string Price(const std::optional<double>& p) {
  return p ? Num(*p) : std::string("none");
}

// Takes the ERP's current cost prices into `kept`'s bill of materials (lines matched by
// material); what changed, "" when nothing did ("cost price RM-STEEL 3.2 -> 3.5").
std::string TakeOverCostPrices(ProductionOrder& kept, const ProductionOrder& erp) {
  std::string d;
  for (BomLine& b : kept.bom) {
    auto it = std::find_if(erp.bom.begin(), erp.bom.end(),
                           [&](const BomLine& e) { return e.material == b.material; });
    if (it == erp.bom.end() || it->unit_cost == b.unit_cost) continue;
    d += (d.empty() ? "cost price " : ", cost price ") + b.material + " " + Price(b.unit_cost) +
         " -> " + Price(it->unit_cost);
    b.unit_cost = it->unit_cost;
  }
  return d;
}

Status NotInState(const StoredOrder& o, std::string_view what) {
  return FailedPrecondition("order " + o.order.Key() + " is " +
                            std::string(OrderStateName(o.order.state)) + ", cannot " +
                            std::string(what));
}

}  // namespace

std::string_view ErpSyncName(ErpSync s) {
  switch (s) {
    case ErpSync::kCreated: return "created";
    case ErpSync::kUpdated: return "updated";
    case ErpSync::kFlagged: return "flagged";
    case ErpSync::kCancelled: return "cancelled";
    case ErpSync::kUnchanged: return "unchanged";
  }
  return "unchanged";
}

Result<std::unique_ptr<OrderStore>> OrderStore::Open(const std::string& path, const Clock& clock) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return IoError("order store " + path + ": " + m);
  }
  std::unique_ptr<OrderStore> store(new OrderStore(db, clock));
  sqlite3_busy_timeout(db, 5000);
  GANTRY_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  GANTRY_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=NORMAL"));
  GANTRY_RETURN_IF_ERROR(
      Exec(db,
           "CREATE TABLE IF NOT EXISTS production_order ("
           " key TEXT PRIMARY KEY, source TEXT NOT NULL,"
           " external_id TEXT NOT NULL, state TEXT NOT NULL,"
           " body TEXT NOT NULL, paused INTEGER NOT NULL DEFAULT 0,"
           " flag TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,"
           " updated_at INTEGER NOT NULL, completed_at INTEGER NOT NULL DEFAULT 0);"
           "CREATE INDEX IF NOT EXISTS production_order_external"
           " ON production_order(external_id);"));
  return store;
}

OrderStore::~OrderStore() {
  sqlite3_close(db_);
}

Result<std::optional<StoredOrder>> OrderStore::Load(std::string_view id) const {
  {
    Stmt st(db_, (std::string("SELECT ") + kColumns + " WHERE key = ?").c_str());
    if (!st.ok()) return IoError(std::string("order store: ") + sqlite3_errmsg(db_));
    st.Text(1, id);
    if (sqlite3_step(st.get()) == SQLITE_ROW) {
      GANTRY_ASSIGN_OR_RETURN(StoredOrder o, FromRow(st));
      return std::optional<StoredOrder>(std::move(o));
    }
  }
  Stmt st(db_, (std::string("SELECT ") + kColumns + " WHERE external_id = ? LIMIT 2").c_str());
  if (!st.ok()) return IoError(std::string("order store: ") + sqlite3_errmsg(db_));
  st.Text(1, id);
  std::optional<StoredOrder> found;
  while (sqlite3_step(st.get()) == SQLITE_ROW) {
    if (found)
      return InvalidArgument("order id '" + std::string(id) +
                             "' is ambiguous; use the key <source>:<external_id>");
    GANTRY_ASSIGN_OR_RETURN(StoredOrder o, FromRow(st));
    found = std::move(o);
  }
  return found;
}

Status OrderStore::Save(const StoredOrder& o, bool insert) {
  Stmt st(db_, insert ? "INSERT INTO production_order (body, paused, flag, created_at, updated_at,"
                        " completed_at, state, key, source, external_id)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                      : "UPDATE production_order SET body = ?1, paused = ?2, flag = ?3,"
                        " created_at = ?4, updated_at = ?5, completed_at = ?6, state = ?7"
                        " WHERE key = ?8");
  if (!st.ok()) return IoError(std::string("order store: ") + sqlite3_errmsg(db_));
  st.Text(1, OrderToJson(o.order));
  st.Int(2, o.paused ? 1 : 0);
  st.Text(3, o.flag);
  st.Int(4, o.created_at);
  st.Int(5, o.updated_at);
  st.Int(6, o.completed_at);
  st.Text(7, OrderStateName(o.order.state));
  st.Text(8, o.order.Key());
  if (insert) {
    st.Text(9, o.order.source);
    st.Text(10, o.order.external_id);
  }
  const int rc = sqlite3_step(st.get());
  if (rc == SQLITE_CONSTRAINT) return AlreadyExists("order " + o.order.Key() + " exists already");
  if (rc != SQLITE_DONE) return IoError(std::string("order store: ") + sqlite3_errmsg(db_));
  return Status::Ok();
}

Status OrderStore::Create(const ProductionOrder& order) {
  GANTRY_RETURN_IF_ERROR(ValidateOrder(order));
  std::lock_guard lock(mu_);
  StoredOrder o;
  o.order = order;
  o.created_at = o.updated_at = clock_.Now();
  return Save(o, true);
}

Result<StoredOrder> OrderStore::Get(std::string_view id) const {
  std::lock_guard lock(mu_);
  GANTRY_ASSIGN_OR_RETURN(std::optional<StoredOrder> o, Load(id));
  if (!o) return NotFound("no order '" + std::string(id) + "'");
  return *o;
}

Result<std::vector<StoredOrder>> OrderStore::List(std::optional<OrderState> state) const {
  std::lock_guard lock(mu_);
  Stmt st(db_, (std::string("SELECT ") + kColumns +
                (state ? " WHERE state = ? ORDER BY rowid" : " ORDER BY rowid"))
                   .c_str());
  if (!st.ok()) return IoError(std::string("order store: ") + sqlite3_errmsg(db_));
  if (state) st.Text(1, OrderStateName(*state));
  std::vector<StoredOrder> out;
  while (sqlite3_step(st.get()) == SQLITE_ROW) {
    GANTRY_ASSIGN_OR_RETURN(StoredOrder o, FromRow(st));
    out.push_back(std::move(o));
  }
  return out;
}

Result<StoredOrder> OrderStore::Patch(std::string_view id, std::string_view patch_json) {
  json patch = json::parse(patch_json, nullptr, false);
  if (patch.is_discarded() || !patch.is_object())
    return InvalidArgument("order: expected a JSON object of fields to change");
  for (const char* fixed : {"source", "external_id", "state", "version"})
    if (patch.contains(fixed))
      return InvalidArgument(std::string("order: field '") + fixed +
                             "' cannot be changed (use release/cancel for the state)");
  std::lock_guard lock(mu_);
  GANTRY_ASSIGN_OR_RETURN(std::optional<StoredOrder> o, Load(id));
  if (!o) return NotFound("no order '" + std::string(id) + "'");
  if (o->order.state != OrderState::kDraft && o->order.state != OrderState::kReleased)
    return NotInState(*o, "change it");
  json merged = json::parse(OrderToJson(o->order));
  for (auto& [k, v] : patch.items()) {
    if (v.is_null()) {
      merged.erase(k);
    } else {
      if (k == "rate_per_hour") merged.erase("ideal_cycle_time");
      if (k == "ideal_cycle_time") merged.erase("rate_per_hour");
      merged[k] = v;
    }
  }
  GANTRY_ASSIGN_OR_RETURN(ProductionOrder changed, OrderFromJson(merged.dump()));
  changed.version = o->order.version + 1;
  o->order = std::move(changed);
  o->updated_at = clock_.Now();
  GANTRY_RETURN_IF_ERROR(Save(*o, false));
  return *o;
}

Result<StoredOrder> OrderStore::Transition(std::string_view id, const char* what,
                                           Status (*apply)(StoredOrder&, std::string_view),
                                           std::string_view arg) {
  std::lock_guard lock(mu_);
  GANTRY_ASSIGN_OR_RETURN(std::optional<StoredOrder> o, Load(id));
  if (!o) return NotFound("no order '" + std::string(id) + "'");
  Status s = apply(*o, arg);
  if (!s.ok()) return NotInState(*o, what);
  o->updated_at = clock_.Now();
  if (o->order.state == OrderState::kCompleted && o->completed_at == 0)
    o->completed_at = o->updated_at;
  GANTRY_RETURN_IF_ERROR(Save(*o, false));
  return *o;
}

Result<StoredOrder> OrderStore::Release(std::string_view id) {
  return Transition(id, "release it",
                    [](StoredOrder& o, std::string_view) {
                      if (o.order.state != OrderState::kDraft) return FailedPrecondition("");
                      o.order.state = OrderState::kReleased;
                      return Status::Ok();
                    },
                    {});
}

Result<StoredOrder> OrderStore::Cancel(std::string_view id, std::string_view why) {
  return Transition(
      id, "cancel it",
      [](StoredOrder& o, std::string_view reason) {
        const OrderState s = o.order.state;
        if (s == OrderState::kCompleted || s == OrderState::kCancelled)
          return FailedPrecondition("");
        if (s == OrderState::kRunning)
          o.flag = "cancelled while running" +
                   (reason.empty() ? std::string() : ": " + std::string(reason)) +
                   "; stop it on the shop floor";
        o.order.state = OrderState::kCancelled;
        o.paused = false;
        return Status::Ok();
      },
      why);
}

Result<StoredOrder> OrderStore::Start(std::string_view id, std::string_view work_centre) {
  return Transition(
      id, "start it",
      [](StoredOrder& o, std::string_view wc) {
        if (o.order.state != OrderState::kReleased) return FailedPrecondition("");
        o.order.state = OrderState::kRunning;
        if (!wc.empty()) o.order.work_centre = std::string(wc);
        return Status::Ok();
      },
      work_centre);
}

Result<StoredOrder> OrderStore::Pause(std::string_view id) {
  return Transition(id, "pause it",
                    [](StoredOrder& o, std::string_view) {
                      if (o.order.state != OrderState::kRunning || o.paused)
                        return FailedPrecondition("");
                      o.paused = true;
                      return Status::Ok();
                    },
                    {});
}

Result<StoredOrder> OrderStore::Resume(std::string_view id) {
  return Transition(id, "resume it",
                    [](StoredOrder& o, std::string_view) {
                      if (o.order.state != OrderState::kRunning || !o.paused)
                        return FailedPrecondition("");
                      o.paused = false;
                      return Status::Ok();
                    },
                    {});
}

Result<StoredOrder> OrderStore::Complete(std::string_view id) {
  return Transition(id, "complete it",
                    [](StoredOrder& o, std::string_view) {
                      if (o.order.state != OrderState::kRunning) return FailedPrecondition("");
                      o.order.state = OrderState::kCompleted;
                      o.paused = false;
                      return Status::Ok();
                    },
                    {});
}

Result<ErpSyncResult> OrderStore::SyncFromErp(const ProductionOrder& erp) {
  std::lock_guard lock(mu_);
  GANTRY_ASSIGN_OR_RETURN(std::optional<StoredOrder> had, Load(erp.Key()));
  const Timestamp now = clock_.Now();
  if (!had) {
    if (erp.state == OrderState::kCancelled) return ErpSyncResult{};
    GANTRY_RETURN_IF_ERROR(ValidateOrder(erp));
    StoredOrder o;
    o.order = erp;
    o.created_at = o.updated_at = now;
    GANTRY_RETURN_IF_ERROR(Save(o, true));
    return ErpSyncResult{ErpSync::kCreated, ""};
  }
  StoredOrder& o = *had;
  const OrderState local = o.order.state;
  const bool open = local == OrderState::kDraft || local == OrderState::kReleased;
  ErpSyncResult r;
  if (erp.state == OrderState::kCancelled) {
    if (open) {
      o.order.state = OrderState::kCancelled;
      r = {ErpSync::kCancelled, "cancelled in the ERP"};
    } else if (local == OrderState::kRunning) {
      const std::string flag = "cancelled in the ERP while running; stop it on the shop floor";
      if (o.flag == flag) return r;
      o.flag = flag;
      r = {ErpSync::kFlagged, flag};
    } else {
      return r;
    }
  } else {
    // A completed order keeps the cost prices it had when it completed (the last pull before).
    if (local == OrderState::kCompleted || local == OrderState::kCancelled) return r;
    const std::string diff = Differences(o.order, erp);
    // A cost price change alone is followed while the order is open or running.
    const std::string prices = TakeOverCostPrices(o.order, erp);
    if (diff.empty()) {
      if (prices.empty()) return r;
      r = {ErpSync::kUpdated, prices};
    } else if (open) {
      const OrderState keep = o.order.state;
      o.order = erp;
      o.order.state = keep;
      r = {ErpSync::kUpdated, prices.empty() ? diff : diff + ", " + prices};
    } else {
      const std::string flag =
          "changed in the ERP while running (version " + std::to_string(erp.version) + "): " + diff;
      if (o.flag == flag) {
        if (prices.empty()) return r;
        r = {ErpSync::kUpdated, prices};
      } else {
        o.flag = flag;
        r = {ErpSync::kFlagged, prices.empty() ? flag : flag + "; " + prices};
      }
    }
  }
  o.updated_at = now;
  GANTRY_RETURN_IF_ERROR(Save(o, false));
  return r;
}

}  // namespace gantry::enterprise
