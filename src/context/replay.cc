#include "context/replay.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "context/kpi.h"
#include "context/kpi_json.h"
#include "context/replay_historian.h"
#include "core/config_node.h"
#include "data/historian/historian.h"
#include "operations/event_store.h"
#include "operations/operations_engine.h"

namespace gantry::ctx {
namespace {

using ops::Segment;
using ops::StateCategory;

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    std::string_view f = line.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t' || f.back() == '\r'))
      f.remove_suffix(1);
    out.push_back(f);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// Calls fn(line_number, fields) for each data line; skips blanks, '#' comments and a header.
template <typename Fn>
Status ForEachCsvLine(std::string_view text, std::string_view header_first, Fn fn) {
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> f = SplitCsv(line);
    if (line_no == 1 && f[0] == header_first) continue;
    GANTRY_RETURN_IF_ERROR(fn(line_no, f));
  }
  return Status::Ok();
}

Json Groups(const std::vector<Segment>& segs, KpiGrouping by, const ops::ShiftCalendar& cal) {
  Json j = Json::object();
  for (const auto& [key, totals] : GroupSegments(segs, by, cal)) {
    if (by != KpiGrouping::kTotal && key.empty()) continue;  // outside any shift / order
    j[key] = KpiJson(totals);
  }
  return j;
}

struct Rollup {
  KpiTotals total;
  std::vector<Segment> segments;  // for groupings
};

Json RollupJson(const Rollup& r, const ops::ShiftCalendar& cal, std::string basis) {
  Json j;
  j["basis"] = std::move(basis);
  j["total"] = KpiJson(r.total);
  j["by_shift"] = Groups(r.segments, KpiGrouping::kShift, cal);
  j["by_day"] = Groups(r.segments, KpiGrouping::kDay, cal);
  j["by_order"] = Groups(r.segments, KpiGrouping::kOrder, cal);
  j["by_product"] = Groups(r.segments, KpiGrouping::kProduct, cal);
  return j;
}

Result<ops::OrderTransition::Action> ParseAction(std::string_view s) {
  using A = ops::OrderTransition::Action;
  if (s == "start") return A::kStart;
  if (s == "pause") return A::kPause;
  if (s == "resume") return A::kResume;
  if (s == "complete") return A::kComplete;
  if (s == "operator") return A::kOperator;
  return InvalidArgument(
      "expected start, pause, resume, complete, operator or assign_reason, got '" + std::string(s) +
      "'");
}

}  // namespace

Result<std::string> Replay(const ReplayInput& input) {
  // Samples first, with their paths; the engine resolves the config's paths to ids.
  GANTRY_ASSIGN_OR_RETURN(SampleTable samples, ParseSamplesCsv(input.samples_csv));
  return ReplaySamples(input, samples);
}

