// OPC UA benchmarks. Decode-only: data-change notifications per second out of a PublishResponse
// body, as the client receives it after chunk assembly. Target (issue #7): >= 5 M/s per core.
// End to end (BM_EndToEnd/items/period_ms/secured, needs node and tests/interop/node_modules):
// node-opcua serves 10 000 Doubles that all change every period (100 ms or 1 s); Gantry's
// OpcUaConnector subscribes to all of them and publishes samples to a counting sink, over
// security None (secured 0, opcua_server.js) or Basic256Sha256 SignAndEncrypt (secured 1,
// opcua_secure_server.js; the client certificate is made and the server's trusted first).
// Reports notifications/s received, latency (receipt minus the server's source timestamp), and
// CPU per notification of Gantry (this process) and of the server (the node child).
//   cmake --preset bench && cmake --build build/bench --target bench_opcua &&
//   build/bench/bench/bench_opcua
#include <benchmark/benchmark.h>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "field/opcua/certificate_store.h"
#include "field/opcua/client.h"
#include "field/opcua/interop_peer.h"
#include "field/opcua/opcua_connector.h"
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

// Counts samples; keeps the latency of each Good one (receipt minus source timestamp).
class CountingSink final : public SampleSink {
 public:
  void Publish(std::vector<Sample> batch) override {
    const Timestamp now = SystemClock::Instance().Now();
    std::lock_guard lock(mutex_);
    for (const Sample& s : batch) {
      if (!s.quality.IsGood()) continue;
      ++good_;
      if (s.tag < seen_.size() && !seen_[s.tag]) {
        seen_[s.tag] = true;
        ++distinct_;
      }
      if (recording_) latencies_.push_back(now - s.time);
    }
  }
  explicit CountingSink(size_t tags) : seen_(tags, false) {}
  size_t distinct() {
    std::lock_guard lock(mutex_);
    return distinct_;
  }
  uint64_t good() {
    std::lock_guard lock(mutex_);
    return good_;
  }
  void Record(bool on) {
    std::lock_guard lock(mutex_);
    recording_ = on;
  }
  std::vector<Duration> Latencies() {
    std::lock_guard lock(mutex_);
    return latencies_;
  }

 private:
  std::mutex mutex_;
  std::vector<bool> seen_;
  size_t distinct_ = 0;
  uint64_t good_ = 0;
  bool recording_ = false;
  std::vector<Duration> latencies_;
};

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds (user + system) of this process's child processes that are still running: the
// node-opcua server.
double ChildCpuSeconds() {
  double total = 0;
  std::ifstream children("/proc/self/task/" + std::to_string(getpid()) + "/children");
  int pid = 0;
  while (children >> pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    const size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 2));
    std::string f;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
      if (i == 14) utime = std::stoll(f);
      if (i == 15) stime = std::stoll(f);
    }
    total += static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return total;
}

// A client PKI for the connector (ApplicationUri urn:gantry:client) that trusts the server:
// the first connect is refused and leaves the server certificate in rejected/, which is then
// moved to trusted/ (what an operator does). Empty on success, else why not.
std::string TrustEachOther(const testing::OpcUaPeer& peer, const std::string& pki) {
  namespace fs = std::filesystem;
  fs::remove_all(pki);
  CertificateRequest request;
  request.application_uri = "urn:gantry:client";
  if (auto made = CreateApplicationCertificate(request, pki); !made.ok())
    return made.status().ToString();
  ClientOptions o;
  o.endpoint_url = peer.endpoint_url();
  o.application_uri = request.application_uri;
  o.request_timeout = 30 * kSecond;
  o.security_policy = "Basic256Sha256";
  o.security_mode = MessageSecurityMode::kSignAndEncrypt;
  o.pki_dir = pki;
  if (Client::Connect(o).ok()) return "";
  for (const auto& entry : fs::directory_iterator(fs::path(pki) / "rejected"))
    fs::rename(entry.path(), fs::path(pki) / "trusted" / entry.path().filename());
  return "";
}

