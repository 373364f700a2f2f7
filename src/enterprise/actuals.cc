#include "enterprise/actuals.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace gantry::enterprise {

using nlohmann::json;

std::vector<ConsumptionLine> PlannedConsumption(const ProductionOrder& o, double output) {
  std::vector<ConsumptionLine> out;
  if (!(o.quantity > 0)) return out;
  for (const BomLine& b : o.bom)
    out.push_back({b.material, b.planned_quantity * output / o.quantity, b.unit, false});
  return out;
}

std::string ActualsToJson(const OrderActuals& a) {
  json j = {{"order_key", a.order_key},
            {"external_id", a.external_id},
            {"product", a.product},
            {"unit", a.unit},
            {"final", a.final},
            {"from", a.from},
            {"to", a.to},
            {"good", a.good},
            {"scrap", a.scrap},
            {"run_time_ns", a.run_time}};
  if (a.energy_pending) {
    j["energy_kwh"] = nullptr;
    j["energy_cost"] = nullptr;
    j["currency"] = nullptr;
  } else {
    j["energy_kwh"] = a.energy_kwh;
    j["energy_cost"] = a.energy_cost;
    j["currency"] = a.currency;
  }
  if (!a.energy_note.empty()) j["energy_note"] = a.energy_note;
  if (a.correction > 0) {  // absent otherwise, so that other messages keep their bytes
    j["correction"] = a.correction;
    j["corrects"] = a.corrects;
  }
  if (!a.shift.empty())
    j["shift"] = {{"id", a.shift},
                  {"good", a.shift_good},
                  {"scrap", a.shift_scrap},
                  {"run_time_ns", a.shift_run_time}};
  json scrap = json::array();
  for (const ScrapLine& s : a.scrap_by_reason)
    scrap.push_back({{"reason", s.reason}, {"quantity", s.quantity}});
  j["scrap_by_reason"] = std::move(scrap);
  json cons = json::array();
  for (const ConsumptionLine& c : a.consumption) {
    json line = {{"material", c.material},
                 {"quantity", c.quantity},
                 {"unit", c.unit},
                 {"measured", c.measured}};
    if (c.measured) line["planned_quantity"] = c.planned;
    cons.push_back(std::move(line));
  }
  if (!a.consumption_note.empty()) j["consumption_note"] = a.consumption_note;
  j["consumption"] = std::move(cons);
  json down = json::array();
  for (const DowntimeLine& d : a.downtime)
    down.push_back({{"reason", d.reason}, {"duration_ns", d.duration}});
  j["downtime"] = std::move(down);
  return j.dump();
}

namespace {

template <typename T>
Status Get(const json& j, const char* field, T* out, bool required = true) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) return InvalidArgument(std::string("actuals: missing field '") + field + "'");
    return Status::Ok();
  }
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string())
      return InvalidArgument(std::string("actuals: field '") + field + "' must be a string");
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean())
      return InvalidArgument(std::string("actuals: field '") + field + "' must be true or false");
  } else {
    if (!it->is_number())
      return InvalidArgument(std::string("actuals: field '") + field + "' must be a number");
  }
  *out = it->get<T>();
  return Status::Ok();
}

}  // namespace

Result<OrderActuals> ActualsFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("actuals: not a JSON object");
  OrderActuals a;
  GANTRY_RETURN_IF_ERROR(Get(j, "order_key", &a.order_key));
  GANTRY_RETURN_IF_ERROR(Get(j, "external_id", &a.external_id));
  GANTRY_RETURN_IF_ERROR(Get(j, "product", &a.product, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "unit", &a.unit, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "final", &a.final));
  GANTRY_RETURN_IF_ERROR(Get(j, "from", &a.from, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "to", &a.to, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "good", &a.good));
  GANTRY_RETURN_IF_ERROR(Get(j, "scrap", &a.scrap));
  GANTRY_RETURN_IF_ERROR(Get(j, "run_time_ns", &a.run_time, false));
  {
    auto e = j.find("energy_kwh");
    a.energy_pending = e != j.end() && e->is_null();
  }
  GANTRY_RETURN_IF_ERROR(Get(j, "energy_kwh", &a.energy_kwh, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "energy_cost", &a.energy_cost, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "currency", &a.currency, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "energy_note", &a.energy_note, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "consumption_note", &a.consumption_note, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "correction", &a.correction, false));
  GANTRY_RETURN_IF_ERROR(Get(j, "corrects", &a.corrects, false));
  if (auto sh = j.find("shift"); sh != j.end() && sh->is_object()) {
    GANTRY_RETURN_IF_ERROR(Get(*sh, "id", &a.shift));
    GANTRY_RETURN_IF_ERROR(Get(*sh, "good", &a.shift_good));
    GANTRY_RETURN_IF_ERROR(Get(*sh, "scrap", &a.shift_scrap));
    GANTRY_RETURN_IF_ERROR(Get(*sh, "run_time_ns", &a.shift_run_time, false));
  }
  if (!(a.good >= 0) || !(a.scrap >= 0) || !std::isfinite(a.good) || !std::isfinite(a.scrap))
    return InvalidArgument("actuals: good and scrap must be >= 0");
  for (const json& s : j.value("scrap_by_reason", json::array())) {
    ScrapLine l;
    GANTRY_RETURN_IF_ERROR(Get(s, "reason", &l.reason));
    GANTRY_RETURN_IF_ERROR(Get(s, "quantity", &l.quantity));
    a.scrap_by_reason.push_back(std::move(l));
  }
  for (const json& c : j.value("consumption", json::array())) {
    ConsumptionLine l;
    GANTRY_RETURN_IF_ERROR(Get(c, "material", &l.material));
    GANTRY_RETURN_IF_ERROR(Get(c, "quantity", &l.quantity));
    GANTRY_RETURN_IF_ERROR(Get(c, "unit", &l.unit));
    GANTRY_RETURN_IF_ERROR(Get(c, "measured", &l.measured, false));
    GANTRY_RETURN_IF_ERROR(Get(c, "planned_quantity", &l.planned, false));
    a.consumption.push_back(std::move(l));
  }
  for (const json& d : j.value("downtime", json::array())) {
    DowntimeLine l;
    GANTRY_RETURN_IF_ERROR(Get(d, "reason", &l.reason));
    GANTRY_RETURN_IF_ERROR(Get(d, "duration_ns", &l.duration));
    a.downtime.push_back(std::move(l));
  }
  return a;
}

}  // namespace gantry::enterprise
