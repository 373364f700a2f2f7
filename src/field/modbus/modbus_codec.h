// Pure Modbus value codecs: the registers (or bits) of one point in, a Value out, for every wire
// type, byte and word order, bit extraction, strings and scaling; plus the deadband rule that
// decides whether a new reading is worth publishing. No I/O, no allocation sized by the wire.
//
//   const uint16_t regs[] = {0x4148, 0x0000};               // 12.5f, high word first
//   Value v = modbus::DecodeRegisters(point, regs);          // 12.5 (times the point's scaling)
//   if (modbus::ShouldPublish(last, v, Quality::Good(), point.tag.deadband)) ...
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/sample.h"
#include "core/status.h"
#include "field/modbus/modbus_config.h"

namespace gantry::modbus {

// Decodes a register point from its registers in wire order; `regs` must hold at least
// p.Width() registers (fewer gives an empty Value). Result type is p.tag.type: bool for a bit,
// string for strings, double when scaled or float, int64 otherwise. An unscaled uint64 above
// INT64_MAX gives an empty Value (the caller publishes BadOutOfRange).
Value DecodeRegisters(const PointConfig& p, std::span<const uint16_t> regs);

// A coil or discrete input.
inline Value DecodeBit(bool bit) {
  return Value(bit);
}

// The inverse of DecodeRegisters before scaling: a raw wire value (int64 or bool for integer
// types, double for floats, string for strings) laid out in p.Width() registers. Used by tests,
// the fuzz target and simulators; values out of the type's range are truncated to its width.
std::vector<uint16_t> EncodeRegisters(const PointConfig& p, const Value& raw);

// The raw wire value to write for engineering value `value` (the inverse of DecodeRegisters
// with scaling undone: raw = (value - offset) / gain), ready for EncodeRegisters: bool for a
// coil, int64 for integer types (rounded to the nearest integer), double for floats, string for
// strings. InvalidArgument naming the tag when the value has the wrong type or does not fit the
// wire type (e.g. 70000 for a uint16 register, a string longer than the point).
Result<Value> RawForWrite(const PointConfig& p, const Value& value);

// What was last published for a point.
struct LastPublished {
  bool present = false;
  Value value;
  Quality quality;
};

// True when a reading should be published: the first one, a quality or type change, a numeric
// change larger than `deadband` (any change when deadband is 0), or any change of a bool or
// string.
bool ShouldPublish(const LastPublished& last, const Value& value, Quality quality, double deadband);

}  // namespace gantry::modbus
