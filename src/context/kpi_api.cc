#include "context/kpi_api.h"

#include "context/kpi_json.h"

namespace gantry::ctx {

Result<std::string> EquipmentStateJson(const ops::OperationsEngine& engine, std::string_view path,
                                       Timestamp now) {
  if (!engine.Find(path)) return NotFound("no work centre '" + std::string(path) + "'");
  // The last day is enough to find when the current state began in all but odd cases; "since" is
  // then the start of that day's first segment.
  std::vector<ops::Segment> segs = engine.Segments(path, now - kDay, now + 1);
  if (segs.empty()) return Internal("no segment for " + std::string(path));
  const ops::Segment& cur = segs.back();
  Timestamp since = cur.start;
  for (auto it = segs.rbegin() + 1; it != segs.rend(); ++it) {
    if (it->category != cur.category || it->reason != cur.reason || it->end != since) break;
    since = it->start;
  }
  Json j;
  j["work_centre"] = std::string(path);
  j["time"] = FormatIso8601(now);
  j["category"] = ops::StateCategoryName(cur.category);
  j["condition"] = ops::MachineConditionName(cur.condition);
  j["reason"] = cur.reason;
  j["since"] = FormatIso8601(since);
  j["stop_start"] = FormatIso8601(cur.stop_start);
  j["shift"] = cur.shift;
  j["order"] = cur.order;
  j["product"] = cur.product;
  j["operator"] = cur.operator_name;
  return j.dump();
}

Result<std::string> OeeJson(const KpiCube& cube, std::string_view scope, Timestamp from,
                            Timestamp to, std::string_view by) {
  std::optional<KpiGrouping> g = KpiGroupingFromName(by.empty() ? "total" : by);
  if (!g)
    return InvalidArgument("by: expected hour, shift, day, order, product or total, got '" +
                           std::string(by) + "'");
  if (to <= from) return InvalidArgument("from/to: expected from before to");
  GANTRY_ASSIGN_OR_RETURN(auto groups, cube.Query(scope, from, to, *g));
  Json j;
  j["scope"] = std::string(scope);
  j["from"] = FormatIso8601(from);
  j["to"] = FormatIso8601(to);
  j["by"] = by.empty() ? "total" : std::string(by);
  j["work_centres"] = cube.WorkCentresOf(scope);
  Json out = Json::object();
  for (const auto& [key, totals] : groups) out[key] = KpiJson(totals);
  j["groups"] = std::move(out);
  return j.dump();
}

Result<std::string> DowntimeJson(const ops::OperationsEngine& engine, const KpiCube& cube,
                                 std::string_view scope, Timestamp from, Timestamp to) {
  return DowntimeJson(cube, scope, from, to,
                      [&](const std::string& wc) -> Result<std::vector<ops::Segment>> {
                        return engine.Segments(wc, from, to);
                      });
}

Result<std::string> DowntimeJson(const KpiCube& cube, std::string_view scope, Timestamp from,
                                 Timestamp to, const SegmentsOf& segments_of) {
  if (to <= from) return InvalidArgument("from/to: expected from before to");
  std::vector<std::string> wcs = cube.WorkCentresOf(scope);
  if (wcs.empty()) return NotFound("no equipment at '" + std::string(scope) + "'");
  std::vector<ops::Segment> all;
  Json intervals = Json::array();
  for (const std::string& wc : wcs) {
    GANTRY_ASSIGN_OR_RETURN(std::vector<ops::Segment> segs, segments_of(wc));
    for (ops::Segment& s : segs) {
      if (s.category == ops::StateCategory::kProducing ||
          s.category == ops::StateCategory::kNotScheduled)
        continue;
      intervals.push_back({{"work_centre", wc},
                           {"start", FormatIso8601(s.start)},
                           {"end", FormatIso8601(s.end)},
                           {"duration_s", Seconds(s.length())},
                           {"category", ops::StateCategoryName(s.category)},
                           {"reason", s.reason},
                           {"stop_start", FormatIso8601(s.stop_start)},
                           {"assignable", s.category == ops::StateCategory::kUnplannedDowntime &&
                                              s.reason == ops::kUnassignedReason},
                           {"shift", s.shift},
                           {"order", s.order}});
      all.push_back(std::move(s));
    }
  }
  Json pareto = Json::array();
  for (const ParetoEntry& p : DowntimePareto(all))
    pareto.push_back({{"reason", p.reason},
                      {"category", ops::StateCategoryName(p.category)},
                      {"duration_s", Seconds(p.time)},
                      {"stops", p.stops}});
  Json j;
  j["scope"] = std::string(scope);
  j["from"] = FormatIso8601(from);
  j["to"] = FormatIso8601(to);
  j["intervals"] = std::move(intervals);
  j["pareto"] = std::move(pareto);
  return j.dump();
}

}  // namespace gantry::ctx
