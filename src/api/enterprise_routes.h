// The enterprise routes of the API: production orders (ERP-side intake and shop-floor
// start/pause/resume/complete), the actuals outbox (list, retry, export of quarantined messages)
// and the actuals reconciliation page. Answers come from the order store and the hooks of
// EnterpriseApi; routes and bodies in docs/api.md and docs/enterprise.md.
//
//   EnterpriseApi api{.orders = store.get(), .apply_order = ..., .clock = &clock};
//   context.modules.push_back(EnterpriseRoutes(std::move(api)));
//
// Roles (for the route policy):
//   integration  POST /api/v1/orders, PATCH /api/v1/orders/{id}, POST /api/v1/orders/{id}/release,
//                POST /api/v1/orders/{id}/cancel, POST /api/v1/orders/b2mml,
//                GET /api/v1/outbox, POST /api/v1/outbox/{key}/retry, GET /api/v1/outbox/export
//                (outbox routes: integration or admin), GET /api/v1/actuals/reconciliation
//   operator     POST /api/v1/orders/{id}/start|pause|resume|complete
//   viewer       GET /api/v1/orders, GET /api/v1/orders/{id}
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/route_module.h"
#include "core/status.h"
#include "enterprise/actuals.h"
#include "enterprise/order_store.h"
#include "enterprise/outbox.h"
#include "operations/segment.h"

namespace gantry {

// What the routes need from the running plant. Every hook is called on API I/O threads and must
// be thread-safe; a missing hook makes its routes answer 503.
struct EnterpriseApi {
  enterprise::OrderStore* orders = nullptr;  // required; borrowed
  // Applies a shop-floor order transition (OperationsService::ApplyOrder). `by` is the caller.
  std::function<Status(const ops::OrderTransition&, const std::string& by)> apply_order = nullptr;
  // The shop floor's ledger of an order so far (good, scrap, run time, ...), by order key.
  std::function<Result<enterprise::OrderActuals>(const std::string& order_key)> progress = nullptr;
  // Outbox messages in a state (nullopt: pending and quarantined), oldest first.
  std::function<Result<std::vector<enterprise::OutboxMessage>>(
      std::optional<enterprise::MessageState>)>
      outbox_list = nullptr;
  std::function<Status(const std::string& idempotency_key)> outbox_retry = nullptr;
  std::function<Result<std::string>()> outbox_export = nullptr;
  // The reconciliation page as JSON for orders completed or updated in [from, to).
  std::function<Result<std::string>(Timestamp from, Timestamp to)> reconciliation = nullptr;
};

// The "enterprise" route module over `api` (copied into the handler).
RouteModule EnterpriseRoutes(EnterpriseApi api);

// An order as the API shows it: the order's JSON fields plus key, paused, flag, timestamps.
std::string StoredOrderJson(const enterprise::StoredOrder& o);

}  // namespace gantry
