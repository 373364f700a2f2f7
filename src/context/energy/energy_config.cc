#include "context/energy/energy_config.h"

#include <cmath>
#include <set>

namespace gantry::ctx {
namespace {

// "HH:MM" (00:00..24:00) as a duration since local midnight; nullopt when malformed.
std::optional<Duration> ParseClock(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4})
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  int h = (text[0] - '0') * 10 + (text[1] - '0');
  int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * kHour + m * kMinute;
}

// The weekday mask of `days` (daily, weekdays, weekends or a list of mon..sun).
uint8_t ParseDays(const ConfigNode& band) {
  static const std::vector<std::string_view> kNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};
  ConfigNode days = band["days"];
  if (!days.IsPresent()) return 0x7f;
  if (days.IsScalar()) {
    std::string d = days.AsString();
    if (d == "daily") return 0x7f;
    if (d == "weekdays") return 0x3e;
    if (d == "weekends") return 0x41;
  } else if (days.IsSequence()) {
    uint8_t mask = 0;
    for (const ConfigNode& item : days.Items()) {
      std::string d = item.AsString();
      size_t i = 0;
      while (i < kNames.size() && kNames[i] != d) ++i;
      if (i == kNames.size()) {
        item.Error("expected a weekday mon, tue, wed, thu, fri, sat or sun, got " +
                   QuoteForMessage(d));
        continue;
      }
      mask = static_cast<uint8_t>(mask | (1u << i));
    }
    if (mask != 0) return mask;
  }
  band.ErrorAt("days", "expected daily, weekdays, weekends or a list like [mon, tue]");
  return 0x7f;
}

// The work centre a `work_centre:` value names: a full path, or a name used once in the plant.
std::string ResolveWorkCentre(const ConfigNode& item, const ops::OperationsConfig& ops) {
  std::string given = item.RequiredString("work_centre");
  if (given.empty()) return {};
  std::vector<std::string> matches;
  for (const ops::LineConfig& line : ops.lines)
    for (const std::string& wc : line.work_centres)
      if (wc == given || wc.substr(wc.rfind('/') + 1) == given) matches.push_back(wc);
  if (matches.size() == 1) return matches.front();
  if (matches.empty())
    item.ErrorAt("work_centre",
                 "expected a work centre declared under sites (a full path like "
                 "acme/plant1/area/line/wc, or its name), got " +
                     QuoteForMessage(given));
  else
    item.ErrorAt("work_centre", "the name " + QuoteForMessage(given) +
                                    " is used by several work centres; give the full path");
  return {};
}

// kWh per unit of a tag's engineering unit; 0 when the unit is not an energy unit.
double KwhPerUnit(const std::string& unit) {
  if (unit == "Wh") return 0.001;
  if (unit == "kWh") return 1.0;
  if (unit == "MWh") return 1000.0;
  return 0.0;
}

void ParseMeters(const ConfigNode& node, const EnergyParseContext& pc, EnergyCostConfig& cfg) {
  for (const ConfigNode& m : node.Items()) {
    m.AllowKeys({"work_centre", "tag", "width", "max_step", "unit", "resolution"});
    EnergyMeter meter;
    meter.work_centre = ResolveWorkCentre(m, *pc.operations);
    std::string tag = m.RequiredString("tag");
    meter.width_bits = static_cast<int>(m.Int("width", 32, 16, 64));
    if (meter.width_bits != 16 && meter.width_bits != 32 && meter.width_bits != 64)
      m.ErrorAt("width", "expected 16, 32 or 64 (bits of the meter register)");
    meter.max_step = static_cast<uint64_t>(m.Int("max_step", 0, 0, INT64_MAX));
    if (meter.work_centre.empty() || tag.empty()) continue;
    meter.tag = tag.find('/') == std::string::npos ? meter.work_centre + "/" + tag : tag;
    const TagConfig* t = pc.find_tag ? pc.find_tag(meter.tag) : nullptr;
    if (t == nullptr) {
      m.ErrorAt("tag", "the meter tag " + QuoteForMessage(meter.tag) +
                           " is not a configured tag; declare it under a device's tags");
      continue;
    }
    std::string unit = m.String("unit", t->unit);
    double per_unit = KwhPerUnit(unit);
    if (per_unit == 0) {
      m.ErrorAt(m["unit"].IsPresent() ? "unit" : "tag",
                "the meter tag " + QuoteForMessage(meter.tag) + " has unit " +
                    QuoteForMessage(unit) +
                    "; expected Wh, kWh or MWh (set the tag's unit, or the meter's unit)");
      continue;
    }
    // One register count in the tag's unit: the tag's scale gain, unless the meter says (a float
    // register publishing fractional kWh needs e.g. resolution: 0.001).
    const double resolution = m.Double("resolution", t->scaling.gain);
    if (resolution <= 0) {
      m.ErrorAt("resolution", "expected the energy of one register count, above 0");
      continue;
    }
    meter.gain = resolution;
    meter.offset = t->scaling.offset;
    meter.kwh_per_count = resolution * per_unit;
    if (!cfg.meters.emplace(meter.work_centre, meter).second)
      m.ErrorAt("work_centre", "work centre " + QuoteForMessage(meter.work_centre) +
                                   " has a meter already (one meter per work centre)");
  }
}

