// OPC UA decode-only benchmark: data-change notifications per second out of a PublishResponse
// body, as the client receives it after chunk assembly. Target (issue #7): >= 5 M/s per core.
//   cmake --preset bench && cmake --build build/bench --target bench_opcua &&
//   build/bench/bench/bench_opcua
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "field/opcua/subscription_services.h"

namespace gantry::opcua {
namespace {

// A PublishResponse with `count` notifications, each a Double with status and both timestamps,
// the shape node-opcua and most PLC servers send.
std::vector<uint8_t> PublishResponseBody(int count, bool with_status) {
  std::vector<MonitoredItemNotification> changes;
  for (int i = 0; i < count; ++i) {
    MonitoredItemNotification n;
    n.client_handle = static_cast<uint32_t>(i);
    n.value.value = Variant::Of(20.0 + i * 0.25);
    if (with_status) n.value.status = Quality::UncertainLastUsableValue();
    n.value.source_timestamp = FromTimestamp(1'700'000'000'000'000'000 + i);
    n.value.server_timestamp = FromTimestamp(1'700'000'000'000'100'000 + i);
    changes.push_back(std::move(n));
  }
  PublishResponse r;
  r.subscription_id = 1;
  r.notification.sequence_number = 42;
  auto data = EncodeDataChangeNotification(changes);
  if (!data.ok()) std::abort();
  r.notification.notification_data.push_back(std::move(*data));
  Encoder e;
  if (!EncodeBody(e, r).ok()) std::abort();
  return std::move(e).Take();
}

void BM_DecodeDataChanges(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  const auto body = PublishResponseBody(count, state.range(1) != 0);
  size_t decoded = 0;
  for (auto _ : state) {
    auto response = DecodeResponse<PublishResponse>(body);
    if (!response.ok()) state.SkipWithError(response.status().ToString().c_str());
    for (const ExtensionObject& data : response->notification.notification_data) {
      auto changes = DecodeDataChangeNotification(data);
      if (!changes.ok() || !*changes) state.SkipWithError("no data changes");
      decoded += (*changes)->size();
      benchmark::DoNotOptimize((*changes)->data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(decoded));
  state.SetBytesProcessed(static_cast<int64_t>(body.size()) * state.iterations());
}
BENCHMARK(BM_DecodeDataChanges)->Args({1000, 0})->Args({1000, 1})->Args({10000, 0});

}  // namespace
}  // namespace gantry::opcua

BENCHMARK_MAIN();
