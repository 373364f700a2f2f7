// Round-trip property tests for the column codecs and chunks: random and adversarial values
// (NaN, +-Inf, -0.0, denormals, int64 extremes, equal timestamps, huge gaps).
#include "data/historian/codecs.h"

#include <gtest/gtest.h>

#include <iostream>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "data/historian/chunk.h"

namespace gantry::historian {
namespace {

std::vector<int64_t> RoundTripInts(const std::vector<int64_t>& v,
                                   std::optional<IntOrder> order = {}) {
  ByteWriter w;
  EncodeIntegers(v, w, order);
  ByteReader r(w.bytes());
  std::vector<int64_t> back(v.size());
  EXPECT_TRUE(DecodeIntegers(r, back).ok());
  EXPECT_EQ(r.remaining(), 0u);
  return back;
}

std::vector<uint64_t> RoundTripDoubles(const std::vector<uint64_t>& v) {
  ByteWriter w;
  EncodeDoubles(v, w);
  ByteReader r(w.bytes());
  std::vector<uint64_t> back(v.size());
  EXPECT_TRUE(DecodeDoubles(r, back).ok());
  EXPECT_EQ(r.remaining(), 0u);
  return back;
}

uint64_t Bits(double d) {
  return std::bit_cast<uint64_t>(d);
}

TEST(IntegerCodec, RandomSeriesOfEveryShapeRoundTrip) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 300; ++trial) {
    const size_t n = rng() % 1000;
    std::vector<int64_t> v(n);
    const int shape = trial % 5;
    int64_t x = static_cast<int64_t>(rng());
    for (auto& e : v) {
      switch (shape) {
        case 0: e = static_cast<int64_t>(rng()); break;  // full range noise
        case 1:
          x += 1000;
          e = x;
          break;  // regular ticks
        case 2:
          x += 1000 + static_cast<int64_t>(rng() % 7) - 3;
          e = x;
          break;                                             // jitter
        case 3: e = static_cast<int64_t>(rng() % 5); break;  // enum
        default:
          x += static_cast<int64_t>(rng() % 3);
          e = x;
          break;  // counter
      }
    }
    for (auto order : {std::optional<IntOrder>{}, std::optional(IntOrder::kRaw),
                       std::optional(IntOrder::kDelta), std::optional(IntOrder::kDeltaOfDelta)}) {
      EXPECT_EQ(RoundTripInts(v, order), v) << "trial " << trial;
    }
  }
}

TEST(IntegerCodec, Int64ExtremesAndHugeGapsRoundTrip) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> v = {kMin, kMax, kMin, 0, -1, kMax, kMax, kMin + 1, kMax - 1, 0};
  for (auto order : {IntOrder::kRaw, IntOrder::kDelta, IntOrder::kDeltaOfDelta}) {
    EXPECT_EQ(RoundTripInts(v, order), v);
  }
  EXPECT_EQ(RoundTripInts(v), v);
  std::vector<int64_t> one = {kMin};
  EXPECT_EQ(RoundTripInts(one), one);
  EXPECT_EQ(RoundTripInts({}), std::vector<int64_t>{});
}

TEST(TimestampCodec, RegularOneHertzCostsUnderABitPerSample) {
  std::vector<int64_t> t(3600);
  for (size_t i = 0; i < t.size(); ++i)
    t[i] = 1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 1'000'000'000;
  ByteWriter w;
  EncodeTimestamps(t, w);
  EXPECT_LT(w.size(), 3600u / 8);
  ByteReader r(w.bytes());
  std::vector<int64_t> back(t.size());
  ASSERT_TRUE(DecodeIntegers(r, back).ok());
  EXPECT_EQ(back, t);
}

TEST(TimestampCodec, EqualTimestampsAndHugeGapsRoundTrip) {
  std::vector<int64_t> t = {5,
                            5,
                            5,
                            6,
                            6,
                            1'000'000'000'000'000'000,
                            1'000'000'000'000'000'000,
                            std::numeric_limits<int64_t>::max()};
  ByteWriter w;
  EncodeTimestamps(t, w);
  ByteReader r(w.bytes());
  std::vector<int64_t> back(t.size());
  ASSERT_TRUE(DecodeIntegers(r, back).ok());
  EXPECT_EQ(back, t);
}

