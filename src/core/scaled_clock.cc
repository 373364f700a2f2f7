#include "core/scaled_clock.h"

#include <chrono>

namespace gantry {

Timestamp MonotonicClock::Now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const MonotonicClock& MonotonicClock::Instance() {
  static const MonotonicClock clock;
  return clock;
}

ScaledClock::ScaledClock(Timestamp start, double scale, const Clock& real)
    : real_(real), origin_(real.Now()), scale_(scale), start_(start), latest_(start) {}

Timestamp ScaledClock::Now() const {
  // Doubles hold elapsed nanoseconds exactly for 104 days, and rounding is monotonic beyond.
  const double elapsed = static_cast<double>(real_.Now() - origin_) * scale_;
  const Timestamp now = start_.load(std::memory_order_acquire) + static_cast<Timestamp>(elapsed);
  Timestamp latest = latest_.load(std::memory_order_acquire);
  while (now > latest) {
    if (latest_.compare_exchange_weak(latest, now, std::memory_order_acq_rel)) return now;
  }
  return latest;  // `real` stepped back, or another thread answered a later time meanwhile
}

void ScaledClock::ResumeNoEarlierThan(Timestamp t) {
  const Timestamp now = Now();
  if (now < t) start_.fetch_add(t - now, std::memory_order_acq_rel);
}

}  // namespace gantry
