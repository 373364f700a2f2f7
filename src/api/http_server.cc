// Boost.Beast lives here and in the SSE files beside it (STYLE.md habit 10). Threading: the
// io_context runs on ApiOptions::threads threads; every connection has its own strand, so a
// session's handlers never run concurrently. Routes (api_routes.cc) only read the registry and
// current values, both thread-safe. A request for /api/v1/stream is handed over to an SSE stream
// (api/sse_stream.h) that the change fan-out (api/sse_fanout.h, one more thread) feeds. Sessions
// are templates over the byte stream: beast::tcp_stream for plain HTTP,
// beast::ssl_stream<beast::tcp_stream> under TLS.
#include "api/http_server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api/api_routes.h"
#include "api/sse_fanout.h"
#include "api/sse_stream.h"
#include "api/url.h"

namespace gantry {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct ApiServer::Impl {
  ApiOptions options;
  ApiContext ctx;
  uint16_t port = 0;
  std::atomic<int> active_streams{0};    // outlives the io_context: sessions decrement it
  std::atomic<int> connections{0};       // likewise
  std::optional<net::ssl::context> tls;  // set when serving HTTPS
  std::mutex stop_mu;
  // Destroyed by Stop() in this order: acceptor, fan-out, then io_context (which destroys every
  // session and stream).
  std::optional<net::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  // The SSE change watcher and its delivery lanes, one per I/O thread (api/sse_fanout.h).
  std::optional<SseFanout> fanout;
  std::vector<std::thread> threads;

