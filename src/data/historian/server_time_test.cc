// Server timestamps (Sample::server_time, stamped by an OPC UA server) in the historian: chunk and
// WAL round trips with and without them, files written before they existed still read the same,
// a stream that lies about them is refused, and they survive reopen, checkpoint and compaction.
#include <gtest/gtest.h>

#include <string>

#include "data/historian/chunk.h"
#include "data/historian/crc32c.h"
#include "data/historian/historian.h"
#include "data/historian/log_format.h"
#include "data/historian/test_util.h"

namespace gantry::historian {
namespace {

constexpr Timestamp kT0 = 1'763'769'600 * kSecond;  // 2025-11-22T00:00:00Z

std::vector<uint8_t> FromHex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// A PLC read through an OPC UA server: the server stamps each value 1-40 ms after the source,
// except while the PLC is unreachable (Bad, no value, no server time).
Columns ThroughAServer(size_t n) {
  Columns c;
  for (size_t i = 0; i < n; ++i) {
    const Timestamp t = kT0 + static_cast<Timestamp>(i) * kSecond;
    if (i % 50 == 7) {
      c.Add(t, Value(), Quality::BadNotConnected());
    } else {
      const Timestamp lag = static_cast<Timestamp>(1 + (i * 7919) % 40) * kMillisecond;
      c.Add(t, Value(20.0 + static_cast<double>(i % 11) * 0.5), Quality::Good(), t + lag);
    }
  }
  return c;
}

// The same chunk with its payload replaced and the checksums made right again: what a hostile or
// buggy writer could produce, so that only the decoder's own checks stand in the way.
std::vector<uint8_t> WithPayload(std::span<const uint8_t> chunk, std::span<const uint8_t> payload,
                                 uint8_t flags) {
  ChunkHeader h = *DecodeChunkHeader(chunk);
  h.flags = flags;
  h.payload_len = static_cast<uint32_t>(payload.size());
  h.payload_crc = Crc32c(payload);
  std::vector<uint8_t> out = EncodeChunkHeader(h);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

TEST(ServerTimeChunk, ServerTimesRoundTripNextToUnknownOnes) {
  const Columns c = ThroughAServer(3600);
  const auto bytes = EncodeChunk(1, 2, 3, c);
  EXPECT_NE(DecodeChunkHeader(bytes)->flags & kChunkHasServerTimes, 0);
  auto back = DecodeChunk(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), c.size());
  for (size_t i = 0; i < c.size(); ++i) {
    ASSERT_TRUE(back->SameSample(i, c, i)) << i;
    ASSERT_EQ(back->ServerTimeAt(i), c.ServerTimeAt(i)) << i;
    ASSERT_EQ(back->ServerTimeAt(i) == 0, i % 50 == 7) << i;
  }
  auto packed = PackChunk(bytes);  // cold: zstd over the whole payload, server times included
  ASSERT_TRUE(packed.ok());
  auto unpacked = DecodeChunk(*packed);
  ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
  for (size_t i = 0; i < c.size(); ++i) ASSERT_EQ(unpacked->ServerTimeAt(i), c.ServerTimeAt(i));
}

TEST(ServerTimeChunk, WithoutServerTimesTheChunkIsByteForByteTheOldOne) {
  Columns plain, zeros;
  for (int i = 0; i < 500; ++i) {
    plain.Add(kT0 + i * kSecond, Value(i * 0.25), Quality::Good());
    zeros.Add(kT0 + i * kSecond, Value(i * 0.25), Quality::Good(), 0);
  }
  EXPECT_TRUE(zeros.server.empty());  // nothing is spent on a series no server stamps
  EXPECT_EQ(EncodeChunk(1, 2, 3, plain), EncodeChunk(1, 2, 3, zeros));
  EXPECT_EQ(DecodeChunkHeader(EncodeChunk(1, 2, 3, plain))->flags & kChunkHasServerTimes, 0);
  EXPECT_TRUE(DecodeChunk(EncodeChunk(1, 2, 3, plain))->server.empty());
}

TEST(ServerTimeChunk, ConstantServerLagCostsAboutOneBytePer128Samples) {
  Columns with, without;
  for (int i = 0; i < 3600; ++i) {
    const Timestamp t = kT0 + i * kSecond;
    with.Add(t, Value(i % 7 * 1.5), Quality::Good(), t + 5 * kMillisecond);
    without.Add(t, Value(i % 7 * 1.5), Quality::Good());
  }
  const size_t extra = EncodeChunk(1, 2, 3, with).size() - EncodeChunk(1, 2, 3, without).size();
  EXPECT_LE(extra, 3600 / 128 + 24) << extra;
}

// tests/fuzz/corpus/historian_chunk/strings_with_gaps, written by the session-1 encoder (before
// server times): it must still decode to the same samples, and re-encode to the same bytes.
TEST(ServerTimeChunk, ChunkWrittenBeforeServerTimesStillDecodes) {
  const auto old = FromHex(
      "4748434b01040100010000000200000000000000030000002800000000000000000000005898000000000000"
      "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "00000000000000006f000000ecccaa921e85cc800200d00f01000a8080808008010008808080800801000880"
      "80808008010008808080800801000880808080080100030a0001010800010108000101080001010800010103"
      "020352554e0453544f50100001010300020102000201030002010200020103000201020002010300010103");
  Columns expected;
  for (int i = 0; i < 40; ++i) {
    expected.Add(i * 1000, i % 9 == 0 ? Value() : Value(i % 5 < 2 ? "RUN" : "STOP"),
                 i % 9 == 0 ? Quality::Bad() : Quality::Good());
  }
  auto back = DecodeChunk(old);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 40u);
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(back->PointAt(i), expected.PointAt(i)) << i;
    EXPECT_EQ(back->ServerTimeAt(i), 0) << i;
  }
  EXPECT_EQ(EncodeChunk(1, 2, 3, expected), old);
}

