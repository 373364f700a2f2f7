#include "field/mqtt/mqtt_client.h"

#include <fmt/format.h>
#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <random>

namespace gantry::mqtt {
namespace {

std::once_flag g_lib_init;

// libmosquitto's error text; for MOSQ_ERR_ERRNO the system's.
std::string ErrorText(int rc) {
  std::string text = rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc);
  if (!text.empty() && text.back() == '.') text.pop_back();  // it goes inside a sentence
  return text;
}

std::string Seconds(Duration d) {
  return fmt::format("{:.1f} s", static_cast<double>(d) / kSecond);
}

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct MqttClient::Impl {
  MqttClient* owner = nullptr;
  mosquitto* mosq = nullptr;
  std::mutex mutex;  // guards subscriptions, pending, last_error
  std::vector<std::pair<std::string, int>> subscriptions;
  std::map<int, std::string> pending;  // SUBSCRIBE message id -> filter, until SUBACK
  std::string last_error;
  size_t unacknowledged = 0;  // GUARDED_BY(mutex)
  std::condition_variable acknowledged;
  // Owned by the client thread (set in libmosquitto's callbacks, which run on it).
  std::string refused;            // CONNACK refusal of the current attempt
  std::string disconnect_reason;  // why the current connection ended

  void SetError(std::string e) {
    std::lock_guard lock(mutex);
    last_error = std::move(e);
  }
  void SendSubscription(const std::string& filter, int qos) {
    int mid = 0;
    const int rc = mosquitto_subscribe(mosq, &mid, filter.c_str(), qos);
    if (rc != MOSQ_ERR_SUCCESS) {
      spdlog::warn("{}: cannot subscribe to '{}': {}", owner->options_.log_name, filter,
                   ErrorText(rc));
      return;
    }
    std::lock_guard lock(mutex);
    pending[mid] = filter;
  }

  static void OnConnect(mosquitto*, void* obj, int rc) {
    Impl& self = *static_cast<Impl*>(obj);
    MqttClient& c = *self.owner;
    if (rc != 0) {
      self.refused =
          fmt::format("the broker refused the connection: {}", mosquitto_connack_string(rc));
      return;
    }
    c.connected_.store(true);
    c.connects_.fetch_add(1);
    self.SetError("");
    spdlog::info("{}: connected to {} as '{}'", c.options_.log_name, c.Endpoint(),
                 c.options_.client_id);
    std::vector<std::pair<std::string, int>> subs;
    {
      std::lock_guard lock(self.mutex);
      subs = self.subscriptions;
    }
    for (const auto& [filter, qos] : subs) self.SendSubscription(filter, qos);
    if (c.callbacks_.on_connected) c.callbacks_.on_connected();
  }
  static void OnDisconnect(mosquitto*, void* obj, int rc) {
    Impl& self = *static_cast<Impl*>(obj);
    self.disconnect_reason = rc == 0 ? "disconnected on request" : ErrorText(rc);
  }
  static void OnSubscribe(mosquitto*, void* obj, int mid, int count, const int* granted) {
    Impl& self = *static_cast<Impl*>(obj);
    std::string filter;
    {
      std::lock_guard lock(self.mutex);
      auto it = self.pending.find(mid);
      if (it == self.pending.end()) return;
      filter = it->second;
      self.pending.erase(it);
    }
    if (count >= 1 && granted[0] >= 0 && granted[0] <= 2) {
      spdlog::info("{}: subscribed to '{}' (QoS {})", self.owner->options_.log_name, filter,
                   granted[0]);
    } else {
      spdlog::warn("{}: the broker refused the subscription to '{}' (not authorised?)",
                   self.owner->options_.log_name, filter);
    }
  }
  static void OnPublish(mosquitto*, void* obj, int /*mid*/) {
    Impl& self = *static_cast<Impl*>(obj);
    {
      std::lock_guard lock(self.mutex);
      if (self.unacknowledged > 0) --self.unacknowledged;
    }
    self.acknowledged.notify_all();
  }
  static void OnMessage(mosquitto*, void* obj, const mosquitto_message* m) {
    Impl& self = *static_cast<Impl*>(obj);
    if (!self.owner->callbacks_.on_message || m == nullptr || m->topic == nullptr) return;
    MqttMessage message;
    message.topic = m->topic;
    if (m->payload != nullptr && m->payloadlen > 0)
      message.payload.assign(static_cast<const char*>(m->payload),
                             static_cast<size_t>(m->payloadlen));
    message.retained = m->retain;
    self.owner->callbacks_.on_message(message);
  }
};

MqttClient::MqttClient(MqttClientOptions options, MqttCallbacks callbacks)
    : options_(std::move(options)), callbacks_(std::move(callbacks)), impl_(new Impl) {
  impl_->owner = this;
}

MqttClient::~MqttClient() {
  Stop();
  if (impl_->mosq) mosquitto_destroy(impl_->mosq);
}

std::string MqttClient::Endpoint() const {
  return fmt::format("{}:{}", options_.host, options_.port);
}

std::string MqttClient::last_error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_error;
}

