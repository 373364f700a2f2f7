// ISA-95 B2MML ProductionSchedule import: each ProductionRequest becomes one ProductionOrder.
// Namespace prefixes are ignored (elements are matched by local name). Every error names the
// document, the line and the element, e.g. "plan.xml:14: <QuantityString>: '12x' is not a number".
//
//   GANTRY_ASSIGN_OR_RETURN(auto orders, ParseProductionSchedule(xml_text, "plan.xml"));
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "enterprise/order.h"

namespace gantry::enterprise {

// Mapping (see docs/enterprise.md, "B2MML"):
//   ProductionRequest/ID                                   -> external_id (source "b2mml")
//   .../SegmentRequirement/MaterialProducedRequirement     -> product, quantity, unit
//   .../MaterialConsumedRequirement                        -> bom lines
//     (or MaterialRequirement with MaterialUse Produced / Consumed, as in B2MML V0700+)
//   ProductionRequest/EndTime or SegmentRequirement/LatestEndTime -> due
//   EquipmentRequirement/EquipmentID or HierarchyScope/EquipmentID -> work_centre
//   SegmentParameter or Parameter with ID IdealCycleTime (seconds) / IdealRate (per hour)
//   ProductionRequest/RequestState: Forecast/Waiting -> draft, Ready -> released,
//     Running -> running, Completed/Closed -> completed, Aborted -> cancelled (default released)
// Malformed when the XML does not parse, InvalidArgument when a request lacks a field or a
// value does not convert. The whole document is rejected on the first error.
Result<std::vector<ProductionOrder>> ParseProductionSchedule(std::string_view xml,
                                                             std::string_view document_name);

}  // namespace gantry::enterprise
