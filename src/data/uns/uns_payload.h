// The JSON of a tag value on the Unified Namespace: the shape of the API's SSE `value` event
// (docs/api.md) plus the numeric quality code and the server timestamp, keys in alphabetical
// order (as nlohmann::json writes them, so the API's SSE text is this text without the added
// keys). Composed by hand into a caller's buffer: this runs once per published change.
//
//   std::string out;
//   AppendValueJson(out, "acme/plant1/packaging/line1/filler/speed", sample, {});
//   // {"path":"acme/...","quality":"Good","quality_code":0,"time":"2026-...Z","value":120.5}
#pragma once

#include <string>
#include <string_view>

#include "core/sample.h"

namespace gantry::uns {

struct ValueJsonOptions {
  bool quality_code = true;  // "quality_code": the OPC UA status code as a number
  bool server_time = true;   // "server_time" when the sample has one (an OPC UA server's stamp)
  bool backlog = false;      // "backlog":true: sent late, after a reconnect (docs/uns.md)
};

// Appends {"backlog"?,"path","quality","quality_code"?,"server_time"?,"time","value"} to `out`.
// `time` is ISO 8601 UTC or null for a tag never read; `value` a JSON number, boolean, string or
// null (empty value; NaN and infinities too). Strings are escaped; invalid UTF-8 becomes U+FFFD.
void AppendValueJson(std::string& out, std::string_view path, const Sample& sample,
                     const ValueJsonOptions& options);

// `s` as a JSON string literal (quotes included), escaped; invalid UTF-8 becomes U+FFFD.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace gantry::uns
