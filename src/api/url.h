// Splitting and decoding request targets ("/api/v1/tags?prefix=acme%2Fplant1") for the API
// routes. Pure functions: text in, parts or a Malformed status out.
//
//   GANTRY_ASSIGN_OR_RETURN(RequestTarget t, ParseRequestTarget(req.target()));
//   t.path == "/api/v1/tags"; t.query[0] == {"prefix", "acme/plant1"}
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace gantry {

struct RequestTarget {
  std::string path;                                        // percent-decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order ('+' is a space)
};

// Decodes %XX escapes (and '+' as space when `plus_is_space`). Malformed for a bad escape or a
// decoded NUL byte.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Splits an origin-form target into path and query. Malformed when it does not start with '/'
// or holds a bad escape; the message names the offending part.
Result<RequestTarget> ParseRequestTarget(std::string_view target);

}  // namespace gantry
