// WorkCentreEngine::Classify: the precedence rules of docs/operations.md applied to the machine's
// condition timeline, the shift calendar, planned windows and the order context.
#include <algorithm>
#include <array>

#include "operations/work_centre_engine.h"

namespace gantry::ops {
namespace {

struct OrderContext {
  std::string order;
  std::string product;
  std::string operator_name;
  Duration ideal_cycle_time = 0;
};

// The order context timeline: (time it begins, context), in time order.
std::vector<std::pair<Timestamp, OrderContext>> OrderTimeline(
    const std::vector<OrderTransition>& in) {
  std::vector<std::pair<Timestamp, OrderContext>> out;
  OrderContext ctx;
  OrderContext paused;  // the order a pause left, for resume
  for (const OrderTransition& t : in) {
    using A = OrderTransition::Action;
    switch (t.action) {
      case A::kStart:
        ctx.order = t.order;
        ctx.product = t.product;
        ctx.ideal_cycle_time = t.ideal_cycle_time;
        if (!t.operator_name.empty()) ctx.operator_name = t.operator_name;
        break;
      case A::kPause:
        paused = ctx;
        ctx.order.clear();
        ctx.product.clear();
        ctx.ideal_cycle_time = 0;
        break;
      case A::kResume: {
        std::string op = t.operator_name.empty() ? ctx.operator_name : t.operator_name;
        ctx = paused;
        ctx.operator_name = op;
        break;
      }
      case A::kComplete:
        ctx.order.clear();
        ctx.product.clear();
        ctx.ideal_cycle_time = 0;
        break;
      case A::kOperator: ctx.operator_name = t.operator_name; break;
    }
    if (!out.empty() && out.back().first == t.time)
      out.back().second = ctx;
    else
      out.emplace_back(t.time, ctx);
  }
  return out;
}

bool SameAttributes(const Segment& a, const Segment& b) {
  return a.category == b.category && a.condition == b.condition && a.reason == b.reason &&
         a.fault_code == b.fault_code && a.stop_start == b.stop_start &&
         a.micro_stop == b.micro_stop && a.window == b.window && a.shift == b.shift &&
         a.order == b.order && a.product == b.product && a.operator_name == b.operator_name &&
         a.ideal_cycle_time == b.ideal_cycle_time;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

std::vector<Segment> WorkCentreEngine::Classify(Timestamp from, Timestamp to,
                                                const ShiftCalendar& calendar,
                                                const CauseLookup* causes) const {
  std::vector<Segment> out;
  if (from >= to) return out;
  const bool always = calendar.AlwaysScheduled();
  const std::vector<ShiftInstance> shifts =
      always ? std::vector<ShiftInstance>{} : calendar.Shifts(from, to);
  std::vector<PlannedInterval> windows = calendar.PlannedWindows(from, to);
  for (const PlannedInterval& d : declared_)
    if (d.end > from && d.start < to) windows.push_back(d);
  std::stable_sort(
      windows.begin(), windows.end(),
      [](const PlannedInterval& a, const PlannedInterval& b) { return a.start < b.start; });
  const auto orders = OrderTimeline(orders_);

  // Changes that matter: the one in force at `from` and those inside the range.
  auto by_time = [](Timestamp t, const Change& c) { return t < c.time; };
  size_t first = static_cast<size_t>(
      std::upper_bound(changes_.begin(), changes_.end(), from, by_time) - changes_.begin());
  if (first > 0) --first;
  size_t last = static_cast<size_t>(
      std::lower_bound(changes_.begin(), changes_.end(), to,
                       [](const Change& c, Timestamp t) { return c.time < t; }) -
      changes_.begin());
  const std::vector<bool> micro =
      changes_.empty() || last == 0 ? std::vector<bool>{} : MicroStops(first, last - 1);
  // The silence after the last state sample becomes no data (no_data_after).
  Timestamp stale_at = INT64_MAX;
  if (rules_.no_data_after > 0 && state_.last_state_sample != INT64_MIN)
    stale_at = std::max(state_.last_state_sample + rules_.no_data_after,
                        changes_.empty() ? INT64_MIN : changes_.back().time);

  std::vector<Timestamp> cuts = {from, to};
  for (size_t i = first; i < last; ++i)
    if (changes_[i].time > from) cuts.push_back(changes_[i].time);
  if (stale_at > from && stale_at < to) cuts.push_back(stale_at);
  for (const ShiftInstance& s : shifts) {
    cuts.push_back(s.start);
    cuts.push_back(s.end);
  }
  for (const PlannedInterval& w : windows) {
    cuts.push_back(w.start);
    cuts.push_back(w.end);
  }
  for (const auto& [t, ctx] : orders) cuts.push_back(t);
  if (causes) cuts.insert(cuts.end(), causes->cuts.begin(), causes->cuts.end());
  // Local clock hours, so that hour and day roll-ups attribute time and counts exactly.
  std::vector<Timestamp> hours;
  for (Timestamp h = calendar.HourOf(from).end; h < to; h = calendar.HourOf(h).end)
    hours.push_back(h);
  cuts.insert(cuts.end(), hours.begin(), hours.end());
  std::erase_if(cuts, [&](Timestamp t) { return t < from || t > to; });
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  const PrecedenceOptions& prec = config_.precedence;
  size_t ci = first, si = 0, wlo = 0, oi = 0;
  bool have_change = !changes_.empty() && changes_[first].time <= from;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    const Timestamp a = cuts[k], b = cuts[k + 1];
    while (ci + 1 < last && changes_[ci + 1].time <= a) {
      ++ci;
      have_change = true;
    }
    if (!have_change && ci < changes_.size() && changes_[ci].time <= a) have_change = true;
    while (si < shifts.size() && shifts[si].end <= a) ++si;
    while (wlo < windows.size() && windows[wlo].end <= a) ++wlo;
    while (oi < orders.size() && orders[oi].first <= a) ++oi;

    Segment seg;
    seg.work_centre = rules_.path;
    seg.start = a;
    seg.end = b;
    bool is_micro = false;
    if (have_change && a < stale_at) {
      const Change& c = changes_[ci];
      seg.condition = c.condition;
      seg.reason = c.reason;
      seg.fault_code = c.fault_code;
      seg.stop_start = c.time;
      is_micro = ci >= first && ci - first < micro.size() && micro[ci - first];
    } else {
      seg.condition = MachineCondition::kNoData;
      seg.stop_start = have_change ? stale_at : from;
    }
    const bool in_shift = always || (si < shifts.size() && shifts[si].start <= a);
    if (in_shift && !always) seg.shift = shifts[si].Id();
    const PlannedInterval* window = nullptr;
    for (size_t w = wlo; w < windows.size() && windows[w].start <= a; ++w)
      if (windows[w].end > a) {
        window = &windows[w];
        break;
      }
    if (window) seg.window = window->reason;
    if (oi > 0) {
      const OrderContext& ctx = orders[oi - 1].second;
      seg.order = ctx.order;
      seg.product = ctx.product;
      seg.operator_name = ctx.operator_name;
      seg.ideal_cycle_time = ctx.ideal_cycle_time;
      if (seg.ideal_cycle_time == 0 && !ctx.product.empty()) {
        auto p = config_.products.find(ctx.product);
        if (p != config_.products.end()) seg.ideal_cycle_time = p->second.ideal_cycle_time;
      }
    }
    if (seg.ideal_cycle_time == 0) seg.ideal_cycle_time = rules_.ideal_cycle_time;

    // Precedence: not scheduled > planned window > no data > fault > starved > blocked > idle >
    // producing, with the configurable exceptions of PrecedenceOptions.
    using C = MachineCondition;
    const C cond = seg.condition;
    if (!in_shift) {
      seg.category = StateCategory::kNotScheduled;
    } else if (window &&
               !(cond == C::kProducing && prec.production_during_planned_stop_is_producing) &&
               !(cond == C::kFault && prec.fault_during_planned_stop_is_unplanned)) {
      seg.category = StateCategory::kPlannedDowntime;
      seg.reason = window->reason;
      is_micro = false;
    } else {
      switch (cond) {
        case C::kNoData: seg.category = StateCategory::kNoData; break;
        case C::kFault: seg.category = StateCategory::kUnplannedDowntime; break;
        case C::kPlannedStop: {
          auto r = config_.reasons.find(seg.reason);
          if (r != config_.reasons.end() && r->second.unplanned_outside_window) {
            seg.category = StateCategory::kUnplannedDowntime;
            seg.reason += "_overrun";
          } else {
            seg.category = StateCategory::kPlannedDowntime;
          }
          break;
        }
        case C::kStarved:
          seg.category = StateCategory::kStarved;
          seg.reason = causes ? causes->cause(a, cond) : Join(rules_.upstream);
          break;
        case C::kBlocked:
          seg.category = StateCategory::kBlocked;
          seg.reason = causes ? causes->cause(a, cond) : Join(rules_.downstream);
          break;
        case C::kIdle: seg.category = StateCategory::kIdle; break;
        case C::kProducing: seg.category = StateCategory::kProducing; break;
      }
    }
    if (seg.category == StateCategory::kUnplannedDowntime && seg.reason == kUnassignedReason) {
      auto it = assigned_.find(seg.stop_start);
      if (it != assigned_.end()) seg.reason = it->second;
    }
    if (is_micro &&
        (seg.category == StateCategory::kUnplannedDowntime ||
         seg.category == StateCategory::kStarved || seg.category == StateCategory::kBlocked ||
         seg.category == StateCategory::kIdle)) {
      seg.category = StateCategory::kProducing;
      seg.micro_stop = true;
    }
    if (seg.category == StateCategory::kProducing && !seg.micro_stop) seg.reason.clear();
    const bool hour_cut = std::binary_search(hours.begin(), hours.end(), a);
    if (!out.empty() && !hour_cut && out.back().end == a && SameAttributes(out.back(), seg))
      out.back().end = b;
    else
      out.push_back(std::move(seg));
  }

  // Units: an increment seen at t was made in (previous sample, t], so it belongs to the segment
  // with start < t <= end.
  std::vector<std::array<uint64_t, kCounterRoleCount>> units(out.size(), {0, 0, 0, 0});
  auto cp = std::upper_bound(counts_.begin(), counts_.end(), from,
                             [](Timestamp t, const CountPoint& c) { return t < c.time; });
  size_t s = 0;
  for (; cp != counts_.end() && cp->time <= to; ++cp) {
    while (s + 1 < out.size() && out[s].end < cp->time) ++s;
    for (int r = 0; r < kCounterRoleCount; ++r) units[s][r] += cp->by_role[r];
  }
  const bool has_good = rules_.counters[0].has_value(), has_reject = rules_.counters[1].has_value(),
             has_total = rules_.counters[2].has_value();
  for (size_t i = 0; i < out.size(); ++i) {
    const auto& u = units[i];
    if (has_total) {
      const uint64_t total = u[2];
      out[i].scrap =
          has_reject ? std::min(u[1], total) : (has_good ? total - std::min(u[0], total) : 0);
      out[i].good = has_good && !has_reject ? std::min(u[0], total) : total - out[i].scrap;
    } else {
      out[i].good = u[0];
      out[i].scrap = u[1];
    }
    out[i].rework = u[3];
  }
  return out;
}

}  // namespace gantry::ops
