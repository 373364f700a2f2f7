#include "field/mqtt/plain_topics.h"

#include <gtest/gtest.h>

#include "core/config_node.h"

namespace gantry::mqtt {
namespace {

TEST(TopicFilter, WildcardsMatchLikeTheMqttSpecification) {
  EXPECT_TRUE(TopicMatches("plant/+/temp", "plant/oven/temp"));
  EXPECT_FALSE(TopicMatches("plant/+/temp", "plant/oven/zone/temp"));
  EXPECT_TRUE(TopicMatches("plant/#", "plant/oven/zone/temp"));
  EXPECT_TRUE(TopicMatches("plant/#", "plant"));
  EXPECT_TRUE(TopicMatches("#", "a/b"));
  EXPECT_FALSE(TopicMatches("#", "$SYS/broker/uptime"));
  EXPECT_TRUE(TopicMatches("plant/+", "plant/"));
  EXPECT_FALSE(TopicMatches("plant/oven", "plant/oven/temp"));
  EXPECT_FALSE(TopicMatches("plant/oven/temp", "plant/oven"));
  EXPECT_TRUE(ValidateTopicFilter("a/+/b/#").ok());
  EXPECT_FALSE(ValidateTopicFilter("a/#/b").ok());
  EXPECT_FALSE(ValidateTopicFilter("a/b+").ok());
  EXPECT_FALSE(ValidateTopicFilter("").ok());
}

TopicAddress Json(std::string pointer, std::string time = "") {
  TopicAddress a;
  a.filter = "x";
  a.json = true;
  a.pointer = std::move(pointer);
  a.time_pointer = std::move(time);
  return a;
}

TEST(TopicValue, RawAndJsonPayloadsGiveValuesAndTimes) {
  TagConfig number;
  TopicAddress raw;
  raw.filter = "x";
  auto v = ExtractTopicValue(raw, number, " 21.5\n", 5);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->first, Value(21.5));
  EXPECT_EQ(v->second, 5);
  v = ExtractTopicValue(Json("/a/0/v", "/ts"), number, R"({"a":[{"v":3}],"ts":1700000000123})", 5);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->first, Value(3.0));
  EXPECT_EQ(v->second, Timestamp{1700000000123} * 1'000'000);
  v = ExtractTopicValue(Json("/v", "/ts"), number, R"({"v":1,"ts":"2026-11-22T10:00:00Z"})", 5);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->second, *ParseTimestamp("2026-11-22T10:00:00Z"));
  TagConfig flag;
  flag.type = ValueType::kBool;
  v = ExtractTopicValue(raw, flag, "true", 5);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->first, Value(true));
}

TEST(TopicValue, HostilePayloadsAreRefusedWithAReason) {
  TagConfig number;
  EXPECT_EQ(ExtractTopicValue(Json("/v"), number, "{\"v\":", 0).status().code(),
            StatusCode::kMalformed);
  EXPECT_EQ(ExtractTopicValue(Json("/v"), number, std::string(100000, '['), 0).status().code(),
            StatusCode::kMalformed);
  EXPECT_NE(ExtractTopicValue(Json("/w"), number, R"({"v":1})", 0).status().message().find("/w"),
            std::string::npos);
  EXPECT_FALSE(ExtractTopicValue(Json("/v"), number, R"({"v":{"x":1}})", 0).ok());
  EXPECT_FALSE(ExtractTopicValue(Json("/v"), number, R"({"v":"hot"})", 0).ok());
  TopicAddress raw;
  EXPECT_FALSE(ExtractTopicValue(raw, number, "12abc", 0).ok());
  EXPECT_FALSE(ExtractTopicValue(raw, number, std::string(kMaxPlainPayload + 1, '1'), 0).ok());
}

TEST(MqttConfig, ErrorsNameTheLineAndWhatWasExpected) {
  const std::string yaml = R"(name: b
protocol: mqtt
host: 127.0.0.1
tls: {cert_file: c.pem}
tags:
  - {path: a/b/c/d, topic: "a/#/b"}
  - {path: a/b/c/e, sparkplug: {group: G/1, node: N, metric: M}, json: /x}
  - {path: a/b/c/f}
  - {path: a/b/c/g, topic: t, json: "x"}
)";
  Result<ConfigDocument> doc = ConfigDocument::Parse(yaml, "plant.yaml");
  ASSERT_TRUE(doc.ok());
  (void)ParseMqttDevice(doc->Root());
  const std::string errors = doc->Finish().ToString();
  EXPECT_NE(errors.find("plant.yaml:4:"), std::string::npos) << errors;
  EXPECT_NE(errors.find("expected ca_file or ca_dir"), std::string::npos) << errors;
  EXPECT_NE(errors.find("plant.yaml:6:"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'#' must be the last level"), std::string::npos) << errors;
  EXPECT_NE(errors.find("Sparkplug id without '/'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("applies only to a plain `topic`"), std::string::npos) << errors;
  EXPECT_NE(errors.find("missing sparkplug"), std::string::npos) << errors;
  EXPECT_NE(errors.find("expected a JSON pointer"), std::string::npos) << errors;
}

TEST(MqttConfig, WritesAreOffUnlessEnabledAndWriteTopicsAreCheckedTopics) {
  const std::string head = "name: b\nprotocol: mqtt\nhost: 127.0.0.1\n";
  const std::string tags = R"(tags:
  - {path: a/b/c/d, topic: t/sp, write_topic: t/sp/set, write_payload: json}
  - {path: a/b/c/e, topic: t/door}
)";
  Result<ConfigDocument> doc = ConfigDocument::Parse(head + tags, "plant.yaml");
  ASSERT_TRUE(doc.ok());
  MqttDeviceConfig off = ParseMqttDevice(doc->Root());
  ASSERT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
  EXPECT_FALSE(off.writes_enabled);
  EXPECT_EQ(off.points[0].topic.write_topic, "t/sp/set");
  EXPECT_TRUE(off.points[0].topic.write_json);
  EXPECT_TRUE(off.points[1].topic.write_topic.empty());
  doc = ConfigDocument::Parse(head + "writes: enabled\n" + tags, "plant.yaml");
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(ParseMqttDevice(doc->Root()).writes_enabled);

  doc = ConfigDocument::Parse(head + R"(writes: yes
tags:
  - {path: a/b/c/d, topic: t/sp, write_topic: "t/+/set"}
  - {path: a/b/c/e, sparkplug: {group: G, node: N, metric: M}, write_topic: x}
  - {path: a/b/c/f, topic: t/f, write_payload: json}
)",
                              "plant.yaml");
  ASSERT_TRUE(doc.ok());
  (void)ParseMqttDevice(doc->Root());
  const std::string errors = doc->Finish().ToString();
  EXPECT_NE(errors.find("writes"), std::string::npos) << errors;
  EXPECT_NE(errors.find("expected an MQTT topic without wildcards"), std::string::npos) << errors;
  EXPECT_NE(errors.find("written with a DCMD/NCMD"), std::string::npos) << errors;
  EXPECT_NE(errors.find("needs `write_topic`"), std::string::npos) << errors;
}

}  // namespace
}  // namespace gantry::mqtt
