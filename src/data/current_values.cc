#include "data/current_values.h"

#include <algorithm>
#include <chrono>

namespace gantry {

CurrentValues::CurrentValues(size_t tag_count, size_t change_log_capacity)
    : values_(tag_count, Sample{kInvalidTagId, 0, Value(), Quality::BadWaitingForInitialData()}),
      tag_version_(tag_count, 0),
      change_log_(std::max<size_t>(change_log_capacity, 1), kInvalidTagId) {}

size_t CurrentValues::Apply(const std::vector<Sample>& batch) {
  size_t changes = 0;
  {
    std::lock_guard lock(mu_);
    uint64_t version = version_.load(std::memory_order_relaxed);
    for (const Sample& s : batch) {
      if (s.tag >= values_.size()) {
        unknown_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      Sample& cur = values_[s.tag];
      const bool seen = cur.tag != kInvalidTagId;
      if (seen && s.time < cur.time) {
        stale_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      const bool keep_value = s.quality.IsBad() && s.value.empty();
      const bool changed =
          !seen || cur.quality != s.quality || (!keep_value && !(cur.value == s.value));
      cur.tag = s.tag;
      cur.time = s.time;
      cur.server_time = s.server_time;
      cur.quality = s.quality;
      if (!keep_value) cur.value = s.value;
      if (changed) {
        ++version;
        ++changes;
        tag_version_[s.tag] = version;
        change_log_[version % change_log_.size()] = s.tag;
      }
    }
    version_.store(version, std::memory_order_release);
  }
  if (changes != 0) changed_.notify_all();
  return changes;
}

Sample CurrentValues::Get(TagId id) const {
  if (id >= values_.size()) return Sample{id, 0, Value(), Quality::BadNodeIdUnknown()};
  std::lock_guard lock(mu_);
  Sample s = values_[id];
  s.tag = id;
  return s;
}

TagChanges CurrentValues::ChangedSince(uint64_t since) const {
  TagChanges out;
  std::lock_guard lock(mu_);
  const uint64_t now = version_.load(std::memory_order_relaxed);
  out.version = now;
  if (since >= now) return out;
  const uint64_t behind = now - since;
  if (behind <= change_log_.size() && behind <= values_.size()) {
    out.tags.reserve(behind);
    for (uint64_t v = since + 1; v <= now; ++v)
      out.tags.push_back(change_log_[v % change_log_.size()]);
    std::sort(out.tags.begin(), out.tags.end());
    out.tags.erase(std::unique(out.tags.begin(), out.tags.end()), out.tags.end());
  } else {
    // Too far behind for the log (or the scan is cheaper): every tag's last change version.
    for (size_t id = 0; id < tag_version_.size(); ++id)
      if (tag_version_[id] > since) out.tags.push_back(static_cast<TagId>(id));
  }
  return out;
}

uint64_t CurrentValues::WaitForChange(uint64_t since, Duration timeout) const {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, std::chrono::nanoseconds(std::max<Duration>(timeout, 0)),
                    [&] { return version_.load(std::memory_order_relaxed) > since; });
  return version_.load(std::memory_order_relaxed);
}

}  // namespace gantry
