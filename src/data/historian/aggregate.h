// Fixed-interval aggregates of one series: min, max, mean, time-weighted mean, sum, count, first,
// last, counter delta (rollover-aware) and duration in a state. Computed by one pass over the
// usable samples (value present, numeric, finite, quality not Bad) in time order, taking whole
// chunk summaries where a chunk lies inside one interval.
//
// Semantics: a value holds (step) from its time until the next usable sample, and the last one
// until `to`; the time-weighted mean of an interval is the integral of that step function over
// the part of the interval after the first known value, divided by the length of that part. The
// value in force at `from` comes from the last usable sample before it. Counter delta adds each
// rise; a fall is a rollover adding v_next - v_prev + 2^counter_width_bits, or, with width 0, a
// reset to zero adding v_next. Steps are counted in the interval of their later sample.
//
//   AggregateOptions o{.interval = kHour};
//   for (const Bucket& b : buckets) if (auto v = BucketValue(b, AggregateKind::kMean)) ...
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "data/historian/columns.h"

namespace gantry::historian {

enum class AggregateKind : uint8_t {
  kMin,
  kMax,
  kMean,
  kTimeWeightedMean,
  kSum,
  kCount,
  kFirst,
  kLast,
  kDelta,
  kDurationInState
};

// "min", "max", "mean"/"avg", "twa"/"tavg", "sum", "count", "first", "last", "delta",
// "duration"; the error lists the accepted names.
Result<AggregateKind> ParseAggregateKind(std::string_view name);

struct AggregateOptions {
  Duration interval = kHour;         // > 0
  uint32_t counter_width_bits = 0;   // for delta: 16, 32, 64 ...; 0 = a fall is a reset
  bool want_state_duration = false;  // compute in_state (may force decoding chunks)
  double state = 1;                  // the state measured by in_state (true = 1)
};

struct Bucket {
  Timestamp start = 0;
  Timestamp end = 0;
  uint64_t count = 0;
  double min = 0, max = 0, sum = 0, first = 0, last = 0;
  double delta = 0;
  double tw_integral = 0;  // value * ns
  Duration covered = 0;    // ns of the interval with a known value
  Duration in_state = 0;   // ns with value == options.state (when asked for)
  // Raw samples in this interval have expired and the kept chunk summaries cannot be split at
  // its edges: no aggregate of it is given (BucketValue returns nullopt), rather than a wrong one.
  bool raw_expired = false;
};

// The value of one aggregate of a bucket; nullopt when it has no data for it or raw_expired.
std::optional<double> BucketValue(const Bucket& b, AggregateKind kind);

// Accumulates usable samples, in time order, into the buckets of [from, to).
class BucketAccumulator {
 public:
  BucketAccumulator(Timestamp from, Timestamp to, const AggregateOptions& options);
  // The last usable value before `from`, if any; call before anything else.
  void Seed(Timestamp t, double v);
  // One usable sample with from <= t < to, not earlier than the previous one.
  void Add(Timestamp t, double v);
  // Whether a chunk with this summary can be taken whole (lies in one bucket, nothing to decode).
  bool CanTake(const ChunkSummary& s, ValueType type) const;
  // Takes a whole chunk; precondition CanTake().
  void Take(const ChunkSummary& s, ValueType type);
  // Samples in [t_min, t_max] are known only as a summary that cannot be split into buckets: the
  // buckets it touches are marked raw_expired. `last` is its last usable sample (the value in
  // force after it), if known; if not, the next bucket with data is marked too.
  void MarkExpired(Timestamp t_min, Timestamp t_max,
                   std::optional<std::pair<Timestamp, double>> last);
  // The value in force is unknown from here (expired samples before `from`).
  void ForgetValue();
  std::vector<Bucket> Finish();

 private:
  size_t BucketOf(Timestamp t) const;
  void AdvanceTo(Timestamp t);
  void Hold(Duration dt);

  Timestamp from_, to_;
  AggregateOptions o_;
  std::vector<Bucket> buckets_;
  size_t cur_ = 0;
  Timestamp cursor_;
  bool have_prev_ = false;
  double prev_v_ = 0;
  bool prev_unknown_ = false;  // the next sample's step from its predecessor is unknown
};

}  // namespace gantry::historian
