#include "core/equipment.h"

#include <date/tz.h>

#include "core/tag.h"

namespace gantry {

std::string_view EquipmentLevelName(EquipmentLevel level) {
  switch (level) {
    case EquipmentLevel::kEnterprise: return "enterprise";
    case EquipmentLevel::kSite: return "site";
    case EquipmentLevel::kArea: return "area";
    case EquipmentLevel::kLine: return "line";
    case EquipmentLevel::kWorkCentre: return "work centre";
  }
  return "enterprise";
}

const EquipmentNode* EquipmentModel::Find(std::string_view path) const {
  auto it = index_.find(std::string(path));
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

std::vector<const EquipmentNode*> EquipmentModel::WorkCentres() const {
  std::vector<const EquipmentNode*> out;
  for (const auto& n : nodes_)
    if (n.level == EquipmentLevel::kWorkCentre) out.push_back(&n);
  return out;
}

std::vector<const EquipmentNode*> EquipmentModel::Sites() const {
  std::vector<const EquipmentNode*> out;
  for (const auto& n : nodes_)
    if (n.level == EquipmentLevel::kSite) out.push_back(&n);
  return out;
}

bool EquipmentModel::Add(EquipmentNode node) {
  if (index_.count(node.path)) return false;
  index_.emplace(node.path, nodes_.size());
  nodes_.push_back(std::move(node));
  return true;
}

bool IsKnownTimeZone(const std::string& zone) {
  try {
    return date::locate_zone(zone) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

namespace {

bool ValidSegment(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Reads the `name` of an item that is either a plain string or a map with `name:`. The other keys
// of a work centre's map (state rules, counters, ...) are the operations layer's to check.
std::string ItemName(const ConfigNode& item) {
  if (item.IsScalar()) return item.AsString();
  if (!item.IsMap()) {
    item.Error("expected a work centre name or a map with name:");
    return {};
  }
  return item.RequiredString("name");
}

void AddNode(EquipmentModel& model, const ConfigNode& where, const std::string& parent,
             const std::string& name, EquipmentLevel level, const std::string& site_path,
             const std::string& timezone) {
  if (name.empty()) return;  // already reported as missing
  if (!ValidSegment(name)) {
    where.Error("name " + QuoteForMessage(name) +
                " may only contain letters, digits, '_', '.', '-' (at most 64 characters)");
    return;
  }
  EquipmentNode node;
  node.path = parent + "/" + name;
  node.name = name;
  node.level = level;
  node.site_path = level == EquipmentLevel::kSite ? node.path : site_path;
  node.timezone = timezone;
  node.where = where.Location();
  std::string path = node.path;
  if (!model.Add(std::move(node))) {
    where.Error(std::string(EquipmentLevelName(level)) + " " + QuoteForMessage(path) +
                " is declared twice");
  }
}

}  // namespace

EquipmentModel ParseEquipment(const ConfigNode& root) {
  EquipmentModel model;
  std::string enterprise = root.RequiredString("enterprise");
  if (!enterprise.empty() && !ValidSegment(enterprise)) {
    root.ErrorAt("enterprise", "name " + QuoteForMessage(enterprise) +
                                   " may only contain letters, digits, '_', '.', '-'");
    enterprise.clear();
  }
  model.SetEnterprise(enterprise);
  if (enterprise.empty()) return model;
  EquipmentNode top;
  top.path = enterprise;
  top.name = enterprise;
  top.level = EquipmentLevel::kEnterprise;
  model.Add(top);

  ConfigNode sites = root["sites"];
  if (!sites.IsPresent()) {
    root.Error("missing required key 'sites' (expected a list of sites with areas and lines)");
    return model;
  }
  for (const ConfigNode& site : sites.Items()) {
    // Site-level keys owned by later layers (shifts, schedules, tariffs) are allowed here and
    // parsed by those layers.
    site.AllowKeys({"name", "timezone", "areas", "calendar"});
    const std::string site_name = site.RequiredString("name");
    std::string tz = site.String("timezone", "UTC");
    if (!IsKnownTimeZone(tz)) {
      site.ErrorAt("timezone",
                   "unknown time zone " + QuoteForMessage(tz) +
                       "; expected an IANA name such as Europe/Berlin or America/Chicago");
      tz = "UTC";
    }
    AddNode(model, site, enterprise, site_name, EquipmentLevel::kSite, "", tz);
    const std::string site_path = enterprise + "/" + site_name;
    for (const ConfigNode& area : site["areas"].Items()) {
      area.AllowKeys({"name", "lines"});
      const std::string area_name = area.RequiredString("name");
      AddNode(model, area, site_path, area_name, EquipmentLevel::kArea, site_path, tz);
      const std::string area_path = site_path + "/" + area_name;
      for (const ConfigNode& line : area["lines"].Items()) {
        line.AllowKeys({"name", "work_centres", "constraint"});
        const std::string line_name = line.RequiredString("name");
        AddNode(model, line, area_path, line_name, EquipmentLevel::kLine, site_path, tz);
        const std::string line_path = area_path + "/" + line_name;
        for (const ConfigNode& wc : line["work_centres"].Items()) {
          // Work-centre rules (state, counters, reasons) are parsed by the operations layer.
          const std::string wc_name = ItemName(wc);
          AddNode(model, wc, line_path, wc_name, EquipmentLevel::kWorkCentre, site_path, tz);
        }
      }
    }
  }
  return model;
}

}  // namespace gantry
