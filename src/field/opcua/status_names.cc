#include "field/opcua/status_names.h"

#include <utility>

namespace gantry::opcua {

std::string StatusName(Quality q) {
  // Only the severity and sub-code identify a code; the low 16 bits are info bits.
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {0x80030000u, "BadOutOfMemory"},
      {0x80040000u, "BadResourceUnavailable"},
      {0x800B0000u, "BadServiceUnsupported"},
      {0x800C0000u, "BadShutdown"},
      {0x800D0000u, "BadServerNotConnected"},
      {0x800E0000u, "BadServerHalted"},
      {0x800F0000u, "BadNothingToDo"},
      {0x80100000u, "BadTooManyOperations"},
      {0x80120000u, "BadCertificateInvalid"},
      {0x801F0000u, "BadUserAccessDenied"},
      {0x80200000u, "BadIdentityTokenInvalid"},
      {0x80210000u, "BadIdentityTokenRejected"},
      {0x80220000u, "BadSecureChannelIdInvalid"},
      {0x80250000u, "BadSessionIdInvalid"},
      {0x80260000u, "BadSessionClosed"},
      {0x80270000u, "BadSessionNotActivated"},
      {0x80280000u, "BadSubscriptionIdInvalid"},
      {0x80330000u, "BadNodeIdInvalid"},
      {0x80350000u, "BadAttributeIdInvalid"},
      {0x803B0000u, "BadNotWritable"},
      {0x806F0000u, "BadNoMatch"},
      {0x80790000u, "BadNoSubscription"},
      {0x807A0000u, "BadSequenceNumberUnknown"},
      {0x80600000u, "BadBrowseNameInvalid"},
      {0x80780000u, "BadTooManyPublishRequests"},
      {0x80420000u, "BadMonitoredItemIdInvalid"},
      {0x80430000u, "BadMonitoredItemFilterInvalid"},
      {0x80440000u, "BadMonitoredItemFilterUnsupported"},
      {0x80450000u, "BadFilterNotAllowed"},
  };
  const uint32_t code = q.code() & 0xFFFF0000u;
  for (const auto& [value, name] : kNames)
    if (value == code) return name;
  return q.Name();
}

}  // namespace gantry::opcua
