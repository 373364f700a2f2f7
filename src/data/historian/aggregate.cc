#include "data/historian/aggregate.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace gantry::historian {

Result<AggregateKind> ParseAggregateKind(std::string_view name) {
  static constexpr std::pair<std::string_view, AggregateKind> kNames[] = {
      {"min", AggregateKind::kMin},
      {"max", AggregateKind::kMax},
      {"mean", AggregateKind::kMean},
      {"avg", AggregateKind::kMean},
      {"twa", AggregateKind::kTimeWeightedMean},
      {"tavg", AggregateKind::kTimeWeightedMean},
      {"sum", AggregateKind::kSum},
      {"count", AggregateKind::kCount},
      {"first", AggregateKind::kFirst},
      {"last", AggregateKind::kLast},
      {"delta", AggregateKind::kDelta},
      {"duration", AggregateKind::kDurationInState}};
  for (auto [n, k] : kNames) {
    if (n == name) return k;
  }
  return InvalidArgument("agg: unknown aggregate '" + std::string(name) +
                         "'; expected one of min, max, mean, avg, twa, tavg, sum, count, first, "
                         "last, delta, duration");
}

std::optional<double> BucketValue(const Bucket& b, AggregateKind kind) {
  if (b.raw_expired) return std::nullopt;
  const bool data = b.count > 0;
  switch (kind) {
    case AggregateKind::kMin: return data ? std::optional(b.min) : std::nullopt;
    case AggregateKind::kMax: return data ? std::optional(b.max) : std::nullopt;
    case AggregateKind::kMean:
      return data ? std::optional(b.sum / static_cast<double>(b.count)) : std::nullopt;
    case AggregateKind::kTimeWeightedMean:
      return b.covered > 0 ? std::optional(b.tw_integral / static_cast<double>(b.covered))
                           : std::nullopt;
    case AggregateKind::kSum: return b.sum;
    case AggregateKind::kCount: return static_cast<double>(b.count);
    case AggregateKind::kFirst: return data ? std::optional(b.first) : std::nullopt;
    case AggregateKind::kLast: return data ? std::optional(b.last) : std::nullopt;
    case AggregateKind::kDelta: return b.delta;
    case AggregateKind::kDurationInState: return static_cast<double>(b.in_state) / kSecond;
  }
  return std::nullopt;
}

BucketAccumulator::BucketAccumulator(Timestamp from, Timestamp to, const AggregateOptions& o)
    : from_(from), to_(to), o_(o), cursor_(from) {
  if (to <= from || o.interval <= 0) return;
  const uint64_t span = static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
  const auto iv = static_cast<uint64_t>(o.interval);
  const auto n = static_cast<size_t>(span / iv + (span % iv != 0 ? 1 : 0));
  buckets_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    buckets_[i].start = from + static_cast<Timestamp>(i) * o.interval;
    buckets_[i].end = i + 1 == n ? to : buckets_[i].start + o.interval;
  }
}

void BucketAccumulator::Seed(Timestamp, double v) {
  have_prev_ = true;
  prev_v_ = v;
}

size_t BucketAccumulator::BucketOf(Timestamp t) const {
  return static_cast<size_t>((t - from_) / o_.interval);
}

void BucketAccumulator::Hold(Duration dt) {
  if (!have_prev_ || dt <= 0) return;
  Bucket& b = buckets_[cur_];
  b.tw_integral += prev_v_ * static_cast<double>(dt);
  b.covered += dt;
  if (o_.want_state_duration && prev_v_ == o_.state) b.in_state += dt;
}

void BucketAccumulator::AdvanceTo(Timestamp t) {
  while (cur_ < buckets_.size() && t >= buckets_[cur_].end) {
    Hold(buckets_[cur_].end - cursor_);
    cursor_ = buckets_[cur_].end;
    ++cur_;
  }
  if (cur_ < buckets_.size()) {
    Hold(t - cursor_);
    cursor_ = t;
  }
}

void BucketAccumulator::Add(Timestamp t, double v) {
  AdvanceTo(t);
  if (cur_ >= buckets_.size()) return;
  Bucket& b = buckets_[cur_];
  if (prev_unknown_) {  // its delta and the time-weighted terms before it are not known
    b.raw_expired = true;
    prev_unknown_ = false;
  }
  if (have_prev_) {
    const double d = v - prev_v_;
    if (d >= 0) {
      b.delta += d;
    } else {
      b.delta += o_.counter_width_bits > 0
                     ? d + std::ldexp(1.0, static_cast<int>(o_.counter_width_bits))
                     : v;
    }
  }
  if (b.count == 0) {
    b.min = b.max = b.first = v;
  } else {
    b.min = std::min(b.min, v);
    b.max = std::max(b.max, v);
  }
  b.sum += v;
  b.last = v;
  ++b.count;
  have_prev_ = true;
  prev_v_ = v;
}

bool BucketAccumulator::CanTake(const ChunkSummary& s, ValueType type) const {
  if (s.usable == 0 || s.first_t < from_ || s.last_t >= to_ || s.first_t < cursor_) return false;
  if (BucketOf(s.first_t) != BucketOf(s.last_t)) return false;
  if (o_.want_state_duration && type != ValueType::kBool && s.min != s.max) return false;
  return true;
}

void BucketAccumulator::Take(const ChunkSummary& s, ValueType type) {
  Add(s.first_t, s.first_v);
  if (s.usable == 1) return;
  Bucket& b = buckets_[cur_];
  b.count += s.usable - 1;
  b.sum += s.sum - s.first_v;
  b.min = std::min(b.min, s.min);
  b.max = std::max(b.max, s.max);
  b.last = s.last_v;
  b.tw_integral += s.tw_integral;
  const Duration span = s.last_t - s.first_t;
  b.covered += span;
  b.delta +=
      s.rise + (o_.counter_width_bits > 0
                    ? s.fall + s.falls * std::ldexp(1.0, static_cast<int>(o_.counter_width_bits))
                    : s.reset_sum);
  if (o_.want_state_duration) {
    if (type == ValueType::kBool) {
      const auto true_ns = static_cast<Duration>(std::llround(s.tw_integral));
      b.in_state += o_.state == 1 ? true_ns : o_.state == 0 ? span - true_ns : 0;
    } else if (s.min == o_.state) {
      b.in_state += span;
    }
  }
  prev_v_ = s.last_v;
  cursor_ = s.last_t;
}

void BucketAccumulator::ForgetValue() {
  have_prev_ = false;
  prev_unknown_ = true;
}

void BucketAccumulator::MarkExpired(Timestamp t_min, Timestamp t_max,
                                    std::optional<std::pair<Timestamp, double>> last) {
  const Timestamp lo = std::max(t_min, from_);
  const Timestamp hi = std::min(t_max, to_ - 1);
  if (lo <= hi && !buckets_.empty()) {
    AdvanceTo(lo);  // the value before the expired stretch holds up to it
    for (size_t k = BucketOf(lo); k <= BucketOf(hi) && k < buckets_.size(); ++k)
      buckets_[k].raw_expired = true;
    have_prev_ = false;
    AdvanceTo(hi);
  }
  if (last) {
    have_prev_ = true;
    prev_v_ = last->second;
    prev_unknown_ = false;
  } else {
    ForgetValue();
  }
}

std::vector<Bucket> BucketAccumulator::Finish() {
  AdvanceTo(to_);
  return std::move(buckets_);
}

}  // namespace gantry::historian
