// The historian end to end: append and read back across reopen, out-of-order and duplicate
// merging, paging, last-before, interpolation, aggregates (summary path equals brute force),
// tag catalog, disk floor and retention.
#include "data/historian/historian.h"

#include <gtest/gtest.h>

#include <random>

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

TEST(Historian, SamplesSurviveReopenFromWalAndFromChunks) {
  TempDir dir;
  ManualClock clock(kT0);
  std::vector<Sample> batch;
  for (int i = 0; i < 10'000; ++i)
    batch.push_back({0, kT0 + i * kSecond, Value(i * 0.5), Quality::Good()});
  {
    auto h = Historian::Open(dir.path(), Fast(), clock);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    ASSERT_TRUE((*h)->BindTag(0, "acme/p1/line1/press/temp").ok());
    ASSERT_TRUE((*h)->Append(batch).ok());
    EXPECT_GE((*h)->stats().chunks_sealed, 2u);  // 10000 s cross hour boundaries
  }
  auto h = Historian::Open(dir.path(), Fast(), clock);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  auto series = (*h)->FindSeries("acme/p1/line1/press/temp");
  ASSERT_TRUE(series.has_value());
  auto points = ReadAll(**h, *series);
  ASSERT_EQ(points.size(), batch.size());
  for (size_t i = 0; i < points.size(); ++i) {
    ASSERT_EQ(points[i].time, batch[i].time);
    ASSERT_EQ(points[i].value, batch[i].value);
  }
  EXPECT_GT((*h)->stats().samples_replayed, 0u);
}

TEST(Historian, LateSamplesMergeAndExactDuplicatesAreIgnored) {
  TempDir dir;
  ManualClock clock(kT0);
  auto h = MustOpen(dir.path(), Fast(), clock);
  std::vector<Sample> live, late;
  for (int i = 0; i < 7200; i += 2)
    live.push_back({1, kT0 + i * kSecond, Value(int64_t{i}), Quality::Good()});
  for (int i = 1; i < 7200; i += 2)
    late.push_back({1, kT0 + i * kSecond, Value(int64_t{i}), Quality::Good()});
  ASSERT_TRUE(h->Append(live).ok());
  ASSERT_TRUE(h->Flush().ok());
  ASSERT_TRUE(h->Append(late).ok());                        // a device delivers its buffer
  ASSERT_TRUE(h->Append(std::span(live).first(100)).ok());  // and resends some
  ASSERT_TRUE(h->Append(std::span(late).last(50)).ok());
  auto series = *h->SeriesFor("tag/1");
  auto points = ReadAll(*h, series);
  ASSERT_EQ(points.size(), 7200u);
  for (int i = 0; i < 7200; ++i) ASSERT_EQ(points[i].value, Value(int64_t{i})) << i;
  ASSERT_TRUE(h->Flush().ok());
  EXPECT_EQ(ReadAll(*h, series).size(), 7200u);
}

TEST(Historian, PagingWithEqualTimestampsVisitsEverySampleOnce) {
  TempDir dir;
  ManualClock clock(kT0);
  auto h = MustOpen(dir.path(), Fast(), clock);
  std::vector<Sample> batch;
  for (int i = 0; i < 1000; ++i)
    batch.push_back({0, kT0 + (i / 7) * kSecond, Value(double(i)), Quality::Good()});
  ASSERT_TRUE(h->Append(batch).ok());
  ASSERT_TRUE(h->Flush().ok());
  ASSERT_TRUE(
      h->Append(std::vector<Sample>{{0, kT0 + 500 * kSecond, Value(-1.0), Quality::Good()}}).ok());
  std::vector<Point> all;
  std::optional<RawCursor> cursor;
  int pages = 0;
  do {
    auto page = h->ReadRaw(0, kT0, kT0 + 1000 * kSecond, 3, cursor);
    ASSERT_TRUE(page.ok());
    all.insert(all.end(), page->points.begin(), page->points.end());
    cursor = page->next;
    ASSERT_LT(++pages, 1000);
  } while (cursor);
  ASSERT_EQ(all.size(), 1001u);
  for (size_t i = 1; i < all.size(); ++i) ASSERT_LE(all[i - 1].time, all[i].time);
  EXPECT_EQ(all.back().value, Value(-1.0));
}

TEST(Historian, LastBeforeAndInterpolatedAt) {
  TempDir dir;
  ManualClock clock(kT0);
  auto h = MustOpen(dir.path(), Fast(), clock);
  std::vector<Sample> b = {{0, kT0, Value(10.0), Quality::Good()},
                           {0, kT0 + 10 * kSecond, Value(20.0), Quality::Good()},
                           {0, kT0 + 15 * kSecond, Value(), Quality::BadNotConnected()},
                           {0, kT0 + 20 * kSecond, Value(40.0), Quality::Good()}};
  ASSERT_TRUE(h->Append(b).ok());
  auto last = *h->LastBefore(0, kT0 + 16 * kSecond);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->quality, Quality::BadNotConnected());
  EXPECT_FALSE(*h->LastBefore(0, kT0 - 1));
  auto mid = *h->InterpolatedAt(0, kT0 + 5 * kSecond);
  ASSERT_TRUE(mid);
  EXPECT_DOUBLE_EQ(*mid->value.AsDouble(), 15.0);
  auto over_gap = *h->InterpolatedAt(0, kT0 + 15 * kSecond);  // the Bad sample is skipped
  EXPECT_DOUBLE_EQ(*over_gap->value.AsDouble(), 30.0);
  auto held = *h->InterpolatedAt(0, kT0 + 99 * kSecond);
  EXPECT_DOUBLE_EQ(*held->value.AsDouble(), 40.0);
  EXPECT_FALSE(*h->InterpolatedAt(0, kT0 - kSecond));
}

