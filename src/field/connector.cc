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

std::string_view UnitStateName(UnitHealth::State s) {
  switch (s) {
    case UnitHealth::State::kUnknown: return "unknown";
    case UnitHealth::State::kAnswering: return "answering";
    case UnitHealth::State::kRefusing: return "refusing";
    case UnitHealth::State::kDown: return "down";
  }
  return "unknown";
}

}  // namespace gantry
