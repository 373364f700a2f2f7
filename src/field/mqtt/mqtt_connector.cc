#include "field/mqtt/mqtt_connector.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "field/mqtt/mqtt_client.h"
#include "field/mqtt/plain_topics.h"
#include "field/mqtt/sparkplug_host.h"

namespace gantry::mqtt {

MqttConnector::MqttConnector(MqttDeviceConfig config, std::vector<TagId> tag_ids, SampleSink& sink,
                             const Clock& clock)
    : config_(std::move(config)), tag_ids_(std::move(tag_ids)), sink_(sink), clock_(clock) {
  health_.device = config_.name;
  host_ = std::make_unique<SparkplugHost>(config_, tag_ids_);
  topics_ = std::make_unique<PlainTopics>(config_, tag_ids_);
}

MqttConnector::~MqttConnector() {
  Stop();
}

Status MqttConnector::Start() {
  if (client_) return FailedPrecondition(config_.client.log_name + ": already running");
  if (tag_ids_.size() != config_.points.size())
    return InvalidArgument(config_.client.log_name + ": tag ids do not match the tags");
  MqttClientOptions options = config_.client;
  if (!config_.password_env.empty()) {
    const char* password = std::getenv(config_.password_env.c_str());
    if (password == nullptr)
      return InvalidArgument(config_.client.log_name + ": the environment variable " +
                             config_.password_env + " (user.password_env) is not set");
    options.password = password;
  }
  MqttCallbacks callbacks;
  if (!host_->StateTopic().empty()) {
    callbacks.will = [this]() -> std::optional<MqttWill> {
      const Timestamp t = clock_.Now();
      state_time_.store(t);
      return MqttWill{host_->StateTopic(), SparkplugHost::StatePayload(false, t), 1, true};
    };
  }
  callbacks.on_connected = [this] { OnConnected(); };
  callbacks.on_disconnected = [this](const std::string& reason) { OnDisconnected(reason); };
  callbacks.on_message = [this](const MqttMessage& m) { OnMessage(m.topic, m.payload); };
  client_ = std::make_unique<MqttClient>(std::move(options), std::move(callbacks));
  for (const std::string& f : host_->Subscriptions()) client_->Subscribe(f, config_.qos);
  for (const std::string& f : topics_->Subscriptions()) client_->Subscribe(f, config_.qos);
  {
    std::lock_guard lock(health_mutex_);
    health_.state = ConnectorState::kConnecting;
  }
  // No "waiting for initial data" samples here: the current values start that way, and a sample
  // stamped now would hold back the first values, whose source times (births) lie in the past.
  Status s = client_->Start();
  if (!s.ok()) client_.reset();
  return s;
}

void MqttConnector::Stop() {
  if (!client_) return;
  if (client_->connected()) PublishState(false);
  client_->Stop();
  client_.reset();
  std::lock_guard lock(health_mutex_);
  health_.state = ConnectorState::kStopped;
}

void MqttConnector::PublishState(bool online) {
  const std::string topic = host_->StateTopic();
  if (topic.empty() || !client_) return;
  Status s =
      client_->Publish(topic, SparkplugHost::StatePayload(online, state_time_.load()), 1, true);
  if (!s.ok()) spdlog::warn("{}: STATE not published: {}", config_.client.log_name, s.message());
}

void MqttConnector::OnConnected() {
  PublishState(true);
  std::lock_guard host_lock(host_mutex_);
  SparkplugHost::Reaction r = host_->OnConnected(clock_.Now());
  for (const SparkplugHost::Command& c : r.commands)
    (void)client_->Publish(c.topic, c.payload, 0, false);
  std::lock_guard lock(health_mutex_);
  if (client_->connects() > 1) ++health_.reconnects;
  health_.state = ConnectorState::kConnected;
  health_.last_error.clear();
}

void MqttConnector::OnDisconnected(const std::string& reason) {
  const Timestamp now = clock_.Now();
  SparkplugHost::Reaction r;
  {
    std::lock_guard host_lock(host_mutex_);
    r = host_->OnConnectionLost(now, Quality::BadCommunicationError());
  }
  std::vector<Sample> batch = std::move(r.samples);
  for (Sample& s : topics_->OnConnectionLost(now, Quality::BadCommunicationError()))
    batch.push_back(std::move(s));
  Publish(std::move(batch));
  std::lock_guard lock(health_mutex_);
  health_.state = ConnectorState::kBackoff;
  health_.last_error =
      config_.client.log_name + ": lost the connection to " + client_->Endpoint() + ": " + reason;
}

void MqttConnector::Problem(std::string problem) {
  spdlog::warn("{}: {}", config_.client.log_name, problem);
  std::lock_guard lock(health_mutex_);
  ++health_.polls_failed;
  health_.last_error = config_.client.log_name + ": " + std::move(problem);
}

void MqttConnector::OnMessage(const std::string& topic, const std::string& payload) {
  const Timestamp now = clock_.Now();
  std::vector<Sample> batch;
  if (topic.compare(0, kSparkplugNamespace.size() + 1, std::string(kSparkplugNamespace) + "/") ==
      0) {
    SparkplugHost::Reaction r;
    {
      std::lock_guard host_lock(host_mutex_);
      r = host_->OnMessage(topic, payload, now);
    }
    for (const SparkplugHost::Command& c : r.commands) {
      spdlog::info("{}: asking for a rebirth on {}", config_.client.log_name, c.topic);
      Status s = client_->Publish(c.topic, c.payload, 0, false);
      if (!s.ok()) spdlog::warn("{}: {}", config_.client.log_name, s.message());
    }
    if (r.republish_state) PublishState(true);
    if (!r.problem.empty()) Problem(std::move(r.problem));
    batch = std::move(r.samples);
  }
  if (!topics_->empty()) {
    PlainTopics::Reaction r = topics_->OnMessage(topic, payload, now);
    for (std::string& p : r.problems) Problem(std::move(p));
    for (Sample& s : r.samples) batch.push_back(std::move(s));
  }
  if (batch.empty()) return;
  {
    std::lock_guard lock(health_mutex_);
    ++health_.polls_ok;
    health_.last_success = now;
  }
  Publish(std::move(batch));
}

void MqttConnector::Publish(std::vector<Sample> batch) {
  if (batch.empty()) return;
  {
    std::lock_guard lock(health_mutex_);
    health_.samples_published += batch.size();
  }
  sink_.Publish(std::move(batch));
}

ConnectorHealth MqttConnector::Health() const {
  ConnectorHealth h;
  {
    std::lock_guard lock(health_mutex_);
    h = health_;
  }
  // While the broker cannot be reached (or refuses us), say so and why.
  if (client_ && !client_->connected() && h.state != ConnectorState::kStopped) {
    const std::string why = client_->last_error();
    if (!why.empty()) {
      h.state = ConnectorState::kBackoff;
      h.last_error =
          config_.client.log_name + ": cannot connect to " + client_->Endpoint() + ": " + why;
    }
  }
  return h;
}

uint64_t MqttConnector::rebirths_requested() const {
  return host_->counters().rebirths_requested.load();
}
uint64_t MqttConnector::sequence_gaps() const {
  return host_->counters().sequence_gaps.load();
}
uint64_t MqttConnector::unknown_aliases() const {
  return host_->counters().unknown_aliases.load();
}

}  // namespace gantry::mqtt
