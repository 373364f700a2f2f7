#include "data/historian/columns.h"

#include <algorithm>
#include <bit>
#include <numeric>

namespace gantry::historian {

void Columns::Add(Timestamp time, const Value& value, Quality q, Timestamp server_time) {
  if (type == ValueType::kEmpty) type = value.type();
  times.push_back(time);
  if (server_time != 0 || !server.empty()) {
    server.resize(times.size(), 0);  // the earlier samples' server times were unknown
    server.back() = server_time;
  }
  quality.push_back(q.code());
  present.push_back(value.empty() ? 0 : 1);
  uint64_t b = 0;
  switch (value.type()) {
    case ValueType::kEmpty: break;
    case ValueType::kDouble: b = std::bit_cast<uint64_t>(std::get<double>(value.variant())); break;
    case ValueType::kInt64: b = static_cast<uint64_t>(std::get<int64_t>(value.variant())); break;
    case ValueType::kBool: b = std::get<bool>(value.variant()) ? 1 : 0; break;
    case ValueType::kString: {
      const std::string& s = std::get<std::string>(value.variant());
      auto [it, inserted] = string_index.try_emplace(s, static_cast<uint32_t>(strings.size()));
      if (inserted) strings.push_back(s);
      b = it->second;
      break;
    }
  }
  bits.push_back(b);
}

void Columns::AddFrom(const Columns& other, size_t i) {
  if (type == ValueType::kString || other.type == ValueType::kString) {
    Add(other.times[i], other.ValueAt(i), Quality(other.quality[i]), other.ServerTimeAt(i));
    return;
  }
  if (type == ValueType::kEmpty) type = other.type;
  times.push_back(other.times[i]);
  if (const Timestamp st = other.ServerTimeAt(i); st != 0 || !server.empty()) {
    server.resize(times.size(), 0);
    server.back() = st;
  }
  bits.push_back(other.bits[i]);
  quality.push_back(other.quality[i]);
  present.push_back(other.present[i]);
}

void Columns::Clear() {
  type = ValueType::kEmpty;
  times.clear();
  bits.clear();
  quality.clear();
  present.clear();
  strings.clear();
  string_index.clear();
  server.clear();
}

bool Columns::HasServerTimes() const {
  for (Timestamp t : server) {
    if (t != 0) return true;
  }
  return false;
}

Value Columns::ValueAt(size_t i) const {
  if (!present[i]) return Value();
  switch (type) {
    case ValueType::kEmpty: return Value();
    case ValueType::kDouble: return Value(std::bit_cast<double>(bits[i]));
    case ValueType::kInt64: return Value(static_cast<int64_t>(bits[i]));
    case ValueType::kBool: return Value(bits[i] != 0);
    case ValueType::kString: return bits[i] < strings.size() ? Value(strings[bits[i]]) : Value();
  }
  return Value();
}

double Columns::NumericAt(size_t i) const {
  switch (type) {
    case ValueType::kDouble: return std::bit_cast<double>(bits[i]);
    case ValueType::kInt64: return static_cast<double>(static_cast<int64_t>(bits[i]));
    case ValueType::kBool: return bits[i] != 0 ? 1.0 : 0.0;
    default: return 0;
  }
}

bool Columns::SameSample(size_t i, const Columns& other, size_t j) const {
  if (times[i] != other.times[j] || quality[i] != other.quality[j] ||
      present[i] != other.present[j] || ServerTimeAt(i) != other.ServerTimeAt(j)) {
    return false;
  }
  if (!present[i]) return true;
  if (type != other.type) return false;
  if (type == ValueType::kString) return strings[bits[i]] == other.strings[other.bits[j]];
  return bits[i] == other.bits[j];
}

void SortAndDedupe(Columns& c) {
  const size_t n = c.size();
  bool sorted = std::is_sorted(c.times.begin(), c.times.end());
  bool has_equal = false;
  for (size_t i = 1; sorted && i < n; ++i) has_equal |= c.times[i] == c.times[i - 1];
  if (sorted && !has_equal) return;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (!sorted) {
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return c.times[a] < c.times[b]; });
  }
  Columns out;
  out.type = c.type;
  out.strings = c.strings;
  out.times.reserve(n);
  out.bits.reserve(n);
  out.quality.reserve(n);
  out.present.reserve(n);
  if (!c.server.empty()) out.server.reserve(n);
  size_t group_start = 0;  // first output index with the current time
  for (uint32_t idx : order) {
    if (!out.empty() && out.times.back() != c.times[idx]) group_start = out.size();
    bool duplicate = false;
    for (size_t k = group_start; k < out.size() && !duplicate; ++k) {
      duplicate = out.present[k] == c.present[idx] && out.quality[k] == c.quality[idx] &&
                  (!c.present[idx] || out.bits[k] == c.bits[idx]) &&
                  out.ServerTimeAt(k) == c.ServerTimeAt(idx);
    }
    if (duplicate) continue;
    out.times.push_back(c.times[idx]);
    if (!c.server.empty()) out.server.push_back(c.server[idx]);
    out.bits.push_back(c.bits[idx]);
    out.quality.push_back(c.quality[idx]);
    out.present.push_back(c.present[idx]);
  }
  out.string_index = std::move(c.string_index);
  c = std::move(out);
}

Columns MergeSorted(std::vector<const Columns*> parts) {
  Columns out;
  size_t total = 0;
  for (const Columns* p : parts) {
    total += p->size();
    if (out.type == ValueType::kEmpty) out.type = p->type;
  }
  std::vector<size_t> pos(parts.size(), 0);
  out.times.reserve(total);
  size_t group_start = 0;
  for (;;) {
    int best = -1;
    for (size_t k = 0; k < parts.size(); ++k) {
      if (pos[k] < parts[k]->size() &&
          (best < 0 || parts[k]->times[pos[k]] < parts[best]->times[pos[best]])) {
        best = static_cast<int>(k);
      }
    }
    if (best < 0) break;
    const Columns& src = *parts[best];
    const size_t i = pos[best]++;
    if (!src.Accepts(out.type) && src.present[i]) continue;  // a different type: not mergeable
    if (!out.empty() && out.times.back() != src.times[i]) group_start = out.size();
    bool duplicate = false;
    for (size_t k = group_start; k < out.size() && !duplicate; ++k) {
      duplicate = out.SameSample(k, src, i);
    }
    if (!duplicate) out.AddFrom(src, i);
  }
  return out;
}

ChunkSummary Summarize(const Columns& c) {
  ChunkSummary s;
  s.count = static_cast<uint32_t>(c.size());
  if (c.empty()) return s;
  s.t_min = c.times.front();
  s.t_max = c.times.back();
  bool have = false;
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c.Usable(i)) continue;
    const double v = c.NumericAt(i);
    const Timestamp t = c.times[i];
    if (!have) {
      s.min = s.max = v;
      s.first_t = t;
      s.first_v = v;
      have = true;
    } else {
      s.tw_integral += s.last_v * static_cast<double>(t - s.last_t);
      const double d = v - s.last_v;
      if (d >= 0) {
        s.rise += d;
      } else if (d < 0) {
        s.fall += d;
        s.reset_sum += v;
        ++s.falls;
      }
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
    }
    s.sum += v;
    s.last_t = t;
    s.last_v = v;
    ++s.usable;
  }
  return s;
}

}  // namespace gantry::historian