Result<std::string> ReplaySamples(const ReplayInput& input, const SampleTable& samples) {
  Result<ConfigDocument> doc = input.config_path.empty()
                                   ? ConfigDocument::Parse(input.config_text, "config")
                                   : ConfigDocument::LoadFile(input.config_path);
  if (!doc.ok()) return doc.status();
  ops::OperationsConfig config = ops::ParseOperationsConfig(doc->Root());
  GANTRY_RETURN_IF_ERROR(doc->Finish());

  std::unordered_map<std::string, TagId> ids;
  auto resolver = [&](std::string_view path) -> std::optional<TagId> {
    auto [it, added] = ids.emplace(std::string(path), static_cast<TagId>(ids.size()));
    return it->second;
  };
  GANTRY_ASSIGN_OR_RETURN(std::unique_ptr<ops::OperationsEngine> engine,
                          ops::OperationsEngine::Create(config, resolver));
  const ops::OperationsConfig& cfg = engine->config();
  auto find_wc = [&](std::string_view name) -> const ops::WorkCentreRules* {
    if (const ops::WorkCentreRules* w = cfg.FindWorkCentre(name)) return w;
    const ops::WorkCentreRules* found = nullptr;
    for (const auto& w : cfg.work_centres)
      if (w.name == name) {
        if (found) return nullptr;  // ambiguous short name
        found = &w;
      }
    return found;
  };

  struct Assign {
    std::string wc;
    Timestamp stop_start;
    std::string reason;
    std::string by;
  };
  std::vector<Assign> assigns;
  std::vector<ops::OrderTransition> transitions;
  GANTRY_RETURN_IF_ERROR(ForEachCsvLine(
      input.orders_csv, "timestamp",
      [&](int line, const std::vector<std::string_view>& f) -> Status {
        auto where = [&](const std::string& m) {
          return InvalidArgument("orders line " + std::to_string(line) + ": " + m);
        };
        if (f.size() < 3)
          return where(
              "expected timestamp,work_centre,action,order,product,operator[,ideal_cycle_time]");
        Result<Timestamp> t = ParseTimestamp(f[0]);
        if (!t.ok()) return where(t.status().message());
        const ops::WorkCentreRules* wc = find_wc(f[1]);
        if (!wc) return where("unknown or ambiguous work centre '" + std::string(f[1]) + "'");
        auto field = [&](size_t i) { return i < f.size() ? std::string(f[i]) : std::string(); };
        if (f[2] == "assign_reason") {
          assigns.push_back({wc->path, *t, field(3), field(5)});
          return Status::Ok();
        }
        Result<ops::OrderTransition::Action> a = ParseAction(f[2]);
        if (!a.ok()) return where(a.status().message());
        ops::OrderTransition tr{wc->path, *t, *a, field(3), field(4), field(5), 0};
        if (f.size() > 6 && !f[6].empty()) {
          Result<Duration> d = ParseDuration(f[6]);
          if (!d.ok()) return where(d.status().message());
          tr.ideal_cycle_time = *d;
        }
        transitions.push_back(std::move(tr));
        return Status::Ok();
      }));
  for (const auto& t : transitions) GANTRY_RETURN_IF_ERROR(engine->ApplyOrderTransition(t));
  // Operator-declared planned stops (the live service's "planned_stop" events).
  GANTRY_RETURN_IF_ERROR(ForEachCsvLine(
      input.stops_csv, "work_centre",
      [&](int line, const std::vector<std::string_view>& f) -> Status {
        auto where = [&](const std::string& m) {
          return InvalidArgument("stops line " + std::to_string(line) + ": " + m);
        };
        if (f.size() != 4) return where("expected work_centre,from,to,reason");
        const ops::WorkCentreRules* wc = find_wc(f[0]);
        if (!wc) return where("unknown or ambiguous work centre '" + std::string(f[0]) + "'");
        Result<Timestamp> start = ParseTimestamp(f[1]);
        if (!start.ok()) return where("from: " + start.status().message());
        Result<Timestamp> end = ParseTimestamp(f[2]);
        if (!end.ok()) return where("to: " + end.status().message());
        Status st = engine->DeclarePlannedStop(wc->path, *start, *end, std::string(f[3]));
        return st.ok() ? st : where(st.message());
      }));

  // What a running plant recorded in its event store: orders, declared stops, assigned reasons.
  // Those of work centres (or reasons) the rules being tried no longer have are skipped.
  Json events_j;
  const size_t from_orders_file = assigns.size();  // assigns after these come from the store
  if (!input.events_path.empty()) {
    if (!std::filesystem::is_regular_file(input.events_path))
      return NotFound("events: no event store at " + input.events_path);
    GANTRY_ASSIGN_OR_RETURN(std::unique_ptr<ops::EventStore> store,
                            ops::EventStore::Open(input.events_path));
    GANTRY_ASSIGN_OR_RETURN(std::vector<ops::OrderTransition> orders,
                            store->LoadOrderTransitions());
    GANTRY_ASSIGN_OR_RETURN(std::vector<ops::DeclaredStop> stops, store->LoadPlannedStops());
    GANTRY_ASSIGN_OR_RETURN(std::vector<ops::EventStore::AssignedReason> reasons,
                            store->LoadAssignedReasons());
    uint64_t skipped = 0;
    for (const ops::OrderTransition& t : orders)
      if (!engine->ApplyOrderTransition(t).ok()) ++skipped;
    for (const ops::DeclaredStop& d : stops)
      if (!engine->DeclarePlannedStop(d.work_centre, d.start, d.end, d.reason).ok()) ++skipped;
    for (const auto& r : reasons) assigns.push_back({r.work_centre, r.stop_start, r.reason, r.by});
    events_j = {{"path", input.events_path},
                {"order_transitions", orders.size()},
                {"planned_stops", stops.size()},
                {"assigned_reasons", reasons.size()},
                {"skipped", skipped}};
  }

  Timestamp first = INT64_MAX, last = INT64_MIN;
  uint64_t unknown = 0;
  std::vector<TagId> tag_of(samples.paths.size(), kInvalidTagId);  // each path looked up once
  for (size_t i = 0; i < samples.paths.size(); ++i)
    if (auto it = ids.find(samples.paths[i]); it != ids.end()) tag_of[i] = it->second;
  for (const Sample& in : samples.samples) {
    const TagId tag = in.tag < tag_of.size() ? tag_of[in.tag] : kInvalidTagId;
    if (tag == kInvalidTagId) {
      ++unknown;
      continue;
    }
    Sample s = in;
    s.tag = tag;
    engine->Publish(s);
    first = std::min(first, s.time);
    last = std::max(last, s.time);
  }
  for (size_t i = 0; i < assigns.size(); ++i) {
    const Assign& a = assigns[i];
    Status st = engine->AssignReason(a.wc, a.stop_start, a.reason);
    if (st.ok()) continue;
    // A reason recorded live names a stop the rules being tried may no longer make.
    if (i >= from_orders_file) {
      events_j["skipped"] = events_j["skipped"].get<uint64_t>() + 1;
      continue;
    }
    return st.WithContext("orders file");
  }
  const Timestamp from = input.from.value_or(first == INT64_MAX ? 0 : first);
  const Timestamp to = input.to.value_or(last == INT64_MIN ? 0 : last);
  if (to <= from)
    return InvalidArgument("replay: empty time range (give --from and --to, or samples)");

  Json report;
  report["from"] = FormatIso8601(from);
  report["to"] = FormatIso8601(to);
  report["samples"] = {{"read", samples.samples.size()}, {"unknown_tag", unknown}};
  if (!events_j.is_null()) report["events"] = events_j;
  std::map<std::string, Rollup> lines, areas, sites;
  Rollup enterprise;
  Json wcs = Json::object();
  uint64_t late_dropped = 0;
  for (const ops::WorkCentreRules& wc : cfg.work_centres) {
    const ops::ShiftCalendar& cal = engine->CalendarOf(wc.path);
    std::vector<Segment> segs = engine->Segments(wc.path, from, to);
    KpiTotals total;
    for (const Segment& s : segs) total.Add(s);
    Rollup r{total, segs};
    Json j = RollupJson(r, cal, "work_centre");
    j.erase("basis");
    const ops::WorkCentreEngine* e = engine->Find(wc.path);
    late_dropped += e->late_dropped();
    j["counters"] = {{"resets", e->counter_resets()}, {"rollovers", e->counter_rollovers()}};
    Json down = Json::array();
    for (const Segment& s : segs) {
      if (s.category == StateCategory::kProducing || s.category == StateCategory::kNotScheduled)
        continue;
      // Hour cuts are for roll-ups; a stop is listed once per shift and order.
      if (!down.empty() && down.back()["end"] == FormatIso8601(s.start) &&
          down.back()["category"] == ops::StateCategoryName(s.category) &&
          down.back()["reason"] == s.reason && down.back()["shift"] == s.shift &&
          down.back()["order"] == s.order) {
        down.back()["end"] = FormatIso8601(s.end);
        down.back()["duration_s"] = down.back()["duration_s"].get<double>() + Seconds(s.length());
        continue;
      }
      down.push_back({{"start", FormatIso8601(s.start)},
                      {"end", FormatIso8601(s.end)},
                      {"duration_s", Seconds(s.length())},
                      {"category", ops::StateCategoryName(s.category)},
                      {"reason", s.reason},
                      {"shift", s.shift},
                      {"order", s.order}});
    }
    j["downtime"] = std::move(down);
    Json pareto = Json::array();
    for (const ParetoEntry& p : DowntimePareto(segs))
      pareto.push_back({{"reason", p.reason},
                        {"category", ops::StateCategoryName(p.category)},
                        {"duration_s", Seconds(p.time)},
                        {"stops", p.stops}});
    j["pareto"] = std::move(pareto);
    wcs[wc.path] = std::move(j);
    const std::string line_path = cfg.enterprise + "/" + wc.site + "/" + wc.area + "/" + wc.line;
    const ops::LineConfig* line = nullptr;
    for (const auto& l : cfg.lines)
      if (l.path == line_path) line = &l;
    if (line && (line->constraint.empty() || line->constraint == wc.name)) {
      Rollup& lr = lines[line_path];
      lr.total.Add(total);
      lr.segments.insert(lr.segments.end(), segs.begin(), segs.end());
    }
  }
  Json lines_j = Json::object();
  for (const ops::LineConfig& l : cfg.lines) {
    const Rollup& lr = lines[l.path];
    const ops::ShiftCalendar* cal = engine->CalendarOfSite(l.site);
    lines_j[l.path] = RollupJson(
        lr, *cal, l.constraint.empty() ? "sum_of_work_centres" : "constraint:" + l.constraint);
    for (auto* up : {&areas[cfg.enterprise + "/" + l.site + "/" + l.area],
                     &sites[cfg.enterprise + "/" + l.site], &enterprise}) {
      up->total.Add(lr.total);
      up->segments.insert(up->segments.end(), lr.segments.begin(), lr.segments.end());
    }
  }
  auto rollups_json = [&](const std::map<std::string, Rollup>& m) {
    Json j = Json::object();
    for (const auto& [path, r] : m) {
      // Areas and sites take the calendar of their site (second path segment).
      std::string site = path.substr(path.find('/') + 1);
      site = site.substr(0, site.find('/'));
      j[path] = RollupJson(r, *engine->CalendarOfSite(site), "sum_of_lines");
    }
    return j;
  };
  report["work_centres"] = std::move(wcs);
  report["lines"] = std::move(lines_j);
  report["areas"] = rollups_json(areas);
  report["sites"] = rollups_json(sites);
  Json ent;
  ent["basis"] = "sum_of_lines";
  ent["total"] = KpiJson(enterprise.total);
  report["enterprise"] = std::move(ent);
  Json corr = Json::array();
  for (const ops::Correction& c : engine->TakeCorrections())
    corr.push_back({{"work_centre", c.work_centre},
                    {"reopened_from", FormatIso8601(c.from)},
                    {"late_sample_time", FormatIso8601(c.late_sample_time)},
                    {"tag", c.tag}});
  report["corrections"] = std::move(corr);
  report["samples"]["late_dropped"] = late_dropped;
  return report.dump(2) + "\n";
}

