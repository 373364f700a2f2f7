#include "context/samples_csv.h"

#include <gtest/gtest.h>

#include <random>

#include "core/quality.h"

namespace gantry::ctx {
namespace {

TEST(SamplesCsv, FastIsoPathGivesTheSameInstantAsTheGeneralParser) {
  std::mt19937_64 rng(7);
  IsoDayCache cache;
  for (int i = 0; i < 20000; ++i) {
    // Any instant 1970-2100, with 0 to 11 fraction digits.
    const Timestamp t = static_cast<Timestamp>(rng() % (130ull * 365 * 86400)) * kSecond +
                        static_cast<Timestamp>(rng() % kSecond);
    std::string text = FormatIso8601(t);  // YYYY-MM-DDTHH:MM:SS.mmmZ
    const int digits = static_cast<int>(rng() % 12);
    text = text.substr(0, 19) + (digits ? "." + std::to_string(rng()).substr(0, digits) : "") + "Z";
    std::optional<Timestamp> fast = ParseIsoUtcFast(text, cache);
    ASSERT_TRUE(fast.has_value()) << text;
    EXPECT_EQ(*fast, ParseTimestamp(text).value()) << text;
  }
  // Leap day and leap second as the general parser reads them.
  for (const char* ok : {"2028-02-29T12:00:00Z", "2026-06-30T23:59:60Z", "2026-01-05T06:00:00.5Z"})
    EXPECT_EQ(ParseIsoUtcFast(ok, cache), ParseTimestamp(ok).value()) << ok;
  // Anything else is left to the general parser (which may accept it or name the problem).
  for (const char* other :
       {"2026-01-05T06:00:00+01:00", "2026-01-05 06:00:00Z", "2026-01-05t06:00:00Z",
        "2026-01-05T06:00:00z", "2026-01-05T06:00:00", "2026-01-05T06:00Z", "2026-02-30T06:00:00Z",
        "2026-01-05T24:00:00Z", "2026-01-05T06:00:00.Z", "2026-01-05T06:00:00,5Z", "1767592800",
        "2026-01-05T06:0a:00Z", "2026-13-05T06:00:00Z"})
    EXPECT_FALSE(ParseIsoUtcFast(other, cache).has_value()) << other;
}

TEST(SamplesCsv, PathsAreInternedAndLinesKeepTheirOrder) {
  Result<SampleTable> t = ParseSamplesCsv(
      "timestamp,tag,value,quality\n"
      "# a comment\n"
      "\n"
      "2026-01-05T06:00:00Z,acme/p/a/l/m/state,1\r\n"
      "2026-01-05T06:00:00.250Z, acme/p/a/l/m/good ,100,Uncertain\n"
      "1767593100,acme/p/a/l/m/state,true\n"
      "2026-01-05T07:05:00+01:00,acme/p/a/l/m/good,,\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->paths, (std::vector<std::string>{"acme/p/a/l/m/state", "acme/p/a/l/m/good"}));
  ASSERT_EQ(t->samples.size(), 4u);
  EXPECT_EQ(t->samples[0].tag, 0u);
  EXPECT_EQ(t->samples[1].tag, 1u);
  EXPECT_EQ(t->samples[2].tag, 0u);
  EXPECT_EQ(t->samples[3].tag, 1u);
  EXPECT_EQ(t->samples[1].time, ParseTimestamp("2026-01-05T06:00:00.250Z").value());
  EXPECT_EQ(t->samples[2].time, ParseTimestamp("2026-01-05T06:05:00Z").value());
  EXPECT_EQ(t->samples[3].time, ParseTimestamp("2026-01-05T06:05:00Z").value());
  EXPECT_EQ(t->samples[1].value.AsDouble(), 100.0);
  EXPECT_EQ(t->samples[1].quality, Quality::Uncertain());
  EXPECT_EQ(t->samples[2].value.AsDouble(), 1.0);
  EXPECT_TRUE(t->samples[3].value.empty());
  EXPECT_TRUE(t->samples[3].quality.IsBad());
}

TEST(SamplesCsv, ErrorsNameTheLineAndWhatWasExpected) {
  auto error = [](std::string_view csv) { return ParseSamplesCsv(csv).status().message(); };
  EXPECT_EQ(error("2026-01-05T06:00:00Z,a,1\n2026-01-05T06:00:01Z,a\n"),
            "samples line 2: expected timestamp,tag,value[,quality]");
  EXPECT_EQ(error("2026-01-05T06:00:00Z,a,1,Good,x\n"),
            "samples line 1: expected timestamp,tag,value[,quality]");
  EXPECT_EQ(error("2026-01-05T06:00:00Z,a,one\n"),
            "samples line 1: expected a number, true or false as value, got 'one'");
  EXPECT_NE(error("2026-02-30T06:00:00Z,a,1\n").find("samples line 1: "), std::string::npos);
  // Beyond what int64 nanoseconds hold (found by samples_csv_fuzz): an error, not an overflow.
  EXPECT_NE(error("2026-01-05T06:00:00Z,a,1\n9999-01-05T06:00:00Z,a,1\n").find("samples line 2: "),
            std::string::npos);
  EXPECT_NE(error("2026-01-05T06:00:00Z,a,1,Great\n").find("unknown quality 'Great'"),
            std::string::npos);
}

}  // namespace
}  // namespace gantry::ctx
