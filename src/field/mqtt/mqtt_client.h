// A small MQTT 3.1.1 client over libmosquitto: one thread of its own that connects, keeps the
// connection (reconnects with exponential backoff and jitter), re-sends its subscriptions after
// every connect, and hands messages to a callback. Used by the MQTT connector (Sparkplug B host,
// plain topics) and meant to be reused for publishing (UNS out). libmosquitto stays in the .cc.
//
//   MqttClient client({.host = "broker", .port = 1883, .client_id = "gantry-p1"}, callbacks);
//   client.Subscribe("spBv1.0/Plant1/#", 1);
//   GANTRY_RETURN_IF_ERROR(client.Start());
//   GANTRY_RETURN_IF_ERROR(client.Publish("a/b", "42", 1, false));   // Unavailable when offline
//   client.Stop();
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace gantry::mqtt {

struct MqttTls {
  bool enabled = false;
  std::string ca_file;    // PEM bundle of trusted CAs (or ca_dir)
  std::string ca_dir;     // folder of hashed CA certificates
  std::string cert_file;  // client certificate (PEM), for brokers that require one
  std::string key_file;   // its private key (PEM, unencrypted)
  bool insecure = false;  // skip the broker host name check (never in production)
};

struct MqttClientOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  // empty: the broker assigns one (needs a clean session)
  std::string username;   // empty: no credentials sent
  std::string password;
  MqttTls tls;
  Duration keepalive = 30 * kSecond;
  Duration connect_timeout = 10 * kSecond;  // CONNACK must arrive within this
  Duration reconnect_min = 500 * kMillisecond;
  Duration reconnect_max = 30 * kSecond;
  std::string log_name = "mqtt";  // prefix of every log line, e.g. "mqtt 'line2-broker'"
};

// A Last Will and Testament: published by the broker when the connection drops uncleanly.
struct MqttWill {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = false;
};

struct MqttMessage {
  std::string topic;
  std::string payload;
  bool retained = false;
};

struct MqttCallbacks {
  // Before each connection attempt, on the client thread: the will for that connection.
  std::function<std::optional<MqttWill>()> will;
  // Connected and the subscriptions sent (client thread).
  std::function<void()> on_connected;
  // A connection was lost or refused after having been up; `reason` is readable (client thread).
  std::function<void(const std::string& reason)> on_disconnected;
  // One message (client thread). Must not block for long.
  std::function<void(const MqttMessage&)> on_message;
};

class MqttClient {
 public:
  MqttClient(MqttClientOptions options, MqttCallbacks callbacks);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Remembers a subscription, sent now when connected and after every (re)connect.
  // Thread-safe; call before or after Start().
  void Subscribe(std::string filter, int qos);
  // Starts the client thread (which connects and keeps connecting). InvalidArgument for options
  // libmosquitto refuses (e.g. unreadable TLS files); FailedPrecondition when already started.
  Status Start();
  // Disconnects cleanly (the broker does not publish the will) and joins; idempotent.
  void Stop();
  // Queues one message. Unavailable when not connected; InvalidArgument for a bad topic.
  // Thread-safe.
  Status Publish(const std::string& topic, std::string_view payload, int qos, bool retain);
  // Messages Publish took that the broker has not acknowledged yet (QoS 0: not yet written).
  // They survive a reconnect (libmosquitto sends them again) but not the process. Thread-safe.
  size_t unacknowledged() const;
  // Waits until unacknowledged() is 0, at most `timeout`: Ok, Timeout, or Unavailable when the
  // connection is down. Thread-safe; not from a callback.
  Status Flush(Duration timeout);

  bool connected() const { return connected_.load(); }
  uint64_t connects() const { return connects_.load(); }
  // Connection attempts that failed (refused, unreachable, lost before CONNACK) so far.
  uint64_t failed_attempts() const { return failed_attempts_.load(); }
  // The reason of the last failure, readable; empty while connected.
  std::string last_error() const;
  // "host:port", for logs.
  std::string Endpoint() const;

  struct Impl;  // libmosquitto's callbacks reach it

 private:
  void Run();
  bool WaitFor(Duration d);  // false when stopping

  const MqttClientOptions options_;
  const MqttCallbacks callbacks_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> failed_attempts_{0};
};

}  // namespace gantry::mqtt
