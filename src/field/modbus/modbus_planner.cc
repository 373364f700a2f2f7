#include "field/modbus/modbus_planner.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <tuple>

namespace gantry::modbus {

uint8_t ReadFunctionFor(Table t) {
  switch (t) {
    case Table::kCoil: return kReadCoils;
    case Table::kDiscreteInput: return kReadDiscreteInputs;
    case Table::kInputRegister: return kReadInputRegisters;
    case Table::kHoldingRegister: return kReadHoldingRegisters;
  }
  return kReadHoldingRegisters;
}

std::vector<PlannedRead> PlanReads(const DeviceConfig& device) {
  std::vector<size_t> order(device.points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&](size_t i) {
    const PointConfig& p = device.points[i];
    return std::make_tuple(p.poll_group, p.unit_id < 0 ? device.unit_id : p.unit_id,
                           static_cast<int>(p.table), p.offset, p.Width(), i);
  };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });

  std::vector<PlannedRead> reads;
  uint32_t end = 0;  // one past the last register/bit of the open read
  for (size_t i : order) {
    const PointConfig& p = device.points[i];
    const bool bits = IsBitTable(p.table);
    const uint32_t limit = bits ? std::min(device.max_bits_per_read, kMaxReadBits)
                                : std::min(device.max_registers_per_read, kMaxReadRegisters);
    const uint32_t max_gap = bits ? device.max_gap_bits : device.max_gap_registers;
    const int unit = p.unit_id < 0 ? device.unit_id : p.unit_id;
    const uint32_t first = p.offset;
    const uint32_t last_end = first + p.Width();
    bool join = false;
    if (!reads.empty()) {
      const PlannedRead& open = reads.back();
      join = open.poll_group == p.poll_group && open.unit == unit && open.table == p.table &&
             (first <= end || first - end <= max_gap) &&
             std::max(end, last_end) - open.start <= limit;
    }
    if (!join) {
      PlannedRead r;
      r.poll_group = p.poll_group;
      r.unit = unit;
      r.table = p.table;
      r.function = ReadFunctionFor(p.table);
      r.start = p.offset;
      reads.push_back(std::move(r));
      end = first;
    }
    PlannedRead& open = reads.back();
    end = std::max(end, last_end);
    open.quantity = static_cast<uint16_t>(end - open.start);
    open.points.push_back({i, static_cast<uint16_t>(first - open.start)});
  }
  return reads;
}

namespace {

// A read of `points` (whole points, ordered by address) with start and quantity fitted to them.
PlannedRead Fitted(const PlannedRead& like, std::vector<ServedPoint> points,
                   const DeviceConfig& device) {
  PlannedRead r;
  r.poll_group = like.poll_group;
  r.unit = like.unit;
  r.table = like.table;
  r.function = like.function;
  uint32_t first = UINT32_MAX, end = 0;
  for (const ServedPoint& sp : points) {
    const uint32_t at = uint32_t{like.start} + sp.index;
    first = std::min(first, at);
    end = std::max(end, at + device.points[sp.point].Width());
  }
  r.start = static_cast<uint16_t>(first);
  r.quantity = static_cast<uint16_t>(end - first);
  for (ServedPoint& sp : points) sp.index = static_cast<uint16_t>(like.start + sp.index - first);
  r.points = std::move(points);
  return r;
}

}  // namespace

std::optional<SplitReads> SplitRead(const PlannedRead& read, const DeviceConfig& device) {
  // Candidate cuts: before a point that starts at or after the end of every point before it (a
  // cut there separates whole points; overlapping points stay together). The widest unread gap
  // wins (an unmapped address most likely sits there); among equal gaps, and when the points are
  // contiguous (a request too long for the device), the cut nearest the middle.
  const std::vector<ServedPoint>& pts = read.points;
  uint32_t end = 0;
  size_t best = 0;
  uint32_t best_gap = 0;
  uint32_t best_distance = UINT32_MAX;
  const uint32_t middle = read.quantity / 2u;
  for (size_t i = 0; i < pts.size(); ++i) {
    const uint32_t at = pts[i].index;
    if (i > 0 && at >= end) {
      const uint32_t gap = at - end;
      const uint32_t distance = at > middle ? at - middle : middle - at;
      if (gap > best_gap || (gap == best_gap && distance < best_distance)) {
        best_gap = gap;
        best_distance = distance;
        best = i;
      }
    }
    end = std::max(end, at + device.points[pts[i].point].Width());
  }
  if (best == 0) return std::nullopt;
  const auto cut = pts.begin() + static_cast<std::ptrdiff_t>(best);
  return SplitReads{Fitted(read, std::vector<ServedPoint>(pts.begin(), cut), device),
                    Fitted(read, std::vector<ServedPoint>(cut, pts.end()), device)};
}

}  // namespace gantry::modbus
