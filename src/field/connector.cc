#include "field/connector.h"

namespace gantry {

std::string_view ConnectorStateName(ConnectorState s) {
  switch (s) {
    case ConnectorState::kStopped: return "stopped";
    case ConnectorState::kConnecting: return "connecting";
    case ConnectorState::kConnected: return "connected";
    case ConnectorState::kBackoff: return "backoff";
  }
  return "stopped";
}

}  // namespace gantry
