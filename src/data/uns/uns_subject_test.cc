#include "data/uns/uns_subject.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "data/uns/uns_payload.h"

namespace gantry::uns {
namespace {

TEST(UnsSubject, TagPathBecomesOneTokenPerSegmentUnderThePrefix) {
  EXPECT_EQ(TagSubject("uns", "acme/plant1/packaging/line1/filler/speed"),
            "uns.acme.plant1.packaging.line1.filler.speed");
  EXPECT_EQ(TagSubject("site1.uns", "acme/plant1"), "site1.uns.acme.plant1");
}

TEST(UnsSubject, DotsWildcardsAndWhitespaceAreEscapedReversibly) {
  EXPECT_EQ(TagSubject("uns", "acme/plant1/filler/speed.raw"),
            "uns.acme.plant1.filler.speed%2Eraw");
  EXPECT_EQ(EscapeToken("a b*c>d%e\tf"), "a%20b%2Ac%3Ed%25e%09f");
  EXPECT_EQ(EscapeToken("m+n#o"), "m%2Bn%23o");  // MQTT wildcards, for a topic later
  for (std::string s : {"speed.raw", "a b*c>d%e\tf", "x/y", "\xC3\xA4rger", "100%"}) {
    Result<std::string> back = UnescapeToken(EscapeToken(s));
    ASSERT_TRUE(back.ok()) << s;
    EXPECT_EQ(*back, s);
  }
  Result<std::string> path = PathFromSubject("uns", TagSubject("uns", "acme/p1/speed.raw"));
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, "acme/p1/speed.raw");
}

TEST(UnsSubject, HostileSubjectsAreRefused) {
  EXPECT_FALSE(PathFromSubject("uns", "uns").ok());
  EXPECT_FALSE(PathFromSubject("uns", "unsx.a").ok());
  EXPECT_FALSE(PathFromSubject("uns", "uns.a..b").ok());
  EXPECT_FALSE(PathFromSubject("uns", "uns.a.%4").ok());
  EXPECT_FALSE(PathFromSubject("uns", "uns.a.%zz").ok());
  EXPECT_FALSE(PathFromSubject("uns", "uns.a b").ok());
  EXPECT_FALSE(PathFromSubject("uns", "uns." + std::string(2000, 'a')).ok());
  std::string deep = "uns";
  for (int i = 0; i < 20; ++i) deep += ".a";
  EXPECT_FALSE(PathFromSubject("uns", deep).ok());
}

TEST(UnsSubject, PrefixMustBeTokensNatsAccepts) {
  EXPECT_TRUE(ValidatePrefix("uns").ok());
  EXPECT_TRUE(ValidatePrefix("site-1.uns_v1").ok());
  EXPECT_FALSE(ValidatePrefix("").ok());
  EXPECT_FALSE(ValidatePrefix("uns.").ok());
  EXPECT_FALSE(ValidatePrefix("a..b").ok());
  EXPECT_FALSE(ValidatePrefix("uns.*").ok());
  EXPECT_FALSE(ValidatePrefix("u ns").ok());
}

TEST(UnsPayload, ValueJsonIsTheSseShapeWithQualityCodeAndServerTime) {
  Sample s{3, 1'700'000'000'250'000'000, Value(120.5), Quality::Good()};
  std::string out;
  AppendValueJson(out, "acme/plant1/filler/speed", s, {});
  EXPECT_EQ(out, R"({"path":"acme/plant1/filler/speed","quality":"Good","quality_code":0,)"
                 R"("time":"2023-11-14T22:13:20.250Z","value":120.5})");
  s.server_time = s.time + 3'000'000;
  s.value = Value(121.0);
  s.quality = Quality::UncertainLastUsableValue();
  out.clear();
  AppendValueJson(out, "a/b", s, {});
  EXPECT_EQ(out, R"({"path":"a/b","quality":"UncertainLastUsableValue","quality_code":1083179008,)"
                 R"("server_time":"2023-11-14T22:13:20.253Z","time":"2023-11-14T22:13:20.250Z",)"
                 R"("value":121.0})");
  out.clear();
  ValueJsonOptions sse;  // the API's SSE event fields only
  sse.quality_code = false;
  sse.server_time = false;
  AppendValueJson(out, "a/b", Sample{1, 0, Value(), Quality::BadWaitingForInitialData()}, sse);
  EXPECT_EQ(out, R"({"path":"a/b","quality":"BadWaitingForInitialData","time":null,"value":null})");
}

TEST(UnsPayload, EveryValueTypeAndHostileStringsGiveValidJson) {
  auto json = [](Value v) {
    std::string out;
    ValueJsonOptions o;
    o.backlog = true;
    AppendValueJson(out, "a/b", Sample{1, 1, std::move(v), Quality::Good()}, o);
    return out;
  };
  EXPECT_NE(json(Value(int64_t{-42})).find(R"("value":-42})"), std::string::npos);
  EXPECT_NE(json(Value(true)).find(R"("value":true})"), std::string::npos);
  EXPECT_NE(json(Value(1e20)).find(R"("value":1e+20})"), std::string::npos);
  EXPECT_NE(json(Value(std::nan(""))).find(R"("value":null})"), std::string::npos);
  EXPECT_NE(json(Value("say \"hi\"\n")).find(R"("value":"say \"hi\"\n"})"), std::string::npos);
  EXPECT_NE(json(Value(std::string("\xFF"))).find("\"value\":\"\xEF\xBF\xBD\"}"),
            std::string::npos);
  EXPECT_EQ(json(Value(1)).rfind(R"({"backlog":true,"path":"a/b")", 0), 0u);
}

TEST(UnsPayload, TimesAndNumbersAreWrittenAsTheRestOfGantryWritesThem) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> when(-2'000'000'000'000'000'000,
                                              9'000'000'000'000'000'000);
  for (int i = 0; i < 20'000; ++i) {
    Timestamp t = when(rng);
    if (i % 2 == 0) t -= t % kMillisecond;  // the common case: whole milliseconds
    if (t == 0) continue;
    std::string out;
    AppendValueJson(out, "a/b", Sample{1, t, Value(), Quality::Good()}, {});
    ASSERT_NE(out.find("\"time\":\"" + FormatIso8601(t) + "\""), std::string::npos) << t;
  }
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-30, 30);
  for (int i = 0; i < 20'000; ++i) {
    const double d = mantissa(rng) * std::pow(10.0, exponent(rng));
    std::string out;
    AppendValueJson(out, "a/b", Sample{1, 1, Value(d), Quality::Good()}, {});
    ASSERT_NE(out.find("\"value\":" + nlohmann::json(d).dump() + "}"), std::string::npos) << d;
  }
}

}  // namespace
}  // namespace gantry::uns
