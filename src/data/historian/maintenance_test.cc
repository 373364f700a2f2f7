// Historian upkeep: zstd packing of cold chunks, "raw for N days, aggregates longer" retention,
// compaction of overlapping late chunks, and a SIGKILL at every durable step of a compaction and
// segment rewrite.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "data/historian/historian.h"
#include "data/historian/maintenance_loop.h"
#include "data/historian/test_util.h"

namespace gantry::historian {
namespace {

using testing::TempDir;
constexpr Timestamp kT0 = 1'763'769'600 * kSecond;  // 2025-11-22T00:00:00Z

HistorianOptions Fast() {
  HistorianOptions o;
  o.sync = SyncPolicy::kNone;
  return o;
}

std::unique_ptr<Historian> MustOpen(const std::string& dir, HistorianOptions o,
                                    const Clock& clock) {
  auto h = Historian::Open(dir, std::move(o), clock);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() ? std::move(h).value() : nullptr;
}

std::vector<Point> ReadAll(Historian& h, SeriesId s) {
  auto page = h.ReadRaw(s, INT64_MIN, INT64_MAX, 10'000'000);
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  return page.ok() ? page->points : std::vector<Point>{};
}

uint64_t SegmentBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("seg-", 0) == 0) n += e.file_size();
  }
  return n;
}

void ExpectNoOverlap(const std::vector<ChunkInfo>& chunks) {
  for (size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_GT(chunks[i].t_min, chunks[i - 1].t_max) << "chunks " << i - 1 << " and " << i;
  }
}

// A pressure with two decimals and a production counter, every 10 s for `days` days.
std::vector<Sample> PlantDays(int days) {
  std::vector<Sample> v;
  std::mt19937_64 rng(11);
  int64_t count = 0;
  for (int64_t s = 0; s < days * 86'400; s += 10) {
    const double p = std::round((4 + std::sin(static_cast<double>(s) / 5000.0)) * 100) / 100;
    v.push_back({0, kT0 + s * kSecond, Value(p), Quality::Good()});
    count = (count + static_cast<int64_t>(rng() % 7)) % 65536;
    v.push_back({1, kT0 + s * kSecond, Value(count), Quality::Good()});
  }
  return v;
}

TEST(HistorianPacking, ColdChunksArePackedAndReadBackUnchanged) {
  TempDir dir;
  ManualClock clock(kT0 + 10 * kDay);
  HistorianOptions o = Fast();
  o.pack_after = 2 * kDay;
  auto h = MustOpen(dir.path(), o, clock);
  const auto samples = PlantDays(4);
  ASSERT_TRUE(h->Append(samples).ok());
  ASSERT_TRUE(h->Flush().ok());
  const auto before = ReadAll(*h, 0);
  const auto agg_before = *h->Aggregate(1, kT0, kT0 + 4 * kDay, {.interval = kHour});
  const uint64_t bytes_before = SegmentBytes(dir.path());
  ASSERT_TRUE(h->Maintain().ok());
  EXPECT_GT(h->stats().chunks_packed, 0u);
  EXPECT_LT(SegmentBytes(dir.path()), bytes_before);
  size_t packed = 0;
  for (SeriesId s : {0u, 1u}) {
    for (const ChunkInfo& c : h->ChunksOf(s)) {
      EXPECT_TRUE(c.packed || c.left_plain) << c.t_min;
      packed += c.packed;
    }
  }
  EXPECT_GT(packed, 0u);
  EXPECT_EQ(ReadAll(*h, 0), before);
  const auto agg_after = *h->Aggregate(1, kT0, kT0 + 4 * kDay, {.interval = kHour});
  ASSERT_EQ(agg_after.size(), agg_before.size());
  for (size_t i = 0; i < agg_after.size(); ++i) {
    EXPECT_EQ(agg_after[i].sum, agg_before[i].sum);
    EXPECT_EQ(agg_after[i].delta, agg_before[i].delta);
  }
  const uint64_t rewritten = h->stats().segments_rewritten;
  ASSERT_TRUE(h->Maintain().ok());  // nothing left to do: no churn
  EXPECT_EQ(h->stats().segments_rewritten, rewritten);
  h.reset();
  auto again = MustOpen(dir.path(), o, clock);
  EXPECT_TRUE(again->Verify().ok());
  EXPECT_EQ(ReadAll(*again, 0), before);
}

