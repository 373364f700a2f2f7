// Sparkplug B decode benchmark (docs/performance.md, "MQTT / Sparkplug B"). Payloads as an edge
// node sends them: a DDATA of 100 metrics by alias (doubles, ints, booleans, each with its own
// timestamp) and an NBIRTH of 100 named metrics with an engineering-unit property each.
// Baselines in the same run: memcpy of the same bytes, and a scan of every protobuf field with
// our own WireReader (no allocation); decode throughput is reported as a ratio against them.
//  - BM_MemcpyDData / BM_WireScanDData / BM_DecodeDData / BM_HostDData (decode + alias lookup +
//    conversion to 100 samples, the connector's whole path short of the tag bus)
//  - BM_MemcpyNBirth / BM_WireScanNBirth / BM_DecodeNBirth
#include <benchmark/benchmark.h>

#include <cstring>

#include "field/mqtt/protobuf_wire.h"
#include "field/mqtt/sparkplug_host.h"
#include "field/mqtt/sparkplug_payload.h"

namespace gantry {
namespace {

using sparkplug::DataType;
using sparkplug::Metric;
using sparkplug::Payload;
using sparkplug::ValueKind;

constexpr int kMetrics = 100;
constexpr uint64_t kT0 = 1'700'000'000'000;

Metric ValueMetric(int i) {
  Metric m;
  switch (i % 3) {
    case 0:
      m.datatype = static_cast<uint32_t>(DataType::kDouble);
      m.kind = ValueKind::kDouble;
      m.number = 20.0 + i * 0.25;
      break;
    case 1:
      m.datatype = static_cast<uint32_t>(DataType::kInt32);
      m.kind = ValueKind::kInt;
      m.integer = static_cast<uint32_t>(1000 * i);
      break;
    default:
      m.datatype = static_cast<uint32_t>(DataType::kBoolean);
      m.kind = ValueKind::kBoolean;
      m.integer = i & 1;
  }
  m.timestamp = kT0 + static_cast<uint64_t>(i);
  return m;
}

std::string DData() {
  Payload p;
  p.timestamp = kT0;
  p.seq = 1;
  for (int i = 0; i < kMetrics; ++i) {
    Metric m = ValueMetric(i);
    m.alias = static_cast<uint64_t>(i + 1);
    p.metrics.push_back(std::move(m));
  }
  return sparkplug::EncodePayload(p);
}

std::string NBirth() {
  Payload p;
  p.timestamp = kT0;
  p.seq = 0;
  for (int i = 0; i < kMetrics; ++i) {
    Metric m = ValueMetric(i);
    m.name = "Line3/Filler/Signal" + std::to_string(i);
    m.alias = static_cast<uint64_t>(i + 1);
    m.properties.emplace();
    m.properties->keys = {"engUnit"};
    sparkplug::PropertyValue unit;
    unit.type = static_cast<uint32_t>(DataType::kString);
    unit.kind = ValueKind::kString;
    unit.text = "m/min";
    m.properties->values = {unit};
    p.metrics.push_back(std::move(m));
  }
  return sparkplug::EncodePayload(p);
}

void Memcpy(benchmark::State& state, const std::string& bytes) {
  std::string copy(bytes.size(), '\0');
  for (auto _ : state) {
    std::memcpy(copy.data(), bytes.data(), bytes.size());
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

// Every field, nested messages (metrics, properties) descended into, nothing stored.
size_t Scan(std::string_view bytes, int depth) {
  size_t fields = 0;
  mqtt::WireReader r(bytes);
  while (!r.AtEnd()) {
    Result<mqtt::WireField> f = r.Next();
    if (!f.ok()) return fields;
    ++fields;
    if (f->type == mqtt::WireType::kLengthDelimited && depth < 3 &&
        (f->number == 2 || f->number == 9))
      fields += Scan(f->bytes, depth + 1);
  }
  return fields;
}

void WireScan(benchmark::State& state, const std::string& bytes) {
  for (auto _ : state) benchmark::DoNotOptimize(Scan(bytes, 0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void Decode(benchmark::State& state, const std::string& bytes) {
  for (auto _ : state) {
    Result<Payload> p = sparkplug::DecodePayload(bytes);
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kMetrics));
}

void BM_MemcpyDData(benchmark::State& state) {
  Memcpy(state, DData());
}
void BM_WireScanDData(benchmark::State& state) {
  WireScan(state, DData());
}
void BM_DecodeDData(benchmark::State& state) {
  Decode(state, DData());
}
void BM_MemcpyNBirth(benchmark::State& state) {
  Memcpy(state, NBirth());
}
void BM_WireScanNBirth(benchmark::State& state) {
  WireScan(state, NBirth());
}
void BM_DecodeNBirth(benchmark::State& state) {
  Decode(state, NBirth());
}

// The connector's path for one DDATA: decode, seq check, alias -> tag, value conversion.
void BM_HostDData(benchmark::State& state) {
  mqtt::MqttDeviceConfig config;
  std::vector<TagId> ids;
  for (int i = 0; i < kMetrics; ++i) {
    mqtt::MqttPoint p;
    p.tag.path = "acme/p1/pack/line3/filler/s" + std::to_string(i);
    p.sparkplug = {"G1", "Edge1", "", "Line3/Filler/Signal" + std::to_string(i)};
    config.points.push_back(p);
    ids.push_back(static_cast<TagId>(i));
  }
  mqtt::SparkplugHost host(config, ids);
  (void)host.OnMessage("spBv1.0/G1/NBIRTH/Edge1", NBirth(), 0);
  Payload data = sparkplug::DecodePayload(DData()).value();
  std::vector<std::string> wires;  // seq 1..255, 0, 1, ...: one full cycle of DDATA payloads
  for (int s = 1; s <= 256; ++s) {
    data.seq = static_cast<uint64_t>(s % 256);
    wires.push_back(sparkplug::EncodePayload(data));
  }
  size_t bytes = 0, samples = 0, n = 0;
  for (auto _ : state) {
    const std::string& wire = wires[n++ % wires.size()];
    mqtt::SparkplugHost::Reaction r = host.OnMessage("spBv1.0/G1/NDATA/Edge1", wire, 0);
    bytes += wire.size();
    samples += r.samples.size();
    benchmark::DoNotOptimize(r);
  }
  if (samples != static_cast<size_t>(state.iterations()) * kMetrics)
    state.SkipWithError("not every metric became a sample");
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(samples));
}

BENCHMARK(BM_MemcpyDData);
BENCHMARK(BM_WireScanDData);
BENCHMARK(BM_DecodeDData);
BENCHMARK(BM_HostDData);
BENCHMARK(BM_MemcpyNBirth);
BENCHMARK(BM_WireScanNBirth);
BENCHMARK(BM_DecodeNBirth);

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
