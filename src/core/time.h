// Time in Gantry: UTC nanoseconds since the Unix epoch, and a Clock seam so that tests can run
// time forward (shifts, daylight saving, retention) without sleeping.
//
//   Timestamp t = clock.Now();
//   std::string s = FormatIso8601(t);          // "2026-11-22T02:30:00.000Z"
//   Result<Timestamp> back = ParseTimestamp(s); // also accepts epoch seconds / ms
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gantry {

// Nanoseconds since 1970-01-01T00:00:00Z. int64 covers the years 1678..2262.
using Timestamp = int64_t;
// A span of time in nanoseconds.
using Duration = int64_t;

inline constexpr Duration kNanosecond = 1;
inline constexpr Duration kMicrosecond = 1'000;
inline constexpr Duration kMillisecond = 1'000'000;
inline constexpr Duration kSecond = 1'000'000'000;
inline constexpr Duration kMinute = 60 * kSecond;
inline constexpr Duration kHour = 60 * kMinute;
inline constexpr Duration kDay = 24 * kHour;

// Source of "now". Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// The operating system's real-time clock.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  // A process-wide instance.
  static const SystemClock& Instance();
};

// A clock that moves only when told to; for tests and replay. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start = 0) : now_(start) {}
  Timestamp Now() const override { return now_.load(std::memory_order_acquire); }
  void Set(Timestamp t) { now_.store(t, std::memory_order_release); }
  void Advance(Duration d) { now_.fetch_add(d, std::memory_order_acq_rel); }

 private:
  std::atomic<Timestamp> now_;
};

// "2026-11-22T02:30:00.123Z" (milliseconds; more digits when the value has sub-ms precision).
std::string FormatIso8601(Timestamp t);

// Accepts ISO 8601 / RFC 3339 ("2026-11-22T02:30:00Z", "...T03:30:00.5+01:00", "2026-11-22"
// meaning midnight UTC) and epoch numbers: seconds (up to 11 digits, optional fraction),
// milliseconds (12-14 digits) or nanoseconds (more digits). The error names the text and the
// accepted forms.
Result<Timestamp> ParseTimestamp(std::string_view text);

// Parses a duration such as "250ms", "5s", "10m", "8h", "1d", "1h30m"; a bare number is seconds.
Result<Duration> ParseDuration(std::string_view text);

}  // namespace gantry
