// GET /api/v1/cost: energy and cost per good unit (role viewer), as a RouteModule. Parameters are
// checked here; the answer comes from a hook (the running plant's EnergyService). Reply schema:
// docs/energy.md ("Route").
//
//   context.modules.push_back(CostRoutes([&](auto scope, auto from, auto to, auto by) {
//     return energy->CostJson(scope, from, to, by);
//   }));
#pragma once

#include <functional>
#include <string_view>

#include "api/route_module.h"
#include "core/status.h"
#include "core/time.h"

namespace gantry {

// The JSON body for one query; InvalidArgument names a bad parameter, NotFound an unknown scope.
// Called on I/O threads: must be thread-safe.
using CostQuery = std::function<Result<std::string>(std::string_view scope, Timestamp from,
                                                    Timestamp to, std::string_view by)>;

// The module answering GET (and HEAD) /api/v1/cost?scope=&from=&to=&by= (role viewer):
// scope required; from/to ISO 8601 or epoch seconds, default the 24 hours before the request;
// by = total (default), order, product, day, line or work_centre. Problem replies (400 naming the
// parameter, 404 for an unknown scope, 405, 503 when `query` is empty) for the rest.
RouteModule CostRoutes(CostQuery query);

}  // namespace gantry
