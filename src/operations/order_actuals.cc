#include "operations/order_actuals.h"

#include <algorithm>

namespace gantry::ops {

OrderActuals SumOrderActuals(const std::string& order, const std::vector<Segment>& segments) {
  OrderActuals a;
  a.order = order;
  bool seen = false;
  for (const Segment& s : segments) {
    if (s.order != order) continue;
    a.start = seen ? std::min(a.start, s.start) : s.start;
    seen = true;
    a.end = std::max(a.end, s.end);
    if (a.product.empty()) a.product = s.product;
    if (a.work_centre.empty()) a.work_centre = s.work_centre;
    if (!s.operator_name.empty() &&
        std::find(a.operators.begin(), a.operators.end(), s.operator_name) == a.operators.end())
      a.operators.push_back(s.operator_name);
    a.good += s.good;
    a.scrap += s.scrap;
    a.rework += s.rework;
    a.planned_run_time += s.ideal_cycle_time * static_cast<Duration>(s.produced());
    const Duration len = s.length();
    switch (s.category) {
      case StateCategory::kProducing: a.run_time += len; break;
      case StateCategory::kUnplannedDowntime:
        a.downtime += len;
        a.downtime_by_reason[s.reason] += len;
        break;
      case StateCategory::kStarved:
      case StateCategory::kBlocked:
      case StateCategory::kIdle: a.delay_time += len; break;
      case StateCategory::kPlannedDowntime:
        a.planned_downtime += len;
        a.planned_downtime_by_reason[s.reason] += len;
        break;
      case StateCategory::kNoData: a.no_data_time += len; break;
      case StateCategory::kNotScheduled: break;
    }
  }
  return a;
}

}  // namespace gantry::ops
