// The API's routes as plain functions from (method, target) to a reply, independent of the HTTP
// library: http_server.cc moves bytes, this file decides what they say. JSON is built in
// api_routes.cc only (nlohmann::json stays out of headers).
//
//   RouteDecision d = Route(ctx, "GET", "/api/v1/tags?prefix=acme/plant1");
//   if (d.stream) OpenStream(*d.stream); else Send(d.reply);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"

namespace gantry {

// Either a finished reply or, for GET /api/v1/stream, the tags to stream (sorted by path).
struct RouteDecision {
  HttpReply reply;
  std::optional<std::vector<TagId>> stream;
};

// Routes one request. HEAD is answered like GET (the server drops the body). Never throws;
// malformed targets give 400 problem replies.
RouteDecision Route(const ApiContext& ctx, std::string_view method, std::string_view target);
// The same with the request body (read by POST routes such as /api/v1/downtime/assign).
RouteDecision Route(const ApiContext& ctx, std::string_view method, std::string_view target,
                    std::string_view body);

// Who is calling, as the server's guard found it (api/request_guard.h); handed to route modules
// in ApiRequest. Empty fields: anonymous (no guard, or a public route).
struct Caller {
  std::string principal;
  std::string role;
  std::string remote;
};
// The same on behalf of `caller`.
RouteDecision Route(const ApiContext& ctx, std::string_view method, std::string_view target,
                    std::string_view body, const Caller& caller);

// An RFC 9457 problem reply: {"type","title","status","detail","parameter"?}.
HttpReply Problem(unsigned status, std::string_view title, std::string_view detail,
                  std::string_view parameter = {});

// One SSE event: "event: value\ndata: {path,value,quality,time}\n\n".
std::string SseValueEvent(const ApiContext& ctx, const Sample& sample);
// The SSE event closing the initial snapshot: "event: ready\ndata: {"tags":N}\n\n".
std::string SseReadyEvent(size_t tag_count);

}  // namespace gantry
