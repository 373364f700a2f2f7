#include "field/mqtt/mqtt_config.h"

#include <fmt/format.h>

#include <set>

namespace gantry::mqtt {
namespace {

ValueType ParseType(const ConfigNode& node) {
  static constexpr ValueType kTypes[] = {ValueType::kDouble, ValueType::kInt64, ValueType::kBool,
                                         ValueType::kString};
  return kTypes[node.Choice("type", {"double", "int64", "bool", "string"}, 0)];
}

// RFC 6901: empty, or '/'-separated tokens where '~' is followed by 0 or 1.
bool ValidJsonPointer(std::string_view p) {
  if (p.empty()) return true;
  if (p.front() != '/') return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] == '~' && (i + 1 >= p.size() || (p[i + 1] != '0' && p[i + 1] != '1'))) return false;
  return true;
}

// A Sparkplug id (group, edge node, device): no '/', '+', '#' (Sparkplug 3.0 topic rules).
bool ValidSparkplugId(std::string_view id) {
  return !id.empty() && id.find_first_of("/+#") == std::string_view::npos;
}

MqttPoint ParsePoint(const ConfigNode& node, const MqttDeviceConfig& d) {
  MqttPoint p;
  node.AllowKeys({"path", "sparkplug", "topic", "json", "timestamp", "timestamp_unit", "type",
                  "scale", "unit", "description", "write_topic", "write_payload"});
  ParseTagCommon(node, p.tag);
  p.tag.type = ParseType(node);
  const bool sparkplug = node["sparkplug"].IsPresent(), topic = node["topic"].IsPresent();
  if (sparkplug == topic) {
    node.Error(sparkplug ? "give either sparkplug or topic, not both"
                         : "missing sparkplug (a map {group, node, device, metric}) or topic "
                           "(an MQTT topic such as plant/line3/oven/temp)");
  } else if (sparkplug) {
    p.source = PointSource::kSparkplug;
    ConfigNode s = node["sparkplug"];
    if (!s.IsMap()) {
      node.ErrorAt("sparkplug", "expected a map {group, node, device, metric} (device optional)");
    } else {
      s.AllowKeys({"group", "node", "device", "metric"});
      p.sparkplug.group = s.RequiredString("group");
      p.sparkplug.edge_node = s.RequiredString("node");
      p.sparkplug.device = s.String("device");
      p.sparkplug.metric = s.RequiredString("metric");
      for (auto [key, value] :
           {std::pair<const char*, const std::string*>{"group", &p.sparkplug.group},
            {"node", &p.sparkplug.edge_node}}) {
        if (!value->empty() && !ValidSparkplugId(*value))
          s.ErrorAt(key, "expected a Sparkplug id without '/', '+' or '#', got " +
                             QuoteForMessage(*value));
      }
      if (s["device"].IsPresent() && !ValidSparkplugId(p.sparkplug.device))
        s.ErrorAt("device",
                  "expected a Sparkplug device id without '/', '+' or '#' (leave "
                  "device out for a metric of the edge node itself), got " +
                      QuoteForMessage(p.sparkplug.device));
      p.address = fmt::format("spBv1.0/{}/{}{}{} metric '{}'", p.sparkplug.group,
                              p.sparkplug.edge_node, p.sparkplug.device.empty() ? "" : "/",
                              p.sparkplug.device, p.sparkplug.metric);
    }
    for (const char* key : {"json", "timestamp", "timestamp_unit", "write_topic", "write_payload"})
      if (node[key].IsPresent())
        node.ErrorAt(key, key[0] == 'w' ? "applies only to a plain `topic` (a Sparkplug metric is "
                                          "written with a DCMD/NCMD)"
                                        : "applies only to a plain `topic`");
  } else {
    p.source = PointSource::kTopic;
    p.topic.filter = node.RequiredString("topic");
    if (!p.topic.filter.empty()) {
      Status s = ValidateTopicFilter(p.topic.filter);
      if (!s.ok()) node.ErrorAt("topic", std::string(s.message()));
    }
    if (node["json"].IsPresent()) {
      p.topic.json = true;
      p.topic.pointer = node.String("json");
      if (!ValidJsonPointer(p.topic.pointer))
        node.ErrorAt("json",
                     "expected a JSON pointer such as /temperature/value (RFC 6901; '' "
                     "for the whole document), got " +
                         QuoteForMessage(p.topic.pointer));
    }
    if (node["timestamp"].IsPresent()) {
      p.topic.time_pointer = node.String("timestamp");
      if (!p.topic.json)
        node.ErrorAt("timestamp",
                     "needs `json`: the timestamp is read from a "
                     "JSON payload");
      if (p.topic.time_pointer.empty() || !ValidJsonPointer(p.topic.time_pointer))
        node.ErrorAt("timestamp", "expected a JSON pointer such as /ts, got " +
                                      QuoteForMessage(p.topic.time_pointer));
    }
    static constexpr TimestampUnit kUnits[] = {
        TimestampUnit::kMilliseconds, TimestampUnit::kSeconds, TimestampUnit::kMicroseconds,
        TimestampUnit::kNanoseconds};
    p.topic.time_unit = kUnits[node.Choice("timestamp_unit", {"ms", "s", "us", "ns"}, 0)];
    if (node["write_topic"].IsPresent()) {
      p.topic.write_topic = node.String("write_topic");
      if (p.topic.write_topic.empty() ||
          p.topic.write_topic.find_first_of("+#") != std::string::npos ||
          !ValidateTopicFilter(p.topic.write_topic).ok())
        node.ErrorAt("write_topic", "expected an MQTT topic without wildcards, got " +
                                        QuoteForMessage(p.topic.write_topic));
    }
    p.topic.write_json = node.Choice("write_payload", {"text", "json"}, 0) == 1;
    if (node["write_payload"].IsPresent() && p.topic.write_topic.empty())
      node.ErrorAt("write_payload", "needs `write_topic`");
    p.address = "topic " + p.topic.filter + (p.topic.json ? " json " + p.topic.pointer : "");
  }
  if (!p.tag.scaling.IsIdentity()) {
    if (p.tag.type == ValueType::kBool || p.tag.type == ValueType::kString)
      node.ErrorAt("scale", "scale applies only to numbers; this tag's type is " +
                                std::string(ValueTypeName(p.tag.type)));
    p.tag.type = ValueType::kDouble;  // scaled values are doubles, as for Modbus and OPC UA
  }
  p.tag.source = d.name + " " + p.address;
  return p;
}

}  // namespace

