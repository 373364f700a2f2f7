#include "field/mqtt/sparkplug_host.h"

#include <gtest/gtest.h>

#include "field/mqtt/sparkplug_values.h"

namespace gantry::mqtt {
namespace {

using sparkplug::DataType;
using sparkplug::Metric;
using sparkplug::Payload;
using sparkplug::ValueKind;

constexpr Timestamp kNow = 1'800'000'000'000'000'000;

Metric M(std::optional<std::string> name, std::optional<uint64_t> alias, DataType type, double v) {
  Metric m;
  m.name = std::move(name);
  m.alias = alias;
  m.datatype = static_cast<uint32_t>(type);
  if (type == DataType::kDouble) {
    m.kind = ValueKind::kDouble;
    m.number = v;
  } else {
    m.kind = ValueKind::kLong;
    m.integer = static_cast<uint64_t>(static_cast<int64_t>(v));
  }
  return m;
}

std::string Wire(std::optional<uint64_t> seq, std::vector<Metric> metrics,
                 std::optional<uint64_t> timestamp = 1'700'000'000'000) {
  Payload p;
  p.timestamp = timestamp;
  p.seq = seq;
  p.metrics = std::move(metrics);
  return sparkplug::EncodePayload(p);
}

class SparkplugHostTest : public ::testing::Test {
 protected:
  SparkplugHostTest() {
    MqttPoint speed;
    speed.tag.path = "a/b/line/filler/speed";
    speed.sparkplug = {"G1", "Edge1", "Filler", "Speed"};
    MqttPoint uptime;
    uptime.tag.path = "a/b/line/edge/uptime";
    uptime.tag.type = ValueType::kInt64;
    uptime.sparkplug = {"G1", "Edge1", "", "Uptime"};
    config_.points = {speed, uptime};
    config_.sparkplug.host_id = "gantry";
    host_ = std::make_unique<SparkplugHost>(config_, std::vector<TagId>{7, 8});
  }
  SparkplugHost::Reaction Births(uint64_t bd_seq = 1) {
    SparkplugHost::Reaction r = host_->OnMessage(
        "spBv1.0/G1/NBIRTH/Edge1",
        Wire(0, {M("bdSeq", std::nullopt, DataType::kInt64, static_cast<double>(bd_seq)),
                 M("Uptime", 20, DataType::kInt64, 5)}),
        kNow);
    SparkplugHost::Reaction d = host_->OnMessage(
        "spBv1.0/G1/DBIRTH/Edge1/Filler", Wire(1, {M("Speed", 1, DataType::kDouble, 10.5)}), kNow);
    for (Sample& s : d.samples) r.samples.push_back(s);
    return r;
  }
  MqttDeviceConfig config_;
  std::unique_ptr<SparkplugHost> host_;
};

TEST(SparkplugTopic, NamespaceGroupTypeNodeAndDeviceAreParsed) {
  auto t = ParseSparkplugTopic("spBv1.0/Plant1/DDATA/Line2/Filler");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->group, "Plant1");
  EXPECT_EQ(t->type, SparkplugMessageType::kDData);
  EXPECT_EQ(t->edge_node, "Line2");
  EXPECT_EQ(t->device, "Filler");
  EXPECT_TRUE(ParseSparkplugTopic("spBv1.0/STATE/scada1"));
  EXPECT_FALSE(ParseSparkplugTopic("spBv1.0/Plant1/DDATA/Line2"));  // device missing
  EXPECT_FALSE(ParseSparkplugTopic("spBv1.0/Plant1/NDATA/Line2/extra"));
  EXPECT_FALSE(ParseSparkplugTopic("spBv1.0/Plant1/NOPE/Line2"));
  EXPECT_FALSE(ParseSparkplugTopic("spAv1.0/Plant1/NDATA/Line2"));
  EXPECT_FALSE(ParseSparkplugTopic("spBv1.0//NDATA/Line2"));
}

TEST_F(SparkplugHostTest, BirthsGiveGoodValuesAtTheMetricsOwnTime) {
  SparkplugHost::Reaction r = Births();
  ASSERT_EQ(r.samples.size(), 2u);
  EXPECT_EQ(r.samples[0].tag, 8u);
  EXPECT_EQ(r.samples[0].value, Value(int64_t{5}));
  EXPECT_EQ(r.samples[0].time, Timestamp{1'700'000'000'000} * 1'000'000);
  EXPECT_EQ(r.samples[1].value, Value(10.5));
  EXPECT_TRUE(r.samples[1].quality.IsGood());
  Metric by_alias = M(std::nullopt, 1, DataType::kDouble, 11.5);
  by_alias.datatype.reset();  // DATA may leave the datatype to the birth
  by_alias.timestamp = 1'700'000'000'777;
  r = host_->OnMessage("spBv1.0/G1/DDATA/Edge1/Filler", Wire(2, {by_alias}), kNow);
  ASSERT_EQ(r.samples.size(), 1u);
  EXPECT_EQ(r.samples[0].value, Value(11.5));
  EXPECT_EQ(r.samples[0].time, Timestamp{1'700'000'000'777} * 1'000'000);
}

TEST_F(SparkplugHostTest, AGapMakesTheNodeUncertainAndAsksOnceForARebirth) {
  Births();
  SparkplugHost::Reaction r = host_->OnMessage(
      "spBv1.0/G1/DDATA/Edge1/Filler", Wire(5, {M(std::nullopt, 1, DataType::kDouble, 12)}), kNow);
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].topic, "spBv1.0/G1/NCMD/Edge1");
  Result<Payload> cmd = sparkplug::DecodePayload(r.commands[0].payload);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->metrics.at(0).name, "Node Control/Rebirth");
  EXPECT_EQ(cmd->metrics.at(0).integer, 1u);
  ASSERT_EQ(r.samples.size(), 2u);  // both tags: last value, Uncertain, now
  for (const Sample& s : r.samples) {
    EXPECT_EQ(s.quality, Quality::UncertainLastUsableValue());
    EXPECT_EQ(s.time, kNow);
  }
  // More data before the birth: ignored, no second request within the interval.
  r = host_->OnMessage("spBv1.0/G1/DDATA/Edge1/Filler",
                       Wire(6, {M(std::nullopt, 1, DataType::kDouble, 13)}), kNow + kSecond);
  EXPECT_TRUE(r.samples.empty());
  EXPECT_TRUE(r.commands.empty());
  r = host_->OnMessage("spBv1.0/G1/DDATA/Edge1/Filler",
                       Wire(7, {M(std::nullopt, 1, DataType::kDouble, 13)}), kNow + 6 * kSecond);
  EXPECT_EQ(r.commands.size(), 1u);  // still no birth after the interval: ask again
  EXPECT_EQ(host_->counters().rebirths_requested.load(), 2u);
}

