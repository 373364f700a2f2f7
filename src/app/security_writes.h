// Writes toward machines in the running plant: which connector owns which tag, and the one entry
// point the API's write route calls. In one-way mode every connector is told to refuse writes
// (Connector::ForbidWrites), so no path reaches a machine even when a device says
// `writes: enabled`.
//
//   MachineWrites writes;
//   writes.Own(opcua_connector.get(), tag_ids);
//   if (cfg.security.one_way) writes.ForbidAll();
//   Status s = writes.Write(tag, Value(42.5));  // routed to the owning connector
#pragma once

#include <unordered_map>
#include <vector>

#include "core/sample.h"
#include "core/status.h"
#include "field/connector.h"

namespace gantry {

class MachineWrites {
 public:
  // Records `connector` (borrowed; must outlive this) as the owner of `tags`. Not thread-safe:
  // call while the plant starts, before the API serves.
  void Own(Connector* connector, const std::vector<TagId>& tags);
  // One-way mode: every owned connector, and any owned later, refuses writes from now on.
  void ForbidAll();
  // Writes through the connector that owns `tag` (Connector::Write). FailedPrecondition when no
  // connector reads the tag (a derived or simulated-only tag). Thread-safe after start-up.
  Status Write(TagId tag, const Value& value) const;

 private:
  std::unordered_map<TagId, Connector*> owner_;
  std::vector<Connector*> connectors_;
  bool forbidden_ = false;
};

}  // namespace gantry
