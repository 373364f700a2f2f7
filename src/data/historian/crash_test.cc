// Crash safety: a child process appends to the historian and reports each acknowledged batch
// through a pipe; the parent kills it with SIGKILL at a random moment, reopens the store and
// checks that every acknowledged sample is there, that every stored sample is one that was
// written, and that all chunks pass their checksums. 60 rounds by default, 1000 with
// GANTRY_LONG_TESTS=1. Small chunk, WAL and segment limits make every round cross seals,
// checkpoints and segment rolls; every 20th batch the writer also runs Maintain(), which
// compacts the overlapping chunks the late samples cause and zstd-packs every sealed chunk
// (all data is older than pack_after), so kills also land inside compactions and rewrites.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "data/historian/historian.h"
#include "data/historian/test_util.h"

namespace gantry::historian {
namespace {

constexpr Timestamp kT0 = 1'763'769'600 * kSecond;
constexpr int kPerBatch = 12;
constexpr int kTags = 4;

// Sample i of batch b: 4 tags of 4 value types; every 7th batch also delivers late samples.
Sample Generate(int64_t b, int i) {
  const auto tag = static_cast<TagId>(i % kTags);
  int64_t slot = b * kPerBatch + i;
  Timestamp t = kT0 + slot * 100 * kMillisecond;
  if (b % 7 == 3 && i < kTags && b >= 50)
    t = kT0 + ((b - 50) * kPerBatch + i) * 100 * kMillisecond + 50 * kMillisecond;
  if (i == kPerBatch - 1 && b % 5 == 0) return {tag, t, Value(), Quality::BadNotConnected()};
  switch (tag) {
    case 0: return {tag, t, Value(20.0 + static_cast<double>(slot % 1000) / 100), Quality::Good()};
    case 1: return {tag, t, Value(slot * 3), Quality::Good()};
    case 2: return {tag, t, Value(slot % 9 < 4), Quality::Good()};
    default: return {tag, t, Value(slot % 13 < 6 ? "RUN" : "IDLE"), Quality::Uncertain()};
  }
}

HistorianOptions CrashOptions() {
  HistorianOptions o;
  o.sync = SyncPolicy::kInterval;
  o.sync_interval = 5 * kMillisecond;
  o.chunk_span = 30 * kSecond;
  o.max_chunk_samples = 40;
  o.wal_checkpoint_bytes = 8 << 10;
  o.segment_max_bytes = 32 << 10;
  o.pack_after = kSecond;
  return o;
}

[[noreturn]] void RunWriter(const std::string& dir, int64_t first_batch, int ack_fd,
                            bool maintain) {
  auto h = Historian::Open(dir, CrashOptions(), SystemClock::Instance());
  if (!h.ok()) _exit(3);
  for (int64_t b = first_batch;; ++b) {
    std::vector<Sample> batch;
    for (int i = 0; i < kPerBatch; ++i) batch.push_back(Generate(b, i));
    if (!(*h)->Append(batch).ok()) _exit(4);
    if (::write(ack_fd, &b, sizeof(b)) != sizeof(b)) _exit(5);
    if (maintain && b % 20 == 19 && !(*h)->Maintain().ok()) _exit(6);
  }
}

TEST(HistorianCrash, EveryAcknowledgedSampleSurvivesSigkill) {
  testing::TempDir dir;
  const bool long_mode = std::getenv("GANTRY_LONG_TESTS") != nullptr;
  const int rounds = long_mode ? 1000 : 60;
  std::mt19937 rng(12345);
  std::map<std::pair<TagId, Timestamp>, Value> written;  // everything any writer may have stored
  std::vector<int64_t> acked;
  int64_t next_batch = 0;
  int tails_cut = 0;       // rounds whose recovery had a torn tail to cut
  size_t packed_seen = 0;  // packed chunks in the store after the last round
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunWriter(dir.path(), next_batch, fds[1], round % 2 == 1);
    }
    ::close(fds[1]);
    // Odd rounds run maintenance, which syncs several files: they get longer to live.
    const uint32_t span_us = round % 2 == 1 ? 150'000 : 40'000;
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + rng() % span_us));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited by itself with " << WEXITSTATUS(status);
    int64_t b;
    int64_t last = next_batch - 1;
    while (::read(fds[0], &b, sizeof(b)) == sizeof(b)) {
      acked.push_back(b);
      last = b;
    }
    ::close(fds[0]);
    // The writer may have stored up to one batch past its last acknowledgement.
    for (int64_t k = next_batch; k <= last + 1; ++k) {
      for (int i = 0; i < kPerBatch; ++i) {
        Sample s = Generate(k, i);
        written[{s.tag, s.time}] = s.value;
      }
    }
    next_batch = last + 1;

    if (round % 100 == 99) {  // progress, for the long mode's log
      std::cout << "round " << round + 1 << ": " << acked.size() << " acknowledged batches"
                << std::endl;
    }
    auto h = Historian::Open(dir.path(), CrashOptions(), SystemClock::Instance());
    ASSERT_TRUE(h.ok()) << "round " << round << ": " << h.status().ToString();
    const Status verified = (*h)->Verify();
    ASSERT_TRUE(verified.ok()) << verified.ToString();
    tails_cut += (*h)->stats().wal_tail_bytes_cut > 0 || (*h)->stats().segment_tail_bytes_cut > 0;
    std::map<std::pair<TagId, Timestamp>, Value> stored;
    for (TagId tag = 0; tag < kTags; ++tag) {
      auto series = (*h)->FindSeries("tag/" + std::to_string(tag));
      if (!series) continue;
      if (round + 1 == rounds) {
        for (const ChunkInfo& c : (*h)->ChunksOf(*series)) packed_seen += c.packed;
      }
      auto page = (*h)->ReadRaw(*series, INT64_MIN, INT64_MAX, 100'000'000);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const Point& p : page->points) {
        auto it = written.find({tag, p.time});
        ASSERT_NE(it, written.end()) << "round " << round << ": a sample nobody wrote";
        ASSERT_EQ(it->second, p.value) << "round " << round << ": wrong value served";
        ASSERT_TRUE(stored.emplace(std::pair(tag, p.time), p.value).second) << "served twice";
      }
    }
    for (int64_t k : acked) {
      for (int i = 0; i < kPerBatch; ++i) {
        Sample s = Generate(k, i);
        ASSERT_TRUE(stored.count({s.tag, s.time}))
            << "round " << round << ": acknowledged batch " << k << " sample " << i << " lost";
      }
    }
  }
  EXPECT_GT(acked.size(), static_cast<size_t>(rounds));  // the writer got real work done
  EXPECT_GT(packed_seen, 0u);                            // and ran its maintenance
  std::cout << rounds << " kills, " << acked.size() << " acknowledged batches, " << tails_cut
            << " recoveries cut a torn tail, " << packed_seen << " packed chunks at the end\n";
}

}  // namespace
}  // namespace gantry::historian
