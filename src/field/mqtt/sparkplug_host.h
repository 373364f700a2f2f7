// Sparkplug B 3.0 host-application semantics for the tags Gantry is configured to read: births
// establish metric names, aliases and datatypes per edge node; DATA messages are resolved by
// alias (or name); every message of an edge node but NDEATH carries seq 0..255, and a gap, a
// malformed payload or a DATA before its BIRTH makes that node's tags Uncertain and asks the node
// for a rebirth (NCMD "Node Control/Rebirth", rate-limited); NDEATH (matched by bdSeq) and
// DDEATH turn tags Bad. Pure: messages in, samples and commands out; no I/O, no clock.
//
//   SparkplugHost host(config, tag_ids);
//   SparkplugHost::Reaction r = host.OnMessage(topic, payload, clock.Now());
//   sink.Publish(std::move(r.samples));  for (auto& c : r.commands) client.Publish(c.topic, ...);
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/sample.h"
#include "field/mqtt/mqtt_config.h"
#include "field/mqtt/sparkplug_payload.h"

namespace gantry::mqtt {

inline constexpr std::string_view kSparkplugNamespace = "spBv1.0";

enum class SparkplugMessageType : uint8_t {
  kNBirth,
  kNData,
  kNDeath,
  kNCmd,
  kDBirth,
  kDData,
  kDDeath,
  kDCmd,
  kState,
};

// spBv1.0/<group>/<type>/<edge node>[/<device>], or spBv1.0/STATE/<host id> (host_id in
// edge_node). nullopt for anything else (wrong namespace, unknown type, missing or extra levels).
struct SparkplugTopic {
  std::string group;
  SparkplugMessageType type = SparkplugMessageType::kNData;
  std::string edge_node;
  std::string device;
};
std::optional<SparkplugTopic> ParseSparkplugTopic(std::string_view topic);

class SparkplugHost {
 public:
  struct Command {
    std::string topic;
    std::string payload;
  };
  struct Reaction {
    std::vector<Sample> samples;
    std::vector<Command> commands;  // rebirth requests (NCMD), to publish at QoS 0
    std::string problem;            // readable; for the connector's health and the log
    bool republish_state = false;   // someone marked this host offline: publish STATE again
  };
  struct Counters {
    std::atomic<uint64_t> births{0};
    std::atomic<uint64_t> deaths{0};
    std::atomic<uint64_t> sequence_gaps{0};  // gaps, DATA before BIRTH, malformed payloads
    std::atomic<uint64_t> rebirths_requested{0};
    std::atomic<uint64_t> unknown_aliases{0};
    std::atomic<uint64_t> stale_deaths_ignored{0};  // NDEATH whose bdSeq is not the birth's
  };

  // `tag_ids` is parallel to config.points; only points with source kSparkplug are used.
  // Borrows `config`, which must outlive the host.
  SparkplugHost(const MqttDeviceConfig& config, std::span<const TagId> tag_ids);

  // Filters to subscribe: spBv1.0/<group>/# per configured group, and the host's STATE topic.
  std::vector<std::string> Subscriptions() const;
  // spBv1.0/STATE/<host_id>; empty when no host id is configured.
  std::string StateTopic() const;
  // {"online":true|false,"timestamp":<ms since 1970>} (Sparkplug 3.0 STATE payload).
  static std::string StatePayload(bool online, Timestamp time);

  // One message from the broker (any topic under the namespace). `now` stamps quality changes
  // and values without a timestamp. Not thread-safe: call from one thread.
  Reaction OnMessage(std::string_view topic, std::string_view payload, Timestamp now);
  // Connected (again): births are unknown, a rebirth is requested from every configured edge node.
  Reaction OnConnected(Timestamp now);
  // Connection to the broker lost: every Sparkplug tag becomes `quality` (empty value).
  Reaction OnConnectionLost(Timestamp now, Quality quality);

  // The DCMD (device metric) or NCMD (node metric) that writes `value` (engineering, for the tag
  // of `point`) to its metric: by name, with the birth's alias when it gave one, the birth's
  // datatype, timestamp `now`. Unavailable when the edge node or device is not born (dead, or
  // not heard since the connection); FailedPrecondition when its birth has no such metric;
  // InvalidArgument when the datatype cannot take the value (MetricForWrite).
  Result<Command> WriteCommand(size_t point, const Value& value, Timestamp now) const;

  const Counters& counters() const { return counters_; }
  // The NCMD payload that asks an edge node to rebirth (for tests and tools).
  static std::string RebirthRequest(Timestamp now);

 private:
  struct MetricRef {
    std::string device;
    std::string name;
    uint32_t datatype = 0;
    const std::vector<size_t>* points = nullptr;  // into by_metric_, resolved at birth; or none
  };
  struct NodeState {
    std::string group, edge_node;
    bool born = false;
    uint8_t seq = 0;
    std::optional<uint64_t> bd_seq;
    std::unordered_map<uint64_t, MetricRef> aliases;
    std::map<std::string, uint32_t> datatypes;  // device + '\0' + metric name -> datatype
    std::map<std::string, bool> devices_born;
    Timestamp last_rebirth_request = INT64_MIN;
    std::vector<size_t> points;  // every Sparkplug point of this node (node and its devices)
  };

  NodeState* FindNode(const std::string& group, const std::string& edge_node);
  // Seq of a message after the birth; false (and no change) on a gap or a missing seq.
  static bool AdvanceSeq(NodeState& node, const sparkplug::Payload& p);
  void ApplyMetrics(NodeState& node, const std::string& device, const sparkplug::Payload& p,
                    bool birth, Timestamp now, Reaction& r);
  void MarkStale(NodeState& node, std::string why, Timestamp now, Reaction& r);
  void RequestRebirth(NodeState& node, Timestamp now, Reaction& r, bool force = false);
  // Every tag of `node`, or only those of `device` when given, becomes `q` (empty value).
  void MarkBad(NodeState& node, std::optional<std::string_view> device, Quality q, Timestamp now,
               Reaction& r);

  const MqttDeviceConfig& config_;
  std::vector<TagId> tag_ids_;
  std::map<std::pair<std::string, std::string>, NodeState> nodes_;  // (group, edge node)
  // group \0 node \0 device \0 metric -> points
  std::unordered_map<std::string, std::vector<size_t>> by_metric_;
  std::vector<std::optional<Sample>> last_;  // per point: the last sample published
  Counters counters_;
};

}  // namespace gantry::mqtt
