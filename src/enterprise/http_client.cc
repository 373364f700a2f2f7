#include "enterprise/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

namespace gantry::enterprise {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  explicit Impl(HttpEndpoint e) : endpoint(std::move(e)) {}
  HttpEndpoint endpoint;
  net::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  std::chrono::nanoseconds Deadline() const { return std::chrono::nanoseconds(endpoint.timeout); }

  Status Connect() {
    stream.emplace(io);
    buffer.clear();
    tcp::resolver resolver(io);
    beast::error_code ec;
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec) return Unavailable("resolve " + endpoint.host + ": " + ec.message());
    stream->expires_after(Deadline());
    stream->connect(results, ec);
    if (ec) {
      stream.reset();
      return Unavailable("connect " + endpoint.host + ":" + std::to_string(endpoint.port) + ": " +
                         ec.message());
    }
    return Status::Ok();
  }

  // One exchange on the current connection. `fresh` tells whether the connection is new (a
  // stale keep-alive connection may fail on first use; then the caller reconnects once).
  Result<HttpResponse> Exchange(const http::request<http::string_body>& req) {
    // Blocking Beast calls ignore the tcp_stream deadline; run them as async ops on our own
    // io_context so that expires_after is honoured.
    beast::error_code ec;
    stream->expires_after(Deadline());
    bool done = false;
    http::async_write(*stream, req, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    io.restart();
    io.run();
    if (!done || ec) return Fail("send", ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    done = false;
    http::async_read(*stream, buffer, parser, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    io.restart();
    io.run();
    if (!done || ec) return Fail("read", ec);
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    if (auto it = res.find(http::field::content_type); it != res.end())
      out.content_type = std::string(it->value());
    if (!res.keep_alive()) stream.reset();
    return out;
  }

  Status Fail(const char* what, const beast::error_code& ec) {
    stream.reset();
    if (ec == beast::error::timeout)
      return gantry::Timeout(std::string("HTTP ") + what + " to " + endpoint.host + ":" +
                             std::to_string(endpoint.port) + " timed out");
    return Unavailable(std::string("HTTP ") + what + " to " + endpoint.host + ":" +
                       std::to_string(endpoint.port) + ": " + ec.message());
  }
};

HttpClient::HttpClient(HttpEndpoint endpoint)
    : impl_(std::make_unique<Impl>(std::move(endpoint))) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Post(const std::string& target, const std::string& body,
                                      const HttpHeaders& headers) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, impl_->endpoint.host + ":" + std::to_string(impl_->endpoint.port));
  req.set(http::field::user_agent, "gantry");
  req.set(http::field::content_type, "application/json");
  req.keep_alive(true);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  for (int round = 0; round < 2; ++round) {
    const bool reused = impl_->stream.has_value();
    if (!reused) GANTRY_RETURN_IF_ERROR(impl_->Connect());
    auto r = impl_->Exchange(req);
    // A kept-alive connection the server closed meanwhile fails at once: retry on a new one.
    // A fresh connection that fails is the answer.
    if (r.ok() || !reused || r.status().code() == StatusCode::kTimeout) return r;
  }
  return Unavailable("HTTP: unreachable");
}

Status StatusFromHttp(const HttpResponse& r) {
  if (r.status >= 200 && r.status < 300) return Status::Ok();
  std::string snippet = r.body.substr(0, 200);
  const std::string msg = "HTTP " + std::to_string(r.status) + ": " + snippet;
  if (r.status == 408 || r.status == 429 || r.status >= 500) return Unavailable(msg);
  if (r.status == 401 || r.status == 403) return PermissionDenied(msg);
  return InvalidArgument(msg);
}

}  // namespace gantry::enterprise
