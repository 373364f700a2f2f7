// The durable order book of the shop floor: every production order Gantry was given (REST JSON,
// B2MML, Tryton pull), its state and its history of ERP-side changes, in one SQLite table
// (WAL) in the data folder. The API's order routes and the Tryton poller write here.
//
//   GANTRY_ASSIGN_OR_RETURN(auto store, OrderStore::Open(data_dir + "/enterprise.sqlite", clock));
//   GANTRY_RETURN_IF_ERROR(store->Create(order));
//   GANTRY_ASSIGN_OR_RETURN(StoredOrder o, store->Get("rest:4711"));
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "enterprise/order.h"

struct sqlite3;

namespace gantry::enterprise {

// An order as stored, with what Gantry learnt about it beyond the ERP's fields.
struct StoredOrder {
  ProductionOrder order;
  bool paused = false;       // running but paused on the shop floor
  std::string flag;          // a difference a person must look at ("" when none)
  Timestamp created_at = 0;  // UTC ns
  Timestamp updated_at = 0;
  Timestamp completed_at = 0;  // 0 until completed
};

// What a pull from the ERP did to one order (Tryton change tracking).
enum class ErpSync : uint8_t {
  kCreated,    // new order
  kUpdated,    // quantity/due/BOM/work centre changed and taken over (not yet running)
  kFlagged,    // changed or cancelled in the ERP while running or done: flagged, not changed
  kCancelled,  // cancelled in the ERP, cancelled here
  kUnchanged,
};
std::string_view ErpSyncName(ErpSync s);
struct ErpSyncResult {
  ErpSync what = ErpSync::kUnchanged;
  std::string detail;  // what changed ("quantity 100 -> 120"), for the log and the flag
};

// Thread-safe (one connection under a mutex). Every change is one transaction.
class OrderStore {
 public:
  // Opens or creates the database file (":memory:" for tests). The clock is borrowed.
  static Result<std::unique_ptr<OrderStore>> Open(const std::string& path, const Clock& clock);
  ~OrderStore();
  OrderStore(const OrderStore&) = delete;
  OrderStore& operator=(const OrderStore&) = delete;

  // Stores a new order (validated). AlreadyExists when its key is taken.
  Status Create(const ProductionOrder& order);
  // Merges a JSON object of order fields into the stored order (source, external_id and state
  // cannot be patched: InvalidArgument naming the field) and bumps its version.
  // FailedPrecondition once the order is running, completed or cancelled.
  Result<StoredOrder> Patch(std::string_view key, std::string_view patch_json);
  // draft -> released. FailedPrecondition from any other state.
  Result<StoredOrder> Release(std::string_view key);
  // draft/released/running -> cancelled (a running order is flagged: the shop floor must stop it).
  Result<StoredOrder> Cancel(std::string_view key, std::string_view why);
  // Shop-floor transitions: start (released -> running), pause/resume (running, paused flag),
  // complete (running -> completed). FailedPrecondition naming the state otherwise.
  Result<StoredOrder> Start(std::string_view key, std::string_view work_centre);
  Result<StoredOrder> Pause(std::string_view key);
  Result<StoredOrder> Resume(std::string_view key);
  Result<StoredOrder> Complete(std::string_view key);

  // NotFound when no order has this key. `id` may be the key ("tryton:12") or an external id
  // that is unique across sources ("12").
  Result<StoredOrder> Get(std::string_view id) const;
  // Orders, oldest first; only those in `state` when given.
  Result<std::vector<StoredOrder>> List(std::optional<OrderState> state = std::nullopt) const;

  // Takes over one order as the ERP holds it now (see ErpSync); `erp.state` cancelled means the
  // ERP cancelled it.
  Result<ErpSyncResult> SyncFromErp(const ProductionOrder& erp);

 private:
  OrderStore(sqlite3* db, const Clock& clock) : db_(db), clock_(clock) {}
  Result<std::optional<StoredOrder>> Load(std::string_view key) const;  // under mu_
  Status Save(const StoredOrder& o, bool insert);                       // under mu_
  Result<StoredOrder> Transition(std::string_view id, const char* what,
                                 Status (*apply)(StoredOrder&, std::string_view),
                                 std::string_view arg);

  mutable std::mutex mu_;
  sqlite3* db_;  // guarded by mu_
  const Clock& clock_;
};

}  // namespace gantry::enterprise
