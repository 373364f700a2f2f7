// Boost.Beast lives here and only here (STYLE.md habit 10). Threading: the io_context runs on
// ApiOptions::threads threads; every connection has its own strand, so a session's handlers never
// run concurrently. Routes (api_routes.cc) only read the registry and current values, both
// thread-safe. One more thread, the change watcher, sleeps on CurrentValues::WaitForChange() and
// hands each batch of changed tags to the SSE streams that watch one of them (one job per I/O
// thread's delivery lane, which runs each of its streams' handlers on the stream's strand), so a
// change reaches the client within milliseconds and the ingest path does no more
// than the condition-variable notify it always did. The watcher composes each changed tag's event
// text once per batch; every stream writes the shared texts it watches in one gathered write
// (200 streams cost 200 writes per batch, not 200 x tags compositions). Sessions and streams are
// templates over the byte stream: beast::tcp_stream for plain HTTP,
// beast::ssl_stream<beast::tcp_stream> under TLS.
#include "api/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api/api_routes.h"
#include "api/url.h"

namespace gantry {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
// How often a stream checks its heartbeat and a stuck write (changes wake it at once).
constexpr auto kStreamTick = std::chrono::seconds(1);
constexpr auto kStreamWriteTimeout = std::chrono::seconds(30);
// How long the change watcher sleeps at most before it looks at its stop flag.
constexpr Duration kWatcherWait = 20 * kMillisecond;
}  // namespace

// One SSE event's text, composed once by the change watcher and written by every stream that
// watches its tag (shared: the streams write it from their own strands, at their own pace).
using SharedEvent = std::shared_ptr<const std::string>;

// One batch of the change feed with each changed tag's event text, shared by every stream it is
// handed to (immutable once built).
struct ChangeBatch {
  uint64_t version = 0;
  std::vector<TagId> tags;          // ascending, each once
  std::vector<SharedEvent> events;  // parallel to tags; null for a tag no stream watches
};
using SharedBatch = std::shared_ptr<const ChangeBatch>;

// What the change watcher knows of a stream: the tags it watches (sorted by id, fixed) and how
// to hand it a batch (posted to the stream's strand; never runs stream code on the watcher).
class ChangeListener {
 public:
  explicit ChangeListener(std::vector<TagId> watched_by_id) : watched_(std::move(watched_by_id)) {}
  virtual ~ChangeListener() = default;
  // Hands the batch to the stream's strand: run at once when called on an I/O thread and the
  // strand is idle, else queued behind what the strand is doing (in call order either way).
  virtual void Deliver(SharedBatch batch) = 0;
  // The delivery lane the stream was given when it joined (fixed for its life).
  size_t lane = 0;
  // Calls mark(i) for every index i of `changes` (ascending) whose tag this stream watches;
  // true when there was one.
  template <class Mark>
  bool Watches(const std::vector<TagId>& changes, Mark&& mark) const {
    bool any = false;
    auto a = watched_.begin();
    for (size_t i = 0; a != watched_.end() && i < changes.size();) {
      if (*a == changes[i]) {
        mark(i);
        any = true;
        ++a;
        ++i;
      } else if (*a < changes[i]) {
        ++a;
      } else {
        ++i;
      }
    }
    return any;
  }
  const std::vector<TagId>& watched() const { return watched_; }

 private:
  const std::vector<TagId> watched_;
};

// The streams to wake on a change. Streams join on their strand; the watcher thread reads.
// Expired entries (closed streams) are dropped by the watcher.
struct StreamRegistry {
  std::mutex mu;
  std::vector<std::weak_ptr<ChangeListener>> listeners;  // guarded by mu

  // Joins a stream and gives it the next of `lanes` delivery lanes (round robin).
  void Join(const std::shared_ptr<ChangeListener>& l, size_t lanes) {
    std::lock_guard lock(mu);
    l->lane = next_lane++ % std::max<size_t>(lanes, 1);
    listeners.push_back(l);
  }
  size_t next_lane = 0;  // guarded by mu
  bool Empty() {
    std::lock_guard lock(mu);
    return listeners.empty();
  }
  // The live streams that watch one of `tags`; sets needed[i] for every tag one of them watches.
  // Drops closed streams.
  std::vector<std::shared_ptr<ChangeListener>> Watching(const std::vector<TagId>& tags,
                                                        std::vector<bool>& needed) {
    std::vector<std::shared_ptr<ChangeListener>> out;
    std::lock_guard lock(mu);
    size_t live = 0;
    for (size_t i = 0; i < listeners.size(); ++i) {
      std::shared_ptr<ChangeListener> l = listeners[i].lock();
      if (!l) continue;
      if (l->Watches(tags, [&needed](size_t k) { needed[k] = true; })) out.push_back(std::move(l));
      if (i != live) listeners[live] = std::move(listeners[i]);  // never a self-move: it empties
      ++live;
    }
    listeners.resize(live);
    return out;
  }
};

