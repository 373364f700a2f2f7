#include "data/uns/uns_config.h"

#include <algorithm>
#include <fstream>

#include "core/tag.h"
#include "data/uns/uns_subject.h"

namespace gantry::uns {
namespace {

// A secret given inline or in a file (first line); the file wins when both are given.
std::string Secret(const ConfigNode& node, std::string_view key, std::string_view file_key) {
  std::string value = node.String(key, "");
  if (const std::string file = node.String(file_key); !file.empty()) {
    std::ifstream in(file);
    if (!in) {
      node.ErrorAt(file_key, "cannot read '" + file + "'");
    } else {
      std::getline(in, value);
    }
  }
  return value;
}

std::vector<std::string> Strings(const ConfigNode& node) {
  std::vector<std::string> out;
  if (!node.IsPresent()) return out;
  if (node.IsScalar()) {
    out.push_back(node.AsString());
    return out;
  }
  for (const ConfigNode& item : node.Items()) out.push_back(item.AsString());
  return out;
}

void ParseNats(const ConfigNode& node, NatsSettings& nats) {
  if (!node.IsPresent()) return;
  node.AllowKeys({"servers", "user", "password", "password_file", "token", "token_file",
                  "credentials_file", "tls", "connect_timeout", "ping_interval", "name"});
  if (node["servers"].IsPresent()) {
    nats.servers = Strings(node["servers"]);
    if (nats.servers.empty()) node.ErrorAt("servers", "expected at least one nats:// URL");
    for (const std::string& url : nats.servers) {
      if (url.rfind("nats://", 0) != 0 && url.rfind("tls://", 0) != 0)
        node.ErrorAt("servers", "expected nats://HOST:PORT or tls://HOST:PORT, got '" + url + "'");
    }
  }
  nats.user = node.String("user", "");
  nats.password = Secret(node, "password", "password_file");
  nats.token = Secret(node, "token", "token_file");
  nats.credentials_file = node.String("credentials_file", "");
  if (!nats.password.empty() && nats.user.empty())
    node.ErrorAt("password", "a password needs a user");
  if (!nats.token.empty() && !nats.user.empty())
    node.ErrorAt("token", "give either user/password or a token, not both");
  nats.connect_timeout =
      node.DurationValue("connect_timeout", nats.connect_timeout, 100 * kMillisecond, kMinute);
  nats.ping_interval =
      node.DurationValue("ping_interval", nats.ping_interval, 100 * kMillisecond, 10 * kMinute);
  nats.name = node.String("name", nats.name);
  const ConfigNode tls = node["tls"];
  if (tls.IsPresent()) {
    tls.AllowKeys({"enabled", "ca_file", "cert_file", "key_file", "verify"});
    nats.tls = tls.Bool("enabled", true);
    nats.tls_ca = tls.String("ca_file", "");
    nats.tls_cert = tls.String("cert_file", "");
    nats.tls_key = tls.String("key_file", "");
    nats.tls_verify = tls.Bool("verify", true);
    if (nats.tls_cert.empty() != nats.tls_key.empty())
      tls.Error("cert_file and key_file go together (the client certificate and its key)");
  }
}

void ParseMqtt(const ConfigNode& node, UnsConfig& c) {
  if (!node.IsPresent()) return;
  c.transport = UnsTransportKind::kMqtt;
  MqttUnsSettings& m = c.mqtt;
  if (!node.IsMap()) {
    node.Error("expected a map {host, port, client_id, user, tls, qos, retain}");
    return;
  }
  node.AllowKeys({"host", "port", "client_id", "user", "tls", "keepalive", "connect_timeout", "qos",
                  "retain", "json", "sparkplug"});
  m.client.log_name = "uns mqtt";
  m.client.host = node.RequiredString("host");
  m.client.port = static_cast<int>(node.Int("port", 1883, 1, 65535));
  m.client.client_id = node.String("client_id", "gantry-uns");
  if (m.client.client_id.empty() || m.client.client_id.size() > 65535)
    node.ErrorAt("client_id", "expected 1 to 65535 characters");
  const ConfigNode user = node["user"];
  if (user.IsPresent()) {
    user.AllowKeys({"name", "password_env"});
    m.client.username = user.RequiredString("name");
    c.mqtt_password_env = user.String("password_env");
  }
  const ConfigNode tls = node["tls"];
  if (tls.IsPresent()) {
    tls.AllowKeys({"ca_file", "ca_dir", "cert_file", "key_file", "insecure"});
    m.client.tls.enabled = true;
    m.client.tls.ca_file = tls.String("ca_file");
    m.client.tls.ca_dir = tls.String("ca_dir");
    m.client.tls.cert_file = tls.String("cert_file");
    m.client.tls.key_file = tls.String("key_file");
    m.client.tls.insecure = tls.Bool("insecure", false);
    if (m.client.tls.ca_file.empty() && m.client.tls.ca_dir.empty())
      tls.Error("expected ca_file or ca_dir: the CA that signed the broker's certificate");
    if (m.client.tls.cert_file.empty() != m.client.tls.key_file.empty())
      tls.Error("give cert_file and key_file together (client certificate and its key)");
  }
  m.client.keepalive = node.DurationValue("keepalive", 30 * kSecond, 5 * kSecond, 65535 * kSecond);
  m.client.connect_timeout =
      node.DurationValue("connect_timeout", 2 * kSecond, 100 * kMillisecond, kMinute);
  m.qos = static_cast<int>(node.Int("qos", 1, 0, 1));
  m.retain = node.Bool("retain", true);
  c.mqtt_json = node.Bool("json", true);
  const ConfigNode sp = node["sparkplug"];
  if (sp.IsPresent()) {
    c.sparkplug = true;
    sp.AllowKeys({"group_id", "edge_node_id", "client_id"});
    SparkplugEdgeSettings& e = c.sparkplug_edge;
    e.client = m.client;
    e.client.log_name = "uns sparkplug";
    e.group_id = sp.RequiredString("group_id");
    e.edge_node_id = sp.RequiredString("edge_node_id");
    e.client.client_id = sp.String("client_id", m.client.client_id + "-sparkplug");
    for (const char* key : {"group_id", "edge_node_id"}) {
      const std::string id = sp.String(key);
      if (sp[key].IsPresent() && (id.empty() || id.find_first_of("/+#") != std::string::npos))
        sp.ErrorAt(key, "expected a Sparkplug id without '/', '+' or '#', got '" + id + "'");
    }
    if (e.client.client_id == m.client.client_id)
      sp.ErrorAt("client_id",
                 "must differ from mqtt.client_id (the edge node has its own "
                 "connection, whose will is its NDEATH)");
  }
  if (!c.mqtt_json && !c.sparkplug)
    node.ErrorAt("json", "json: false needs sparkplug: (otherwise nothing is published)");
}

}  // namespace

UnsConfig ParseUnsConfig(const ConfigNode& node) {
  UnsConfig c;
  if (!node.IsPresent()) return c;
  node.AllowKeys({"enabled", "nats", "prefix", "tags", "deadbands", "republish_every",
                  "serve_current", "buffer_messages", "queue_samples", "reconnect_max", "events",
                  "state_every", "mqtt"});
  c.enabled = node.Bool("enabled", true);
  ParseNats(node["nats"], c.nats);
  ParseMqtt(node["mqtt"], c);
  if (node["nats"].IsPresent() && node["mqtt"].IsPresent())
    node.ErrorAt("mqtt", "give either nats or mqtt (the broker the namespace goes to), not both");
  UnsOptions& o = c.options;
  o.prefix = node.String("prefix", o.prefix);
  if (Status s = ValidatePrefix(o.prefix); !s.ok()) node.ErrorAt("prefix", s.message());
  for (const std::string& p : Strings(node["tags"])) {
    std::string prefix = p;
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (!prefix.empty() && !ValidateTagPath(prefix + "/x").ok() && !ValidateTagPath(prefix).ok())
      node.ErrorAt("tags",
                   "expected ISA-95 path prefixes like acme/plant1/packaging, got '" + p + "'");
    o.tag_prefixes.push_back(prefix);
  }
  for (const ConfigNode& d : node["deadbands"].Items()) {
    d.AllowKeys({"prefix", "absolute"});
    Deadband band;
    band.prefix = d.RequiredString("prefix");
    band.absolute = d.Double("absolute", 0.0);
    if (!(band.absolute >= 0)) d.ErrorAt("absolute", "expected a number >= 0");
    o.deadbands.push_back(std::move(band));
  }
  o.republish_every = node.DurationValue("republish_every", 0, 0, kDay);
  if (o.republish_every != 0 && o.republish_every < 100 * kMillisecond)
    node.ErrorAt("republish_every", "expected 0 (off) or at least 100ms");
  o.serve_current = node.Bool("serve_current", o.serve_current);
  if (c.transport == UnsTransportKind::kMqtt) {
    // MQTT 3.1.1 has no request/reply (retained values serve late readers), and a topic that
    // starts with '$' is the broker's ($SYS).
    if (node["serve_current"].IsPresent() && o.serve_current)
      node.ErrorAt("serve_current",
                   "MQTT has no request/reply: retained values serve late readers");
    o.serve_current = false;
    if (o.prefix.starts_with("$"))
      node.ErrorAt("prefix", "an MQTT topic must not start with '$' (the broker's own topics)");
  }
  o.buffer_messages = static_cast<size_t>(
      node.Int("buffer_messages", static_cast<int64_t>(o.buffer_messages), 1, 100'000'000));
  o.queue_samples = static_cast<size_t>(
      node.Int("queue_samples", static_cast<int64_t>(o.queue_samples), 1, 100'000'000));
  o.reconnect_max =
      node.DurationValue("reconnect_max", o.reconnect_max, 100 * kMillisecond, 10 * kMinute);
  c.events = node.Bool("events", c.events);
  c.state_every = node.DurationValue("state_every", c.state_every, 100 * kMillisecond, kHour);
  // The MQTT client reconnects by itself: with the same ceiling as the publisher.
  c.mqtt.client.reconnect_max = std::max(o.reconnect_max, c.mqtt.client.reconnect_min);
  c.sparkplug_edge.client.reconnect_max = c.mqtt.client.reconnect_max;
  c.sparkplug_edge.tag_prefixes = o.tag_prefixes;
  c.sparkplug_edge.queue_samples = o.queue_samples;
  return c;
}

}  // namespace gantry::uns
