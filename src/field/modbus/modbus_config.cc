#include "field/modbus/modbus_config.h"

#include <set>

namespace gantry::modbus {

std::string_view TableName(Table t) {
  switch (t) {
    case Table::kCoil: return "co";
    case Table::kDiscreteInput: return "di";
    case Table::kInputRegister: return "ir";
    case Table::kHoldingRegister: return "hr";
  }
  return "?";
}

std::string_view WireTypeName(WireType t) {
  switch (t) {
    case WireType::kBool: return "bool";
    case WireType::kInt16: return "int16";
    case WireType::kUint16: return "uint16";
    case WireType::kInt32: return "int32";
    case WireType::kUint32: return "uint32";
    case WireType::kInt64: return "int64";
    case WireType::kUint64: return "uint64";
    case WireType::kFloat32: return "float32";
    case WireType::kFloat64: return "float64";
    case WireType::kString: return "string";
    case WireType::kBcd16: return "bcd16";
    case WireType::kBcd32: return "bcd32";
  }
  return "?";
}

uint16_t PointConfig::Width() const {
  switch (type) {
    case WireType::kBool:
    case WireType::kInt16:
    case WireType::kUint16:
    case WireType::kBcd16: return 1;
    case WireType::kInt32:
    case WireType::kUint32:
    case WireType::kFloat32:
    case WireType::kBcd32: return 2;
    case WireType::kInt64:
    case WireType::kUint64:
    case WireType::kFloat64: return 4;
    case WireType::kString: return string_length == 0 ? 1 : string_length;
  }
  return 1;
}

std::string DeviceConfig::Endpoint() const {
  if (protocol == Protocol::kRtu) return serial.device;
  return host + ":" + std::to_string(port);
}

Duration SilentInterval(const SerialSettings& serial) {
  if (serial.baud > 19200) return 1750 * kMicrosecond;
  const int64_t bits =
      1 + serial.data_bits + (serial.parity == Parity::kNone ? 0 : 1) + serial.stop_bits;
  return 35 * bits * kSecond / (10 * int64_t{serial.baud});
}

namespace {

bool ParseTable(std::string_view text, Table& out) {
  if (text == "co")
    out = Table::kCoil;
  else if (text == "di")
    out = Table::kDiscreteInput;
  else if (text == "ir")
    out = Table::kInputRegister;
  else if (text == "hr")
    out = Table::kHoldingRegister;
  else
    return false;
  return true;
}

// "hr:10" -> table and offset; records errors at `address`.
void ParseAddress(const ConfigNode& node, PointConfig& p) {
  if (!node["address"].IsPresent()) {
    node.ErrorAt("address", "missing required key (expected TABLE:OFFSET such as hr:0)");
    return;
  }
  std::string text = node.RequiredString("address");
  if (text.empty()) return;
  size_t colon = text.find(':');
  if (colon == std::string::npos) {
    node.ErrorAt("address", "expected TABLE:OFFSET such as hr:0 (tables co, di, ir, hr), got " +
                                QuoteForMessage(text));
    return;
  }
  std::string table = text.substr(0, colon);
  std::string offset = text.substr(colon + 1);
  if (!ParseTable(table, p.table)) {
    node.ErrorAt("address", "unknown table " + QuoteForMessage(table) + " in " +
                                QuoteForMessage(text) + "; expected co, di, ir or hr");
  }
  bool digits = !offset.empty() && offset.size() <= 6 &&
                offset.find_first_not_of("0123456789") == std::string::npos;
  long value = digits ? std::stol(offset) : -1;
  if (value < 0 || value > 65535) {
    node.ErrorAt("address", "offset " + QuoteForMessage(offset) + " in " + QuoteForMessage(text) +
                                " is out of range; expected a 0-based address from 0 to 65535");
    return;
  }
  p.offset = static_cast<uint16_t>(value);
}

ValueType PublishedType(const PointConfig& p) {
  if (p.type == WireType::kBool || p.bit != kNoBit) return ValueType::kBool;
  if (p.type == WireType::kString) return ValueType::kString;
  if (p.type == WireType::kFloat32 || p.type == WireType::kFloat64) return ValueType::kDouble;
  if (!p.tag.scaling.IsIdentity()) return ValueType::kDouble;
  return ValueType::kInt64;
}

}  // namespace

PointConfig ParsePoint(const ConfigNode& node, const std::vector<PollGroup>& poll_groups,
                       std::string_view device_name) {
  PointConfig p;
  node.AllowKeys({"path", "address", "type", "bit", "length", "byte_order", "word_order", "scale",
                  "unit", "deadband", "poll_group", "description", "unit_id"});
  if (node["unit_id"].IsPresent()) p.unit_id = static_cast<int>(node.Int("unit_id", 1, 0, 255));
  ParseTagCommon(node, p.tag);
  ParseAddress(node, p);
  const bool bit_table = IsBitTable(p.table);
  const bool has_type = node["type"].IsPresent();
  const bool has_bit = node["bit"].IsPresent();
  size_t default_type = bit_table ? 0 : 2;  // bool for coils/inputs, uint16 for registers
  p.type = static_cast<WireType>(
      node.Choice("type",
                  {"bool", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32",
                   "float64", "string", "bcd16", "bcd32"},
                  default_type));

  if (bit_table && p.type != WireType::kBool) {
    node.ErrorAt("type", std::string(p.table == Table::kCoil ? "coil" : "discrete input") +
                             " address " + std::string(TableName(p.table)) + ":" +
                             std::to_string(p.offset) + " holds one bit; type must be bool, got " +
                             std::string(WireTypeName(p.type)));
    p.type = WireType::kBool;
  }
  if (has_bit) {
    p.bit = static_cast<int>(node.Int("bit", 0, 0, 15));
    if (bit_table) {
      node.ErrorAt("bit", "bit applies to registers (hr, ir), not to " +
                              std::string(TableName(p.table)) + " which is already one bit");
      p.bit = kNoBit;
    } else if (!has_type) {
      p.type = WireType::kUint16;
    } else if (p.type != WireType::kInt16 && p.type != WireType::kUint16 &&
               p.type != WireType::kBool) {
      node.ErrorAt("bit", "bit applies only to 16-bit registers (int16, uint16, bool); type is " +
                              std::string(WireTypeName(p.type)));
      p.bit = kNoBit;
    }
  } else if (!bit_table && p.type == WireType::kBool) {
    node.ErrorAt("type", "bool on a register needs bit: 0..15 to say which bit");
  }
  if (node["length"].IsPresent()) {
    if (p.type != WireType::kString) {
      node.ErrorAt("length", "length applies only to type string; type is " +
                                 std::string(WireTypeName(p.type)));
    } else {
      p.string_length = static_cast<uint16_t>(node.Int("length", 1, 1, kMaxReadRegisters));
    }
  } else if (p.type == WireType::kString) {
    node.ErrorAt("length",
                 "type string needs length: the number of registers (1 to 125, two "
                 "characters each)");
    p.string_length = 1;
  }
  p.byte_order = static_cast<ByteOrder>(node.Choice("byte_order", {"big", "little"}, 0));
  p.word_order = static_cast<WordOrder>(node.Choice("word_order", {"high_first", "low_first"}, 0));
  if (node["word_order"].IsPresent() && p.Width() == 1 && p.type != WireType::kString) {
    node.ErrorAt("word_order", "word_order applies only to 32- and 64-bit types; type is " +
                                   std::string(WireTypeName(p.type)));
  }
  if (static_cast<uint32_t>(p.offset) + p.Width() - 1 > 65535) {
    node.ErrorAt("address", std::string(WireTypeName(p.type)) + " at " +
                                std::string(TableName(p.table)) + ":" + std::to_string(p.offset) +
                                " spans " + std::to_string(p.Width()) +
                                " registers and runs beyond address 65535");
  }
  if (!p.tag.scaling.IsIdentity() &&
      (p.type == WireType::kBool || p.type == WireType::kString || p.bit != kNoBit)) {
    node.ErrorAt("scale", "scale applies only to numbers; this point is " +
                              std::string(p.type == WireType::kString ? "a string" : "a bool"));
  }
  if (node["poll_group"].IsPresent()) {
    std::string group = node.String("poll_group");
    bool found = false;
    for (size_t i = 0; i < poll_groups.size(); ++i) {
      if (poll_groups[i].name == group) {
        p.poll_group = i;
        found = true;
      }
    }
    if (!found) {
      std::string names;
      for (const PollGroup& g : poll_groups) names += (names.empty() ? "" : ", ") + g.name;
      node.ErrorAt("poll_group", "unknown poll group " + QuoteForMessage(group) + " on device '" +
                                     std::string(device_name) + "'; expected one of: " + names);
    }
  }
  p.tag.type = PublishedType(p);
  p.tag.source = std::string(device_name) + " " + std::string(TableName(p.table)) + ":" +
                 std::to_string(p.offset) + " " + std::string(WireTypeName(p.type));
  if (p.bit != kNoBit) p.tag.source += " bit " + std::to_string(p.bit);
  return p;
}

DeviceConfig ParseDevice(const ConfigNode& node) {
  DeviceConfig d;
  d.where = node.Location();
  node.AllowKeys({"name", "protocol", "host", "port", "serial", "unit_id", "timeout", "reconnect",
                  "poll_groups", "coalesce", "writes", "bit_writes", "inter_request_delay",
                  "single_register_writes", "tags"});
  d.name = node.RequiredString("name");
  d.writes_enabled = node.Choice("writes", {"disabled", "enabled"}, 0) == 1;
  d.bit_writes = static_cast<BitWrites>(
      node.Choice("bit_writes", {"mask_write", "read_modify_write", "disabled"}, 0));
  d.single_register_fc16 = node.Choice("single_register_writes", {"fc06", "fc16"}, 0) == 1;
  if (!node["protocol"].IsPresent()) {
    node.ErrorAt("protocol", "missing required key (expected modbus-tcp or modbus-rtu)");
  }
  d.protocol = static_cast<Protocol>(node.Choice("protocol", {"modbus-tcp", "modbus-rtu"}, 0));
  if (d.protocol == Protocol::kTcp) {
    if (!node["host"].IsPresent()) {
      node.ErrorAt("host", "missing required key: modbus-tcp needs host (an IP address or name)");
    } else {
      d.host = node.RequiredString("host");
    }
    d.port = static_cast<int>(node.Int("port", 502, 1, 65535));
    if (node["serial"].IsPresent()) node.ErrorAt("serial", "serial applies only to modbus-rtu");
    d.unit_id = static_cast<int>(node.Int("unit_id", 1, 0, 255));
  } else {
    if (node["host"].IsPresent()) node.ErrorAt("host", "host applies only to modbus-tcp");
    if (node["port"].IsPresent()) node.ErrorAt("port", "port applies only to modbus-tcp");
    ConfigNode serial = node["serial"];
    if (!serial.IsPresent()) {
      node.ErrorAt("serial", "missing required key: modbus-rtu needs serial: {device: ...}");
    } else {
      serial.AllowKeys({"device", "baud", "parity", "data_bits", "stop_bits"});
      d.serial.device = serial.RequiredString("device");
      d.serial.baud = static_cast<int>(serial.Int("baud", 19200, 300, 4000000));
      d.serial.parity = static_cast<Parity>(serial.Choice("parity", {"none", "even", "odd"}, 1));
      d.serial.data_bits = static_cast<int>(serial.Int("data_bits", 8, 5, 8));
      d.serial.stop_bits = static_cast<int>(serial.Int("stop_bits", 1, 1, 2));
    }
    d.unit_id = static_cast<int>(node.Int("unit_id", 1, 1, 247));  // 0 is broadcast: no answers
  }
  d.timeout = node.DurationValue("timeout", kSecond, 10 * kMillisecond, 60 * kSecond);
  d.inter_request_delay = node.DurationValue("inter_request_delay", 0, 0, kSecond);
  ConfigNode reconnect = node["reconnect"];
  if (reconnect.IsPresent()) {
    reconnect.AllowKeys({"min", "max"});
    d.reconnect_min = reconnect.DurationValue("min", d.reconnect_min, 10 * kMillisecond, kHour);
    d.reconnect_max = reconnect.DurationValue("max", d.reconnect_max, 10 * kMillisecond, kHour);
    if (d.reconnect_min > d.reconnect_max) {
      reconnect.Error("reconnect min must not exceed max");
      d.reconnect_max = d.reconnect_min;
    }
  }
  ConfigNode groups = node["poll_groups"];
  if (groups.IsPresent()) {
    for (auto& [name, value] : groups.Entries()) {
      d.poll_groups.push_back({name, groups.DurationValue(name, kSecond, kMillisecond, kDay)});
    }
  }
  if (d.poll_groups.empty()) d.poll_groups.push_back({"default", kSecond});
  ConfigNode coalesce = node["coalesce"];
  if (coalesce.IsPresent()) {
    coalesce.AllowKeys({"max_gap_registers", "max_gap_bits", "max_registers", "max_bits"});
    d.max_gap_registers =
        static_cast<uint16_t>(coalesce.Int("max_gap_registers", 8, 0, kMaxReadRegisters - 1));
    d.max_gap_bits = static_cast<uint16_t>(coalesce.Int("max_gap_bits", 64, 0, kMaxReadBits - 1));
    d.max_registers_per_read = static_cast<uint16_t>(
        coalesce.Int("max_registers", kMaxReadRegisters, 1, kMaxReadRegisters));
    d.max_bits_per_read =
        static_cast<uint16_t>(coalesce.Int("max_bits", kMaxReadBits, 1, kMaxReadBits));
  }
  std::set<std::string> paths;
  for (const ConfigNode& tag : node["tags"].Items()) {
    PointConfig p = ParsePoint(tag, d.poll_groups, d.name);
    if (!p.tag.path.empty() && !paths.insert(p.tag.path).second) {
      tag.ErrorAt("path", "duplicate tag path " + QuoteForMessage(p.tag.path) + " on device '" +
                              d.name + "'");
    }
    if (d.protocol == Protocol::kRtu && p.unit_id >= 0 && (p.unit_id < 1 || p.unit_id > 247)) {
      tag.ErrorAt("unit_id", "unit_id " + std::to_string(p.unit_id) +
                                 " on a modbus-rtu line; expected 1..247 (0 is broadcast)");
    }
    if (!IsBitTable(p.table) && p.Width() > d.max_registers_per_read) {
      tag.ErrorAt("address", std::string(WireTypeName(p.type)) + " at " +
                                 std::string(TableName(p.table)) + ":" + std::to_string(p.offset) +
                                 " spans " + std::to_string(p.Width()) +
                                 " registers, more than the device's coalesce.max_registers " +
                                 std::to_string(d.max_registers_per_read) +
                                 " (a value is always read in one request)");
    }
    d.points.push_back(std::move(p));
  }
  return d;
}

}  // namespace gantry::modbus
