// The operations routes of the API (equipment state, OEE, downtime, assigning a stop's reason):
// parameters checked here, answers from the ApiContext's operations hooks (docs/api.md).
//
//   if (std::optional<HttpReply> r = RouteOperations(ctx, "GET", target, body)) Send(*r);
//   // nullopt: not an operations path, try the next router
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/api_routes.h"
#include "api/route_module.h"
#include "api/url.h"
#include "core/status.h"
#include "core/time.h"
#include "operations/operations_config.h"

namespace gantry {

// Answers GET /api/v1/equipment/{path}/state, GET /api/v1/oee, GET /api/v1/downtime and
// POST /api/v1/downtime/assign; nullopt for any other path. Problem replies (400 naming the
// parameter or field, 404, 405, 503 without hooks) for everything that is not answered.
std::optional<HttpReply> RouteOperations(const ApiContext& ctx, std::string_view method,
                                         const RequestTarget& target, std::string_view body);

// Declares planned downtime [start, end) with a planned reason on a work centre (the running
// plant: OperationsService::DeclarePlannedStop). NotFound: unknown work centre; InvalidArgument:
// bad reason, end <= start, or start older than the late-data horizon.
using DeclarePlannedStopFn =
    std::function<Status(const std::string& work_centre, Timestamp start, Timestamp end,
                         const std::string& reason, const std::string& by)>;

// POST /api/v1/planned-stops (role operator), body {work_centre, reason, from, to | duration, by}
// (times ISO 8601 or epoch, duration like "30m"): 201 with the stop, 400 naming the bad field,
// 404 for an unknown work centre, 405 for another method. `declare` must be thread-safe.
RouteModule PlannedStopsModule(DeclarePlannedStopFn declare);

// GET /api/v1/reasons (role viewer): the configured reason tree (operations.reasons, built-ins
// included) as {"reasons": [{id, category, planned, unplanned_outside_window}]}, sorted by
// category then id, for the dashboard's reason buttons; 405 for another method.
RouteModule ReasonsModule(const std::map<std::string, ops::Reason>& reasons);

}  // namespace gantry
