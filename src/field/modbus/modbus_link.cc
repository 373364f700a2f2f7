#include "field/modbus/modbus_link.h"

#include <modbus/modbus.h>
#include <sys/socket.h>

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace gantry::modbus {

struct ModbusLink::Context {
  modbus_t* ctx = nullptr;
  ~Context() {
    if (ctx) {
      modbus_close(ctx);
      modbus_free(ctx);
    }
  }
};

ModbusLink::ModbusLink(const DeviceConfig& device)
    : device_(device),
      gap_(device.protocol == Protocol::kRtu
               ? std::max(device.inter_request_delay, SilentInterval(device.serial))
               : device.inter_request_delay) {}

ModbusLink::~ModbusLink() {
  Close();
}

namespace {

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Reason(int err) {
  switch (err) {
    case ECONNREFUSED: return "connection refused";
    case ETIMEDOUT: return "no answer within the timeout";
    case ECONNRESET: return "connection closed by the device";
    case EPIPE: return "connection lost";
    case EHOSTUNREACH: return "host unreachable";
    case ENETUNREACH: return "network unreachable";
  }
  return modbus_strerror(err);
}

void SetTimeout(modbus_t* ctx, Duration timeout, bool serial) {
  const auto sec = static_cast<uint32_t>(timeout / kSecond);
  const auto usec = static_cast<uint32_t>((timeout % kSecond) / kMicrosecond);
  modbus_set_response_timeout(ctx, sec, usec);
  // Between bytes of one answer: the whole timeout for TCP, at most 500 ms on a serial line.
  const Duration byte = serial && timeout > 500 * kMillisecond ? 500 * kMillisecond : timeout;
  modbus_set_byte_timeout(ctx, static_cast<uint32_t>(byte / kSecond),
                          static_cast<uint32_t>((byte % kSecond) / kMicrosecond));
}

}  // namespace

Status ModbusLink::Connect() {
  Close();
  {
    std::lock_guard lock(fd_mutex_);
    if (interrupted_) return Unavailable("stopping");
  }
  auto c = std::make_unique<Context>();
  if (device_.protocol == Protocol::kTcp) {
    c->ctx = modbus_new_tcp_pi(device_.host.c_str(), std::to_string(device_.port).c_str());
  } else {
    const char parity = device_.serial.parity == Parity::kNone   ? 'N'
                        : device_.serial.parity == Parity::kEven ? 'E'
                                                                 : 'O';
    c->ctx = modbus_new_rtu(device_.serial.device.c_str(), device_.serial.baud, parity,
                            device_.serial.data_bits, device_.serial.stop_bits);
  }
  if (!c->ctx) return Unavailable(std::string("cannot create a Modbus context: ") + Reason(errno));
  modbus_set_slave(c->ctx, device_.unit_id);
  SetTimeout(c->ctx, device_.timeout, device_.protocol == Protocol::kRtu);
  if (modbus_connect(c->ctx) == -1) {
    const int err = errno;
    modbus_free(c->ctx);
    c->ctx = nullptr;
    return Unavailable(Reason(err));
  }
  if (device_.protocol == Protocol::kTcp) {
    std::lock_guard lock(fd_mutex_);
    fd_ = modbus_get_socket(c->ctx);
    if (interrupted_) ::shutdown(fd_, SHUT_RDWR);
  }
  ctx_ = std::move(c);
  return Status::Ok();
}

void ModbusLink::Close() {
  {
    std::lock_guard lock(fd_mutex_);
    fd_ = -1;
  }
  ctx_.reset();
}

void ModbusLink::Interrupt() {
  std::lock_guard lock(fd_mutex_);
  interrupted_ = true;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

namespace {

// The outcome of a libmodbus write call (-1 and errno on failure).
Status WriteOutcome(int rc, int err, const DeviceConfig& device) {
  if (rc != -1) return Status::Ok();
  if (err >= EMBXILFUN && err <= EMBXGTAR)  // a Modbus exception answer
    return FailedPrecondition("the device refused the write: " + std::string(modbus_strerror(err)));
  if (err == ETIMEDOUT)
    return Status(StatusCode::kTimeout, "no confirmation within " +
                                            std::to_string(device.timeout / kMillisecond) + " ms");
  return Unavailable(Reason(err));
}

}  // namespace

uint8_t ModbusLink::UseUnit(int unit) {
  const uint8_t u = static_cast<uint8_t>(unit < 0 ? device_.unit_id : unit);
  if (ctx_) modbus_set_slave(ctx_->ctx, u);
  return u;
}

Status ModbusLink::WriteRegisters(uint16_t offset, std::span<const uint16_t> regs, bool multiple,
                                  int unit) {
  if (!ctx_) return Unavailable("not connected");
  UseUnit(unit);
  if (regs.empty() || regs.size() > 123)
    return InvalidArgument("a write takes 1 to 123 registers, not " + std::to_string(regs.size()));
  KeepGap();
  const int rc =
      regs.size() == 1 && !multiple
          ? modbus_write_register(ctx_->ctx, offset, regs[0])
          : modbus_write_registers(ctx_->ctx, offset, static_cast<int>(regs.size()), regs.data());
  const int err = errno;
  EndExchange();
  if (rc == -1 && err == ETIMEDOUT) modbus_flush(ctx_->ctx);
  return WriteOutcome(rc, err, device_);
}

Status ModbusLink::WriteCoil(uint16_t offset, bool on, int unit) {
  if (!ctx_) return Unavailable("not connected");
  UseUnit(unit);
  KeepGap();
  const int rc = modbus_write_bit(ctx_->ctx, offset, on ? 1 : 0);
  const int err = errno;
  EndExchange();
  if (rc == -1 && err == ETIMEDOUT) modbus_flush(ctx_->ctx);
  return WriteOutcome(rc, err, device_);
}

Status ModbusLink::MaskWriteRegister(uint16_t offset, uint16_t and_mask, uint16_t or_mask,
                                     int unit) {
  if (!ctx_) return Unavailable("not connected");
  UseUnit(unit);
  KeepGap();
  const int rc = modbus_mask_write_register(ctx_->ctx, offset, and_mask, or_mask);
  const int err = errno;
  EndExchange();
  if (rc == -1 && err == ETIMEDOUT) modbus_flush(ctx_->ctx);
  return WriteOutcome(rc, err, device_);
}

namespace {

enum class Got { kAll, kTimeout, kClosed, kError };

// Reads exactly `out.size()` bytes from `fd` before `deadline` (steady ns).
Got ReadExactly(int fd, std::span<uint8_t> out, int64_t deadline, int& err) {
  size_t have = 0;
  while (have < out.size()) {
    const int64_t left = deadline - SteadyNs();
    if (left <= 0) return Got::kTimeout;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>((left + kMillisecond - 1) / kMillisecond));
    if (ready < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return Got::kError;
    }
    if (ready == 0) continue;
    const ssize_t n = ::recv(fd, out.data() + have, out.size() - have, 0);
    if (n == 0) return Got::kClosed;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      err = errno;
      return Got::kError;
    }
    have += static_cast<size_t>(n);
  }
  return Got::kAll;
}

// Discards whatever the socket holds now (the rest of a frame that came too late or broken).
void Drain(int fd) {
  uint8_t sink[256];
  while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
}

}  // namespace

