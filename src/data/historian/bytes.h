// Byte- and bit-level readers and writers for the historian's file formats. Readers take a span
// and never read past it: a short read sets a sticky failure flag that the caller turns into a
// Malformed/Corrupt status, so decoders need no exceptions and no trust in length fields.
//
//   ByteWriter w;  w.PutU32(7);  w.PutVarint(300);
//   ByteReader r(w.bytes());  uint32_t a = r.U32();  uint64_t b = r.Varint();  if (!r.ok()) ...
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace gantry::historian {

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t u) {
  return static_cast<int64_t>((u >> 1) ^ (0 - (u & 1)));
}

// Appends little-endian fixed-width integers, LEB128 varints and raw bytes to a growing buffer.
class ByteWriter {
 public:
  void PutU8(uint8_t v) { buf_.push_back(v); }
  void PutU32(uint32_t v) { PutFixed(v); }
  void PutU64(uint64_t v) { PutFixed(v); }
  void PutI64(int64_t v) { PutFixed(static_cast<uint64_t>(v)); }
  void PutF64(double v) { PutFixed(std::bit_cast<uint64_t>(v)); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      buf_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    buf_.push_back(static_cast<uint8_t>(v));
  }
  void PutBytes(std::span<const uint8_t> b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void PutString(std::string_view s) {
    PutVarint(s.size());
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    buf_.insert(buf_.end(), p, p + s.size());
  }
  // Overwrites 4 bytes at `pos` (for lengths and checksums known only at the end).
  void PatchU32(size_t pos, uint32_t v) { std::memcpy(buf_.data() + pos, &v, 4); }

  size_t size() const { return buf_.size(); }
  std::vector<uint8_t>& buffer() { return buf_; }
  std::span<const uint8_t> bytes() const { return buf_; }
  void Clear() { buf_.clear(); }

 private:
  template <typename T>
  void PutFixed(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    buf_.insert(buf_.end(), b, b + sizeof(T));
  }
  std::vector<uint8_t> buf_;
};

// Reads what ByteWriter wrote. Every read past the end returns 0 and makes ok() false for good.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  uint8_t U8() { return Fixed<uint8_t>(); }
  uint32_t U32() { return Fixed<uint32_t>(); }
  uint64_t U64() { return Fixed<uint64_t>(); }
  int64_t I64() { return static_cast<int64_t>(Fixed<uint64_t>()); }
  double F64() { return std::bit_cast<double>(Fixed<uint64_t>()); }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return Fail();
      const uint8_t b = data_[pos_++];
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();  // more than 10 bytes
  }
  // The next `n` bytes, or an empty span (and failure) when fewer remain.
  std::span<const uint8_t> Bytes(uint64_t n) {
    if (n > remaining()) {
      Fail();
      return {};
    }
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view String() {
    auto b = Bytes(Varint());
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  template <typename T>
  T Fixed() {
    if (remaining() < sizeof(T)) return static_cast<T>(Fail());
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  uint64_t Fail() {
    ok_ = false;
    pos_ = data_.size();
    return 0;
  }
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Writes bit fields most-significant bit first (the Gorilla bit stream).
class BitWriter {
 public:
  // Appends the low `n` bits of `v`, 0 <= n <= 64.
  void Put(uint64_t v, int n) {
    if (n == 0) return;
    if (n < 64) v &= (uint64_t{1} << n) - 1;
    const int free = 64 - fill_;
    if (n <= free) {
      acc_ = n == 64 ? v : (acc_ << n) | v;
      fill_ += n;
      if (fill_ == 64) Flush64();
    } else {
      const int rest = n - free;
      acc_ = (acc_ << free) | (v >> rest);
      fill_ = 64;
      Flush64();
      acc_ = v & ((uint64_t{1} << rest) - 1);
      fill_ = rest;
    }
  }
  void PutBit(bool b) { Put(b ? 1 : 0, 1); }
  // Pads the last byte with zeros and returns the bytes.
  std::vector<uint8_t> Finish() {
    while (fill_ >= 8) {
      out_.push_back(static_cast<uint8_t>(acc_ >> (fill_ - 8)));
      fill_ -= 8;
    }
    if (fill_ > 0) out_.push_back(static_cast<uint8_t>(acc_ << (8 - fill_)));
    fill_ = 0;
    acc_ = 0;
    return std::move(out_);
  }

 private:
  void Flush64() {
    for (int s = 56; s >= 0; s -= 8) out_.push_back(static_cast<uint8_t>(acc_ >> s));
    acc_ = 0;
    fill_ = 0;
  }
  std::vector<uint8_t> out_;
  uint64_t acc_ = 0;
  int fill_ = 0;
};

// Reads a BitWriter stream; reading past the end yields zero bits and clears ok().
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}
  // The next `n` bits, 0 <= n <= 64.
  uint64_t Get(int n) {
    uint64_t v = 0;
    while (n > 0) {
      if (avail_ == 0) Refill();
      const int take = n < avail_ ? n : avail_;
      const uint64_t part =
          (acc_ >> (avail_ - take)) & (take == 64 ? ~uint64_t{0} : (uint64_t{1} << take) - 1);
      v = take == 64 ? part : (v << take) | part;
      avail_ -= take;
      n -= take;
    }
    return v;
  }
  bool GetBit() {
    if (avail_ == 0) Refill();
    --avail_;
    return (acc_ >> avail_) & 1;
  }
  bool ok() const { return ok_; }

 private:
  void Refill() {
    if (pos_ + 8 <= data_.size()) {
      uint64_t be;
      std::memcpy(&be, data_.data() + pos_, 8);
      acc_ = __builtin_bswap64(be);
      pos_ += 8;
      avail_ = 64;
    } else if (pos_ < data_.size()) {
      acc_ = data_[pos_++];
      avail_ = 8;
    } else {
      ok_ = false;
      acc_ = 0;
      avail_ = 64;
    }
  }
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  uint64_t acc_ = 0;
  int avail_ = 0;
  bool ok_ = true;
};

}  // namespace gantry::historian
