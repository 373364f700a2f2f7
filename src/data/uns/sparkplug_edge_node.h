// Gantry as a Sparkplug B edge node (Sparkplug 3.0), so that Sparkplug host applications
// (Ignition's MQTT Engine, ...) consume its Unified Namespace: every published tag is one metric
// of the edge node, named by its ISA-95 path, with an alias. NBIRTH (bdSeq, Node Control/Rebirth,
// every metric with datatype, value, time and quality) after every connect and on a rebirth NCMD,
// NDATA on change by alias with seq 0..255, NDEATH as the MQTT will and on a clean stop.
// docs/uns.md, "Sparkplug B out".
//
//   SparkplugEdgeSettings sp;
//   sp.client.host = "10.0.0.5";  sp.group_id = "Acme";  sp.edge_node_id = "gantry-plant1";
//   SparkplugEdgeNode edge(registry, bus, sp);
//   edge.Start();  ...  edge.Stop();   // NDEATH, then a clean disconnect
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "data/tag_bus.h"
#include "data/tag_registry.h"
#include "field/mqtt/mqtt_client.h"
#include "field/mqtt/sparkplug_payload.h"

namespace gantry::uns {

struct SparkplugEdgeSettings {
  mqtt::MqttClientOptions client;         // host, port, client id, credentials, TLS, reconnect
  std::string group_id;                   // spBv1.0/<group_id>/...; no '/', '+', '#'
  std::string edge_node_id;               // .../NBIRTH/<edge_node_id>
  std::vector<std::string> tag_prefixes;  // publish the tags at or below these; empty: all
  size_t max_metrics_per_ndata = 1000;    // a larger batch of changes goes out in several NDATA
  size_t queue_samples = 200'000;         // the tag bus queue (drop-oldest)
};

struct SparkplugEdgeStats {
  bool connected = false;
  uint64_t births = 0;  // NBIRTH sent (after connects and rebirth requests)
  uint64_t rebirth_requests = 0;
  uint64_t ndata = 0;         // NDATA messages sent
  uint64_t metrics_sent = 0;  // metrics in those NDATA
  uint64_t suppressed = 0;    // readings not sent: unchanged, or older than the newest
  uint64_t not_sent = 0;      // changes while disconnected (the next NBIRTH carries the state)
  uint64_t bd_seq = 0;        // of the current (or last) connection
};

// Quality as the Sparkplug metric property "Quality" (Int32, the OPC DA quality Ignition reads):
// 192 Good, 64 Uncertain, 0 Bad.
int32_t SparkplugQuality(Quality q);

class SparkplugEdgeNode {
 public:
  // Subscribes to `bus` now ("uns-sparkplug", drop-oldest). `registry` and `bus` are borrowed.
  SparkplugEdgeNode(const TagRegistry& registry, TagBus& bus, SparkplugEdgeSettings settings);
  ~SparkplugEdgeNode();  // Stop()s
  SparkplugEdgeNode(const SparkplugEdgeNode&) = delete;
  SparkplugEdgeNode& operator=(const SparkplugEdgeNode&) = delete;

  // Starts the MQTT client (which connects and reconnects by itself) and the thread that reads
  // the bus. InvalidArgument for client options libmosquitto refuses; FailedPrecondition when
  // already started.
  Status Start();
  // Publishes NDEATH (waits up to 1 s for the broker's acknowledgement), disconnects cleanly and
  // joins; idempotent.
  void Stop();

  SparkplugEdgeStats Stats() const;
  // The counters in Prometheus text format (gantry_uns_sparkplug_*).
  std::string MetricsText() const;
  // "spBv1.0/<group>/<type>/<edge node>".
  std::string Topic(std::string_view type) const;
  // The NBIRTH payload for the current state (seq 0, the current bdSeq). Thread-safe.
  sparkplug::Payload BirthPayload();

 private:
  void Run();
  void OnConnected();
  void OnMessage(const mqtt::MqttMessage& m);
  std::optional<mqtt::MqttWill> Will();
  // Publishes NBIRTH (seq 0) and resets seq to 1; caller holds mu_.
  void SendBirthLocked();
  sparkplug::Payload BirthPayloadLocked() const;
  sparkplug::Metric MetricOf(TagId id, const Sample& s, bool birth) const;
  sparkplug::Payload DeathPayload(uint64_t bd_seq) const;

  const TagRegistry& registry_;
  const SparkplugEdgeSettings settings_;
  std::unique_ptr<Subscription> subscription_;
  std::vector<bool> published_;  // by TagId
  std::unique_ptr<mqtt::MqttClient> client_;

  mutable std::mutex mu_;          // guards everything below up to the atomics
  std::vector<Sample> last_;       // by TagId: newest reading (.tag == kInvalidTagId: none)
  std::vector<Sample> last_sent_;  // by TagId: what the host knows
  uint64_t seq_ = 0;               // of the next message (NBIRTH: 0)
  uint64_t born_connection_ = 0;   // client connects() for which NBIRTH was sent
  uint64_t next_bd_seq_ = 0;       // the next connection attempt's bdSeq
  uint64_t bd_seq_ = 0;            // the current connection's bdSeq
  SparkplugEdgeStats stats_;

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gantry::uns
