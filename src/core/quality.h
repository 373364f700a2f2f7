// Quality of a sample, modelled on OPC UA status codes (IEC 62541-4 §7.39): the top two bits give
// the severity (Good / Uncertain / Bad), the next 14 bits a sub-code. Codes below carry OPC UA's
// own numeric values, so an OPC UA status maps across unchanged.
//
//   Quality q = Quality::BadNotConnected();
//   if (q.IsBad()) ...;  q.Name() == "BadNotConnected"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gantry {

enum class Severity : uint8_t { kGood = 0, kUncertain = 1, kBad = 2 };

class Quality {
 public:
  constexpr Quality() = default;
  constexpr explicit Quality(uint32_t opcua_status) : code_(opcua_status) {}

  // Well-known codes (values from the OPC UA specification).
  static constexpr Quality Good() { return Quality(0x00000000u); }
  static constexpr Quality GoodClamped() { return Quality(0x00300000u); }
  static constexpr Quality Uncertain() { return Quality(0x40000000u); }
  static constexpr Quality UncertainLastUsableValue() { return Quality(0x40900000u); }
  static constexpr Quality UncertainSensorNotAccurate() { return Quality(0x40930000u); }
  static constexpr Quality UncertainEngineeringUnitsExceeded() { return Quality(0x40940000u); }
  static constexpr Quality Bad() { return Quality(0x80000000u); }
  static constexpr Quality BadInternalError() { return Quality(0x80020000u); }
  static constexpr Quality BadCommunicationError() { return Quality(0x80050000u); }
  static constexpr Quality BadDecodingError() { return Quality(0x80070000u); }
  static constexpr Quality BadTimeout() { return Quality(0x800A0000u); }
  static constexpr Quality BadNoCommunication() { return Quality(0x80310000u); }
  static constexpr Quality BadWaitingForInitialData() { return Quality(0x80320000u); }
  static constexpr Quality BadNodeIdUnknown() { return Quality(0x80340000u); }
  static constexpr Quality BadNotReadable() { return Quality(0x803A0000u); }
  static constexpr Quality BadOutOfRange() { return Quality(0x803C0000u); }
  static constexpr Quality BadNotSupported() { return Quality(0x803D0000u); }
  static constexpr Quality BadTypeMismatch() { return Quality(0x80740000u); }
  static constexpr Quality BadConfigurationError() { return Quality(0x80890000u); }
  static constexpr Quality BadNotConnected() { return Quality(0x808A0000u); }
  static constexpr Quality BadDeviceFailure() { return Quality(0x808B0000u); }
  static constexpr Quality BadSensorFailure() { return Quality(0x808C0000u); }
  static constexpr Quality BadOutOfService() { return Quality(0x808D0000u); }

  constexpr uint32_t code() const { return code_; }
  constexpr Severity severity() const {
    const uint32_t top = code_ >> 30;
    return top == 0 ? Severity::kGood : top == 1 ? Severity::kUncertain : Severity::kBad;
  }
  constexpr bool IsGood() const { return severity() == Severity::kGood; }
  constexpr bool IsUncertain() const { return severity() == Severity::kUncertain; }
  constexpr bool IsBad() const { return severity() == Severity::kBad; }

  // "Good", "BadNotConnected", ...; for codes without a name "Bad(0x80AB0000)".
  std::string Name() const;
  // Inverse of Name() for the named codes, plus "Good", "Uncertain", "Bad" and "0x..." hex.
  static bool FromName(std::string_view name, Quality& out);

  friend constexpr bool operator==(Quality a, Quality b) { return a.code_ == b.code_; }

 private:
  uint32_t code_ = 0;
};

std::string_view SeverityName(Severity s);

}  // namespace gantry
