// ModbusConnector::WriteTag: writes go over a TCP connection of their own (so that a write never
// waits behind a poll, and the device thread's link stays its own), refused unless the device's
// configuration says `writes: enabled`. Holding registers take FC06 (one register) or FC16
// (several), coils FC05; the value's scaling is undone first (RawForWrite, modbus_codec.h).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_link.h"

namespace gantry::modbus {

Status ModbusConnector::WriteTag(TagId tag, const Value& value) {
  const auto it = std::find(tag_ids_.begin(), tag_ids_.end(), tag);
  if (it == tag_ids_.end())
    return NotFound(log_prefix_ + ": tag " + std::to_string(tag) + " is not read from this device");
  const PointConfig& point = config_.points[static_cast<size_t>(it - tag_ids_.begin())];
  if (!config_.writes_enabled) {
    spdlog::warn("{}: write to {} refused: writes are disabled for this device", log_prefix_,
                 point.tag.path);
    return PermissionDenied(log_prefix_ +
                            ": writes are disabled for this device (set `writes: enabled` in its "
                            "configuration)");
  }
  if (point.table == Table::kInputRegister || point.table == Table::kDiscreteInput)
    return FailedPrecondition(
        log_prefix_ + ": " + point.tag.path + " is read from " +
        (point.table == Table::kInputRegister ? "an input register" : "a discrete input") +
        ", which Modbus does not let a client write");
  if (point.bit != kNoBit)
    return FailedPrecondition(log_prefix_ + ": " + point.tag.path +
                              " is one bit of a holding register; writing it would need a "
                              "read-modify-write of the whole register, which Gantry does not do");
  if (config_.protocol != Protocol::kTcp)
    return FailedPrecondition(log_prefix_ +
                              ": writes over Modbus RTU are not supported (the serial line "
                              "belongs to the polling thread)");
  GANTRY_ASSIGN_OR_RETURN(Value raw, RawForWrite(point, value));

  std::lock_guard lock(write_mutex_);
  Status last;
  for (int attempt = 0; attempt < 2; ++attempt) {  // once more on a fresh connection
    if (!write_link_ || !write_link_->connected()) {
      write_link_ = std::make_unique<ModbusLink>(config_);
      if (Status s = write_link_->Connect(); !s.ok())
        return Unavailable(log_prefix_ + ": write: " + s.message());
    }
    last = point.table == Table::kCoil
               ? write_link_->WriteCoil(point.offset, *raw.AsBool())
               : write_link_->WriteRegisters(point.offset, EncodeRegisters(point, raw));
    if (last.ok()) {
      spdlog::info("{}: wrote {} = {} ({} {}:{})", log_prefix_, point.tag.path, value.ToString(),
                   raw.ToString(), TableName(point.table), point.offset);
      return Status::Ok();
    }
    if (last.code() != StatusCode::kUnavailable) break;  // the device answered: no retry
    write_link_.reset();
  }
  return Status(last.code(), log_prefix_ + ": write to " + point.tag.path + ": " + last.message());
}

}  // namespace gantry::modbus
