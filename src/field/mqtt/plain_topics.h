// Plain MQTT topics (devices that do not speak Sparkplug): a configured topic filter (wildcards
// allowed) feeds one tag; the value is the raw payload (a number, true/false or text) or the
// element a JSON pointer selects, optionally with a source timestamp from the payload. A payload
// that does not give a value becomes a Bad sample and a readable problem, never a crash.
//
//   PlainTopics topics(config, tag_ids);
//   for (const std::string& f : topics.Subscriptions()) client.Subscribe(f, 1);
//   PlainTopics::Reaction r = topics.OnMessage(topic, payload, clock.Now());
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/sample.h"
#include "field/mqtt/mqtt_config.h"

namespace gantry::mqtt {

// MQTT topic filter matching (MQTT 3.1.1 §4.7): '+' one level, '#' this level and all below;
// topics starting with '$' match no filter that starts with a wildcard.
bool TopicMatches(std::string_view filter, std::string_view topic);

// Payloads above this many bytes are refused (Bad sample), as is JSON nested deeper than
// kMaxJsonDepth: the payload comes from anyone who may publish to the broker.
inline constexpr size_t kMaxPlainPayload = 1 << 20;
inline constexpr int kMaxJsonDepth = 64;

// The value and source time that `address` reads from `payload`, converted to `tag`'s type
// (scaled when numeric). `received_at` when the payload gives no time. InvalidArgument (or
// Malformed for JSON that does not parse) naming what was expected otherwise.
Result<std::pair<Value, Timestamp>> ExtractTopicValue(const TopicAddress& address,
                                                      const TagConfig& tag,
                                                      std::string_view payload,
                                                      Timestamp received_at);

class PlainTopics {
 public:
  struct Reaction {
    std::vector<Sample> samples;
    std::vector<std::string> problems;  // readable: topic and what was wrong
  };

  // `tag_ids` is parallel to config.points; only points with source kTopic are used. Borrows
  // `config`, which must outlive this.
  PlainTopics(const MqttDeviceConfig& config, std::span<const TagId> tag_ids);
  // The distinct topic filters to subscribe.
  std::vector<std::string> Subscriptions() const;
  bool empty() const { return points_.empty(); }
  // Samples for every point whose filter matches `topic`. A value whose payload time is older
  // than a Bad sample stamped on receipt (lost connection, bad payload) is published at that Bad
  // sample's time, so that it becomes the current value again. Not thread-safe.
  Reaction OnMessage(std::string_view topic, std::string_view payload, Timestamp now);
  // Connection lost: every plain-topic tag becomes `quality`.
  std::vector<Sample> OnConnectionLost(Timestamp now, Quality quality);

 private:
  struct Point {
    size_t index;  // into config.points
    TagId tag;
    Timestamp bad_since = INT64_MIN;  // time of the Bad sample last published; MIN after a Good
  };
  const MqttDeviceConfig& config_;
  std::vector<Point> points_;
};

}  // namespace gantry::mqtt
