// Simulated plant time: a Clock that starts at a given instant and runs a given number of times
// as fast as real time. `gantry demo --time-scale 60` runs the whole plant on one of these (the
// simulator's model, the connectors' sample stamps, shifts, OEE, the API's "now"), so that an
// hour of simulated production is an hour in every KPI (docs/simulator.md, "Time scale").
//
//   ScaledClock plant(SystemClock::Instance().Now(), 60);  // one simulated minute per second
//   Timestamp t = plant.Now();  // start + 60 x the real time elapsed since construction
#pragma once

#include <atomic>

#include "core/time.h"

namespace gantry {

// The operating system's monotonic clock: never jumps (NTP, a date being set), arbitrary origin.
// For measuring elapsed real time, not a calendar time.
class MonotonicClock final : public Clock {
 public:
  Timestamp Now() const override;
  // A process-wide instance.
  static const MonotonicClock& Instance();
};

// Thread-safe; monotonic: never answers less than an earlier answer, even if `real` steps back.
class ScaledClock final : public Clock {
 public:
  // `real` measures elapsed real time; it is borrowed, must outlive this clock and is read once
  // here as the origin. `scale` >= 0 (0: a clock that stands still at `start`).
  ScaledClock(Timestamp start, double scale, const Clock& real = MonotonicClock::Instance());
  // start + (real.Now() - origin) x scale, or the largest earlier answer if that is more.
  Timestamp Now() const override;
  double scale() const { return scale_; }
  // Moves the clock forward so that Now() >= t from now on (a restarted plant resuming after the
  // simulated time an earlier run reached); never moves it back.
  void ResumeNoEarlierThan(Timestamp t);

 private:
  const Clock& real_;
  const Timestamp origin_;  // real_.Now() at construction
  const double scale_;
  std::atomic<Timestamp> start_;
  mutable std::atomic<Timestamp> latest_;  // the largest answer so far
};

}  // namespace gantry