TEST_F(SparkplugHostTest, SeqWrapsFrom255ToZero) {
  Births();
  for (uint64_t seq = 2; seq < 300; ++seq) {
    SparkplugHost::Reaction r =
        host_->OnMessage("spBv1.0/G1/NDATA/Edge1",
                         Wire(seq % 256, {M(std::nullopt, 20, DataType::kInt64, 1)}), kNow);
    ASSERT_TRUE(r.commands.empty()) << seq;
  }
  EXPECT_EQ(host_->counters().sequence_gaps.load(), 0u);
}

TEST_F(SparkplugHostTest, AnOldWillWithAnotherBdSeqDoesNotKillTheNewSession) {
  Births(/*bd_seq=*/4);
  SparkplugHost::Reaction r =
      host_->OnMessage("spBv1.0/G1/NDEATH/Edge1",
                       Wire(std::nullopt, {M("bdSeq", std::nullopt, DataType::kInt64, 3)}), kNow);
  EXPECT_TRUE(r.samples.empty());
  EXPECT_EQ(host_->counters().stale_deaths_ignored.load(), 1u);
  r = host_->OnMessage("spBv1.0/G1/NDEATH/Edge1",
                       Wire(std::nullopt, {M("bdSeq", std::nullopt, DataType::kInt64, 4)}), kNow);
  ASSERT_EQ(r.samples.size(), 2u);
  for (const Sample& s : r.samples) {
    EXPECT_EQ(s.quality, Quality::BadNotConnected());
    EXPECT_TRUE(s.value.empty());
  }
  // The next birth's values carry the times they last changed (before the death): they are
  // published at the death's time, so that they become the current values again.
  r = Births(5);
  ASSERT_EQ(r.samples.size(), 2u);
  for (const Sample& s : r.samples) {
    EXPECT_TRUE(s.quality.IsGood());
    EXPECT_EQ(s.time, kNow);
  }
}

