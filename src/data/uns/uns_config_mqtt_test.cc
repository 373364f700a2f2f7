// The `uns: mqtt:` part of the configuration (the MQTT transport of the Unified Namespace).
#include <gtest/gtest.h>

#include "data/uns/uns_config.h"

namespace gantry::uns {
namespace {

UnsConfig Parse(const std::string& yaml, std::string* errors) {
  ConfigDocument doc = ConfigDocument::Parse(yaml, "plant.yaml").value();
  UnsConfig c = ParseUnsConfig(doc.Root()["uns"]);
  Status s = doc.Finish();
  *errors = s.ok() ? "" : s.message();
  return c;
}

TEST(UnsConfigMqtt, EveryKeyIsRead) {
  std::string errors;
  UnsConfig c = Parse(R"(
uns:
  enabled: true
  prefix: site1
  mqtt:
    host: 10.0.0.5
    port: 8883
    client_id: gantry-plant1-uns
    user: {name: gantry, password_env: UNS_PW}
    tls: {ca_file: /etc/ca.pem, cert_file: /etc/c.pem, key_file: /etc/k.pem}
    keepalive: 20s
    connect_timeout: 3s
    qos: 0
    retain: false
)",
                      &errors);
  EXPECT_EQ(errors, "");
  EXPECT_EQ(c.transport, UnsTransportKind::kMqtt);
  EXPECT_EQ(c.mqtt.client.host, "10.0.0.5");
  EXPECT_EQ(c.mqtt.client.port, 8883);
  EXPECT_EQ(c.mqtt.client.client_id, "gantry-plant1-uns");
  EXPECT_EQ(c.mqtt.client.username, "gantry");
  EXPECT_EQ(c.mqtt_password_env, "UNS_PW");
  EXPECT_TRUE(c.mqtt.client.tls.enabled);
  EXPECT_EQ(c.mqtt.client.tls.key_file, "/etc/k.pem");
  EXPECT_EQ(c.mqtt.client.keepalive, 20 * kSecond);
  EXPECT_EQ(c.mqtt.client.connect_timeout, 3 * kSecond);
  EXPECT_EQ(c.mqtt.qos, 0);
  EXPECT_FALSE(c.mqtt.retain);
  EXPECT_FALSE(c.options.serve_current);  // no request/reply over MQTT
}

TEST(UnsConfigMqtt, DefaultsAreQos1Retained) {
  std::string errors;
  UnsConfig c = Parse("uns:\n  mqtt: {host: broker}\n", &errors);
  EXPECT_EQ(errors, "");
  EXPECT_EQ(c.mqtt.client.port, 1883);
  EXPECT_EQ(c.mqtt.qos, 1);
  EXPECT_TRUE(c.mqtt.retain);
  EXPECT_EQ(c.mqtt.client.client_id, "gantry-uns");
  EXPECT_EQ(c.mqtt.client.reconnect_max, 5 * kSecond);  // uns.reconnect_max
}

TEST(UnsConfigMqtt, NatsAndMqttTogetherIsAnErrorWithItsLine) {
  std::string errors;
  Parse("uns:\n  nats: {servers: [nats://a:4222]}\n  mqtt: {host: b}\n", &errors);
  EXPECT_NE(errors.find("plant.yaml:3"), std::string::npos) << errors;
  EXPECT_NE(errors.find("either nats or mqtt"), std::string::npos) << errors;
}

TEST(UnsConfigMqtt, ProblemsNameTheirLine) {
  std::string errors;
  Parse(R"(uns:
  prefix: $SYS
  serve_current: true
  mqtt:
    port: 99999
    qos: 2
    tls: {cert_file: /c.pem}
)",
        &errors);
  for (const char* want : {"plant.yaml:2", "must not start with '$'", "plant.yaml:3",
                           "no request/reply", "host", "plant.yaml:5", "plant.yaml:6",
                           "plant.yaml:7", "ca_file or ca_dir", "cert_file and key_file"})
    EXPECT_NE(errors.find(want), std::string::npos) << want << " in:\n" << errors;
}

TEST(UnsConfigMqtt, SparkplugEdgeNodeHasItsOwnClientAndTheTagSelection) {
  std::string errors;
  UnsConfig c = Parse(R"(
uns:
  tags: [acme/plant1/packaging]
  mqtt:
    host: broker
    client_id: gantry-p1
    json: false
    sparkplug: {group_id: Acme, edge_node_id: gantry-plant1}
)",
                      &errors);
  EXPECT_EQ(errors, "");
  EXPECT_FALSE(c.mqtt_json);
  EXPECT_TRUE(c.sparkplug);
  EXPECT_EQ(c.sparkplug_edge.group_id, "Acme");
  EXPECT_EQ(c.sparkplug_edge.edge_node_id, "gantry-plant1");
  EXPECT_EQ(c.sparkplug_edge.client.client_id, "gantry-p1-sparkplug");
  EXPECT_EQ(c.sparkplug_edge.client.host, "broker");
  EXPECT_EQ(c.sparkplug_edge.tag_prefixes, std::vector<std::string>{"acme/plant1/packaging"});
}

TEST(UnsConfigMqtt, SparkplugIdsAreCheckedWithTheirLine) {
  std::string errors;
  Parse(R"(uns:
  mqtt:
    host: broker
    json: false
    sparkplug:
      group_id: a/b
      client_id: gantry-uns
)",
        &errors);
  for (const char* want :
       {"plant.yaml:6", "without '/', '+' or '#'", "edge_node_id", "plant.yaml:7", "must differ"})
    EXPECT_NE(errors.find(want), std::string::npos) << want << " in:\n" << errors;
  Parse("uns:\n  mqtt: {host: b, json: false}\n", &errors);
  EXPECT_NE(errors.find("needs sparkplug"), std::string::npos) << errors;
}

}  // namespace
}  // namespace gantry::uns
