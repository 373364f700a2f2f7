#include "field/sim/register_map.h"

#include <cstring>

namespace gantry::sim {
namespace {

void PutUint32(RegisterImage& image, int offset, uint32_t v) {
  image.registers[static_cast<size_t>(offset)] = static_cast<uint16_t>(v >> 16);
  image.registers[static_cast<size_t>(offset) + 1] = static_cast<uint16_t>(v & 0xFFFF);
}

void PutFloat32(RegisterImage& image, int offset, float v) {
  uint32_t bits = 0;
  static_assert(sizeof(bits) == sizeof(v));
  std::memcpy(&bits, &v, sizeof(bits));
  PutUint32(image, offset, bits);
}

bool IsPlanned(MachineState s) {
  return s == MachineState::kOff || s == MachineState::kCleaning ||
         s == MachineState::kChangeover || s == MachineState::kBreak;
}

}  // namespace

RegisterImage EncodeRegisters(const MachineSnapshot& m) {
  RegisterImage image;
  image.registers[kRegState] = static_cast<uint16_t>(m.state);
  image.registers[kRegFaultCode] = static_cast<uint16_t>(m.fault);
  PutFloat32(image, kRegSpeed, m.speed);
  PutUint32(image, kRegGoodCount, m.good_count);
  PutUint32(image, kRegRejectCount, m.reject_count);
  PutUint32(image, kRegEnergyWh, m.energy_wh);
  PutFloat32(image, kRegTemperature, m.temperature_c);
  PutFloat32(image, kRegVibration, m.vibration_mm_s);
  image.registers[kRegInfeedLevel] = m.infeed_level;
  image.registers[kRegHeartbeat] = m.heartbeat;
  for (int r = 0; r < kProductCodeRegisters; ++r) {
    const size_t c = static_cast<size_t>(2 * r);
    const uint8_t hi = c < m.product.size() ? static_cast<uint8_t>(m.product[c]) : 0;
    const uint8_t lo = c + 1 < m.product.size() ? static_cast<uint8_t>(m.product[c + 1]) : 0;
    image.registers[static_cast<size_t>(kRegProductCode + r)] =
        static_cast<uint16_t>((hi << 8) | lo);
  }
  image.bits[kBitRunning] = m.state == MachineState::kRunning;
  image.bits[kBitFaulted] = m.state == MachineState::kFaulted;
  image.bits[kBitStarved] = m.state == MachineState::kStarved;
  image.bits[kBitBlocked] = m.state == MachineState::kBlocked;
  image.bits[kBitPlannedStop] = IsPlanned(m.state);
  return image;
}

uint32_t DecodeUint32(uint16_t high, uint16_t low) {
  return (static_cast<uint32_t>(high) << 16) | low;
}

float DecodeFloat32(uint16_t high, uint16_t low) {
  const uint32_t bits = DecodeUint32(high, low);
  float v = 0;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

std::string DecodeString(const uint16_t* registers, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) {
    const char hi = static_cast<char>(registers[i] >> 8);
    const char lo = static_cast<char>(registers[i] & 0xFF);
    if (hi == '\0') break;
    s.push_back(hi);
    if (lo == '\0') break;
    s.push_back(lo);
  }
  return s;
}

}  // namespace gantry::sim
