#include "enterprise/order.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace gantry::enterprise {
namespace {

using nlohmann::json;

constexpr std::string_view kStateNames[] = {"draft", "released", "running", "completed",
                                            "cancelled"};

Result<std::string> RequireString(const json& j, const char* field, bool required) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) return InvalidArgument(std::string("order: missing field '") + field + "'");
    return std::string();
  }
  if (!it->is_string())
    return InvalidArgument(std::string("order: field '") + field + "' must be a string, got " +
                           it->dump());
  return it->get<std::string>();
}

Result<double> RequireNumber(const json& j, const std::string& path, const char* field) {
  auto it = j.find(field);
  if (it == j.end()) return InvalidArgument("order: missing field '" + path + field + "'");
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {  // ERPs often send quantities as decimal strings
    const std::string s = it->get<std::string>();
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return v;
  }
  return InvalidArgument("order: field '" + path + field + "' must be a number, got " + it->dump());
}

Status CheckKnownFields(const json& j, const std::set<std::string>& known,
                        const std::string& path) {
  for (const auto& [k, v] : j.items()) {
    if (!known.count(k)) return InvalidArgument("order: unknown field '" + path + k + "'");
  }
  return Status::Ok();
}

Result<ProductionOrder> FromJsonObject(const json& j) {
  if (!j.is_object()) return InvalidArgument("order: expected a JSON object");
  static const std::set<std::string> kKnown = {
      "source",      "external_id",      "product",       "quantity", "unit",  "due",
      "work_centre", "ideal_cycle_time", "rate_per_hour", "bom",      "state", "version"};
  GANTRY_RETURN_IF_ERROR(CheckKnownFields(j, kKnown, ""));
  ProductionOrder o;
  GANTRY_ASSIGN_OR_RETURN(o.source, RequireString(j, "source", false));
  if (o.source.empty()) o.source = "rest";
  GANTRY_ASSIGN_OR_RETURN(o.external_id, RequireString(j, "external_id", true));
  GANTRY_ASSIGN_OR_RETURN(o.product, RequireString(j, "product", true));
  GANTRY_ASSIGN_OR_RETURN(o.quantity, RequireNumber(j, "", "quantity"));
  GANTRY_ASSIGN_OR_RETURN(o.unit, RequireString(j, "unit", true));
  GANTRY_ASSIGN_OR_RETURN(o.work_centre, RequireString(j, "work_centre", false));
  if (auto it = j.find("due"); it != j.end() && !it->is_null()) {
    if (!it->is_string() && !it->is_number())
      return InvalidArgument("order: field 'due' must be an ISO 8601 time, got " + it->dump());
    const std::string text = it->is_string() ? it->get<std::string>() : it->dump();
    auto t = ParseTimestamp(text);
    if (!t.ok()) return InvalidArgument("order: field 'due': " + t.status().message());
    o.due = *t;
  }
  if (auto it = j.find("ideal_cycle_time"); it != j.end() && !it->is_null()) {
    if (it->is_number()) {
      o.ideal_cycle_time = static_cast<Duration>(std::llround(it->get<double>() * kSecond));
    } else if (it->is_string()) {
      auto d = ParseDuration(it->get<std::string>());
      if (!d.ok())
        return InvalidArgument("order: field 'ideal_cycle_time': " + d.status().message());
      o.ideal_cycle_time = *d;
    } else {
      return InvalidArgument("order: field 'ideal_cycle_time' must be seconds or a duration, got " +
                             it->dump());
    }
  }
  if (j.contains("rate_per_hour")) {
    GANTRY_ASSIGN_OR_RETURN(double rate, RequireNumber(j, "", "rate_per_hour"));
    if (!(rate > 0)) return InvalidArgument("order: field 'rate_per_hour' must be > 0");
    if (o.ideal_cycle_time != 0)
      return InvalidArgument("order: give either 'ideal_cycle_time' or 'rate_per_hour', not both");
    o.ideal_cycle_time = static_cast<Duration>(std::llround(3600.0 / rate * kSecond));
  }
  if (auto it = j.find("bom"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return InvalidArgument("order: field 'bom' must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& line = (*it)[i];
      const std::string path = "bom[" + std::to_string(i) + "].";
      if (!line.is_object())
        return InvalidArgument("order: field '" + path + "' must be an object");
      GANTRY_RETURN_IF_ERROR(
          CheckKnownFields(line, {"material", "quantity", "unit", "unit_cost"}, path));
      BomLine b;
      auto m = RequireString(line, "material", true);
      if (!m.ok()) return InvalidArgument("order: missing field '" + path + "material'");
      b.material = *m;
      GANTRY_ASSIGN_OR_RETURN(b.planned_quantity, RequireNumber(line, path, "quantity"));
      auto u = RequireString(line, "unit", true);
      if (!u.ok()) return InvalidArgument("order: missing field '" + path + "unit'");
      b.unit = *u;
      if (auto c = line.find("unit_cost"); c != line.end() && !c->is_null()) {
        GANTRY_ASSIGN_OR_RETURN(double cost, RequireNumber(line, path, "unit_cost"));
        if (!(cost >= 0))
          return InvalidArgument("order: field '" + path + "unit_cost' must be >= 0");
        b.unit_cost = cost;
      }
      o.bom.push_back(std::move(b));
    }
  }
  o.state = OrderState::kReleased;
  if (auto it = j.find("state"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("order: field 'state' must be a string");
    auto s = ParseOrderState(it->get<std::string>());
    if (!s.ok()) return InvalidArgument("order: field 'state': " + s.status().message());
    o.state = *s;
  }
  if (auto it = j.find("version"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer())
      return InvalidArgument("order: field 'version' must be an integer");
    o.version = it->get<int64_t>();
  }
  GANTRY_RETURN_IF_ERROR(ValidateOrder(o));
  return o;
}

std::string Num(double v) {
  std::ostringstream os;
  os.precision(15);
  os << v;
  return os.str();
}

}  // namespace

std::string_view OrderStateName(OrderState s) {
  return kStateNames[static_cast<size_t>(s)];
}

Result<OrderState> ParseOrderState(std::string_view text) {
  for (size_t i = 0; i < std::size(kStateNames); ++i) {
    if (kStateNames[i] == text) return static_cast<OrderState>(i);
  }
  return InvalidArgument("unknown order state '" + std::string(text) +
                         "', expected draft, released, running, completed or cancelled");
}

Status ValidateOrder(const ProductionOrder& o) {
  const std::string who = "order " + (o.external_id.empty() ? std::string("?") : o.external_id);
  if (o.external_id.empty()) return InvalidArgument(who + ": external_id must not be empty");
  if (o.source.empty()) return InvalidArgument(who + ": source must not be empty");
  if (o.product.empty()) return InvalidArgument(who + ": product must not be empty");
  if (!(o.quantity > 0) || !std::isfinite(o.quantity))
    return InvalidArgument(who + ": quantity must be > 0, got " + Num(o.quantity));
  if (o.unit.empty()) return InvalidArgument(who + ": unit must not be empty");
  if (o.ideal_cycle_time < 0) return InvalidArgument(who + ": ideal_cycle_time must be >= 0");
  if (o.version < 1) return InvalidArgument(who + ": version must be >= 1");
  for (size_t i = 0; i < o.bom.size(); ++i) {
    const BomLine& b = o.bom[i];
    const std::string path = who + ": bom[" + std::to_string(i) + "].";
    if (b.material.empty()) return InvalidArgument(path + "material must not be empty");
    if (!(b.planned_quantity > 0) || !std::isfinite(b.planned_quantity))
      return InvalidArgument(path + "planned_quantity must be > 0, got " + Num(b.planned_quantity));
    if (b.unit.empty()) return InvalidArgument(path + "unit must not be empty");
  }
  return Status::Ok();
}

Result<ProductionOrder> OrderFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("order: body is not valid JSON");
  return FromJsonObject(j);
}

std::string OrderToJson(const ProductionOrder& o) {
  json j;
  j["source"] = o.source;
  j["external_id"] = o.external_id;
  j["product"] = o.product;
  j["quantity"] = o.quantity;
  j["unit"] = o.unit;
  if (o.due != 0) j["due"] = FormatIso8601(o.due);
  if (!o.work_centre.empty()) j["work_centre"] = o.work_centre;
  if (o.ideal_cycle_time != 0)
    j["ideal_cycle_time"] = static_cast<double>(o.ideal_cycle_time) / kSecond;
  json bom = json::array();
  for (const BomLine& b : o.bom) {
    json line = {{"material", b.material}, {"quantity", b.planned_quantity}, {"unit", b.unit}};
    if (b.unit_cost) line["unit_cost"] = *b.unit_cost;
    bom.push_back(std::move(line));
  }
  j["bom"] = std::move(bom);
  j["state"] = std::string(OrderStateName(o.state));
  j["version"] = o.version;
  return j.dump();
}

}  // namespace gantry::enterprise
