#include "enterprise/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

namespace gantry::enterprise {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

bool IsIpLiteral(const std::string& host) {
  beast::error_code ec;
  (void)net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(HttpEndpoint e) : endpoint(std::move(e)) {
    if (!endpoint.tls) return;
    // TLS 1.2 or later; the server's certificate must chain to a trusted CA (the configured CA
    // file, else the system store) and name the host we connect to.
    tls.emplace(ssl::context::tls_client);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls->set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (endpoint.ca_file.empty())
      tls->set_default_verify_paths(ec);
    else
      tls->load_verify_file(endpoint.ca_file, ec);
    if (ec)
      tls_error = endpoint.ca_file.empty()
                      ? "the system's trusted certificates cannot be loaded: " + ec.message()
                      : "CA file '" + endpoint.ca_file + "' cannot be loaded: " + ec.message();
  }
  HttpEndpoint endpoint;
  net::io_context io;
  std::optional<ssl::context> tls;  // with endpoint.tls
  std::string tls_error;            // why the TLS context is unusable ("" when usable)
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  std::chrono::nanoseconds Deadline() const { return std::chrono::nanoseconds(endpoint.timeout); }
  std::string Url() const {
    return std::string(endpoint.tls ? "https://" : "http://") + endpoint.host + ":" +
           std::to_string(endpoint.port);
  }
  bool Connected() const { return plain.has_value() || secure.has_value(); }
  void Drop() {
    plain.reset();
    secure.reset();
  }

  // Runs the queued async operations on our own io_context (blocking Beast calls ignore the
  // tcp_stream deadline; async ones honour expires_after).
  void Run() {
    io.restart();
    io.run();
  }

  Status Connect() {
    Drop();
    buffer.clear();
    // Retried, not refused: the messages wait (last_error says why) until the file is fixed.
    if (!tls_error.empty()) return Unavailable(Url() + ": " + tls_error);
    tcp::resolver resolver(io);
    beast::error_code ec;
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec) return Unavailable("resolve " + endpoint.host + ": " + ec.message());
    beast::tcp_stream stream(io);
    stream.expires_after(Deadline());
    stream.connect(results, ec);
    if (ec) return Unavailable("connect " + Url() + ": " + ec.message());
    if (!tls) {
      plain.emplace(std::move(stream));
      return Status::Ok();
    }
    secure.emplace(std::move(stream), *tls);
    SSL* handle = secure->native_handle();
    // Hostname (or IP address) check against the certificate's subjectAltName, done by OpenSSL
    // during verification, and SNI for name-based virtual hosts.
    X509_VERIFY_PARAM* param = SSL_get0_param(handle);
    if (IsIpLiteral(endpoint.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str());
    } else {
      // SSL_set_tlsext_host_name, without the macro's C-style cast.
      SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(endpoint.host.c_str()));
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(), 0);
    }
    beast::get_lowest_layer(*secure).expires_after(Deadline());
    bool done = false;
    secure->async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    Run();
    if (done && !ec) return Status::Ok();
    const long verify = SSL_get_verify_result(handle);
    std::string why;
    if (verify != X509_V_OK) {
      why = std::string("the server's certificate is not trusted: ") +
            X509_verify_cert_error_string(verify) + " (trusted: " +
            (endpoint.ca_file.empty() ? std::string("the system store")
                                      : "CA file '" + endpoint.ca_file + "'") +
            ")";
    } else if (!done || ec == beast::error::timeout) {
      why = "handshake timed out";
    } else {
      why = "handshake failed: " + ec.message();
    }
    Drop();
    return Unavailable("TLS to " + Url() + ": " + why);
  }

  template <typename Stream>
  Result<HttpResponse> Exchange(Stream& stream, const http::request<http::string_body>& req) {
    beast::error_code ec;
    beast::get_lowest_layer(stream).expires_after(Deadline());
    bool done = false;
    http::async_write(stream, req, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    Run();
    if (!done || ec) return Fail("send", ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    done = false;
    http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    Run();
    if (!done || ec) return Fail("read", ec);
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    if (auto it = res.find(http::field::content_type); it != res.end())
      out.content_type = std::string(it->value());
    if (!res.keep_alive()) Drop();
    return out;
  }

  // One exchange on the current connection.
  Result<HttpResponse> Exchange(const http::request<http::string_body>& req) {
    if (secure) return Exchange(*secure, req);
    return Exchange(*plain, req);
  }

  Status Fail(const char* what, const beast::error_code& ec) {
    Drop();
    const std::string proto = endpoint.tls ? "HTTPS " : "HTTP ";
    if (ec == beast::error::timeout)
      return gantry::Timeout(proto + what + " to " + Url() + " timed out");
    return Unavailable(proto + what + " to " + Url() + ": " + ec.message());
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
    const bool reused = impl_->Connected();
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
