#include "core/tag.h"

namespace gantry {

Status ValidateTagPath(std::string_view path) {
  auto bad = [&](std::string why) {
    return InvalidArgument("tag path " + QuoteForMessage(path) + " " + why +
                           "; expected 2 to 8 segments of letters, digits, '_', '.' or '-' "
                           "joined by '/', e.g. acme/plant1/packaging/line1/filler/speed");
  };
  if (path.empty()) return bad("is empty");
  if (path.size() > 512) return bad("is longer than 512 characters");
  int segments = 0;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg.empty()) return bad("has an empty segment");
    for (char c : seg) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-';
      if (!ok)
        return bad("has the character '" + std::string(1, c) + "' in segment '" + std::string(seg) +
                   "'");
    }
    ++segments;
    start = end + 1;
  }
  if (segments < 2 || segments > 8) return bad("has " + std::to_string(segments) + " segments");
  return Status::Ok();
}

std::string_view ParentPath(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

void ParseTagCommon(const ConfigNode& node, TagConfig& tag) {
  tag.where = node.Location();
  tag.path = node.RequiredString("path");
  if (!tag.path.empty()) {
    Status s = ValidateTagPath(tag.path);
    if (!s.ok()) node.ErrorAt("path", s.message());
  }
  tag.unit = node.String("unit");
  tag.description = node.String("description");
  tag.deadband = node.Double("deadband", 0.0);
  if (tag.deadband < 0) node.ErrorAt("deadband", "expected a number >= 0");
  ConfigNode scale = node["scale"];
  if (scale.IsPresent()) {
    scale.AllowKeys({"gain", "offset", "raw_min", "raw_max", "eng_min", "eng_max"});
    bool linear = scale["gain"].IsPresent() || scale["offset"].IsPresent();
    bool range = scale["raw_min"].IsPresent() || scale["raw_max"].IsPresent() ||
                 scale["eng_min"].IsPresent() || scale["eng_max"].IsPresent();
    if (linear && range) {
      scale.Error("use either gain/offset or raw_min/raw_max/eng_min/eng_max, not both");
    } else if (range) {
      double r0 = scale.Double("raw_min", 0), r1 = scale.Double("raw_max", 0);
      double e0 = scale.Double("eng_min", 0), e1 = scale.Double("eng_max", 0);
      if (r1 == r0) {
        scale.Error("raw_min and raw_max must differ");
      } else {
        tag.scaling.gain = (e1 - e0) / (r1 - r0);
        tag.scaling.offset = e0 - r0 * tag.scaling.gain;
      }
    } else {
      tag.scaling.gain = scale.Double("gain", 1.0);
      tag.scaling.offset = scale.Double("offset", 0.0);
      if (tag.scaling.gain == 0.0) scale.ErrorAt("gain", "expected a non-zero number");
    }
  }
}

}  // namespace gantry