void MqttClient::Subscribe(std::string filter, int qos) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->subscriptions.emplace_back(filter, qos);
  }
  if (connected_.load() && impl_->mosq) impl_->SendSubscription(filter, qos);
}

Status MqttClient::Start() {
  if (thread_.joinable()) return FailedPrecondition(options_.log_name + ": already started");
  std::call_once(g_lib_init, [] { mosquitto_lib_init(); });
  if (impl_->mosq == nullptr) {
    impl_->mosq = mosquitto_new(options_.client_id.empty() ? nullptr : options_.client_id.c_str(),
                                true, impl_.get());
    if (impl_->mosq == nullptr)
      return InvalidArgument(options_.log_name +
                             ": libmosquitto cannot create a client: " + std::strerror(errno));
    mosquitto_int_option(impl_->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_threaded_set(impl_->mosq, true);
    mosquitto_connect_callback_set(impl_->mosq, &Impl::OnConnect);
    mosquitto_disconnect_callback_set(impl_->mosq, &Impl::OnDisconnect);
    mosquitto_subscribe_callback_set(impl_->mosq, &Impl::OnSubscribe);
    mosquitto_message_callback_set(impl_->mosq, &Impl::OnMessage);
    mosquitto_publish_callback_set(impl_->mosq, &Impl::OnPublish);
    if (!options_.username.empty()) {
      const int rc = mosquitto_username_pw_set(
          impl_->mosq, options_.username.c_str(),
          options_.password.empty() ? nullptr : options_.password.c_str());
      if (rc != MOSQ_ERR_SUCCESS)
        return InvalidArgument(options_.log_name + ": user name refused: " + ErrorText(rc));
    }
    if (options_.tls.enabled) {
      auto c_str = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
      int rc =
          mosquitto_tls_set(impl_->mosq, c_str(options_.tls.ca_file), c_str(options_.tls.ca_dir),
                            c_str(options_.tls.cert_file), c_str(options_.tls.key_file), nullptr);
      if (rc != MOSQ_ERR_SUCCESS)
        return InvalidArgument(options_.log_name + ": TLS settings refused (ca_file " +
                               options_.tls.ca_file + ", cert_file " + options_.tls.cert_file +
                               "): " + ErrorText(rc));
      rc = mosquitto_tls_insecure_set(impl_->mosq, options_.tls.insecure);
      if (rc != MOSQ_ERR_SUCCESS)
        return InvalidArgument(options_.log_name + ": TLS insecure flag refused: " + ErrorText(rc));
    }
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void MqttClient::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool MqttClient::WaitFor(Duration d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::nanoseconds(d), [this] { return stopping_; });
  return !stopping_;
}

Status MqttClient::Publish(const std::string& topic, std::string_view payload, int qos,
                           bool retain) {
  if (!connected_.load() || impl_->mosq == nullptr)
    return Unavailable(options_.log_name + ": not connected to " + Endpoint());
  {  // counted before: the acknowledgement may arrive before mosquitto_publish returns
    std::lock_guard lock(impl_->mutex);
    ++impl_->unacknowledged;
  }
  const int rc = mosquitto_publish(impl_->mosq, nullptr, topic.c_str(),
                                   static_cast<int>(payload.size()), payload.data(), qos, retain);
  if (rc == MOSQ_ERR_SUCCESS) return Status::Ok();
  {
    std::lock_guard lock(impl_->mutex);
    --impl_->unacknowledged;
  }
  if (rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_PAYLOAD_SIZE || rc == MOSQ_ERR_MALFORMED_UTF8)
    return InvalidArgument(options_.log_name + ": cannot publish to '" + topic +
                           "': " + ErrorText(rc));
  return Unavailable(options_.log_name + ": cannot publish to '" + topic + "': " + ErrorText(rc));
}

size_t MqttClient::unacknowledged() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->unacknowledged;
}

Status MqttClient::Flush(Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout);
  std::unique_lock lock(impl_->mutex);
  while (impl_->unacknowledged > 0) {
    if (!connected_.load())
      return Unavailable(options_.log_name + ": not connected to " + Endpoint() + "; " +
                         std::to_string(impl_->unacknowledged) + " messages not acknowledged");
    if (std::chrono::steady_clock::now() >= deadline)
      return Timeout(options_.log_name + ": " + std::to_string(impl_->unacknowledged) +
                     " messages not acknowledged by " + Endpoint() + " within " + Seconds(timeout));
    impl_->acknowledged.wait_for(lock, std::chrono::milliseconds(20));
  }
  return Status::Ok();
}