Status ValidateTopicFilter(std::string_view filter) {
  if (filter.empty() || filter.size() > 65535)
    return InvalidArgument("expected an MQTT topic of 1 to 65535 bytes");
  if (filter.find('\0') != std::string_view::npos)
    return InvalidArgument("an MQTT topic must not contain NUL");
  size_t start = 0;
  while (true) {
    const size_t end = std::min(filter.find('/', start), filter.size());
    const std::string_view level = filter.substr(start, end - start);
    if (level.find('#') != std::string_view::npos && (level != "#" || end != filter.size()))
      return InvalidArgument("'#' must be the last level of a topic filter, alone (a/b/#), got '" +
                             std::string(filter) + "'");
    if (level.find('+') != std::string_view::npos && level != "+")
      return InvalidArgument("'+' must stand alone in its level (a/+/c), got '" +
                             std::string(filter) + "'");
    if (end == filter.size()) return Status::Ok();
    start = end + 1;
  }
}

MqttDeviceConfig ParseMqttDevice(const ConfigNode& node) {
  MqttDeviceConfig d;
  d.where = node.Location();
  node.AllowKeys({"name", "protocol", "host", "port", "client_id", "user", "tls", "keepalive",
                  "connect_timeout", "reconnect", "qos", "sparkplug", "writes", "tags"});
  d.name = node.RequiredString("name");
  d.client.log_name = "mqtt '" + d.name + "'";
  d.client.host = node.RequiredString("host");
  d.client.port = static_cast<int>(node.Int("port", 1883, 1, 65535));
  d.client.client_id = node.String("client_id", "gantry-" + d.name);
  if (d.client.client_id.size() > 65535 || d.client.client_id.empty())
    node.ErrorAt("client_id", "expected 1 to 65535 characters");
  ConfigNode user = node["user"];
  if (user.IsPresent()) {
    user.AllowKeys({"name", "password_env"});
    d.client.username = user.RequiredString("name");
    d.password_env = user.String("password_env");
  }
  ConfigNode tls = node["tls"];
  if (tls.IsPresent()) {
    tls.AllowKeys({"ca_file", "ca_dir", "cert_file", "key_file", "insecure"});
    d.client.tls.enabled = true;
    d.client.tls.ca_file = tls.String("ca_file");
    d.client.tls.ca_dir = tls.String("ca_dir");
    d.client.tls.cert_file = tls.String("cert_file");
    d.client.tls.key_file = tls.String("key_file");
    d.client.tls.insecure = tls.Bool("insecure", false);
    if (d.client.tls.ca_file.empty() && d.client.tls.ca_dir.empty())
      tls.Error("expected ca_file or ca_dir: the CA that signed the broker's certificate");
    if (d.client.tls.cert_file.empty() != d.client.tls.key_file.empty())
      tls.Error("give cert_file and key_file together (client certificate and its key)");
  }
  d.client.keepalive = node.DurationValue("keepalive", 30 * kSecond, 5 * kSecond, 65535 * kSecond);
  d.client.connect_timeout =
      node.DurationValue("connect_timeout", 10 * kSecond, 100 * kMillisecond, 5 * 60 * kSecond);
  ConfigNode reconnect = node["reconnect"];
  if (reconnect.IsPresent()) {
    reconnect.AllowKeys({"min", "max"});
    d.client.reconnect_min =
        reconnect.DurationValue("min", d.client.reconnect_min, 10 * kMillisecond, kHour);
    d.client.reconnect_max =
        reconnect.DurationValue("max", d.client.reconnect_max, 10 * kMillisecond, kHour);
    if (d.client.reconnect_min > d.client.reconnect_max) {
      reconnect.Error("reconnect min must not exceed max");
      d.client.reconnect_max = d.client.reconnect_min;
    }
  }
  d.qos = static_cast<int>(node.Int("qos", 1, 0, 1));
  d.writes_enabled = node.Choice("writes", {"disabled", "enabled"}, 0) == 1;
  ConfigNode sp = node["sparkplug"];
  if (sp.IsPresent()) {
    sp.AllowKeys({"host_id", "rebirth_interval"});
    d.sparkplug.host_id = sp.String("host_id");
    if (sp["host_id"].IsPresent() && !ValidSparkplugId(d.sparkplug.host_id))
      sp.ErrorAt("host_id", "expected a Sparkplug host id without '/', '+' or '#', got " +
                                QuoteForMessage(d.sparkplug.host_id));
    d.sparkplug.rebirth_interval =
        sp.DurationValue("rebirth_interval", d.sparkplug.rebirth_interval, 0, kHour);
  }
  std::set<std::string> paths;
  for (const ConfigNode& tag : node["tags"].Items()) {
    MqttPoint p = ParsePoint(tag, d);
    if (!p.tag.path.empty() && !paths.insert(p.tag.path).second)
      tag.ErrorAt("path", "duplicate tag path " + QuoteForMessage(p.tag.path) + " on device '" +
                              d.name + "'");
    d.points.push_back(std::move(p));
  }
  if (d.points.empty())
    node.ErrorAt("tags", "expected at least one tag (a sparkplug metric or a topic)");
  return d;
}

}  // namespace gantry::mqtt
