#include "operations/operations_config.h"

#include <array>
#include <charconv>
#include <set>

#include <date/tz.h>

namespace gantry::ops {
namespace {

constexpr std::array<std::string_view, kStateCategoryCount> kCategoryNames = {
    "not_scheduled", "planned_downtime", "no_data", "unplanned_downtime",
    "starved",       "blocked",          "idle",    "producing"};

// "HH:MM" -> minutes from midnight, or -1.
int ParseTimeOfDay(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  int h = 0, m = 0;
  if (std::from_chars(s.data(), s.data() + 2, h).ec != std::errc() ||
      std::from_chars(s.data() + 3, s.data() + 5, m).ec != std::errc())
    return -1;
  if (h < 0 || h > 23 || m < 0 || m > 59) return -1;
  return h * 60 + m;
}

int TimeOfDay(const ConfigNode& node, std::string_view key, bool required) {
  ConfigNode c = node[key];
  if (!c.IsPresent()) {
    if (required) node.ErrorAt(key, "missing required key; expected a local time such as 06:00");
    return 0;
  }
  std::string s = c.AsString();
  int v = ParseTimeOfDay(s);
  if (v < 0)
    c.Error("expected a local time HH:MM such as 06:00 or 22:30, got " + QuoteForMessage(s));
  return v < 0 ? 0 : v;
}

std::vector<int> Weekdays(const ConfigNode& node, std::string_view key) {
  static constexpr std::array<std::string_view, 7> kDays = {"sun", "mon", "tue", "wed",
                                                            "thu", "fri", "sat"};
  std::vector<int> out;
  ConfigNode c = node[key];
  if (!c.IsPresent()) return out;
  if (c.IsScalar()) {
    std::string s = c.AsString();
    if (s == "daily") return out;
    if (s == "weekdays") return {1, 2, 3, 4, 5};
    c.Error("expected a list of days [mon, tue, ...], 'daily' or 'weekdays', got " +
            QuoteForMessage(s));
    return out;
  }
  for (const ConfigNode& d : c.Items()) {
    std::string s = d.AsString();
    bool found = false;
    for (size_t i = 0; i < kDays.size(); ++i) {
      if (s == kDays[i]) {
        out.push_back(static_cast<int>(i));
        found = true;
      }
    }
    if (!found)
      d.Error("expected a day: sun, mon, tue, wed, thu, fri or sat, got " + QuoteForMessage(s));
  }
  return out;
}

PlannedWindow ParseWindow(const ConfigNode& w, std::string_view default_reason) {
  w.AllowKeys({"reason", "start", "duration", "end", "days"});
  PlannedWindow pw;
  pw.reason = w.String("reason", std::string(default_reason));
  if (pw.reason.empty()) w.ErrorAt("reason", "missing required key; expected a planned reason id");
  pw.start_minute = TimeOfDay(w, "start", true);
  if (w["end"].IsPresent()) {
    int end = TimeOfDay(w, "end", true);
    int minutes = end > pw.start_minute ? end - pw.start_minute : end + 1440 - pw.start_minute;
    pw.duration = minutes * kMinute;
  } else {
    pw.duration = w.DurationValue("duration", 0, kMinute, kDay);
    if (!w["duration"].IsPresent())
      w.ErrorAt("duration", "missing required key; expected duration or end");
  }
  pw.weekdays = Weekdays(w, "days");
  return pw;
}

SiteCalendar ParseCalendar(const ConfigNode& site) {
  SiteCalendar cal;
  cal.time_zone = site.String("timezone", "UTC");
  try {
    (void)date::locate_zone(cal.time_zone);
  } catch (const std::exception&) {
    site.ErrorAt("timezone",
                 "unknown time zone " + QuoteForMessage(cal.time_zone) +
                     "; expected an IANA name such as Europe/Berlin or America/Chicago");
    cal.time_zone = "UTC";
  }
  ConfigNode c = site["calendar"];
  if (!c.IsPresent()) {
    cal.always_scheduled = true;
    return cal;
  }
  c.AllowKeys({"shifts", "windows", "dated"});
  std::set<std::string> names;
  for (const ConfigNode& s : c["shifts"].Items()) {
    s.AllowKeys({"name", "start", "duration", "end", "days", "breaks"});
    ShiftPattern p;
    p.name = s.RequiredString("name");
    if (!names.insert(p.name).second)
      s.ErrorAt("name", "duplicate shift name " + QuoteForMessage(p.name));
    p.start_minute = TimeOfDay(s, "start", true);
    if (s["end"].IsPresent()) {
      if (s["duration"].IsPresent()) s.ErrorAt("end", "give either end or duration, not both");
      p.end_minute = TimeOfDay(s, "end", true);
      int minutes = p.end_minute > p.start_minute ? p.end_minute - p.start_minute
                                                  : p.end_minute + 1440 - p.start_minute;
      p.duration = minutes * kMinute;
    } else {
      if (!s["duration"].IsPresent())
        s.ErrorAt("duration", "missing required key; expected duration (8h) or end (14:00)");
      p.duration = s.DurationValue("duration", 8 * kHour, kMinute, kDay);
    }
    p.weekdays = Weekdays(s, "days");
    for (const ConfigNode& b : s["breaks"].Items()) p.breaks.push_back(ParseWindow(b, "break"));
    cal.shifts.push_back(std::move(p));
  }
  if (cal.shifts.empty()) c.ErrorAt("shifts", "expected at least one shift");
  for (const ConfigNode& w : c["windows"].Items()) cal.windows.push_back(ParseWindow(w, ""));
  for (const ConfigNode& d : c["dated"].Items()) {
    d.AllowKeys({"reason", "start", "end"});
    SiteCalendar::Dated dw;
    dw.reason = d.RequiredString("reason");
    for (auto [key, slot] : {std::pair{"start", &dw.start}, std::pair{"end", &dw.end}}) {
      std::string text = d.RequiredString(key);
      Result<Timestamp> t = ParseTimestamp(text);
      if (!t.ok())
        d.ErrorAt(key, t.status().message());
      else
        *slot = *t;
    }
    if (dw.end <= dw.start) d.ErrorAt("end", "expected end after start");
    cal.dated.push_back(std::move(dw));
  }
  return cal;
}

// "producing", "fault", "fault/jam", "planned/cleaning", ...
bool ParseConditionText(std::string_view s, StateWordEntry& out) {
  std::string_view head = s.substr(0, s.find('/'));
  std::string_view reason = s.find('/') == std::string_view::npos ? "" : s.substr(s.find('/') + 1);
  static const std::pair<std::string_view, MachineCondition> kMap[] = {
      {"producing", MachineCondition::kProducing}, {"idle", MachineCondition::kIdle},
      {"starved", MachineCondition::kStarved},     {"blocked", MachineCondition::kBlocked},
      {"fault", MachineCondition::kFault},         {"planned", MachineCondition::kPlannedStop},
      {"no_data", MachineCondition::kNoData}};
  for (auto [name, cond] : kMap) {
    if (head == name) {
      if (cond == MachineCondition::kPlannedStop && reason.empty()) return false;
      if (!reason.empty() && cond != MachineCondition::kFault &&
          cond != MachineCondition::kPlannedStop)
        return false;
      out.condition = cond;
      out.reason = std::string(reason);
      return true;
    }
  }
  return false;
}

std::string TagPath(const std::string& wc_path, const std::string& enterprise, std::string text) {
  if (text.empty()) return text;
  if (text.find('/') == std::string::npos) return wc_path + "/" + text;
  if (text.rfind(enterprise + "/", 0) == 0) return text;
  return text;  // absolute path in another enterprise prefix: taken as written
}

std::optional<CounterRule> ParseCounter(const ConfigNode& n, const std::string& wc_path,
                                        const std::string& enterprise) {
  if (!n.IsPresent()) return std::nullopt;
  CounterRule r;
  if (n.IsScalar()) {
    r.tag = TagPath(wc_path, enterprise, n.AsString());
    return r;
  }
  n.AllowKeys({"tag", "width", "max_step"});
  r.tag = TagPath(wc_path, enterprise, n.RequiredString("tag"));
  r.width_bits = static_cast<int>(n.Int("width", 32, 16, 64));
  if (r.width_bits != 16 && r.width_bits != 32 && r.width_bits != 64) {
    n.ErrorAt("width", "expected 16, 32 or 64");
    r.width_bits = 32;
  }
  r.max_step = static_cast<uint64_t>(n.Int("max_step", 0, 0, INT64_MAX));
  return r;
}

void ParseStateRules(const ConfigNode& s, WorkCentreRules& wc, const std::string& enterprise) {
  if (!s.IsPresent()) return;
  s.AllowKeys({"word", "map", "running", "speed", "fault_code", "starved", "blocked"});
  wc.state_word_tag = TagPath(wc.path, enterprise, s.String("word"));
  if (!wc.state_word_tag.empty()) {
    ConfigNode m = s["map"];
    if (!m.IsPresent()) {
      // The demo simulator's state word.
      const char* kDefault[] = {"idle",
                                "producing",
                                "idle",
                                "starved",
                                "blocked",
                                "fault",
                                "planned/cleaning",
                                "planned/changeover",
                                "planned/break"};
      for (int i = 0; i < 9; ++i) ParseConditionText(kDefault[i], wc.state_word_map[i]);
    }
    for (const auto& [key, val] : m.Entries()) {
      int64_t code = 0;
      if (std::from_chars(key.data(), key.data() + key.size(), code).ec != std::errc()) {
        val.Error("expected an integer state-word value as key, got " + QuoteForMessage(key));
        continue;
      }
      StateWordEntry e;
      std::string text = val.AsString();
      if (!ParseConditionText(text, e))
        val.Error(
            "expected producing, idle, starved, blocked, fault, fault/<reason>, "
            "planned/<reason> or no_data, got " +
            QuoteForMessage(text));
      wc.state_word_map[code] = e;
    }
  } else if (s["map"].IsPresent()) {
    s.ErrorAt("map", "a map needs a state word tag (word:)");
  }
  wc.running_tag = TagPath(wc.path, enterprise, s.String("running"));
  ConfigNode speed = s["speed"];
  if (speed.IsPresent()) {
    speed.AllowKeys({"tag", "above"});
    wc.speed_tag = TagPath(wc.path, enterprise, speed.RequiredString("tag"));
    wc.speed_threshold = speed.Double("above", 0.0);
  }
  ConfigNode fault = s["fault_code"];
  if (fault.IsPresent()) {
    fault.AllowKeys({"tag", "reasons"});
    wc.fault_tag = TagPath(wc.path, enterprise, fault.RequiredString("tag"));
    for (const auto& [key, val] : fault["reasons"].Entries()) {
      int64_t code = 0;
      if (std::from_chars(key.data(), key.data() + key.size(), code).ec != std::errc()) {
        val.Error("expected an integer fault code as key, got " + QuoteForMessage(key));
        continue;
      }
      wc.fault_reasons[code] = val.AsString();
    }
  }
  wc.starved_tag = TagPath(wc.path, enterprise, s.String("starved"));
  wc.blocked_tag = TagPath(wc.path, enterprise, s.String("blocked"));
  if (wc.state_word_tag.empty() && wc.running_tag.empty() && wc.speed_tag.empty())
    s.Error("expected at least one of word, running or speed to tell whether the machine runs");
}

void ParseWorkCentre(const ConfigNode& n, OperationsConfig& cfg, LineConfig& line) {
  WorkCentreRules wc;
  wc.site = line.site;
  wc.area = line.area;
  wc.line = line.name;
  if (n.IsScalar()) {
    wc.name = n.AsString();
  } else {
    n.AllowKeys({"name", "state", "counters", "upstream", "downstream", "ideal_cycle_time",
                 "no_data_after"});
    wc.name = n.RequiredString("name");
  }
  wc.path = line.path + "/" + wc.name;
  line.work_centres.push_back(wc.path);
  if (!n.IsScalar()) {
    ParseStateRules(n["state"], wc, cfg.enterprise);
    ConfigNode c = n["counters"];
    c.AllowKeys({"good", "reject", "total", "rework"});
    const char* kRoles[] = {"good", "reject", "total", "rework"};
    for (int i = 0; i < kCounterRoleCount; ++i)
      wc.counters[i] = ParseCounter(c[kRoles[i]], wc.path, cfg.enterprise);
    if (c.IsPresent() && !wc.counters[0] && !wc.counters[2])
      c.Error("expected a good or a total counter");
    for (const ConfigNode& u : n["upstream"].Items()) wc.upstream.push_back(u.AsString());
    for (const ConfigNode& d : n["downstream"].Items()) wc.downstream.push_back(d.AsString());
    wc.ideal_cycle_time = n.DurationValue("ideal_cycle_time", 0, 0, kDay);
    wc.no_data_after = n.DurationValue("no_data_after", 0, 0, 30 * kDay);
  }
  cfg.work_centres.push_back(std::move(wc));
}

void ParseReasons(const ConfigNode& ops, OperationsConfig& cfg) {
  cfg.reasons[std::string(kUnassignedReason)] = {std::string(kUnassignedReason), "unassigned",
                                                 false, false};
  for (const char* planned : {"break", "cleaning", "changeover", "planned_maintenance"})
    cfg.reasons[planned] = {planned, "planned", true, false};
  for (const auto& [category, list] : ops["reasons"].Entries()) {
    for (const ConfigNode& r : list.Items()) {
      Reason reason;
      reason.category = category;
      if (r.IsScalar()) {
        reason.id = r.AsString();
      } else {
        r.AllowKeys({"id", "planned", "outside_window"});
        reason.id = r.RequiredString("id");
        reason.planned = r.Bool("planned", false);
        reason.unplanned_outside_window =
            r.Choice("outside_window", {"planned", "unplanned"}, 0) == 1;
        if (reason.unplanned_outside_window && !reason.planned)
          r.ErrorAt("outside_window", "only planned reasons have a window");
      }
      cfg.reasons[reason.id] = reason;
    }
  }
}

void CheckReason(const OperationsConfig& cfg, const ConfigNode& where, const std::string& id) {
  if (!id.empty() && !cfg.reasons.count(id))
    where.Error("unknown reason " + QuoteForMessage(id) + "; declare it under operations.reasons");
}

}  // namespace

std::string_view StateCategoryName(StateCategory c) {
  return kCategoryNames[static_cast<size_t>(c)];
}

std::optional<StateCategory> StateCategoryFromName(std::string_view name) {
  for (size_t i = 0; i < kCategoryNames.size(); ++i)
    if (kCategoryNames[i] == name) return static_cast<StateCategory>(i);
  return std::nullopt;
}

std::string_view MachineConditionName(MachineCondition c) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "no_data", "producing", "idle", "starved", "blocked", "fault", "planned"};
  return kNames[static_cast<size_t>(c)];
}

