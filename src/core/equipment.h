// The ISA-95 equipment hierarchy of a plant: enterprise / site / area / line / work centre. Every
// tag path hangs under one of these nodes, and the operations layer keeps its state per work
// centre. Built from the `enterprise:` and `sites:` sections of the configuration.
//
//   EquipmentModel model = ParseEquipment(doc.Root());
//   const EquipmentNode* wc = model.Find("acme/plant1/packaging/line1/filler");
//   if (wc && wc->level == EquipmentLevel::kWorkCentre) ...
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/config_node.h"

namespace gantry {

enum class EquipmentLevel : uint8_t { kEnterprise, kSite, kArea, kLine, kWorkCentre };
std::string_view EquipmentLevelName(EquipmentLevel level);

struct EquipmentNode {
  std::string path;  // "acme/plant1/packaging/line1/filler"
  std::string name;  // last segment
  EquipmentLevel level = EquipmentLevel::kEnterprise;
  std::string site_path;  // the site this node belongs to ("" for the enterprise)
  std::string timezone;   // the site's IANA time zone
  ConfigLocation where;
};

// Immutable after parsing; thread-safe to read.
class EquipmentModel {
 public:
  const std::string& enterprise() const { return enterprise_; }
  // Nodes in declaration order (parents before children).
  const std::vector<EquipmentNode>& nodes() const { return nodes_; }
  // nullptr when no node has that path.
  const EquipmentNode* Find(std::string_view path) const;
  std::vector<const EquipmentNode*> WorkCentres() const;
  std::vector<const EquipmentNode*> Sites() const;

  // Adds a node; returns false (and changes nothing) if the path exists. For the parser and tests.
  bool Add(EquipmentNode node);
  void SetEnterprise(std::string name) { enterprise_ = std::move(name); }

 private:
  std::string enterprise_;
  std::vector<EquipmentNode> nodes_;
  std::unordered_map<std::string, size_t> index_;
};

// Parses `enterprise:` and `sites:` from the configuration root. Errors (missing names, bad
// characters, unknown time zone, duplicates) are recorded in the root's document.
EquipmentModel ParseEquipment(const ConfigNode& root);

// True when `zone` is an IANA time-zone name known to the system's tz database.
bool IsKnownTimeZone(const std::string& zone);

}  // namespace gantry
