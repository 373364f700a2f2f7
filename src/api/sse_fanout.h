// The SSE fan-out (internal to the API server): one watcher thread follows the current-value change
// feed, composes each changed tag's event text once and hands the batch to the streams that watch
// one of its tags, spread over delivery lanes (one per I/O thread). A batch is built only after the
// lanes have handed on the previous one, so changes that arrive meanwhile (several devices polled
// at the same moment) leave as one write per stream rather than one per change.
//
//   SseFanout fanout(ctx, ioc, /*lanes=*/2);
//   fanout.Start(values.version());            // before any I/O thread runs
//   fanout.Join(stream);                       // a stream (a ChangeListener) from its strand
//   fanout.Stop();                             // before the io_context stops
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "api/http_server.h"

namespace gantry {

// One SSE event's text, composed once by the watcher and written by every stream that watches its
// tag (shared: the streams write it from their own strands, at their own pace).
using SharedEvent = std::shared_ptr<const std::string>;

// One batch of the change feed with each changed tag's event text, shared by every stream it is
// handed to (immutable once built).
struct ChangeBatch {
  uint64_t version = 0;
  std::vector<TagId> tags;          // ascending, each once
  std::vector<SharedEvent> events;  // parallel to tags; null for a tag no stream watches
};
using SharedBatch = std::shared_ptr<const ChangeBatch>;

// What the fan-out knows of a stream: the tags it watches (sorted by id, fixed) and how to hand it
// a batch.
class ChangeListener {
 public:
  explicit ChangeListener(std::vector<TagId> watched_by_id) : watched_(std::move(watched_by_id)) {}
  virtual ~ChangeListener() = default;
  // Called on the stream's delivery lane (an I/O thread). Must not block: continue on the
  // stream's own strand (inline when it is idle).
  virtual void Deliver(SharedBatch batch) = 0;
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

 private:
  friend class SseFanout;
  const std::vector<TagId> watched_;
  size_t lane_ = 0;  // set by SseFanout::Join, fixed for the stream's life
};

class SseFanout {
 public:
  // `ctx` (registry, values) and `ioc` must outlive the fan-out; `lanes` >= 1.
  SseFanout(const ApiContext& ctx, boost::asio::io_context& ioc, int lanes);
  ~SseFanout();
  SseFanout(const SseFanout&) = delete;
  SseFanout& operator=(const SseFanout&) = delete;

  // Starts the watcher after change-feed position `seen` (read it before any stream can join).
  void Start(uint64_t seen);
  // Stops and joins the watcher; batches already posted stay with the io_context.
  void Stop();

  // The delivery lane for a new stream (round robin) and its strand: a stream whose executor is
  // its lane's strand is handed batches without a hop (ChangeListener::Deliver runs on it).
  size_t PickLane();
  const boost::asio::strand<boost::asio::io_context::executor_type>& Lane(size_t lane) const {
    return lanes_[lane];
  }
  // A stream joins in lane `lane` (any thread); it is dropped once its last owner lets go. Join
  // before reading the change-feed version for the stream's snapshot, so that no change falls
  // between the two.
  void Join(const std::shared_ptr<ChangeListener>& listener, size_t lane);

 private:
  void Watch(uint64_t seen);
  // The live streams that watch one of `tags`; sets needed[i] for every tag one of them watches.
  // Drops closed streams.
  std::vector<std::shared_ptr<ChangeListener>> Watching(const std::vector<TagId>& tags,
                                                        std::vector<bool>& needed);
  bool AnyListener();
  // Blocks until every lane job of the last batch has run (or stopping).
  void WaitForLanes();
  void LaneDone();

  const ApiContext& ctx_;
  std::vector<boost::asio::strand<boost::asio::io_context::executor_type>> lanes_;
  std::mutex mu_;
  std::vector<std::weak_ptr<ChangeListener>> listeners_;  // guarded by mu_
  size_t next_lane_ = 0;                                  // guarded by mu_
  std::mutex lanes_mu_;
  std::condition_variable lanes_idle_;
  int lanes_busy_ = 0;  // guarded by lanes_mu_: lane jobs of the last batch not yet run
  std::atomic<bool> stopping_{false};
  std::thread watcher_;
};

}  // namespace gantry
