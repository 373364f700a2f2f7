// Chunk round trips for every value type, summaries, and damaged chunks (bit flips, truncation)
// that must decode to an error, never to different samples.
#include "data/historian/chunk.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "data/historian/log_format.h"

namespace gantry::historian {
namespace {

Columns MixedDoubles(size_t n) {
  Columns c;
  for (size_t i = 0; i < n; ++i) {
    const auto t = static_cast<Timestamp>(i) * kSecond;
    if (i % 97 == 5) {
      c.Add(t, Value(), Quality::BadNotConnected());
    } else {
      c.Add(t, Value(20.0 + static_cast<double>(i % 13) * 0.25), Quality::Good());
    }
  }
  return c;
}

void ExpectSamePoints(const Columns& a, const Columns& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(a.SameSample(i, b, i)) << "sample " << i;
  }
}

TEST(Chunk, DoublesWithGapsInQualityRoundTrip) {
  Columns c = MixedDoubles(5000);
  auto bytes = EncodeChunk(3, 99, 1, c);
  auto back = DecodeChunk(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSamePoints(c, *back);
  auto h = DecodeChunkHeader(bytes);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->series, 3u);
  EXPECT_EQ(h->lsn, 99u);
  EXPECT_EQ(h->summary.count, 5000u);
  EXPECT_LT(h->summary.usable, 5000u);
  EXPECT_EQ(h->summary.min, 20.0);
  EXPECT_EQ(h->summary.max, 23.0);
}

TEST(Chunk, IntegersBoolsAndStringsRoundTrip) {
  Columns ints, bools, strs;
  for (int i = 0; i < 1000; ++i) {
    const Timestamp t = 1'000'000 + i * 7;
    ints.Add(t, Value(static_cast<int64_t>(i) * int64_t{1000000007}), Quality::Good());
    bools.Add(t, Value(i % 100 < 30), i % 400 == 0 ? Quality::Uncertain() : Quality::Good());
    strs.Add(t, Value(i % 250 < 125 ? "RUNNING" : "STOPPED"), Quality::Good());
  }
  for (const Columns* c : {&ints, &bools, &strs}) {
    auto back = DecodeChunk(EncodeChunk(1, 1, 1, *c));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->type, c->type);
    for (size_t i = 0; i < c->size(); ++i) ASSERT_EQ(back->PointAt(i), c->PointAt(i));
  }
}

TEST(Chunk, SummaryCarriesStepIntegralAndCounterSteps) {
  Columns c;
  c.Add(0, Value(10.0), Quality::Good());
  c.Add(2 * kSecond, Value(20.0), Quality::Good());
  c.Add(3 * kSecond, Value(5.0), Quality::Good());  // counter fell: rollover or reset
  c.Add(4 * kSecond, Value(), Quality::Bad());      // ignored by aggregates
  c.Add(5 * kSecond, Value(8.0), Quality::Good());
  ChunkSummary s = Summarize(c);
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.usable, 4u);
  EXPECT_DOUBLE_EQ(s.sum, 43.0);
  EXPECT_DOUBLE_EQ(s.tw_integral, 10.0 * 2e9 + 20.0 * 1e9 + 5.0 * 2e9);
  EXPECT_DOUBLE_EQ(s.rise, 10.0 + 3.0);
  EXPECT_DOUBLE_EQ(s.fall, -15.0);
  EXPECT_EQ(s.falls, 1u);
  EXPECT_DOUBLE_EQ(s.reset_sum, 5.0);
}

TEST(Chunk, EverySingleBitFlipIsDetected) {
  Columns c = MixedDoubles(300);
  const auto good = EncodeChunk(1, 1, 1, c);
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    auto bad = good;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto r = DecodeChunk(bad);
    ASSERT_FALSE(r.ok()) << "flip of bit " << bit << " went unnoticed";
  }
}

TEST(Chunk, EveryTruncationIsAnError) {
  const auto good = EncodeChunk(1, 1, 1, MixedDoubles(200));
  for (size_t len = 0; len < good.size(); ++len) {
    ASSERT_FALSE(DecodeChunk(std::span(good).first(len)).ok()) << "length " << len;
  }
}

Columns NoisyAnalog(size_t n) {
  Columns c;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0, 0.05);
  for (size_t i = 0; i < n; ++i) {
    const auto t = static_cast<Timestamp>(i) * kSecond;
    c.Add(t, Value(static_cast<double>(static_cast<float>(22 + noise(rng)))), Quality::Good());
  }
  return c;
}

