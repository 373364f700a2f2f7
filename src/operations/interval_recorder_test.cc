#include "operations/interval_recorder.h"

#include <gtest/gtest.h>

#include <map>

namespace gantry::ops {
namespace {

Timestamp T(const char* iso) {
  return ParseTimestamp(iso).value();
}

constexpr const char* kPlant = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - name: m
                state: {word: state}
                counters: {good: good}
operations:
  micro_stop_threshold: 1m
)";

TEST(IntervalRecorder, EventsRecomputeTheSameSegmentsAfterLateData) {
  auto doc = ConfigDocument::Parse(kPlant, "p.yaml").value();
  OperationsConfig cfg = ParseOperationsConfig(doc.Root());
  ASSERT_TRUE(doc.Finish().ok());
  std::map<std::string, TagId> ids;
  auto engine = OperationsEngine::Create(cfg, [&](std::string_view p) -> std::optional<TagId> {
                  return ids.emplace(std::string(p), static_cast<TagId>(ids.size())).first->second;
                }).value();
  auto store = EventStore::Open(":memory:").value();
  IntervalRecorder rec(*engine, *store, T("2026-01-05T06:00:00Z"));
  auto put = [&](const char* tag, const char* iso, double v) {
    engine->Publish(
        Sample{ids.at(std::string("acme/p/a/l/m/") + tag), T(iso), Value(v), Quality::Good()});
  };
  put("state", "2026-01-05T06:00:00Z", 1);
  put("good", "2026-01-05T06:00:00Z", 0);
  put("good", "2026-01-05T06:20:00Z", 1200);
  put("good", "2026-01-05T06:40:00Z", 2400);
  ASSERT_TRUE(rec.CloseUpTo(T("2026-01-05T06:41:00Z")).ok());
  // Producing, no stop open: settled up to the watermark (no micro-stop threshold held back).
  EXPECT_EQ(rec.ClosedUntil("acme/p/a/l/m"), T("2026-01-05T06:41:00Z"));
  put("state", "2026-01-05T06:10:00Z", 5);  // late: a fault 06:10-06:30
  put("state", "2026-01-05T06:30:00Z", 1);
  put("good", "2026-01-05T07:00:00Z", 3600);
  ASSERT_TRUE(rec.CloseUpTo(T("2026-01-05T07:01:00Z")).ok());
  ASSERT_TRUE(
      rec.AssignReason("acme/p/a/l/m", T("2026-01-05T06:10:00Z"), "unassigned", "ann").code() ==
      StatusCode::kInvalidArgument);

  auto from_events =
      store->LoadIntervals("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"))
          .value();
  auto from_engine =
      engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"));
  Duration down_events = 0, down_engine = 0;
  uint64_t good_events = 0, good_engine = 0;
  for (const Segment& s : from_events) {
    if (s.category == StateCategory::kUnplannedDowntime) down_events += s.length();
    good_events += s.good;
  }
  for (const Segment& s : from_engine) {
    if (s.category == StateCategory::kUnplannedDowntime) down_engine += s.length();
    good_engine += s.good;
  }
  EXPECT_EQ(down_engine, 20 * kMinute);
  EXPECT_EQ(down_events, down_engine);
  EXPECT_EQ(good_events, 3600u);
  EXPECT_EQ(good_events, good_engine);
  Duration covered = 0;
  for (const Segment& s : from_events) covered += s.length();
  EXPECT_EQ(covered, kHour);
  auto events = store->Read(0, 1000).value();
  EXPECT_TRUE(std::any_of(events.begin(), events.end(),
                          [](const StoredEvent& e) { return e.kind == EventKind::kCorrection; }));
}

