// The transport to one Modbus device, over libmodbus (TCP or RTU). libmodbus moves the bytes;
// every answer is then checked by our own validator (modbus_response.h) before it is used.
// libmodbus types stay inside modbus_link.cc.
//
//   ModbusLink link(device);
//   GANTRY_RETURN_IF_ERROR(link.Connect());
//   ReadResponse r = link.Read({kReadHoldingRegisters, 0, 10});
#pragma once

#include <memory>
#include <mutex>
#include <span>

#include "core/status.h"
#include "field/modbus/modbus_config.h"
#include "field/modbus/modbus_response.h"

namespace gantry::modbus {

// Used by one thread (Connect, Read, Close); only Interrupt() may be called from another.
class ModbusLink {
 public:
  // Borrows `device`, which must outlive the link.
  explicit ModbusLink(const DeviceConfig& device);
  ~ModbusLink();
  ModbusLink(const ModbusLink&) = delete;
  ModbusLink& operator=(const ModbusLink&) = delete;

  // Opens the TCP connection or serial port; Unavailable with the reason ("connection refused")
  // otherwise. Closes a previous connection first.
  Status Connect();
  // Closes the connection; idempotent.
  void Close();
  bool connected() const { return ctx_ != nullptr; }

  // Sends one read request and validates the answer. Transport failures come back as kTimeout
  // (no answer within the device timeout; pending bytes flushed) or kDisconnected (the
  // connection is gone; call Close and Connect again). Over TCP every request carries its own
  // transaction id: an answer with another id (a late answer to a request that timed out) is
  // dropped and the read goes on waiting for its own, so an answer is never taken for another
  // request's.
  // `unit`: the unit id to ask (a device behind a gateway, a drop on an RTU line); -1 = the
  // device's unit_id. The same for the writes below.
  ReadResponse Read(const ReadRequest& request, int unit = -1);

  // Answers with a stale transaction id dropped so far (TCP).
  uint64_t stale_answers_dropped() const { return stale_dropped_; }

  // Writes `regs` to holding registers from `offset` (FC06 for one register, FC16 for more) or
  // one coil (FC05) and waits for the device's confirmation. Unavailable when the connection is
  // gone (call Close and Connect again); Timeout when the device does not confirm in time;
  // FailedPrecondition naming the Modbus exception when the device refuses (illegal address,
  // illegal value, busy, ...).
  // `multiple`: FC16 even for one register (devices without FC06).
  Status WriteRegisters(uint16_t offset, std::span<const uint16_t> regs, bool multiple = false,
                        int unit = -1);
  Status WriteCoil(uint16_t offset, bool on, int unit = -1);
  // FC22 Mask Write Register: the device sets the register to (current AND and_mask) OR
  // (or_mask AND NOT and_mask) in one step. Errors as for WriteRegisters.
  Status MaskWriteRegister(uint16_t offset, uint16_t and_mask, uint16_t or_mask, int unit = -1);

  // Thread-safe: makes a Read blocked on a TCP socket return kDisconnected promptly (Stop()).
  void Interrupt();

 private:
  ReadResponse ReadTcp(const ReadRequest& request, uint8_t unit);
  ReadResponse ReadRtu(const ReadRequest& request, uint8_t unit);
  // The unit to ask (-1 = the device's), set on the libmodbus context for its own functions.
  uint8_t UseUnit(int unit);
  // Waits until the device's inter-request gap since the last answer has passed.
  void KeepGap();
  // Marks the end of an exchange (answer, timeout or error): the gap starts here.
  void EndExchange();

  struct Context;  // owns the libmodbus context
  const DeviceConfig& device_;
  std::unique_ptr<Context> ctx_;
  std::mutex fd_mutex_;
  int fd_ = -1;               // GUARDED_BY(fd_mutex_): the socket Interrupt() shuts down
  bool interrupted_ = false;  // GUARDED_BY(fd_mutex_)
  uint16_t transaction_ = 0;  // the last transaction id sent (TCP reads)
  uint64_t stale_dropped_ = 0;
  const Duration gap_;         // inter_request_delay, at least the RTU silent interval
  int64_t last_exchange_ = 0;  // steady ns at the end of the last exchange
};

}  // namespace gantry::modbus