TEST(DoubleCodec, AdversarialBitPatternsSurviveExactly) {
  std::vector<uint64_t> v = {Bits(std::numeric_limits<double>::quiet_NaN()),
                             0x7FF0000000000001ull,  // signalling NaN payload
                             0xFFF8000000000123ull,  // negative NaN with payload
                             Bits(std::numeric_limits<double>::infinity()),
                             Bits(-std::numeric_limits<double>::infinity()),
                             Bits(0.0),
                             Bits(-0.0),
                             Bits(std::numeric_limits<double>::denorm_min()),
                             Bits(-std::numeric_limits<double>::denorm_min()),
                             Bits(std::numeric_limits<double>::min()),
                             Bits(std::numeric_limits<double>::max()),
                             Bits(std::numeric_limits<double>::lowest()),
                             Bits(1.0),
                             Bits(1.0)};
  EXPECT_EQ(RoundTripDoubles(v), v);
}

TEST(DoubleCodec, RandomAndDecimalSeriesRoundTrip) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 1);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + rng() % 800;
    std::vector<uint64_t> v(n);
    double level = 20;
    for (auto& e : v) {
      level += noise(rng);
      switch (trial % 4) {
        case 0: e = rng(); break;                                // random bits
        case 1: e = Bits(level); break;                          // full-precision walk
        case 2: e = Bits(std::round(level * 100) / 100); break;  // 2 decimals
        default: e = Bits(trial % 8 == 3 ? 1e300 * level : std::round(level)); break;
      }
    }
    EXPECT_EQ(RoundTripDoubles(v), v) << "trial " << trial;
  }
}

TEST(DoubleCodec, TwoDecimalSensorCostsAboutOneBytePerSample) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> noise(0, 0.05);
  std::vector<uint64_t> v(3600);
  double level = 55;
  for (auto& e : v) {
    level += noise(rng);
    e = Bits(std::round(level * 100) / 100);
  }
  ByteWriter w;
  EncodeDoubles(v, w);
  EXPECT_LT(w.size(), 3600u);
}

// PLC REALs widened to double: every float32 special case survives bit for bit, and a noisy
// float32 temperature costs less than with XOR alone.
TEST(DoubleCodec, Float32SourcesRoundTripAndBeatXor) {
  auto f = [](float x) { return Bits(static_cast<double>(x)); };
  std::vector<uint64_t> special = {f(0.0f),
                                   f(-0.0f),
                                   f(std::numeric_limits<float>::denorm_min()),
                                   f(-std::numeric_limits<float>::denorm_min()),
                                   f(std::numeric_limits<float>::max()),
                                   f(std::numeric_limits<float>::lowest()),
                                   f(std::numeric_limits<float>::infinity()),
                                   f(-std::numeric_limits<float>::infinity()),
                                   f(1.5f),
                                   f(-22.125f)};
  for (int i = 0; i < 200; ++i) special.push_back(f(21.7f + static_cast<float>(i % 7) * 1e-3f));
  EXPECT_EQ(RoundTripDoubles(special), special);
  std::mt19937_64 rng(9);
  std::normal_distribution<double> noise(0, 0.05);
  std::vector<uint64_t> temp(3600);
  for (size_t i = 0; i < temp.size(); ++i) {
    temp[i] = f(static_cast<float>(22 + 3 * std::sin(static_cast<double>(i) / 3600) + noise(rng)));
  }
  EXPECT_EQ(RoundTripDoubles(temp), temp);
  ByteWriter w;
  EncodeDoubles(temp, w);
  EXPECT_EQ(w.bytes()[0], 2);  // the float32 form was chosen
  std::cout << "noisy float32 values: " << static_cast<double>(w.size()) / 3600
            << " bytes/sample (value column only)\n";
  EXPECT_LT(w.size(), 3600u * 24 / 10);  // under 2.4 bytes per sample (XOR: about 2.6)
}

TEST(RunCodec, QualityRunsOfGoodCostAlmostNothing) {
  std::vector<uint32_t> q(10000, 0);
  ByteWriter w;
  EncodeRuns(q, w);
  EXPECT_LE(w.size(), 5u);
  ByteReader r(w.bytes());
  std::vector<uint32_t> back(q.size());
  ASSERT_TRUE(DecodeRuns(r, back).ok());
  EXPECT_EQ(back, q);
}

TEST(RunCodec, LengthsThatDoNotAddUpAreMalformed) {
  ByteWriter w;
  EncodeRuns(std::vector<uint32_t>{1, 1, 2}, w);
  ByteReader r(w.bytes());
  std::vector<uint32_t> back(4);
  EXPECT_EQ(DecodeRuns(r, back).code(), StatusCode::kMalformed);
}

}  // namespace
}  // namespace gantry::historian
