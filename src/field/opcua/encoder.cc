#include "field/opcua/encoder.h"

#include <fmt/format.h>

#include <limits>

namespace gantry::opcua {

Status Encoder::WriteLengthPrefixed(const std::optional<std::string>& v) {
  if (!v) {
    WriteInt32(-1);
    return Status::Ok();
  }
  if (v->size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return InvalidArgument(
        fmt::format("string of {} bytes is longer than OPC UA allows", v->size()));
  }
  WriteInt32(static_cast<int32_t>(v->size()));
  WriteBytes(*v);
  return Status::Ok();
}

Status Encoder::WriteArrayLength(size_t n) {
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return InvalidArgument(fmt::format("array of {} elements is longer than OPC UA allows", n));
  }
  WriteInt32(static_cast<int32_t>(n));
  return Status::Ok();
}

void Encoder::PatchUInt32(size_t offset, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) bytes_.at(offset + i) = static_cast<uint8_t>(v >> (8 * i));
}

Status Encoder::Enter(std::string_view what) {
  if (depth_ >= max_depth_) {
    return InvalidArgument(fmt::format("{} nests deeper than {} levels", what, max_depth_));
  }
  ++depth_;
  return Status::Ok();
}

}  // namespace gantry::opcua