TEST(ServerTimeChunk, LyingServerTimeStreamsAreRefused) {
  Columns c;
  for (int i = 0; i < 10; ++i) c.Add(kT0 + i, Value(int64_t{i}), Quality::Good(), kT0 + i + 3);
  const auto good = EncodeChunk(1, 2, 3, c);
  const auto h = *DecodeChunkHeader(good);
  const auto payload = std::span(good).subspan(kChunkHeaderSize);
  // The plain chunk's payload: times, quality, values; the server-time part follows.
  const auto bare = EncodeChunk(1, 2, 3, [&] {
    Columns b;
    for (int i = 0; i < 10; ++i) b.Add(kT0 + i, Value(int64_t{i}), Quality::Good());
    return b;
  }());
  const auto bare_payload = std::span(bare).subspan(kChunkHeaderSize);
  ASSERT_TRUE(DecodeChunk(WithPayload(good, payload, h.flags)).ok());

  auto with_tail = [&](std::vector<uint8_t> tail) {
    std::vector<uint8_t> p(bare_payload.begin(), bare_payload.end());
    p.insert(p.end(), tail.begin(), tail.end());
    return WithPayload(good, p, h.flags);
  };
  // Flag set, nothing follows.
  EXPECT_FALSE(DecodeChunk(with_tail({})).ok());
  // Presence runs that do not add up to the 10 samples, or a code other than 0/1.
  EXPECT_FALSE(DecodeChunk(with_tail({1, 1, 9, 0, 0, 0})).ok());
  EXPECT_FALSE(DecodeChunk(with_tail({1, 2, 10, 0, 0, 0})).ok());
  // A run count beyond the samples (no allocation is sized by it).
  EXPECT_FALSE(DecodeChunk(with_tail({0xFF, 0xFF, 0xFF, 0xFF, 0x0F})).ok());
  // Flagged, but every sample says "no server time".
  EXPECT_FALSE(DecodeChunk(with_tail({1, 0, 10})).ok());
  // Known, but the deltas are missing or truncated.
  EXPECT_FALSE(DecodeChunk(with_tail({1, 1, 10})).ok());
  EXPECT_FALSE(DecodeChunk(with_tail({1, 1, 10, 0, 1, 8})).ok());
  // A delta that makes the server time 0 (0 means unknown: not a canonical encoding).
  {
    ByteWriter w;
    w.PutBytes(bare_payload);
    w.PutVarint(2);  // runs: 1 known, 9 unknown
    w.PutVarint(1);
    w.PutVarint(1);
    w.PutVarint(0);
    w.PutVarint(9);
    w.PutU8(0);  // int_column order 0, scale 1, one block of width 64 holding -kT0
    w.PutVarint(1);
    w.PutU8(64);
    w.PutU64(ZigZag(-kT0));
    EXPECT_FALSE(DecodeChunk(WithPayload(good, w.bytes(), h.flags)).ok());
  }
  // Server times present without the flag: trailing bytes.
  EXPECT_FALSE(
      DecodeChunk(WithPayload(good, payload, static_cast<uint8_t>(h.flags & ~kChunkHasServerTimes)))
          .ok());
  // Every bit flip and every truncation of a chunk with server times is detected.
  const auto real = EncodeChunk(1, 2, 3, ThroughAServer(200));
  for (size_t bit = 0; bit < real.size() * 8; ++bit) {
    auto bad = real;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_FALSE(DecodeChunk(bad).ok()) << "flip of bit " << bit;
  }
  for (size_t len = 0; len < real.size(); ++len)
    ASSERT_FALSE(DecodeChunk(std::span(real).first(len)).ok()) << "length " << len;
}

TEST(ServerTimeColumns, SamplesDifferingOnlyInServerTimeAreBothKept) {
  Columns c;
  c.Add(30, Value(3.0), Quality::Good(), 35);
  c.Add(10, Value(1.0), Quality::Good());
  c.Add(30, Value(3.0), Quality::Good(), 35);  // exact duplicate
  c.Add(30, Value(3.0), Quality::Good(), 36);  // another server stamp: kept
  SortAndDedupe(c);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.server, (std::vector<Timestamp>{0, 35, 36}));
  Columns other;
  other.Add(20, Value(2.0), Quality::Good());
  const Columns merged = MergeSorted({&c, &other});
  EXPECT_EQ(merged.server, (std::vector<Timestamp>{0, 0, 35, 36}));
}

