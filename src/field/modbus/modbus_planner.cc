#include "field/modbus/modbus_planner.h"

#include <algorithm>
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
    return std::make_tuple(p.poll_group, static_cast<int>(p.table), p.offset, p.Width(), i);
  };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });

  std::vector<PlannedRead> reads;
  uint32_t end = 0;  // one past the last register/bit of the open read
  for (size_t i : order) {
    const PointConfig& p = device.points[i];
    const bool bits = IsBitTable(p.table);
    const uint32_t limit = bits ? kMaxReadBits : kMaxReadRegisters;
    const uint32_t max_gap = bits ? device.max_gap_bits : device.max_gap_registers;
    const uint32_t first = p.offset;
    const uint32_t last_end = first + p.Width();
    bool join = false;
    if (!reads.empty()) {
      const PlannedRead& open = reads.back();
      join = open.poll_group == p.poll_group && open.table == p.table &&
             (first <= end || first - end <= max_gap) &&
             std::max(end, last_end) - open.start <= limit;
    }
    if (!join) {
      PlannedRead r;
      r.poll_group = p.poll_group;
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

}  // namespace gantry::modbus
