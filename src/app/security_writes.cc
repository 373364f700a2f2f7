#include "app/security_writes.h"

#include <algorithm>
#include <string>

namespace gantry {

void MachineWrites::Own(Connector* connector, const std::vector<TagId>& tags) {
  if (forbidden_) connector->ForbidWrites();
  if (std::find(connectors_.begin(), connectors_.end(), connector) == connectors_.end())
    connectors_.push_back(connector);
  for (TagId t : tags) owner_[t] = connector;
}

void MachineWrites::ForbidAll() {
  forbidden_ = true;
  for (Connector* c : connectors_) c->ForbidWrites();
}

Status MachineWrites::Write(TagId tag, const Value& value) const {
  auto it = owner_.find(tag);
  if (it == owner_.end())
    return FailedPrecondition(
        "the tag is read by no connector of this node; there is no machine to write it to");
  return it->second->Write(tag, value);
}

}  // namespace gantry
