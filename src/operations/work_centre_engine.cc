#include "operations/work_centre_engine.h"

#include <algorithm>

namespace gantry::ops {
namespace {

bool IsCounter(Signal s) {
  return static_cast<int>(s) >= kStateSignalCount;
}

}  // namespace

std::string_view OrderActionName(OrderTransition::Action a) {
  switch (a) {
    case OrderTransition::Action::kStart: return "start";
    case OrderTransition::Action::kPause: return "pause";
    case OrderTransition::Action::kResume: return "resume";
    case OrderTransition::Action::kComplete: return "complete";
    case OrderTransition::Action::kOperator: return "operator";
  }
  return "?";
}

std::optional<OrderTransition::Action> OrderActionFromName(std::string_view name) {
  for (auto a : {OrderTransition::Action::kStart, OrderTransition::Action::kPause,
                 OrderTransition::Action::kResume, OrderTransition::Action::kComplete,
                 OrderTransition::Action::kOperator})
    if (OrderActionName(a) == name) return a;
  return std::nullopt;
}

WorkCentreEngine::WorkCentreEngine(const WorkCentreRules& rules, const OperationsConfig& config)
    : rules_(rules), config_(config) {
  configured_[0] = !rules.state_word_tag.empty();
  configured_[1] = !rules.running_tag.empty();
  configured_[2] = !rules.speed_tag.empty();
  configured_[3] = !rules.fault_tag.empty();
  configured_[4] = !rules.starved_tag.empty();
  configured_[5] = !rules.blocked_tag.empty();
  for (int i = 0; i < kCounterRoleCount; ++i)
    if (rules.counters[i]) state_.counters[i] = CounterTracker(*rules.counters[i]);
  checkpoints_.push_back({0, state_});
}

void WorkCentreEngine::Derive(const State& s, MachineCondition& cond, std::string& reason,
                              int64_t& code) const {
  reason.clear();
  code = 0;
  for (int i = 0; i < kStateSignalCount; ++i) {
    if (configured_[i] && (!s.seen[i] || s.bad[i])) {
      cond = MachineCondition::kNoData;
      return;
    }
  }
  const bool has_code = configured_[3] && s.value[3] != 0.0;
  if (has_code) code = static_cast<int64_t>(s.value[3]);
  auto fault_reason = [&]() -> std::string {
    if (!has_code) return std::string(kUnassignedReason);
    auto it = rules_.fault_reasons.find(code);
    return it == rules_.fault_reasons.end() ? std::string(kUnassignedReason) : it->second;
  };
  MachineCondition base = MachineCondition::kIdle;
  if (configured_[0]) {
    auto it = rules_.state_word_map.find(static_cast<int64_t>(s.value[0]));
    if (it == rules_.state_word_map.end()) {  // an unknown state word is not guessed at
      cond = MachineCondition::kNoData;
      return;
    }
    base = it->second.condition;
    reason = it->second.reason;
    if (base == MachineCondition::kFault && reason.empty()) reason = fault_reason();
    if (base == MachineCondition::kNoData || base == MachineCondition::kFault ||
        base == MachineCondition::kPlannedStop) {
      cond = base;
      if (base != MachineCondition::kFault) code = 0;
      return;
    }
  } else {
    bool running = configured_[1] ? s.value[1] != 0.0 : true;
    if (configured_[2]) running = running && s.value[2] > rules_.speed_threshold;
    base = running ? MachineCondition::kProducing : MachineCondition::kIdle;
  }
  if (has_code) {
    cond = MachineCondition::kFault;
    reason = fault_reason();
    return;
  }
  code = 0;
  if (base == MachineCondition::kProducing) {
    if (configured_[1] && configured_[0] && s.value[1] == 0.0) base = MachineCondition::kIdle;
    if (configured_[2] && configured_[0] && !(s.value[2] > rules_.speed_threshold))
      base = MachineCondition::kIdle;
  }
  if (base == MachineCondition::kIdle) {
    if (configured_[4] && s.value[4] != 0.0)
      base = MachineCondition::kStarved;
    else if (configured_[5] && s.value[5] != 0.0)
      base = MachineCondition::kBlocked;
  }
  cond = base;
}

void WorkCentreEngine::Step(State& s, const RawPoint& p) {
  if (IsCounter(p.signal)) {
    const int role = static_cast<int>(p.signal) - kStateSignalCount;
    if (!rules_.counters[role]) return;
    CounterStep step = s.counters[role].UpdateRaw(p.value, p.bad);
    if (step.event == CounterEvent::kReset) ++s.resets;
    if (step.event == CounterEvent::kRollover) ++s.rollovers;
    if (step.increment == 0) return;
    if (s.counts > 0 && s.last_count_time == p.time) {  // several counters in one poll
      counts_[s.counts - 1].by_role[role] += step.increment;
      return;
    }
    CountPoint c{p.time, {0, 0, 0, 0}};
    c.by_role[role] = step.increment;
    counts_.push_back(c);
    ++s.counts;
    s.last_count_time = p.time;
    return;
  }
  const int i = static_cast<int>(p.signal);
  if (!configured_[i]) return;
  auto emit = [&](Timestamp t, MachineCondition c, std::string reason, int64_t code) {
    if (s.has_condition && s.condition == c && s.reason == reason && s.fault_code == code) return;
    s.has_condition = true;
    changes_.push_back({t, c, reason, code});
    s.condition = c;
    s.reason = std::move(reason);
    s.fault_code = code;
    ++s.changes;
  };
  if (rules_.no_data_after > 0 && s.last_state_sample != INT64_MIN &&
      p.time - s.last_state_sample > rules_.no_data_after) {
    emit(s.last_state_sample + rules_.no_data_after, MachineCondition::kNoData, "", 0);
  }
  s.last_state_sample = std::max(s.last_state_sample, p.time);
  // A repeated value (a poll that changed nothing) cannot change the condition.
  if (s.seen[i] && !p.bad && !s.bad[i] && s.value[i] == p.value && s.has_condition) return;
  s.value[i] = p.value;
  s.bad[i] = p.bad;
  s.seen[i] = true;
  MachineCondition c;
  std::string reason;
  int64_t code;
  Derive(s, c, reason, code);
  emit(p.time, c, std::move(reason), code);
}

bool WorkCentreEngine::Apply(Signal signal, Timestamp time, double value, bool bad,
                             Timestamp* reopened_from) {
  RawPoint p{time, value, signal, bad};
  const bool keep_history = config_.late_data_horizon > 0;
  if (time >= newest_ || (history_.empty() && changes_.empty() && counts_.empty())) {
    // The newest sample of this machine, but it may still fall in time already recorded (the
    // machine was silent while the recorder moved on): then it is late data all the same, within
    // the late-data horizon and the time this recording covers. Older, it only sets the
    // condition from then on (it is never dropped: it may be a source's unchanged value with an
    // old source timestamp); what was recorded is not rewritten.
    const bool in_recorded = keep_history && time < recorded_until_ && time >= recorded_from_ &&
                             time >= recorded_until_ - config_.late_data_horizon;
    const size_t changes_before = changes_.size();
    const size_t counts_before = counts_.size();
    const CountPoint last_count =
        counts_.empty() ? CountPoint{INT64_MIN, {0, 0, 0, 0}} : counts_.back();
    newest_ = std::max(newest_, time);
    Step(state_, p);
    if (keep_history) {
      history_.push_back(p);
      if (history_.size() - checkpoints_.back().index >= kCheckpointEvery)
        checkpoints_.push_back({history_.size(), state_});
      TrimHistory(newest_);
    }
    if (!in_recorded) return false;
    // What the sample added: condition changes from their time, units in the interval ending at
    // their time (so from just before it).
    Timestamp from = INT64_MAX;
    for (size_t i = changes_before; i < changes_.size(); ++i)
      from = std::min(from, changes_[i].time);
    const bool counted = counts_.size() > counts_before ||
                         (!counts_.empty() && counts_.back().time == last_count.time &&
                          !std::equal(std::begin(last_count.by_role), std::end(last_count.by_role),
                                      std::begin(counts_.back().by_role)));
    if (counted) from = std::min(from, time - 1);
    if (from >= recorded_until_) return false;  // nothing changed in recorded time
    if (reopened_from) *reopened_from = std::max(StopRunStart(from), recorded_from_);
    return true;
  }
  // A late sample.
  const Timestamp horizon_start = history_.empty() ? newest_ : history_.front().time;
  if (!keep_history || time < horizon_start) {
    ++late_dropped_;
    return false;
  }
  auto pos = std::upper_bound(history_.begin(), history_.end(), time,
                              [](Timestamp t, const RawPoint& q) { return t < q.time; });
  for (auto it = pos; it != history_.begin();) {  // an exact duplicate delivery changes nothing
    --it;
    if (it->time != time) break;
    if (it->signal == signal && it->value == value && it->bad == bad) return false;
  }
  const size_t index = static_cast<size_t>(pos - history_.begin());
  history_.insert(pos, p);
  // Restart from the last checkpoint at or before the insertion; later ones are void.
  auto cp = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), index,
                             [](size_t i, const Checkpoint& c) { return i < c.index; });
  checkpoints_.erase(cp, checkpoints_.end());
  const Checkpoint& restart = checkpoints_.back();
  const size_t first_change = restart.state.changes;
  const std::vector<Change> old(changes_.begin() + static_cast<std::ptrdiff_t>(first_change),
                                changes_.end());
  state_ = restart.state;
  changes_.resize(restart.state.changes);
  counts_.resize(restart.state.counts);
  for (size_t i = restart.index; i < history_.size(); ++i) {
    Step(state_, history_[i]);
    if (i + 1 - checkpoints_.back().index >= kCheckpointEvery)
      checkpoints_.push_back({i + 1, state_});
  }
  // The first change that differs, then back to the start of the stop run it belongs to (a
  // micro-stop's classification depends on its whole run).
  size_t k = 0;
  while (k < old.size() && first_change + k < changes_.size() &&
         old[k].time == changes_[first_change + k].time &&
         old[k].condition == changes_[first_change + k].condition &&
         old[k].reason == changes_[first_change + k].reason)
    ++k;
  Timestamp from = time;
  if (first_change + k < changes_.size()) from = std::min(from, changes_[first_change + k].time);
  if (k < old.size()) from = std::min(from, old[k].time);
  if (reopened_from) *reopened_from = StopRunStart(from);
  return true;
}

