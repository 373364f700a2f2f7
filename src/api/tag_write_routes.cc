#include "api/tag_write_routes.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/api_routes.h"

namespace gantry {
namespace {

using json = nlohmann::json;

constexpr std::string_view kPrefix = "/api/v1/tags/";
constexpr std::string_view kSuffix = "/write";

HttpReply BadValue(std::string detail) {
  return Problem(400, "Invalid value", detail, "value");
}

// The JSON value as the tag's type, or a problem reply naming `value`.
Result<Value> ValueForTag(const json& v, const TagConfig& tag) {
  const std::string want = std::string(ValueTypeName(tag.type));
  auto wrong = [&](std::string_view got) {
    return InvalidArgument("tag " + tag.path + " takes a " + want + " value; got " +
                           std::string(got));
  };
  switch (tag.type) {
    case ValueType::kDouble:
      if (!v.is_number()) return wrong(v.type_name());
      return Value(v.get<double>());
    case ValueType::kInt64: {
      if (v.is_number_integer()) return Value(v.get<int64_t>());
      if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15)
          return Value(static_cast<int64_t>(d));
        return wrong("the non-integral number " + v.dump());
      }
      return wrong(v.type_name());
    }
    case ValueType::kBool:
      if (!v.is_boolean()) return wrong(v.type_name());
      return Value(v.get<bool>());
    case ValueType::kString:
      if (!v.is_string()) return wrong(v.type_name());
      return Value(v.get<std::string>());
    case ValueType::kEmpty: break;
  }
  return InvalidArgument("tag " + tag.path + " has no value type; it cannot be written");
}

// The refusal as a problem reply whose detail names the tag and the connector's reason.
HttpReply Refused(const Status& s, const TagConfig& tag) {
  const std::string detail = "writing " + tag.path + ": " + s.message();
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return BadValue(detail);
    case StatusCode::kPermissionDenied: return Problem(409, "Writes disabled", detail);
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition: return Problem(422, "Write refused", detail);
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout: return Problem(503, "Device unreachable", detail);
    default: return Problem(502, "Write failed", detail);
  }
}

std::optional<HttpReply> Answer(const TagRegistry& registry, const TagWrite& write,
                                const ApiRequest& r) {
  const std::string& path = r.target.path;
  if (path.size() <= kPrefix.size() + kSuffix.size() || !path.starts_with(kPrefix) ||
      !path.ends_with(kSuffix))
    return std::nullopt;
  if (r.method != "POST") return std::nullopt;  // GET .../write: a tag named "write"
  const std::string tag_path =
      path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  if (!r.target.query.empty())
    return Problem(400, "Unknown query parameter",
                   "query parameter '" + r.target.query.front().first + "' is not understood by " +
                       path + "; it takes none",
                   r.target.query.front().first);
  std::optional<TagId> id = registry.Find(tag_path);
  if (!id)
    return Problem(404, "Unknown tag",
                   "unknown tag path '" + tag_path + "'; list tags at /api/v1/tags", "path");
  const json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return BadValue("expected a JSON body {\"value\": ...}");
  for (const auto& [key, unused] : body.items())
    if (key != "value")
      return Problem(400, "Unknown field",
                     "field '" + key + "' is not understood; the body is {\"value\": ...}", key);
  if (!body.contains("value")) return BadValue("field 'value' is required");
  const TagConfig& tag = registry.Get(*id);
  Result<Value> value = ValueForTag(body["value"], tag);
  if (!value.ok()) return BadValue(std::string(value.status().message()));
  if (!write)
    return Problem(503, "Writes unavailable", "this node has no connectors to write through");
  if (Status s = write(*id, *value); !s.ok()) return Refused(s, tag);
  HttpReply reply;
  reply.body = json{{"path", tag.path}, {"value", body["value"]}, {"written", true}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  return reply;
}

}  // namespace

RouteModule TagWriteRoutes(const TagRegistry& registry, TagWrite write) {
  RouteSpec spec{"POST", "/api/v1/tags/{path}/write",
                 "Write a value toward the machine a tag is read from (audited)", "engineer", true};
  return RouteModule{"machine-writes",
                     {std::move(spec)},
                     [&registry, write = std::move(write)](const ApiRequest& r) {
                       return Answer(registry, write, r);
                     }};
}

}  // namespace gantry