int RunReplayCommand(const std::vector<std::string>& args) {
  ReplayInput in;
  std::string samples_path, orders_path, stops_path, out_path, historian_dir;
  auto read = [](const std::string& path, std::string& out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    std::ostringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    return true;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    const std::string* v = nullptr;
    if (a == "--config" && (v = next()))
      in.config_path = *v;
    else if (a == "--samples" && (v = next()))
      samples_path = *v;
    else if (a == "--orders" && (v = next()))
      orders_path = *v;
    else if (a == "--stops" && (v = next()))
      stops_path = *v;
    else if (a == "--out" && (v = next()))
      out_path = *v;
    else if (a == "--historian" && (v = next()))
      historian_dir = *v;
    else if (a == "--events" && (v = next()))
      in.events_path = *v;
    else if (a == "--data" && (v = next())) {
      historian_dir = *v + "/historian";
      in.events_path = *v + "/operations.sqlite";
    } else if ((a == "--from" || a == "--to") && (v = next())) {
      Result<Timestamp> t = ParseTimestamp(*v);
      if (!t.ok()) {
        std::cerr << "replay: " << a << ": " << t.status().message() << "\n";
        return 2;
      }
      (a == "--from" ? in.from : in.to) = *t;
    } else {
      std::cerr << "usage: gantry replay --config FILE (--samples FILE.csv | --historian DIR "
                   "--from T --to T | --data DIR --from T --to T) [--events operations.sqlite] "
                   "[--orders FILE] [--stops FILE] [--from T] [--to T] [--out report.json]\n";
      return 2;
    }
  }
  if (in.config_path.empty() || samples_path.empty() == historian_dir.empty()) {
    std::cerr << "replay: --config and one of --samples, --historian or --data are required\n";
    return 2;
  }
  if (!historian_dir.empty() && (!in.from || !in.to)) {
    std::cerr << "replay: --historian and --data need --from and --to\n";
    return 2;
  }
  if (!samples_path.empty() && !read(samples_path, in.samples_csv)) {
    std::cerr << "replay: cannot read " << samples_path << "\n";
    return 1;
  }
  if (!orders_path.empty() && !read(orders_path, in.orders_csv)) {
    std::cerr << "replay: cannot read " << orders_path << "\n";
    return 1;
  }
  if (!stops_path.empty() && !read(stops_path, in.stops_csv)) {
    std::cerr << "replay: cannot read " << stops_path << "\n";
    return 1;
  }
  Result<std::string> report = std::string();
  if (historian_dir.empty()) {
    report = Replay(in);
  } else {
    historian::HistorianOptions options;
    options.sync = historian::SyncPolicy::kNone;
    auto store = historian::Historian::Open(historian_dir, options, SystemClock::Instance());
    if (!store.ok()) {
      std::cerr << "replay: historian " << historian_dir << ": " << store.status().ToString()
                << "\n";
      return 1;
    }
    report = ReplayFromHistorian(in, **store);
  }
  if (!report.ok()) {
    std::cerr << "replay: " << report.status().ToString() << "\n";
    return report.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  if (out_path.empty()) {
    std::cout << *report;
    return 0;
  }
  std::ofstream out(out_path, std::ios::binary);
  out << *report;
  return out ? 0 : 1;
}

}  // namespace gantry::ctx
