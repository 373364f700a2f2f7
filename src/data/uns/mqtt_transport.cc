#include "data/uns/mqtt_transport.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace gantry::uns {
namespace {

// The publisher marks late messages by a leading "backlog":true (MarkBacklog, AppendValueJson:
// keys in alphabetical order, "backlog" first).
bool IsBacklog(std::string_view payload) {
  return payload.starts_with(R"({"backlog":true)");
}

}  // namespace

std::string TopicOfSubject(std::string_view subject) {
  std::string topic(subject);
  for (char& c : topic)
    if (c == '.') c = '/';
  return topic;
}

MqttTransport::MqttTransport(MqttUnsSettings settings, std::string prefix)
    : settings_(std::move(settings)), events_prefix_(std::move(prefix) + ".events.") {
  mqtt::MqttClientOptions options = settings_.client;
  if (options.log_name == "mqtt") options.log_name = "uns mqtt";
  client_ = std::make_unique<mqtt::MqttClient>(options, mqtt::MqttCallbacks{});
}

MqttTransport::~MqttTransport() {
  Close();
}

void MqttTransport::ServeRequests(std::string, RequestHandler) {}

Status MqttTransport::Connect() {
  if (!started_) {
    GANTRY_RETURN_IF_ERROR(client_->Start());
    started_ = true;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::nanoseconds(settings_.client.connect_timeout);
  while (!client_->connected()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string why = client_->last_error();
      return Unavailable("connect to " + Describe() + ": " + (why.empty() ? "no answer" : why));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (stalled_) {  // the connection is up but the broker stopped acknowledging: wait for it
    Status s = client_->Flush(settings_.client.connect_timeout);
    if (!s.ok()) return Unavailable("connect to " + Describe() + ": " + s.message());
  }
  generation_ = client_->connects();
  stalled_ = false;
  return Status::Ok();
}

bool MqttTransport::connected() const {
  return started_ && !stalled_ && client_->connected() && client_->connects() == generation_;
}

Status MqttTransport::Publish(std::string_view subject, std::string_view payload) {
  if (!connected()) return Unavailable("not connected to " + Describe());
  if (client_->unacknowledged() >= settings_.max_unacknowledged) {
    // Back-pressure: the publisher's own buffer (bounded, counted) holds what the broker is
    // not taking, not libmosquitto's unbounded queue.
    Status s = client_->Flush(settings_.stall_timeout);
    if (!s.ok()) {
      if (s.code() == StatusCode::kTimeout) {
        stalled_ = true;  // kept by the publisher, which reconnects and resends the state
        spdlog::warn("uns mqtt: {}", s.message());
      }
      return Unavailable(std::string(s.message()));
    }
  }
  topic_ = TopicOfSubject(subject);
  const bool retain = settings_.retain && !topic_.empty() && !subject.starts_with(events_prefix_) &&
                      !IsBacklog(payload);
  return client_->Publish(topic_, payload, settings_.qos, retain);
}

Status MqttTransport::Flush(Duration timeout) {
  if (!started_) return Unavailable("not connected to " + Describe());
  return client_->Flush(timeout);
}

void MqttTransport::Close() {
  if (!started_) return;
  client_->Stop();
  started_ = false;
}

std::string MqttTransport::Describe() const {
  return std::string(settings_.client.tls.enabled ? "mqtts://" : "mqtt://") + client_->Endpoint();
}

}  // namespace gantry::uns
