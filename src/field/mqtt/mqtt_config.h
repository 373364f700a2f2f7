// The MQTT part of the configuration: one `devices:` entry with `protocol: mqtt` (one broker
// connection), its credentials and TLS files, the Sparkplug B host settings, and the tags: each
// either a Sparkplug metric (group / edge node / device / metric name) or a plain topic with a
// value extraction. Every error is recorded with file:line:col, key and what was expected.
//
//   MqttDeviceConfig broker = mqtt::ParseMqttDevice(root["devices"].Items()[0]);
//   GANTRY_RETURN_IF_ERROR(doc.Finish());
//   for (const MqttPoint& p : broker.points) ... p.source, p.sparkplug.metric, p.topic.filter ...
#pragma once

#include <string>
#include <vector>

#include "core/config_node.h"
#include "core/tag.h"
#include "core/time.h"
#include "field/mqtt/mqtt_client.h"

namespace gantry::mqtt {

enum class PointSource : uint8_t { kSparkplug, kTopic };

// A Sparkplug B metric: spBv1.0/<group>/{N,D}{BIRTH,DATA}/<edge_node>[/<device>], by name.
struct SparkplugAddress {
  std::string group;
  std::string edge_node;
  std::string device;  // empty: a metric of the edge node itself
  std::string metric;  // may contain '/' ("Motor/RPM")
};

enum class TimestampUnit : uint8_t { kSeconds, kMilliseconds, kMicroseconds, kNanoseconds };

// A plain MQTT topic and how to read the value from its payload.
struct TopicAddress {
  std::string filter;        // MQTT topic filter; '+' and '#' wildcards allowed
  bool json = false;         // payload is JSON and `pointer` selects the value
  std::string pointer;       // RFC 6901 JSON pointer ("" = the whole document)
  std::string time_pointer;  // JSON pointer to the source timestamp; empty: time of receipt
  TimestampUnit time_unit = TimestampUnit::kMilliseconds;  // for numeric timestamps
  // Where a write to this point is published (QoS 1, not retained); empty: read-only.
  std::string write_topic;
  bool write_json = false;  // payload {"value":<v>}; otherwise the value as text ("42.5", "true")
};

struct MqttPoint {
  TagConfig tag;  // path, published type, unit, scaling
  PointSource source = PointSource::kSparkplug;
  SparkplugAddress sparkplug;
  TopicAddress topic;
  std::string address;  // the configured address as text, for logs
};

struct SparkplugHostSettings {
  // Sparkplug host id: Gantry publishes spBv1.0/STATE/<host_id> (retained, will = offline).
  // Empty: no STATE message.
  std::string host_id;
  Duration rebirth_interval = 5 * kSecond;  // at most one rebirth request per edge node per this
};

struct MqttDeviceConfig {
  std::string name;
  MqttClientOptions client;     // host, port, client id, user name, TLS, keepalive, reconnect
  std::string password_env;     // environment variable holding the password (never in the file)
  int qos = 1;                  // of the subscriptions
  bool writes_enabled = false;  // `writes: enabled`: WriteTag publishes DCMD/NCMD or write_topic
  SparkplugHostSettings sparkplug;
  std::vector<MqttPoint> points;
  ConfigLocation where;
};

// Parses one `devices:` entry whose protocol is mqtt; errors recorded in the node's document.
MqttDeviceConfig ParseMqttDevice(const ConfigNode& node);

// OK when `filter` is a valid MQTT topic filter ('#' only last and alone in its level, '+' alone
// in its level, no NUL, 1..65535 bytes); InvalidArgument naming the rule otherwise.
Status ValidateTopicFilter(std::string_view filter);

}  // namespace gantry::mqtt
