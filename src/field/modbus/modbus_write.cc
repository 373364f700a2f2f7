// ModbusConnector::WriteTag: refused unless the device's configuration says `writes: enabled`.
// A write is checked and converted here (RawForWrite, modbus_codec.h) on the caller's thread,
// then handed to the device thread, which sends it on the polling connection (TCP) or serial
// line (RTU) between two reads: one connection per device, which devices that allow a single
// TCP connection and every RTU line need. Holding registers take FC06 (or FC16 when configured)
// or FC16, coils FC05, one bit of a holding register FC22 or FC03 + FC06 (`bit_writes`).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_link.h"

namespace gantry::modbus {
namespace {

// Writes waiting for the device thread at most; more are refused (a caller retries later).
constexpr size_t kMaxPendingWrites = 16;

std::string Where(const PointConfig& p) {
  std::string s = std::string(TableName(p.table)) + ":" + std::to_string(p.offset);
  if (p.bit != kNoBit) s += " bit " + std::to_string(p.bit);
  return s;
}

}  // namespace

Status ModbusConnector::WriteTag(TagId tag, const Value& value) {
  const auto it = std::find(tag_ids_.begin(), tag_ids_.end(), tag);
  if (it == tag_ids_.end())
    return NotFound(log_prefix_ + ": tag " + std::to_string(tag) + " is not read from this device");
  const size_t index = static_cast<size_t>(it - tag_ids_.begin());
  const PointConfig& point = config_.points[index];
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
  if (point.bit != kNoBit && config_.bit_writes == BitWrites::kDisabled)
    return FailedPrecondition(log_prefix_ + ": " + point.tag.path +
                              " is one bit of a holding register and this device has "
                              "`bit_writes: disabled`");
  GANTRY_ASSIGN_OR_RETURN(Value raw, RawForWrite(point, value));

  PendingWrite write;
  write.point = index;
  write.raw = raw;
  {
    std::unique_lock lock(mutex_);
    if (!accepting_writes_)
      return Unavailable(
          log_prefix_ + ": write to " + point.tag.path + ": " +
          (not_connected_reason_.empty() ? "the device is not connected" : not_connected_reason_));
    if (writes_.size() >= kMaxPendingWrites)
      return Unavailable(log_prefix_ + ": write to " + point.tag.path + ": " +
                         std::to_string(writes_.size()) + " writes are already waiting");
    writes_.push_back(&write);
    wake_.notify_all();
    // Time for a connection attempt or the read in flight, then the write's own round trips.
    const auto wait = std::chrono::nanoseconds(3 * config_.timeout + kSecond);
    if (!write_done_.wait_for(lock, wait, [&] { return write.done; })) {
      if (!write.taken) {
        writes_.erase(std::find(writes_.begin(), writes_.end(), &write));
        return Unavailable(log_prefix_ + ": write to " + point.tag.path + ": not sent within " +
                           std::to_string(wait.count() / kMillisecond) +
                           " ms (the device thread is busy)");
      }
      // Started: it ends within the link's own timeouts; never leave it behind.
      write_done_.wait(lock, [&] { return write.done; });
    }
  }
  if (write.result.ok()) {
    spdlog::info("{}: wrote {} = {} ({} {})", log_prefix_, point.tag.path, value.ToString(),
                 raw.ToString(), Where(point));
    return Status::Ok();
  }
  spdlog::warn("{}: write to {} ({}) failed: {}", log_prefix_, point.tag.path, Where(point),
               write.result.message());
  return Status(write.result.code(),
                log_prefix_ + ": write to " + point.tag.path + ": " + write.result.message());
}

void ModbusConnector::AcceptWrites(bool accept, const std::string& reason) {
  std::lock_guard lock(mutex_);
  accepting_writes_ = accept;
  not_connected_reason_ = reason;
  if (accept) return;
  for (PendingWrite* w : writes_) {
    w->result = Unavailable(reason.empty() ? "the device is not connected" : reason);
    w->done = true;
  }
  writes_.clear();
  write_done_.notify_all();
}

void ModbusConnector::ServeWrites(bool answered_before) {
  while (true) {
    PendingWrite* w = nullptr;
    {
      std::lock_guard lock(mutex_);
      if (writes_.empty() || stopping_) return;
      w = writes_.front();
      writes_.pop_front();
      w->taken = true;
    }
    const Status result = ExecuteWrite(config_.points[w->point], w->raw, answered_before);
    std::lock_guard lock(mutex_);
    w->result = result;
    w->done = true;
    write_done_.notify_all();
  }
}

Status ModbusConnector::ExecuteWrite(const PointConfig& point, const Value& raw,
                                     bool answered_before) {
  Status s = SendWrite(point, raw);
  // A device that closes its connection after each answer or when idle: open it again and send
  // once more. Every write sets an absolute value (a mask write sets bits), so sending it twice
  // leaves the device as sending it once. Not after a timeout: the connection is fine (other
  // units behind a gateway share it), this device just did not confirm.
  if (s.code() == StatusCode::kUnavailable && answered_before && !stop_requested_ &&
      config_.protocol == Protocol::kTcp && link_->Connect().ok()) {
    s = SendWrite(point, raw);
  }
  if (s.code() == StatusCode::kTimeout) return Unavailable(s.message());  // as the API expects
  return s;
}

Status ModbusConnector::SendWrite(const PointConfig& point, const Value& raw) {
  const int unit = point.unit_id;  // -1: the device's
  if (point.table == Table::kCoil) return link_->WriteCoil(point.offset, *raw.AsBool(), unit);
  if (point.bit == kNoBit) {
    return link_->WriteRegisters(point.offset, EncodeRegisters(point, raw),
                                 config_.single_register_fc16, unit);
  }
  // One bit of a holding register; the mask is that bit as it sits on the wire (byte order).
  const uint16_t mask = EncodeRegisters(point, Value(true))[0];
  const bool on = *raw.AsBool();
  if (config_.bit_writes == BitWrites::kMaskWrite) {
    Status s = link_->MaskWriteRegister(point.offset, static_cast<uint16_t>(~mask),
                                        on ? mask : uint16_t{0}, unit);
    if (!s.ok() && s.message().find("Illegal function") != std::string::npos) {
      return FailedPrecondition(s.message() +
                                " (the device does not implement FC22 Mask Write Register; set "
                                "`bit_writes: read_modify_write` if nothing else writes the "
                                "other bits of this register)");
    }
    return s;
  }
  // FC03 then FC06: a change another writer makes to the other bits in between is lost.
  ReadResponse current = link_->Read({kReadHoldingRegisters, point.offset, 1}, unit);
  if (current.status == ReadStatus::kException)
    return FailedPrecondition("the device refused reading the register before the bit write: " +
                              current.detail);
  if (current.status == ReadStatus::kTimeout)
    return Status(StatusCode::kTimeout,
                  "reading the register before the bit write: " + current.detail);
  if (current.status != ReadStatus::kOk)
    return Unavailable("reading the register before the bit write: " + current.detail);
  const uint16_t word = current.registers[0];
  const uint16_t next =
      on ? static_cast<uint16_t>(word | mask) : static_cast<uint16_t>(word & ~mask);
  const uint16_t regs[1] = {next};
  return link_->WriteRegisters(point.offset, regs, config_.single_register_fc16, unit);
}

}  // namespace gantry::modbus
