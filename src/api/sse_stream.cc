#include "api/sse_stream.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <string>
#include <type_traits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include "api/api_routes.h"

namespace gantry {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A write in flight longer than this closes the stream (a client that stopped reading).
constexpr auto kStreamWriteTimeout = std::chrono::seconds(30);
// The stream's timer never fires more often than this (a tiny heartbeat setting in tests).
constexpr auto kStreamMinTick = std::chrono::milliseconds(10);

// One SSE client: an initial snapshot of its tags, then their changes, with heartbeats. The change
// watcher posts each batch that touches a watched tag to the session's strand; the changed tags
// are collected and written as soon as no write is in flight, so a slow client simply gets
// coalesced changes (the latest value of each changed tag) on its next write.
template <class Stream>
class SseStream : public ChangeListener, public std::enable_shared_from_this<SseStream<Stream>> {
 public:
  // `on_lane`: the stream's executor is its delivery lane's strand, so batches need no hop.
  SseStream(Stream stream, const SseServerSide& server, std::vector<TagId> tags_by_path,
            size_t lane, bool on_lane)
      : ChangeListener(SortedById(tags_by_path)),
        lane_index_(lane),
        on_lane_(on_lane),
        socket_(std::move(stream)),
        server_(server),
        timer_(socket_.get_executor()),
        tags_by_path_(std::move(tags_by_path)) {}
  ~SseStream() override {
    server_.active_streams->fetch_sub(1);
    server_.connections->fetch_sub(1);
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
    server_.fanout->Join(this->shared_from_this(), lane_index_);
    const CurrentValues& values = *server_.ctx->values;
    version_ = values.version();
    out_ =
        "HTTP/1.1 200 OK\r\nServer: gantry\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n";
    for (TagId id : tags_by_path_) out_ += SseValueEvent(*server_.ctx, values.Get(id));
    out_ += SseReadyEvent(tags_by_path_.size());
    Write();
    WatchForClose();
    Tick();
  }

  // Called on the stream's delivery lane (an I/O thread): continues on the stream's strand, which
  // for a plain TCP stream is the lane itself.
  void Deliver(SharedBatch batch) override {
    if (on_lane_) return OnChanges(*batch);
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
    if (!writing_ && dirty_.empty()) {  // the usual case: a client that keeps up
      pending_events_.clear();
      Watches(changes.tags, [&](size_t i) {
        if (changes.events[i]) pending_events_.push_back(changes.events[i]);
      });
      if (!pending_events_.empty()) Write();
      return;
    }
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

  // One timer per stream, armed for the next thing that may be due: the heartbeat (last write +
  // heartbeat) and, while a write is in flight, the stuck-write limit (write start + 30 s). A
  // stream that writes often is woken once per heartbeat period, not every second.
  void Tick() {
    const auto due = writing_ ? write_started_ + kStreamWriteTimeout
                              : last_write_ + std::chrono::nanoseconds(server_.heartbeat);
    timer_.expires_at(std::max(due, std::chrono::steady_clock::now() + kStreamMinTick));
    timer_.async_wait(
        [self = this->shared_from_this()](beast::error_code ec) { self->OnTick(ec); });
  }

  void OnTick(beast::error_code ec) {
    if (ec || closed_) return;
    const auto now = std::chrono::steady_clock::now();
    if (writing_) {
      if (now - write_started_ >= kStreamWriteTimeout) return Close();
    } else if (now - last_write_ >= std::chrono::nanoseconds(server_.heartbeat)) {
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

  const size_t lane_index_;
  const bool on_lane_;
  Stream socket_;
  const SseServerSide server_;
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

}  // namespace

// A plain TCP stream moves onto its delivery lane's strand: the socket is re-registered with the
// lane's executor, so the lane hands it each batch with a plain call (no hop through a second
// strand and no allocation per stream and change). Should that fail, the stream keeps its own
// strand and batches hop over as they do under TLS.
void StartSseStream(beast::tcp_stream stream, const SseServerSide& server,
                    std::vector<TagId> tags_by_path) {
  const size_t lane = server.fanout->PickLane();
  beast::error_code ec;
  tcp::socket& socket = stream.socket();
  const tcp::endpoint local = socket.local_endpoint(ec);
  tcp::socket::native_handle_type fd = -1;
  if (!ec) fd = socket.release(ec);
  if (ec || fd < 0) {
    auto s = std::make_shared<SseStream<beast::tcp_stream>>(std::move(stream), server,
                                                            std::move(tags_by_path), lane, false);
    return s->Start();
  }
  tcp::socket moved(server.fanout->Lane(lane), local.protocol(), fd);
  auto s = std::make_shared<SseStream<beast::tcp_stream>>(
      beast::tcp_stream(std::move(moved)), server, std::move(tags_by_path), lane, true);
  net::dispatch(server.fanout->Lane(lane), [s] { s->Start(); });
}

void StartSseStream(beast::ssl_stream<beast::tcp_stream> stream, const SseServerSide& server,
                    std::vector<TagId> tags_by_path) {
  const size_t lane = server.fanout->PickLane();
  std::make_shared<SseStream<beast::ssl_stream<beast::tcp_stream>>>(
      std::move(stream), server, std::move(tags_by_path), lane, false)
      ->Start();
}

}  // namespace gantry
