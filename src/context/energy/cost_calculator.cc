#include "context/energy/cost_calculator.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "context/energy/consumption.h"

namespace gantry::ctx {
namespace {

constexpr std::string_view kNone = "(none)";

bool InScope(const std::string& path, std::string_view scope) {
  return path == scope || (path.size() > scope.size() &&
                           path.compare(0, scope.size(), scope) == 0 && path[scope.size()] == '/');
}

double Hours(Duration d) {
  return static_cast<double>(d) / static_cast<double>(kHour);
}

// Where a stretch of one work centre's time belongs: the segment covering it, or none.
struct Place {
  const ops::Segment* segment = nullptr;  // nullptr: no closed interval covers it
  const std::string* work_centre = nullptr;
  const std::string* line = nullptr;
};

using ErpBills = std::map<std::string, std::vector<OrderMaterial>>;  // by order, per query
using OrderMaterialKey = std::pair<std::string, std::string>;        // (order, material)

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The ERP's bill of materials of `order` (empty when unknown), asked once per query.
const std::vector<OrderMaterial>& ErpBill(const std::string& order, const CostSources& sources,
                                          ErpBills& cache) {
  auto [it, inserted] = cache.try_emplace(order);
  if (inserted && !order.empty() && sources.order_materials)
    it->second = sources.order_materials(order);
  return it->second;
}

// A material's price for `order`: its standard cost under costs.materials, else the ERP's cost
// price from the order's bill, else 0 with a note.
double MaterialPrice(const EnergyCostConfig& config, const std::string& material,
                     const std::string& order, const CostSources& sources, ErpBills& bills,
                     std::set<std::string>& notes) {
  auto configured = config.materials.find(material);
  if (configured != config.materials.end()) return configured->second.standard_cost;
  for (const OrderMaterial& m : ErpBill(order, sources, bills))
    if (m.material == material && m.erp_unit_cost) return *m.erp_unit_cost;
  notes.insert("material " + material + " of order " + order +
               " has no standard cost (costs.materials) nor an ERP cost price: cost 0");
  return 0;
}

// The material cost per unit made of a segment's product, material by material: its bill under
// costs.products (standard costs), else its order's bill from the ERP (priced by MaterialPrice);
// nullopt when it has neither.
std::optional<std::vector<std::pair<std::string, double>>> BillPerUnit(
    const EnergyCostConfig& config, const ops::Segment& s, const CostSources& sources,
    ErpBills& bills, std::set<std::string>& notes) {
  std::vector<std::pair<std::string, double>> out;
  auto p = config.products.find(s.product);
  if (p != config.products.end()) {
    for (const auto& [material, qty] : p->second.bom)
      out.emplace_back(material, qty * config.materials.at(material).standard_cost);
    return out;
  }
  const std::vector<OrderMaterial>& bom = ErpBill(s.order, sources, bills);
  if (bom.empty()) return std::nullopt;
  for (const OrderMaterial& m : bom)
    out.emplace_back(
        m.material, m.per_unit * MaterialPrice(config, m.material, s.order, sources, bills, notes));
  notes.insert("order " + s.order + ": material cost from its ERP bill of materials");
  return out;
}

}  // namespace

std::string_view CostGroupingName(CostGrouping g) {
  switch (g) {
    case CostGrouping::kTotal: return "total";
    case CostGrouping::kOrder: return "order";
    case CostGrouping::kProduct: return "product";
    case CostGrouping::kDay: return "day";
    case CostGrouping::kLine: return "line";
    case CostGrouping::kWorkCentre: return "work_centre";
  }
  return "total";
}

std::optional<CostGrouping> CostGroupingFromName(std::string_view name) {
  for (CostGrouping g : {CostGrouping::kTotal, CostGrouping::kOrder, CostGrouping::kProduct,
                         CostGrouping::kDay, CostGrouping::kLine, CostGrouping::kWorkCentre})
    if (CostGroupingName(g) == name) return g;
  return std::nullopt;
}

double CostTotals::EnergyKwh() const {
  double sum = unallocated_kwh;
  for (double k : energy_kwh) sum += k;
  return sum;
}

std::optional<double> CostTotals::CostPerGoodUnit() const {
  if (good == 0) return std::nullopt;
  return TotalCost() / static_cast<double>(good);
}

void CostTotals::Add(const CostTotals& o) {
  for (int c = 0; c < ops::kStateCategoryCount; ++c) energy_kwh[c] += o.energy_kwh[c];
  unallocated_kwh += o.unallocated_kwh;
  for (const auto& [band, kwh] : o.kwh_by_band) kwh_by_band[band] += kwh;
  energy_cost += o.energy_cost;
  material_cost += o.material_cost;
  machine_cost += o.machine_cost;
  labour_cost += o.labour_cost;
  good += o.good;
  scrap += o.scrap;
  scheduled_time += o.scheduled_time;
}

Result<CostCalculator> CostCalculator::Create(EnergyCostConfig config,
                                              const ops::OperationsConfig& ops) {
  CostCalculator calc;
  calc.enterprise_ = ops.enterprise;
  for (const ops::LineConfig& l : ops.lines) {
    Line line{l.path, l.site, {}, l.work_centres};
    if (!l.constraint.empty())
      line.output = l.path + "/" + l.constraint;
    else if (!l.work_centres.empty())
      line.output = l.work_centres.back();  // the end of the line makes the finished units
    calc.lines_.push_back(std::move(line));
  }
  std::set<std::string> sites;
  for (const auto& [site, cal] : ops.calendars) sites.insert(site);
  for (const ops::LineConfig& l : ops.lines) sites.insert(l.site);
  for (const std::string& site : sites) {
    TariffConfig tariff;
    auto configured = config.tariffs.find(site);
    if (configured != config.tariffs.end()) {
      tariff = configured->second;
    } else {
      tariff.site = site;
      auto cal = ops.calendars.find(site);
      if (cal != ops.calendars.end()) tariff.time_zone = cal->second.time_zone;
      tariff.currency = config.currency;
      tariff.bands.push_back(TariffBand{"none", 0.0});
    }
    GANTRY_ASSIGN_OR_RETURN(TimeOfUseTariff t, TimeOfUseTariff::Create(tariff));
    calc.tariffs_.emplace(site, std::move(t));
  }
  calc.config_ = std::move(config);
  return calc;
}

Result<CostReport> CostCalculator::Compute(std::string_view scope, Timestamp from, Timestamp to,
                                           CostGrouping by, const CostSources& sources) const {
  return ComputeFiltered(scope, from, to, by, sources, nullptr);
}

Result<CostReport> CostCalculator::ComputeFiltered(std::string_view scope, Timestamp from,
                                                   Timestamp to, CostGrouping by,
                                                   const CostSources& sources,
                                                   const std::string* order) const {
  if (from >= to) return InvalidArgument("from must be before to");
  CostReport report;
  report.scope = std::string(scope);
  report.from = from;
  report.to = to;
  report.by = by;
  report.currency = config_.currency;
  const bool whole_enterprise = scope == enterprise_;
  std::set<std::string> notes;
  ErpBills erp_bills;
  // Measured consumption priced per (order, material), for the notes: quantity and unit.
  std::map<OrderMaterialKey, std::pair<double, std::string>> measured_notes;
  bool any = false;

  for (const Line& line : lines_) {
    auto tariff_it = tariffs_.find(line.site);
    if (tariff_it == tariffs_.end()) return Internal("no tariff for site " + line.site);
    const TimeOfUseTariff& tariff = tariff_it->second;
    // Segments of every work centre of the line that is in scope.
    std::map<std::string, std::vector<ops::Segment>> segs;
    for (const std::string& wc : line.work_centres) {
      if (!whole_enterprise && !InScope(wc, scope)) continue;
      any = true;
      GANTRY_ASSIGN_OR_RETURN(std::vector<ops::Segment> list, sources.intervals(wc, from, to));
      if (order) std::erase_if(list, [&](const ops::Segment& s) { return s.order != *order; });
      std::sort(list.begin(), list.end(),
                [](const ops::Segment& x, const ops::Segment& y) { return x.start < y.start; });
      segs.emplace(wc, std::move(list));
    }
    if (segs.empty()) continue;
    // Consumption counters on work centres in scope: their increments spread over the intervals
    // (as energy is). A material an order's intervals were measured for is priced from the
    // counter, not from its bill x units made (docs/energy.md, "Material cost").
    struct Counted {
      const ConsumptionCounter* counter = nullptr;
      std::vector<double> per_segment;  // quantity of each of the work centre's intervals
    };
    std::map<std::string, std::vector<Counted>> counted;  // by work centre
    std::set<OrderMaterialKey> measured;
    for (const ConsumptionCounter& c : config_.consumption) {
      auto it = segs.find(c.work_centre);
      if (it == segs.end() || it->second.empty()) continue;
      GANTRY_ASSIGN_OR_RETURN(std::vector<MeterReading> readings,
                              sources.readings(c.register_.tag, from, to));
      if (readings.empty()) {
        notes.insert("consumption counter " + c.register_.tag + " has no readings: " + c.material +
                     " priced from the bill of materials");
        continue;
      }
      for (const ops::Segment& s : it->second) {
        if (s.order.empty()) continue;
        measured.insert({s.order, c.material});
        measured_notes.try_emplace({s.order, c.material}, 0.0, c.unit);
      }
      counted[c.work_centre].push_back(
          {&c, SpreadOverIntervals(ComputeMeterDeltas(c.register_, readings).deltas, it->second)});
    }
    if (!config_.tariffs.count(line.site))
      notes.insert("site " + line.site + " has no tariff under energy.tariffs: energy cost is 0");
    // Whose units count: the line's output machine; a work centre asked for on its own counts
    // its own; for one order, the machines it ran on when it did not reach the output.
    std::set<std::string> counting;
    if (segs.size() == 1 && segs.begin()->first == scope) {
      counting.insert(segs.begin()->first);
    } else if (order) {
      auto out = segs.find(line.output);
      if (out != segs.end() && !out->second.empty())
        counting.insert(line.output);
      else
        for (const auto& [wc, list] : segs)
          if (!list.empty()) counting.insert(wc);
    } else {
      counting.insert(line.output);
    }

    auto key_of = [&](const ops::Segment* s, const std::string& wc, Timestamp t) -> std::string {
      switch (by) {
        case CostGrouping::kTotal: return {};
        case CostGrouping::kOrder: return s && !s->order.empty() ? s->order : std::string(kNone);
        case CostGrouping::kProduct:
          return s && !s->product.empty() ? s->product : std::string(kNone);
        case CostGrouping::kDay: return tariff.LocalDayName(s ? s->start : t);
        case CostGrouping::kLine: return line.path;
        case CostGrouping::kWorkCentre: return wc;
      }
      return {};
    };
    auto add = [&](const std::string& key, const CostTotals& t) {
      report.total.Add(t);
      if (by != CostGrouping::kTotal) report.groups[key].Add(t);
    };

    const std::vector<TariffPiece> bands = tariff.Split(from, to);
    for (const auto& [wc, list] : segs) {
      // Time, rates, units and materials: per segment.
      auto rates_it = config_.rates.find(wc);
      const WorkCentreRates rates =
          rates_it != config_.rates.end() ? rates_it->second : WorkCentreRates{};
      if (rates_it == config_.rates.end())
        notes.insert("work centre " + wc +
                     " has no rates under costs.work_centres: machine and "
                     "labour cost 0");
      const bool counts = counting.count(wc) > 0;
      // One accumulator per segment: rates, units and materials first, then its energy; each is
      // added to its group once (the group key costs a time-zone lookup for by=day).
      std::vector<CostTotals> per_segment(list.size());
      for (size_t i = 0; i < list.size(); ++i) {
        const ops::Segment& s = list[i];
        CostTotals& t = per_segment[i];
        if (s.category != ops::StateCategory::kNotScheduled) {
          t.scheduled_time = s.length();
          t.machine_cost = rates.machine_per_hour * Hours(s.length());
          t.labour_cost = rates.labour_per_hour * Hours(s.length());
        }
        if (counts) {
          t.good = s.good;
          t.scrap = s.scrap;
          if (s.produced() > 0) {
            auto bill = BillPerUnit(config_, s, sources, erp_bills, notes);
            if (!bill) {
              notes.insert("product " + (s.product.empty() ? std::string(kNone) : s.product) +
                           " has no bill of materials under costs.products: material cost 0");
            } else {
              for (const auto& [material, per_unit] : *bill)
                if (!measured.count({s.order, material}))
                  t.material_cost += per_unit * static_cast<double>(s.produced());
            }
          }
        }
      }
      // Measured materials: the counter's quantity in each interval x the material's price.
      auto counted_here = counted.find(wc);
      if (counted_here != counted.end()) {
        for (const Counted& c : counted_here->second) {
          double outside_orders = 0;
          for (size_t i = 0; i < list.size(); ++i) {
            const double q = c.per_segment[i];
            if (q == 0) continue;
            if (list[i].order.empty()) {
              outside_orders += q;
              continue;
            }
            per_segment[i].material_cost +=
                q * MaterialPrice(config_, c.counter->material, list[i].order, sources, erp_bills,
                                  notes);
            measured_notes[{list[i].order, c.counter->material}].first += q;
          }
          if (outside_orders > 0)
            notes.insert("consumption counter " + c.counter->register_.tag + ": " +
                         Number(outside_orders) + " " + c.counter->unit +
                         " counted outside any order, not costed");
        }
      }

      // Energy: each delta spread evenly over its reading interval, cut at every segment and
      // tariff band boundary.
      auto meter_it = config_.meters.find(wc);
      if (order && list.empty()) {
        // The order did not run here: none of this meter's energy is the order's.
      } else if (meter_it == config_.meters.end()) {
        notes.insert("work centre " + wc + " has no meter under energy.meters: energy 0");
      } else {
        const EnergyMeter& meter = meter_it->second;
        GANTRY_ASSIGN_OR_RETURN(std::vector<MeterReading> readings,
                                sources.readings(meter.tag, from, to));
        MeterDeltas deltas = ComputeMeterDeltas(meter, readings);
        report.meters.push_back({wc, meter.tag, deltas.rollovers, deltas.resets, deltas.implausible,
                                 !readings.empty() && readings.back().time >= to});
        size_t si = 0, bi = 0;
        for (const EnergyDelta& d : deltas.deltas) {
          const Timestamp a = std::max(d.start, from), b = std::min(d.end, to);
          if (a >= b || d.kwh == 0) continue;
          const double span = static_cast<double>(d.end - d.start);
          for (Timestamp t = a; t < b;) {
            while (si < list.size() && list[si].end <= t) ++si;
            while (bi < bands.size() && bands[bi].end <= t) ++bi;
            Timestamp next = b;
            const ops::Segment* seg = nullptr;
            if (si < list.size()) {
              if (list[si].start <= t) {
                seg = &list[si];
                next = std::min(next, list[si].end);
              } else {
                next = std::min(next, list[si].start);
              }
            }
            const TariffPiece* band = bi < bands.size() ? &bands[bi] : nullptr;
            if (band) next = std::min(next, band->end);
            const double kwh = d.kwh * static_cast<double>(next - t) / span;
            if (seg) {
              CostTotals& acc = per_segment[si];
              acc.energy_kwh[static_cast<int>(seg->category)] += kwh;
              if (band) {
                acc.kwh_by_band[band->band] += kwh;
                acc.energy_cost += kwh * band->price_per_kwh;
              }
            } else if (!order) {  // time no closed interval covers (not part of any order)
              CostTotals piece;
              piece.unallocated_kwh = kwh;
              if (band) {
                piece.kwh_by_band[band->band] = kwh;
                piece.energy_cost = kwh * band->price_per_kwh;
              }
              add(key_of(nullptr, wc, t), piece);
            }
            t = next;
          }
        }
      }
      for (size_t i = 0; i < list.size(); ++i) add(key_of(&list[i], wc, 0), per_segment[i]);
    }
  }
  if (!any)
    return NotFound("scope '" + std::string(scope) +
                    "' is not a work centre, line, area, site or enterprise path of this plant");
  for (const auto& [key, qty] : measured_notes)
    notes.insert("order " + key.first + ": " + key.second +
                 " priced from its consumption counter (" + Number(qty.first) +
                 (qty.second.empty() ? "" : " " + qty.second) +
                 " measured), not from the bill of materials x units made");
  report.notes.assign(notes.begin(), notes.end());
  return report;
}

Result<OrderEnergyCost> CostCalculator::ForOrder(const std::string& order, Timestamp from,
                                                 Timestamp to, const CostSources& sources) const {
  if (order.empty()) return InvalidArgument("order id is empty");
  GANTRY_ASSIGN_OR_RETURN(
      CostReport r, ComputeFiltered(enterprise_, from, to, CostGrouping::kTotal, sources, &order));
  const CostTotals& t = r.total;
  bool seen = t.scheduled_time > 0 || t.good > 0 || t.scrap > 0 || t.EnergyKwh() > 0;
  if (!seen)
    return NotFound("order '" + order + "' has no closed interval between " + FormatIso8601(from) +
                    " and " + FormatIso8601(to));
  OrderEnergyCost out;
  out.order = order;
  out.currency = r.currency;
  out.energy_kwh = t.EnergyKwh();
  for (int c = 0; c < ops::kStateCategoryCount; ++c)
    out.energy_kwh_by_category[c] = t.energy_kwh[c];
  out.energy_cost = t.energy_cost;
  out.material_cost = t.material_cost;
  out.machine_cost = t.machine_cost;
  out.labour_cost = t.labour_cost;
  out.total_cost = t.TotalCost();
  out.good_quantity = t.good;
  out.cost_per_good_unit = t.CostPerGoodUnit();
  for (const MeterSummary& m : r.meters) out.readings_complete &= m.reaches_end;
  out.notes = r.notes;
  return out;
}

}  // namespace gantry::ctx
