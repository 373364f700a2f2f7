// The Modbus register map every simulated machine serves (docs/simulator.md has it as a table).
// Holding registers 0..23 carry the values, big-endian with the high word first; input registers
// mirror them; coils and discrete inputs carry the status bits.
//
//   RegisterImage image = EncodeRegisters(line.Machine(0));
//   uint32_t good = (uint32_t{image.registers[kRegGoodCount]} << 16) |
//   image.registers[kRegGoodCount + 1];
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "field/sim/packaging_line.h"

namespace gantry::sim {

// Holding (and input) register offsets, 0-based protocol addresses.
inline constexpr int kRegState = 0;         // uint16, MachineState
inline constexpr int kRegFaultCode = 1;     // uint16, FaultCode (0 = none)
inline constexpr int kRegSpeed = 2;         // float32, units/min (cases/min on the case packer)
inline constexpr int kRegGoodCount = 4;     // uint32, wraps at 2^32
inline constexpr int kRegRejectCount = 6;   // uint32, wraps at 2^32
inline constexpr int kRegEnergyWh = 8;      // uint32, Wh, wraps at 2^32
inline constexpr int kRegTemperature = 10;  // float32, degC
inline constexpr int kRegVibration = 12;    // float32, mm/s
inline constexpr int kRegInfeedLevel = 14;  // uint16, units on the infeed conveyor
inline constexpr int kRegHeartbeat = 15;    // uint16, simulated seconds, wraps
inline constexpr int kRegProductCode = 16;  // string, 8 registers, 2 ASCII chars each, NUL padded
inline constexpr int kProductCodeRegisters = 8;
inline constexpr int kRegisterCount = 24;

// Coil and discrete input offsets (both tables carry the same bits).
inline constexpr int kBitRunning = 0;
inline constexpr int kBitFaulted = 1;
inline constexpr int kBitStarved = 2;
inline constexpr int kBitBlocked = 3;
inline constexpr int kBitPlannedStop = 4;  // break, cleaning, changeover or off
inline constexpr int kBitCount = 5;

// One machine's registers and bits, ready to copy into a Modbus mapping.
struct RegisterImage {
  std::array<uint16_t, kRegisterCount> registers{};
  std::array<uint8_t, kBitCount> bits{};  // 0 or 1
};

// Encodes a snapshot per the map above. Pure.
RegisterImage EncodeRegisters(const MachineSnapshot& machine);

// Decoding helpers (for tests and the docs' examples): high word first.
uint32_t DecodeUint32(uint16_t high, uint16_t low);
float DecodeFloat32(uint16_t high, uint16_t low);
std::string DecodeString(const uint16_t* registers, int count);

}  // namespace gantry::sim
