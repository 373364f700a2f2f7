// Tag configuration common to every source: the ISA-95 path (which is also the tag's Unified
// Namespace topic), data type, engineering unit, scaling and deadband. Protocol-specific
// addressing lives with each connector (field/modbus, ...).
//
//   TagConfig tag;
//   ParseTagCommon(node, tag);            // path, type, unit, scale, deadband, description
//   double eng = tag.scaling.Apply(raw);
#pragma once

#include <string>
#include <string_view>

#include "core/config_node.h"
#include "core/sample.h"
#include "core/status.h"

namespace gantry {

// engineering = raw * gain + offset
struct Scaling {
  double gain = 1.0;
  double offset = 0.0;
  bool IsIdentity() const { return gain == 1.0 && offset == 0.0; }
  double Apply(double raw) const { return raw * gain + offset; }
};

struct TagConfig {
  std::string path;                     // "acme/plant1/packaging/line1/filler/state"
  ValueType type = ValueType::kDouble;  // the type of the published Value
  std::string unit;                     // engineering unit, free text ("degC", "kWh", "units")
  std::string description;
  std::string source;  // human-readable origin, e.g. "filler-plc hr:0 uint16"
  Scaling scaling;
  double deadband = 0.0;  // absolute; 0 publishes every change
  ConfigLocation where;   // where the tag was declared
};

// OK when `path` is 2..8 segments of [A-Za-z0-9_.-]+ joined by '/'; else InvalidArgument naming
// the path and the rule it breaks.
Status ValidateTagPath(std::string_view path);

// Parent of a path: "a/b/c" -> "a/b"; "" for a single segment.
std::string_view ParentPath(std::string_view path);

// Reads path, unit, description, scale and deadband from a tag's map into `tag` and validates the
// path's form (not its place in the hierarchy). `type` is left to the caller, which knows the
// wire type. Errors are recorded in the node's document.
void ParseTagCommon(const ConfigNode& node, TagConfig& tag);

}  // namespace gantry