Timestamp WorkCentreEngine::StopRunStart(Timestamp from) const {
  size_t j = static_cast<size_t>(
      std::upper_bound(changes_.begin(), changes_.end(), from,
                       [](Timestamp t, const Change& c) { return t < c.time; }) -
      changes_.begin());
  if (j > 0) {
    --j;  // the condition in force at `from`
    from = std::min(from, changes_[j].time);
    while (j > 0 && IsStopKind(changes_[j].condition) && IsStopKind(changes_[j - 1].condition)) {
      --j;
      from = changes_[j].time;
    }
  }
  return from;
}

void WorkCentreEngine::MarkRecorded(Timestamp from, Timestamp until) {
  recorded_from_ = from;
  recorded_until_ = until;
}

void WorkCentreEngine::TrimHistory(Timestamp newest) {
  const Timestamp keep_from = newest - config_.late_data_horizon;
  if (history_.empty() || history_.front().time >= keep_from - config_.late_data_horizon) return;
  // The newest checkpoint before which every point is older than the horizon becomes the base.
  size_t c = 0;
  while (c + 1 < checkpoints_.size() && history_[checkpoints_[c + 1].index - 1].time < keep_from)
    ++c;
  if (c == 0) return;
  const size_t n = checkpoints_[c].index;
  history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(n));
  checkpoints_.erase(checkpoints_.begin(), checkpoints_.begin() + static_cast<std::ptrdiff_t>(c));
  for (Checkpoint& cp : checkpoints_) cp.index -= n;
}

