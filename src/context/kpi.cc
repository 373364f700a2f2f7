#include "context/kpi.h"

#include <algorithm>
#include <set>

namespace gantry::ctx {

using ops::StateCategory;

void KpiTotals::Add(const ops::Segment& s) {
  time_by_category[static_cast<size_t>(s.category)] += s.length();
  if (s.micro_stop) micro_stop_time += s.length();
  good += s.good;
  scrap += s.scrap;
  rework += s.rework;
  planned_run_time += s.ideal_cycle_time * static_cast<Duration>(s.produced());
}

void KpiTotals::Add(const KpiTotals& o) {
  for (size_t i = 0; i < time_by_category.size(); ++i) time_by_category[i] += o.time_by_category[i];
  micro_stop_time += o.micro_stop_time;
  good += o.good;
  scrap += o.scrap;
  rework += o.rework;
  planned_run_time += o.planned_run_time;
}

Duration KpiTotals::CalendarTime() const {
  Duration t = 0;
  for (Duration d : time_by_category) t += d;
  return t;
}
Duration KpiTotals::PlannedOperationTime() const {
  return CalendarTime() - Time(StateCategory::kNotScheduled);
}
Duration KpiTotals::PlannedDowntime() const {
  return Time(StateCategory::kPlannedDowntime);
}
Duration KpiTotals::PlannedBusyTime() const {
  return PlannedOperationTime() - PlannedDowntime();
}
Duration KpiTotals::ActualProductionTime() const {
  return Time(StateCategory::kProducing);
}
Duration KpiTotals::ActualUnitDowntime() const {
  return Time(StateCategory::kUnplannedDowntime);
}
Duration KpiTotals::ActualUnitDelayTime() const {
  return Time(StateCategory::kIdle) + Time(StateCategory::kStarved) + Time(StateCategory::kBlocked);
}

std::optional<double> KpiTotals::Availability() const {
  if (PlannedBusyTime() <= 0) return std::nullopt;
  return static_cast<double>(ActualProductionTime()) / static_cast<double>(PlannedBusyTime());
}
std::optional<double> KpiTotals::Effectiveness() const {
  if (ActualProductionTime() <= 0) return std::nullopt;
  return static_cast<double>(planned_run_time) / static_cast<double>(ActualProductionTime());
}
std::optional<double> KpiTotals::QualityRatio() const {
  if (ProducedQuantity() == 0) return std::nullopt;
  return static_cast<double>(good) / static_cast<double>(ProducedQuantity());
}
std::optional<double> KpiTotals::Oee() const {
  auto a = Availability(), e = Effectiveness(), q = QualityRatio();
  if (!a || !e || !q) return std::nullopt;
  return *a * *e * *q;
}

std::optional<KpiGrouping> KpiGroupingFromName(std::string_view name) {
  if (name == "total") return KpiGrouping::kTotal;
  if (name == "hour") return KpiGrouping::kHour;
  if (name == "shift") return KpiGrouping::kShift;
  if (name == "day") return KpiGrouping::kDay;
  if (name == "order") return KpiGrouping::kOrder;
  if (name == "product") return KpiGrouping::kProduct;
  return std::nullopt;
}

std::map<std::string, KpiTotals> GroupSegments(const std::vector<ops::Segment>& segments,
                                               KpiGrouping by, const ops::ShiftCalendar& calendar) {
  std::map<std::string, KpiTotals> out;
  for (const ops::Segment& s : segments) {
    std::string key;
    switch (by) {
      case KpiGrouping::kTotal: key = "total"; break;
      case KpiGrouping::kHour: key = calendar.HourOf(s.start).name; break;
      case KpiGrouping::kShift: key = s.shift; break;
      case KpiGrouping::kDay: key = calendar.DayOf(s.start).name; break;
      case KpiGrouping::kOrder: key = s.order; break;
      case KpiGrouping::kProduct: key = s.product; break;
    }
    out[key].Add(s);
  }
  return out;
}

std::vector<ParetoEntry> DowntimePareto(const std::vector<ops::Segment>& segments) {
  std::map<std::pair<std::string, StateCategory>, ParetoEntry> by_reason;
  std::set<std::tuple<std::string, StateCategory, Timestamp>> seen_stops;
  for (const ops::Segment& s : segments) {
    if (s.category == StateCategory::kProducing || s.category == StateCategory::kNotScheduled)
      continue;
    std::string reason =
        s.reason.empty() ? std::string(ops::StateCategoryName(s.category)) : s.reason;
    ParetoEntry& e = by_reason[{reason, s.category}];
    e.reason = reason;
    e.category = s.category;
    e.time += s.length();
    if (seen_stops.insert({reason, s.category, s.stop_start}).second) ++e.stops;
  }
  std::vector<ParetoEntry> out;
  for (auto& [k, e] : by_reason) out.push_back(e);
  std::stable_sort(out.begin(), out.end(), [](const ParetoEntry& a, const ParetoEntry& b) {
    return a.time != b.time ? a.time > b.time : a.reason < b.reason;
  });
  return out;
}

}  // namespace gantry::ctx
