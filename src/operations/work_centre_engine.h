// One work centre's state and count engine: samples of its signal tags in, the machine's condition
// timeline and counter increments kept, and on demand the classified Segments of a time range,
// with the calendar, planned windows and order context applied by the documented precedence
// (docs/operations.md). Late samples (older than the newest one seen) reopen the timeline.
//
//   WorkCentreEngine wc(rules, config);
//   Timestamp reopened_from;
//   wc.Apply(Signal::kStateWord, t, 1.0, /*bad=*/false, &reopened_from);
//   std::vector<Segment> segs = wc.Classify(from, to, calendar);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/time.h"
#include "operations/counter.h"
#include "operations/operations_config.h"
#include "operations/segment.h"
#include "operations/shift_calendar.h"

namespace gantry::ops {

// The signals of a work centre, in the order WorkCentreEngine::Apply takes them.
enum class Signal : uint8_t {
  kStateWord = 0,
  kRunning,
  kSpeed,
  kFaultCode,
  kStarved,
  kBlocked,
  kGoodCount,
  kRejectCount,
  kTotalCount,
  kReworkCount,
};
inline constexpr int kSignalCount = 10;
inline constexpr int kStateSignalCount = 6;

// Not thread-safe: one owner feeds it (the operations engine's thread or replay).
class WorkCentreEngine {
 public:
  // `rules` and `config` must outlive the engine.
  WorkCentreEngine(const WorkCentreRules& rules, const OperationsConfig& config);

  // Feeds one observation. In time order it costs a few comparisons; a late sample reopens the
  // timeline and returns true with `*reopened_from` set to the first instant whose
  // classification may have changed. Late is older than the newest sample seen (older than the
  // history kept: dropped, counted in late_dropped()), or the machine's newest sample but inside
  // the recorded time of MarkRecorded, not older than the late-data horizon before its end (a
  // machine silent while recording went on), when it changes the condition or counts units
  // there; then `*reopened_from` is not before the recording's start.
  bool Apply(Signal signal, Timestamp time, double value, bool bad, Timestamp* reopened_from);
  // The caller has recorded this machine's segments over [from, until) in this run
  // (IntervalRecorder; `from` = where it started or resumed).
  void MarkRecorded(Timestamp from, Timestamp until);

  // Order context from `t.time` on (inserted in time order; may be in the past).
  void AddOrderTransition(const OrderTransition& t);
  // A planned stop declared by an operator for [start, end).
  void DeclarePlannedStop(Timestamp start, Timestamp end, const std::string& reason);
  // Assigns a reason to the stop that began at `stop_start`; false when no unplanned stop began
  // then.
  bool AssignReason(Timestamp stop_start, const std::string& reason);

  // Drops the condition changes and counts before `t` that can no longer be reopened (older than
  // the late-data history), keeping the condition in force at `t`. Classify must not be asked
  // about times before `t` afterwards. Bounds memory in a long live run.
  void ForgetBefore(Timestamp t);

  // Who is responsible for a starved or blocked stretch, given by the plant engine, which sees the
  // neighbours: `cause(at, condition)` names the cause in force from `at` (condition is kStarved
  // or kBlocked); `cuts` are the instants where a cause may change (segments are split there).
  struct CauseLookup {
    std::vector<Timestamp> cuts;
    std::function<std::string(Timestamp at, MachineCondition condition)> cause;
  };

  // Classified segments covering [from, to) exactly, in order, with the units counted in each.
  // Without `causes`, a starved (blocked) segment's reason lists the configured upstream
  // (downstream) neighbours.
  std::vector<Segment> Classify(Timestamp from, Timestamp to, const ShiftCalendar& calendar,
                                const CauseLookup* causes = nullptr) const;

  // Up to when this machine's classification is settled: no sample stamped at or after
  // `watermark` (what the caller assumes still to come) can change it. That is `watermark`, or,
  // when earlier, the start of a stop that is still open and shorter than micro_stop_threshold
  // (measured to the newer of `watermark` and the newest sample): it may yet end as a micro-stop
  // (speed loss) or go on as a stop, so nothing from its start on is final.
  Timestamp SettledUntil(Timestamp watermark) const;
  // Whether the machine's own condition is starved or blocked at any instant of [from, to).
  bool WaitsIn(Timestamp from, Timestamp to) const;

  // The machine's own condition at t (before calendar precedence).
  MachineCondition ConditionAt(Timestamp t) const;
  const WorkCentreRules& rules() const { return rules_; }
  uint64_t late_dropped() const { return late_dropped_; }
  uint64_t counter_resets() const { return state_.resets; }
  uint64_t counter_rollovers() const { return state_.rollovers; }
  // Condition changes and count points held in memory (for tests and metrics).
  size_t retained_points() const { return changes_.size() + counts_.size() + history_.size(); }
  // The newest sample time seen (0 before any).
  Timestamp newest() const { return newest_; }

 private:
  struct Change {
    Timestamp time;
    MachineCondition condition;
    std::string reason;
    int64_t fault_code;
  };
  struct CountPoint {
    Timestamp time;
    uint64_t by_role[kCounterRoleCount];
  };
  struct RawPoint {
    Timestamp time;
    double value;
    Signal signal;
    bool bad;
  };
  // Everything Apply changes, copyable so that a late sample can restart from a snapshot.
  struct State {
    double value[kStateSignalCount] = {};
    bool bad[kStateSignalCount] = {};
    bool seen[kStateSignalCount] = {};
    Timestamp last_state_sample = INT64_MIN;
    CounterTracker counters[kCounterRoleCount];
    MachineCondition condition = MachineCondition::kNoData;
    std::string reason;
    int64_t fault_code = 0;
    bool has_condition = false;
    uint64_t resets = 0;
    uint64_t rollovers = 0;
    size_t changes = 0;  // outputs produced so far (for the snapshot)
    size_t counts = 0;
    Timestamp last_count_time = INT64_MIN;
  };

  // Applies one in-order point to `state` (state_, restarted from a checkpoint) and appends its
  // outputs to changes_ / counts_.
  void Step(State& state, const RawPoint& p);
  void Derive(const State& state, MachineCondition& cond, std::string& reason, int64_t& code) const;
  void TrimHistory(Timestamp newest);
  bool IsStopKind(MachineCondition c) const;
  // `from`, moved back to the start of the condition in force then and of its run of stops (a
  // micro-stop's classification depends on its whole run).
  Timestamp StopRunStart(Timestamp from) const;
  // For each change index in [first, last], whether it belongs to a micro-stop run.
  std::vector<bool> MicroStops(size_t first, size_t last) const;

  const WorkCentreRules& rules_;
  const OperationsConfig& config_;
  bool configured_[kStateSignalCount] = {};
  State state_;  // after every point seen
  // The state after history_[0, index): [0] is the base (everything older than history_), then one
  // every kCheckpointEvery points, so that a late sample re-applies only the points after it.
  struct Checkpoint {
    size_t index;
    State state;
  };
  static constexpr size_t kCheckpointEvery = 256;
  std::vector<Checkpoint> checkpoints_;
  std::vector<RawPoint> history_;  // points within the late-data horizon, time order
  std::vector<Change> changes_;
  std::vector<CountPoint> counts_;
  std::vector<OrderTransition> orders_;
  std::vector<PlannedInterval> declared_;
  std::map<Timestamp, std::string> assigned_;  // stop start -> reason from an operator
  Timestamp newest_ = 0;
  Timestamp recorded_from_ = INT64_MIN;  // MarkRecorded
  Timestamp recorded_until_ = INT64_MIN;
  uint64_t late_dropped_ = 0;
};

}  // namespace gantry::ops