TEST_F(SparkplugHostTest, HistoricalValuesArePublishedButDoNotBecomeTheLastValue) {
  Births();
  Metric old = M(std::nullopt, 1, DataType::kDouble, 3);
  old.is_historical = true;
  old.timestamp = 1'600'000'000'000;
  SparkplugHost::Reaction r =
      host_->OnMessage("spBv1.0/G1/DDATA/Edge1/Filler", Wire(2, {old}), kNow);
  ASSERT_EQ(r.samples.size(), 1u);
  EXPECT_EQ(r.samples[0].time, Timestamp{1'600'000'000'000} * 1'000'000);
  // A gap now re-publishes the last *current* value (10.5), not the historical one.
  r = host_->OnMessage("spBv1.0/G1/DDATA/Edge1/Filler", Wire(9, {}), kNow);
  ASSERT_EQ(r.samples.size(), 2u);
  EXPECT_EQ(r.samples[0].tag, 7u);
  EXPECT_EQ(r.samples[0].value, Value(10.5));
}

TEST_F(SparkplugHostTest, MalformedPayloadOfAWatchedNodeIsAGapOthersAreIgnored) {
  Births();
  SparkplugHost::Reaction r =
      host_->OnMessage("spBv1.0/G1/DDATA/Edge1/Filler", std::string("\x12\xff", 2), kNow);
  EXPECT_EQ(r.commands.size(), 1u);
  EXPECT_NE(r.problem.find("does not decode"), std::string::npos);
  r = host_->OnMessage("spBv1.0/G1/DDATA/Other/Filler", std::string("\x12\xff", 2), kNow);
  EXPECT_TRUE(r.commands.empty());
  EXPECT_TRUE(r.problem.empty());
}

TEST_F(SparkplugHostTest, StateMessagesFollowSparkplug3) {
  EXPECT_EQ(host_->StateTopic(), "spBv1.0/STATE/gantry");
  EXPECT_EQ(SparkplugHost::StatePayload(true, Timestamp{1'668'114'759'262} * 1'000'000),
            R"({"online":true,"timestamp":1668114759262})");
  EXPECT_TRUE(host_->OnMessage("spBv1.0/STATE/gantry", R"({"online":false,"timestamp":1})", kNow)
                  .republish_state);
  EXPECT_FALSE(host_->OnMessage("spBv1.0/STATE/other", R"({"online":false,"timestamp":1})", kNow)
                   .republish_state);
  const std::vector<std::string> subs = host_->Subscriptions();
  EXPECT_EQ(subs, (std::vector<std::string>{"spBv1.0/G1/#", "spBv1.0/STATE/gantry"}));
}

TEST(SparkplugValues, SignedSmallIntegersTravelAsTwosComplementUint32) {
  TagConfig tag;
  tag.type = ValueType::kInt64;
  Metric m;
  m.kind = ValueKind::kInt;
  m.integer = 0xFFFFFFFDu;
  EXPECT_EQ(sparkplug::MetricToValue(m, 1, tag).first, Value(int64_t{-3}));          // Int8
  EXPECT_EQ(sparkplug::MetricToValue(m, 7, tag).first, Value(int64_t{4294967293}));  // UInt32
  tag.type = ValueType::kDouble;
  tag.scaling = {0.1, 1};
  EXPECT_DOUBLE_EQ(*sparkplug::MetricToValue(m, 3, tag).first.AsDouble(), 0.7);  // -3*0.1+1
  m.kind = ValueKind::kString;
  m.text = "abc";
  EXPECT_EQ(sparkplug::MetricToValue(m, 12, tag).second, Quality::BadTypeMismatch());
  m.is_null = true;
  EXPECT_EQ(sparkplug::MetricToValue(m, 12, tag).second, Quality::Bad());
}

