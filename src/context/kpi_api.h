// The answers behind the operations routes of the HTTP API, as JSON text (the api layer adds
// routing, auth and the HTTP status from the Status code):
//   GET  /api/v1/equipment/{path}/state                    -> EquipmentStateJson
//   GET  /api/v1/oee?scope=&from=&to=&by=hour|shift|day|order|product  -> OeeJson
//   GET  /api/v1/downtime?scope=&from=&to=                 -> DowntimeJson
//   POST /api/v1/downtime/assign {work_centre, stop_start, reason} ->
//   IntervalRecorder::AssignReason
//
//   GANTRY_ASSIGN_OR_RETURN(std::string body, OeeJson(cube, "acme/plant1", from, to, "day"));
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "context/kpi_cube.h"
#include "core/status.h"
#include "operations/operations_engine.h"

namespace gantry::ctx {

// The work centre's current category, reason, since when, and its shift/order/product/operator;
// "shift_start"/"shift_end": the planned UTC bounds of the calendar's shift containing `now`
// (null when off shift or when the calendar has no shifts). NotFound for an unknown path.
Result<std::string> EquipmentStateJson(const ops::OperationsEngine& engine, std::string_view path,
                                       Timestamp now);

// KPIs of `scope` for the cube's hours starting in [from, to) grouped by `by` ("total" too):
// {"scope","from","to","by", "groups": {key: {times, quantities, availability, effectiveness,
// quality_ratio, oee}}}. InvalidArgument for an unknown `by` or an empty range, NotFound for an
// unknown scope. Whole hours only: see the overload below for ranges not on the hour.
Result<std::string> OeeJson(const KpiCube& cube, std::string_view scope, Timestamp from,
                            Timestamp to, std::string_view by);

// The calendar of a work centre (its local hours and days).
using CalendarOf = std::function<const ops::ShiftCalendar&(const std::string& work_centre)>;
// The segments of a work centre over [from, to), clipped to it.
using SegmentsIn = std::function<Result<std::vector<ops::Segment>>(const std::string& work_centre,
                                                                   Timestamp from, Timestamp to)>;
// The same body for exactly [from, to), on the hour or not: per work centre, the whole local
// hours inside the range come from the cube, the parts before the first and after the last whole
// hour from `segments_in`, so calendar time is exactly to - from per work centre.
Result<std::string> OeeJson(const KpiCube& cube, std::string_view scope, Timestamp from,
                            Timestamp to, std::string_view by, const CalendarOf& calendar_of,
                            const SegmentsIn& segments_in);

// Downtime intervals of every work centre in `scope` over [from, to) with reasons, and one
// Pareto by reason over all of them: {"intervals": [...], "pareto": [...]}.
Result<std::string> DowntimeJson(const ops::OperationsEngine& engine, const KpiCube& cube,
                                 std::string_view scope, Timestamp from, Timestamp to);
// The same with the segments of each work centre over [from, to) from `segments_of` (e.g. the
// event store for recorded time and the engine for the open tail).
using SegmentsOf = std::function<Result<std::vector<ops::Segment>>(const std::string& work_centre)>;
Result<std::string> DowntimeJson(const KpiCube& cube, std::string_view scope, Timestamp from,
                                 Timestamp to, const SegmentsOf& segments_of);

}  // namespace gantry::ctx
