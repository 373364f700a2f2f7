// Reconciliation of production actuals, per order: the shop floor's own ledger, what the outbox
// delivered, what the ERP acknowledged and (for Tryton) what the ERP holds now, with every
// difference named. Pure: the caller gathers the inputs (order store, operations ledger, outbox,
// Tryton read-back); this file only compares and writes the page (docs/enterprise.md).
//
//   ReconciliationEntry e{stored, ledger, outbox->ListForOrder(key).value(), tryton_production};
//   std::string page = ReconciliationJson({e}, from, to);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "enterprise/actuals.h"
#include "enterprise/order_store.h"
#include "enterprise/outbox.h"
#include "enterprise/tryton_adapter.h"

namespace gantry::enterprise {

struct ReconciliationEntry {
  StoredOrder order;
  std::optional<OrderActuals> ledger;   // the shop floor's totals; nullopt when never started
  std::string ledger_error;             // why the ledger could not be read ("" when read)
  std::vector<OutboxMessage> messages;  // the order's outbox messages, oldest first
  std::optional<TrytonProduction> erp;  // what Tryton holds now (Tryton orders only)
  std::string erp_error;                // why it could not be read back ("" when read / n.a.)
};

// The differences of one order, each one sentence ("good: ledger 97, delivered 95"); empty when
// ledger, delivery, acknowledgement and ERP agree (quantities compared to 1e-9).
std::vector<std::string> Differences(const ReconciliationEntry& e);

// {"from","to","orders":[{"key","state","ledger":{...},"delivered":{...},"acknowledged":{...},
//   "erp":{...},"differences":[...],"ok":bool}],"flagged":N}
std::string ReconciliationJson(const std::vector<ReconciliationEntry>& entries, Timestamp from,
                               Timestamp to);

}  // namespace gantry::enterprise
