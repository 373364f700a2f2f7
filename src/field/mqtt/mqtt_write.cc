// MqttConnector::WriteTag: refused unless the device says `writes: enabled`. A Sparkplug metric is
// written with a DCMD (device metric) or NCMD (node metric) built from the current birth
// (SparkplugHost::WriteCommand), published at QoS 0 and not retained (Sparkplug 3.0 commands); a
// plain topic point with a `write_topic` gets the value there at QoS 1.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "field/mqtt/mqtt_client.h"
#include "field/mqtt/mqtt_connector.h"
#include "field/mqtt/sparkplug_host.h"

namespace gantry::mqtt {
namespace {

// How long a write waits for the broker's PUBACK (plain topics) or for the command to leave.
constexpr Duration kWriteTimeout = 5 * kSecond;

// The payload of a plain write: the value as text, or {"value":<json value>}.
Result<std::string> PlainPayload(const MqttPoint& p, const Value& value) {
  if (value.empty()) return InvalidArgument(p.tag.path + ": cannot write an empty value");
  if (const std::optional<double> d = value.AsDouble();
      value.type() == ValueType::kDouble && !std::isfinite(*d))
    return InvalidArgument(p.tag.path + ": cannot write " + value.ToString() + " (not finite)");
  // The value must suit the tag's type; a scaled tag's value goes out unscaled (the device's).
  const auto refuse = [&](std::string_view expected) {
    return InvalidArgument(p.tag.path + ": cannot write " + value.ToString() + " to a " +
                           std::string(ValueTypeName(p.tag.type)) + " tag: expected " +
                           std::string(expected));
  };
  const bool number = value.type() == ValueType::kDouble || value.type() == ValueType::kInt64;
  Value out = value;
  switch (p.tag.type) {
    case ValueType::kDouble:
      if (!number) return refuse("a number");
      if (!p.tag.scaling.IsIdentity()) {
        if (p.tag.scaling.gain == 0) return refuse("a tag with a non-zero scale gain");
        out = Value((*value.AsDouble() - p.tag.scaling.offset) / p.tag.scaling.gain);
      }
      break;
    case ValueType::kInt64:
      if (!number || !value.AsInt64()) return refuse("an integer");
      out = Value(*value.AsInt64());
      break;
    case ValueType::kBool:
      if (value.type() != ValueType::kBool) return refuse("true or false");
      break;
    default:
      if (value.type() != ValueType::kString) return refuse("a string");
      break;
  }
  if (!p.topic.write_json) return out.ToString();
  nlohmann::json j;
  std::visit(
      [&j](const auto& v) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) j = v;
      },
      out.variant());
  return nlohmann::json{{"value", j}}.dump();
}

}  // namespace

Status MqttConnector::WriteTag(TagId tag, const Value& value) {
  const auto it = std::find(tag_ids_.begin(), tag_ids_.end(), tag);
  if (it == tag_ids_.end())
    return NotFound(config_.client.log_name + ": tag " + std::to_string(tag) +
                    " is not read from this device");
  const size_t index = static_cast<size_t>(it - tag_ids_.begin());
  const MqttPoint& point = config_.points[index];
  const std::string& log = config_.client.log_name;
  if (!config_.writes_enabled) {
    spdlog::warn("{}: write to {} refused: writes are disabled for this device", log,
                 point.tag.path);
    return PermissionDenied(log +
                            ": writes are disabled for this device (set `writes: enabled` in its "
                            "configuration)");
  }
  if (point.source == PointSource::kTopic && point.topic.write_topic.empty())
    return FailedPrecondition(log + ": " + point.tag.path + " is read from topic " +
                              point.topic.filter + " and has no `write_topic`: it is read-only");
  if (!client_ || !client_->connected())
    return Unavailable(log + ": write to " + point.tag.path + ": not connected to the broker" +
                       (client_ && !client_->last_error().empty()
                            ? " (" + client_->last_error() + ")"
                            : std::string()));
  std::string topic, payload, what;
  int qos = 1;
  if (point.source == PointSource::kSparkplug) {
    Result<SparkplugHost::Command> command = [&]() -> Result<SparkplugHost::Command> {
      std::lock_guard lock(host_mutex_);
      return host_->WriteCommand(index, value, clock_.Now());
    }();
    if (!command.ok())
      return Status(command.status().code(), log + ": " + std::string(command.status().message()));
    topic = std::move(command->topic);
    payload = std::move(command->payload);
    qos = 0;
    what = "metric '" + point.sparkplug.metric + "'";
  } else {
    GANTRY_ASSIGN_OR_RETURN(payload, PlainPayload(point, value));
    topic = point.topic.write_topic;
    what = "plain write_topic";
  }
  Status s = client_->Publish(topic, payload, qos, false);
  // QoS 1: until the PUBACK; QoS 0: until libmosquitto wrote it to the socket.
  if (s.ok()) s = client_->Flush(kWriteTimeout);
  if (!s.ok()) {
    spdlog::warn("{}: write to {} ({}) failed: {}", log, point.tag.path, what, s.message());
    return Status(
        s.code() == StatusCode::kInvalidArgument ? StatusCode::kInvalidArgument
                                                 : StatusCode::kUnavailable,
        log + ": write to " + point.tag.path + " (" + what + "): " + std::string(s.message()));
  }
  spdlog::info("{}: wrote {} = {} ({} on {})", log, point.tag.path, value.ToString(), what, topic);
  return Status::Ok();
}

}  // namespace gantry::mqtt
