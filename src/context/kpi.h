// ISO 22400-2 KPIs from operations segments: the times (POT, PDOT, PBT, APT, ADOT, ADET) and
// quantities (PQ, GQ, SQ, RQ) are summed first, and only then divided into availability,
// effectiveness, quality ratio and OEE, so every roll-up (line, area, site, enterprise; hour,
// shift, day, order, product) is a ratio of sums, never an average of percentages.
//
//   KpiTotals t;
//   for (const ops::Segment& s : segments) t.Add(s);
//   std::optional<double> oee = t.Oee();
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "operations/segment.h"
#include "operations/shift_calendar.h"

namespace gantry::ctx {

struct KpiTotals {
  std::array<Duration, ops::kStateCategoryCount> time_by_category{};  // indexed by StateCategory
  Duration micro_stop_time = 0;   // inside APT: stops below the threshold (speed loss)
  uint64_t good = 0;              // GQ
  uint64_t scrap = 0;             // SQ
  uint64_t rework = 0;            // RQ
  Duration planned_run_time = 0;  // sum of PRI x produced quantity per segment

  void Add(const ops::Segment& s);
  void Add(const KpiTotals& other);

  Duration Time(ops::StateCategory c) const { return time_by_category[static_cast<size_t>(c)]; }
  Duration CalendarTime() const;
  Duration PlannedOperationTime() const;  // POT: calendar time minus not scheduled
  Duration PlannedDowntime() const;       // PDOT
  Duration PlannedBusyTime() const;       // PBT = POT - PDOT
  Duration ActualProductionTime() const;  // APT: producing, micro-stops included
  Duration ActualUnitDowntime() const;    // ADOT: unplanned downtime
  Duration ActualUnitDelayTime() const;   // ADET: idle + starved + blocked
  uint64_t ProducedQuantity() const { return good + scrap; }  // PQ

  // nullopt when the denominator is zero.
  std::optional<double> Availability() const;   // APT / PBT
  std::optional<double> Effectiveness() const;  // PRI x PQ / APT
  std::optional<double> QualityRatio() const;   // GQ / PQ
  std::optional<double> Oee() const;            // A x E x QR

  friend bool operator==(const KpiTotals&, const KpiTotals&) = default;
};

enum class KpiGrouping : uint8_t { kTotal, kHour, kShift, kDay, kOrder, kProduct };
// "hour", "shift", "day", "order", "product"; nullopt otherwise. "total" for kTotal.
std::optional<KpiGrouping> KpiGroupingFromName(std::string_view name);

// Sums segments per group key: the hour ("2026-01-05T06:00:00.000Z", local clock hour named by its
// UTC start), the shift instance id, the local day, the order or the product ("" = none).
// Segments are already split at hours, shifts and orders, so each belongs to exactly one group.
std::map<std::string, KpiTotals> GroupSegments(const std::vector<ops::Segment>& segments,
                                               KpiGrouping by, const ops::ShiftCalendar& calendar);

// One line of a downtime Pareto: a reason's total time and number of stops.
struct ParetoEntry {
  std::string reason;
  ops::StateCategory category = ops::StateCategory::kUnplannedDowntime;
  Duration time = 0;
  uint64_t stops = 0;
};
// Downtime (planned, unplanned, starved, blocked, idle, no data) by reason, longest first (ties by
// name). A stop split across segments counts once (by its stop_start).
std::vector<ParetoEntry> DowntimePareto(const std::vector<ops::Segment>& segments);

}  // namespace gantry::ctx
