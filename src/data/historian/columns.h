// Columns: one series' samples held column-wise, the in-memory form shared by the memtable, the
// chunk encoder and the chunk decoder. Also the Point a query returns and the per-chunk summary
// (count/min/max/sum/first/last and the terms of time-weighted mean and counter delta) that lets
// aggregates over whole chunks skip decoding.
//
//   Columns c;  c.Add(t, Value(21.5), Quality::Good());
//   SortAndDedupe(c);  ChunkSummary s = Summarize(c);
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/quality.h"
#include "core/sample.h"
#include "core/time.h"

namespace gantry::historian {

// The stored identity of a series; see TagCatalog for how paths map to it.
using SeriesId = uint32_t;

// One stored observation as a query returns it.
struct Point {
  Timestamp time = 0;  // source timestamp
  Value value;
  Quality quality;
  Timestamp server_time = 0;  // the OPC UA server's timestamp; 0 when unknown (Sample::server_time)
  friend bool operator==(const Point& a, const Point& b) = default;
};

struct Columns {
  ValueType type = ValueType::kEmpty;  // the type of every present value
  std::vector<Timestamp> times;
  std::vector<uint64_t> bits;        // double bits, int64, bool 0/1, or index into strings
  std::vector<uint32_t> quality;     // OPC UA status code
  std::vector<uint8_t> present;      // 0 when the sample carries no value
  std::vector<std::string> strings;  // dictionary, for kString
  // Server timestamps (Sample::server_time, 0 = unknown). Empty while every one is unknown, so
  // series without a server in between pay nothing; else one per sample.
  std::vector<Timestamp> server;
  std::unordered_map<std::string, uint32_t> string_index;  // used by Add only

  size_t size() const { return times.size(); }
  bool empty() const { return times.empty(); }
  // Whether a value of type `t` may join these columns (same type, or either side empty).
  bool Accepts(ValueType t) const {
    return t == ValueType::kEmpty || type == ValueType::kEmpty || t == type;
  }
  // Appends one sample. Precondition: Accepts(value.type()).
  void Add(Timestamp time, const Value& value, Quality q, Timestamp server_time = 0);
  // Appends sample `i` of `other` (same precondition).
  void AddFrom(const Columns& other, size_t i);
  void Clear();

  Value ValueAt(size_t i) const;
  Timestamp ServerTimeAt(size_t i) const { return server.empty() ? 0 : server[i]; }
  // Whether some sample carries a server timestamp.
  bool HasServerTimes() const;
  Point PointAt(size_t i) const {
    return {times[i], ValueAt(i), Quality(quality[i]), ServerTimeAt(i)};
  }
  // Usable for numeric aggregates: has a value, is numeric and finite, quality not Bad.
  bool Usable(size_t i) const {
    return present[i] && type != ValueType::kString && (quality[i] >> 30) < 2 &&
           (type != ValueType::kDouble ||
            (bits[i] & 0x7FF0000000000000ull) != 0x7FF0000000000000ull);
  }
  // Numeric view of sample i; precondition Usable(i).
  double NumericAt(size_t i) const;
  // Sample i here and sample j in `other` are identical (time, value bits, quality, server time).
  bool SameSample(size_t i, const Columns& other, size_t j) const;
};

// Sorts by time (arrival order kept among equal times) and removes exact duplicates.
void SortAndDedupe(Columns& c);
// Merges several sorted Columns of one series into one sorted, duplicate-free Columns.
Columns MergeSorted(std::vector<const Columns*> parts);

// Whole-chunk summary over the usable samples (see Columns::Usable); times over all samples.
struct ChunkSummary {
  uint32_t count = 0;              // all samples
  Timestamp t_min = 0, t_max = 0;  // first and last time (all samples)
  uint32_t usable = 0;
  double min = 0, max = 0, sum = 0;
  Timestamp first_t = 0, last_t = 0;
  double first_v = 0, last_v = 0;
  double tw_integral = 0;  // sum of v_i * (t_{i+1} - t_i) in value*ns, step interpolation
  double rise = 0;         // sum of positive steps v_{i+1} - v_i
  double fall = 0;         // sum of negative steps (<= 0)
  double reset_sum = 0;    // sum of v_{i+1} over negative steps
  uint32_t falls = 0;      // number of negative steps
};

// Precondition: `c` sorted by time.
ChunkSummary Summarize(const Columns& c);

}  // namespace gantry::historian