  void Accept();
  void StopAndJoin();
  // What every SSE stream borrows from the server.
  SseServerSide StreamSide() {
    return {&ctx, &*fanout, options.heartbeat, &active_streams, &connections};
  }
};

namespace {

std::string_view View(beast::string_view s) {
  return {s.data(), s.size()};
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

std::string_view Header(const http::request<http::string_body>& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string_view() : View(it->value());
}

std::string_view Header(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string_view() : View(it->value());
}

// One HTTP/1.1 connection: (TLS handshake,) read a request, answer it, repeat while keep-alive.
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream stream, ApiServer::Impl& server, std::string remote)
      : stream_(std::move(stream)), server_(server), remote_(std::move(remote)) {
    server_.connections.fetch_add(1);
  }
  ~HttpSession() {
    if (!handed_off_) server_.connections.fetch_sub(1);
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->Start(); });
  }

 private:
  void Start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      Read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(
          std::chrono::nanoseconds(server_.options.read_timeout));
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;  // not TLS, or a bad client: nothing to answer
                                self->Read();
                              });
    }
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(server_.options.max_header_bytes);
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::nanoseconds(server_.options.read_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::body_limit) {
      return Send(Problem(413, "Request body too large",
                          "the request body exceeds " +
                              std::to_string(server_.options.max_body_bytes) + " bytes"),
                  11, false, false);
    }
    if (ec == http::error::header_limit) {
      return Send(Problem(431, "Request header too large",
                          "the request header exceeds " +
                              std::to_string(server_.options.max_header_bytes) + " bytes"),
                  11, false, false);
    }
    if (ec && IsHttpParseError(ec)) {
      return Send(
          Problem(400, "Malformed request", "the request is not valid HTTP/1.1: " + ec.message()),
          11, false, false);
    }
    if (ec) return Close();  // timeout, reset: nobody to answer

    http::request<http::string_body> req = parser_->release();
    const bool head = req.method() == http::verb::head;
    int fields = 0;
    for (auto it = req.begin(); it != req.end(); ++it) ++fields;
    if (fields > server_.options.max_header_fields) {
      return Send(Problem(431, "Too many header fields",
                          "the request has " + std::to_string(fields) + " header fields; at most " +
                              std::to_string(server_.options.max_header_fields) + " are accepted"),
                  req.version(), false, false);
    }
    const std::string_view method = View(req.method_string());
    const std::string_view target = View(req.target());
    RouteDecision d;
    try {
      Caller caller{{}, {}, remote_};
      std::optional<GuardVerdict> verdict;
      GuardRequest guarded;
      Result<RequestTarget> parsed = ParseRequestTarget(target);
      if (server_.options.guard && parsed.ok()) {
        guarded = GuardRequest{method,
                               parsed->path,
                               req.body(),
                               Header(req, http::field::authorization),
                               Header(req, http::field::cookie),
                               Header(req, "X-CSRF-Token"),
                               remote_,
                               SystemClock::Instance().Now()};
        verdict = server_.options.guard->Check(guarded);
        if (verdict->reply) {
          return Send(std::move(*verdict->reply), req.version(), req.keep_alive(), head);
        }
        caller.principal = verdict->principal;
        caller.role = verdict->role;
      }
      d = Route(server_.ctx, method, target, req.body(), caller);
      if (verdict && !d.stream) server_.options.guard->Finished(guarded, *verdict, d.reply.status);
    } catch (const std::exception& e) {
      spdlog::error("api: {} {} failed: {}", method, target.substr(0, 200), e.what());
      d = RouteDecision{};
      d.reply = Problem(500, "Internal error", "the server failed to answer; see its log");
    }
    if (d.stream) {
      if (server_.active_streams.fetch_add(1) >= server_.options.max_streams) {
        server_.active_streams.fetch_sub(1);
        return Send(
            Problem(503, "Too many streams",
                    "the server already serves " + std::to_string(server_.options.max_streams) +
                        " streams; retry later"),
            req.version(), false, false);
      }
      beast::get_lowest_layer(stream_).expires_never();
      handed_off_ = true;  // the stream now counts the connection
      StartSseStream(std::move(stream_), server_.StreamSide(), std::move(*d.stream));
      return;
    }
    Send(std::move(d.reply), req.version(), req.keep_alive(), head);
  }

  void Send(HttpReply reply, unsigned version, bool keep_alive, bool head) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version);
    res->set(http::field::server, "gantry");
    res->set(http::field::content_type, reply.content_type);
    res->set("X-Content-Type-Options", "nosniff");
    if (!reply.allow.empty()) res->set(http::field::allow, reply.allow);
    for (const auto& [name, value] : reply.headers)
      res->insert(beast::string_view(name.data(), name.size()), value);
    // API answers are never cached; a reply that says otherwise (the dashboard's hashed
    // assets) keeps its own Cache-Control.
    if (res->find(http::field::cache_control) == res->end())
      res->set(http::field::cache_control, "no-store");
    res->keep_alive(keep_alive);
    res->body() = std::move(reply.body);
    res->prepare_payload();
    if (head) res->body().clear();  // Content-Length still tells the size of the GET body
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::nanoseconds(server_.options.read_timeout));
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        if (!res->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  Stream stream_;
  ApiServer::Impl& server_;
  std::string remote_;
  bool handed_off_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

// Answers a connection over the limit with a short 503 and closes it (best effort, no wait).
void RefuseBusy(tcp::socket& s, int limit) {
  const std::string body =
      "{\"type\":\"/problems/too-many-connections\",\"title\":\"Too many "
      "connections\",\"status\":503,\"detail\":\"the server already holds " +
      std::to_string(limit) + " connections; retry later\"}";
  const std::string reply =
      "HTTP/1.1 503 Service Unavailable\r\nServer: gantry\r\nContent-Type: "
      "application/problem+json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  beast::error_code ignored;
  s.non_blocking(true, ignored);
  s.write_some(net::buffer(reply), ignored);
  s.shutdown(tcp::socket::shutdown_both, ignored);
  s.close(ignored);
}

}  // namespace

void ApiServer::Impl::Accept() {
  acceptor->async_accept(net::make_strand(*ioc), [this](beast::error_code ec, tcp::socket s) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      spdlog::warn("api: accept failed: {}", ec.message());
    } else if (connections.load() >= options.max_connections) {
      RefuseBusy(s, options.max_connections);
    } else {
      beast::error_code rec;
      // Replies and SSE events are small writes: send each at once rather than wait (Nagle) for
      // the client's acknowledgement of the previous one, which it may delay by up to 40 ms.
      s.set_option(tcp::no_delay(true), rec);
      const tcp::endpoint peer = s.remote_endpoint(rec);
      std::string remote = rec ? std::string("?") : peer.address().to_string();
      if (tls) {
        std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(
            beast::ssl_stream<beast::tcp_stream>(std::move(s), *tls), *this, std::move(remote))
            ->Run();
      } else {
        std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(s)), *this,
                                                         std::move(remote))
            ->Run();
      }
    }
    if (acceptor->is_open()) Accept();
  });
}

void ApiServer::Impl::StopAndJoin() {
  std::lock_guard lock(stop_mu);
  if (!ioc) return;
  fanout->Stop();
  ioc->stop();
  for (std::thread& t : threads) t.join();
  threads.clear();
  acceptor.reset();
  fanout.reset();
  ioc.reset();  // destroys every pending session, closing its socket
}