TEST(PackedChunk, RoundTripsAndKeepsTheSummaryReadable) {
  for (const Columns& c : {MixedDoubles(3600), NoisyAnalog(3600)}) {
    const auto plain = EncodeChunk(4, 9, 2, c);
    auto packed = PackChunk(plain);
    ASSERT_TRUE(packed.ok()) << packed.status().ToString();
    auto ph = DecodeChunkHeader(*packed);
    auto h = DecodeChunkHeader(plain);
    ASSERT_TRUE(ph.ok() && h.ok());
    if ((ph->flags & kChunkPacked) != 0) {
      EXPECT_LT(packed->size(), plain.size());
    } else {  // nothing to gain: kept plain, flagged so that it is not tried again
      EXPECT_NE(ph->flags & kChunkColdPlain, 0);
      EXPECT_EQ(packed->size(), plain.size());
    }
    // The summary is the same, read from the header alone.
    EXPECT_EQ(ph->summary.count, h->summary.count);
    EXPECT_EQ(ph->summary.sum, h->summary.sum);
    EXPECT_EQ(ph->summary.tw_integral, h->summary.tw_integral);
    EXPECT_EQ(ph->lsn, 9u);
    auto back = DecodeChunk(*packed);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSamePoints(c, *back);
    auto again = PackChunk(*packed);  // packing a packed chunk changes nothing
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *packed);
  }
}

TEST(PackedChunk, DecimalSensorChunkShrinks) {
  const auto plain = EncodeChunk(1, 1, 1, MixedDoubles(3600));
  auto packed = PackChunk(plain);
  ASSERT_TRUE(packed.ok());
  EXPECT_NE(DecodeChunkHeader(*packed)->flags & kChunkPacked, 0);
  EXPECT_LT(packed->size(), plain.size());
}

TEST(PackedChunk, EveryBitFlipAndTruncationIsDetected) {
  auto packed = PackChunk(EncodeChunk(1, 1, 1, MixedDoubles(400)));
  ASSERT_TRUE(packed.ok());
  ASSERT_NE(DecodeChunkHeader(*packed)->flags & kChunkPacked, 0);
  for (size_t bit = 0; bit < packed->size() * 8; ++bit) {
    auto bad = *packed;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_FALSE(DecodeChunk(bad).ok()) << "flip of bit " << bit << " went unnoticed";
  }
  for (size_t len = 0; len < packed->size(); ++len) {
    ASSERT_FALSE(DecodeChunk(std::span(*packed).first(len)).ok()) << "length " << len;
  }
}

// With checksums skipped (as the fuzzer does), a lying size field must still be caught.
TEST(PackedChunk, DeclaredSizeIsBoundedAndChecked) {
  auto packed = PackChunk(EncodeChunk(1, 1, 1, MixedDoubles(400)));
  ASSERT_TRUE(packed.ok());
  for (uint32_t lie : {0u, 1u, kMaxChunkPayload + 1, 0xFFFFFFFFu}) {
    auto bad = *packed;
    std::memcpy(bad.data() + kChunkHeaderSize, &lie, 4);
    auto r = DecodeChunk(bad, false);
    ASSERT_FALSE(r.ok()) << "declared size " << lie;
    EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  }
}

TEST(SummaryOnlyChunk, KeepsTheSummaryAndRefusesToDecodeSamples) {
  const Columns c = MixedDoubles(500);
  auto h = DecodeChunkHeader(EncodeChunk(3, 7, 1, c));
  ASSERT_TRUE(h.ok());
  const auto only = SummaryOnlyChunk(*h);
  ASSERT_EQ(only.size(), kChunkHeaderSize);
  auto back = DecodeChunkHeader(only);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_NE(back->flags & kChunkSummaryOnly, 0);
  EXPECT_EQ(back->summary.sum, h->summary.sum);
  EXPECT_EQ(back->summary.usable, h->summary.usable);
  EXPECT_EQ(DecodeChunk(only).status().code(), StatusCode::kFailedPrecondition);
}

TEST(Columns, SortKeepsEqualTimesAndDropsExactDuplicates) {
  Columns c;
  c.Add(30, Value(3.0), Quality::Good());
  c.Add(10, Value(1.0), Quality::Good());
  c.Add(30, Value(3.0), Quality::Good());  // exact duplicate
  c.Add(30, Value(4.0), Quality::Good());  // same time, other value: kept
  c.Add(20, Value(2.0), Quality::Bad());
  SortAndDedupe(c);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c.times, (std::vector<Timestamp>{10, 20, 30, 30}));
  EXPECT_EQ(c.ValueAt(3), Value(4.0));
}

}  // namespace
}  // namespace gantry::historian

