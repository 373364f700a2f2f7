// Current values: the latest sample of every tag, for the API and dashboards, plus a change feed
// (a version number and the tags changed since a version) that live streams (SSE) follow.
//
//   CurrentValues values(registry.size());
//   values.Apply(batch);                                  // from the bus, one thread
//   Sample s = values.Get(id);                            // from any thread, a copy
//   TagChanges c = values.ChangedSince(last_version);     // c.tags changed; resume at c.version
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/sample.h"
#include "core/time.h"

namespace gantry {

// Tags whose value or quality changed after some version, and the version they bring the reader
// up to. Several changes of one tag are reported once: readers get the latest value with Get().
struct TagChanges {
  uint64_t version = 0;
  std::vector<TagId> tags;  // ascending, each once
};

// Rules of Apply(), decided here once for every caller:
//  - A sample older (by source time) than the stored one is ignored and counted as stale; an
//    equal time replaces (the last publisher wins).
//  - A Bad sample with an empty value keeps the last value and updates quality and time, so a
//    dashboard shows "last known 71.2 degC, BadNotConnected" rather than nothing.
//  - A change is a different value or quality (or the first sample of a tag); a newer time with
//    the same value and quality updates the time but does not advance the version.
// Thread-safe: one or more appliers and any number of readers.
class CurrentValues {
 public:
  // Room for tags 0 .. tag_count-1. `change_log_capacity` is how many changes the feed remembers;
  // a reader further behind gets its changes from a scan of per-tag versions instead (still
  // complete, just slower).
  explicit CurrentValues(size_t tag_count, size_t change_log_capacity = 65536);

  // Applies a batch by the rules above; returns how many tags changed. Samples for ids outside
  // the registry are ignored and counted in unknown_samples().
  size_t Apply(const std::vector<Sample>& batch);

  // A copy of the tag's latest sample (sample.tag == id). A tag never seen has an empty value,
  // time 0 and quality BadWaitingForInitialData; an id out of range gets BadNodeIdUnknown.
  Sample Get(TagId id) const;

  size_t size() const { return values_.size(); }

  // Increases by one per change; 0 before the first. Lock-free.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Tags changed after version `since` (since >= version() gives none).
  TagChanges ChangedSince(uint64_t since) const;

  // Waits until version() > since or `timeout` passes; returns version().
  uint64_t WaitForChange(uint64_t since, Duration timeout) const;

  uint64_t stale_samples() const { return stale_.load(std::memory_order_relaxed); }
  uint64_t unknown_samples() const { return unknown_.load(std::memory_order_relaxed); }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<Sample> values_;         // guarded by mu_; .tag == kInvalidTagId until first seen
  std::vector<uint64_t> tag_version_;  // guarded by mu_; version of each tag's last change
  std::vector<TagId> change_log_;      // guarded by mu_; change v is at v % capacity
  std::atomic<uint64_t> version_{0};   // written under mu_
  std::atomic<uint64_t> stale_{0};
  std::atomic<uint64_t> unknown_{0};
};

}  // namespace gantry
