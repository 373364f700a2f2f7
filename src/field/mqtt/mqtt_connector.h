// The MQTT connector: one broker connection (MqttClient) that reads Sparkplug B edge nodes as a
// host application (SparkplugHost) and plain topics (PlainTopics), and publishes what they give
// as samples. Announces itself with the Sparkplug 3.0 STATE message when a host id is configured.
// When the broker connection drops, every tag becomes BadCommunicationError until values flow
// again; after each (re)connect the edge nodes are asked to rebirth.
//
//   mqtt::MqttConnector c(mqtt::ParseMqttDevice(node), tag_ids, bus, SystemClock::Instance());
//   GANTRY_RETURN_IF_ERROR(c.Start());
//   ... c.Health() ...
//   c.Stop();
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/sample_sink.h"
#include "field/connector.h"
#include "field/mqtt/mqtt_config.h"

namespace gantry::mqtt {

class MqttClient;
class SparkplugHost;
class PlainTopics;

class MqttConnector final : public Connector {
 public:
  // `tag_ids` is parallel to config.points. Borrows `sink` and `clock` (receipt times), which
  // must outlive the connector.
  MqttConnector(MqttDeviceConfig config, std::vector<TagId> tag_ids, SampleSink& sink,
                const Clock& clock);
  ~MqttConnector() override;

  // Starts the client thread. InvalidArgument when tag_ids does not match the points or the
  // password variable is not set; FailedPrecondition when already running.
  Status Start() override;
  // Publishes STATE offline (when configured), disconnects cleanly, joins; idempotent.
  void Stop() override;
  ConnectorHealth Health() const override;
  // Only with `writes: enabled`. A Sparkplug metric: publishes a DCMD/NCMD (QoS 0, as Sparkplug
  // requires) and returns once libmosquitto has handed it to the broker's TCP connection; the
  // edge node's DDATA/NDATA confirms the new value later. A plain topic: publishes to its
  // write_topic at QoS 1 and returns once the broker acknowledged it (PUBACK). Errors as in
  // Connector::WriteTag; Unavailable when the broker is not connected or the node/device is dead.
  // Thread-safe between Start() and Stop() (the plant stops the API before the connectors).
  Status WriteTag(TagId tag, const Value& value) override;

  // Sparkplug counters (tests, metrics): births, deaths, gaps, rebirth requests, unknown aliases.
  uint64_t rebirths_requested() const;
  uint64_t sequence_gaps() const;
  uint64_t unknown_aliases() const;

 private:
  void OnConnected();
  void OnDisconnected(const std::string& reason);
  void OnMessage(const std::string& topic, const std::string& payload);
  void Publish(std::vector<Sample> batch);
  void Problem(std::string problem);
  void PublishState(bool online);

  const MqttDeviceConfig config_;
  const std::vector<TagId> tag_ids_;
  SampleSink& sink_;
  const Clock& clock_;
  mutable std::mutex host_mutex_;        // host_: client thread and WriteTag callers
  std::unique_ptr<SparkplugHost> host_;  // GUARDED_BY(host_mutex_)
  std::unique_ptr<PlainTopics> topics_;
  std::unique_ptr<MqttClient> client_;
  std::atomic<Timestamp> state_time_{0};  // timestamp of this connection's STATE (birth and will)

  mutable std::mutex health_mutex_;
  ConnectorHealth health_;  // GUARDED_BY(health_mutex_)
};

}  // namespace gantry::mqtt
