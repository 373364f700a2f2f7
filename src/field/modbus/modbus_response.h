// Validation of Modbus read responses (FC 1-4) before anything in them is used: the frame
// (MBAP header for TCP, address and CRC for RTU), the function code or exception, the byte count
// against the requested quantity and the total length. The wire is hostile: every length is
// checked and nothing is sized by an unchecked field. Also the mapping of Modbus exception codes
// to sample qualities. Pure; fuzzed by modbus_response_fuzz.cc.
//
//   ReadRequest req{kReadHoldingRegisters, 0, 10};
//   Result<std::span<const uint8_t>> pdu = CheckTcpFrame(adu, tid, unit_id);
//   ReadResponse r = ValidateReadResponse(req, *pdu);
//   if (r.status == ReadStatus::kOk) use(r.registers);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/quality.h"
#include "core/status.h"

namespace gantry::modbus {

// What was asked: function code (1-4), first address and quantity.
struct ReadRequest {
  uint8_t function = 3;
  uint16_t start = 0;
  uint16_t quantity = 1;
};

enum class ReadStatus : uint8_t {
  kOk,            // data valid
  kException,     // the device answered with an exception code
  kMalformed,     // the answer failed validation
  kTimeout,       // no (complete) answer in time (set by the transport)
  kDisconnected,  // the connection is gone (set by the transport)
};

// The outcome of one read.
struct ReadResponse {
  ReadStatus status = ReadStatus::kMalformed;
  uint8_t exception_code = 0;       // for kException
  std::string detail;               // readable cause for anything but kOk
  std::vector<uint16_t> registers;  // FC 3/4: exactly `quantity` registers
  std::vector<uint8_t> bits;        // FC 1/2: exactly `quantity` entries, 0 or 1
};

// Validates a response PDU (function code onwards, without MBAP header, address or CRC) against
// the request. OK only when the function code matches, the byte count equals what the quantity
// requires and the PDU has exactly that many bytes; an exception response (0x80 | fc, code) gives
// kException; anything else kMalformed with a detail naming what was wrong.
ReadResponse ValidateReadResponse(const ReadRequest& request, std::span<const uint8_t> pdu);

// Checks a Modbus TCP ADU (7-byte MBAP header + PDU): transaction id, protocol id 0, length field
// equal to the bytes that follow it, unit id. Returns the PDU or Malformed.
Result<std::span<const uint8_t>> CheckTcpFrame(std::span<const uint8_t> adu, uint16_t transaction,
                                               uint8_t unit_id);

// The MBAP header (7 bytes: transaction id, protocol id, length, unit id) of a Modbus TCP frame
// read from a stream: the size of the whole frame (6 + length), or Malformed when the protocol
// id is not 0 or the length is outside 2..254 (unit id + a PDU of at most 253 bytes), which
// means the stream is out of step.
Result<size_t> MbapFrameSize(std::span<const uint8_t> header);

// Checks a Modbus RTU ADU (address + PDU + CRC-16, low byte first): address and CRC. Returns the
// PDU or Malformed.
Result<std::span<const uint8_t>> CheckRtuFrame(std::span<const uint8_t> adu, uint8_t unit_id);

// Modbus CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF).
uint16_t Crc16(std::span<const uint8_t> bytes);

// The PDU a conforming server sends for `request` with these values (registers for FC 3/4, bits
// for FC 1/2). For tests, the fuzz target's round trip and simulators.
std::vector<uint8_t> EncodeReadResponse(const ReadRequest& request,
                                        std::span<const uint16_t> registers,
                                        std::span<const uint8_t> bits);

// "illegal data address" etc. for exception codes 1-4, 5, 6, 8, 10, 11; "exception 0x%02X" else.
std::string ExceptionName(uint8_t code);

// Quality for points whose read ended in an exception: 01 BadNotSupported, 02/03 BadOutOfRange,
// 04 BadDeviceFailure, 0A BadNoCommunication, 0B BadTimeout, 05/06 UncertainLastUsableValue
// (the caller first keeps the previous value for a few retries), others BadCommunicationError.
Quality ExceptionQuality(uint8_t code);

// True for 05 (acknowledge) and 06 (server device busy): transient, worth retrying.
constexpr bool IsBusyException(uint8_t code) {
  return code == 0x05 || code == 0x06;
}

// True for 0A (gateway path unavailable) and 0B (gateway target device failed to respond): the
// gateway answers, the device behind it does not.
constexpr bool IsGatewayException(uint8_t code) {
  return code == 0x0A || code == 0x0B;
}

// Quality for a read that failed for a non-exception reason.
Quality FailureQuality(ReadStatus status);

}  // namespace gantry::modbus
