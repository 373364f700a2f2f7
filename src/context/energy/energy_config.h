// The energy and cost part of the plant configuration: an energy meter per work centre, a
// time-of-use tariff per site, material standard costs per product and machine/labour rates per
// work centre. Schema: docs/energy.md ("Configuration") and docs/formats/config.md.
//
//   EnergyParseContext pc{&plant.operations, [&](std::string_view p) { return FindTag(p); }};
//   ctx::EnergyCostConfig energy = ctx::ParseEnergyCostConfig(doc.Root(), pc);
//   GANTRY_RETURN_IF_ERROR(doc.Finish());   // errors name file:line:col, key and expectation
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.h"
#include "core/tag.h"
#include "core/time.h"
#include "operations/operations_config.h"

namespace gantry::ctx {

// A work centre's energy meter: a cumulative register (Wh, kWh or MWh) read as a tag.
struct EnergyMeter {
  std::string work_centre;     // full path
  std::string tag;             // resolved tag path
  int width_bits = 32;         // the raw register rolls over after 2^width - 1 counts
  uint64_t max_step = 0;       // largest plausible rise in raw counts; 0 = range / 2
  double kwh_per_count = 1.0;  // energy of one raw count (from the tag's unit and scale gain)
  double offset = 0.0;         // the tag's scale offset (raw = (value - offset) / gain)
  double gain = 1.0;           // one raw count in the tag's unit (`resolution`, default the gain)
};

// A time-of-use band: a price for the local hours [start, end) of the selected weekdays. A band
// with no days and no hours covers every instant (the base price).
struct TariffBand {
  std::string name;          // "peak"
  double price_per_kwh = 0;  // in the tariff's currency
  uint8_t weekdays = 0x7f;   // bit d = local weekday d (0 Sunday .. 6 Saturday)
  Duration start = 0;        // local time of day
  Duration end = kDay;       // local time of day; end <= start runs past midnight
  bool all_day = true;       // no start/end given
};

// A site's tariff; the first band (in configuration order) covering an instant prices it.
struct TariffConfig {
  std::string site;
  std::string time_zone = "UTC";  // the site's IANA zone (from its calendar)
  std::string currency;
  std::vector<TariffBand> bands;
};

struct MaterialConfig {
  std::string id;
  std::string unit;          // "pcs", "kg" (for people, not checked)
  double standard_cost = 0;  // per unit of the material
};

// A product's bill of materials: quantity of each material per produced unit.
struct ProductCost {
  std::string id;
  std::vector<std::pair<std::string, double>> bom;  // (material id, quantity per unit)
};

// Hourly rates of a work centre while it is scheduled (every category but not_scheduled).
struct WorkCentreRates {
  double machine_per_hour = 0;
  double labour_per_hour = 0;
};

// A consumption counter: a cumulative register of a material used on a work centre (kg of
// preforms, m of film), read as a tag. The register arithmetic (rollover, PLC reset, gaps,
// implausible steps) is the energy meter's: `register_` is an EnergyMeter whose "kWh per count"
// is the material quantity per count (in `unit`).
struct ConsumptionCounter {
  std::string work_centre;  // full path
  std::string material;     // material id as the ERP's BOM names it ("RM-STEEL")
  std::string unit;         // the material's unit ("kg"); for people, not converted
  EnergyMeter register_;    // tag, width, max_step, quantity per count, offset, gain
};

struct EnergyCostConfig {
  std::string currency;                             // one currency for tariffs, materials, rates
  std::map<std::string, EnergyMeter> meters;        // by work-centre path
  std::map<std::string, TariffConfig> tariffs;      // by site name
  std::map<std::string, MaterialConfig> materials;  // by id
  std::map<std::string, ProductCost> products;      // by product id
  std::map<std::string, WorkCentreRates> rates;     // by work-centre path
  std::vector<ConsumptionCounter> consumption;      // costs.consumption, in configuration order
  bool empty() const {
    return meters.empty() && tariffs.empty() && rates.empty() && products.empty() &&
           consumption.empty();
  }
};

// What the parser needs from the rest of the configuration.
struct EnergyParseContext {
  const ops::OperationsConfig* operations = nullptr;  // lines, work centres, site time zones
  // The configured tag with this path, or nullptr when none is declared.
  std::function<const TagConfig*(std::string_view path)> find_tag;
};

// Reads the top-level `energy:` (meters, tariffs) and `costs:` (currency, materials, products,
// work_centres, consumption) sections. Errors (unknown work centre, unknown or non-energy meter
// tag, bad band, currency mismatch) are recorded in the node's document; the result is meaningful
// only when the document's Finish() is OK. Absent sections give an empty configuration.
EnergyCostConfig ParseEnergyCostConfig(const ConfigNode& root, const EnergyParseContext& context);

// The same against the plant's tag list (the one-line hook in app/plant_config.cc).
EnergyCostConfig ParseEnergyCostConfig(const ConfigNode& root,
                                       const ops::OperationsConfig& operations,
                                       const std::vector<TagConfig>& tags);

// The top-level keys this parser owns, for the root's AllowKeys.
inline constexpr std::string_view kEnergyKey = "energy";
inline constexpr std::string_view kCostsKey = "costs";

}  // namespace gantry::ctx
