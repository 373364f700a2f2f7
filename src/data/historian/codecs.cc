#include "data/historian/codecs.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

namespace gantry::historian {
namespace {

constexpr size_t kBlock = 128;
constexpr int kMaxDecimalExponent = 12;
constexpr double kPow10[kMaxDecimalExponent + 1] = {1e0, 1e1, 1e2, 1e3,  1e4,  1e5, 1e6,
                                                    1e7, 1e8, 1e9, 1e10, 1e11, 1e12};

// Residuals of `order`, computed with wrapping arithmetic (int64 extremes must not overflow).
void Residuals(std::span<const int64_t> v, int order, std::vector<uint64_t>& r) {
  r.clear();
  const size_t n = v.size();
  if (n <= static_cast<size_t>(order)) return;
  r.reserve(n - order);
  if (order == 0) {
    for (int64_t x : v) r.push_back(static_cast<uint64_t>(x));
  } else if (order == 1) {
    for (size_t i = 1; i < n; ++i)
      r.push_back(static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(v[i - 1]));
  } else {
    uint64_t prev_d = static_cast<uint64_t>(v[1]) - static_cast<uint64_t>(v[0]);
    for (size_t i = 2; i < n; ++i) {
      const uint64_t d = static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(v[i - 1]);
      r.push_back(d - prev_d);
      prev_d = d;
    }
  }
}

int Width(uint64_t x) {
  return x == 0 ? 0 : 64 - std::countl_zero(x);
}

uint64_t PackedCost(const std::vector<uint64_t>& r) {
  uint64_t bits = 0;
  for (size_t b = 0; b < r.size(); b += kBlock) {
    uint64_t acc = 0;
    const size_t e = std::min(r.size(), b + kBlock);
    for (size_t i = b; i < e; ++i) acc |= ZigZag(static_cast<int64_t>(r[i]));
    bits += 8 + Width(acc) * (e - b);
  }
  return bits;
}

uint64_t Magnitude(uint64_t r) {
  const auto s = static_cast<int64_t>(r);
  return s < 0 ? 0 - r : r;
}

void PackBlocks(const std::vector<uint64_t>& zz, ByteWriter& out) {
  for (size_t b = 0; b < zz.size(); b += kBlock) {
    const size_t e = std::min(zz.size(), b + kBlock);
    uint64_t acc = 0;
    for (size_t i = b; i < e; ++i) acc |= zz[i];
    const int w = Width(acc);
    out.PutU8(static_cast<uint8_t>(w));
    if (w == 0) continue;
    auto& buf = out.buffer();
    const size_t base = buf.size();
    buf.resize(base + ((e - b) * w + 7) / 8 + 8, 0);  // 8 spare bytes, trimmed below
    for (size_t i = b; i < e; ++i) {
      const size_t bit = (i - b) * w;
      uint8_t* p = buf.data() + base + bit / 8;
      const int shift = static_cast<int>(bit % 8);
      uint64_t lo;
      std::memcpy(&lo, p, 8);
      lo |= zz[i] << shift;
      std::memcpy(p, &lo, 8);
      if (shift + w > 64) p[8] |= static_cast<uint8_t>(zz[i] >> (64 - shift));
    }
    buf.resize(base + ((e - b) * w + 7) / 8);
  }
}

Status UnpackBlocks(ByteReader& in, std::span<uint64_t> zz) {
  uint8_t tmp[kBlock * 8 + 16];
  for (size_t b = 0; b < zz.size(); b += kBlock) {
    const size_t k = std::min(zz.size(), b + kBlock) - b;
    const int w = in.U8();
    if (!in.ok() || w > 64) return Malformed("integer block: bad bit width");
    if (w == 0) {
      std::fill_n(zz.begin() + b, k, 0);
      continue;
    }
    const size_t nbytes = (k * w + 7) / 8;
    auto src = in.Bytes(nbytes);
    if (!in.ok()) return Malformed("integer block: truncated");
    std::memcpy(tmp, src.data(), nbytes);
    std::memset(tmp + nbytes, 0, sizeof(tmp) - nbytes);
    const uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
    for (size_t i = 0; i < k; ++i) {
      const size_t bit = i * w;
      const uint8_t* p = tmp + bit / 8;
      const int shift = static_cast<int>(bit % 8);
      uint64_t lo;
      std::memcpy(&lo, p, 8);
      uint64_t v = lo >> shift;
      if (shift + w > 64) v |= static_cast<uint64_t>(p[8]) << (64 - shift);
      zz[b + i] = v & mask;
    }
  }
  return Status::Ok();
}

}  // namespace

void EncodeIntegers(std::span<const int64_t> values, ByteWriter& out,
                    std::optional<IntOrder> forced) {
  std::vector<uint64_t> r;
  int order = forced ? static_cast<int>(*forced) : 1;
  if (!forced) {
    uint64_t best = UINT64_MAX;
    for (int o = 0; o <= 2; ++o) {
      Residuals(values, o, r);
      const uint64_t cost = PackedCost(r) + (o > 0 ? 80 : 0) * o;
      if (cost < best) {
        best = cost;
        order = o;
      }
    }
  }
  order = std::min<int>(order, static_cast<int>(values.size()));
  Residuals(values, order, r);
  out.PutU8(static_cast<uint8_t>(order));
  if (order >= 1) out.PutVarint(ZigZag(values[0]));
  if (order == 2)
    out.PutVarint(ZigZag(
        static_cast<int64_t>(static_cast<uint64_t>(values[1]) - static_cast<uint64_t>(values[0]))));
  uint64_t g = 0;
  for (uint64_t x : r) {
    g = std::gcd(g, Magnitude(x));
    if (g == 1) break;
  }
  if (g == 0 || g > (uint64_t{1} << 62)) g = 1;
  out.PutVarint(g);
  const auto gs = static_cast<int64_t>(g);
  for (auto& x : r) x = ZigZag(static_cast<int64_t>(x) / gs);
  PackBlocks(r, out);
}

Status DecodeIntegers(ByteReader& in, std::span<int64_t> out) {
  const int order = in.U8();
  if (!in.ok() || order > 2) return Malformed("integer column: bad order");
  if (static_cast<size_t>(order) > out.size())
    return Malformed("integer column: order exceeds count");
  uint64_t v0 = 0;
  uint64_t d1 = 0;
  if (order >= 1) v0 = static_cast<uint64_t>(UnZigZag(in.Varint()));
  if (order == 2) d1 = static_cast<uint64_t>(UnZigZag(in.Varint()));
  const uint64_t g = in.Varint();
  if (!in.ok() || g == 0) return Malformed("integer column: bad header");
  const size_t nres = out.size() - order;
  // Unpack the residuals into the tail of `out`, then rebuild the values front to back.
  auto zz = std::span<uint64_t>(reinterpret_cast<uint64_t*>(out.data()) + order, nres);
  GANTRY_RETURN_IF_ERROR(UnpackBlocks(in, zz));
  uint64_t* o = reinterpret_cast<uint64_t*>(out.data());
  if (order == 0) {
    for (size_t i = 0; i < nres; ++i) o[i] = static_cast<uint64_t>(UnZigZag(o[i])) * g;
  } else if (order == 1) {
    o[0] = v0;
    uint64_t v = v0;
    for (size_t i = 1; i < out.size(); ++i) {
      v += static_cast<uint64_t>(UnZigZag(o[i])) * g;
      o[i] = v;
    }
  } else {
    o[0] = v0;
    o[1] = v0 + d1;
    uint64_t v = o[1];
    uint64_t d = d1;
    for (size_t i = 2; i < out.size(); ++i) {
      d += static_cast<uint64_t>(UnZigZag(o[i])) * g;
      v += d;
      o[i] = v;
    }
  }
  return Status::Ok();
}

namespace {

bool DecimalFits(double v, int e, int64_t& n) {
  const double scaled = v * kPow10[e];
  if (!(std::fabs(scaled) < 9007199254740992.0)) return false;  // also rejects NaN and Inf
  n = std::llrint(scaled);
  const double back = static_cast<double>(n) / kPow10[e];
  return std::bit_cast<uint64_t>(back) == std::bit_cast<uint64_t>(v);
}

// The smallest decimal exponent that represents every value exactly, or -1.
int FindDecimalExponent(std::span<const uint64_t> bits, std::vector<int64_t>& ints) {
  int e = 0;
  ints.resize(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    const double v = std::bit_cast<double>(bits[i]);
    while (!DecimalFits(v, e, ints[i])) {
      if (++e > kMaxDecimalExponent) return -1;
    }
  }
  for (size_t i = 0; i < bits.size(); ++i) {  // earlier values at the final exponent
    if (!DecimalFits(std::bit_cast<double>(bits[i]), e, ints[i])) return -1;
  }
  return e;
}

void EncodeXor(std::span<const uint64_t> bits, ByteWriter& out) {
  BitWriter w;
  uint64_t prev = bits[0];
  w.Put(prev, 64);
  int lead = 0;
  int len = 64;
  for (size_t i = 1; i < bits.size(); ++i) {
    const uint64_t x = bits[i] ^ prev;
    prev = bits[i];
    if (x == 0) {
      w.PutBit(false);
      continue;
    }
    const int lz = std::countl_zero(x);
    const int tz = std::countr_zero(x);
    // Reuse the previous window when the value fits it and that is no dearer than a new one.
    if (lz >= lead && tz >= 64 - lead - len && len <= 64 - lz - tz + 12) {
      w.Put(0b10, 2);
      w.Put(x >> (64 - lead - len), len);
    } else {
      lead = lz;
      len = 64 - lz - tz;
      w.Put(0b11, 2);
      w.Put(static_cast<uint64_t>(lead), 6);
      w.Put(static_cast<uint64_t>(len - 1), 6);
      w.Put(x >> tz, len);
    }
  }
  auto bytes = w.Finish();
  out.PutVarint(bytes.size());
  out.PutBytes(bytes);
}

Status DecodeXor(ByteReader& in, std::span<uint64_t> out) {
  auto bytes = in.Bytes(in.Varint());
  if (!in.ok()) return Malformed("xor doubles: truncated");
  BitReader r(bytes);
  uint64_t prev = r.Get(64);
  out[0] = prev;
  int lead = 0;
  int len = 64;
  for (size_t i = 1; i < out.size(); ++i) {
    if (r.GetBit()) {
      if (r.GetBit()) {
        lead = static_cast<int>(r.Get(6));
        len = static_cast<int>(r.Get(6)) + 1;
        if (lead + len > 64) return Malformed("xor doubles: window exceeds 64 bits");
      }
      prev ^= r.Get(len) << (64 - lead - len);
    }
    out[i] = prev;
    if (!r.ok()) return Malformed("xor doubles: truncated bit stream");
  }
  if (!r.ok()) return Malformed("xor doubles: truncated bit stream");
  return Status::Ok();
}

}  // namespace

namespace {

// Float32 sources (PLC REALs) widened to double: each value's float32 bit pattern mapped onto an
// order-preserving integer (-0.0 and +0.0 stay distinct), so that the integer codec stores the
// small ulp steps of a slowly changing, noisy signal.
bool AllFloat32(std::span<const uint64_t> bits, std::vector<int64_t>& ordered) {
  ordered.clear();
  ordered.reserve(bits.size());
  for (uint64_t b : bits) {
    const double d = std::bit_cast<double>(b);
    const float f = static_cast<float>(d);
    if (std::bit_cast<uint64_t>(static_cast<double>(f)) != b || f != f) return false;
    const uint32_t u = std::bit_cast<uint32_t>(f);
    ordered.push_back((u & 0x80000000u) != 0 ? -static_cast<int64_t>(u & 0x7FFFFFFFu) - 1
                                             : static_cast<int64_t>(u));
  }
  return true;
}

}  // namespace

void EncodeDoubles(std::span<const uint64_t> bits, ByteWriter& out) {
  if (bits.empty()) {
    out.PutU8(0);
    out.PutVarint(0);
    return;
  }
  std::vector<int64_t> ints;
  const int e = FindDecimalExponent(bits, ints);
  if (e >= 0) {
    out.PutU8(1);
    out.PutU8(static_cast<uint8_t>(e));
    EncodeIntegers(ints, out);
    return;
  }
  if (AllFloat32(bits, ints)) {  // the smaller of float32-as-integers and XOR
    ByteWriter f32, xr;
    EncodeIntegers(ints, f32);
    EncodeXor(bits, xr);
    if (f32.size() < xr.size()) {
      out.PutU8(2);
      out.PutBytes(f32.bytes());
    } else {
      out.PutU8(0);
      out.PutBytes(xr.bytes());
    }
    return;
  }
  out.PutU8(0);
  EncodeXor(bits, out);
}

Status DecodeDoubles(ByteReader& in, std::span<uint64_t> out) {
  const int kind = in.U8();
  if (!in.ok()) return Malformed("doubles: truncated");
  if (kind == 1) {
    const int e = in.U8();
    if (!in.ok() || e > kMaxDecimalExponent) return Malformed("decimal doubles: bad exponent");
    auto ints = std::span<int64_t>(reinterpret_cast<int64_t*>(out.data()), out.size());
    GANTRY_RETURN_IF_ERROR(DecodeIntegers(in, ints));
    const double p = kPow10[e];
    for (auto& x : out)
      x = std::bit_cast<uint64_t>(static_cast<double>(static_cast<int64_t>(x)) / p);
    return Status::Ok();
  }
  if (kind == 2) {
    auto ints = std::span<int64_t>(reinterpret_cast<int64_t*>(out.data()), out.size());
    GANTRY_RETURN_IF_ERROR(DecodeIntegers(in, ints));
    for (auto& x : out) {
      const auto v = static_cast<int64_t>(x);
      if (v < -(int64_t{1} << 31) || v > 0x7FFFFFFF)
        return Malformed("float32 doubles: out of range");
      const uint32_t u =
          v < 0 ? 0x80000000u | static_cast<uint32_t>(-(v + 1)) : static_cast<uint32_t>(v);
      x = std::bit_cast<uint64_t>(static_cast<double>(std::bit_cast<float>(u)));
    }
    return Status::Ok();
  }
  if (kind != 0) return Malformed("doubles: unknown codec kind");
  if (out.empty()) {
    (void)in.Bytes(in.Varint());
    return in.ok() ? Status::Ok() : Malformed("doubles: truncated");
  }
  return DecodeXor(in, out);
}

void EncodeRuns(std::span<const uint32_t> values, ByteWriter& out) {
  std::vector<std::pair<uint32_t, uint64_t>> runs;
  for (uint32_t v : values) {
    if (!runs.empty() && runs.back().first == v) {
      ++runs.back().second;
    } else {
      runs.emplace_back(v, 1);
    }
  }
  out.PutVarint(runs.size());
  for (auto [v, n] : runs) {
    out.PutVarint(v);
    out.PutVarint(n);
  }
}

Status DecodeRuns(ByteReader& in, std::span<uint32_t> out) {
  const uint64_t nruns = in.Varint();
  if (!in.ok() || nruns > out.size()) return Malformed("runs: bad run count");
  size_t pos = 0;
  for (uint64_t i = 0; i < nruns; ++i) {
    const uint64_t v = in.Varint();
    const uint64_t n = in.Varint();
    if (!in.ok() || v > UINT32_MAX || n == 0 || n > out.size() - pos) {
      return Malformed("runs: bad run");
    }
    std::fill_n(out.begin() + pos, n, static_cast<uint32_t>(v));
    pos += n;
  }
  if (pos != out.size()) return Malformed("runs: lengths do not add up to the count");
  return Status::Ok();
}

}  // namespace gantry::historian
