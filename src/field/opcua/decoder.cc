#include "field/opcua/decoder.h"

#include <fmt/format.h>

namespace gantry::opcua {

Result<float> Decoder::ReadFloat(std::string_view what) {
  GANTRY_ASSIGN_OR_RETURN(uint32_t bits, ReadUInt32(what));
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

Result<double> Decoder::ReadDouble(std::string_view what) {
  GANTRY_ASSIGN_OR_RETURN(uint64_t bits, ReadUInt64(what));
  double out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

Result<std::span<const uint8_t>> Decoder::ReadBytes(size_t n, std::string_view what) {
  GANTRY_RETURN_IF_ERROR(Need(n, what));
  auto out = bytes_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Result<std::optional<std::string>> Decoder::ReadLengthPrefixed(std::string_view what) {
  const size_t start = pos_;
  GANTRY_ASSIGN_OR_RETURN(int32_t length, ReadInt32(what));
  if (length == -1) return std::optional<std::string>();
  if (length < 0) {
    pos_ = start;
    return Fail(what, fmt::format("negative length {}", length));
  }
  const auto n = static_cast<uint32_t>(length);
  if (n > limits_.max_string_length) {
    pos_ = start;
    return Fail(
        what, fmt::format("length {} exceeds the limit of {} bytes", n, limits_.max_string_length));
  }
  if (n > remaining()) {
    pos_ = start;
    return Fail(what, fmt::format("length {} but only {} bytes left", n, remaining() - 4));
  }
  GANTRY_RETURN_IF_ERROR(Charge(n, what));
  std::optional<std::string> out(std::in_place, reinterpret_cast<const char*>(bytes_.data() + pos_),
                                 n);
  pos_ += n;
  return out;
}

Result<String> Decoder::ReadString(std::string_view what) {
  GANTRY_ASSIGN_OR_RETURN(auto v, ReadLengthPrefixed(what));
  return String{std::move(v)};
}

Result<ByteString> Decoder::ReadByteString(std::string_view what) {
  GANTRY_ASSIGN_OR_RETURN(auto v, ReadLengthPrefixed(what));
  return ByteString{std::move(v)};
}

Result<uint32_t> Decoder::ReadArrayLength(std::string_view what, size_t min_wire_size,
                                          size_t element_size) {
  const size_t start = pos_;
  GANTRY_ASSIGN_OR_RETURN(int32_t length, ReadInt32(what));
  if (length == -1) return uint32_t{0};
  if (length < 0) {
    pos_ = start;
    return Fail(what, fmt::format("negative array length {}", length));
  }
  const auto n = static_cast<uint32_t>(length);
  if (n > limits_.max_array_length) {
    pos_ = start;
    return Fail(what, fmt::format("array length {} exceeds the limit of {} elements", n,
                                  limits_.max_array_length));
  }
  // Each element takes at least min_wire_size bytes, so a length beyond what is left is a lie.
  if (min_wire_size > 0 && n > remaining() / min_wire_size) {
    const size_t left = remaining();
    pos_ = start;
    return Fail(what, fmt::format("array length {} but only {} bytes left", n, left));
  }
  GANTRY_RETURN_IF_ERROR(Charge(static_cast<size_t>(n) * element_size, what));
  return n;
}

Status Decoder::Enter(std::string_view what) {
  if (depth_ >= limits_.max_depth) {
    return Fail(what, fmt::format("nesting deeper than {} levels", limits_.max_depth));
  }
  ++depth_;
  return Status::Ok();
}

Status Decoder::Fail(std::string_view what, std::string_view why) const {
  return Malformed(fmt::format("{} at byte {}: {}", what, pos_, why));
}

Status Decoder::NeedFailed(size_t n, std::string_view what) const {
  return Fail(what, fmt::format("needs {} bytes but only {} are left", n, remaining()));
}

Status Decoder::TooLarge() const {
  return Malformed(fmt::format("message of {} bytes exceeds the limit of {} bytes", bytes_.size(),
                               limits_.max_message_size));
}

Status Decoder::Charge(size_t bytes, std::string_view what) {
  if (bytes > limits_.max_decoded_bytes - decoded_bytes_) {
    return ResourceExhausted(fmt::format(
        "{} at byte {}: decoding would take more than the {} bytes allowed for one message", what,
        pos_, limits_.max_decoded_bytes));
  }
  decoded_bytes_ += bytes;
  return Status::Ok();
}

}  // namespace gantry::opcua
