#include "core/config_node.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

ConfigDocument Parse(std::string_view text) {
  Result<ConfigDocument> doc = ConfigDocument::Parse(text, "plant.yaml");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return std::move(doc).value();
}

std::string OnlyError(const ConfigDocument& doc) {
  EXPECT_EQ(doc.Errors().size(), 1u);
  return doc.Errors().empty() ? "" : doc.Errors()[0].ToString();
}

TEST(ConfigErrors, SyntaxErrorNamesFileLineAndColumn) {
  Result<ConfigDocument> doc = ConfigDocument::Parse("api:\n  port: [1, 2\n", "plant.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("plant.yaml:"), std::string::npos);
  EXPECT_NE(doc.status().message().find("YAML syntax error"), std::string::npos);
}

TEST(ConfigErrors, WrongIntegerNamesKeyRangeAndValue) {
  ConfigDocument doc = Parse("api:\n  port: seventy\n");
  ConfigNode root = doc.Root();
  EXPECT_EQ(root["api"].Int("port", 8080, 1, 65535), 8080);
  EXPECT_EQ(OnlyError(doc),
            "plant.yaml:2:9: api.port: expected a whole number from 1 to 65535, got 'seventy'");
}

TEST(ConfigErrors, OutOfRangeInteger) {
  ConfigDocument doc = Parse("api:\n  port: 70000\n");
  (void)doc.Root()["api"].Int("port", 8080, 1, 65535);
  EXPECT_NE(OnlyError(doc).find("got '70000'"), std::string::npos);
}

TEST(ConfigErrors, MissingRequiredKeyIsReportedAtTheParent) {
  ConfigDocument doc = Parse("devices:\n  - protocol: modbus-tcp\n");
  std::vector<ConfigNode> items = doc.Root()["devices"].Items();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].RequiredString("name"), "");
  EXPECT_EQ(OnlyError(doc),
            "plant.yaml:2:5: devices[0].name: missing required key (expected a text value)");
}

TEST(ConfigErrors, UnknownKeySuggestsTheNearestKnownOne) {
  ConfigDocument doc = Parse("api:\n  prot: 8080\n");
  doc.Root()["api"].AllowKeys({"listen", "port"});
  EXPECT_EQ(OnlyError(doc), "plant.yaml:2:3: api.prot: unknown key 'prot' (did you mean 'port'?)");
}

TEST(ConfigErrors, UnknownKeyFarFromAnyListsTheKnownOnes) {
  ConfigDocument doc = Parse("api:\n  colour: blue\n");
  doc.Root()["api"].AllowKeys({"listen", "port"});
  EXPECT_NE(OnlyError(doc).find("expected one of: listen, port"), std::string::npos);
}

TEST(ConfigErrors, ChoiceListsTheAllowedValues) {
  ConfigDocument doc = Parse("protocol: modbus-udp\n");
  EXPECT_EQ(doc.Root().Choice("protocol", {"modbus-tcp", "modbus-rtu"}, 0), 0u);
  EXPECT_EQ(OnlyError(doc),
            "plant.yaml:1:11: protocol: expected one of: modbus-tcp, modbus-rtu; got 'modbus-udp'");
}

TEST(ConfigErrors, DurationWithoutUnitOrWithBadUnit) {
  ConfigDocument doc = Parse("timeout: 5 parsecs\n");
  EXPECT_EQ(doc.Root().DurationValue("timeout", kSecond, 0, kHour), kSecond);
  EXPECT_NE(OnlyError(doc).find("is not a duration"), std::string::npos);
}

TEST(ConfigErrors, DurationOutOfRange) {
  ConfigDocument doc = Parse("timeout: 2h\n");
  (void)doc.Root().DurationValue("timeout", kSecond, kMillisecond, kMinute);
  EXPECT_NE(OnlyError(doc).find("out of range"), std::string::npos);
}

TEST(ConfigErrors, BoolAndDoubleExplainTheExpectedForm) {
  ConfigDocument doc = Parse("enabled: maybe\ngain: lots\n");
  EXPECT_TRUE(doc.Root().Bool("enabled", true));
  EXPECT_EQ(doc.Root().Double("gain", 1.0), 1.0);
  ASSERT_EQ(doc.Errors().size(), 2u);
  EXPECT_EQ(doc.Errors()[0].message, "expected true or false, got 'maybe'");
  EXPECT_EQ(doc.Errors()[1].message, "expected a number, got 'lots'");
}

TEST(ConfigErrors, ListExpectedButMapGiven) {
  ConfigDocument doc = Parse("devices:\n  name: x\n");
  EXPECT_TRUE(doc.Root()["devices"].Items().empty());
  EXPECT_NE(OnlyError(doc).find("devices: expected a list"), std::string::npos);
}

TEST(ConfigErrors, EveryErrorIsCollectedAndFinishListsThemAll) {
  ConfigDocument doc = Parse("api:\n  port: x\n  listen: [1]\n");
  (void)doc.Root()["api"].Int("port", 1, 1, 2);
  (void)doc.Root()["api"].String("listen");
  Status s = doc.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("2 configuration errors:"), std::string::npos);
  EXPECT_NE(s.message().find("api.port"), std::string::npos);
  EXPECT_NE(s.message().find("api.listen"), std::string::npos);
}

TEST(ConfigValues, AbsentKeysGiveFallbacksWithoutErrors) {
  ConfigDocument doc = Parse("api: {}\n");
  ConfigNode api = doc.Root()["api"];
  EXPECT_EQ(api.Int("port", 8080, 1, 65535), 8080);
  EXPECT_EQ(api.String("listen", "127.0.0.1"), "127.0.0.1");
  EXPECT_FALSE(api["port"].IsPresent());
  EXPECT_TRUE(doc.Finish().ok());
}

TEST(ConfigValues, HexAndUnderscoresInIntegers) {
  ConfigDocument doc = Parse("a: 0x10\nb: 1_000\n");
  EXPECT_EQ(doc.Root().Int("a", 0, 0, 100), 16);
  EXPECT_EQ(doc.Root().Int("b", 0, 0, 10000), 1000);
  EXPECT_TRUE(doc.Finish().ok());
}

TEST(ConfigValues, EntriesKeepFileOrder) {
  ConfigDocument doc = Parse("poll_groups:\n  fast: 250ms\n  slow: 5s\n");
  auto entries = doc.Root()["poll_groups"].Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].first, "fast");
  EXPECT_EQ(entries[1].second.KeyPath(), "poll_groups.slow");
}

TEST(ConfigFiles, MissingFileSaysSo) {
  Result<ConfigDocument> doc = ConfigDocument::LoadFile("/nonexistent/plant.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("/nonexistent/plant.yaml"), std::string::npos);
}

}  // namespace
}  // namespace gantry
