#include "operations/operations_engine.h"

#include <algorithm>

namespace gantry::ops {
namespace {

// Every engine reachable from `start` through `next` (not `start` itself unless on a cycle).
std::vector<size_t> Reachable(const std::vector<std::vector<size_t>>& next, size_t start) {
  std::vector<size_t> seen;
  std::vector<size_t> todo = next[start];
  while (!todo.empty()) {
    const size_t k = todo.back();
    todo.pop_back();
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) continue;
    seen.push_back(k);
    todo.insert(todo.end(), next[k].begin(), next[k].end());
  }
  return seen;
}

}  // namespace

Result<std::unique_ptr<OperationsEngine>> OperationsEngine::Create(OperationsConfig config,
                                                                   const TagResolver& resolver) {
  std::unique_ptr<OperationsEngine> e(new OperationsEngine(std::move(config)));
  for (const auto& [site, cal] : e->config_.calendars) {
    GANTRY_ASSIGN_OR_RETURN(ShiftCalendar c, ShiftCalendar::Create(cal));
    e->calendars_.emplace_back(site, std::move(c));
  }
  for (size_t i = 0; i < e->config_.work_centres.size(); ++i) {
    const WorkCentreRules& wc = e->config_.work_centres[i];
    size_t cal = e->calendars_.size();
    for (size_t c = 0; c < e->calendars_.size(); ++c)
      if (e->calendars_[c].first == wc.site) cal = c;
    if (cal == e->calendars_.size())
      return NotFound("work centre " + wc.path + ": no site " + wc.site);
    e->calendar_of_.push_back(cal);
    e->engines_.push_back(std::make_unique<WorkCentreEngine>(wc, e->config_));
    const std::pair<const std::string*, Signal> signals[] = {
        {&wc.state_word_tag, Signal::kStateWord}, {&wc.running_tag, Signal::kRunning},
        {&wc.speed_tag, Signal::kSpeed},          {&wc.fault_tag, Signal::kFaultCode},
        {&wc.starved_tag, Signal::kStarved},      {&wc.blocked_tag, Signal::kBlocked}};
    std::vector<std::pair<std::string, Signal>> all;
    for (auto [path, sig] : signals)
      if (!path->empty()) all.emplace_back(*path, sig);
    for (int r = 0; r < kCounterRoleCount; ++r)
      if (wc.counters[r])
        all.emplace_back(wc.counters[r]->tag, static_cast<Signal>(kStateSignalCount + r));
    for (const auto& [path, sig] : all) {
      std::optional<TagId> id = resolver(path);
      if (!id) return NotFound("work centre " + wc.path + ": tag '" + path + "' is not configured");
      if (*id >= e->routes_.size()) {
        e->routes_.resize(*id + 1);
        e->tag_names_.resize(*id + 1);
      }
      e->routes_[*id].push_back({static_cast<uint32_t>(i), sig});
      e->tag_names_[*id] = path;
    }
  }
  // Neighbours by engine index (names of the same line; the configuration checked them).
  const size_t n = e->engines_.size();
  e->upstream_.resize(n);
  e->downstream_.resize(n);
  e->dependents_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const WorkCentreRules& wc = e->config_.work_centres[i];
    const std::string line = wc.path.substr(0, wc.path.rfind('/') + 1);
    for (auto [names, out] :
         {std::pair{&wc.upstream, &e->upstream_[i]}, std::pair{&wc.downstream, &e->downstream_[i]}})
      for (const std::string& name : *names)
        for (size_t k = 0; k < n; ++k)
          if (k != i && e->config_.work_centres[k].path == line + name) out->push_back(k);
  }
  for (size_t i = 0; i < n; ++i)
    for (const auto* next : {&e->upstream_, &e->downstream_})
      for (size_t k : Reachable(*next, i))
        if (k != i && std::find(e->dependents_[k].begin(), e->dependents_[k].end(), i) ==
                          e->dependents_[k].end())
          e->dependents_[k].push_back(i);
  return e;
}

void OperationsEngine::Publish(std::span<const Sample> samples) {
  for (const Sample& s : samples) Publish(s);
}