void MqttClient::Run() {
  mosquitto* mosq = impl_->mosq;
  const int keepalive = static_cast<int>(std::max<Duration>(options_.keepalive / kSecond, 5));
  Duration backoff = options_.reconnect_min;
  std::minstd_rand jitter(static_cast<uint32_t>(SteadyNs()));
  std::string last_logged;
  auto stopping = [this] {
    std::lock_guard lock(mutex_);
    return stopping_;
  };
  while (!stopping()) {
    if (callbacks_.will) {
      if (std::optional<MqttWill> w = callbacks_.will()) {
        mosquitto_will_set(mosq, w->topic.c_str(), static_cast<int>(w->payload.size()),
                           w->payload.data(), w->qos, w->retain);
      } else {
        mosquitto_will_clear(mosq);
      }
    }
    impl_->refused.clear();
    impl_->disconnect_reason.clear();
    std::string reason;
    bool was_up = false;
    int rc = mosquitto_connect_async(mosq, options_.host.c_str(), options_.port, keepalive);
    if (rc != MOSQ_ERR_SUCCESS) {
      reason = ErrorText(rc);
    } else {
      const int64_t deadline = SteadyNs() + options_.connect_timeout;
      while (!stopping()) {
        rc = mosquitto_loop(mosq, 100, 1);
        if (connected_.load()) {
          was_up = true;
          backoff = options_.reconnect_min;
        }
        if (rc != MOSQ_ERR_SUCCESS) {
          reason = !impl_->refused.empty()             ? impl_->refused
                   : !impl_->disconnect_reason.empty() ? impl_->disconnect_reason
                                                       : ErrorText(rc);
          break;
        }
        if (!impl_->refused.empty()) {
          reason = impl_->refused;
          mosquitto_disconnect(mosq);
          break;
        }
        if (!connected_.load() && SteadyNs() > deadline) {
          reason = "no answer (CONNACK) within " + Seconds(options_.connect_timeout);
          mosquitto_disconnect(mosq);
          break;
        }
      }
    }
    if (stopping()) break;
    connected_.store(false);
    impl_->SetError(reason);
    const Duration wait = static_cast<Duration>(static_cast<double>(backoff) *
                                                (0.8 + 0.4 * (jitter() % 1000) / 1000.0));
    if (!was_up) failed_attempts_.fetch_add(1);
    if (was_up) {
      spdlog::warn("{}: lost the connection to {}: {}; reconnecting in {}", options_.log_name,
                   Endpoint(), reason, Seconds(wait));
      last_logged.clear();
      if (callbacks_.on_disconnected) callbacks_.on_disconnected(reason);
    } else if (reason != last_logged) {
      spdlog::warn("{}: cannot connect to {}: {}; retrying in {} (and backing off up to {})",
                   options_.log_name, Endpoint(), reason, Seconds(wait),
                   Seconds(options_.reconnect_max));
      last_logged = reason;
    }
    if (!WaitFor(wait)) break;
    backoff = std::min(backoff * 2, options_.reconnect_max);
  }
  if (connected_.load()) {
    mosquitto_disconnect(mosq);  // clean: the broker drops the will
    for (int i = 0; i < 10 && mosquitto_loop(mosq, 20, 1) == MOSQ_ERR_SUCCESS; ++i) {
    }
    spdlog::info("{}: disconnected from {}", options_.log_name, Endpoint());
  }
  connected_.store(false);
}

}  // namespace gantry::mqtt
