// The operations part of the plant configuration: per site a shift calendar, per work centre the
// rules that turn its tags into a state and counts, the reason tree and the precedence options.
// Schema: docs/formats/operations-config.md. Parsing records every error with file:line:col.
//
//   GANTRY_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::LoadFile("plant.yaml"));
//   OperationsConfig ops = ParseOperationsConfig(doc.Root());
//   GANTRY_RETURN_IF_ERROR(doc.Finish());
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_node.h"
#include "core/time.h"

namespace gantry::ops {

// The category every instant of a work centre's calendar time falls into, exactly one.
enum class StateCategory : uint8_t {
  kNotScheduled = 0,   // outside planned operation time
  kPlannedDowntime,    // break, cleaning, changeover, planned maintenance
  kNoData,             // signal quality Bad or missing: never counted as running or down
  kUnplannedDowntime,  // fault (reason from the reason tree, or "unassigned")
  kStarved,            // waiting for material from upstream
  kBlocked,            // waiting for downstream to take material
  kIdle,               // scheduled, not faulted, not producing
  kProducing,          // running (micro-stops included, they are speed loss)
};
inline constexpr int kStateCategoryCount = 8;
std::string_view StateCategoryName(StateCategory c);
std::optional<StateCategory> StateCategoryFromName(std::string_view name);

// What the machine's own signals say, before the calendar is applied.
enum class MachineCondition : uint8_t {
  kNoData = 0,
  kProducing,
  kIdle,
  kStarved,
  kBlocked,
  kFault,
  kPlannedStop,  // the machine reports a planned activity (cleaning, changeover, break)
};
std::string_view MachineConditionName(MachineCondition c);

// One reason of the reason tree, e.g. {id "jam", category "mechanical", planned false}.
struct Reason {
  std::string id;
  std::string category;
  bool planned = false;
  // For planned reasons reported by the machine: outside a calendar window of the same reason,
  // count as unplanned downtime with reason "<id>_overrun" (a cleaning overrunning its window).
  bool unplanned_outside_window = false;
};

// A planned activity in the calendar (break, cleaning, changeover, maintenance window).
struct PlannedWindow {
  std::string reason;    // a planned reason id
  int start_minute = 0;  // local time of day, minutes from midnight
  Duration duration = 0;
  std::vector<int> weekdays;  // 0 = Sunday .. 6 = Saturday; empty = the shift's days
};

struct ShiftPattern {
  std::string name;           // "A", "night"
  int start_minute = 0;       // local time of day
  Duration duration = 0;      // nominal; wall-clock length differs across a DST change
  int end_minute = -1;        // when given as end: local end time (crosses midnight if <= start)
  std::vector<int> weekdays;  // days the shift STARTS on; 0 = Sunday; default every day
  std::vector<PlannedWindow> breaks;  // start_minute relative to local midnight of the break day
};

struct SiteCalendar {
  std::string time_zone = "UTC";
  std::vector<ShiftPattern> shifts;
  std::vector<PlannedWindow> windows;  // planned cleaning / maintenance outside shift breaks
  // One-off windows in UTC (planned maintenance on a date).
  struct Dated {
    std::string reason;
    Timestamp start = 0;
    Timestamp end = 0;
  };
  std::vector<Dated> dated;
  bool always_scheduled = false;  // no shifts: every instant is planned operation time
};

// How a state word's value maps to a condition.
struct StateWordEntry {
  MachineCondition condition = MachineCondition::kIdle;
  std::string reason;  // for kFault and kPlannedStop
};

enum class CounterRole : uint8_t { kGood = 0, kReject, kTotal, kRework };
inline constexpr int kCounterRoleCount = 4;

struct CounterRule {
  std::string tag;        // resolved tag path
  int width_bits = 32;    // 16, 32 or 64: the value rolls over to 0 after 2^width - 1
  uint64_t max_step = 0;  // largest plausible increase between two samples; 0 = range / 2
};

struct WorkCentreRules {
  std::string path;  // enterprise/site/area/line/wc
  std::string name;  // last segment
  std::string site;  // site name
  std::string area;
  std::string line;
  // Signals (resolved tag paths; empty when not configured).
  std::string state_word_tag;
  std::map<int64_t, StateWordEntry> state_word_map;
  std::string running_tag;
  std::string speed_tag;
  double speed_threshold = 0.0;                  // running when speed > threshold
  std::string fault_tag;                         // fault code; 0 = no fault
  std::map<int64_t, std::string> fault_reasons;  // code -> reason id; unknown -> "unassigned"
  std::string starved_tag;                       // bools, optional
  std::string blocked_tag;
  std::optional<CounterRule> counters[kCounterRoleCount];
  std::vector<std::string> upstream;  // work-centre names on the same line
  std::vector<std::string> downstream;
  Duration ideal_cycle_time = 0;  // default planned run time per item when no product says
  Duration no_data_after = 0;     // no sample of any state signal for this long -> no data; 0 off
};

struct LineConfig {
  std::string path;
  std::string site;
  std::string area;
  std::string name;
  std::string constraint;  // work-centre name whose OEE is the line's; empty = sum of all
  std::vector<std::string> work_centres;  // full paths, in configuration order
};

struct PrecedenceOptions {
  // A fault inside a planned-downtime window counts as planned (default) or unplanned downtime.
  bool fault_during_planned_stop_is_unplanned = false;
  // Production inside a planned-downtime window counts as producing (default) or planned.
  bool production_during_planned_stop_is_producing = true;
  // Which stops below the micro-stop threshold become speed loss.
  bool micro_stop_includes_fault = true;
  bool micro_stop_includes_idle = true;  // idle, starved, blocked
};

struct ProductConfig {
  std::string id;
  Duration ideal_cycle_time = 0;
};

struct OperationsConfig {
  std::string enterprise;
  std::map<std::string, SiteCalendar> calendars;  // by site name
  std::vector<WorkCentreRules> work_centres;      // configuration order
  std::vector<LineConfig> lines;
  std::map<std::string, Reason> reasons;  // by id; includes the built-ins
  std::map<std::string, ProductConfig> products;
  Duration micro_stop_threshold = 0;   // 0 = no micro-stops
  Duration late_data_horizon = kHour;  // how far back a late sample may reopen
  PrecedenceOptions precedence;

  const WorkCentreRules* FindWorkCentre(std::string_view path) const;
};

// Reads `enterprise`, `sites` (calendars, lines, work-centre rules) and `operations` (reasons,
// products, thresholds, precedence). Errors are recorded in the node's document; the result is
// only meaningful when the document's Finish() is OK.
OperationsConfig ParseOperationsConfig(const ConfigNode& root);

// The built-in reasons every configuration has: "unassigned" (unplanned), "break" (planned).
inline constexpr std::string_view kUnassignedReason = "unassigned";

}  // namespace gantry::ops
