// The Modbus part of the configuration: one `devices:` entry (protocol modbus-tcp or modbus-rtu)
// with its register map, parsed and checked with every error located in the YAML file.
//
//   DeviceConfig device = modbus::ParseDevice(root["devices"].Items()[0]);
//   GANTRY_RETURN_IF_ERROR(doc.Finish());   // errors were recorded in the document
//   for (const PointConfig& p : device.points) ... p.table, p.offset, p.Width() ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.h"
#include "core/tag.h"
#include "core/time.h"

namespace gantry::modbus {

// The four Modbus data tables ("co:", "di:", "ir:", "hr:" in an address).
enum class Table : uint8_t { kCoil, kDiscreteInput, kInputRegister, kHoldingRegister };
std::string_view TableName(Table t);  // "co", "di", "ir", "hr"
// Coils and discrete inputs hold bits; the other two hold 16-bit registers.
constexpr bool IsBitTable(Table t) {
  return t == Table::kCoil || t == Table::kDiscreteInput;
}

// How a value is laid out on the wire.
enum class WireType : uint8_t {
  kBool,
  kInt16,
  kUint16,
  kInt32,
  kUint32,
  kInt64,
  kUint64,
  kFloat32,
  kFloat64,
  kString,
  kBcd16,  // 4 decimal digits, one per nibble (0..9999); older PLCs' counters, timers, meters
  kBcd32   // 8 decimal digits in two registers (0..99999999), in the point's word order
};
std::string_view WireTypeName(WireType t);  // "bool", "int16", ...

// big: the Modbus standard, high byte first in each register; little: bytes swapped.
enum class ByteOrder : uint8_t { kBig, kLittle };
// For 32- and 64-bit values: which register carries the most significant word.
enum class WordOrder : uint8_t { kHighFirst, kLowFirst };

enum class Protocol : uint8_t { kTcp, kRtu };
// How one bit inside a holding register is written (`bit_writes`): FC22 Mask Write Register (the
// device changes only that bit, atomically), FC03 then FC06 (another writer's change to the
// register's other bits between the two is lost), or not at all.
enum class BitWrites : uint8_t { kMaskWrite, kReadModifyWrite, kDisabled };
enum class Parity : uint8_t { kNone, kEven, kOdd };

// Protocol limits per read request (Modbus application protocol v1.1b3, FC 1-4).
inline constexpr uint16_t kMaxReadRegisters = 125;
inline constexpr uint16_t kMaxReadBits = 2000;
inline constexpr int kNoBit = -1;

// One tag read from a Modbus device.
struct PointConfig {
  TagConfig tag;  // path, published type, unit, scaling, deadband
  Table table = Table::kHoldingRegister;
  uint16_t offset = 0;  // 0-based protocol address of the first register or bit
  WireType type = WireType::kUint16;
  int bit = kNoBit;            // 0..15 for one bit of a 16-bit register (published as bool)
  uint16_t string_length = 0;  // registers of a string (2 characters each)
  ByteOrder byte_order = ByteOrder::kBig;
  WordOrder word_order = WordOrder::kHighFirst;
  size_t poll_group = 0;  // index into DeviceConfig::poll_groups
  // The unit id this point is read from when it is not the device's (`unit_id` on the tag): a
  // device behind a gateway, or a drop on an RTU line, sharing the device's connection. -1: the
  // device's unit_id.
  int unit_id = -1;

  // Registers (or bits, for coils and discrete inputs) the point occupies on the wire; >= 1.
  uint16_t Width() const;
};

struct PollGroup {
  std::string name;
  Duration interval = kSecond;
};

struct SerialSettings {
  std::string device;  // "/dev/ttyUSB0"
  int baud = 19200;
  Parity parity = Parity::kEven;
  int data_bits = 8;
  int stop_bits = 1;
};

// One Modbus device and its register map.
struct DeviceConfig {
  std::string name;  // unique among devices, used in logs and health
  Protocol protocol = Protocol::kTcp;
  std::string host;       // modbus-tcp
  int port = 502;         // modbus-tcp
  SerialSettings serial;  // modbus-rtu
  int unit_id = 1;
  Duration timeout = kSecond;  // per request (and per connection attempt)
  // At least this long between the end of one answer and the next request, for slow devices;
  // RTU always waits at least SilentInterval(serial) on top of nothing (see the link).
  Duration inter_request_delay = 0;
  Duration reconnect_min = 500 * kMillisecond;
  Duration reconnect_max = 30 * kSecond;
  std::vector<PollGroup> poll_groups;  // never empty after parsing
  uint16_t max_gap_registers = 8;      // gaps up to this many registers are read across
  uint16_t max_gap_bits = 64;
  // The most a request may ask for: the protocol's 125 / 2000 unless the device takes fewer
  // (`coalesce.max_registers`, `coalesce.max_bits`).
  uint16_t max_registers_per_read = kMaxReadRegisters;
  uint16_t max_bits_per_read = kMaxReadBits;
  // `writes: enabled`: the API may write holding registers (FC06/FC16) and coils (FC05) of this
  // device (Modbus TCP only); off unless configured.
  bool writes_enabled = false;
  BitWrites bit_writes = BitWrites::kMaskWrite;
  // `single_register_writes: fc16`: a one-register value is written with FC16 too, for devices
  // that do not implement FC06.
  bool single_register_fc16 = false;
  std::vector<PointConfig> points;
  ConfigLocation where;

  // "127.0.0.1:5020" or "/dev/ttyUSB0", for logs.
  std::string Endpoint() const;
};

// The Modbus RTU silent interval between frames: 3.5 character times at the line's settings
// (a character is start + data + parity + stop bits), fixed at 1.75 ms above 19200 baud as the
// Modbus serial line specification says.
Duration SilentInterval(const SerialSettings& serial);

// Parses one entry of `devices:` whose protocol is modbus-tcp or modbus-rtu. Every problem is
// recorded in the node's document (file:line:col, key path, what was expected); the returned
// config is only meaningful when the document has no errors. Checks only what the device alone
// can tell: tag paths against the equipment hierarchy are the registry's business.
DeviceConfig ParseDevice(const ConfigNode& node);

// Parses one tag of a device (`tags:` item); used by ParseDevice. Errors recorded as above.
PointConfig ParsePoint(const ConfigNode& node, const std::vector<PollGroup>& poll_groups,
                       std::string_view device_name);

}  // namespace gantry::modbus
