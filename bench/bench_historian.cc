// Historian benchmarks (issue #3), with SQLite as the baseline in the same run: ingest rate,
// bytes per sample by signal kind, hourly means over a year of 1 Hz data, chunk decode rate.
// Results and the command: docs/performance.md, section "Historian".
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "data/historian/chunk.h"
#include "data/historian/historian.h"

namespace gantry::historian {
namespace {

namespace fs = std::filesystem;
constexpr Timestamp kT0 = 1'735'689'600 * kSecond;  // 2025-01-01T00:00:00Z

std::string FreshDir(const std::string& name) {
  const std::string d = (fs::temp_directory_path() / ("gantry-bench-" + name)).string();
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

uint64_t FolderBytes(const std::string& dir, const std::string& prefix) {
  uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) n += fs::file_size(e.path());
  }
  return n;
}

// Signal kinds shaped like the simulator's packaging line (1 Hz polls, exact second ticks).
enum class Kind { kAnalogFloat32, kAnalog2dp, kCounter, kStepSetpoint, kMachineRunning };
const char* KindName(Kind k) {
  switch (k) {
    case Kind::kAnalogFloat32: return "analog_float32";
    case Kind::kAnalog2dp: return "analog_2dp";
    case Kind::kCounter: return "counter";
    case Kind::kStepSetpoint: return "step_setpoint";
    case Kind::kMachineRunning: return "discrete_running";
  }
  return "";
}

class SignalGen {
 public:
  SignalGen(Kind kind, uint64_t seed) : kind_(kind), rng_(seed) {}
  Value Next(int64_t second) {
    switch (kind_) {
      case Kind::kAnalogFloat32: {  // a temperature read as a PLC REAL with sensor noise
        const double base = 22 + 3 * std::sin(static_cast<double>(second) / 3600.0);
        return Value(static_cast<double>(static_cast<float>(base + noise_(rng_) * 0.05)));
      }
      case Kind::kAnalog2dp: {  // an INT register scaled by 0.01 (e.g. 16-bit ADC)
        const double base = 55 + 5 * std::sin(static_cast<double>(second) / 1800.0);
        return Value(std::round((base + noise_(rng_) * 0.08) * 100) / 100);
      }
      case Kind::kCounter:  // good units, about 2 per second while running
        if (rng_() % 600 != 0) count_ += static_cast<int64_t>(rng_() % 4);
        return Value(count_);
      case Kind::kStepSetpoint:  // an operator setpoint changed every ~30 min
        if (rng_() % 1800 == 0) setpoint_ = 150 + static_cast<double>(rng_() % 40) * 0.5;
        return Value(setpoint_);
      case Kind::kMachineRunning:  // running/stopped, changes every ~10 min
        if (rng_() % 600 == 0) running_ = !running_;
        return Value(running_);
    }
    return Value();
  }

