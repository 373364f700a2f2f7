// GET /api/v1/tags/{path}/history: a tag's stored history from the historian, raw (paged) or
// aggregated over fixed intervals, as JSON or CSV. Parameters are explained when wrong.
//
//   /api/v1/tags/acme/.../filler/speed/history?from=2026-11-22T06:00:00Z&to=...&agg=mean&interval=1h
//   /api/v1/tags/acme/.../filler/speed/history?from=...&limit=1000&cursor=...&format=csv
//   /api/v1/tags/acme/.../filler/speed/history?at=2026-11-22T06:30:00Z   (last before +
//   interpolated)
// Role: viewer (read-only). Raw ranges whose samples have expired answer 410 (wholly) or carry
// raw_expired_before (partly); aggregate buckets that kept summaries cannot answer carry
// raw_expired: true and no value (docs/formats/historian.md, "Retention").
#pragma once

#include <optional>
#include <string_view>

#include <string>

#include "api/api_routes.h"
#include "api/url.h"

namespace gantry {

// The reply when `t.path` is a history route ("/api/v1/tags/<path>/history"), else nullopt.
// `now` is used for the default range (the last hour).
std::optional<HttpReply> RouteHistory(const ApiContext& ctx, std::string_view method,
                                      const RequestTarget& t, Timestamp now);

// The historian's counters for /metrics (Prometheus text, "# TYPE" lines included): samples
// stored and refused at the disk floor, the floor alarm (1 while free space is below the floor),
// chunks expired, summarised, packed and compacted. Push it onto ApiContext::metrics.
std::string HistorianMetricsText(const historian::Historian& store);

}  // namespace gantry
