// The one thing a Unified Namespace sink needs from a broker: connect, publish a payload on a
// subject, flush, answer requests. NATS (nats_transport.h) and MQTT (mqtt_transport.h) implement
// it and reuse everything else of the publisher (subjects, payloads, on-change filter,
// store-and-forward, metrics).
//
//   std::unique_ptr<UnsTransport> t = std::make_unique<NatsTransport>(settings);
//   if (t->Connect().ok()) t->Publish("uns.acme.plant1.x", "{...}");
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace gantry::uns {

// Answers one request: the request's subject and payload in, the reply payload out (nullopt: no
// reply). Called on a transport thread; must be thread-safe and not block.
using RequestHandler =
    std::function<std::optional<std::string>(std::string_view subject, std::string_view payload)>;

// Used by one publisher thread (Connect, connected, Publish, Flush, Close); Describe() from any
// thread; the request handler runs on a transport thread.
class UnsTransport {
 public:
  virtual ~UnsTransport() = default;

  // Adds a handler for requests on `subject_pattern` (NATS wildcards: "uns.$current.>"); several
  // patterns may be served. Call before Connect; every later Connect subscribes again.
  virtual void ServeRequests(std::string subject_pattern, RequestHandler handler) = 0;

  // Connects (closing any earlier connection first), bounded by the transport's own timeout.
  // Unavailable with the broker's or the socket's reason when it cannot.
  virtual Status Connect() = 0;
  // True between a successful Connect and the loss of that connection (seen by the transport's
  // own threads) or Close.
  virtual bool connected() const = 0;
  // Hands one message to the connection. An error means it was not taken (not connected, or the
  // connection was lost): the caller keeps the message. Taken is not delivered: see Flush.
  virtual Status Publish(std::string_view subject, std::string_view payload) = 0;
  // Waits until the broker has everything taken so far, at most `timeout`.
  virtual Status Flush(Duration timeout) = 0;
  // Closes the connection; idempotent.
  virtual void Close() = 0;
  // "nats://127.0.0.1:4222" (no credentials), for logs.
  virtual std::string Describe() const = 0;
};

}  // namespace gantry::uns
