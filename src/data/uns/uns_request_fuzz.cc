// Fuzzes the decoding of "$events" request payloads (they come from the network): refused or
// decoded within bounds, never a crash; an accepted request re-encoded decodes the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "data/uns/uns_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  gantry::Result<gantry::uns::EventsRequest> r = gantry::uns::ParseEventsRequest(payload);
  if (!r.ok()) return 0;
  if (r->limit < 1 || r->limit > 1000) std::abort();
  const std::string again =
      "{\"after\":" + std::to_string(r->after) + ",\"limit\":" + std::to_string(r->limit) + "}";
  gantry::Result<gantry::uns::EventsRequest> back = gantry::uns::ParseEventsRequest(again);
  if (!back.ok() || back->after != r->after || back->limit != r->limit) std::abort();
  return 0;
}
