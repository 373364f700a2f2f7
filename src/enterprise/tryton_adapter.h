// Tryton 6.0 over JSON-RPC: pulls production orders (production.production) into Gantry's order
// model and books actuals on them (output and scrap quantities, consumption, labour, then the
// workflow to done), exactly once in effect per idempotency key. Mapping and the idempotency
// guard: docs/enterprise.md ("Tryton").
//
//   GANTRY_ASSIGN_OR_RETURN(auto tryton, TrytonAdapter::Connect(config));
//   GANTRY_ASSIGN_OR_RETURN(std::vector<ProductionOrder> orders, tryton->PullOrders());
//   outbox->DrainOnce(*tryton);
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "enterprise/http_client.h"
#include "enterprise/order.h"
#include "enterprise/outbox.h"

namespace gantry::enterprise {

struct TrytonConfig {
  HttpEndpoint endpoint{"127.0.0.1", 8000, 30 * kSecond};
  std::string database = "erp";
  std::string login = "admin";
  std::string password;
  int64_t company = 1;    // sent as {"company": id} in every context
  int64_t warehouse = 0;  // pull only this warehouse's productions; 0 = every warehouse
  std::vector<std::string> pull_states = {"waiting", "assigned"};
  // A waste location of the warehouse (stock.location in the warehouse's waste_locations): scrap
  // is booked as a second output move to it. 0 = scrap is only written in the Gantry note.
  int64_t scrap_location = 0;
  // Tryton work center name -> ISA-95 path of the line; names not listed are used as they are.
  std::map<std::string, std::string> work_centre_paths;
};

// What Tryton holds for one production, for tests and reconciliation.
struct TrytonProduction {
  int64_t id = 0;
  std::string state;             // draft, waiting, assigned, running, done, cancelled
  double output_quantity = 0.0;  // sum of output moves of the production's product, scrap excluded
  double scrap_quantity = 0.0;   // output moves to the scrap location
  std::map<std::string, double> consumed;  // input moves by product code
  std::vector<std::string> gantry_keys;    // idempotency keys found in the production's notes
};

// Not thread-safe: one caller (the outbox's draining thread, or a poller) at a time. Tryton on
// SQLite must see one writer at a time anyway.
class TrytonAdapter final : public ErpAdapter {
 public:
  // Logs in (common.db.login); Unavailable when Tryton cannot be reached, PermissionDenied on a
  // wrong password.
  static Result<std::unique_ptr<TrytonAdapter>> Connect(TrytonConfig config);
  ~TrytonAdapter() override;

  // Productions in config.pull_states (for the warehouse), as orders with source "tryton" and
  // external_id = the production's id; BOM lines from its input moves.
  Result<std::vector<ProductionOrder>> PullOrders();

  // Books an "actuals.*" message whose payload is OrderActuals JSON. Final actuals run the
  // production to done; interim ones write the output quantity while it runs. A correction of a
  // done production is noted when Tryton's quantities already agree, else quarantined at once
  // (kQuarantine) with a reason naming the production and each difference; a correction noted
  // by a planner ("gantry-key: <key>") is acknowledged. Safe to repeat.
  DeliveryResult Deliver(const OutboxMessage& m) override;

  Result<TrytonProduction> ReadProduction(int64_t id);

  // One JSON-RPC call: `params_json` is the params array without the trailing context (added
  // here: the company, plus the keys of `context_json` when given, e.g. a wizard's
  // active_model/active_ids). Returns the "result" as JSON text. A Tryton UserError is
  // InvalidArgument.
  Result<std::string> Call(const std::string& method, const std::string& params_json,
                           const std::string& context_json = "");
  // JSON-RPC requests sent so far (logins included): what a booking costs in round trips.
  int64_t JsonRpcCalls() const;

 private:
  explicit TrytonAdapter(TrytonConfig config);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::enterprise
