#include "field/modbus/modbus_response.h"

#include <fmt/format.h>

namespace gantry::modbus {
namespace {

ReadResponse Bad(std::string detail) {
  ReadResponse r;
  r.status = ReadStatus::kMalformed;
  r.detail = std::move(detail);
  return r;
}

bool IsBitFunction(uint8_t fc) {
  return fc == 0x01 || fc == 0x02;
}

}  // namespace

ReadResponse ValidateReadResponse(const ReadRequest& request, std::span<const uint8_t> pdu) {
  const uint8_t fc = request.function;
  if (fc < 0x01 || fc > 0x04) return Bad(fmt::format("request function code {} is not a read", fc));
  const bool bits = IsBitFunction(fc);
  const uint32_t max_quantity = bits ? 2000 : 125;
  if (request.quantity == 0 || request.quantity > max_quantity) {
    return Bad(fmt::format("request quantity {} outside 1..{}", request.quantity, max_quantity));
  }
  if (pdu.empty()) return Bad("empty response");
  if (pdu[0] == (fc | 0x80)) {
    if (pdu.size() != 2) {
      return Bad(fmt::format("exception response of {} bytes, expected 2", pdu.size()));
    }
    ReadResponse r;
    r.status = ReadStatus::kException;
    r.exception_code = pdu[1];
    r.detail = fmt::format("exception {:02X} ({})", pdu[1], ExceptionName(pdu[1]));
    return r;
  }
  if (pdu[0] != fc) {
    return Bad(
        fmt::format("function code {:02X} in response to a request with {:02X}", pdu[0], fc));
  }
  if (pdu.size() < 2) return Bad("response ends before its byte count");
  const size_t expected = bits ? (request.quantity + 7u) / 8u : request.quantity * 2u;
  if (pdu[1] != expected) {
    return Bad(fmt::format("byte count {} for a quantity of {}, expected {}", pdu[1],
                           request.quantity, expected));
  }
  if (pdu.size() != 2 + expected) {
    return Bad(fmt::format("response of {} bytes, byte count says {}", pdu.size(), 2 + expected));
  }
  ReadResponse r;
  r.status = ReadStatus::kOk;
  const uint8_t* data = pdu.data() + 2;
  if (bits) {
    r.bits.resize(request.quantity);
    for (size_t i = 0; i < request.quantity; ++i) r.bits[i] = (data[i / 8] >> (i % 8)) & 1u;
  } else {
    r.registers.resize(request.quantity);
    for (size_t i = 0; i < request.quantity; ++i) {
      r.registers[i] = static_cast<uint16_t>((data[2 * i] << 8) | data[2 * i + 1]);
    }
  }
  return r;
}

Result<std::span<const uint8_t>> CheckTcpFrame(std::span<const uint8_t> adu, uint16_t transaction,
                                               uint8_t unit_id) {
  if (adu.size() < 8)
    return Malformed(fmt::format("TCP frame of {} bytes is too short", adu.size()));
  const uint16_t tid = static_cast<uint16_t>((adu[0] << 8) | adu[1]);
  const uint16_t protocol = static_cast<uint16_t>((adu[2] << 8) | adu[3]);
  const uint16_t length = static_cast<uint16_t>((adu[4] << 8) | adu[5]);
  if (tid != transaction) {
    return Malformed(
        fmt::format("transaction id {} in answer to {} (stale response)", tid, transaction));
  }
  if (protocol != 0) return Malformed(fmt::format("protocol id {} is not Modbus (0)", protocol));
  if (length != adu.size() - 6) {
    return Malformed(fmt::format("MBAP length {} but {} bytes follow it", length, adu.size() - 6));
  }
  if (adu[6] != unit_id) {
    return Malformed(fmt::format("answer from unit {}, asked unit {}", adu[6], unit_id));
  }
  return adu.subspan(7);
}

Result<size_t> MbapFrameSize(std::span<const uint8_t> header) {
  if (header.size() < 7)
    return Malformed(fmt::format("MBAP header of {} bytes, expected 7", header.size()));
  const uint16_t protocol = static_cast<uint16_t>((header[2] << 8) | header[3]);
  const uint16_t length = static_cast<uint16_t>((header[4] << 8) | header[5]);
  if (protocol != 0) return Malformed(fmt::format("protocol id {} is not Modbus (0)", protocol));
  if (length < 2 || length > 254)
    return Malformed(fmt::format("MBAP length {} outside 2..254", length));
  return size_t{6} + length;
}

uint16_t Crc16(std::span<const uint8_t> bytes) {
  uint16_t crc = 0xFFFF;
  for (uint8_t b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 1u) ? static_cast<uint16_t>((crc >> 1) ^ 0xA001u)
                       : static_cast<uint16_t>(crc >> 1);
    }
  }
  return crc;
}

