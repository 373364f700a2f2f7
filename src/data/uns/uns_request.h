// Requests a Unified Namespace subscriber sends to Gantry over the broker, decoded here because
// their payloads come from the network: "<prefix>.$events" asks for the operations events after
// a sequence number (app/uns_operations_feed.h answers it). Docs: docs/uns.md.
//
//   Result<EventsRequest> r = ParseEventsRequest(R"({"after":120,"limit":50})");
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace gantry::uns {

// The store events after sequence number `after`, at most `limit`.
struct EventsRequest {
  uint64_t after = 0;
  size_t limit = 100;
};

// Reads a "$events" request payload: empty (the defaults), or a JSON object with optional
// "after" (an unsigned integer) and "limit" (1..1000), nothing else. InvalidArgument saying what
// is wrong otherwise, and for payloads over 4 kB (not parsed).
Result<EventsRequest> ParseEventsRequest(std::string_view payload);

}  // namespace gantry::uns