void ParseTariffs(const ConfigNode& node, const EnergyParseContext& pc, EnergyCostConfig& cfg) {
  for (const ConfigNode& t : node.Items()) {
    t.AllowKeys({"site", "currency", "bands"});
    TariffConfig tariff;
    tariff.site = t.RequiredString("site");
    tariff.currency = t.RequiredString("currency");
    auto cal = pc.operations->calendars.find(tariff.site);
    if (!tariff.site.empty() && cal == pc.operations->calendars.end()) {
      t.ErrorAt("site",
                "expected a site declared under sites, got " + QuoteForMessage(tariff.site));
      continue;
    }
    if (cal != pc.operations->calendars.end()) tariff.time_zone = cal->second.time_zone;
    bool has_base = false;
    for (const ConfigNode& b : t["bands"].Items()) {
      b.AllowKeys({"name", "price", "days", "start", "end"});
      TariffBand band;
      band.name = b.RequiredString("name");
      if (!b["price"].IsPresent()) b.ErrorAt("price", "missing required key (price per kWh)");
      band.price_per_kwh = b.Double("price", 0);
      if (band.price_per_kwh < 0 || !std::isfinite(band.price_per_kwh))
        b.ErrorAt("price", "expected a price per kWh of 0 or more");
      band.weekdays = ParseDays(b);
      bool has_start = b["start"].IsPresent(), has_end = b["end"].IsPresent();
      if (has_start != has_end) b.Error("give both start and end (local \"HH:MM\"), or neither");
      if (has_start && has_end) {
        band.all_day = false;
        for (auto [key, field] : {std::pair{"start", &band.start}, std::pair{"end", &band.end}}) {
          std::optional<Duration> d = ParseClock(b.String(key));
          if (!d)
            b.ErrorAt(key, "expected a local time \"HH:MM\" from 00:00 to 24:00");
          else
            *field = *d;
        }
        if (band.start == band.end) b.ErrorAt("end", "expected an end different from the start");
      }
      has_base = has_base || (band.all_day && band.weekdays == 0x7f);
      tariff.bands.push_back(std::move(band));
    }
    if (!has_base)
      t.ErrorAt("bands",
                "expected a band without days, start and end (the base price of every "
                "hour no other band covers)");
    if (!tariff.site.empty() && !cfg.tariffs.emplace(tariff.site, tariff).second)
      t.ErrorAt("site", "site " + QuoteForMessage(tariff.site) + " has a tariff already");
  }
}

// Consumption counters: the meter's register parsing, a material instead of an energy unit.
void ParseConsumption(const ConfigNode& node, const EnergyParseContext& pc, EnergyCostConfig& cfg) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const ConfigNode& c : node.Items()) {
    c.AllowKeys({"work_centre", "material", "tag", "unit", "width", "max_step", "resolution"});
    ConsumptionCounter counter;
    counter.work_centre = ResolveWorkCentre(c, *pc.operations);
    counter.material = c.RequiredString("material");
    std::string tag = c.RequiredString("tag");
    EnergyMeter& r = counter.register_;
    r.work_centre = counter.work_centre;
    r.width_bits = static_cast<int>(c.Int("width", 32, 16, 64));
    if (r.width_bits != 16 && r.width_bits != 32 && r.width_bits != 64)
      c.ErrorAt("width", "expected 16, 32 or 64 (bits of the counter register)");
    r.max_step = static_cast<uint64_t>(c.Int("max_step", 0, 0, INT64_MAX));
    if (counter.work_centre.empty() || tag.empty() || counter.material.empty()) continue;
    r.tag = tag.find('/') == std::string::npos ? counter.work_centre + "/" + tag : tag;
    const TagConfig* t = pc.find_tag ? pc.find_tag(r.tag) : nullptr;
    if (t == nullptr) {
      c.ErrorAt("tag", "the consumption tag " + QuoteForMessage(r.tag) +
                           " is not a configured tag; declare it under a device's tags");
      continue;
    }
    auto mat = cfg.materials.find(counter.material);
    counter.unit = c.String("unit", !t->unit.empty()             ? t->unit
                                    : mat != cfg.materials.end() ? mat->second.unit
                                                                 : std::string());
    const double resolution = c.Double("resolution", t->scaling.gain);
    if (resolution <= 0) {
      c.ErrorAt("resolution", "expected the material quantity of one register count, above 0");
      continue;
    }
    r.gain = resolution;
    r.offset = t->scaling.offset;
    r.kwh_per_count = resolution;  // quantity of the material per count
    if (!seen.emplace(counter.work_centre, counter.material).second) {
      c.ErrorAt("material", "work centre " + QuoteForMessage(counter.work_centre) +
                                " has a counter for " + QuoteForMessage(counter.material) +
                                " already");
      continue;
    }
    cfg.consumption.push_back(std::move(counter));
  }
}