TEST(SparkplugWriteValue, IntegersAreRangeCheckedAndEncodedForTheBirthsDatatype) {
  TagConfig tag;
  tag.path = "a/b/line/filler/count";
  auto write = [&](const Value& v, DataType t) {
    return sparkplug::MetricForWrite(v, static_cast<uint32_t>(t), tag);
  };
  Result<Metric> m = write(Value(int64_t{-2}), DataType::kInt16);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, ValueKind::kInt);
  EXPECT_EQ(m->integer, 0xFFFFFFFEu);  // two's complement in the uint32 field
  EXPECT_EQ(sparkplug::NaturalValue(*m, static_cast<uint32_t>(DataType::kInt16)),
            Value(int64_t{-2}));
  m = write(Value(int64_t{4294967295}), DataType::kUInt32);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->integer, 4294967295u);
  m = write(Value(-5.0), DataType::kInt64);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, ValueKind::kLong);
  EXPECT_EQ(static_cast<int64_t>(m->integer), -5);
  Result<Metric> over = write(Value(int64_t{128}), DataType::kInt8);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find("a/b/line/filler/count"), std::string::npos);
  EXPECT_NE(over.status().message().find("Int8"), std::string::npos);
  EXPECT_NE(over.status().message().find("-128..127"), std::string::npos)
      << over.status().ToString();
  EXPECT_FALSE(write(Value(int64_t{-1}), DataType::kUInt16).ok());
  EXPECT_FALSE(write(Value(2.5), DataType::kInt32).ok());
  EXPECT_FALSE(write(Value(true), DataType::kInt32).ok());
  EXPECT_FALSE(write(Value("7"), DataType::kInt32).ok());
}

TEST(SparkplugWriteValue, FloatsBooleansStringsAndScaledTags) {
  TagConfig tag;
  tag.path = "a/b/line/oven/temp";
  auto write = [&](const Value& v, DataType t) {
    return sparkplug::MetricForWrite(v, static_cast<uint32_t>(t), tag);
  };
  EXPECT_EQ(write(Value(1.5), DataType::kFloat)->kind, ValueKind::kFloat);
  EXPECT_FALSE(write(Value(1e39), DataType::kFloat).ok());
  EXPECT_EQ(write(Value(int64_t{3}), DataType::kDouble)->number, 3.0);
  EXPECT_EQ(write(Value(true), DataType::kBoolean)->integer, 1u);
  EXPECT_EQ(write(Value(int64_t{0}), DataType::kBoolean)->integer, 0u);
  EXPECT_FALSE(write(Value(int64_t{2}), DataType::kBoolean).ok());
  EXPECT_EQ(write(Value("P-18"), DataType::kString)->text, "P-18");
  EXPECT_FALSE(write(Value(5.0), DataType::kString).ok());
  EXPECT_FALSE(write(Value(5.0), DataType::kDateTime).ok());
  // engineering = raw * 0.1 + 0: 21.5 degC is written as raw 215.
  tag.scaling.gain = 0.1;
  Result<Metric> raw = write(Value(21.5), DataType::kInt16);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(raw->integer, 215u);
}

TEST_F(SparkplugHostTest, AWriteIsADcmdOrNcmdByNameAndAliasWithTheBirthsDatatype) {
  // Before the births: the node is not born.
  Result<SparkplugHost::Command> early = host_->WriteCommand(0, Value(1.0), kNow);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), StatusCode::kUnavailable);
  Births();
  Result<SparkplugHost::Command> c = host_->WriteCommand(0, Value(12.5), kNow);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->topic, "spBv1.0/G1/DCMD/Edge1/Filler");
  Result<Payload> p = sparkplug::DecodePayload(c->payload);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->metrics.size(), 1u);
  EXPECT_EQ(p->metrics[0].name, "Speed");
  EXPECT_EQ(p->metrics[0].alias, 1u);
  EXPECT_EQ(p->metrics[0].datatype, static_cast<uint32_t>(DataType::kDouble));
  EXPECT_EQ(p->metrics[0].number, 12.5);
  EXPECT_EQ(p->timestamp, static_cast<uint64_t>(kNow / 1'000'000));
  EXPECT_FALSE(p->seq);  // commands carry no seq
  c = host_->WriteCommand(1, Value(int64_t{9}), kNow);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->topic, "spBv1.0/G1/NCMD/Edge1");
  // The device dies: its metrics cannot be written, the node's still can.
  (void)host_->OnMessage("spBv1.0/G1/DDEATH/Edge1/Filler", Wire(2, {}), kNow);
  EXPECT_EQ(host_->WriteCommand(0, Value(1.0), kNow).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(host_->WriteCommand(1, Value(int64_t{9}), kNow).ok());
}

}  // namespace
}  // namespace gantry::mqtt
