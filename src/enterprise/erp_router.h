// Sends each outbox message to the ERP its order belongs to: orders pulled from Tryton ("tryton:*")
// go back to Tryton; every other order goes to each configured generic target (webhook, B2MML
// ProductionPerformance) in turn. Every target is idempotent per key, so a retry after a partial
// success is harmless.
//
//   ErpRouter router;
//   router.SetTryton(tryton.get());
//   router.AddGeneric(webhook.get());
//   outbox->DrainOnce(router);
#pragma once

#include <string>
#include <vector>

#include "enterprise/outbox.h"

namespace gantry::enterprise {

// Borrows its adapters. Not thread-safe (the draining thread only).
class ErpRouter final : public ErpAdapter {
 public:
  void SetTryton(ErpAdapter* tryton) { tryton_ = tryton; }
  void AddGeneric(ErpAdapter* target) { generic_.push_back(target); }

  // Tryton orders without a Tryton adapter, or other orders without a generic target, are
  // retried (a configuration may add the target later) with the reason in last_error.
  DeliveryResult Deliver(const OutboxMessage& m) override {
    if (m.order_key.starts_with("tryton:")) {
      if (tryton_ == nullptr) return {DeliveryVerdict::kRetry, "no Tryton configured (erp.tryton)"};
      return tryton_->Deliver(m);
    }
    if (generic_.empty())
      return {DeliveryVerdict::kRetry,
              "no ERP target for " + m.order_key + " (erp.webhook or erp.b2mml_performance)"};
    std::string acks;
    for (ErpAdapter* target : generic_) {
      DeliveryResult r = target->Deliver(m);
      if (r.verdict != DeliveryVerdict::kAcknowledged) return r;
      acks += (acks.empty() ? "" : "; ") + r.detail;
    }
    return {DeliveryVerdict::kAcknowledged, acks};
  }

 private:
  ErpAdapter* tryton_ = nullptr;
  std::vector<ErpAdapter*> generic_;
};

}  // namespace gantry::enterprise
