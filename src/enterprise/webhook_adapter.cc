#include "enterprise/webhook_adapter.h"

#include <nlohmann/json.hpp>

namespace gantry::enterprise {

using nlohmann::json;

WebhookAdapter::WebhookAdapter(WebhookConfig config)
    : config_(std::move(config)), http_(config_.endpoint) {}

DeliveryResult WebhookAdapter::Deliver(const OutboxMessage& m) {
  json payload = json::parse(m.payload, nullptr, false);
  if (payload.is_discarded()) payload = m.payload;  // not JSON: send the text as a string
  const json body = {{"idempotency_key", m.idempotency_key},
                     {"kind", m.kind},
                     {"order_key", m.order_key},
                     {"sequence", m.sequence},
                     {"enqueued_at", FormatIso8601(m.enqueued_at)},
                     {"payload", std::move(payload)}};
  HttpHeaders headers = config_.headers;
  headers.emplace_back("Idempotency-Key", m.idempotency_key);
  auto r = http_.Post(config_.path, body.dump(), headers);
  if (!r.ok()) return VerdictFromStatus(r.status());
  Status http_status = StatusFromHttp(*r);
  if (!http_status.ok()) return VerdictFromStatus(http_status);
  json answer = json::parse(r->body, nullptr, false);
  const std::string status =
      answer.is_object() && answer.contains("status") && answer["status"].is_string()
          ? answer["status"].get<std::string>()
          : "";
  if (status != "applied" && status != "duplicate")
    return VerdictFromStatus(
        Malformed("webhook answer is not {\"status\": \"applied\"|\"duplicate\"}: " +
                  r->body.substr(0, 200)));
  return {DeliveryVerdict::kAcknowledged, r->body.substr(0, 500)};
}

}  // namespace gantry::enterprise
