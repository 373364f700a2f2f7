#include "context/energy/cost_calculator.h"

#include <algorithm>
#include <set>

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

std::optional<double> CostCalculator::ErpMaterialCostPerUnit(
    const std::string& order, const CostSources& sources,
    std::map<std::string, std::optional<double>>& cache, std::set<std::string>& notes) const {
  if (order.empty() || !sources.order_materials) return std::nullopt;
  auto cached = cache.find(order);
  if (cached != cache.end()) return cached->second;
  std::optional<double>& out = cache[order];
  const std::vector<OrderMaterial> bom = sources.order_materials(order);
  if (bom.empty()) return out;
  double per_unit = 0;
  for (const OrderMaterial& m : bom) {
    auto configured = config_.materials.find(m.material);
    if (configured != config_.materials.end()) {
      per_unit += m.per_unit * configured->second.standard_cost;  // configuration wins
    } else if (m.erp_unit_cost) {
      per_unit += m.per_unit * *m.erp_unit_cost;
    } else {
      notes.insert("material " + m.material + " of order " + order +
                   " has no standard cost (costs.materials) nor an ERP cost price: cost 0");
    }
  }
  notes.insert("order " + order + ": material cost from its ERP bill of materials");
  out = per_unit;
  return out;
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
  std::map<std::string, std::optional<double>> erp_boms;  // material cost per unit, by order
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
            auto p = config_.products.find(s.product);
            std::optional<double> from_erp;
            if (p == config_.products.end())
              from_erp = ErpMaterialCostPerUnit(s.order, sources, erp_boms, notes);
            if (from_erp) {
              t.material_cost = *from_erp * static_cast<double>(s.produced());
            } else if (p == config_.products.end()) {
              notes.insert("product " + (s.product.empty() ? std::string(kNone) : s.product) +
                           " has no bill of materials under costs.products: material cost 0");
            } else {
              double per_unit = 0;
              for (const auto& [material, qty] : p->second.bom)
                per_unit += qty * config_.materials.at(material).standard_cost;
              t.material_cost = per_unit * static_cast<double>(s.produced());
            }
          }
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
