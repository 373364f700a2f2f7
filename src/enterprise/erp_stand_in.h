// An ERP stand-in for tests and benchmarks: a loopback HTTP server that receives webhook messages
// (see webhook_adapter.h), applies each idempotency key once, keeps per-order order of what it
// applied, and fails on command (HTTP 500, hang past the client's timeout, malformed body, 422).
//
//   GANTRY_ASSIGN_OR_RETURN(auto erp, ErpStandIn::Start());
//   erp->FailNext(StandInFault::kHttp500, 3);
//   WebhookAdapter hook({{"127.0.0.1", erp->port(), kSecond}, "/"});
//   auto secure = ErpStandIn::Start(3 * kSecond, {"erp.crt", "erp.key"});  // HTTPS
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace gantry::enterprise {

enum class StandInFault : uint8_t {
  kNone,       // apply and answer {"status": "applied"} (or "duplicate")
  kHttp500,    // answer 500, apply nothing
  kHang,       // answer only after `hang` (the client times out first), apply nothing
  kMalformed,  // answer 200 with a body that is not the agreed JSON, apply nothing
  kReject422,  // answer 422, apply nothing
};

struct StandInLedger {
  std::vector<std::string> applied;                      // keys, in the order first applied
  std::map<std::string, int> requests;                   // every request per key
  std::map<std::string, std::vector<int64_t>> by_order;  // applied sequences per order key
};

// HTTPS for the stand-in: PEM files of its certificate (chain) and private key.
struct StandInTls {
  std::string cert_file;  // empty: plain HTTP
  std::string key_file;
};

// Runs one I/O thread. Thread-safe.
class ErpStandIn {
 public:
  // Listens on 127.0.0.1 on a free port; HTTPS with `tls.cert_file`. InvalidArgument when the
  // certificate or key cannot be loaded, IoError when it cannot listen.
  static Result<std::unique_ptr<ErpStandIn>> Start(Duration hang = 3 * kSecond,
                                                   const StandInTls& tls = {});
  ~ErpStandIn();  // stops the server
  uint16_t port() const;
  // Every request from now on gets `fault` (kNone: back to normal).
  void SetFault(StandInFault fault);
  // The next `count` requests get `fault`, then the standing fault applies again.
  void FailNext(StandInFault fault, int count);
  StandInLedger Ledger() const;

  struct Impl;

 private:
  explicit ErpStandIn(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::enterprise
