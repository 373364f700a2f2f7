// Plans the read requests of a device: points are grouped by poll group and table, and
// neighbouring points are coalesced into as few requests as the protocol allows (at most 125
// registers or 2000 bits each), reading across gaps up to the configured size. Pure.
//
//   std::vector<PlannedRead> reads = modbus::PlanReads(device);
//   for (const PlannedRead& r : reads) if (r.poll_group == g) ... r.function, r.start, r.quantity
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "field/modbus/modbus_config.h"

namespace gantry::modbus {

// Modbus read function codes.
inline constexpr uint8_t kReadCoils = 0x01;
inline constexpr uint8_t kReadDiscreteInputs = 0x02;
inline constexpr uint8_t kReadHoldingRegisters = 0x03;
inline constexpr uint8_t kReadInputRegisters = 0x04;

// The function code that reads a table.
uint8_t ReadFunctionFor(Table t);

// A point served by a read: where its first register (or bit) sits in the response.
struct ServedPoint {
  size_t point = 0;    // index into DeviceConfig::points
  uint16_t index = 0;  // offset of the point's first register/bit within the response
};

// One read request (FC 1-4) and the points it serves.
struct PlannedRead {
  size_t poll_group = 0;
  int unit = 1;  // the unit id asked: the point's unit_id, else the device's
  Table table = Table::kHoldingRegister;
  uint8_t function = kReadHoldingRegisters;
  uint16_t start = 0;
  uint16_t quantity = 0;            // 1..125 registers or 1..2000 bits
  std::vector<ServedPoint> points;  // ordered by address
};

// Reads for every point of the device, ordered by poll group, unit, table and start address;
// points of different units are never merged. Every
// point is served by exactly one read. Two points are merged when the merged request stays within
// the device's limit (max_registers_per_read / max_bits_per_read, at most the protocol's 125 /
// 2000) and the unread gap between them is at most max_gap_registers (max_gap_bits for coils and
// discrete inputs); overlapping points share registers. A point wider than the limit is read
// alone.
std::vector<PlannedRead> PlanReads(const DeviceConfig& device);

// Splits a read the device refused (exception 02/03 on a merged range: an unmapped address in a
// gap, or more registers than it serves per request) into two reads of whole points, cut at the
// widest unread gap between points (nearest the middle among equals, or when there is no gap);
// each half reads only from its first to its last point, so the gap at the cut is no longer read.
// nullopt when the read serves a single point or only points that overlap one another.
struct SplitReads {
  PlannedRead first;
  PlannedRead second;
};
std::optional<SplitReads> SplitRead(const PlannedRead& read, const DeviceConfig& device);

}  // namespace gantry::modbus