// Aggregates computed with chunk summaries equal those computed from every raw sample.
TEST(HistorianAggregate, SummaryPathEqualsBruteForceOnRandomData) {
  TempDir dir;
  ManualClock clock(kT0);
  HistorianOptions o = Fast();
  o.chunk_span = 10 * kMinute;
  auto h = MustOpen(dir.path(), o, clock);
  std::mt19937_64 rng(3);
  std::vector<Sample> batch;
  Timestamp t = kT0;
  double counter = 0;
  for (int i = 0; i < 20'000; ++i) {
    t += static_cast<Timestamp>(rng() % 3000) * kMillisecond;
    counter += static_cast<double>(rng() % 5);
    if (counter >= 65536) counter -= 65536;
    Quality q = rng() % 50 == 0 ? Quality::Bad() : Quality::Good();
    batch.push_back({0, t, Value(counter), q});
  }
  ASSERT_TRUE(h->Append(batch).ok());
  ASSERT_TRUE(h->Flush().ok());
  for (Duration interval : {kHour, 7 * kMinute, 3 * kHour}) {
    AggregateOptions ao{.interval = interval, .counter_width_bits = 16};
    const Timestamp from = kT0 + 17 * kMinute, to = t - 5 * kMinute;
    auto fast = h->Aggregate(0, from, to, ao);
    ASSERT_TRUE(fast.ok());
    BucketAccumulator brute(from, to, ao);
    auto before = *h->FindSeries("tag/0");
    auto all = ReadAll(*h, before);
    std::optional<Point> seed;
    for (const Point& p : all) {
      if (p.time < from && !p.quality.IsBad()) seed = p;
    }
    if (seed) brute.Seed(seed->time, *seed->value.AsDouble());
    for (const Point& p : all) {
      if (p.time >= from && p.time < to && !p.quality.IsBad())
        brute.Add(p.time, *p.value.AsDouble());
    }
    auto slow = brute.Finish();
    ASSERT_EQ(fast->size(), slow.size());
    for (size_t i = 0; i < slow.size(); ++i) {
      const Bucket& a = (*fast)[i];
      const Bucket& b = slow[i];
      ASSERT_EQ(a.count, b.count) << i;
      EXPECT_DOUBLE_EQ(a.min, b.min);
      EXPECT_DOUBLE_EQ(a.max, b.max);
      EXPECT_NEAR(a.sum, b.sum, 1e-6 * std::abs(b.sum) + 1e-9);
      EXPECT_EQ(a.first, b.first);
      EXPECT_EQ(a.last, b.last);
      EXPECT_NEAR(a.delta, b.delta, 1e-6);
      EXPECT_EQ(a.covered, b.covered);
      EXPECT_NEAR(a.tw_integral, b.tw_integral, 1e-9 * std::abs(b.tw_integral) + 1);
    }
  }
}