ReadResponse ModbusLink::ReadTcp(const ReadRequest& request, uint8_t unit) {
  ReadResponse r;
  const int fd = modbus_get_socket(ctx_->ctx);
  const uint16_t tid = ++transaction_;
  const uint8_t adu[12] = {static_cast<uint8_t>(tid >> 8),
                           static_cast<uint8_t>(tid & 0xFF),
                           0,
                           0,
                           0,
                           6,
                           unit,
                           request.function,
                           static_cast<uint8_t>(request.start >> 8),
                           static_cast<uint8_t>(request.start & 0xFF),
                           static_cast<uint8_t>(request.quantity >> 8),
                           static_cast<uint8_t>(request.quantity & 0xFF)};
  if (::send(fd, adu, sizeof adu, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof adu)) {
    r.status = ReadStatus::kDisconnected;
    r.detail = Reason(errno);
    return r;
  }
  const int64_t deadline = SteadyNs() + device_.timeout;
  uint8_t frame[260];
  // Bounded by the deadline; the count only keeps a flood of stale frames from spinning.
  for (int frames = 0; frames < 64; ++frames) {
    int err = 0;
    Got got = ReadExactly(fd, std::span<uint8_t>(frame, 7), deadline, err);
    size_t size = 7;
    if (got == Got::kAll) {
      Result<size_t> total = MbapFrameSize(std::span<const uint8_t>(frame, 7));
      if (!total.ok()) {  // out of step: nothing in the stream can be trusted any more
        Drain(fd);
        r.status = ReadStatus::kMalformed;
        r.detail = total.status().message();
        return r;
      }
      size = *total;
      got = ReadExactly(fd, std::span<uint8_t>(frame + 7, size - 7), deadline, err);
    }
    if (got == Got::kTimeout) {
      Drain(fd);
      r.status = ReadStatus::kTimeout;
      r.detail = "no answer within " + std::to_string(device_.timeout / kMillisecond) + " ms";
      return r;
    }
    if (got != Got::kAll) {
      r.status = ReadStatus::kDisconnected;
      r.detail = got == Got::kClosed ? "connection closed by the device" : Reason(err);
      return r;
    }
    const uint16_t answered = static_cast<uint16_t>((frame[0] << 8) | frame[1]);
    if (answered != tid) {  // a late answer to an earlier request: drop it, wait for ours
      ++stale_dropped_;
      continue;
    }
    Result<std::span<const uint8_t>> pdu =
        CheckTcpFrame(std::span<const uint8_t>(frame, size), tid, unit);
    if (!pdu.ok()) {
      r.status = ReadStatus::kMalformed;
      r.detail = pdu.status().message();
      return r;
    }
    return ValidateReadResponse(request, *pdu);
  }
  Drain(fd);
  r.status = ReadStatus::kMalformed;
  r.detail = "64 answers with other transaction ids in a row";
  return r;
}

