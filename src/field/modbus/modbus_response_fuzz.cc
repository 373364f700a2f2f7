// libFuzzer target for the Modbus response path: frame checks (TCP MBAP, RTU CRC), response
// validation against a request, the MBAP header of a TCP stream, and the value codecs over whatever
// registers survive. A valid response must re-encode to the same bytes. Input layout:
// [selector][start:2][quantity:2][pdu...].
#include <cstddef>
#include <cstdint>
#include <span>

#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_response.h"

using namespace gantry::modbus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const std::span<const uint8_t> all(data, size);
  const uint8_t selector = data[0];
  ReadRequest req;
  req.function = static_cast<uint8_t>(1 + selector % 4);
  req.start = static_cast<uint16_t>((data[1] << 8) | data[2]);
  req.quantity = static_cast<uint16_t>((data[3] << 8) | data[4]);
  const std::span<const uint8_t> pdu = all.subspan(5);

  ReadResponse r = ValidateReadResponse(req, pdu);
  if (r.status == ReadStatus::kOk) {
    const bool bits = req.function <= 2;
    if ((bits ? r.bits.size() : r.registers.size()) != req.quantity) __builtin_trap();
    std::vector<uint8_t> again = EncodeReadResponse(req, r.registers, r.bits);
    if (again.size() != pdu.size()) __builtin_trap();
    for (size_t i = 0; i < again.size(); ++i) {
      uint8_t mask = 0xFF;
      // bits past the quantity in the last coil byte are padding the encoder writes as zero
      if (bits && i == again.size() - 1 && req.quantity % 8 != 0) {
        mask = static_cast<uint8_t>((1u << (req.quantity % 8)) - 1);
      }
      if ((again[i] & mask) != (pdu[i] & mask)) __builtin_trap();
    }
    if (!bits) {
      // Decode every wire type at every position the registers allow.
      PointConfig p;
      p.string_length = static_cast<uint16_t>(1 + selector % 8);
      p.byte_order = (selector & 0x10) ? ByteOrder::kLittle : ByteOrder::kBig;
      p.word_order = (selector & 0x20) ? WordOrder::kLowFirst : WordOrder::kHighFirst;
      if (selector & 0x40) p.tag.scaling = {0.1, 3.0};
      for (int t = 0; t <= static_cast<int>(WireType::kBcd32); ++t) {
        p.type = static_cast<WireType>(t);
        p.bit = (t == static_cast<int>(WireType::kUint16) && (selector & 0x80)) ? selector % 16
                                                                                : kNoBit;
        std::span<const uint16_t> regs(r.registers);
        for (size_t i = 0; i < regs.size(); ++i) {
          gantry::Value v = DecodeRegisters(p, regs.subspan(i));
          // BCD round trip: valid digits decode to a number that encodes to the same registers.
          const bool bcd = p.type == WireType::kBcd16 || p.type == WireType::kBcd32;
          if (bcd && !v.empty() && p.tag.scaling.IsIdentity() && regs.size() - i >= p.Width()) {
            std::vector<uint16_t> again_regs = EncodeRegisters(p, v);
            for (size_t k = 0; k < p.Width(); ++k)
              if (again_regs[k] != regs[i + k]) __builtin_trap();
          }
        }
      }
    }
  } else if (r.status == ReadStatus::kException) {
    if (pdu.size() != 2 || pdu[0] != (req.function | 0x80)) __builtin_trap();
    (void)ExceptionQuality(r.exception_code);
  }

  // The same bytes as whole frames.
  auto frame_size = MbapFrameSize(all);
  if (frame_size.ok() && (*frame_size < 8 || *frame_size > 260)) __builtin_trap();
  auto tcp = CheckTcpFrame(all, static_cast<uint16_t>(selector), data[1]);
  if (tcp.ok()) (void)ValidateReadResponse(req, *tcp);
  auto rtu = CheckRtuFrame(all, data[0]);
  if (rtu.ok()) (void)ValidateReadResponse(req, *rtu);
  return 0;
}
