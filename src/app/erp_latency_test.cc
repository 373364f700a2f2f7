// Latency from an order's completion on the shop floor to its actuals acknowledged by the ERP,
// over the whole running path: OperationsService (its close cadence: close_every, close_lag,
// micro_stop_threshold) -> the actuals listener enqueuing in the event store's transaction -> the
// EnterpriseService drainer (woken on enqueue; energy fixed) -> webhook over HTTP -> the ERP
// stand-in. 20 work centres complete one order each, 250 ms apart, in each of 2 rounds (40
// completions); p50/p99/max reported as counters, with the outbox's own enqueue -> acknowledged
// latency (the enterprise side alone) measured in the same run as the baseline.
// Target (issue #5): p99 <= 5 s. docs/performance.md "Enterprise: completion -> ERP latency".
// A gated test rather than a Google Benchmark (it measures seconds of cadence, not CPU, so the
// ASan build serves): runs only with GANTRY_ERP_LATENCY=1; GANTRY_ERP_LATENCY_THRESHOLD=2m sets
// the micro-stop threshold (default 1s; the demo plant's 2m makes each round take over 2 min).
//
//   GANTRY_ERP_LATENCY=1 build/asan/src/app/gantry_app_base_tests --gtest_filter='ErpLatency*'
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "app/enterprise_service.h"
#include "app/operations_service.h"
#include "core/config_node.h"
#include "data/tag_bus.h"
#include "enterprise/erp_stand_in.h"
#include "enterprise/outbox.h"
#include "operations/operations_config.h"

