#include "data/uns/nats_transport.h"

#include <nats/nats.h>

#include <algorithm>

namespace gantry::uns {
namespace {

Status NatsError(natsStatus s, std::string_view what) {
  std::string message = std::string(what) + ": " + natsStatus_GetText(s);
  const char* detail = nats_GetLastError(nullptr);
  if (detail != nullptr && *detail != '\0' && message.find(detail) == std::string::npos)
    message += std::string(" (") + detail + ")";
  return Unavailable(std::move(message));
}

// "nats://user:secret@host:4222" -> "nats://host:4222": never log a credential.
std::string WithoutCredentials(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  return url.substr(0, scheme + 3) + url.substr(at + 1);
}

}  // namespace

NatsTransport::NatsTransport(NatsSettings settings) : settings_(std::move(settings)) {}

NatsTransport::~NatsTransport() {
  Close();
}

void NatsTransport::ServeRequests(std::string subject_pattern, RequestHandler handler) {
  pattern_ = std::move(subject_pattern);
  handler_ = std::move(handler);
}

Status NatsTransport::Connect() {
  Close();
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s != NATS_OK) return NatsError(s, "nats options");
  std::vector<const char*> servers;
  for (const std::string& url : settings_.servers) servers.push_back(url.c_str());
  bool tls = settings_.tls;
  for (const std::string& url : settings_.servers) tls = tls || url.rfind("tls://", 0) == 0;
  std::string failed;  // the first option nats.c refused
  auto check = [&](natsStatus r, const char* what) {
    if (r != NATS_OK && s == NATS_OK) {
      s = r;
      failed = what;
    }
  };
  check(natsOptions_SetServers(opts, servers.data(), static_cast<int>(servers.size())), "servers");
  check(natsOptions_SetName(opts, settings_.name.c_str()), "name");
  check(
      natsOptions_SetTimeout(opts, std::max<int64_t>(1, settings_.connect_timeout / kMillisecond)),
      "timeout");
  check(natsOptions_SetAllowReconnect(opts, false), "reconnect");
  if (!settings_.user.empty())
    check(natsOptions_SetUserInfo(opts, settings_.user.c_str(), settings_.password.c_str()),
          "user");
  if (!settings_.token.empty()) check(natsOptions_SetToken(opts, settings_.token.c_str()), "token");
  if (!settings_.credentials_file.empty())
    check(
        natsOptions_SetUserCredentialsFromFiles(opts, settings_.credentials_file.c_str(), nullptr),
        "credentials_file");
  if (tls) {
    check(natsOptions_SetSecure(opts, true), "tls");
    if (!settings_.tls_ca.empty())
      check(natsOptions_LoadCATrustedCertificates(opts, settings_.tls_ca.c_str()), "tls_ca");
    if (!settings_.tls_cert.empty())
      check(natsOptions_LoadCertificatesChain(opts, settings_.tls_cert.c_str(),
                                              settings_.tls_key.c_str()),
            "tls_cert");
    if (!settings_.tls_verify) check(natsOptions_SkipServerVerification(opts, true), "tls_verify");
  }
  if (s != NATS_OK) {
    natsOptions_Destroy(opts);
    return NatsError(s, "nats option " + failed);
  }
  s = natsConnection_Connect(&conn_, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    conn_ = nullptr;
    return NatsError(s, "connect to " + Describe());
  }
  if (handler_) {
    {
      std::lock_guard<std::mutex> lock(serve_mu_);
      serving_ = true;
    }
    s = natsConnection_Subscribe(&requests_, conn_, pattern_.c_str(), &NatsTransport::OnRequest,
                                 this);
    if (s != NATS_OK) {
      Status e = NatsError(s, "subscribe to " + pattern_);
      Close();
      return e;
    }
  }
  return Status::Ok();
}

bool NatsTransport::connected() const {
  return conn_ != nullptr && natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED;
}

Status NatsTransport::Publish(std::string_view subject, std::string_view payload) {
  if (conn_ == nullptr) return Unavailable("not connected");
  subject_.assign(subject);
  natsStatus s = natsConnection_Publish(conn_, subject_.c_str(), payload.data(),
                                        static_cast<int>(payload.size()));
  if (s != NATS_OK) return NatsError(s, "publish");
  return Status::Ok();
}

Status NatsTransport::Flush(Duration timeout) {
  if (conn_ == nullptr) return Unavailable("not connected");
  natsStatus s = natsConnection_FlushTimeout(conn_, std::max<int64_t>(1, timeout / kMillisecond));
  if (s != NATS_OK) return NatsError(s, "flush");
  return Status::Ok();
}

void NatsTransport::Close() {
  {  // no request is being answered after this, and none will be
    std::lock_guard<std::mutex> lock(serve_mu_);
    serving_ = false;
  }
  if (requests_ != nullptr) {
    natsSubscription_Unsubscribe(requests_);
    natsSubscription_Destroy(requests_);
    requests_ = nullptr;
  }
  if (conn_ != nullptr) {
    natsConnection_Close(conn_);
    natsConnection_Destroy(conn_);
    conn_ = nullptr;
  }
}

std::string NatsTransport::Describe() const {
  std::string out;
  for (const std::string& url : settings_.servers) {
    if (!out.empty()) out += ",";
    out += WithoutCredentials(url);
  }
  return out;
}

void NatsTransport::OnRequest(__natsConnection* nc, __natsSubscription*, __natsMsg* msg,
                              void* closure) {
  static_cast<NatsTransport*>(closure)->Answer(nc, msg);
}

void NatsTransport::Answer(__natsConnection* nc, __natsMsg* msg) {
  {
    std::lock_guard<std::mutex> lock(serve_mu_);
    const char* reply_to = natsMsg_GetReply(msg);
    if (serving_ && handler_ && reply_to != nullptr && *reply_to != '\0') {
      const char* data = natsMsg_GetData(msg);
      std::optional<std::string> reply =
          handler_(natsMsg_GetSubject(msg),
                   std::string_view(data == nullptr ? "" : data,
                                    static_cast<size_t>(std::max(0, natsMsg_GetDataLength(msg)))));
      if (reply) {
        (void)natsConnection_Publish(nc, reply_to, reply->data(), static_cast<int>(reply->size()));
      }
    }
  }
  natsMsg_Destroy(msg);
}

}  // namespace gantry::uns
