// The `uns:` section of the plant configuration: whether Gantry publishes its Unified Namespace,
// to which NATS servers, with which credentials, under which prefix, which tags, deadbands, the
// full-state republish interval and the operations events. Schema: docs/formats/config.md and
// docs/uns.md. Off unless `enabled: true`.
//
//   uns:
//     enabled: true
//     nats: {servers: [nats://10.0.0.5:4222], user: gantry, password_file: /etc/gantry/nats.pw}
//     prefix: uns
//     republish_every: 60s
//   (or, instead of nats:)
//     mqtt: {host: 10.0.0.5, port: 1883, client_id: gantry-uns, retain: true}
//   UnsConfig uns = ParseUnsConfig(root["uns"]);   // errors go to the document, file:line
#pragma once

#include "core/config_node.h"
#include "data/uns/mqtt_transport.h"
#include "data/uns/nats_transport.h"
#include "data/uns/sparkplug_edge_node.h"
#include "data/uns/uns_publisher.h"

namespace gantry::uns {

enum class UnsTransportKind : uint8_t { kNats, kMqtt };

struct UnsConfig {
  bool enabled = false;
  UnsTransportKind transport = UnsTransportKind::kNats;  // `mqtt:` given: MQTT
  NatsSettings nats;
  MqttUnsSettings mqtt;           // password not here: read from `mqtt_password_env` at start
  std::string mqtt_password_env;  // environment variable holding the MQTT password
  bool mqtt_json = true;          // plain JSON topics (uns.mqtt.json)
  bool sparkplug = false;         // Gantry as a Sparkplug B edge node too (uns.mqtt.sparkplug)
  SparkplugEdgeSettings sparkplug_edge;  // its own connection: the broker settings of mqtt:
  UnsOptions options;
  bool events = true;              // operations events to <prefix>.events.<work centre>.<kind>
  Duration state_every = kSecond;  // how often the work centres' live state is looked at
};

// Reads `node` (absent = defaults, disabled). Every problem is recorded in the node's document
// with its file, line and key path; the returned value then holds defaults for the bad keys.
UnsConfig ParseUnsConfig(const ConfigNode& node);

}  // namespace gantry::uns
