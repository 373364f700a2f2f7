#include "field/modbus/modbus_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace gantry::modbus {
namespace {

uint16_t Swap(uint16_t r) {
  return static_cast<uint16_t>((r << 8) | (r >> 8));
}

// The register at significance position `i` (0 = most significant), byte order undone.
uint16_t Word(const PointConfig& p, std::span<const uint16_t> regs, size_t i, size_t n) {
  uint16_t r = p.word_order == WordOrder::kHighFirst ? regs[i] : regs[n - 1 - i];
  return p.byte_order == ByteOrder::kBig ? r : Swap(r);
}

uint64_t Combine(const PointConfig& p, std::span<const uint16_t> regs, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 16) | Word(p, regs, i, n);
  return v;
}

Value Scaled(const PointConfig& p, double raw) {
  return Value(p.tag.scaling.IsIdentity() ? raw : p.tag.scaling.Apply(raw));
}

Value Integer(const PointConfig& p, int64_t raw) {
  if (p.tag.scaling.IsIdentity()) return Value(raw);
  return Value(p.tag.scaling.Apply(static_cast<double>(raw)));
}

char Printable(uint8_t c) {
  return (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
}

Value DecodeString(const PointConfig& p, std::span<const uint16_t> regs) {
  std::string s;
  s.reserve(size_t{p.string_length} * 2);
  for (size_t i = 0; i < p.string_length; ++i) {
    uint16_t r = regs[i];
    uint8_t first = p.byte_order == ByteOrder::kBig ? static_cast<uint8_t>(r >> 8)
                                                    : static_cast<uint8_t>(r & 0xFF);
    uint8_t second = p.byte_order == ByteOrder::kBig ? static_cast<uint8_t>(r & 0xFF)
                                                     : static_cast<uint8_t>(r >> 8);
    if (first == 0) break;
    s += Printable(first);
    if (second == 0) break;
    s += Printable(second);
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return Value(std::move(s));
}

}  // namespace

Value DecodeRegisters(const PointConfig& p, std::span<const uint16_t> regs) {
  const size_t n = p.Width();
  if (regs.size() < n) return Value();
  if (p.bit != kNoBit) return Value(((Word(p, regs, 0, 1) >> p.bit) & 1u) != 0);
  switch (p.type) {
    case WireType::kBool: return Value(Word(p, regs, 0, 1) != 0);
    case WireType::kInt16: return Integer(p, static_cast<int16_t>(Word(p, regs, 0, 1)));
    case WireType::kUint16: return Integer(p, Word(p, regs, 0, 1));
    case WireType::kInt32:
      return Integer(p, static_cast<int32_t>(static_cast<uint32_t>(Combine(p, regs, 2))));
    case WireType::kUint32: return Integer(p, static_cast<int64_t>(Combine(p, regs, 2)));
    case WireType::kInt64: return Integer(p, static_cast<int64_t>(Combine(p, regs, 4)));
    case WireType::kUint64: {
      uint64_t raw = Combine(p, regs, 4);
      if (!p.tag.scaling.IsIdentity()) return Scaled(p, static_cast<double>(raw));
      if (raw > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Value();
      return Value(static_cast<int64_t>(raw));
    }
    case WireType::kFloat32:
      return Scaled(p, std::bit_cast<float>(static_cast<uint32_t>(Combine(p, regs, 2))));
    case WireType::kFloat64: return Scaled(p, std::bit_cast<double>(Combine(p, regs, 4)));
    case WireType::kString: return DecodeString(p, regs);
    case WireType::kBcd16:
    case WireType::kBcd32: {
      const size_t words = p.type == WireType::kBcd16 ? 1 : 2;
      uint64_t bcd = Combine(p, regs, words);
      int64_t value = 0;
      for (int shift = static_cast<int>(16 * words) - 4; shift >= 0; shift -= 4) {
        const uint64_t digit = (bcd >> shift) & 0xFu;
        if (digit > 9) return Value();  // not BCD: BadOutOfRange
        value = value * 10 + static_cast<int64_t>(digit);
      }
      return Integer(p, value);
    }
  }
  return Value();
}

std::vector<uint16_t> EncodeRegisters(const PointConfig& p, const Value& raw) {
  const size_t n = p.Width();
  std::vector<uint16_t> regs(n, 0);
  auto put = [&](uint64_t bits) {
    for (size_t i = 0; i < n; ++i) {  // i = significance position, 0 = most significant
      uint16_t w = static_cast<uint16_t>(bits >> (16 * (n - 1 - i)));
      if (p.byte_order == ByteOrder::kLittle) w = Swap(w);
      regs[p.word_order == WordOrder::kHighFirst ? i : n - 1 - i] = w;
    }
  };
  if (p.type == WireType::kString) {
    const std::string* s = raw.AsString();
    std::string text = s ? *s : raw.ToString();
    for (size_t i = 0; i < n; ++i) {
      uint8_t a = 2 * i < text.size() ? static_cast<uint8_t>(text[2 * i]) : 0;
      uint8_t b = 2 * i + 1 < text.size() ? static_cast<uint8_t>(text[2 * i + 1]) : 0;
      regs[i] = p.byte_order == ByteOrder::kBig ? static_cast<uint16_t>((a << 8) | b)
                                                : static_cast<uint16_t>((b << 8) | a);
    }
    return regs;
  }
  if (p.bit != kNoBit) {
    put(raw.AsBool().value_or(false) ? (1u << p.bit) : 0u);
    return regs;
  }
  switch (p.type) {
    case WireType::kFloat32:
      put(std::bit_cast<uint32_t>(static_cast<float>(raw.AsDouble().value_or(0.0))));
      break;
    case WireType::kFloat64: put(std::bit_cast<uint64_t>(raw.AsDouble().value_or(0.0))); break;
    case WireType::kBcd16:
    case WireType::kBcd32: {
      uint64_t v = static_cast<uint64_t>(std::max<int64_t>(0, raw.AsInt64().value_or(0)));
      uint64_t bcd = 0;
      for (int shift = 0; shift < 16 * static_cast<int>(n); shift += 4, v /= 10)
        bcd |= (v % 10) << shift;
      put(bcd);
      break;
    }
    default: {
      int64_t v = raw.AsInt64().value_or(0);
      if (!raw.AsInt64() && raw.AsDouble()) v = static_cast<int64_t>(*raw.AsDouble());
      put(static_cast<uint64_t>(v));
    }
  }
  return regs;
}

Result<Value> RawForWrite(const PointConfig& p, const Value& value) {
  const std::string& path = p.tag.path;
  if (IsBitTable(p.table) || p.type == WireType::kBool || p.bit != kNoBit) {
    std::optional<bool> on;
    if (value.type() == ValueType::kBool) on = *value.AsBool();
    if (value.type() == ValueType::kInt64 && (*value.AsInt64() == 0 || *value.AsInt64() == 1))
      on = *value.AsInt64() == 1;
    if (!on) return InvalidArgument("tag " + path + " is a bit: it takes true or false (or 0/1)");
    return Value(*on);
  }
  if (p.type == WireType::kString) {
    const std::string* s = value.AsString();
    if (!s) return InvalidArgument("tag " + path + " is a string register block: it takes text");
    if (s->size() > 2u * p.Width())
      return InvalidArgument("tag " + path + " holds at most " + std::to_string(2 * p.Width()) +
                             " characters; got " + std::to_string(s->size()));
    return Value(*s);
  }
  std::optional<double> eng = value.AsDouble();
  if (!eng || value.type() == ValueType::kBool)
    return InvalidArgument("tag " + path + " takes a number");
  const Scaling& sc = p.tag.scaling;
  if (sc.gain == 0.0)
    return InvalidArgument("tag " + path + " has a scale of 0: it cannot be written");
  const double raw = (*eng - sc.offset) / sc.gain;
  if (!std::isfinite(raw)) return InvalidArgument("tag " + path + " takes a finite number");
  if (p.type == WireType::kFloat32 || p.type == WireType::kFloat64) {
    if (p.type == WireType::kFloat32 && std::fabs(raw) > 3.4028234663852886e38)
      return InvalidArgument("tag " + path + ": " + value.ToString() + " does not fit a float32");
    return Value(raw);
  }
  double lo = 0, hi = 0;
  switch (p.type) {
    case WireType::kInt16: lo = -32768.0, hi = 32767.0; break;
    case WireType::kUint16: lo = 0.0, hi = 65535.0; break;
    case WireType::kInt32: lo = -2147483648.0, hi = 2147483647.0; break;
    case WireType::kUint32: lo = 0.0, hi = 4294967295.0; break;
    case WireType::kBcd16: lo = 0.0, hi = 9999.0; break;
    case WireType::kBcd32: lo = 0.0, hi = 99999999.0; break;
    case WireType::kUint64: lo = 0.0, hi = 9.2233720368547748e18; break;  // int64's range
    default: lo = -9.2233720368547758e18, hi = 9.2233720368547748e18; break;
  }
  const double rounded = std::nearbyint(raw);
  if (rounded < lo || rounded > hi)
    return InvalidArgument("tag " + path + ": " + value.ToString() + " is " +
                           std::to_string(rounded) + " on the wire, outside the range of " +
                           std::string(WireTypeName(p.type)));
  return Value(static_cast<int64_t>(rounded));
}

bool ShouldPublish(const LastPublished& last, const Value& value, Quality quality,
                   double deadband) {
  if (!last.present) return true;
  if (!(quality == last.quality)) return true;
  if (value.type() != last.value.type()) return true;
  switch (value.type()) {
    case ValueType::kDouble: {
      double a = *value.AsDouble(), b = *last.value.AsDouble();
      if (std::isnan(a) || std::isnan(b)) return std::isnan(a) != std::isnan(b);
      if (deadband <= 0) return a != b;
      return std::fabs(a - b) > deadband;
    }
    case ValueType::kInt64: {
      int64_t a = *value.AsInt64(), b = *last.value.AsInt64();
      if (deadband <= 0) return a != b;
      return std::fabs(static_cast<double>(a) - static_cast<double>(b)) > deadband;
    }
    default: return !(value == last.value);
  }
}

}  // namespace gantry::modbus
