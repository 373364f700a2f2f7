#include "context/kpi_json.h"

namespace gantry::ctx {

using ops::StateCategory;

double Seconds(Duration d) {
  return static_cast<double>(d) / 1e9;
}

Json Ratio(std::optional<double> v) {
  if (!v) return nullptr;
  // Rounded to 6 decimals so that the report is stable and readable.
  return static_cast<double>(static_cast<int64_t>(*v * 1e6 + (*v >= 0 ? 0.5 : -0.5))) / 1e6;
}

Json KpiJson(const KpiTotals& t) {
  Json j;
  j["calendar_time_s"] = Seconds(t.CalendarTime());
  j["not_scheduled_s"] = Seconds(t.Time(StateCategory::kNotScheduled));
  j["planned_operation_time_s"] = Seconds(t.PlannedOperationTime());
  j["planned_downtime_s"] = Seconds(t.PlannedDowntime());
  j["planned_busy_time_s"] = Seconds(t.PlannedBusyTime());
  j["actual_production_time_s"] = Seconds(t.ActualProductionTime());
  j["actual_unit_downtime_s"] = Seconds(t.ActualUnitDowntime());
  j["actual_unit_delay_time_s"] = Seconds(t.ActualUnitDelayTime());
  j["idle_s"] = Seconds(t.Time(StateCategory::kIdle));
  j["starved_s"] = Seconds(t.Time(StateCategory::kStarved));
  j["blocked_s"] = Seconds(t.Time(StateCategory::kBlocked));
  j["no_data_s"] = Seconds(t.Time(StateCategory::kNoData));
  j["micro_stop_time_s"] = Seconds(t.micro_stop_time);
  j["produced_quantity"] = t.ProducedQuantity();
  j["good_quantity"] = t.good;
  j["scrap_quantity"] = t.scrap;
  j["rework_quantity"] = t.rework;
  j["planned_run_time_s"] = Seconds(t.planned_run_time);
  j["availability"] = Ratio(t.Availability());
  j["effectiveness"] = Ratio(t.Effectiveness());
  j["quality_ratio"] = Ratio(t.QualityRatio());
  j["oee"] = Ratio(t.Oee());
  return j;
}

}  // namespace gantry::ctx
