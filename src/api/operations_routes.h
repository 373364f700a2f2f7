// The operations routes of the API (equipment state, OEE, downtime, assigning a stop's reason):
// parameters checked here, answers from the ApiContext's operations hooks (docs/api.md).
//
//   if (std::optional<HttpReply> r = RouteOperations(ctx, "GET", target, body)) Send(*r);
//   // nullopt: not an operations path, try the next router
#pragma once

#include <optional>
#include <string_view>

#include "api/api_routes.h"
#include "api/url.h"

namespace gantry {

// Answers GET /api/v1/equipment/{path}/state, GET /api/v1/oee, GET /api/v1/downtime and
// POST /api/v1/downtime/assign; nullopt for any other path. Problem replies (400 naming the
// parameter or field, 404, 405, 503 without hooks) for everything that is not answered.
std::optional<HttpReply> RouteOperations(const ApiContext& ctx, std::string_view method,
                                         const RequestTarget& target, std::string_view body);

}  // namespace gantry
