#include "data/uns/uns_request.h"

#include <nlohmann/json.hpp>

namespace gantry::uns {

Result<EventsRequest> ParseEventsRequest(std::string_view payload) {
  constexpr size_t kMaxRequestBytes = 4096;
  EventsRequest r;
  if (payload.find_first_not_of(" \t\r\n") == std::string_view::npos) return r;
  if (payload.size() > kMaxRequestBytes)
    return InvalidArgument("request larger than 4 kB; expected {\"after\":SEQ,\"limit\":N}");
  const nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object()) return InvalidArgument("expected a JSON object {\"after\":SEQ,\"limit\":N}");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "after") {
      if (!it.value().is_number_unsigned())
        return InvalidArgument("after: expected an unsigned integer (a sequence number)");
      r.after = it.value().get<uint64_t>();
    } else if (it.key() == "limit") {
      if (!it.value().is_number_unsigned() || it.value().get<uint64_t>() < 1 ||
          it.value().get<uint64_t>() > 1000)
        return InvalidArgument("limit: expected an integer from 1 to 1000");
      r.limit = static_cast<size_t>(it.value().get<uint64_t>());
    } else {
      return InvalidArgument("unknown key '" + it.key() + "'; expected after and limit");
    }
  }
  return r;
}

}  // namespace gantry::uns
