// Gantry's HTTP API server: health, tag list, one tag's current value and a Server-Sent Events
// stream of value changes (see docs/api.md). Boost.Beast runs behind this header; nothing heavy
// leaks out of it. Binds to loopback unless told otherwise; a RequestGuard (api/security) checks
// credentials before routing; TLS (OpenSSL through Beast) when a certificate is configured, and
// required on any address but loopback.
//
//   ApiContext ctx{&registry, &values, [&] { return ConnectorHealths(); }};
//   GANTRY_ASSIGN_OR_RETURN(std::unique_ptr<ApiServer> api, ApiServer::Start({}, ctx));
//   ... curl http://127.0.0.1:<api->port()>/api/v1/tags ...
//   api->Stop();
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/request_guard.h"
#include "api/route_module.h"
#include "core/status.h"
#include "core/time.h"
#include "data/current_values.h"
#include "data/tag_bus.h"
#include "data/tag_registry.h"
#include "field/connector.h"

namespace gantry {

namespace historian {
class Historian;
}

struct ApiOptions {
  std::string listen = "127.0.0.1";       // IPv4 or IPv6 literal; loopback unless configured
  uint16_t port = 8080;                   // 0 picks a free port (see ApiServer::port())
  int threads = 2;                        // I/O threads
  int max_streams = 256;                  // concurrent SSE streams; more get 503
  Duration heartbeat = 15 * kSecond;      // SSE comment line when nothing else was sent
  Duration read_timeout = 30 * kSecond;   // a request must arrive whole within this (slow clients)
  int max_connections = 512;              // concurrent connections (streams included); more: 503
  int max_header_fields = 64;             // header lines per request; more: 431
  uint64_t max_body_bytes = 1024 * 1024;  // more: 413
  uint32_t max_header_bytes = 16 * 1024;  // request line + headers; more: 431
  // TLS: PEM certificate chain and private key files. Both empty: plain HTTP.
  std::string tls_cert;
  std::string tls_key;
  // Listening on a non-loopback address without TLS is refused unless this is set (loud warning).
  bool allow_insecure = false;
  // One-way mode: refuse any listen address but loopback, TLS or not.
  bool one_way = false;
  // Checks every request before routing; nullptr lets everything through (unit tests).
  std::shared_ptr<RequestGuard> guard;
};

// What the routes read. Borrowed: every pointer and function must stay valid until Stop().
struct ApiContext {
  const TagRegistry* registry = nullptr;  // required
  const CurrentValues* values = nullptr;  // required; sized by registry
  // Health of every connector, for /health; may be empty (no connectors). Called on I/O threads.
  std::function<std::vector<ConnectorHealth>()> connectors;
  // Tag bus statistics for /metrics; may be empty. Called on I/O threads.
  std::function<TagBusStats()> bus_stats;
  // Operations answers as JSON text (see api/operations_routes.h); each may be empty, the routes
  // then answer 503. Called on I/O threads, so they must be thread-safe. (Initialized so that
  // brace-initialized contexts need not name them.)
  std::function<Result<std::string>(std::string_view path)> equipment_state = nullptr;
  std::function<Result<std::string>(std::string_view scope, Timestamp from, Timestamp to,
                                    std::string_view by)>
      oee = nullptr;
  std::function<Result<std::string>(std::string_view scope, Timestamp from, Timestamp to)>
      downtime = nullptr;
  std::function<Status(const std::string& work_centre, Timestamp stop_start,
                       const std::string& reason, const std::string& by)>
      assign_reason = nullptr;
  // The historian for /api/v1/tags/{path}/history; nullptr answers 503. Thread-safe.
  historian::Historian* historian = nullptr;
  // More /metrics text (Prometheus exposition format, "# TYPE" lines included) from other parts
  // of Gantry (outbox backlog, connector poll latency, ...). Called on I/O threads.
  std::vector<std::function<std::string()>> metrics = {};
  // Routes of other parts of Gantry, tried in order after the built-in ones and before 404.
  std::vector<RouteModule> modules = {};
  // The plant's clock, borrowed: "now" for default ranges, ApiRequest::now and /health. Simulated
  // time when the demo runs at a time scale (core/scaled_clock.h); nullptr: the system clock.
  // Credentials and the audit trail keep the system clock.
  const Clock* clock = nullptr;
  double time_scale = 1.0;  // that clock's pace against real time, reported by /health
};

// ctx.clock's now, or the system clock's.
inline Timestamp PlantNow(const ApiContext& ctx) {
  return ctx.clock != nullptr ? ctx.clock->Now() : SystemClock::Instance().Now();
}

class ApiServer {
 public:
  // Binds, listens and starts the I/O threads. Errors: InvalidArgument for a bad listen address
  // or context, or a non-loopback address without TLS (or in one-way mode); IoError for TLS
  // files that do not load; Unavailable when the address cannot be bound (names address:port).
  static Result<std::unique_ptr<ApiServer>> Start(ApiOptions options, ApiContext context);

  ~ApiServer();  // Stop()s
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // The bound port (the chosen one when ApiOptions::port was 0).
  uint16_t port() const;

  // Closes the listener and every connection (streams included) and joins the threads.
  // Idempotent; thread-safe; must not be called from an I/O thread.
  void Stop();

  struct Impl;

 private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry
