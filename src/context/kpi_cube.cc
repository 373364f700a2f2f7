#include "context/kpi_cube.h"

#include <algorithm>

namespace gantry::ctx {

KpiCube::KpiCube(const ops::OperationsConfig& config) {
  for (const ops::LineConfig& l : config.lines)
    if (!l.constraint.empty()) constraint_of_[l.path] = l.path + "/" + l.constraint;
  for (const ops::WorkCentreRules& wc : config.work_centres) {
    wc_index_[wc.path] = static_cast<uint32_t>(wc_paths_.size());
    wc_paths_.push_back(wc.path);
    wc_lines_.push_back(config.enterprise + "/" + wc.site + "/" + wc.area + "/" + wc.line);
  }
  by_wc_.resize(wc_paths_.size());
  NameId("");
}

uint32_t KpiCube::NameId(const std::string& name) {
  auto [it, added] = name_ids_.emplace(name, static_cast<uint32_t>(names_.size()));
  if (added) names_.push_back(name);
  return it->second;
}

void KpiCube::Add(const ops::Segment& s, const ops::ShiftCalendar& calendar) {
  auto it = wc_index_.find(s.work_centre);
  if (it == wc_index_.end()) return;
  std::vector<Row>& rows = by_wc_[it->second];
  const ops::ShiftCalendar::LocalDay hour = calendar.HourOf(s.start);
  const uint32_t shift = NameId(s.shift), order = NameId(s.order), product = NameId(s.product);
  // Usually the matching row is among the last few (same hour); search back within the hour.
  for (auto r = rows.rbegin(); r != rows.rend() && r->hour == hour.start; ++r) {
    if (r->shift == shift && r->order == order && r->product == product) {
      r->totals.Add(s);
      return;
    }
  }
  Row row{hour.start, NameId(calendar.DayOf(s.start).name), shift, order, product, {}};
  row.totals.Add(s);
  auto pos = std::upper_bound(rows.begin(), rows.end(), hour.start,
                              [](Timestamp t, const Row& r) { return t < r.hour; });
  rows.insert(pos, row);
  ++rows_;
}

void KpiCube::RemoveFrom(std::string_view work_centre, Timestamp hour_start) {
  auto it = wc_index_.find(std::string(work_centre));
  if (it == wc_index_.end()) return;
  std::vector<Row>& rows = by_wc_[it->second];
  auto pos = std::lower_bound(rows.begin(), rows.end(), hour_start,
                              [](const Row& r, Timestamp t) { return r.hour < t; });
  rows_ -= static_cast<size_t>(rows.end() - pos);
  rows.erase(pos, rows.end());
}

std::vector<std::string> KpiCube::WorkCentresOf(std::string_view scope) const {
  std::vector<std::string> out;
  auto under = [&](const std::string& path) {
    return path == scope ||
           (path.size() > scope.size() && path.compare(0, scope.size(), scope) == 0 &&
            path[scope.size()] == '/');
  };
  for (size_t i = 0; i < wc_paths_.size(); ++i) {
    if (!under(wc_paths_[i])) continue;
    auto c = constraint_of_.find(wc_lines_[i]);
    // A line with a constraint is represented by it, unless the scope is the machine itself.
    if (c != constraint_of_.end() && c->second != wc_paths_[i] && wc_paths_[i] != scope) continue;
    out.push_back(wc_paths_[i]);
  }
  return out;
}

Result<std::map<std::string, KpiTotals>> KpiCube::Query(std::string_view scope, Timestamp from,
                                                        Timestamp to, KpiGrouping by) const {
  std::vector<std::string> wcs = WorkCentresOf(scope);
  if (wcs.empty()) return NotFound("no equipment at '" + std::string(scope) + "'");
  std::vector<KpiTotals> groups(names_.size());
  std::vector<bool> used(names_.size(), false);
  std::map<std::string, KpiTotals> hours;
  for (const std::string& path : wcs) {
    const std::vector<Row>& rows = by_wc_[wc_index_.at(path)];
    auto r = std::lower_bound(rows.begin(), rows.end(), from,
                              [](const Row& row, Timestamp t) { return row.hour < t; });
    for (; r != rows.end() && r->hour < to; ++r) {
      uint32_t key = 0;
      switch (by) {
        case KpiGrouping::kTotal: key = 0; break;
        case KpiGrouping::kDay: key = r->day; break;
        case KpiGrouping::kShift: key = r->shift; break;
        case KpiGrouping::kOrder: key = r->order; break;
        case KpiGrouping::kProduct: key = r->product; break;
        case KpiGrouping::kHour: hours[FormatIso8601(r->hour)].Add(r->totals); continue;
      }
      groups[key].Add(r->totals);
      used[key] = true;
    }
  }
  if (by == KpiGrouping::kHour) return hours;
  std::map<std::string, KpiTotals> out;
  for (size_t i = 0; i < groups.size(); ++i)
    if (used[i]) out[by == KpiGrouping::kTotal ? "total" : names_[i]] = groups[i];
  return out;
}

}  // namespace gantry::ctx
