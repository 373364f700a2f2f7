// The Unified Namespace publisher: every tag by its ISA-95 path, on change, plus the operations
// events, to a broker (NATS now; the transport is an interface, uns_transport.h). It reads the tag
// bus from its own bounded queue on its own thread, so ingest never waits for the broker; while
// the broker is unreachable it keeps the messages in a bounded buffer (oldest dropped and
// counted), reconnects with backoff and, once connected again, sends the latest state of every
// tag first, then the buffered messages in order, marked "backlog":true. docs/uns.md.
//
//   UnsPublisher uns(registry, bus, &values, std::make_unique<NatsTransport>(nats), options);
//   uns.Start();
//   uns.PublishEvent({"acme/plant1/packaging/line1/filler", "state", R"({"category":...})"});
//   std::string metrics = uns.MetricsText();
//   uns.Stop();
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "data/current_values.h"
#include "data/tag_bus.h"
#include "data/tag_registry.h"
#include "data/uns/uns_transport.h"

namespace gantry::uns {

// A deadband for the tags at or below `prefix`: a numeric value is published again only when it
// differs from the last published one by more than `absolute` (or its quality changed).
struct Deadband {
  std::string prefix;
  double absolute = 0.0;
};

struct UnsOptions {
  std::string prefix = "uns";             // first subject token(s) (uns_subject.h)
  std::vector<std::string> tag_prefixes;  // publish the tags at or below these; empty: all
  std::vector<Deadband> deadbands;        // the longest matching prefix applies
  Duration republish_every = 0;           // full state this often (0: only on change)
  bool serve_current = true;              // answer "<prefix>.$current.<path>" requests
  size_t queue_samples = 200'000;         // the tag bus queue (drop-oldest)
  size_t buffer_messages = 100'000;       // store-and-forward while disconnected (drop-oldest)
  Duration reconnect_min = 100 * kMillisecond;  // first retry; doubles up to reconnect_max
  Duration reconnect_max = 5 * kSecond;
};

// Something the operations layer concluded, for "<prefix>.events.<work centre>.<kind>".
struct UnsEvent {
  std::string work_centre;  // ISA-95 path
  std::string kind;         // "state", "count", "order", ... (one token)
  std::string json;         // the payload: one JSON object
};

// Counters for /metrics and tests.
struct UnsStats {
  bool connected = false;
  uint64_t published_values = 0;    // on change, incl. backlog
  uint64_t published_snapshot = 0;  // latest state after a connect and periodic republish
  uint64_t published_events = 0;
  uint64_t suppressed = 0;  // samples not published: unchanged or within the deadband
  uint64_t stale = 0;       // samples older than the tag's latest, ignored
  uint64_t dropped = 0;     // buffered messages lost because the buffer was full
  uint64_t refused = 0;     // messages the connected broker would not take (too large), dropped
  uint64_t backlog = 0;     // messages waiting to be sent now
  uint64_t connects = 0;    // successful connects (the first one included)
  uint64_t connection_losses = 0;
  uint64_t connect_failures = 0;
  uint64_t requests_answered = 0;  // "$current" requests
  uint64_t bus_dropped = 0;        // samples the tag bus dropped from this publisher's queue
};

class UnsPublisher {
 public:
  // Subscribes to `bus` now (as "uns", drop-oldest), so nothing published after this is missed.
  // `registry`, `bus` and `values` (may be null: no "$current" answers) are borrowed and must
  // outlive the publisher; the transport is owned.
  UnsPublisher(const TagRegistry& registry, TagBus& bus, const CurrentValues* values,
               std::unique_ptr<UnsTransport> transport, UnsOptions options);
  ~UnsPublisher();  // Stop()s
  UnsPublisher(const UnsPublisher&) = delete;
  UnsPublisher& operator=(const UnsPublisher&) = delete;

  // Starts the publisher thread, which connects (and keeps reconnecting) by itself: an
  // unreachable broker is not an error here. FailedPrecondition when already started.
  Status Start();
  // Sends what it can of the queue for at most `drain_timeout`, closes the connection and joins
  // the thread; idempotent.
  void Stop(Duration drain_timeout = 500 * kMillisecond);

  // Queues an operations event (buffered like values). Thread-safe, never blocks on the broker.
  void PublishEvent(UnsEvent event);

  UnsStats Stats() const;
  // The counters in Prometheus text format (gantry_uns_*).
  std::string MetricsText() const;
  const UnsOptions& options() const { return options_; }

 private:
  struct Outgoing {
    TagId tag = kInvalidTagId;  // a value; kInvalidTagId for an event
    Sample sample;
    std::string subject;  // events only
    std::string payload;  // events only
  };
  void Run();
  void Offer(const Sample& s);
  void Enqueue(Outgoing o);
  void TakeEvents();
  bool TryConnect();
  bool SendSnapshot();
  bool SendBuffered(size_t max_messages);
  // True when `status` came from a connection that is still up (the broker refused this one
  // message, e.g. too large): it is counted and dropped. False: the connection is gone.
  bool Refused(const Status& status, const std::string& subject);
  void NoteLost();
  std::optional<std::string> AnswerCurrent(std::string_view subject) const;

  const TagRegistry& registry_;
  const CurrentValues* values_;
  std::unique_ptr<UnsTransport> transport_;
  const UnsOptions options_;
  std::unique_ptr<Subscription> subscription_;
  std::vector<std::string> subjects_;  // by TagId; empty: not published
  std::vector<double> deadband_;       // by TagId

  // Owned by the publisher thread.
  std::vector<Sample> last_seen_;       // .tag == kInvalidTagId until seen
  std::vector<Sample> last_published_;  // .tag == kInvalidTagId until published
  std::deque<Outgoing> buffer_;
  size_t backlog_left_ = 0;  // the first entries of buffer_ that were waiting during an outage
  bool was_connected_ = false;
  uint64_t failures_in_row_ = 0;  // connect failures since the last success
  std::string scratch_;

  mutable std::mutex events_mu_;
  std::vector<UnsEvent> events_in_;  // guarded by events_mu_

  std::atomic<bool> stop_{false};
  std::atomic<Duration> drain_timeout_{0};
  std::thread thread_;

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> published_values_{0}, published_snapshot_{0}, published_events_{0},
      suppressed_{0}, stale_{0}, dropped_{0}, refused_{0}, backlog_{0}, connects_{0}, losses_{0},
      connect_failures_{0};
  mutable std::atomic<uint64_t> requests_answered_{0};
};

}  // namespace gantry::uns
