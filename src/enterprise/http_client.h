// A small blocking HTTP/1.1 client for loopback and ERP calls: one keep-alive connection to one
// host, a deadline per request, reconnect on a dropped connection. Boost.Beast stays inside the
// .cc. Plain HTTP only for now (TLS is left for the webhook adapter).
//
//   HttpClient erp({"127.0.0.1", 8000, 5 * kSecond});
//   GANTRY_ASSIGN_OR_RETURN(HttpResponse r, erp.Post("/erp/", body, {{"Authorization", auth}}));
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace gantry::enterprise {

struct HttpEndpoint {
  // (A constructor, so that {host, port, timeout} still works with tls and ca_file defaulted.)
  HttpEndpoint(std::string h = "127.0.0.1", uint16_t p = 80, Duration t = 10 * kSecond)
      : host(std::move(h)), port(p), timeout(t) {}
  std::string host;
  uint16_t port;
  Duration timeout;     // connect + write + read of one request
  bool tls = false;     // HTTPS (OpenSSL); the peer's certificate is verified
  std::string ca_file;  // PEM file of trusted CAs; empty = the system's trust store
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Not thread-safe: one caller at a time (the outbox's draining thread).
class HttpClient {
 public:
  explicit HttpClient(HttpEndpoint endpoint);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` as application/json. Any HTTP status is a successful Result; Unavailable when
  // the peer cannot be reached or drops the connection, Timeout when the deadline passes.
  Result<HttpResponse> Post(const std::string& target, const std::string& body,
                            const HttpHeaders& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Status for a non-2xx HTTP answer: 408, 429 and 5xx -> Unavailable (retry), 401/403 ->
// PermissionDenied, other 4xx -> InvalidArgument (permanent). OK for 2xx.
Status StatusFromHttp(const HttpResponse& r);

}  // namespace gantry::enterprise