struct ApiServer::Impl {
  ApiOptions options;
  ApiContext ctx;
  uint16_t port = 0;
  std::atomic<int> active_streams{0};    // outlives the io_context: sessions decrement it
  std::atomic<int> connections{0};       // likewise
  std::optional<net::ssl::context> tls;  // set when serving HTTPS
  StreamRegistry streams;                // outlives the io_context, like the counters
  std::atomic<bool> stopping{false};     // tells the change watcher to return
  std::thread watcher;                   // WatchChanges()
  std::mutex stop_mu;
  // Destroyed by Stop() in this order: acceptor, lanes, then io_context (which destroys every
  // session).
  std::optional<net::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  // One delivery lane per I/O thread: the watcher posts each batch once per lane, and the lane's
  // job hands it to the lane's streams from an I/O thread (inline into each idle stream strand),
  // so the streams' writes of one batch are split over the threads instead of queued one by one
  // from the watcher. A lane is a strand, so a stream (always in the same lane) gets its batches
  // in order.
  std::vector<net::strand<net::io_context::executor_type>> lanes;
  std::vector<std::thread> threads;

  void Accept();
  // The change watcher's loop: waits for the change feed to move, computes the changed tags
  // once and hands them to the streams watching any of them, starting after change-feed
  // position `seen`. Returns when `stopping` is set.
  void WatchChanges(uint64_t seen);
  void StopAndJoin();
};

namespace {

std::string_view View(beast::string_view s) {
  return {s.data(), s.size()};
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// One SSE client: an initial snapshot of its tags, then their changes, with heartbeats. The change
// watcher posts each batch that touches a watched tag to the session's strand; the changed tags
// are collected and written as soon as no write is in flight, so a slow client simply gets
// coalesced changes (the latest value of each changed tag) on its next write.
template <class Stream>
class SseStream : public ChangeListener, public std::enable_shared_from_this<SseStream<Stream>> {
 public:
  SseStream(Stream stream, ApiServer::Impl& server, std::vector<TagId> tags_by_path)
      : ChangeListener(SortedById(tags_by_path)),
        socket_(std::move(stream)),
        server_(server),
        timer_(socket_.get_executor()),
        tags_by_path_(std::move(tags_by_path)) {}
  ~SseStream() override {
    server_.active_streams.fetch_sub(1);
    server_.connections.fetch_sub(1);
  }

  void Start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      // In-place writes (Write()) must never block the strand's thread: a full socket buffer
      // answers would_block and the rest goes asynchronously.
      beast::error_code ignored;
      socket_.socket().non_blocking(true, ignored);
    }
    // Join before reading the version, and read it before the snapshot: a change racing the
    // snapshot is sent twice, never lost.
    server_.streams.Join(this->shared_from_this(), server_.lanes.size());
    const CurrentValues& values = *server_.ctx.values;
    version_ = values.version();
    out_ =
        "HTTP/1.1 200 OK\r\nServer: gantry\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n";
    for (TagId id : tags_by_path_) out_ += SseValueEvent(server_.ctx, values.Get(id));
    out_ += SseReadyEvent(tags_by_path_.size());
    Write();
    WatchForClose();
    Tick();
  }

  // Called from the stream's delivery lane (an I/O thread): continues on the stream's strand.
  void Deliver(SharedBatch batch) override {
    net::dispatch(socket_.get_executor(), [self = this->shared_from_this(),
                                           batch = std::move(batch)] { self->OnChanges(*batch); });
  }

 private:
  static std::vector<TagId> SortedById(std::vector<TagId> tags) {
    std::sort(tags.begin(), tags.end());
    return tags;
  }

  void OnChanges(const ChangeBatch& changes) {
    if (closed_ || changes.version <= version_) return;  // the snapshot already holds it
    version_ = changes.version;
    // A later batch replaces an earlier event of the same tag: the client gets the latest value.
    Watches(changes.tags, [&](size_t i) { dirty_[changes.tags[i]] = changes.events[i]; });
    Flush();
  }

  // Writes the latest event of every changed tag, in tag order, in one write, unless a write is
  // in flight (its completion calls Flush() again). The event texts are shared, not copied.
  void Flush() {
    if (closed_ || writing_ || dirty_.empty()) return;
    pending_events_.clear();
    pending_events_.reserve(dirty_.size());
    for (auto& [id, event] : dirty_)
      if (event) pending_events_.push_back(std::move(event));
    dirty_.clear();
    Write();
  }

  void Tick() {
    timer_.expires_after(std::min<std::chrono::steady_clock::duration>(
        kStreamTick, std::chrono::nanoseconds(server_.options.heartbeat)));
    timer_.async_wait(
        [self = this->shared_from_this()](beast::error_code ec) { self->OnTick(ec); });
  }

  void OnTick(beast::error_code ec) {
    if (ec || closed_) return;
    const auto now = std::chrono::steady_clock::now();
    if (writing_) {
      if (now - write_started_ > kStreamWriteTimeout) return Close();
      return Tick();
    }
    if (now - last_write_ >= std::chrono::nanoseconds(server_.options.heartbeat)) {
      out_ = ": heartbeat\n\n";
      Write();
    }
    Tick();
  }

