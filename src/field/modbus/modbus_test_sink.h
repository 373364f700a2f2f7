// A SampleSink for tests: keeps every sample and lets a test wait for a condition on them.
//
//   CollectingSink sink;
//   ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(100, 6); }, 5s));
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <vector>

#include "core/sample_sink.h"

namespace gantry::modbus {

class CollectingSink final : public SampleSink {
 public:
  void Publish(std::vector<Sample> batch) override {
    std::lock_guard lock(mutex_);
    for (Sample& s : batch) samples_.push_back(std::move(s));
    changed_.notify_all();
  }
  // Polls `condition` (which may call the accessors below) until true or `timeout`.
  template <typename F>
  bool WaitFor(F condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::milliseconds(10));
    }
    return condition();
  }
  size_t Count() const {
    std::lock_guard lock(mutex_);
    return samples_.size();
  }
  bool Has(TagId id) const {
    std::lock_guard lock(mutex_);
    for (const Sample& s : samples_)
      if (s.tag == id) return true;
    return false;
  }
  Sample Latest(TagId id) const {
    std::lock_guard lock(mutex_);
    for (auto it = samples_.rbegin(); it != samples_.rend(); ++it)
      if (it->tag == id) return *it;
    return {};
  }
  size_t CountWith(TagId id, Quality q) const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const Sample& s : samples_) n += (s.tag == id && s.quality == q) ? 1 : 0;
    return n;
  }
  // Tags first..first+n-1 all have a latest sample with Good quality.
  bool AllGood(TagId first, TagId n) const {
    for (TagId id = first; id < first + n; ++id) {
      if (!Has(id) || !Latest(id).quality.IsGood()) return false;
    }
    return true;
  }
  std::string Dump() const {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    for (const Sample& s : samples_) {
      out << s.tag << " " << s.quality.Name() << " " << s.value.ToString() << "\n";
    }
    return out.str();
  }
  std::vector<Sample> All() const {
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Sample> samples_;  // GUARDED_BY(mutex_)
};

}  // namespace gantry::modbus
