// Names of the OPC UA status codes a client meets most (IEC 62541-4 §7.39, Part 6 Annex A), for
// messages and logs: Quality::Name() knows only the codes Gantry's own layers produce.
//
//   spdlog::warn("write refused: {}", StatusName(q));   // "BadNotWritable"
#pragma once

#include <string>

#include "core/quality.h"

namespace gantry::opcua {

// "BadNotWritable", "BadNoMatch", ...; Quality::Name() for any other code.
std::string StatusName(Quality q);

}  // namespace gantry::opcua