  // Writes out_ (owned text: the snapshot, a heartbeat) and then pending_events_ (shared texts)
  // in one gathered write. On plain TCP the write is first tried in place (one non-blocking
  // send on the strand): when the kernel takes it all, as it does for a client that keeps up,
  // the stream is done without an asynchronous operation and its completion handler (no second
  // trip through the scheduler and the strand per stream and change). Whatever the kernel does not
  // take is written asynchronously as before; writes stay one at a time per stream, so order is
  // kept.
  void Write() {
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    pending_ = std::move(out_);
    out_.clear();
    buffers_.clear();
    if (!pending_.empty()) buffers_.push_back(net::buffer(pending_));
    for (const SharedEvent& e : pending_events_) buffers_.push_back(net::buffer(*e));
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ec;
      const size_t sent = socket_.socket().write_some(buffers_, ec);
      if (ec && ec != net::error::would_block && ec != net::error::try_again) {
        Written();
        return Close();
      }
      if (!ec && sent == net::buffer_size(buffers_)) {
        Written();
        return Flush();
      }
      if (!ec) Consume(sent);
    }
    net::async_write(socket_, buffers_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->Written();
                       if (ec) return self->Close();
                       self->Flush();
                     });
  }

  // The write in flight has ended: its texts may go.
  void Written() {
    writing_ = false;
    last_write_ = std::chrono::steady_clock::now();
    pending_events_.clear();
  }

  // Drops the first `n` bytes of buffers_ (what an in-place send took).
  void Consume(size_t n) {
    size_t whole = 0;
    while (whole < buffers_.size() && n >= buffers_[whole].size()) n -= buffers_[whole++].size();
    buffers_.erase(buffers_.begin(), buffers_.begin() + static_cast<std::ptrdiff_t>(whole));
    if (n > 0) buffers_.front() += n;
  }

  // Clients send nothing on a stream; a finished read means they went away.
  void WatchForClose() {
    socket_.async_read_some(net::buffer(sink_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->WatchForClose();
                            });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(socket_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(socket_).close();
    timer_.cancel();
  }

  Stream socket_;
  ApiServer::Impl& server_;
  net::steady_timer timer_;
  const std::vector<TagId> tags_by_path_;    // snapshot order
  uint64_t version_ = 0;                     // change-feed position already sent
  std::map<TagId, SharedEvent> dirty_;       // changed since the last write: latest event text
  std::string out_;                          // owned text not yet written
  std::string pending_;                      // owned text being written
  std::vector<SharedEvent> pending_events_;  // shared event texts being written (kept alive)
  std::vector<net::const_buffer> buffers_;   // the gathered write's pieces
  bool writing_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point write_started_{};
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
  std::array<char, 256> sink_{};
};

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
      std::make_shared<SseStream<Stream>>(std::move(stream_), server_, std::move(*d.stream))
          ->Start();
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

void ApiServer::Impl::WatchChanges(uint64_t seen) {
  const CurrentValues& values = *ctx.values;
  while (!stopping.load(std::memory_order_acquire)) {
    const uint64_t now = values.WaitForChange(seen, kWatcherWait);
    if (now == seen) continue;
    if (streams.Empty()) {  // nobody to tell: skip the work, keep the position
      seen = now;
      continue;
    }
    TagChanges changes = values.ChangedSince(seen);
    seen = changes.version;
    if (changes.tags.empty()) continue;
    // Each event text is composed once here and shared by every stream that watches its tag.
    std::vector<bool> needed(changes.tags.size(), false);
    std::vector<std::shared_ptr<ChangeListener>> watching = streams.Watching(changes.tags, needed);
    if (watching.empty()) continue;
    auto batch = std::make_shared<ChangeBatch>();
    batch->version = changes.version;
    batch->events.resize(changes.tags.size());
    for (size_t i = 0; i < changes.tags.size(); ++i)
      if (needed[i])
        batch->events[i] =
            std::make_shared<const std::string>(SseValueEvent(ctx, values.Get(changes.tags[i])));
    batch->tags = std::move(changes.tags);
    SharedBatch shared = std::move(batch);
    std::vector<std::vector<std::shared_ptr<ChangeListener>>> by_lane(lanes.size());
    for (std::shared_ptr<ChangeListener>& l : watching)
      by_lane[l->lane % lanes.size()].push_back(std::move(l));
    for (size_t i = 0; i < lanes.size(); ++i) {
      if (by_lane[i].empty()) continue;
      net::post(lanes[i], [part = std::move(by_lane[i]), shared] {
        for (const std::shared_ptr<ChangeListener>& l : part) l->Deliver(shared);
      });
    }
  }
}

void ApiServer::Impl::StopAndJoin() {
  std::lock_guard lock(stop_mu);
  if (!ioc) return;
  stopping.store(true, std::memory_order_release);
  if (watcher.joinable()) watcher.join();
  ioc->stop();
  for (std::thread& t : threads) t.join();
  threads.clear();
  acceptor.reset();
  lanes.clear();
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
  for (int i = 0; i < impl->options.threads; ++i)
    impl->lanes.push_back(net::make_strand(*impl->ioc));
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
  impl->watcher =
      std::thread([i = impl.get(), seen = impl->ctx.values->version()] { i->WatchChanges(seen); });
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
