// The NATS transport of the Unified Namespace publisher, over Debian's libnats (nats.c 3.4):
// core NATS publish (at most once; JetStream is not used), user/password, token or a .creds
// file, TLS with a CA, client certificate and key. nats.c's own reconnect is switched off: the
// publisher reconnects with its own backoff, so that what it sends first after a reconnect is its
// choice (the latest state), not whatever nats.c buffered during the outage.
//
//   NatsSettings nats;
//   nats.servers = {"nats://127.0.0.1:4222"};
//   auto transport = std::make_unique<NatsTransport>(nats);
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "data/uns/uns_transport.h"

struct __natsConnection;
struct __natsSubscription;
struct __natsMsg;

namespace gantry::uns {

struct NatsSettings {
  std::vector<std::string> servers = {"nats://127.0.0.1:4222"};  // tried in random order
  std::string user;                                              // with password
  std::string password;
  std::string token;             // instead of user/password
  std::string credentials_file;  // a NATS .creds file (JWT + NKey seed)
  bool tls = false;              // also implied by a tls:// URL
  std::string tls_ca;            // PEM file of the CA that signed the server's certificate
  std::string tls_cert;          // client certificate (PEM), with tls_key
  std::string tls_key;
  bool tls_verify = true;  // false: skip the server certificate check (tests only)
  Duration connect_timeout = 2 * kSecond;
  std::string name = "gantry";  // the client name the server shows
};

// Not thread-safe except where UnsTransport says otherwise.
class NatsTransport final : public UnsTransport {
 public:
  explicit NatsTransport(NatsSettings settings);
  ~NatsTransport() override;
  NatsTransport(const NatsTransport&) = delete;
  NatsTransport& operator=(const NatsTransport&) = delete;

  void ServeRequests(std::string subject_pattern, RequestHandler handler) override;
  Status Connect() override;
  bool connected() const override;
  Status Publish(std::string_view subject, std::string_view payload) override;
  Status Flush(Duration timeout) override;
  void Close() override;
  std::string Describe() const override;

 private:
  static void OnRequest(__natsConnection* nc, __natsSubscription* sub, __natsMsg* msg,
                        void* closure);
  void Answer(__natsConnection* nc, __natsMsg* msg);

  const NatsSettings settings_;
  __natsConnection* conn_ = nullptr;
  __natsSubscription* requests_ = nullptr;
  std::string pattern_;
  RequestHandler handler_;
  std::mutex serve_mu_;   // held while a request is answered; Close waits for it
  bool serving_ = false;  // guarded by serve_mu_
  std::string subject_;   // NUL-terminated copy of the subject being published
};

}  // namespace gantry::uns