void OperationsEngine::Publish(const Sample& s) {
  if (s.tag >= routes_.size() || routes_[s.tag].empty()) {
    ++ignored_;
    return;
  }
  std::optional<double> v = s.value.AsDouble();
  const bool bad = s.quality.IsBad() || !v;
  for (const Route& r : routes_[s.tag]) {
    Timestamp from = 0;
    if (engines_[r.work_centre]->Apply(r.signal, s.time, v.value_or(0.0), bad, &from)) {
      corrections_.push_back({engines_[r.work_centre]->rules().path, from, s.time,
                              tag_names_[s.tag],
                              "late sample reopened intervals from " + FormatIso8601(from)});
      // The machines whose starved / blocked causes read this one are reopened too.
      for (size_t d : dependents_[r.work_centre])
        corrections_.push_back(
            {engines_[d]->rules().path, from, s.time, tag_names_[s.tag],
             "late sample of neighbour " + engines_[r.work_centre]->rules().name +
                 " may change starved/blocked causes from " + FormatIso8601(from)});
    }
  }
}

WorkCentreEngine* OperationsEngine::FindMutable(std::string_view path) {
  for (auto& e : engines_)
    if (e->rules().path == path) return e.get();
  return nullptr;
}

const WorkCentreEngine* OperationsEngine::Find(std::string_view path) const {
  for (const auto& e : engines_)
    if (e->rules().path == path) return e.get();
  return nullptr;
}

Status OperationsEngine::ApplyOrderTransition(const OrderTransition& t) {
  WorkCentreEngine* e = FindMutable(t.work_centre);
  if (!e) return NotFound("order transition: no work centre '" + t.work_centre + "'");
  e->AddOrderTransition(t);
  return Status::Ok();
}

Status OperationsEngine::DeclarePlannedStop(std::string_view wc, Timestamp start, Timestamp end,
                                            const std::string& reason) {
  WorkCentreEngine* e = FindMutable(wc);
  if (!e) return NotFound("planned stop: no work centre '" + std::string(wc) + "'");
  auto r = config_.reasons.find(reason);
  if (r == config_.reasons.end() || !r->second.planned)
    return InvalidArgument("planned stop: '" + reason + "' is not a planned reason");
  if (end <= start) return InvalidArgument("planned stop: end must be after start");
  e->DeclarePlannedStop(start, end, reason);
  return Status::Ok();
}

Status OperationsEngine::AssignReason(std::string_view wc, Timestamp stop_start,
                                      const std::string& reason) {
  WorkCentreEngine* e = FindMutable(wc);
  if (!e) return NotFound("assign reason: no work centre '" + std::string(wc) + "'");
  auto r = config_.reasons.find(reason);
  if (r == config_.reasons.end() || r->second.planned || reason == kUnassignedReason)
    return InvalidArgument("assign reason: '" + reason +
                           "' is not an unplanned reason of the reason tree");
  if (!e->AssignReason(stop_start, reason))
    return NotFound("assign reason: no stop of " + std::string(wc) + " began at " +
                    FormatIso8601(stop_start));
  return Status::Ok();
}

std::vector<Segment> OperationsEngine::Segments(std::string_view wc, Timestamp from,
                                                Timestamp to) const {
  for (size_t i = 0; i < engines_.size(); ++i) {
    if (engines_[i]->rules().path != wc) continue;
    const ShiftCalendar& calendar = calendars_[calendar_of_[i]].second;
    std::vector<Segment> segs = engines_[i]->Classify(from, to, calendar);
    bool needs_cause = false;
    for (const Segment& s : segs)
      needs_cause |= (s.condition == MachineCondition::kStarved && !upstream_[i].empty()) ||
                     (s.condition == MachineCondition::kBlocked && !downstream_[i].empty());
    if (!needs_cause) return segs;
    // The classified timelines of every machine the walk may reach.
    std::map<size_t, std::vector<Segment>> timelines;
    for (const auto* next : {&upstream_, &downstream_})
      for (size_t k : Reachable(*next, i))
        if (k != i && !timelines.contains(k))
          timelines[k] = engines_[k]->Classify(from, to, calendars_[calendar_of_[k]].second);
    WorkCentreEngine::CauseLookup lookup;
    for (const auto& [k, timeline] : timelines)
      for (const Segment& s : timeline)
        if (s.start > from) lookup.cuts.push_back(s.start);
    lookup.cause = [&](Timestamp at, MachineCondition c) {
      return CauseOf(i, c == MachineCondition::kStarved, at, timelines);
    };
    return engines_[i]->Classify(from, to, calendar, &lookup);
  }
  return {};
}

