// The MQTT transport of the Unified Namespace publisher (plain JSON), over the field layer's
// MqttClient (libmosquitto, MQTT 3.1.1): a subject becomes a topic by turning every '.' into '/'
// (uns_subject.h escapes '/', '+' and '#' inside a segment), QoS 1, current values retained so
// that a late subscriber gets the latest value of every tag at once; events and backlog (older
// than the retained state) are never retained. No request/reply: MQTT 3.1.1 has none.
//
//   MqttUnsSettings mqtt;
//   mqtt.client.host = "10.0.0.5";
//   auto transport = std::make_unique<MqttTransport>(mqtt, "uns");
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "data/uns/uns_transport.h"
#include "field/mqtt/mqtt_client.h"

namespace gantry::uns {

struct MqttUnsSettings {
  mqtt::MqttClientOptions client;      // host, port, client id, credentials, TLS, reconnect
  int qos = 1;                         // 0 or 1 (at most / at least once)
  bool retain = true;                  // retain the current values (never events or backlog)
  size_t max_unacknowledged = 10'000;  // Publish waits for the broker beyond this many
  Duration stall_timeout =
      10 * kSecond;  // ... at most this long, then the connection counts as lost
};

// "uns.acme.plant1.x" -> "uns/acme/plant1/x".
std::string TopicOfSubject(std::string_view subject);

// Not thread-safe except where UnsTransport says otherwise.
class MqttTransport final : public UnsTransport {
 public:
  // `prefix`: the publisher's subject prefix; "<prefix>.events." subjects are not retained.
  MqttTransport(MqttUnsSettings settings, std::string prefix);
  ~MqttTransport() override;
  MqttTransport(const MqttTransport&) = delete;
  MqttTransport& operator=(const MqttTransport&) = delete;

  // Requests are not served over MQTT (no request/reply in 3.1.1); the handler is ignored.
  void ServeRequests(std::string subject_pattern, RequestHandler handler) override;
  // Starts the client (once) and waits up to the client's connect_timeout for a connection. The
  // client keeps reconnecting by itself; after it did, connected() is false once, so that the
  // publisher calls Connect again and sends the latest state first.
  Status Connect() override;
  bool connected() const override;
  Status Publish(std::string_view subject, std::string_view payload) override;
  Status Flush(Duration timeout) override;
  void Close() override;
  std::string Describe() const override;

  const mqtt::MqttClient& client() const { return *client_; }

 private:
  const MqttUnsSettings settings_;
  const std::string events_prefix_;  // "<prefix>.events."
  std::unique_ptr<mqtt::MqttClient> client_;
  bool started_ = false;
  uint64_t generation_ = 0;  // client connects() seen by the last successful Connect
  bool stalled_ = false;     // the broker stopped acknowledging: counts as a lost connection
  std::string topic_;        // scratch
};

}  // namespace gantry::uns