const WorkCentreRules* OperationsConfig::FindWorkCentre(std::string_view path) const {
  for (const WorkCentreRules& wc : work_centres)
    if (wc.path == path) return &wc;
  return nullptr;
}

OperationsConfig ParseOperationsConfig(const ConfigNode& root) {
  OperationsConfig cfg;
  cfg.enterprise = root.RequiredString("enterprise");
  ConfigNode ops = root["operations"];
  ops.AllowKeys({"micro_stop_threshold", "late_data_horizon", "reasons", "products", "precedence"});
  ParseReasons(ops, cfg);
  cfg.micro_stop_threshold = ops.DurationValue("micro_stop_threshold", 0, 0, kHour);
  cfg.late_data_horizon = ops.DurationValue("late_data_horizon", kHour, 0, 30 * kDay);
  for (const ConfigNode& p : ops["products"].Items()) {
    p.AllowKeys({"id", "ideal_cycle_time"});
    ProductConfig pc;
    pc.id = p.RequiredString("id");
    pc.ideal_cycle_time = p.DurationValue("ideal_cycle_time", 0, 1, kDay);
    if (!p["ideal_cycle_time"].IsPresent()) p.ErrorAt("ideal_cycle_time", "missing required key");
    cfg.products[pc.id] = pc;
  }
  ConfigNode prec = ops["precedence"];
  prec.AllowKeys({"fault_during_planned_stop", "production_during_planned_stop", "micro_stops"});
  cfg.precedence.fault_during_planned_stop_is_unplanned =
      prec.Choice("fault_during_planned_stop", {"planned", "unplanned"}, 0) == 1;
  cfg.precedence.production_during_planned_stop_is_producing =
      prec.Choice("production_during_planned_stop", {"producing", "planned"}, 0) == 0;
  if (prec["micro_stops"].IsPresent()) {
    cfg.precedence.micro_stop_includes_fault = false;
    cfg.precedence.micro_stop_includes_idle = false;
    for (const ConfigNode& m : prec["micro_stops"].Items()) {
      std::string s = m.AsString();
      if (s == "fault")
        cfg.precedence.micro_stop_includes_fault = true;
      else if (s == "idle")
        cfg.precedence.micro_stop_includes_idle = true;
      else
        m.Error("expected fault or idle, got " + QuoteForMessage(s));
    }
  }

  for (const ConfigNode& site : root["sites"].Items()) {
    site.AllowKeys({"name", "timezone", "calendar", "areas"});
    std::string site_name = site.RequiredString("name");
    SiteCalendar cal = ParseCalendar(site);
    for (const ShiftPattern& s : cal.shifts)
      for (const PlannedWindow& b : s.breaks) CheckReason(cfg, site["calendar"], b.reason);
    for (const PlannedWindow& w : cal.windows)
      CheckReason(cfg, site["calendar"]["windows"], w.reason);
    cfg.calendars[site_name] = std::move(cal);
    for (const ConfigNode& area : site["areas"].Items()) {
      area.AllowKeys({"name", "lines"});
      std::string area_name = area.RequiredString("name");
      for (const ConfigNode& ln : area["lines"].Items()) {
        ln.AllowKeys({"name", "work_centres", "constraint"});
        LineConfig line;
        line.site = site_name;
        line.area = area_name;
        line.name = ln.RequiredString("name");
        line.path = cfg.enterprise + "/" + site_name + "/" + area_name + "/" + line.name;
        line.constraint = ln.String("constraint");
        size_t first = cfg.work_centres.size();
        for (const ConfigNode& w : ln["work_centres"].Items()) ParseWorkCentre(w, cfg, line);
        std::vector<ConfigNode> items = ln["work_centres"].Items();
        std::set<std::string> names;
        for (size_t i = first; i < cfg.work_centres.size(); ++i) {
          const WorkCentreRules& wc = cfg.work_centres[i];
          const ConfigNode& item = items[i - first];
          if (!names.insert(wc.name).second)
            item.Error("duplicate work centre " + QuoteForMessage(wc.name));
          for (const auto& [code, reason] : wc.fault_reasons)
            CheckReason(cfg, item["state"]["fault_code"], reason);
          for (const auto& [code, e] : wc.state_word_map)
            CheckReason(cfg, item["state"]["map"], e.reason);
        }
        for (size_t i = first; i < cfg.work_centres.size(); ++i) {
          const WorkCentreRules& wc = cfg.work_centres[i];
          for (const auto* list : {&wc.upstream, &wc.downstream})
            for (const std::string& n : *list)
              if (!names.count(n))
                items[i - first].Error("neighbour " + QuoteForMessage(n) +
                                       " is not a work centre of line " + line.name);
        }
        if (!line.constraint.empty() && !names.count(line.constraint))
          ln.ErrorAt("constraint", "expected a work centre of this line, got " +
                                       QuoteForMessage(line.constraint));
        cfg.lines.push_back(std::move(line));
      }
    }
  }
  return cfg;
}

}  // namespace gantry::ops