// tests/fuzz/corpus/historian_wal/batch_payload, written before server times: same samples.
TEST(ServerTimeWal, BatchWrittenBeforeServerTimesStillDecodes) {
  const auto old = FromHex(
      "09000000000000000500d00f0001000000000000f83f01008080808004020d02d00f00030103b7170004036a"
      "616d0088278080a8840800");
  auto b = DecodeSampleBatch(old);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->samples.size(), 5u);
  EXPECT_EQ(b->samples[3].value, Value("jam"));
  for (const Sample& s : b->samples) EXPECT_EQ(s.server_time, 0);
  std::vector<SeriesId> ids = {0, 1, 2, 3, 0};
  ByteWriter w;
  EncodeSampleBatch(b->lsn, b->samples, ids, w);
  EXPECT_TRUE(std::equal(w.bytes().begin(), w.bytes().end(), old.begin(), old.end()));
}

TEST(ServerTimeWal, BatchKeepsServerTimesAndRefusesAZeroOne) {
  std::vector<Sample> samples = {{0, kT0, Value(1.5), Quality::Good(), kT0 + 3 * kMillisecond},
                                 {1, kT0, Value(int64_t{4}), Quality::Good(), 0},
                                 {0, kT0 + kSecond, Value("x"), Quality::Good(), kT0 - kSecond}};
  std::vector<SeriesId> ids = {0, 1, 0};
  ByteWriter w;
  EncodeSampleBatch(5, samples, ids, w);
  auto b = DecodeSampleBatch(w.bytes());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->samples.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(b->samples[i].server_time, samples[i].server_time);
  // One sample whose server delta brings the server time to 0.
  ByteWriter bad;
  bad.PutU64(1);
  bad.PutVarint(1);
  bad.PutVarint(0);            // series
  bad.PutVarint(ZigZag(kT0));  // time
  bad.PutVarint(0);            // quality Good
  bad.PutU8(static_cast<uint8_t>(ValueType::kEmpty) | kWalHasServerTime);
  bad.PutVarint(ZigZag(-kT0));  // server_time - time
  EXPECT_FALSE(DecodeSampleBatch(bad.bytes()).ok());
  // The flag with the delta missing.
  ByteWriter cut;
  cut.PutBytes(std::span(bad.bytes()).first(bad.size() - 9));
  EXPECT_FALSE(DecodeSampleBatch(cut.bytes()).ok());
}

TEST(ServerTimeHistorian, ServerTimesSurviveCheckpointReopenCompactionAndPacking) {
  testing::TempDir dir;
  ManualClock clock(kT0 + 10 * kDay);
  HistorianOptions o;
  o.sync = SyncPolicy::kNone;
  o.wal_checkpoint_bytes = 4096;  // checkpoints carry memtables into new WALs along the way
  o.pack_after = kDay;
  std::vector<Sample> all;
  for (int i = 0; i < 5000; ++i) {  // crosses an hour: a sealed chunk, the rest in memtables
    const Timestamp t = kT0 + i * kSecond;
    all.push_back({0, t, Value(i * 0.5), Quality::Good(), i % 3 == 0 ? 0 : t + i % 17 * 1000});
  }
  auto expect_all = [&](Historian& h) {
    auto page = h.ReadRaw(0, INT64_MIN, INT64_MAX, 10'000);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_EQ(page->points.size(), all.size());
    for (size_t i = 0; i < all.size(); ++i) {
      ASSERT_EQ(page->points[i].time, all[i].time) << i;
      ASSERT_EQ(page->points[i].server_time, all[i].server_time) << i;
    }
  };
  {
    auto h = std::move(Historian::Open(dir.path(), o, clock)).value();
    for (size_t i = 0; i < all.size(); i += 500)
      ASSERT_TRUE(h->Append(std::span(all).subspan(i, 500)).ok());
  }  // no Flush: the next Open replays the WAL
  const Sample late{0, kT0 + 10 * kSecond + 1, Value(7.0), Quality::Good(), kT0 + 42};
  {
    auto h = std::move(Historian::Open(dir.path(), o, clock)).value();
    EXPECT_GT(h->stats().samples_replayed, 0u);
    expect_all(*h);
    ASSERT_TRUE(h->Flush().ok());
    ASSERT_TRUE(h->Append(std::span(&late, 1)).ok());
    ASSERT_TRUE(h->Flush().ok());  // a one-sample chunk overlapping the first hour's
    ASSERT_TRUE(h->Maintain().ok());
    EXPECT_GT(h->stats().chunks_compacted, 0u);
    EXPECT_GT(h->stats().chunks_packed, 0u);
  }
  all.insert(all.begin() + 11, late);
  auto h = std::move(Historian::Open(dir.path(), o, clock)).value();
  expect_all(*h);
  auto last = h->LastBefore(0, kT0 + 2 * kSecond);
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->server_time, kT0 + 2 * kSecond + 2000);
}

}  // namespace
}  // namespace gantry::historian