void WorkCentreEngine::ForgetBefore(Timestamp t) {
  // Only outputs of points older than the history may go: the rest can still be recomputed.
  size_t drop_changes = 0;
  const State& base = checkpoints_.front().state;
  while (drop_changes + 1 < base.changes && changes_[drop_changes + 1].time <= t) ++drop_changes;
  size_t drop_counts = 0;
  while (drop_counts < base.counts && drop_counts + 1 < counts_.size() &&
         counts_[drop_counts].time <= t)
    ++drop_counts;
  changes_.erase(changes_.begin(), changes_.begin() + static_cast<std::ptrdiff_t>(drop_changes));
  counts_.erase(counts_.begin(), counts_.begin() + static_cast<std::ptrdiff_t>(drop_counts));
  auto shift = [&](State& s) {
    s.changes -= drop_changes;
    s.counts -= drop_counts;
  };
  shift(state_);
  for (Checkpoint& c : checkpoints_) shift(c.state);
  assigned_.erase(assigned_.begin(), assigned_.lower_bound(t - config_.late_data_horizon));
  std::erase_if(declared_, [&](const PlannedInterval& d) { return d.end < t; });
}

void WorkCentreEngine::AddOrderTransition(const OrderTransition& t) {
  auto pos = std::upper_bound(orders_.begin(), orders_.end(), t.time,
                              [](Timestamp x, const OrderTransition& o) { return x < o.time; });
  orders_.insert(pos, t);
}

