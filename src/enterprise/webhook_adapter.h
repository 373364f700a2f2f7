// Generic webhook adapter: each outbox message is POSTed as one JSON object to an HTTP endpoint
// with an Idempotency-Key header; the receiver answers {"status": "applied"} or
// {"status": "duplicate"} (both acknowledge). Plain HTTP for now; HTTPS is not done yet.
//
//   WebhookAdapter hook({{"127.0.0.1", 9000, 5 * kSecond}, "/erp/actuals"});
//   outbox->DrainOnce(hook);
#pragma once

#include <string>

#include "enterprise/http_client.h"
#include "enterprise/outbox.h"

namespace gantry::enterprise {

struct WebhookConfig {
  HttpEndpoint endpoint;
  std::string path = "/";
  HttpHeaders headers;  // e.g. {"Authorization", "Bearer ..."}
};

// Body: {"idempotency_key", "kind", "order_key", "sequence", "enqueued_at", "payload": <the
// message's JSON payload>}. Verdicts: 2xx with a JSON object whose "status" is "applied" or
// "duplicate" -> acknowledged; 2xx with another body -> retry (malformed answer); 408, 429, 5xx,
// timeouts and refused connections -> retry; other 4xx -> permanent. Not thread-safe.
class WebhookAdapter final : public ErpAdapter {
 public:
  explicit WebhookAdapter(WebhookConfig config);
  DeliveryResult Deliver(const OutboxMessage& m) override;

 private:
  WebhookConfig config_;
  HttpClient http_;
};

}  // namespace gantry::enterprise
