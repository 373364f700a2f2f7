// The operations layer's facts: a Segment is a stretch of one work centre's calendar time with one
// category, reason, shift, order, product and operator, and the units counted in it. Segments are
// split exactly at every change of any of these and at every local clock hour; KPIs are sums
// over segments.
//
//   for (const Segment& s : engine.Segments(path, from, to)) total[s.category] += s.end - s.start;
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"
#include "operations/operations_config.h"

namespace gantry::ops {

struct Segment {
  std::string work_centre;  // full path
  Timestamp start = 0;      // UTC, inclusive
  Timestamp end = 0;        // UTC, exclusive
  StateCategory category = StateCategory::kNoData;
  MachineCondition condition = MachineCondition::kNoData;  // what the machine itself said
  std::string reason;        // downtime reason id, "unassigned", neighbour for starved/blocked
  int64_t fault_code = 0;    // the PLC's fault code when the reason came from one
  Timestamp stop_start = 0;  // when the machine's current condition began (key for reasons)
  bool micro_stop = false;   // a stop below the threshold, counted as producing (speed loss)
  std::string window;        // planned calendar window covering this segment, if any
  std::string shift;         // shift instance id "2026-10-24/night"; empty outside shifts
  std::string order;
  std::string product;
  std::string operator_name;
  Duration ideal_cycle_time = 0;  // planned run time per item (ISO 22400 PRI)
  // Units whose counter increments were observed in (start, end].
  uint64_t good = 0;
  uint64_t scrap = 0;
  uint64_t rework = 0;
  Duration length() const { return end - start; }
  uint64_t produced() const { return good + scrap; }
};

// One change of a work centre's order context (start, pause, resume, complete, operator).
struct OrderTransition {
  std::string work_centre;
  Timestamp time = 0;
  enum class Action : uint8_t {
    kStart,
    kPause,
    kResume,
    kComplete,
    kOperator
  } action = Action::kStart;
  std::string order;
  std::string product;
  std::string operator_name;
  Duration ideal_cycle_time = 0;  // 0 = from the product, else the work centre's default
};
std::string_view OrderActionName(OrderTransition::Action a);
// "start", "pause", "resume", "complete", "operator"; nullopt otherwise.
std::optional<OrderTransition::Action> OrderActionFromName(std::string_view name);

// A late sample reopened a work centre's timeline: everything from `from` was recomputed.
struct Correction {
  std::string work_centre;
  Timestamp from = 0;
  Timestamp late_sample_time = 0;
  std::string tag;
  std::string note;
};

}  // namespace gantry::ops
