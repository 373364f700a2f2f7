#include "enterprise/b2mml_schedule.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <pugixml.hpp>
#include <string>

namespace gantry::enterprise {
namespace {

std::string_view LocalName(const pugi::xml_node& n) {
  std::string_view name = n.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& parent, std::string_view local) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) return c;
  }
  return {};
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& parent, std::string_view local) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) out.push_back(c);
  }
  return out;
}

std::string Trimmed(const pugi::xml_node& n) {
  std::string s = n.child_value();
  const auto not_space = [](unsigned char ch) { return !std::isspace(ch); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

class Reader {
 public:
  Reader(std::string_view xml, std::string_view doc) : xml_(xml), doc_(doc) {}

  // 1-based line of a byte offset into the document.
  size_t LineOf(ptrdiff_t offset) const {
    const size_t end = std::min(static_cast<size_t>(std::max<ptrdiff_t>(offset, 0)), xml_.size());
    return 1 + static_cast<size_t>(std::count(xml_.begin(), xml_.begin() + end, '\n'));
  }

  Status Error(const pugi::xml_node& at, const std::string& what) const {
    return InvalidArgument(std::string(doc_) + ":" + std::to_string(LineOf(at.offset_debug())) +
                           ": <" + std::string(LocalName(at)) + ">: " + what);
  }

  Result<std::string> Text(const pugi::xml_node& parent, std::string_view child) const {
    pugi::xml_node c = Child(parent, child);
    if (!c) return Error(parent, "missing <" + std::string(child) + ">");
    std::string s = Trimmed(c);
    if (s.empty()) return Error(c, "must not be empty");
    return s;
  }

  Result<double> Number(const pugi::xml_node& n) const {
    const std::string s = Trimmed(n);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
      return Error(n, "'" + s + "' is not a number");
    return v;
  }

  Result<Timestamp> Time(const pugi::xml_node& n) const {
    auto t = ParseTimestamp(Trimmed(n));
    if (!t.ok()) return Error(n, t.status().message());
    return *t;
  }

  // <Quantity><QuantityString>12</QuantityString><UnitOfMeasure>pc</UnitOfMeasure></Quantity>
  Status Quantity(const pugi::xml_node& req, double* qty, std::string* unit) const {
    pugi::xml_node q = Child(req, "Quantity");
    if (!q) return Error(req, "missing <Quantity>");
    pugi::xml_node qs = Child(q, "QuantityString");
    if (!qs) return Error(q, "missing <QuantityString>");
    GANTRY_ASSIGN_OR_RETURN(*qty, Number(qs));
    if (!(*qty > 0)) return Error(qs, "quantity must be > 0");
    GANTRY_ASSIGN_OR_RETURN(*unit, Text(q, "UnitOfMeasure"));
    return Status::Ok();
  }

  Result<ProductionOrder> Request(const pugi::xml_node& pr) const {
    ProductionOrder o;
    o.source = "b2mml";
    o.state = OrderState::kReleased;
    GANTRY_ASSIGN_OR_RETURN(o.external_id, Text(pr, "ID"));
    if (pugi::xml_node st = Child(pr, "RequestState")) {
      const std::string s = Trimmed(st);
      if (s == "Forecast" || s == "Waiting")
        o.state = OrderState::kDraft;
      else if (s == "Ready")
        o.state = OrderState::kReleased;
      else if (s == "Running")
        o.state = OrderState::kRunning;
      else if (s == "Completed" || s == "Closed")
        o.state = OrderState::kCompleted;
      else if (s == "Aborted")
        o.state = OrderState::kCancelled;
      else
        return Error(
            st, "unknown RequestState '" + s +
                    "', expected Forecast, Waiting, Ready, Running, Completed, Closed or Aborted");
    }
    if (pugi::xml_node end = Child(pr, "EndTime")) {
      GANTRY_ASSIGN_OR_RETURN(o.due, Time(end));
    }
    if (pugi::xml_node scope = Child(pr, "HierarchyScope")) {
      if (pugi::xml_node eq = Child(scope, "EquipmentID")) o.work_centre = Trimmed(eq);
    }
    const auto segments = Children(pr, "SegmentRequirement");
    if (segments.empty()) return Error(pr, "missing <SegmentRequirement>");
    bool have_product = false;
    for (const pugi::xml_node& seg : segments) {
      if (pugi::xml_node late = Child(seg, "LatestEndTime"); late && o.due == 0) {
        GANTRY_ASSIGN_OR_RETURN(o.due, Time(late));
      }
      if (pugi::xml_node eq = Child(seg, "EquipmentRequirement")) {
        if (pugi::xml_node id = Child(eq, "EquipmentID")) o.work_centre = Trimmed(id);
      }
      for (pugi::xml_node c = seg.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        const std::string_view name = LocalName(c);
        std::string use;
        if (name == "MaterialProducedRequirement")
          use = "Produced";
        else if (name == "MaterialConsumedRequirement")
          use = "Consumed";
        else if (name == "MaterialRequirement") {
          GANTRY_ASSIGN_OR_RETURN(use, Text(c, "MaterialUse"));
          if (use != "Produced" && use != "Consumed")
            continue;  // by-products and consumables are not part of the order model yet
        } else if (name == "SegmentParameter" || name == "Parameter") {
          GANTRY_RETURN_IF_ERROR(Parameter(c, &o));
          continue;
        } else {
          continue;
        }
        std::string material;
        GANTRY_ASSIGN_OR_RETURN(material, Text(c, "MaterialDefinitionID"));
        double qty = 0;
        std::string unit;
        GANTRY_RETURN_IF_ERROR(Quantity(c, &qty, &unit));
        if (use == "Produced") {
          if (have_product) return Error(c, "a second produced material; one product per order");
          have_product = true;
          o.product = material;
          o.quantity = qty;
          o.unit = unit;
        } else {
          o.bom.push_back({material, qty, unit});
        }
      }
    }
    if (!have_product) return Error(pr, "no MaterialProducedRequirement (what to make)");
    GANTRY_RETURN_IF_ERROR(ValidateOrder(o).WithContext(std::string(doc_) + ":" +
                                                        std::to_string(LineOf(pr.offset_debug()))));
    return o;
  }

  Status Parameter(const pugi::xml_node& p, ProductionOrder* o) const {
    GANTRY_ASSIGN_OR_RETURN(std::string id, Text(p, "ID"));
    if (id != "IdealCycleTime" && id != "IdealRate") return Status::Ok();
    pugi::xml_node value = Child(p, "Value");
    if (!value) return Error(p, "missing <Value>");
    pugi::xml_node vs = Child(value, "ValueString");
    if (!vs) return Error(value, "missing <ValueString>");
    GANTRY_ASSIGN_OR_RETURN(double v, Number(vs));
    if (!(v > 0)) return Error(vs, id + " must be > 0");
    if (id == "IdealCycleTime") {
      o->ideal_cycle_time = static_cast<Duration>(std::llround(v * kSecond));  // seconds per unit
    } else {
      o->ideal_cycle_time = static_cast<Duration>(std::llround(3600.0 / v * kSecond));  // per hour
    }
    return Status::Ok();
  }

 private:
  std::string_view xml_;
  std::string_view doc_;
};

}  // namespace

Result<std::vector<ProductionOrder>> ParseProductionSchedule(std::string_view xml,
                                                             std::string_view document_name) {
  Reader reader(xml, document_name);
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return Malformed(std::string(document_name) + ":" +
                     std::to_string(reader.LineOf(parsed.offset)) +
                     ": XML does not parse: " + parsed.description());
  }
  pugi::xml_node root = doc.document_element();
  if (LocalName(root) != "ProductionSchedule") {
    return reader.Error(root, "expected the root element <ProductionSchedule>");
  }
  std::vector<ProductionOrder> orders;
  for (const pugi::xml_node& pr : Children(root, "ProductionRequest")) {
    GANTRY_ASSIGN_OR_RETURN(ProductionOrder o, reader.Request(pr));
    for (const ProductionOrder& seen : orders) {
      if (seen.external_id == o.external_id)
        return reader.Error(Child(pr, "ID"),
                            "ProductionRequest ID '" + o.external_id + "' appears twice");
    }
    orders.push_back(std::move(o));
  }
  if (orders.empty()) return reader.Error(root, "no <ProductionRequest>");
  return orders;
}

}  // namespace gantry::enterprise