void BM_EndToEnd(benchmark::State& state) {
  const int items = static_cast<int>(state.range(0));
  const int period_ms = static_cast<int>(state.range(1));
  const bool secured = state.range(2) != 0;
  const int seconds = 10;
  setenv("GANTRY_OPCUA_BENCH_ITEMS", std::to_string(items).c_str(), 1);
  setenv("GANTRY_OPCUA_BENCH_PERIOD_MS", std::to_string(period_ms).c_str(), 1);
  testing::OpcUaPeer peer(std::chrono::seconds(180),
                          secured ? "opcua_secure_server.js" : "opcua_server.js",
                          secured ? "opcua-bench-secure-pki" : "opcua-interop-pki");
  std::string why_not = peer.ready() ? "" : peer.why_not();
  const std::string pki = std::string(GANTRY_BINARY_DIR) + "/opcua-bench-client-pki";
  if (why_not.empty() && secured) why_not = TrustEachOther(peer, pki);
  if (!why_not.empty()) {
    state.SkipWithError(why_not.c_str());
    for (auto _ : state) {
    }
    return;
  }
  OpcUaDeviceConfig device;
  if (secured) device.security = {"Basic256Sha256", MessageSecurityMode::kSignAndEncrypt, pki};
  device.name = "bench";
  device.endpoint_url = peer.endpoint_url();
  device.timeout = 30 * kSecond;  // creating 10 000 items takes node-opcua a while
  device.publishing_interval = period_ms * kMillisecond;
  std::vector<TagId> ids;
  for (int i = 0; i < items; ++i) {
    OpcUaPoint p;
    p.tag.path = "bench/item" + std::to_string(i);
    p.node_id = NodeId::Text(peer.namespace_index(), "Bench." + std::to_string(i));
    p.sampling_interval = period_ms * kMillisecond;
    device.points.push_back(std::move(p));
    ids.push_back(static_cast<TagId>(i));
  }
  CountingSink sink(static_cast<size_t>(items));
  for (auto _ : state) {
    OpcUaConnector connector(device, ids, sink, SystemClock::Instance());
    const auto t0 = std::chrono::steady_clock::now();
    if (!connector.Start().ok()) state.SkipWithError("connector did not start");
    while (sink.distinct() < static_cast<size_t>(items) &&
           std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double setup_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (sink.distinct() < static_cast<size_t>(items)) state.SkipWithError("not every item arrived");
    std::this_thread::sleep_for(std::chrono::seconds(2));  // settle
    const uint64_t n0 = sink.good(), p0 = connector.Health().polls_ok;
    const double self0 = SelfCpuSeconds(), child0 = ChildCpuSeconds();
    const auto w0 = std::chrono::steady_clock::now();
    sink.Record(true);
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    sink.Record(false);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    const double self_cpu = SelfCpuSeconds() - self0, child_cpu = ChildCpuSeconds() - child0;
    const double received = static_cast<double>(sink.good() - n0);
    const double publishes = static_cast<double>(connector.Health().polls_ok - p0);
    connector.Stop();
    std::vector<Duration> lat = sink.Latencies();
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double q) {
      return lat.empty() ? 0.0
                         : static_cast<double>(lat[static_cast<size_t>(q * (lat.size() - 1))]) /
                               kMillisecond;
    };
    state.counters["setup_s"] = setup_s;
    state.counters["notif_per_s"] = received / wall;
    state.counters["publish_answers_per_s"] = publishes / wall;
    state.counters["offered_per_s"] = items * 1000.0 / period_ms;
    state.counters["gantry_cpu_us_per_notif"] = received > 0 ? self_cpu * 1e6 / received : 0;
    state.counters["server_cpu_us_per_notif"] = received > 0 ? child_cpu * 1e6 / received : 0;
    state.counters["gantry_cpu_pct"] = 100 * self_cpu / wall;
    state.counters["server_cpu_pct"] = 100 * child_cpu / wall;
    state.counters["lat_p50_ms"] = pct(0.5);
    state.counters["lat_p99_ms"] = pct(0.99);
  }
}
BENCHMARK(BM_EndToEnd)
    ->Args({10000, 100, 0})
    ->Args({10000, 100, 1})
    ->Args({1000, 100, 0})
    ->Args({1000, 100, 1})
    ->Args({10000, 1000, 0})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace
}  // namespace gantry::opcua

BENCHMARK_MAIN();