namespace gantry {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr int kWorkCentres = 20;
constexpr int kRounds = 2;

std::string PlantYaml(Duration micro_stop_threshold) {
  std::string y =
      "enterprise: acme\noperations:\n  micro_stop_threshold: " +
      std::to_string(micro_stop_threshold / kMillisecond) +
      "ms\nsites:\n  - name: p\n    timezone: UTC\n    areas:\n      - name: a\n        lines:\n"
      "          - name: l\n            work_centres:\n";
  for (int i = 0; i < kWorkCentres; ++i)
    y += "              - name: m" + std::to_string(i) + "\n                state: {word: m" +
         std::to_string(i) + "_state}\n                counters: {good: m" + std::to_string(i) +
         "_good}\n";
  return y;
}

double Quantile(std::vector<double> v, double q) {  // nearest rank
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[i];
}

// Default OperationsServiceOptions (close_every 5 s, close_lag 2 s), as in the running plant.
TEST(ErpLatency, CompletionToAcknowledgedByTheErpStandInOver40Completions) {
  if (std::getenv("GANTRY_ERP_LATENCY") == nullptr)
    GTEST_SKIP() << "set GANTRY_ERP_LATENCY=1 to measure (about 30 s)";
  Duration threshold = kSecond;
  if (const char* t = std::getenv("GANTRY_ERP_LATENCY_THRESHOLD")) {
    Result<Duration> d = ParseDuration(t);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    threshold = *d;
  }
  const fs::path dir =
      fs::temp_directory_path() / ("gantry_erp_latency_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto doc = ConfigDocument::Parse(PlantYaml(threshold), "latency.yaml").value();
  ops::OperationsConfig plant = ops::ParseOperationsConfig(doc.Root());
  ASSERT_TRUE(doc.Finish().ok()) << doc.Finish().ToString();
  std::map<std::string, TagId> ids;
  for (int i = 0; i < kWorkCentres; ++i) {
    const std::string wc = "acme/p/a/l/m" + std::to_string(i);
    ids[wc + "/m" + std::to_string(i) + "_state"] = static_cast<TagId>(2 * i);
    ids[wc + "/m" + std::to_string(i) + "_good"] = static_cast<TagId>(2 * i + 1);
  }
  TagBus bus;
  const Clock& clock = SystemClock::Instance();
  auto ops = OperationsService::Create(
                 plant,
                 [ids](std::string_view p) -> std::optional<TagId> {
                   auto it = ids.find(std::string(p));
                   if (it == ids.end()) return std::nullopt;
                   return it->second;
                 },
                 bus, dir.string(), clock)
                 .value();
  auto erp = enterprise::ErpStandIn::Start().value();
  enterprise::ErpSettings settings;
  settings.enabled = true;
  settings.webhook = enterprise::WebhookConfig{{"127.0.0.1", erp->port(), 2 * kSecond}, "/", {}};
  settings.outbox.first_backoff = 200 * kMillisecond;
  settings.drain_every = 100 * kMillisecond;
  auto service = EnterpriseService::Create(settings, dir.string(), clock, {}).value();
  service->AttachOperations(*ops);
  ops->Start();
  service->Start();

  std::vector<double> latencies;
  int missing = 0;
  {
    for (int round = 0; round < kRounds; ++round) {
      std::vector<std::string> orders;
      for (int i = 0; i < kWorkCentres; ++i) {
        enterprise::ProductionOrder o;
        o.source = "bench";
        o.external_id = std::to_string(round) + "-" + std::to_string(i);
        o.product = "P-17";
        o.quantity = 100;
        o.unit = "pc";
        o.state = enterprise::OrderState::kReleased;
        (void)service->orders().Create(o);
        orders.push_back(o.Key());
        // Producing, one count, so that the order's intervals hold something.
        bus.Publish(
            {Sample{static_cast<TagId>(2 * i), clock.Now(), Value(int64_t{1}), Quality::Good()},
             Sample{static_cast<TagId>(2 * i + 1), clock.Now(), Value(int64_t{0}),
                    Quality::Good()}});
        const std::string wc = "acme/p/a/l/m" + std::to_string(i);
        Status s = ops->ApplyOrder(
            {wc, 0, ops::OrderTransition::Action::kStart, o.Key(), "P-17", "", 0}, "bench");
        ASSERT_TRUE(s.ok()) << s.ToString();
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
      std::vector<SteadyClock::time_point> completed(kWorkCentres);
      std::vector<bool> seen(kWorkCentres, false);
      int open = kWorkCentres;
      auto poll = [&] {
        const enterprise::StandInLedger ledger = erp->Ledger();
        const auto now = SteadyClock::now();
        for (int i = 0; i < kWorkCentres; ++i) {
          if (seen[static_cast<size_t>(i)] ||
              completed[static_cast<size_t>(i)] == SteadyClock::time_point{})
            continue;
          const std::string key =
              enterprise::IdempotencyKey(orders[static_cast<size_t>(i)], "actuals.completion", 1);
          if (ledger.requests.count(key)) {
            seen[static_cast<size_t>(i)] = true;
            --open;
            latencies.push_back(
                std::chrono::duration<double>(now - completed[static_cast<size_t>(i)]).count());
          }
        }
      };
      for (int i = 0; i < kWorkCentres; ++i) {
        bus.Publish({Sample{static_cast<TagId>(2 * i + 1), clock.Now(), Value(int64_t{5}),
                            Quality::Good()}});
        const std::string wc = "acme/p/a/l/m" + std::to_string(i);
        Status s = ops->ApplyOrder({wc, 0, ops::OrderTransition::Action::kComplete, "", "", "", 0},
                                   "bench");
        ASSERT_TRUE(s.ok()) << s.ToString();
        completed[static_cast<size_t>(i)] = SteadyClock::now();
        const auto next = SteadyClock::now() + std::chrono::milliseconds(250);
        while (SteadyClock::now() < next) {
          poll();
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
      const auto deadline = SteadyClock::now() + std::chrono::nanoseconds(threshold + 60 * kSecond);
      while (open > 0 && SteadyClock::now() < deadline) {
        poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      missing += open;
    }
  }
  // The baseline: the outbox's own enqueue -> acknowledged latency in the same run.
  const std::string metrics = service->MetricsText();
  auto metric = [&](const std::string& q) {
    const std::string name = "gantry_outbox_delivery_latency_seconds{quantile=\"" + q + "\"} ";
    const size_t at = metrics.find(name);
    return at == std::string::npos ? 0.0 : std::atof(metrics.c_str() + at + name.size());
  };
  service->Stop();
  ops->Stop();
  const double p50 = Quantile(latencies, 0.5), p99 = Quantile(latencies, 0.99);
  std::printf(
      "completion -> acknowledged by the ERP stand-in, micro_stop_threshold %.1f s, close_every "
      "5 s, close_lag 2 s: n=%zu missing=%d p50=%.2f s p99=%.2f s max=%.2f s; outbox alone "
      "(enqueue -> acknowledged) p50=%.3f s p99=%.3f s\n",
      static_cast<double>(threshold) / kSecond, latencies.size(), missing, p50, p99,
      Quantile(latencies, 1.0), metric("0.5"), metric("0.99"));
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(latencies.size(), static_cast<size_t>(kWorkCentres * kRounds));
  service.reset();
  ops.reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gantry
