// Actuals outbox throughput: durable messages enqueued (committed to SQLite in WAL mode, on a
// file) and delivered to a local endpoint (the ERP stand-in over HTTP keep-alive, or an adapter
// that acknowledges at once to isolate the database). Target: >= 5 000 messages/s enqueued and
// delivered. See docs/performance.md "Enterprise: outbox" for commands and results.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "enterprise/erp_stand_in.h"
#include "enterprise/outbox.h"
#include "enterprise/webhook_adapter.h"

namespace gantry::enterprise {
namespace {

constexpr const char* kPayload =
    R"({"order_key":"rest:4711","external_id":"4711","product":"FG-WIDGET","unit":"pc",)"
    R"("final":false,"good":412,"scrap":3,"run_time_ns":27000000000000,"energy_kwh":12.5})";

class AckAtOnce final : public ErpAdapter {
 public:
  DeliveryResult Deliver(const OutboxMessage&) override {
    return {DeliveryVerdict::kAcknowledged, "ok"};
  }
};

std::string FreshDb(const char* name) {
  const std::string path =
      "/tmp/gantry_bench_" + std::string(name) + "_" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

// Enqueues `count` messages, `per_tx` per transaction, over `orders` orders.
void Fill(Outbox& box, int64_t* seq, int count, int per_tx, int orders) {
  for (int done = 0; done < count;) {
    auto tx = box.Begin();
    for (int i = 0; i < per_tx && done < count; ++i, ++done) {
      ++*seq;
      (void)box.Enqueue(
          {"actuals.interval", "rest:" + std::to_string(*seq % orders), *seq, kPayload});
    }
    (void)tx.Commit();
  }
}

// Enqueue only: messages per transaction as the argument (1 = every message its own commit).
void BM_OutboxEnqueue(benchmark::State& state) {
  const std::string db = FreshDb("enqueue");
  auto box = Outbox::Open(db, {}, SystemClock::Instance());
  const int per_tx = static_cast<int>(state.range(0));
  int64_t seq = 0;
  for (auto _ : state) Fill(**box, &seq, 1000, per_tx, 50);
  state.SetItemsProcessed(state.iterations() * 1000);
  box->reset();
  std::remove(db.c_str());
}
BENCHMARK(BM_OutboxEnqueue)->Arg(1)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime();

// Enqueue 1000 (batches of 100) and drain them all, to an adapter that acknowledges at once.
void BM_OutboxEnqueueAndDrainNoNetwork(benchmark::State& state) {
  const std::string db = FreshDb("drain");
  auto box = Outbox::Open(db, {}, SystemClock::Instance());
  AckAtOnce ack;
  int64_t seq = 0;
  for (auto _ : state) {
    Fill(**box, &seq, 1000, 100, 50);
    while ((*box)->Metrics()->backlog > 0) (void)(*box)->DrainOnce(ack, 1000);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  box->reset();
  std::remove(db.c_str());
}
BENCHMARK(BM_OutboxEnqueueAndDrainNoNetwork)->Unit(benchmark::kMillisecond)->UseRealTime();

// Enqueue 1000 (batches of 100) and deliver them all over HTTP to the ERP stand-in on loopback.
void BM_OutboxEnqueueAndDeliverHttp(benchmark::State& state) {
  const std::string db = FreshDb("http");
  auto box = Outbox::Open(db, {}, SystemClock::Instance());
  auto erp = ErpStandIn::Start();
  WebhookAdapter hook({{"127.0.0.1", (*erp)->port(), 5 * kSecond}, "/", {}});
  int64_t seq = 0;
  for (auto _ : state) {
    Fill(**box, &seq, 1000, 100, 50);
    while ((*box)->Metrics()->backlog > 0) (void)(*box)->DrainOnce(hook, 1000);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  auto m = (*box)->Metrics();
  state.counters["latency_p99_ms"] = static_cast<double>(m->latency_p99) / kMillisecond;
  box->reset();
  std::remove(db.c_str());
}
BENCHMARK(BM_OutboxEnqueueAndDeliverHttp)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gantry::enterprise

BENCHMARK_MAIN();
