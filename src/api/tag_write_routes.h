// POST /api/v1/tags/{path}/write: writes one value toward the machine a tag is read from (role
// engineer; marked commands_machine, so one-way mode refuses it before it gets here; the
// security gate records every attempt in the audit trail). The value is checked against the tag's
// type here; the write itself goes through a hook (the running plant routes it to the connector
// that owns the tag, see app/security_writes.h).
//
//   context.modules.push_back(TagWriteRoutes(registry, [&](TagId tag, const Value& v) {
//     return writes.Write(tag, v);
//   }));
#pragma once

#include <functional>

#include "api/route_module.h"
#include "core/sample.h"
#include "core/status.h"
#include "data/tag_registry.h"

namespace gantry {

// Writes `value` toward the machine of `tag`; Status codes as Connector::WriteTag
// (field/connector.h). Called on I/O threads: must be thread-safe.
using TagWrite = std::function<Status(TagId tag, const Value& value)>;

// The module answering POST /api/v1/tags/{path}/write with body {"value": <number|bool|string>}:
// 200 {"path","value","written":true} once the device accepted it; 400 naming `value` (missing,
// wrong type for the tag, not JSON) or the query parameter; 404 for an unknown tag; 409 when
// writes are disabled for the tag's device (or by one-way mode); 422 when the tag's connector
// cannot write or the device refuses the value; 503 when the device cannot be reached or `write`
// is empty. Borrows `registry`, which must outlive the module.
RouteModule TagWriteRoutes(const TagRegistry& registry, TagWrite write);

}  // namespace gantry
