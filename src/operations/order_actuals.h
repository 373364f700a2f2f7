// What an order produced and how its time went, summed from its segments: the shop floor's
// "production actuals" that the ERP and the energy accounting take. Quantities are units counted
// while the order ran on its work centre; times are the ISO 22400 times of those segments.
//
//   OrderActuals a = SumOrderActuals("4711", store.LoadIntervals(wc, from, to).value());
//   // a.good == 412, a.downtime_by_reason["jam"] == 600 * kSecond
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/time.h"
#include "operations/segment.h"

namespace gantry::ops {

struct OrderActuals {
  std::string order;
  std::string product;
  std::string work_centre;  // full ISA-95 path
  std::string shift;        // "" = the whole order; else the shift instance these actuals cover
  Timestamp start = 0;      // the first instant counted (order start, or the shift's part)
  Timestamp end = 0;        // the last instant counted (completion, shift end, or "now")
  uint64_t good = 0;        // GQ
  uint64_t scrap = 0;       // SQ
  uint64_t rework = 0;      // RQ
  // Scrap by reason when the plant reports one; counters carry none, so empty today.
  std::map<std::string, uint64_t> scrap_by_reason;
  Duration run_time = 0;                               // APT: producing, micro-stops included
  Duration downtime = 0;                               // ADOT: unplanned downtime
  std::map<std::string, Duration> downtime_by_reason;  // ADOT by reason ("unassigned" too)
  Duration delay_time = 0;                             // ADET: idle + starved + blocked
  Duration planned_downtime = 0;  // PDOT (breaks, cleaning, ... while the order ran)
  std::map<std::string, Duration> planned_downtime_by_reason;
  Duration no_data_time = 0;           // time nothing was known (part of PBT)
  Duration planned_run_time = 0;       // Σ(PRI × produced), for effectiveness
  std::vector<std::string> operators;  // operators seen while the order ran, first seen first
  bool complete = false;  // the order is completed and every interval up to then is recorded
  // 0: the first hand-on of these actuals; n > 0: the n-th correction of them (a late sample
  // changed the recorded intervals after they were handed on); the figures replace the earlier
  // ones, they are not a difference.
  uint32_t correction = 0;
  uint64_t produced() const { return good + scrap; }
};

// Sums the segments bound to `order` (others are skipped); start/end are the first/last of them
// (0 when none). `work_centre`, `shift` and `complete` are left for the caller.
OrderActuals SumOrderActuals(const std::string& order, const std::vector<Segment>& segments);

}  // namespace gantry::ops