 private:
  Kind kind_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> noise_{0, 1};
  int64_t count_ = 0;
  double setpoint_ = 160;
  bool running_ = true;
};

// `tags` analog tags polled once a second for `seconds`, in bus batches of ~1000 samples.
std::vector<std::vector<Sample>> IngestBatches(int tags, int seconds) {
  std::vector<SignalGen> gens;
  for (int t = 0; t < tags; ++t) gens.emplace_back(Kind::kAnalogFloat32, static_cast<uint64_t>(t));
  std::vector<std::vector<Sample>> batches;
  std::vector<Sample> cur;
  for (int s = 0; s < seconds; ++s) {
    for (int t = 0; t < tags; ++t) {
      cur.push_back({static_cast<TagId>(t), kT0 + s * kSecond, gens[t].Next(s), Quality::Good()});
    }
    if (cur.size() >= 1000) batches.push_back(std::move(cur)), cur.clear();
  }
  if (!cur.empty()) batches.push_back(std::move(cur));
  return batches;
}

void BM_IngestHistorian(benchmark::State& state) {
  const auto batches = IngestBatches(200, 20'000);  // 4 M samples
  size_t total = 0;
  for (const auto& b : batches) total += b.size();
  for (auto _ : state) {
    const std::string dir = FreshDir("ingest");
    HistorianOptions o;
    o.sync = SyncPolicy::kInterval;  // group commit: fsync at most every 100 ms
    o.sync_interval = 100 * kMillisecond;
    auto h = std::move(Historian::Open(dir, o, SystemClock::Instance())).value();
    for (const auto& b : batches) {
      if (!h->Append(b).ok()) state.SkipWithError("append failed");
    }
    if (!h->Flush().ok()) state.SkipWithError("flush failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * total));
}
BENCHMARK(BM_IngestHistorian)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

struct Sqlite {
  sqlite3* db = nullptr;
  explicit Sqlite(const std::string& path) {
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                 "CREATE TABLE samples(tag INTEGER, ts INTEGER, value, "
                 "PRIMARY KEY(tag, ts)) WITHOUT ROWID;",
                 nullptr, nullptr, nullptr);
  }
  ~Sqlite() { sqlite3_close(db); }
  // Prepared inserts, one transaction per bus batch.
  void Insert(const std::vector<std::vector<Sample>>& batches) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO samples VALUES(?,?,?)", -1, &st, nullptr);
    for (const auto& b : batches) {
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
      for (const Sample& s : b) {
        sqlite3_bind_int(st, 1, static_cast<int>(s.tag));
        sqlite3_bind_int64(st, 2, s.time);
        if (s.value.type() == ValueType::kDouble) {
          sqlite3_bind_double(st, 3, *s.value.AsDouble());
        } else {
          sqlite3_bind_int64(st, 3, *s.value.AsInt64());
        }
        sqlite3_step(st);
        sqlite3_reset(st);
      }
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  }
};

void BM_IngestSqliteBaseline(benchmark::State& state) {
  const auto batches = IngestBatches(200, 5'000);  // 1 M samples
  size_t total = 0;
  for (const auto& b : batches) total += b.size();
  for (auto _ : state) {
    const std::string dir = FreshDir("sqlite");
    Sqlite db(dir + "/s.db");
    db.Insert(batches);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * total));
}
BENCHMARK(BM_IngestSqliteBaseline)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

// Bytes per stored sample for one signal kind: 10 tags x 1 day at 1 Hz, against SQLite.
void BM_SizePerSample(benchmark::State& state) {
  const auto kind = static_cast<Kind>(state.range(0));
  constexpr int kTagsPerKind = 10;
  constexpr int kSeconds = 86'400;
  std::vector<std::vector<Sample>> batches;
  std::vector<SignalGen> gens;
  for (int t = 0; t < kTagsPerKind; ++t) gens.emplace_back(kind, 100 + static_cast<uint64_t>(t));
  std::vector<Sample> cur;
  for (int s = 0; s < kSeconds; ++s) {
    for (int t = 0; t < kTagsPerKind; ++t) {
      cur.push_back({static_cast<TagId>(t), kT0 + s * kSecond, gens[t].Next(s), Quality::Good()});
    }
    if (cur.size() >= 1000) batches.push_back(std::move(cur)), cur.clear();
  }
  batches.push_back(cur);
  const double samples = double{kTagsPerKind} * kSeconds;
  double ours = 0, packed = 0, sqlite = 0;
  for (auto _ : state) {
    const std::string dir = FreshDir("size");
    {
      HistorianOptions o;
      o.sync = SyncPolicy::kNone;
      auto h = std::move(Historian::Open(dir, o, SystemClock::Instance())).value();
      for (const auto& b : batches) (void)h->Append(b);
      (void)h->Flush();
    }
    ours = static_cast<double>(FolderBytes(dir, "seg-"));
    {  // the same store once every chunk is cold: Maintain() packs them with zstd (level 3)
      HistorianOptions o;
      o.sync = SyncPolicy::kNone;
      o.pack_after = kSecond;
      auto h = std::move(Historian::Open(dir, o, SystemClock::Instance())).value();
      if (!h->Maintain().ok()) state.SkipWithError("maintain failed");
    }
    packed = static_cast<double>(FolderBytes(dir, "seg-"));
    {
      Sqlite db(dir + "/s.db");
      db.Insert(batches);
    }
    sqlite = static_cast<double>(fs::file_size(dir + "/s.db"));
  }
  state.SetLabel(KindName(kind));
  state.counters["bytes_per_sample"] = ours / samples;
  state.counters["zstd_bytes_per_sample"] = packed / samples;
  state.counters["sqlite_bytes_per_row"] = sqlite / samples;
}
BENCHMARK(BM_SizePerSample)->DenseRange(0, 4)->Unit(benchmark::kMillisecond)->Iterations(1);

// One tag, one year at 1 Hz (31.5 M samples), written once for the query benchmarks.
Historian& YearStore() {
  static std::unique_ptr<Historian> h = [] {
    const std::string dir = FreshDir("year");
    HistorianOptions o;
    o.sync = SyncPolicy::kNone;
    auto hist = std::move(Historian::Open(dir, o, SystemClock::Instance())).value();
    SignalGen gen(Kind::kAnalogFloat32, 7);
    std::vector<Sample> batch;
    for (int64_t s = 0; s < 365 * 86'400; ++s) {
      batch.push_back({0, kT0 + s * kSecond, gen.Next(s), Quality::Good()});
      if (batch.size() == 10'000) {
        (void)hist->Append(batch);
        batch.clear();
      }
    }
    (void)hist->Append(batch);
    (void)hist->Flush();
    return hist;
  }();
  return *h;
}

void BM_HourlyMeansOneYear(benchmark::State& state) {
  Historian& h = YearStore();
  size_t buckets = 0;
  for (auto _ : state) {
    auto r = h.Aggregate(0, kT0, kT0 + 365 * kDay, {.interval = kHour});
    if (!r.ok()) state.SkipWithError("aggregate failed");
    buckets = r->size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["intervals"] = static_cast<double>(buckets);
}
BENCHMARK(BM_HourlyMeansOneYear)->Unit(benchmark::kMillisecond);

// Minute means over one day: chunks must be decoded (86 400 samples).
void BM_MinuteMeansOneDayDecoding(benchmark::State& state) {
  Historian& h = YearStore();
  for (auto _ : state) {
    auto r = h.Aggregate(0, kT0 + 100 * kDay, kT0 + 101 * kDay, {.interval = kMinute});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 86'400);
}
BENCHMARK(BM_MinuteMeansOneDayDecoding)->Unit(benchmark::kMillisecond);

// Raw chunk decode rate (timestamps, quality, values) for one-hour analog chunks.
void BM_ChunkDecode(benchmark::State& state) {
  const auto kind = static_cast<Kind>(state.range(0));
  SignalGen gen(kind, 3);
  Columns c;
  for (int s = 0; s < 3600; ++s) c.Add(kT0 + s * kSecond, gen.Next(s), Quality::Good());
  const auto bytes = EncodeChunk(0, 1, 1, c);
  for (auto _ : state) {
    auto r = DecodeChunk(bytes);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(KindName(kind));
  state.SetItemsProcessed(state.iterations() * 3600);
}
BENCHMARK(BM_ChunkDecode)->DenseRange(0, 4);

// The same decode for a chunk packed with zstd (cold data): unpack + decode.
void BM_ChunkDecodePacked(benchmark::State& state) {
  const auto kind = static_cast<Kind>(state.range(0));
  SignalGen gen(kind, 3);
  Columns c;
  for (int s = 0; s < 3600; ++s) c.Add(kT0 + s * kSecond, gen.Next(s), Quality::Good());
  const auto bytes = std::move(PackChunk(EncodeChunk(0, 1, 1, c))).value();
  for (auto _ : state) {
    auto r = DecodeChunk(bytes);
    benchmark::DoNotOptimize(r);
  }
  const bool is_packed = (DecodeChunkHeader(bytes)->flags & kChunkPacked) != 0;
  state.SetLabel(std::string(KindName(kind)) + (is_packed ? " packed" : " left plain"));
  state.SetItemsProcessed(state.iterations() * 3600);
}
BENCHMARK(BM_ChunkDecodePacked)->DenseRange(0, 4);

// OPC UA samples also carry the server's timestamp (Sample::server_time): a one-hour analog_2dp
// chunk whose server stamps lag the source by a constant 5 ms (range 0) or by 1-40 ms in OPC UA's
// 100 ns ticks (range 1). Reports the chunk's bytes per sample next to the same chunk without
// server times, and the decode rate.
void BM_ChunkDecodeWithServerTimes(benchmark::State& state) {
  SignalGen gen(Kind::kAnalog2dp, 3);
  std::mt19937_64 rng(11);
  Columns with, without;
  for (int s = 0; s < 3600; ++s) {
    const Timestamp t = kT0 + s * kSecond;
    const Value v = gen.Next(s);
    const Timestamp lag = state.range(0) == 0
                              ? 5 * kMillisecond
                              : kMillisecond + static_cast<Timestamp>(rng() % 390'000) * 100;
    with.Add(t, v, Quality::Good(), t + lag);
    without.Add(t, v, Quality::Good());
  }
  const auto bytes = EncodeChunk(0, 1, 1, with);
  for (auto _ : state) {
    auto r = DecodeChunk(bytes);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(state.range(0) == 0 ? "constant 5 ms lag" : "1-40 ms lag, 100 ns ticks");
  state.counters["bytes_per_sample"] = static_cast<double>(bytes.size()) / 3600;
  state.counters["without_server_times"] =
      static_cast<double>(EncodeChunk(0, 1, 1, without).size()) / 3600;
  state.SetItemsProcessed(state.iterations() * 3600);
}
BENCHMARK(BM_ChunkDecodeWithServerTimes)->DenseRange(0, 1);

// Raw read of one day through the public API (decode + Point materialisation).
void BM_RawReadOneDay(benchmark::State& state) {
  Historian& h = YearStore();
  for (auto _ : state) {
    auto r = h.ReadRaw(0, kT0 + 200 * kDay, kT0 + 201 * kDay, 100'000);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 86'400);
}
BENCHMARK(BM_RawReadOneDay)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gantry::historian

BENCHMARK_MAIN();