void WorkCentreEngine::DeclarePlannedStop(Timestamp start, Timestamp end,
                                          const std::string& reason) {
  declared_.push_back({reason, start, end});
}

bool WorkCentreEngine::AssignReason(Timestamp stop_start, const std::string& reason) {
  for (const Change& c : changes_) {
    if (c.time == stop_start && c.condition == MachineCondition::kFault) {
      assigned_[stop_start] = reason;
      return true;
    }
  }
  return false;
}

MachineCondition WorkCentreEngine::ConditionAt(Timestamp t) const {
  auto it = std::upper_bound(changes_.begin(), changes_.end(), t,
                             [](Timestamp x, const Change& c) { return x < c.time; });
  if (it == changes_.begin()) return MachineCondition::kNoData;
  MachineCondition c = std::prev(it)->condition;
  if (rules_.no_data_after > 0 && t >= state_.last_state_sample + rules_.no_data_after &&
      it == changes_.end())
    return MachineCondition::kNoData;
  return c;
}

Timestamp WorkCentreEngine::SettledUntil(Timestamp watermark) const {
  if (config_.micro_stop_threshold <= 0 || changes_.empty()) return watermark;
  // Only the last run of stop conditions can still be open (MicroStops' rule: a run is a
  // micro-stop when producing on both sides and shorter than the threshold).
  size_t run_start = changes_.size() - 1;
  if (!IsStopKind(changes_[run_start].condition)) return watermark;
  while (run_start > 0 && IsStopKind(changes_[run_start - 1].condition)) --run_start;
  if (run_start == 0 || changes_[run_start - 1].condition != MachineCondition::kProducing)
    return watermark;  // not after producing: never a micro-stop
  const Timestamp start = changes_[run_start].time;
  if (start >= watermark) return watermark;
  // Silence ends the stop as no data (no_data_after): then it is not a micro-stop either.
  if (rules_.no_data_after > 0 && state_.last_state_sample != INT64_MIN &&
      state_.last_state_sample + rules_.no_data_after <= watermark)
    return watermark;
  // Samples still to come are stamped at or after both: the stop will be at least this long.
  if (std::max(watermark, newest_) - start >= config_.micro_stop_threshold) return watermark;
  return start;
}

bool WorkCentreEngine::WaitsIn(Timestamp from, Timestamp to) const {
  auto waits = [](MachineCondition c) {
    return c == MachineCondition::kStarved || c == MachineCondition::kBlocked;
  };
  auto it = std::upper_bound(changes_.begin(), changes_.end(), from,
                             [](Timestamp x, const Change& c) { return x < c.time; });
  if (it != changes_.begin()) --it;  // the condition in force at `from`
  for (; it != changes_.end() && it->time < to; ++it)
    if (waits(it->condition)) return true;
  return false;
}

bool WorkCentreEngine::IsStopKind(MachineCondition c) const {
  if (c == MachineCondition::kFault) return config_.precedence.micro_stop_includes_fault;
  if (c == MachineCondition::kIdle || c == MachineCondition::kStarved ||
      c == MachineCondition::kBlocked)
    return config_.precedence.micro_stop_includes_idle;
  return false;
}

std::vector<bool> WorkCentreEngine::MicroStops(size_t first, size_t last) const {
  std::vector<bool> micro(last + 1 - first, false);
  if (config_.micro_stop_threshold <= 0) return micro;
  size_t i = first;
  while (i <= last) {
    if (!IsStopKind(changes_[i].condition)) {
      ++i;
      continue;
    }
    size_t run_start = i;
    while (run_start > 0 && IsStopKind(changes_[run_start - 1].condition)) --run_start;
    size_t run_end = i;  // last index of the run
    while (run_end + 1 < changes_.size() && IsStopKind(changes_[run_end + 1].condition)) ++run_end;
    const bool bounded = run_start > 0 && run_end + 1 < changes_.size() &&
                         changes_[run_start - 1].condition == MachineCondition::kProducing &&
                         changes_[run_end + 1].condition == MachineCondition::kProducing;
    const bool is_micro = bounded && changes_[run_end + 1].time - changes_[run_start].time <
                                         config_.micro_stop_threshold;
    for (size_t k = std::max(run_start, first); k <= std::min(run_end, last); ++k)
      micro[k - first] = is_micro;
    i = run_end + 1;
  }
  return micro;
}

}  // namespace gantry::ops