// Hourly (and daily) aggregates come from the chunk summaries, so they are exactly the same
// before and after the raw samples expire; finer intervals cannot be split from a summary and
// say so; raw reads say that raw data has expired.
TEST(HistorianRetention, AggregatesOutliveRawDataAndStayExact) {
  TempDir dir;
  ManualClock clock(kT0);
  HistorianOptions o = Fast();
  o.retention = {{"tag/", 3 * kDay, 30 * kDay}};
  auto h = MustOpen(dir.path(), o, clock);
  ASSERT_TRUE(h->Append(PlantDays(6)).ok());
  ASSERT_TRUE(h->Flush().ok());
  const Timestamp from = kT0 + kHour, to = kT0 + 6 * kDay;
  const AggregateKind kinds[] = {AggregateKind::kMin,   AggregateKind::kMax,
                                 AggregateKind::kMean,  AggregateKind::kTimeWeightedMean,
                                 AggregateKind::kSum,   AggregateKind::kCount,
                                 AggregateKind::kFirst, AggregateKind::kLast,
                                 AggregateKind::kDelta};
  std::map<std::pair<SeriesId, Duration>, std::vector<Bucket>> before;
  for (SeriesId s : {0u, 1u}) {
    for (Duration iv : {kHour, kDay}) {
      before[{s, iv}] = *h->Aggregate(s, from, to, {.interval = iv, .counter_width_bits = 16});
    }
  }
  clock.Set(kT0 + 7 * kDay);  // days 0..3 are past keep_raw
  ASSERT_TRUE(h->Maintain().ok());
  EXPECT_GT(h->stats().chunks_summarised, 0u);
  EXPECT_EQ(h->stats().chunks_expired, 0u);
  auto check = [&](Historian& store) {
    for (SeriesId s : {0u, 1u}) {
      for (Duration iv : {kHour, kDay}) {
        auto after = *store.Aggregate(s, from, to, {.interval = iv, .counter_width_bits = 16});
        const auto& ref = before[{s, iv}];
        ASSERT_EQ(after.size(), ref.size());
        for (size_t i = 0; i < ref.size(); ++i) {
          ASSERT_FALSE(after[i].raw_expired) << i;
          for (AggregateKind k : kinds) {
            auto a = BucketValue(after[i], k), b = BucketValue(ref[i], k);
            ASSERT_EQ(a.has_value(), b.has_value());
            if (a) {
              EXPECT_NEAR(*a, *b, 1e-9 * std::abs(*b)) << "series " << s << " bucket " << i;
            }
          }
        }
      }
    }
    // 15-minute buckets over expired days cannot be cut from hourly summaries: no numbers.
    auto fine = *store.Aggregate(0, kT0, kT0 + kDay, {.interval = 15 * kMinute});
    for (const Bucket& b : fine) {
      EXPECT_TRUE(b.raw_expired);
      EXPECT_FALSE(BucketValue(b, AggregateKind::kMean));
    }
    // ... but over days still raw they can.
    auto recent = *store.Aggregate(0, kT0 + 5 * kDay, kT0 + 6 * kDay, {.interval = 15 * kMinute});
    for (const Bucket& b : recent) EXPECT_TRUE(BucketValue(b, AggregateKind::kMean));
    auto raw = store.ReadRaw(0, kT0, kT0 + kDay, 1000);
    ASSERT_TRUE(raw.ok());
    EXPECT_TRUE(raw->points.empty());
    ASSERT_TRUE(raw->raw_expired_before.has_value());
    EXPECT_EQ(*raw->raw_expired_before, kT0 + 4 * kDay);
    auto fresh = store.ReadRaw(0, kT0 + 5 * kDay, kT0 + 6 * kDay, 100'000);
    EXPECT_EQ(fresh->points.size(), 8640u);
    EXPECT_FALSE(fresh->raw_expired_before.has_value());
    EXPECT_TRUE(store.Verify().ok());
  };
  check(*h);
  h.reset();
  auto again = MustOpen(dir.path(), o, clock);
  check(*again);
  // Past keep_aggregates the summaries go too.
  clock.Set(kT0 + 40 * kDay);
  ASSERT_TRUE(again->Maintain().ok());
  EXPECT_GT(again->stats().chunks_expired, 0u);
  auto gone = *again->Aggregate(0, kT0, kT0 + 6 * kDay, {.interval = kDay});
  for (const Bucket& b : gone) EXPECT_EQ(b.count, 0u);
}

// A device reconnects and delivers an hour-old buffer: the chunk sealed with it overlaps the
// chunks already stored; Maintain merges them into sorted chunks that do not overlap.
std::vector<Sample> Live(int from_s, int to_s, int step) {
  std::vector<Sample> v;
  for (int s = from_s; s < to_s; s += step)
    v.push_back({0, kT0 + s * kSecond, Value(static_cast<double>(s) * 0.5), Quality::Good()});
  return v;
}

void BuildOverlapping(const std::string& dir, const Clock& clock) {
  HistorianOptions o = Fast();
  o.chunk_span = 10 * kMinute;
  auto h = MustOpen(dir, o, clock);
  ASSERT_TRUE(h->BindTag(0, "tag/0").ok());      // series 0
  ASSERT_TRUE(h->BindTag(1, "tag/1").ok());      // series 1
  std::vector<Sample> other = Live(0, 4000, 5);  // an in-order neighbour in the same segment
  for (Sample& s : other) s.tag = 1;
  ASSERT_TRUE(h->Append(other).ok());
  ASSERT_TRUE(h->Append(Live(0, 3600, 2)).ok());     // even seconds, sealed per 10 min
  ASSERT_TRUE(h->Append(Live(1, 3600, 2)).ok());     // the late buffer: odd seconds
  ASSERT_TRUE(h->Append(Live(3600, 4000, 1)).ok());  // live again
  ASSERT_TRUE(h->Append(Live(100, 200, 2)).ok());    // and a resend of known samples
  ASSERT_TRUE(h->Flush().ok());
}

TEST(HistorianCompaction, OverlappingLateChunksBecomeSortedAndDisjoint) {
  TempDir dir;
  ManualClock clock(kT0 + kDay);
  BuildOverlapping(dir.path(), clock);
  HistorianOptions o = Fast();
  o.chunk_span = 10 * kMinute;
  auto h = MustOpen(dir.path(), o, clock);
  const auto expected = Live(0, 4000, 1);
  auto check = [&](Historian& store) {
    auto points = ReadAll(store, 0);
    ASSERT_EQ(points.size(), expected.size());
    for (size_t i = 0; i < points.size(); ++i) ASSERT_EQ(points[i].time, expected[i].time);
  };
  check(*h);
  ASSERT_TRUE(h->Maintain().ok());
  EXPECT_GT(h->stats().chunks_compacted, 0u);
  ExpectNoOverlap(h->ChunksOf(0));
  EXPECT_EQ(h->ChunksOf(0).size(), 7u);  // 6 ten-minute windows + 01:00-01:06:40
  check(*h);
  h.reset();
  auto again = MustOpen(dir.path(), o, clock);
  check(*again);
  ExpectNoOverlap(again->ChunksOf(0));
  EXPECT_TRUE(again->Verify().ok());
}

// Kills the process at each durable step of Maintain (compaction, packing, rewrite): after every
// kill the store opens clean, serves every sample exactly once, and the next Maintain finishes.
TEST(HistorianCompaction, KillAtEveryStepLeavesOldOrNewNeverBothNorNeither) {
  int steps_covered = 0;
  for (int kill_at = 0;; ++kill_at) {
    TempDir dir;
    ManualClock clock(kT0 + kDay);
    BuildOverlapping(dir.path(), clock);
    HistorianOptions o = Fast();
    o.chunk_span = 10 * kMinute;
    o.pack_after = kHour;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int step = 0;
      o.maintenance_step = [&](std::string_view) {
        if (step++ == kill_at) ::raise(SIGKILL);
      };
      auto h = Historian::Open(dir.path(), o, clock);
      if (!h.ok()) _exit(3);
      _exit((*h)->Maintain().ok() ? 0 : 4);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    const bool killed = WIFSIGNALED(status);
    if (!killed) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "maintenance failed";
    }
    auto h = MustOpen(dir.path(), o, clock);
    ASSERT_NE(h, nullptr);
    ASSERT_TRUE(h->Verify().ok());
    const auto expected = Live(0, 4000, 1);
    auto points = ReadAll(*h, 0);
    ASSERT_EQ(points.size(), expected.size()) << "kill at step " << kill_at;
    for (size_t i = 0; i < points.size(); ++i) {
      ASSERT_EQ(points[i].time, expected[i].time) << "kill at step " << kill_at;
      ASSERT_EQ(points[i].value, expected[i].value);
    }
    ASSERT_TRUE(h->Maintain().ok());
    ExpectNoOverlap(h->ChunksOf(0));
    for (SeriesId s : {0u, 1u}) {
      for (const ChunkInfo& c : h->ChunksOf(s)) EXPECT_TRUE(c.packed || c.left_plain);
    }
    EXPECT_EQ(ReadAll(*h, 0).size(), expected.size());
    EXPECT_EQ(ReadAll(*h, 1).size(), 800u);
    if (!killed) break;
    ++steps_covered;
  }
  EXPECT_GE(steps_covered, 5);  // compaction (2 steps) and at least one rewrite (3 steps)
}

TEST(HistorianMaintenanceLoop, RunsMaintainInTheBackgroundAndStopsOnDestruction) {
  TempDir dir;
  ManualClock clock(kT0 + 30 * kDay);
  HistorianOptions o = Fast();
  o.retention = {{"tag/", kDay}};
  auto h = MustOpen(dir.path(), o, clock);
  ASSERT_TRUE(h->Append(PlantDays(2)).ok());
  ASSERT_TRUE(h->Flush().ok());
  {
    MaintenanceLoop loop(*h, 5 * kMillisecond);
    for (int i = 0; i < 400 && h->stats().chunks_expired == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GT(h->stats().chunks_expired, 0u);
  EXPECT_TRUE(ReadAll(*h, 0).empty());
}

}  // namespace
}  // namespace gantry::historian
