// ISA-95 B2MML ProductionPerformance out: each actuals message becomes one ProductionPerformance
// document (one ProductionResponse with one SegmentResponse), written to a folder as
// <idempotency key>.xml (atomically, so a re-delivery rewrites the same file) or POSTed to an
// HTTP(S) endpoint with an Idempotency-Key header. Element mapping: docs/enterprise.md.
//
//   GANTRY_ASSIGN_OR_RETURN(std::string xml, ProductionPerformanceXml(message));
//   GANTRY_ASSIGN_OR_RETURN(auto adapter, MakeB2mmlPerformanceAdapter({.folder = "out"}));
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "enterprise/erp_config.h"
#include "enterprise/outbox.h"

namespace gantry::enterprise {

// The document for one outbox message whose payload is OrderActuals JSON. InvalidArgument when
// the payload is not.
Result<std::string> ProductionPerformanceXml(const OutboxMessage& m);

// A folder target (created if missing; IoError when it cannot be) or an HTTP(S) target.
// Folder: a failed write is retried. HTTP: 2xx acknowledges; verdicts as the webhook's.
Result<std::unique_ptr<ErpAdapter>> MakeB2mmlPerformanceAdapter(const B2mmlOutSettings& s);

}  // namespace gantry::enterprise
