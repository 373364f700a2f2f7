#include "core/quality.h"

#include <array>
#include <cstdio>
#include <cstdlib>

namespace gantry {
namespace {

struct NamedQuality {
  Quality quality;
  std::string_view name;
};

constexpr std::array kNamed = {
    NamedQuality{Quality::Good(), "Good"},
    NamedQuality{Quality::GoodClamped(), "GoodClamped"},
    NamedQuality{Quality::Uncertain(), "Uncertain"},
    NamedQuality{Quality::UncertainLastUsableValue(), "UncertainLastUsableValue"},
    NamedQuality{Quality::UncertainSensorNotAccurate(), "UncertainSensorNotAccurate"},
    NamedQuality{Quality::UncertainEngineeringUnitsExceeded(), "UncertainEngineeringUnitsExceeded"},
    NamedQuality{Quality::Bad(), "Bad"},
    NamedQuality{Quality::BadInternalError(), "BadInternalError"},
    NamedQuality{Quality::BadCommunicationError(), "BadCommunicationError"},
    NamedQuality{Quality::BadDecodingError(), "BadDecodingError"},
    NamedQuality{Quality::BadTimeout(), "BadTimeout"},
    NamedQuality{Quality::BadNoCommunication(), "BadNoCommunication"},
    NamedQuality{Quality::BadWaitingForInitialData(), "BadWaitingForInitialData"},
    NamedQuality{Quality::BadNodeIdUnknown(), "BadNodeIdUnknown"},
    NamedQuality{Quality::BadNotReadable(), "BadNotReadable"},
    NamedQuality{Quality::BadOutOfRange(), "BadOutOfRange"},
    NamedQuality{Quality::BadNotSupported(), "BadNotSupported"},
    NamedQuality{Quality::BadTypeMismatch(), "BadTypeMismatch"},
    NamedQuality{Quality::BadConfigurationError(), "BadConfigurationError"},
    NamedQuality{Quality::BadNotConnected(), "BadNotConnected"},
    NamedQuality{Quality::BadDeviceFailure(), "BadDeviceFailure"},
    NamedQuality{Quality::BadSensorFailure(), "BadSensorFailure"},
    NamedQuality{Quality::BadOutOfService(), "BadOutOfService"},
};

}  // namespace

std::string Quality::Name() const {
  for (const auto& n : kNamed)
    if (n.quality == *this) return std::string(n.name);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s(0x%08X)", std::string(SeverityName(severity())).c_str(),
                code_);
  return buf;
}

bool Quality::FromName(std::string_view name, Quality& out) {
  for (const auto& n : kNamed) {
    if (n.name == name) {
      out = n.quality;
      return true;
    }
  }
  if (name.size() > 2 && name.size() <= 10 && name[0] == '0' &&
      (name[1] == 'x' || name[1] == 'X')) {
    std::string hex(name.substr(2));
    char* end = nullptr;
    unsigned long v = std::strtoul(hex.c_str(), &end, 16);
    if (end && *end == '\0') {
      out = Quality(static_cast<uint32_t>(v));
      return true;
    }
  }
  return false;
}

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kGood: return "Good";
    case Severity::kUncertain: return "Uncertain";
    case Severity::kBad: return "Bad";
  }
  return "Bad";
}

}  // namespace gantry