void ModbusLink::KeepGap() {
  if (gap_ <= 0) return;
  const int64_t wait = last_exchange_ + gap_ - SteadyNs();
  if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
}

void ModbusLink::EndExchange() {
  last_exchange_ = SteadyNs();
}

ReadResponse ModbusLink::Read(const ReadRequest& request, int unit) {
  if (!ctx_) {
    ReadResponse r;
    r.status = ReadStatus::kDisconnected;
    r.detail = "not connected";
    return r;
  }
  KeepGap();
  const uint8_t u = UseUnit(unit);
  ReadResponse r = device_.protocol == Protocol::kTcp ? ReadTcp(request, u) : ReadRtu(request, u);
  EndExchange();
  return r;
}

ReadResponse ModbusLink::ReadRtu(const ReadRequest& request, uint8_t unit) {
  ReadResponse r;
  modbus_t* ctx = ctx_->ctx;
  const uint8_t raw[6] = {unit,
                          request.function,
                          static_cast<uint8_t>(request.start >> 8),
                          static_cast<uint8_t>(request.start & 0xFF),
                          static_cast<uint8_t>(request.quantity >> 8),
                          static_cast<uint8_t>(request.quantity & 0xFF)};
  // RTU: libmodbus moves the bytes; a frame has no transaction id, so after a timeout the line
  // is flushed, and an answer must match address, CRC, function code and byte count.
  if (modbus_send_raw_request(ctx, raw, sizeof raw) == -1) {
    r.status = ReadStatus::kDisconnected;
    r.detail = Reason(errno);
    return r;
  }
  uint8_t adu[MODBUS_MAX_ADU_LENGTH];
  const int n = modbus_receive_confirmation(ctx, adu);
  if (n == -1) {
    const int err = errno;
    if (err == ETIMEDOUT) {
      r.status = ReadStatus::kTimeout;
      r.detail = "no answer within " + std::to_string(device_.timeout / kMillisecond) + " ms";
      modbus_flush(ctx);
    } else if (err == EMBBADCRC || err == EMBBADDATA || err == EMBBADEXC || err == EMBBADSLAVE ||
               err == EMBMDATA || err == EMBUNKEXC) {
      r.status = ReadStatus::kMalformed;
      r.detail = Reason(err);
      modbus_flush(ctx);
    } else {
      r.status = ReadStatus::kDisconnected;
      r.detail = Reason(err);
    }
    return r;
  }
  const std::span<const uint8_t> frame(adu, static_cast<size_t>(n));
  Result<std::span<const uint8_t>> pdu = CheckRtuFrame(frame, unit);
  if (!pdu.ok()) {
    r.status = ReadStatus::kMalformed;
    r.detail = pdu.status().message();
    modbus_flush(ctx);
    return r;
  }
  r = ValidateReadResponse(request, *pdu);
  if (r.status == ReadStatus::kMalformed) modbus_flush(ctx);
  return r;
}

}  // namespace gantry::modbus