void ParseCosts(const ConfigNode& node, const EnergyParseContext& pc, EnergyCostConfig& cfg) {
  node.AllowKeys({"currency", "materials", "products", "work_centres", "consumption"});
  std::string currency = node.String("currency");
  if (!currency.empty()) cfg.currency = currency;
  for (const ConfigNode& m : node["materials"].Items()) {
    m.AllowKeys({"id", "unit", "cost"});
    MaterialConfig mat;
    mat.id = m.RequiredString("id");
    mat.unit = m.String("unit");
    if (!m["cost"].IsPresent()) m.ErrorAt("cost", "missing required key (standard cost per unit)");
    mat.standard_cost = m.Double("cost", 0);
    if (mat.standard_cost < 0) m.ErrorAt("cost", "expected a standard cost of 0 or more");
    if (!mat.id.empty() && !cfg.materials.emplace(mat.id, mat).second)
      m.ErrorAt("id", "material " + QuoteForMessage(mat.id) + " is declared twice");
  }
  for (const ConfigNode& p : node["products"].Items()) {
    p.AllowKeys({"id", "bom"});
    ProductCost product;
    product.id = p.RequiredString("id");
    for (const ConfigNode& item : p["bom"].Items()) {
      item.AllowKeys({"material", "quantity"});
      std::string material = item.RequiredString("material");
      double qty = item.Double("quantity", 0);
      if (!item["quantity"].IsPresent() || qty <= 0)
        item.ErrorAt("quantity", "expected the quantity of the material per unit, above 0");
      if (!material.empty() && !cfg.materials.count(material))
        item.ErrorAt("material", "expected a material declared under costs.materials, got " +
                                     QuoteForMessage(material));
      product.bom.emplace_back(material, qty);
    }
    if (!product.id.empty() && !cfg.products.emplace(product.id, product).second)
      p.ErrorAt("id", "product " + QuoteForMessage(product.id) + " is declared twice");
  }
  for (const ConfigNode& w : node["work_centres"].Items()) {
    w.AllowKeys({"work_centre", "machine_rate", "labour_rate"});
    std::string wc = ResolveWorkCentre(w, *pc.operations);
    WorkCentreRates rates;
    rates.machine_per_hour = w.Double("machine_rate", 0);
    rates.labour_per_hour = w.Double("labour_rate", 0);
    if (rates.machine_per_hour < 0) w.ErrorAt("machine_rate", "expected a rate per hour >= 0");
    if (rates.labour_per_hour < 0) w.ErrorAt("labour_rate", "expected a rate per hour >= 0");
    if (!wc.empty() && !cfg.rates.emplace(wc, rates).second)
      w.ErrorAt("work_centre", "work centre " + QuoteForMessage(wc) + " has rates already");
  }
  ParseConsumption(node["consumption"], pc, cfg);
}

}  // namespace

EnergyCostConfig ParseEnergyCostConfig(const ConfigNode& root, const EnergyParseContext& pc) {
  EnergyCostConfig cfg;
  static const ops::OperationsConfig kNone;
  EnergyParseContext context = pc;
  if (context.operations == nullptr) context.operations = &kNone;
  ConfigNode energy = root[kEnergyKey];
  if (energy.IsPresent()) {
    energy.AllowKeys({"meters", "tariffs"});
    ParseMeters(energy["meters"], context, cfg);
    ParseTariffs(energy["tariffs"], context, cfg);
  }
  ConfigNode costs = root[kCostsKey];
  if (costs.IsPresent()) ParseCosts(costs, context, cfg);
  // One currency for the whole plant, so that sums of energy, material and machine cost mean
  // something; the tariffs' currency is the default.
  for (const auto& [site, tariff] : cfg.tariffs) {
    if (cfg.currency.empty()) cfg.currency = tariff.currency;
    if (!tariff.currency.empty() && tariff.currency != cfg.currency)
      energy.ErrorAt("tariffs", "the tariff of site " + QuoteForMessage(site) + " is in " +
                                    QuoteForMessage(tariff.currency) + " but costs are in " +
                                    QuoteForMessage(cfg.currency) +
                                    "; expected one currency for the plant");
  }
  if (cfg.currency.empty() && (!cfg.rates.empty() || !cfg.materials.empty())) {
    ConfigNode where = costs.IsPresent() ? costs : energy;
    where.ErrorAt("currency", "expected a currency (costs.currency or a tariff's currency)");
  }
  return cfg;
}

EnergyCostConfig ParseEnergyCostConfig(const ConfigNode& root,
                                       const ops::OperationsConfig& operations,
                                       const std::vector<TagConfig>& tags) {
  if (!root[kEnergyKey].IsPresent() && !root[kCostsKey].IsPresent()) return {};
  std::map<std::string_view, const TagConfig*> by_path;
  for (const TagConfig& t : tags) by_path.emplace(t.path, &t);
  EnergyParseContext pc;
  pc.operations = &operations;
  pc.find_tag = [&by_path](std::string_view path) -> const TagConfig* {
    auto it = by_path.find(path);
    return it == by_path.end() ? nullptr : it->second;
  };
  return ParseEnergyCostConfig(root, pc);
}

}  // namespace gantry::ctx
