#include "api/sse_fanout.h"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "api/api_routes.h"

namespace gantry {

namespace net = boost::asio;

namespace {
// How long the watcher sleeps at most before it looks at its stop flag.
constexpr Duration kWatcherWait = 20 * kMillisecond;
}  // namespace

SseFanout::SseFanout(const ApiContext& ctx, net::io_context& ioc, int lanes) : ctx_(ctx) {
  for (int i = 0; i < std::max(lanes, 1); ++i) lanes_.push_back(net::make_strand(ioc));
}

SseFanout::~SseFanout() {
  Stop();
}

void SseFanout::Start(uint64_t seen) {
  stopping_.store(false, std::memory_order_release);
  watcher_ = std::thread([this, seen] { Watch(seen); });
}

void SseFanout::Stop() {
  stopping_.store(true, std::memory_order_release);
  lanes_idle_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

size_t SseFanout::PickLane() {
  std::lock_guard lock(mu_);
  return next_lane_++ % lanes_.size();
}

void SseFanout::Join(const std::shared_ptr<ChangeListener>& listener, size_t lane) {
  std::lock_guard lock(mu_);
  listener->lane_ = lane % lanes_.size();
  listeners_.push_back(listener);
}

bool SseFanout::AnyListener() {
  std::lock_guard lock(mu_);
  return !listeners_.empty();
}

std::vector<std::shared_ptr<ChangeListener>> SseFanout::Watching(const std::vector<TagId>& tags,
                                                                 std::vector<bool>& needed) {
  std::vector<std::shared_ptr<ChangeListener>> out;
  std::lock_guard lock(mu_);
  size_t live = 0;
  for (size_t i = 0; i < listeners_.size(); ++i) {
    std::shared_ptr<ChangeListener> l = listeners_[i].lock();
    if (!l) continue;
    if (l->Watches(tags, [&needed](size_t k) { needed[k] = true; })) out.push_back(std::move(l));
    if (i != live) listeners_[live] = std::move(listeners_[i]);  // never a self-move: it empties
    ++live;
  }
  listeners_.resize(live);
  return out;
}

void SseFanout::WaitForLanes() {
  std::unique_lock lock(lanes_mu_);
  while (lanes_busy_ > 0 && !stopping_.load(std::memory_order_acquire))
    lanes_idle_.wait_for(lock, std::chrono::nanoseconds(kWatcherWait));
}

void SseFanout::LaneDone() {
  std::lock_guard lock(lanes_mu_);
  if (--lanes_busy_ == 0) lanes_idle_.notify_one();
}

// Waits for the change feed to move, then builds one batch of everything that changed since the
// last one and posts it once per lane. While the lanes are still writing a batch the watcher
// waits, and the feed keeps collecting: a burst of changes (every device polled on the same
// grid) costs each stream one write per round instead of one per change, and no change waits
// longer than the round in progress, which it would wait behind anyway.
void SseFanout::Watch(uint64_t seen) {
  const CurrentValues& values = *ctx_.values;
  while (!stopping_.load(std::memory_order_acquire)) {
    WaitForLanes();
    const uint64_t now = values.WaitForChange(seen, kWatcherWait);
    if (now == seen) continue;
    if (!AnyListener()) {  // nobody to tell: skip the work, keep the position
      seen = now;
      continue;
    }
    TagChanges changes = values.ChangedSince(seen);
    seen = changes.version;
    if (changes.tags.empty()) continue;
    std::vector<bool> needed(changes.tags.size(), false);
    std::vector<std::shared_ptr<ChangeListener>> watching = Watching(changes.tags, needed);
    if (watching.empty()) continue;
    auto batch = std::make_shared<ChangeBatch>();
    batch->version = changes.version;
    batch->events.resize(changes.tags.size());
    for (size_t i = 0; i < changes.tags.size(); ++i)
      if (needed[i])
        batch->events[i] =
            std::make_shared<const std::string>(SseValueEvent(ctx_, values.Get(changes.tags[i])));
    batch->tags = std::move(changes.tags);
    SharedBatch shared = std::move(batch);
    std::vector<std::vector<std::shared_ptr<ChangeListener>>> by_lane(lanes_.size());
    for (std::shared_ptr<ChangeListener>& l : watching) by_lane[l->lane_].push_back(std::move(l));
    const int busy = static_cast<int>(
        std::count_if(by_lane.begin(), by_lane.end(), [](const auto& v) { return !v.empty(); }));
    {
      std::lock_guard lock(lanes_mu_);
      lanes_busy_ = busy;
    }
    for (size_t i = 0; i < lanes_.size(); ++i) {
      if (by_lane[i].empty()) continue;
      net::post(lanes_[i], [this, part = std::move(by_lane[i]), shared] {
        for (const std::shared_ptr<ChangeListener>& l : part) l->Deliver(shared);
        LaneDone();
      });
    }
  }
}

}  // namespace gantry
