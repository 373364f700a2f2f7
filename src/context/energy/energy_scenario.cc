#include "context/energy/energy_scenario.h"

#include <algorithm>
#include <unordered_map>

#include "core/config_node.h"
#include "core/tag.h"

namespace gantry::ctx {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Comma-separated lines; blank lines and lines starting with '#' skipped.
std::vector<std::vector<std::string>> CsvLines(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = Trim(
        std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> fields;
    size_t start = 0;
    for (;;) {
      size_t comma = line.find(',', start);
      fields.emplace_back(Trim(line.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    out.push_back(std::move(fields));
  }
  return out;
}

Result<ops::OrderTransition::Action> ActionFromName(std::string_view s) {
  using A = ops::OrderTransition::Action;
  if (s == "start") return A::kStart;
  if (s == "pause") return A::kPause;
  if (s == "resume") return A::kResume;
  if (s == "complete") return A::kComplete;
  if (s == "operator") return A::kOperator;
  return InvalidArgument("unknown order action '" + std::string(s) +
                         "' (start, pause, resume, complete, operator)");
}

}  // namespace

std::vector<MeterReading> ReadingsAround(const std::vector<MeterReading>& all, Timestamp from,
                                         Timestamp to) {
  std::vector<MeterReading> out;
  const MeterReading* before = nullptr;
  for (const MeterReading& r : all) {
    if (r.time <= from) {
      before = &r;
      continue;
    }
    if (before) {
      out.push_back(*before);
      before = nullptr;
    }
    out.push_back(r);
    if (r.time >= to) break;
  }
  if (before) out.push_back(*before);
  return out;
}

Result<EnergyScenario> LoadEnergyScenario(std::string_view text, const std::string& file_name) {
  GANTRY_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::Parse(text, file_name));
  ConfigNode root = doc.Root();
  root.AllowKeys({"description", "why", "config", "samples", "orders", "queries"});
  EnergyScenario s;
  s.description = root.RequiredString("description");
  ConfigNode config = root["config"];
  config.AllowKeys({"enterprise", "sites", "operations", "tags", "energy", "costs"});
  ops::OperationsConfig operations = ops::ParseOperationsConfig(config);
  std::vector<TagConfig> tags;
  for (const ConfigNode& t : config["tags"].Items()) {
    t.AllowKeys({"path", "unit", "scale", "description", "deadband"});
    TagConfig tag;
    ParseTagCommon(t, tag);
    tags.push_back(std::move(tag));
  }
  EnergyParseContext pc;
  pc.operations = &operations;
  pc.find_tag = [&](std::string_view path) -> const TagConfig* {
    for (const TagConfig& t : tags)
      if (t.path == path) return &t;
    return nullptr;
  };
  EnergyCostConfig energy = ParseEnergyCostConfig(config, pc);
  for (const ConfigNode& q : root["queries"].Items()) {
    q.AllowKeys({"scope", "from", "to", "by", "order", "expected"});
    ScenarioQuery query;
    query.scope = q.String("scope");
    query.by = q.String("by", "total");
    query.order = q.String("order");
    for (auto [key, field] : {std::pair{"from", &query.from}, std::pair{"to", &query.to}}) {
      Result<Timestamp> t = ParseTimestamp(q.RequiredString(key));
      if (t.ok())
        *field = *t;
      else
        q.ErrorAt(key, "expected a time (ISO 8601): " + t.status().message());
    }
    for (const auto& [path, value] : q["expected"].Entries())
      query.expected.emplace_back(path, value.AsString());
    s.queries.push_back(std::move(query));
  }
  const std::string samples_csv = root.String("samples");
  const std::string orders_csv = root.String("orders");
  GANTRY_RETURN_IF_ERROR(doc.Finish());

  std::unordered_map<std::string, TagId> ids;
  auto resolver = [&](std::string_view path) -> std::optional<TagId> {
    auto [it, added] = ids.emplace(std::string(path), static_cast<TagId>(ids.size()));
    return it->second;
  };
  GANTRY_ASSIGN_OR_RETURN(s.engine, ops::OperationsEngine::Create(operations, resolver));
  GANTRY_ASSIGN_OR_RETURN(CostCalculator calc, CostCalculator::Create(energy, operations));
  s.calculator = std::make_unique<CostCalculator>(std::move(calc));

  int line = 0;
  for (const auto& f : CsvLines(orders_csv)) {
    ++line;
    auto where = [&](const std::string& m) {
      return InvalidArgument(file_name + ": orders line " + std::to_string(line) + ": " + m);
    };
    if (f.size() < 3)
      return where("expected timestamp,work_centre,action[,order,product,operator]");
    Result<Timestamp> t = ParseTimestamp(f[0]);
    if (!t.ok()) return where(t.status().message());
    std::string wc;
    for (const ops::WorkCentreRules& w : operations.work_centres)
      if (w.path == f[1] || w.name == f[1]) wc = w.path;
    if (wc.empty()) return where("unknown work centre '" + f[1] + "'");
    Result<ops::OrderTransition::Action> a = ActionFromName(f[2]);
    if (!a.ok()) return where(a.status().message());
    auto field = [&](size_t i) { return i < f.size() ? f[i] : std::string(); };
    GANTRY_RETURN_IF_ERROR(
        s.engine->ApplyOrderTransition({wc, *t, *a, field(3), field(4), field(5), 0}));
  }
  std::map<std::string, const EnergyMeter*> meter_tags;
  for (const auto& [wc, m] : s.calculator->config().meters) meter_tags[m.tag] = &m;
  line = 0;
  for (const auto& f : CsvLines(samples_csv)) {
    ++line;
    auto where = [&](const std::string& m) {
      return InvalidArgument(file_name + ": samples line " + std::to_string(line) + ": " + m);
    };
    if (f.size() < 3) return where("expected timestamp,tag,value[,bad]");
    Result<Timestamp> t = ParseTimestamp(f[0]);
    if (!t.ok()) return where(t.status().message());
    char* end = nullptr;
    double v = std::strtod(f[2].c_str(), &end);
    if (end == f[2].c_str() || *end != '\0') return where("expected a number, got '" + f[2] + "'");
    const bool bad = f.size() > 3 && f[3] == "bad";
    if (meter_tags.count(f[1])) {
      s.readings[f[1]].push_back({*t, v, bad});
      continue;
    }
    Sample sample{*resolver(f[1]), *t, Value(v), bad ? Quality::Bad() : Quality::Good()};
    s.engine->Publish(sample);
  }
  for (auto& [tag, list] : s.readings)
    std::stable_sort(list.begin(), list.end(),
                     [](const MeterReading& a, const MeterReading& b) { return a.time < b.time; });
  return s;
}

CostSources ScenarioSources(const EnergyScenario& s) {
  CostSources sources;
  sources.intervals = [&s](const std::string& wc, Timestamp from,
                           Timestamp to) -> Result<std::vector<ops::Segment>> {
    return s.engine->Segments(wc, from, to);
  };
  sources.readings = [&s](const std::string& tag, Timestamp from,
                          Timestamp to) -> Result<std::vector<MeterReading>> {
    auto it = s.readings.find(tag);
    if (it == s.readings.end()) return std::vector<MeterReading>{};
    return ReadingsAround(it->second, from, to);
  };
  return sources;
}

Result<std::string> RunScenarioQuery(const EnergyScenario& s, const ScenarioQuery& q) {
  CostSources sources = ScenarioSources(s);
  if (!q.order.empty()) {
    GANTRY_ASSIGN_OR_RETURN(OrderEnergyCost o,
                            s.calculator->ForOrder(q.order, q.from, q.to, sources));
    return OrderEnergyCostJson(o);
  }
  std::optional<CostGrouping> by = CostGroupingFromName(q.by);
  if (!by) return InvalidArgument("unknown grouping '" + q.by + "'");
  GANTRY_ASSIGN_OR_RETURN(CostReport r, s.calculator->Compute(q.scope, q.from, q.to, *by, sources));
  return CostReportJson(r);
}

}  // namespace gantry::ctx
