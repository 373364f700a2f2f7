// Boost.Beast lives here and only here (STYLE.md habit 10). Threading: the io_context runs on
// ApiOptions::threads threads; every connection has its own strand, so a session's handlers never
// run concurrently. Routes (api_routes.cc) only read the registry and current values, both
// thread-safe.
#include "api/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/api_routes.h"

namespace gantry {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr uint64_t kMaxBodyBytes = 1024 * 1024;
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr auto kStreamPoll = std::chrono::milliseconds(100);  // SSE change-feed polling period
constexpr auto kStreamWriteTimeout = std::chrono::seconds(30);
}  // namespace

struct ApiServer::Impl {
  ApiOptions options;
  ApiContext ctx;
  uint16_t port = 0;
  std::atomic<int> active_streams{0};  // outlives the io_context: sessions decrement it
  std::mutex stop_mu;
  // Destroyed by Stop() in this order: acceptor, then io_context (which destroys every session).
  std::optional<net::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;

  void Accept();
  void StopAndJoin();
};

namespace {

std::string_view View(beast::string_view s) {
  return {s.data(), s.size()};
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// One SSE client: an initial snapshot of its tags, then their changes, with heartbeats. The
// change feed is polled every kStreamPoll on the session's strand; a slow client simply gets
// coalesced changes (the latest value of each changed tag) on its next write.
class SseStream : public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(tcp::socket socket, ApiServer::Impl& server, std::vector<TagId> tags_by_path)
      : socket_(std::move(socket)),
        server_(server),
        timer_(socket_.get_executor()),
        tags_by_path_(std::move(tags_by_path)),
        tags_by_id_(tags_by_path_) {
    std::sort(tags_by_id_.begin(), tags_by_id_.end());
  }
  ~SseStream() { server_.active_streams.fetch_sub(1); }

  void Start() {
    const CurrentValues& values = *server_.ctx.values;
    version_ =
        values.version();  // read first: a change racing the snapshot is sent twice, not lost
    out_ =
        "HTTP/1.1 200 OK\r\nServer: gantry\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n";
    for (TagId id : tags_by_path_) out_ += SseValueEvent(server_.ctx, values.Get(id));
    out_ += SseReadyEvent(tags_by_path_.size());
    Write();
    WatchForClose();
    Tick();
  }

 private:
  void Tick() {
    timer_.expires_after(kStreamPoll);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) { self->OnTick(ec); });
  }

  void OnTick(beast::error_code ec) {
    if (ec || closed_) return;
    const auto now = std::chrono::steady_clock::now();
    if (writing_) {
      if (now - write_started_ > kStreamWriteTimeout) return Close();
      return Tick();
    }
    const CurrentValues& values = *server_.ctx.values;
    if (values.version() != version_) {
      TagChanges changes = values.ChangedSince(version_);
      version_ = changes.version;
      for (TagId id : changes.tags)
        if (std::binary_search(tags_by_id_.begin(), tags_by_id_.end(), id))
          out_ += SseValueEvent(server_.ctx, values.Get(id));
    }
    if (out_.empty() && now - last_write_ >= std::chrono::nanoseconds(server_.options.heartbeat)) {
      out_ = ": heartbeat\n\n";
    }
    if (!out_.empty()) Write();
    Tick();
  }

  void Write() {
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    pending_ = std::move(out_);
    out_.clear();
    net::async_write(socket_, net::buffer(pending_),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->writing_ = false;
                       self->last_write_ = std::chrono::steady_clock::now();
                       if (ec) self->Close();
                     });
  }

  // Clients send nothing on a stream; a finished read means they went away.
  void WatchForClose() {
    socket_.async_read_some(net::buffer(sink_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->WatchForClose();
                            });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
  }

  tcp::socket socket_;
  ApiServer::Impl& server_;
  net::steady_timer timer_;
  const std::vector<TagId> tags_by_path_;  // snapshot order
  std::vector<TagId> tags_by_id_;          // for membership tests
  uint64_t version_ = 0;                   // change-feed position already sent
  std::string out_;                        // composed, not yet written
  std::string pending_;                    // being written
  bool writing_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point write_started_{};
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
  std::array<char, 256> sink_{};
};

// One HTTP/1.1 connection: read a request, answer it, repeat while keep-alive.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, ApiServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {}

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    parser_->header_limit(kMaxHeaderBytes);
    stream_.expires_after(std::chrono::nanoseconds(server_.options.read_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::body_limit) {
      return Send(Problem(413, "Request body too large",
                          "the request body exceeds " + std::to_string(kMaxBodyBytes) + " bytes"),
                  11, false, false);
    }
    if (ec == http::error::header_limit) {
      return Send(
          Problem(431, "Request header too large",
                  "the request header exceeds " + std::to_string(kMaxHeaderBytes) + " bytes"),
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
    RouteDecision d;
    try {
      d = Route(server_.ctx, View(req.method_string()), View(req.target()), req.body());
    } catch (const std::exception& e) {
      spdlog::error("api: {} {} failed: {}", View(req.method_string()), View(req.target()),
                    e.what());
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
      stream_.expires_never();
      std::make_shared<SseStream>(stream_.release_socket(), server_, std::move(*d.stream))->Start();
      return;
    }
    Send(std::move(d.reply), req.version(), req.keep_alive(), head);
  }

  void Send(HttpReply reply, unsigned version, bool keep_alive, bool head) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version);
    res->set(http::field::server, "gantry");
    res->set(http::field::content_type, reply.content_type);
    res->set(http::field::cache_control, "no-store");
    if (!reply.allow.empty()) res->set(http::field::allow, reply.allow);
    res->keep_alive(keep_alive);
    res->body() = std::move(reply.body);
    res->prepare_payload();
    if (head) res->body().clear();  // Content-Length still tells the size of the GET body
    stream_.expires_after(std::chrono::nanoseconds(server_.options.read_timeout));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        if (!res->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  ApiServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void ApiServer::Impl::Accept() {
  acceptor->async_accept(net::make_strand(*ioc), [this](beast::error_code ec, tcp::socket s) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      spdlog::warn("api: accept failed: {}", ec.message());
    } else {
      std::make_shared<HttpSession>(std::move(s), *this)->Run();
    }
    if (acceptor->is_open()) Accept();
  });
}

void ApiServer::Impl::StopAndJoin() {
  std::lock_guard lock(stop_mu);
  if (!ioc) return;
  ioc->stop();
  for (std::thread& t : threads) t.join();
  threads.clear();
  acceptor.reset();
  ioc.reset();  // destroys every pending session, closing its socket
}

Result<std::unique_ptr<ApiServer>> ApiServer::Start(ApiOptions options, ApiContext context) {
  if (context.registry == nullptr || context.values == nullptr)
    return InvalidArgument("api server: the context needs a tag registry and current values");
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->options.threads = std::max(impl->options.threads, 1);
  impl->ctx = std::move(context);
  const std::string where = impl->options.listen + ":" + std::to_string(impl->options.port);

  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(impl->options.listen, ec);
  if (ec) {
    return InvalidArgument("api server: listen address '" + impl->options.listen +
                           "' is not an IP address (e.g. 127.0.0.1 or ::1)");
  }
  impl->ioc.emplace(impl->options.threads);
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
  spdlog::info("api: listening on http://{}:{}", impl->options.listen, impl->port);
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
