// Damaged files: flipped bits and truncations in segments and the WAL are reported with the file
// and offset, torn tails are cut, and no wrong sample is ever served.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "data/historian/historian.h"
#include "data/historian/log_format.h"
#include "data/historian/test_util.h"

namespace gantry::historian {
namespace {

namespace fs = std::filesystem;
constexpr Timestamp kT0 = 1'763'769'600 * kSecond;

HistorianOptions Opts() {
  HistorianOptions o;
  o.sync = SyncPolicy::kNone;
  o.max_chunk_samples = 500;
  return o;
}

std::vector<Sample> Truth() {
  std::vector<Sample> v;
  for (int i = 0; i < 3000; ++i) {
    v.push_back(
        {static_cast<TagId>(i % 2), kT0 + i * kSecond, Value(100.0 + i % 17), Quality::Good()});
  }
  return v;
}

// A store with flushed chunks in seg-000001.dat and a few samples left in the WAL.
void Build(const std::string& dir) {
  ManualClock clock(kT0);
  auto h = std::move(Historian::Open(dir, Opts(), clock)).value();
  auto t = Truth();
  ASSERT_TRUE(h->Append(std::span(t).first(2800)).ok());
  ASSERT_TRUE(h->Flush().ok());
  ASSERT_TRUE(h->Append(std::span(t).subspan(2800)).ok());
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x10));
}

// Every served sample must be one of the truth; returns how many were served.
size_t CheckServedSubsetOfTruth(Historian& h) {
  std::map<std::pair<TagId, Timestamp>, Value> truth;
  for (const Sample& s : Truth()) truth[{s.tag, s.time}] = s.value;
  size_t served = 0;
  for (TagId tag = 0; tag < 2; ++tag) {
    auto series = h.FindSeries("tag/" + std::to_string(tag));
    if (!series) continue;
    auto page = h.ReadRaw(*series, INT64_MIN, INT64_MAX, 1'000'000);
    if (!page.ok()) {
      EXPECT_EQ(page.status().code(), StatusCode::kCorrupt) << page.status().ToString();
      continue;
    }
    for (const Point& p : page->points) {
      auto it = truth.find({tag, p.time});
      EXPECT_TRUE(it != truth.end() && it->second == p.value) << "wrong sample served";
      ++served;
    }
  }
  return served;
}

TEST(HistorianCorruption, FlippedPayloadByteIsReportedWithFileAndOffset) {
  testing::TempDir dir;
  Build(dir.path());
  const std::string seg = dir.path() + "/seg-000001.dat";
  FlipByte(seg, 12 + kChunkHeaderSize + 20);  // inside the first chunk's payload
  ManualClock clock(kT0);
  auto h = std::move(Historian::Open(dir.path(), Opts(), clock)).value();
  Status v = h->Verify();
  EXPECT_EQ(v.code(), StatusCode::kCorrupt);
  EXPECT_NE(v.message().find("seg-000001.dat at offset 12"), std::string::npos) << v.message();
  auto page = h->ReadRaw(0, kT0, kT0 + 10 * kSecond, 100);
  EXPECT_EQ(page.status().code(), StatusCode::kCorrupt);
  CheckServedSubsetOfTruth(*h);
}

TEST(HistorianCorruption, DamagedChunkHeaderInSyncedDataFailsOpenNamingTheFile) {
  testing::TempDir dir;
  Build(dir.path());
  const std::string seg = dir.path() + "/seg-000001.dat";
  FlipByte(seg, 12 + 30);
  ManualClock clock(kT0);
  auto h = Historian::Open(dir.path(), Opts(), clock);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(h.status().message().find("seg-000001.dat at offset 12:"), std::string::npos)
      << h.status().message();
}

TEST(HistorianCorruption, TruncatedSyncedSegmentFailsOpen) {
  testing::TempDir dir;
  Build(dir.path());
  const std::string seg = dir.path() + "/seg-000001.dat";
  fs::resize_file(seg, fs::file_size(seg) - 7);
  ManualClock clock(kT0);
  auto h = Historian::Open(dir.path(), Opts(), clock);
  EXPECT_EQ(h.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(h.status().message().find("seg-000001.dat"), std::string::npos);
}

TEST(HistorianCorruption, TornWalTailIsCutAndEverythingBeforeItIsServed) {
  testing::TempDir dir;
  Build(dir.path());
  std::string wal;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().filename().string().rfind("wal-", 0) == 0) wal = e.path().string();
  }
  ASSERT_FALSE(wal.empty());
  {
    std::ofstream f(wal, std::ios::app | std::ios::binary);
    f << "\x11\x22\x33\x44\x05\x00\x00\x00\x01half";  // a record cut short by a crash
  }
  ManualClock clock(kT0);
  auto h = std::move(Historian::Open(dir.path(), Opts(), clock)).value();
  EXPECT_GT(h->stats().wal_tail_bytes_cut, 0u);
  EXPECT_EQ(CheckServedSubsetOfTruth(*h), 3000u);
  EXPECT_TRUE(h->Verify().ok());
}

TEST(HistorianCorruption, RandomBitFlipsNeverServeWrongData) {
  std::mt19937_64 rng(99);
  int opened = 0, refused = 0;
  for (int trial = 0; trial < 40; ++trial) {
    testing::TempDir dir;
    Build(dir.path());
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir.path())) {
      if (e.path().filename() != "LOCK" && fs::file_size(e.path()) > 0)
        files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    const std::string& victim = files[rng() % files.size()];
    for (int k = 0; k < 3; ++k) FlipByte(victim, rng() % fs::file_size(victim));
    ManualClock clock(kT0);
    auto h = Historian::Open(dir.path(), Opts(), clock);
    if (!h.ok()) {
      EXPECT_EQ(h.status().code(), StatusCode::kCorrupt) << h.status().ToString();
      ++refused;
      continue;
    }
    ++opened;
    CheckServedSubsetOfTruth(**h);
  }
  EXPECT_GT(opened + refused, 0);
}

}  // namespace
}  // namespace gantry::historian