Timestamp OperationsEngine::SettledUntil(std::string_view wc, Timestamp from,
                                         Timestamp watermark) const {
  for (size_t i = 0; i < engines_.size(); ++i) {
    if (engines_[i]->rules().path != wc) continue;
    Timestamp settled = engines_[i]->SettledUntil(watermark);
    if ((upstream_[i].empty() && downstream_[i].empty()) || !engines_[i]->WaitsIn(from, settled))
      return settled;
    for (const auto* next : {&upstream_, &downstream_})
      for (size_t k : Reachable(*next, i))
        if (k != i) settled = std::min(settled, engines_[k]->SettledUntil(watermark));
    return settled;
  }
  return watermark;
}

std::string OperationsEngine::CauseOf(
    size_t i, bool upstream, Timestamp at,
    const std::map<size_t, std::vector<Segment>>& timelines) const {
  const std::vector<std::vector<size_t>>& next = upstream ? upstream_ : downstream_;
  std::vector<size_t> visited = {i};
  std::string fallback;  // the last machine walked that is not down, with its category
  std::function<std::optional<std::string>(size_t)> visit =
      [&](size_t n) -> std::optional<std::string> {
    if (std::find(visited.begin(), visited.end(), n) != visited.end()) return std::nullopt;
    visited.push_back(n);
    auto t = timelines.find(n);
    if (t == timelines.end()) return std::nullopt;
    auto it = std::upper_bound(t->second.begin(), t->second.end(), at,
                               [](Timestamp x, const Segment& s) { return x < s.start; });
    if (it == t->second.begin()) return std::nullopt;
    const Segment& s = *--it;
    const std::string& name = engines_[n]->rules().name;
    const std::string category(StateCategoryName(s.category));
    switch (s.category) {
      case StateCategory::kNotScheduled:
      case StateCategory::kNoData: return name + ":" + category;
      case StateCategory::kPlannedDowntime:
      case StateCategory::kUnplannedDowntime:
        return name + ":" + (s.reason.empty() ? category : s.reason);
      default: break;
    }
    if (s.category == (upstream ? StateCategory::kStarved : StateCategory::kBlocked))
      for (size_t m : next[n])
        if (std::optional<std::string> r = visit(m)) return r;
    if (fallback.empty()) fallback = name + ":" + category;
    return std::nullopt;
  };
  for (size_t n : next[i])
    if (std::optional<std::string> r = visit(n)) return *r;
  return fallback;
}

void OperationsEngine::MarkRecorded(std::string_view wc, Timestamp from, Timestamp until) {
  if (WorkCentreEngine* e = FindMutable(wc)) e->MarkRecorded(from, until);
}

void OperationsEngine::ForgetBefore(Timestamp t) {
  for (auto& e : engines_) e->ForgetBefore(t);
}

std::vector<Correction> OperationsEngine::TakeCorrections() {
  std::vector<Correction> out;
  out.swap(corrections_);
  return out;
}

const ShiftCalendar& OperationsEngine::CalendarOf(std::string_view wc) const {
  for (size_t i = 0; i < engines_.size(); ++i)
    if (engines_[i]->rules().path == wc) return calendars_[calendar_of_[i]].second;
  return calendars_.front().second;
}

const ShiftCalendar* OperationsEngine::CalendarOfSite(std::string_view site) const {
  for (const auto& [name, cal] : calendars_)
    if (name == site) return &cal;
  return nullptr;
}

Timestamp OperationsEngine::Newest() const {
  Timestamp t = 0;
  for (const auto& e : engines_) t = std::max(t, e->newest());
  return t;
}

}  // namespace gantry::ops