Result<std::unique_ptr<ApiServer>> ApiServer::Start(ApiOptions options, ApiContext context) {
  if (context.registry == nullptr || context.values == nullptr)
    return InvalidArgument("api server: the context needs a tag registry and current values");
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->options.threads = std::max(impl->options.threads, 1);
  impl->ctx = std::move(context);
  if (const std::shared_ptr<RequestGuard>& guard = impl->options.guard) {
    if (std::optional<RouteModule> own = guard->OwnRoutes())
      impl->ctx.modules.push_back(std::move(*own));
    guard->RoutesKnown(impl->ctx.modules);
    impl->ctx.metrics.push_back([g = guard.get()] { return g->MetricsText(); });
  }
  const std::string where = impl->options.listen + ":" + std::to_string(impl->options.port);

  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(impl->options.listen, ec);
  if (ec) {
    return InvalidArgument("api server: listen address '" + impl->options.listen +
                           "' is not an IP address (e.g. 127.0.0.1 or ::1)");
  }
  const bool use_tls = !impl->options.tls_cert.empty() || !impl->options.tls_key.empty();
  if (!address.is_loopback()) {
    if (impl->options.one_way)
      return InvalidArgument(
          "api server: one-way mode allows no listener beyond loopback, but "
          "api.listen is " +
          impl->options.listen + "; use 127.0.0.1 or turn one-way mode off");
    if (!use_tls && !impl->options.allow_insecure)
      return InvalidArgument(
          "api server: refusing to listen on " + impl->options.listen +
          " without TLS; set api.tls.cert and api.tls.key (`gantry cert` makes a self-signed "
          "pair), or set api.insecure: true to accept plain HTTP beyond loopback");
    if (!use_tls)
      spdlog::warn(
          "api: *** INSECURE: serving plain HTTP on {} (not loopback); passwords, "
          "tokens and data cross the network unencrypted (api.insecure is set) ***",
          impl->options.listen);
  }
  if (use_tls) {
    impl->tls.emplace(net::ssl::context::tls_server);
    impl->tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                           net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                           net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    impl->tls->use_certificate_chain_file(impl->options.tls_cert, ec);
    if (ec)
      return IoError("api server: cannot load the TLS certificate " + impl->options.tls_cert +
                     ": " + ec.message());
    impl->tls->use_private_key_file(impl->options.tls_key, net::ssl::context::pem, ec);
    if (ec)
      return IoError("api server: cannot load the TLS key " + impl->options.tls_key + ": " +
                     ec.message());
  }
  impl->ioc.emplace(impl->options.threads);
  impl->fanout.emplace(impl->ctx, *impl->ioc, impl->options.threads);
  impl->acceptor.emplace(*impl->ioc);
  const tcp::endpoint endpoint(address, impl->options.port);
  auto fail = [&](std::string_view step) {
    return Unavailable("api server: cannot " + std::string(step) + " " + where + ": " +
                       ec.message());
  };
  if (impl->acceptor->open(endpoint.protocol(), ec)) return fail("open a socket for");
  if (impl->acceptor->set_option(net::socket_base::reuse_address(true), ec))
    return fail("set SO_REUSEADDR on");
  if (impl->acceptor->bind(endpoint, ec)) return fail("bind");
  if (impl->acceptor->listen(net::socket_base::max_listen_connections, ec))
    return fail("listen on");
  impl->port = impl->acceptor->local_endpoint().port();

  impl->Accept();
  // The watcher's starting position is read here, before any I/O thread runs (so before any
  // stream can join and take its snapshot), not when the thread gets going: a thread started
  // late on a loaded machine would otherwise begin after a change a new stream is waiting for.
  impl->fanout->Start(impl->ctx.values->version());
  for (int i = 0; i < impl->options.threads; ++i) {
    impl->threads.emplace_back([io = &*impl->ioc] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("api: I/O thread caught: {}", e.what());
        }
      }
    });
  }
  spdlog::info("api: listening on {}://{}:{}", impl->tls ? "https" : "http", impl->options.listen,
               impl->port);
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() {
  Stop();
}

uint16_t ApiServer::port() const {
  return impl_->port;
}

void ApiServer::Stop() {
  impl_->StopAndJoin();
}

}  // namespace gantry