TEST(IntervalRecorder, LongLiveRunKeepsMemoryBounded) {
  auto doc = ConfigDocument::Parse(kPlant, "p.yaml").value();
  OperationsConfig cfg = ParseOperationsConfig(doc.Root());
  std::map<std::string, TagId> ids;
  auto engine = OperationsEngine::Create(cfg, [&](std::string_view p) -> std::optional<TagId> {
                  return ids.emplace(std::string(p), static_cast<TagId>(ids.size())).first->second;
                }).value();
  auto store = EventStore::Open(":memory:").value();
  const Timestamp start = T("2026-01-05T00:00:00Z");
  IntervalRecorder rec(*engine, *store, start);
  uint64_t good = 0;
  for (Timestamp t = start; t < start + 3 * kDay; t += kMinute) {
    engine->Publish(Sample{ids.at("acme/p/a/l/m/state"), t,
                           Value(int64_t{(t / kMinute) % 7 == 0 ? 2 : 1}), Quality::Good()});
    engine->Publish(Sample{ids.at("acme/p/a/l/m/good"), t, Value(static_cast<int64_t>(good += 50)),
                           Quality::Good()});
    if (t % kHour == 0) {
      ASSERT_TRUE(rec.CloseUpTo(t).ok());
    }
  }
  // Three hours of history (2 x horizon + the open hour), not three days.
  EXPECT_LT(engine->Find("acme/p/a/l/m")->retained_points(), 3u * 60 * 4);
  auto segs = store->LoadIntervals("acme/p/a/l/m", start, start + 3 * kDay).value();
  uint64_t counted = 0;
  for (const Segment& s : segs) counted += s.good;
  // Recorded up to 71 h (the last close; producing then, so settled); the first reading is the
  // baseline: 71 * 60 increments of 50, nothing lost or doubled.
  EXPECT_EQ(counted, 50u * 71 * 60);
}

TEST(IntervalRecorder, LateJamOfTheFillerReblamesTheCappersRecordedStarvation) {
  constexpr const char* kLine = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - name: filler
                state: {word: state, fault_code: {tag: fault, reasons: {101: jam}}}
              - name: capper
                upstream: [filler]
                state: {word: state}
operations:
  reasons: {mechanical: [jam]}
)";
  auto doc = ConfigDocument::Parse(kLine, "p.yaml").value();
  OperationsConfig cfg = ParseOperationsConfig(doc.Root());
  ASSERT_TRUE(doc.Finish().ok());
  std::map<std::string, TagId> ids;
  auto engine = OperationsEngine::Create(cfg, [&](std::string_view p) -> std::optional<TagId> {
                  return ids.emplace(std::string(p), static_cast<TagId>(ids.size())).first->second;
                }).value();
  auto store = EventStore::Open(":memory:").value();
  IntervalRecorder rec(*engine, *store, T("2026-01-05T06:00:00Z"));
  auto put = [&](const char* tag, const char* iso, double v) {
    engine->Publish(
        Sample{ids.at(std::string("acme/p/a/l/") + tag), T(iso), Value(v), Quality::Good()});
  };
  put("filler/state", "2026-01-05T06:00:00Z", 1);
  put("filler/fault", "2026-01-05T06:00:00Z", 0);
  put("capper/state", "2026-01-05T06:00:00Z", 1);
  put("capper/state", "2026-01-05T06:10:00Z", 3);  // starved
  put("capper/state", "2026-01-05T06:20:00Z", 1);
  put("filler/state", "2026-01-05T06:25:00Z", 1);
  ASSERT_TRUE(rec.CloseUpTo(T("2026-01-05T06:30:00Z")).ok());
  const std::string capper = "acme/p/a/l/capper";
  auto reasons = [&] {
    std::map<std::string, Duration> out;
    auto segs =
        store->LoadIntervals(capper, T("2026-01-05T06:00:00Z"), T("2026-01-05T06:30:00Z")).value();
    for (const Segment& s : segs)
      if (s.category == StateCategory::kStarved) out[s.reason] += s.length();
    return out;
  };
  // The filler seemed to run: it was not down, just not delivering.
  EXPECT_EQ(reasons(), (std::map<std::string, Duration>{{"filler:producing", 10 * kMinute}}));
  // Its jam 06:08-06:15 arrives late (a reconnect flushing a buffer).
  put("filler/fault", "2026-01-05T06:08:00Z", 101);
  put("filler/state", "2026-01-05T06:08:00Z", 5);
  put("filler/state", "2026-01-05T06:15:00Z", 1);
  put("filler/fault", "2026-01-05T06:15:00Z", 0);
  ASSERT_TRUE(rec.CloseUpTo(T("2026-01-05T06:30:00Z")).ok());
  EXPECT_EQ(reasons(), (std::map<std::string, Duration>{{"filler:jam", 5 * kMinute},
                                                        {"filler:producing", 5 * kMinute}}));
  auto events = store->Read(0, 1000).value();
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [&](const StoredEvent& e) {
    return e.kind == EventKind::kCorrection && e.work_centre == capper;
  }));
}

}  // namespace
}  // namespace gantry::ops