TEST(HistorianAggregate, CounterRolloverAndResetDeltas) {
  TempDir dir;
  ManualClock clock(kT0);
  auto h = MustOpen(dir.path(), Fast(), clock);
  std::vector<Sample> b;
  const int64_t values[] = {65530, 65535, 3, 10};  // a 16-bit counter rolls over
  for (int i = 0; i < 4; ++i)
    b.push_back({0, kT0 + i * kMinute, Value(values[i]), Quality::Good()});
  ASSERT_TRUE(h->Append(b).ok());
  auto wrapped = *h->Aggregate(0, kT0, kT0 + kHour, {.interval = kHour, .counter_width_bits = 16});
  EXPECT_DOUBLE_EQ(*BucketValue(wrapped[0], AggregateKind::kDelta), 5 + 4 + 7);
  auto reset = *h->Aggregate(0, kT0, kT0 + kHour, {.interval = kHour});
  EXPECT_DOUBLE_EQ(*BucketValue(reset[0], AggregateKind::kDelta), 5 + 3 + 7);
}

TEST(HistorianAggregate, DurationInStateAndTimeWeightedMeanOfAMachineRunSignal) {
  TempDir dir;
  ManualClock clock(kT0);
  auto h = MustOpen(dir.path(), Fast(), clock);
  // Running 00:00-00:45, stopped 00:45-01:30, running again from 01:30.
  std::vector<Sample> b = {{0, kT0 - kHour, Value(true), Quality::Good()},
                           {0, kT0 + 45 * kMinute, Value(false), Quality::Good()},
                           {0, kT0 + 90 * kMinute, Value(true), Quality::Good()}};
  ASSERT_TRUE(h->Append(b).ok());
  ASSERT_TRUE(h->Flush().ok());
  AggregateOptions o{.interval = kHour, .want_state_duration = true, .state = 1};
  auto buckets = *h->Aggregate(0, kT0, kT0 + 2 * kHour, o);
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_DOUBLE_EQ(*BucketValue(buckets[0], AggregateKind::kDurationInState), 45 * 60);
  EXPECT_DOUBLE_EQ(*BucketValue(buckets[1], AggregateKind::kDurationInState), 30 * 60);
  EXPECT_DOUBLE_EQ(*BucketValue(buckets[0], AggregateKind::kTimeWeightedMean), 0.75);
  EXPECT_EQ(*BucketValue(buckets[0], AggregateKind::kCount), 1);
}