namespace gantry::historian {
namespace {

// Writes seed inputs for the fuzz targets: GANTRY_WRITE_FUZZ_CORPUS=<repo>/tests/fuzz/corpus.
TEST(Chunk, WritesFuzzSeedCorpusWhenAsked) {
  const char* root = std::getenv("GANTRY_WRITE_FUZZ_CORPUS");
  if (root == nullptr) GTEST_SKIP() << "set GANTRY_WRITE_FUZZ_CORPUS to write the seeds";
  auto write = [](const std::string& path, std::span<const uint8_t> bytes) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  };
  const std::string chunk_dir = std::string(root) + "/historian_chunk";
  const std::string wal_dir = std::string(root) + "/historian_wal";
  std::filesystem::create_directories(chunk_dir);
  std::filesystem::create_directories(wal_dir);
  Columns ints, bools, strs, doubles_xor;
  for (int i = 0; i < 40; ++i) {
    ints.Add(i * 1000, Value(int64_t{i * i}), Quality::Good());
    bools.Add(i * 1000, Value(i % 7 < 3), Quality::Good());
    strs.Add(i * 1000, i % 9 == 0 ? Value() : Value(i % 5 < 2 ? "RUN" : "STOP"),
             i % 9 == 0 ? Quality::Bad() : Quality::Good());
    doubles_xor.Add(i * 1000 + i % 3, Value(i * 0.1234567891), Quality::Good());
  }
  write(chunk_dir + "/doubles_decimal", EncodeChunk(1, 2, 3, MixedDoubles(60)));
  write(chunk_dir + "/doubles_xor", EncodeChunk(1, 2, 3, doubles_xor));
  write(chunk_dir + "/ints", EncodeChunk(1, 2, 3, ints));
  write(chunk_dir + "/bools", EncodeChunk(1, 2, 3, bools));
  write(chunk_dir + "/strings_with_gaps", EncodeChunk(1, 2, 3, strs));
  write(chunk_dir + "/packed_doubles", *PackChunk(EncodeChunk(1, 2, 3, MixedDoubles(600))));
  write(chunk_dir + "/packed_strings", *PackChunk(EncodeChunk(1, 2, 3, strs), 19));
  Columns stamped;  // OPC UA: server timestamps beside the source ones, one unknown
  for (int i = 0; i < 40; ++i)
    stamped.Add(i * 1000, Value(i * 0.5), Quality::Good(), i == 3 ? 0 : i * 1000 + 7 + i % 4);
  write(chunk_dir + "/server_times", EncodeChunk(1, 2, 3, stamped));
  write(chunk_dir + "/packed_server_times", *PackChunk(EncodeChunk(1, 2, 3, stamped), 19));
  write(chunk_dir + "/summary_only",
        SummaryOnlyChunk(*DecodeChunkHeader(EncodeChunk(1, 2, 3, ints))));
  ByteWriter w;
  w.PutBytes(EncodeLogHeader({kWalMagic, 1, 100}));
  std::vector<Sample> samples = {{0, 1000, Value(1.5), Quality::Good()},
                                 {1, 1000, Value(int64_t{-7}), Quality::Uncertain()},
                                 {2, 2000, Value(true), Quality::Good()},
                                 {3, 500, Value("jam"), Quality::Good()},
                                 {0, 3000, Value(), Quality::BadNotConnected()}};
  std::vector<SeriesId> ids = {0, 1, 2, 3, 0};
  const size_t at = BeginRecord(w, RecordType::kSampleBatch);
  EncodeSampleBatch(9, samples, ids, w);
  EndRecord(w, at);
  write(wal_dir + "/wal_one_batch", w.bytes());
  write(wal_dir + "/batch_payload", w.bytes().subspan(kLogHeaderSize + kRecordHeaderSize));
  ByteWriter stamped_batch;  // samples through an OPC UA server carry its timestamp too
  samples[0].server_time = 1004;
  samples[3].server_time = 400;
  EncodeSampleBatch(10, samples, ids, stamped_batch);
  write(wal_dir + "/batch_with_server_times", stamped_batch.bytes());
}

}  // namespace
}  // namespace gantry::historian
