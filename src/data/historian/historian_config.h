// The `historian:` section of the plant configuration: sync policy, retention per path prefix
// (raw for N days, aggregates longer), the disk floor and which tags give way first, zstd packing
// of cold chunks, and how often the runtime runs maintenance. Schema: docs/formats/config.md.
//
//   historian:
//     retention: [{prefix: acme/plant1/, keep_raw: 90d, keep_aggregates: 5y}]
//     disk_floor: 2GB
//     low_priority: [acme/plant1/diagnostics/]
//   HistorianConfig hc = ParseHistorianConfig(root["historian"]);   // errors go to the document
#pragma once

#include <string>
#include <vector>

#include "core/config_node.h"
#include "data/historian/historian.h"

namespace gantry::historian {

struct HistorianConfig {
  HistorianOptions options;                      // sync, retention, disk floor, packing
  std::vector<std::string> low_priority;         // path prefixes refused first at the disk floor
  Duration maintenance_interval = 10 * kMinute;  // how often the runtime calls Maintain()
};

// Reads `node` (absent = defaults). Every problem is recorded in the node's document with its
// file, line and key path; the returned value then holds defaults for the bad keys.
HistorianConfig ParseHistorianConfig(const ConfigNode& node);

// Gives every series whose path starts with one of `prefixes` priority -1 (and others 0), so
// that the disk floor refuses them first. Call after binding the configured tags.
Status ApplyLowPriority(Historian& historian, const std::vector<std::string>& prefixes,
                        const std::vector<std::string>& paths);

}  // namespace gantry::historian
