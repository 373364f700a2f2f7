#include "core/sample.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

TEST(Quality, SeverityComesFromTheTopBits) {
  EXPECT_TRUE(Quality::Good().IsGood());
  EXPECT_TRUE(Quality::UncertainLastUsableValue().IsUncertain());
  EXPECT_TRUE(Quality::BadNotConnected().IsBad());
  EXPECT_EQ(Quality::BadNotConnected().Name(), "BadNotConnected");
  EXPECT_EQ(Quality(0x80AB0000u).Name(), "Bad(0x80AB0000)");
  Quality q;
  ASSERT_TRUE(Quality::FromName("BadTimeout", q));
  EXPECT_EQ(q, Quality::BadTimeout());
  ASSERT_TRUE(Quality::FromName("0x808A0000", q));
  EXPECT_EQ(q, Quality::BadNotConnected());
  EXPECT_FALSE(Quality::FromName("Splendid", q));
}

TEST(Value, NumericViews) {
  EXPECT_EQ(Value(int64_t{42}).AsDouble(), 42.0);
  EXPECT_EQ(Value(true).AsInt64(), 1);
  EXPECT_EQ(Value(3.0).AsInt64(), 3);
  EXPECT_FALSE(Value(3.5).AsInt64().has_value());
  EXPECT_FALSE(Value("P-17").AsDouble().has_value());
  EXPECT_TRUE(Value().empty());
}

TEST(Value, TextFormIsShortestRoundTrip) {
  EXPECT_EQ(Value(0.1).ToString(), "0.1");
  EXPECT_EQ(Value(12.5).ToString(), "12.5");
  EXPECT_EQ(Value(int64_t{-7}).ToString(), "-7");
  EXPECT_EQ(Value(false).ToString(), "false");
}

}  // namespace
}  // namespace gantry
