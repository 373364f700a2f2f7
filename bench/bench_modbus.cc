// Modbus benchmarks. Poll throughput on loopback through Gantry's path (request, our own response
// validation, decoding and report-by-exception into a sink) as a ratio against a bare libmodbus
// modbus_read_registers loop against the same in-process server in the same run; and decoded
// points per second on one core (no I/O).
//   build/modbus-bench/bench/bench_modbus
#include <benchmark/benchmark.h>
#include <modbus/modbus.h>

#include <chrono>

#include "core/sample_sink.h"
#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_link.h"
#include "field/modbus/modbus_planner.h"
#include "field/modbus/modbus_points.h"
#include "field/modbus/modbus_test_server.h"

namespace gantry::modbus {
namespace {

double g_bare_reads_per_second = 0;

std::span<const uint16_t> Changing(std::vector<uint16_t>& regs, uint16_t tick) {
  for (size_t i = 0; i < regs.size(); ++i) regs[i] = static_cast<uint16_t>(tick * 7 + i);
  return regs;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}  // set by BM_BareLibmodbusRead, read by BM_GantryPoll

class NullSink final : public SampleSink {
 public:
  void Publish(std::vector<Sample> batch) override { count += batch.size(); }
  size_t count = 0;
};

// 125 holding registers as a plant would map them (one read of the protocol maximum): 20 float32,
// 20 scaled int32, 25 uint16 counters and 20 status words with 4 bits each: 145 points.
DeviceConfig Map125(int port) {
  DeviceConfig d;
  d.name = "bench";
  d.host = "127.0.0.1";
  d.port = port;
  d.poll_groups = {{"fast", kMillisecond}};
  uint16_t at = 0;
  auto add = [&](WireType t, double gain, int bit) {
    PointConfig p;
    p.tag.path = "acme/p/a/l/m/t" + std::to_string(d.points.size());
    p.offset = at;
    p.type = t;
    p.bit = bit;
    p.tag.scaling.gain = gain;
    p.tag.type = bit != kNoBit                              ? ValueType::kBool
                 : (t == WireType::kFloat32 || gain != 1.0) ? ValueType::kDouble
                                                            : ValueType::kInt64;
    d.points.push_back(p);
  };
  for (int i = 0; i < 20; ++i, at += 2) add(WireType::kFloat32, 1.0, kNoBit);
  for (int i = 0; i < 20; ++i, at += 2) add(WireType::kInt32, 0.01, kNoBit);
  for (int i = 0; i < 25; ++i, at += 1) add(WireType::kUint16, 1.0, kNoBit);
  for (int i = 0; i < 20; ++i, at += 1) {
    for (int b = 0; b < 4; ++b) add(WireType::kUint16, 1.0, b * 4);
  }
  return d;  // 125 registers, 145 points
}

void BM_BareLibmodbusRead(benchmark::State& state) {
  TestServer server;
  if (!server.Start()) return state.SkipWithError("server");
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", server.port());
  modbus_set_slave(ctx, 1);
  if (modbus_connect(ctx) != 0) return state.SkipWithError("connect");
  uint16_t regs[125];
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (modbus_read_registers(ctx, 0, 125, regs) != 125) state.SkipWithError("read");
    benchmark::DoNotOptimize(regs);
  }
  modbus_close(ctx);
  modbus_free(ctx);
  state.SetItemsProcessed(state.iterations());
  state.counters["reads/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  // Wall-clock rate: this loop is bound by the round trip, not by this thread's CPU.
  g_bare_reads_per_second = static_cast<double>(state.iterations()) / Seconds(t0);
}

void BM_GantryPoll(benchmark::State& state) {
  TestServer server;
  if (!server.Start()) return state.SkipWithError("server");
  DeviceConfig d = Map125(server.port());
  std::vector<PlannedRead> reads = PlanReads(d);
  if (reads.size() != 1) return state.SkipWithError("plan");
  std::vector<TagId> ids(d.points.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<TagId>(i);
  PointPublisher publisher(d, reads, ids);
  NullSink sink;
  ModbusLink link(d);
  if (!link.Connect().ok()) return state.SkipWithError("connect");
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    ReadResponse r = link.Read({reads[0].function, reads[0].start, reads[0].quantity});
    if (r.status != ReadStatus::kOk) state.SkipWithError("read");
    sink.Publish(publisher.OnRead(0, r, 1));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["reads/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (g_bare_reads_per_second > 0) {
    const double ours = static_cast<double>(state.iterations()) / Seconds(t0);
    state.counters["vs_bare_libmodbus"] = ours / g_bare_reads_per_second;
  }
}

// The fair comparison on a loaded 2-core machine: blocks of bare libmodbus reads and of Gantry
// polls alternate against one server, so both see the same background load. Counters: both
// rates (reads/s, wall clock) and their ratio, for a steady map and one where values move.
void BM_PollVsBareLibmodbus(benchmark::State& state) {
  TestServer server;
  if (!server.Start()) return state.SkipWithError("server");
  DeviceConfig d = Map125(server.port());
  std::vector<PlannedRead> reads = PlanReads(d);
  std::vector<TagId> ids(d.points.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<TagId>(i);
  PointPublisher publisher(d, reads, ids);
  NullSink sink;
  ModbusLink link(d);
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", server.port());
  modbus_set_slave(ctx, 1);
  if (!link.Connect().ok() || modbus_connect(ctx) != 0) return state.SkipWithError("connect");
  constexpr int kBlock = 100;
  // The first `changed` registers get new values before every read (both loops alike).
  const auto changed = static_cast<size_t>(state.range(0));
  std::vector<uint16_t> changing(changed);
  uint16_t tick = 0;
  double bare_s = 0, ours_s = 0;
  int64_t blocks = 0;
  uint16_t regs[125];
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kBlock; ++i) {
      if (changed) server.SetHoldings(0, Changing(changing, ++tick));
      if (modbus_read_registers(ctx, 0, 125, regs) != 125) state.SkipWithError("bare read");
      benchmark::DoNotOptimize(regs);
    }
    bare_s += Seconds(t0);
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kBlock; ++i) {
      if (changed) server.SetHoldings(0, Changing(changing, ++tick));
      ReadResponse r = link.Read({reads[0].function, reads[0].start, reads[0].quantity});
      if (r.status != ReadStatus::kOk) state.SkipWithError("read");
      sink.Publish(publisher.OnRead(0, r, i));
    }
    ours_s += Seconds(t0);
    ++blocks;
  }
  modbus_close(ctx);
  modbus_free(ctx);
  state.counters["bare_reads/s"] = static_cast<double>(blocks * kBlock) / bare_s;
  state.counters["gantry_reads/s"] = static_cast<double>(blocks * kBlock) / ours_s;
  state.counters["ratio"] = bare_s / ours_s;
  state.counters["points/read"] = static_cast<double>(d.points.size());
}

// Decoding only: one 125-register response into 145 points (floats, scaled int32, uint16, bits),
// through PointPublisher (decode, deadband, samples). Items = points decoded.
void BM_DecodePoints(benchmark::State& state) {
  DeviceConfig d = Map125(1);
  std::vector<PlannedRead> reads = PlanReads(d);
  std::vector<TagId> ids(d.points.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<TagId>(i);
  PointPublisher publisher(d, reads, ids);
  ReadResponse r;
  r.status = ReadStatus::kOk;
  r.registers.resize(125);
  NullSink sink;
  uint16_t v = 0;
  for (auto _ : state) {
    ++v;
    for (size_t i = 0; i < r.registers.size(); ++i)
      r.registers[i] = static_cast<uint16_t>(v * 31 + i);
    sink.Publish(publisher.OnRead(0, r, v));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.points.size()));
  state.counters["samples"] = static_cast<double>(sink.count);
}

// The codec alone: DecodeRegisters over the same 145 points.
void BM_DecodeRegisters(benchmark::State& state) {
  DeviceConfig d = Map125(1);
  std::vector<uint16_t> regs(125);
  for (size_t i = 0; i < regs.size(); ++i) regs[i] = static_cast<uint16_t>(i * 977);
  for (auto _ : state) {
    for (const PointConfig& p : d.points) {
      Value v = DecodeRegisters(p, std::span<const uint16_t>(regs).subspan(p.offset, p.Width()));
      benchmark::DoNotOptimize(v);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.points.size()));
}

// UseRealTime: the two loopback benchmarks wait on the server thread; compare wall-clock rates.
BENCHMARK(BM_BareLibmodbusRead)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_GantryPoll)->UseRealTime()->MinTime(2.0);
// Arg: registers changing between polls (0: a steady line; 20: 10 float32 values moving).
BENCHMARK(BM_PollVsBareLibmodbus)->Arg(0)->Arg(20)->UseRealTime()->MinTime(4.0);
BENCHMARK(BM_DecodePoints);
BENCHMARK(BM_DecodeRegisters);

}  // namespace
}  // namespace gantry::modbus

BENCHMARK_MAIN();
