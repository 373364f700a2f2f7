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
  // The calendar's shift instance containing now (planned start and end, local wall clock turned
  // into UTC, so a night shift over a DST change is 7 h or 9 h long); null when off shift. The
  // day before is asked too, so that a start moved by an overlapping earlier shift is seen.
  j["shift_start"] = nullptr;
  j["shift_end"] = nullptr;
  for (const ops::ShiftInstance& s : engine.CalendarOf(path).Shifts(now - kDay, now + 1)) {
    if (s.start > now || now >= s.end) continue;
    j["shift_start"] = FormatIso8601(s.start);
    j["shift_end"] = FormatIso8601(s.end);
    break;
  }
  j["order"] = cur.order;
  j["product"] = cur.product;
  j["operator"] = cur.operator_name;
  return j.dump();
}

namespace {

Result<KpiGrouping> Grouping(std::string_view by) {
  std::optional<KpiGrouping> g = KpiGroupingFromName(by.empty() ? "total" : by);
  if (!g)
    return InvalidArgument("by: expected hour, shift, day, order, product or total, got '" +
                           std::string(by) + "'");
  return *g;
}

std::string OeeBody(const KpiCube& cube, std::string_view scope, Timestamp from, Timestamp to,
                    std::string_view by, const std::map<std::string, KpiTotals>& groups) {
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

}  // namespace

Result<std::string> OeeJson(const KpiCube& cube, std::string_view scope, Timestamp from,
                            Timestamp to, std::string_view by) {
  GANTRY_ASSIGN_OR_RETURN(KpiGrouping g, Grouping(by));
  if (to <= from) return InvalidArgument("from/to: expected from before to");
  GANTRY_ASSIGN_OR_RETURN(auto groups, cube.Query(scope, from, to, g));
  return OeeBody(cube, scope, from, to, by, groups);
}

Result<std::string> OeeJson(const KpiCube& cube, std::string_view scope, Timestamp from,
                            Timestamp to, std::string_view by, const CalendarOf& calendar_of,
                            const SegmentsIn& segments_in) {
  GANTRY_ASSIGN_OR_RETURN(KpiGrouping g, Grouping(by));
  if (to <= from) return InvalidArgument("from/to: expected from before to");
  const std::vector<std::string> wcs = cube.WorkCentresOf(scope);
  if (wcs.empty()) return NotFound("no equipment at '" + std::string(scope) + "'");
  // Per work centre (sites may be in zones whose hours start at :30): the whole local hours.
  struct Plan {
    Timestamp whole_from, whole_to;
  };
  std::vector<Plan> plans;
  bool on_the_hour = true;
  for (const std::string& wc : wcs) {
    const ops::ShiftCalendar& cal = calendar_of(wc);
    const ops::ShiftCalendar::LocalDay first = cal.HourOf(from);
    Plan p{first.start == from ? from : first.end, cal.HourOf(to).start};
    if (p.whole_from >= p.whole_to) p = {to, to};  // no whole hour: all of it from segments
    on_the_hour &= p.whole_from == from && p.whole_to == to;
    plans.push_back(p);
  }
  if (on_the_hour) {
    GANTRY_ASSIGN_OR_RETURN(auto groups, cube.Query(scope, from, to, g));
    return OeeBody(cube, scope, from, to, by, groups);
  }
  std::map<std::string, KpiTotals> groups;
  for (size_t i = 0; i < wcs.size(); ++i) {
    const Plan& p = plans[i];
    std::vector<ops::Segment> partial;
    for (auto [a, b] : {std::pair{from, std::min(p.whole_from, to)}, std::pair{p.whole_to, to}}) {
      if (a >= b) continue;
      GANTRY_ASSIGN_OR_RETURN(std::vector<ops::Segment> segs, segments_in(wcs[i], a, b));
      partial.insert(partial.end(), segs.begin(), segs.end());
    }
    for (const auto& [key, totals] : GroupSegments(partial, g, calendar_of(wcs[i])))
      groups[key].Add(totals);
    if (p.whole_from < p.whole_to) {
      GANTRY_ASSIGN_OR_RETURN(auto whole, cube.Query(wcs[i], p.whole_from, p.whole_to, g));
      for (const auto& [key, totals] : whole) groups[key].Add(totals);
    }
  }
  return OeeBody(cube, scope, from, to, by, groups);
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