Result<std::span<const uint8_t>> CheckRtuFrame(std::span<const uint8_t> adu, uint8_t unit_id) {
  if (adu.size() < 4)
    return Malformed(fmt::format("RTU frame of {} bytes is too short", adu.size()));
  const size_t body = adu.size() - 2;
  const uint16_t crc = static_cast<uint16_t>(adu[body] | (adu[body + 1] << 8));
  if (crc != Crc16(adu.first(body))) return Malformed("RTU frame CRC mismatch");
  if (adu[0] != unit_id) {
    return Malformed(fmt::format("answer from unit {}, asked unit {}", adu[0], unit_id));
  }
  return adu.subspan(1, body - 1);
}

std::vector<uint8_t> EncodeReadResponse(const ReadRequest& request,
                                        std::span<const uint16_t> registers,
                                        std::span<const uint8_t> bits) {
  std::vector<uint8_t> pdu{request.function, 0};
  if (IsBitFunction(request.function)) {
    size_t bytes = (request.quantity + 7u) / 8u;
    pdu.resize(2 + bytes, 0);
    for (size_t i = 0; i < request.quantity && i < bits.size(); ++i) {
      if (bits[i]) pdu[2 + i / 8] = static_cast<uint8_t>(pdu[2 + i / 8] | (1u << (i % 8)));
    }
    pdu[1] = static_cast<uint8_t>(bytes);
  } else {
    for (size_t i = 0; i < request.quantity; ++i) {
      uint16_t v = i < registers.size() ? registers[i] : 0;
      pdu.push_back(static_cast<uint8_t>(v >> 8));
      pdu.push_back(static_cast<uint8_t>(v & 0xFF));
    }
    pdu[1] = static_cast<uint8_t>(request.quantity * 2u);
  }
  return pdu;
}

std::string ExceptionName(uint8_t code) {
  switch (code) {
    case 0x01: return "illegal function";
    case 0x02: return "illegal data address";
    case 0x03: return "illegal data value";
    case 0x04: return "server device failure";
    case 0x05: return "acknowledge (busy with a long command)";
    case 0x06: return "server device busy";
    case 0x08: return "memory parity error";
    case 0x0A: return "gateway path unavailable";
    case 0x0B: return "gateway target device failed to respond";
  }
  return fmt::format("exception 0x{:02X}", code);
}

Quality ExceptionQuality(uint8_t code) {
  switch (code) {
    case 0x01: return Quality::BadNotSupported();
    case 0x02:
    case 0x03: return Quality::BadOutOfRange();
    case 0x04: return Quality::BadDeviceFailure();
    case 0x05:
    case 0x06: return Quality::UncertainLastUsableValue();
    case 0x0A: return Quality::BadNoCommunication();
    case 0x0B: return Quality::BadTimeout();
  }
  return Quality::BadCommunicationError();
}

Quality FailureQuality(ReadStatus status) {
  switch (status) {
    case ReadStatus::kOk: return Quality::Good();
    case ReadStatus::kTimeout: return Quality::BadTimeout();
    case ReadStatus::kDisconnected: return Quality::BadNotConnected();
    case ReadStatus::kMalformed:
    case ReadStatus::kException: return Quality::BadCommunicationError();
  }
  return Quality::BadCommunicationError();
}

}  // namespace gantry::modbus