TEST(HistorianCatalog, DataFollowsThePathWhenTagIdsAreRenumbered) {
  TempDir dir;
  ManualClock clock(kT0);
  {
    auto h = MustOpen(dir.path(), Fast(), clock);
    ASSERT_TRUE(h->BindTag(0, "site/a/speed").ok());
    ASSERT_TRUE(h->BindTag(1, "site/a/count").ok());
    ASSERT_TRUE(h->Append(std::vector<Sample>{{1, kT0, Value(int64_t{5}), Quality::Good()}}).ok());
  }
  auto h = MustOpen(dir.path(), Fast(), clock);
  ASSERT_TRUE(h->BindTag(0, "site/a/count").ok());  // the new configuration numbers it 0
  ASSERT_TRUE(
      h->Append(std::vector<Sample>{{0, kT0 + kSecond, Value(int64_t{6}), Quality::Good()}}).ok());
  auto points = ReadAll(*h, *h->FindSeries("site/a/count"));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[1].value, Value(int64_t{6}));
  EXPECT_EQ(*h->PathOf(*h->FindSeries("site/a/count")), "site/a/count");
}

TEST(HistorianDiskFloor, LowPriorityTagsAreRefusedFirstAndCounted) {
  TempDir dir;
  ManualClock clock(kT0);
  uint64_t free = 10'000'000;
  HistorianOptions o = Fast();
  o.disk_floor_bytes = 1'000'000;
  o.free_bytes = [&](const std::string&) -> Result<uint64_t> { return free; };
  auto h = MustOpen(dir.path(), o, clock);
  ASSERT_TRUE(h->BindTag(0, "important").ok());
  ASSERT_TRUE(h->BindTag(1, "debug").ok());
  ASSERT_TRUE(h->SetPriority(*h->FindSeries("debug"), -1).ok());
  std::vector<Sample> b = {{0, kT0, Value(1.0), Quality::Good()},
                           {1, kT0, Value(2.0), Quality::Good()}};
  ASSERT_TRUE(h->Append(b).ok());
  EXPECT_FALSE(h->stats().disk_floor_alarm);
  free = 700'000;
  clock.Advance(2 * kSecond);
  ASSERT_TRUE(h->Append(b).ok());  // important stored, debug refused
  EXPECT_TRUE(h->stats().disk_floor_alarm);
  EXPECT_EQ(h->stats().samples_refused_disk_floor, 1u);
  EXPECT_EQ(h->Append(std::span(b).last(1)).code(), StatusCode::kResourceExhausted);
  free = 100'000;
  clock.Advance(2 * kSecond);
  EXPECT_EQ(h->Append(b).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(h->stats().samples_refused_disk_floor, 4u);
  EXPECT_EQ(ReadAll(*h, *h->FindSeries("debug")).size(), 1u);
}

TEST(HistorianRetention, RawDataOlderThanTheRuleIsDropped) {
  TempDir dir;
  ManualClock clock(kT0);
  HistorianOptions o = Fast();
  o.retention = {{"site/", 30 * kDay}, {"site/keep/", 0}};
  o.segment_max_bytes = 1;  // every chunk in its own segment, so whole files can go
  auto h = MustOpen(dir.path(), o, clock);
  ASSERT_TRUE(h->BindTag(0, "site/temp").ok());
  ASSERT_TRUE(h->BindTag(1, "site/keep/count").ok());
  std::vector<Sample> b;
  for (int d = 0; d < 60; ++d) {
    b.push_back({0, kT0 + d * kDay, Value(1.0 * d), Quality::Good()});
    b.push_back({1, kT0 + d * kDay, Value(int64_t{d}), Quality::Good()});
  }
  ASSERT_TRUE(h->Append(b).ok());
  ASSERT_TRUE(h->Flush().ok());
  clock.Set(kT0 + 60 * kDay);
  ASSERT_TRUE(h->ApplyRetention().ok());
  EXPECT_EQ(ReadAll(*h, *h->FindSeries("site/temp")).size(), 30u);
  EXPECT_EQ(ReadAll(*h, *h->FindSeries("site/keep/count")).size(), 60u);
  EXPECT_GT(h->stats().chunks_expired, 0u);
  h.reset();
  auto again = MustOpen(dir.path(), o, clock);
  EXPECT_EQ(ReadAll(*again, *again->FindSeries("site/temp")).size(), 30u);
}

}  // namespace
}  // namespace gantry::historian
