#include "field/mqtt/sparkplug_payload.h"

#include <gtest/gtest.h>

#include <string>

#include "field/mqtt/protobuf_wire.h"

namespace gantry::sparkplug {
namespace {

Metric DoubleMetric(std::string name, uint64_t alias, double v) {
  Metric m;
  m.name = std::move(name);
  m.alias = alias;
  m.datatype = static_cast<uint32_t>(DataType::kDouble);
  m.kind = ValueKind::kDouble;
  m.number = v;
  return m;
}

TEST(SparkplugPayload, BirthRoundTripsWithEveryValueKind) {
  Payload p;
  p.timestamp = 1700000000123;
  p.seq = 0;
  p.uuid = "u";
  p.body = std::string("\0\1", 2);
  p.metrics.push_back(DoubleMetric("Speed", 1, 12.5));
  Metric count;
  count.name = "Count";
  count.datatype = static_cast<uint32_t>(DataType::kInt32);
  count.kind = ValueKind::kInt;
  count.integer = 0xFFFFFFFBu;  // -5
  count.is_historical = true;
  count.timestamp = 5;
  count.metadata.present = true;
  count.metadata.content_type = "text/plain";
  count.properties.emplace();
  count.properties->keys = {"engUnit"};
  PropertyValue unit;
  unit.type = 12;
  unit.kind = ValueKind::kString;
  unit.text = "m/s";
  count.properties->values = {unit};
  p.metrics.push_back(count);
  Metric ds;
  ds.name = "Batch";
  ds.kind = ValueKind::kDataSet;
  ds.dataset.num_of_columns = 1;
  ds.dataset.columns = {"a"};
  ds.dataset.types = {3};
  ds.dataset.rows = {{DataSetValue{ValueKind::kInt, 7, 0, ""}}};
  p.metrics.push_back(ds);
  Metric tm;
  tm.name = "Motor";
  tm.kind = ValueKind::kTemplate;
  Template t;
  t.version = "v1";
  t.metrics.push_back(DoubleMetric("rpm", 0, 1450));
  t.parameters.push_back(
      TemplateParameter{"max", 10, DataSetValue{ValueKind::kDouble, 0, 3.5, ""}});
  t.is_definition = false;
  tm.template_value.push_back(t);
  p.metrics.push_back(tm);
  Metric null_metric;
  null_metric.alias = 9;
  null_metric.is_null = true;
  p.metrics.push_back(null_metric);

  const std::string wire = EncodePayload(p);
  Result<Payload> back = DecodePayload(wire);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, p);
  EXPECT_EQ(EncodePayload(*back), wire);
}

TEST(SparkplugPayload, UnknownFieldsOfEveryWireTypeAreSkipped) {
  mqtt::WireWriter w;
  w.Varint(1, 42);
  w.Varint(99, 7);
  w.Fixed32(100, 1);
  w.Fixed64(101, 2);
  w.Bytes(102, "ignored");
  w.Varint(3, 4);
  Result<Payload> p = DecodePayload(w.bytes());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->timestamp, 42u);
  EXPECT_EQ(p->seq, 4u);
}

TEST(SparkplugPayload, TruncatedAndLyingLengthsAreMalformed) {
  const std::string wire = EncodePayload(Payload{1, {DoubleMetric("Speed", 1, 2)}, 3, {}, {}});
  for (size_t n = 1; n < wire.size(); ++n) {
    Result<Payload> p = DecodePayload(std::string_view(wire).substr(0, n));
    // A cut may fall between top-level fields (then it is a shorter valid payload), never crash.
    if (!p.ok()) EXPECT_EQ(p.status().code(), StatusCode::kMalformed);
  }
  const std::string lying = std::string("\x12\xff\xff\xff\xff\x0f", 6) + "abc";  // 4 GiB metric
  EXPECT_EQ(DecodePayload(lying).status().code(), StatusCode::kMalformed);
  const std::string long_varint = "\x08" + std::string(10, '\xff') + "\x01";
  EXPECT_EQ(DecodePayload(long_varint).status().code(), StatusCode::kMalformed);
  EXPECT_EQ(DecodePayload(std::string("\x0b", 1)).status().code(),
            StatusCode::kMalformed);  // group
  EXPECT_EQ(DecodePayload(std::string("\x00\x01", 2)).status().code(), StatusCode::kMalformed);
}

TEST(SparkplugPayload, KnownFieldOfTheWrongWireTypeIsMalformed) {
  mqtt::WireWriter w;
  w.Bytes(1, "not a timestamp");
  Result<Payload> p = DecodePayload(w.bytes());
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("Payload.timestamp"), std::string::npos);
}

TEST(SparkplugPayload, DeepTemplateNestingIsRefused) {
  // Template in a metric in a template ... 50 levels: far beyond the limit of 8.
  std::string inner = EncodePayload(Payload{});
  std::string metric;
  {
    mqtt::WireWriter m;
    m.Bytes(1, "leaf");
    metric = m.Take();
  }
  for (int i = 0; i < 50; ++i) {
    mqtt::WireWriter t;
    t.Bytes(2, metric);
    mqtt::WireWriter m;
    m.Bytes(18, t.bytes());
    metric = m.Take();
  }
  mqtt::WireWriter p;
  p.Bytes(2, metric);
  Result<Payload> r = DecodePayload(p.bytes());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested deeper"), std::string::npos);
}

TEST(SparkplugPayload, ElementBudgetStopsAFloodOfTinyMetrics) {
  std::string wire;
  for (int i = 0; i < 1000; ++i) wire += std::string("\x12\x00", 2);  // 1000 empty metrics
  DecodeLimits limits;
  limits.max_elements = 999;
  EXPECT_EQ(DecodePayload(wire, limits).status().code(), StatusCode::kMalformed);
  limits.max_elements = 1000;
  EXPECT_TRUE(DecodePayload(wire, limits).ok());
  limits.max_bytes = 100;
  EXPECT_EQ(DecodePayload(wire, limits).status().code(), StatusCode::kMalformed);
}

TEST(SparkplugPayload, PackedDataSetTypesAreRead) {
  mqtt::WireWriter packed;
  packed.RawVarint(3);
  packed.RawVarint(10);
  mqtt::WireWriter ds;
  ds.Bytes(3, packed.bytes());
  mqtt::WireWriter m;
  m.Bytes(17, ds.bytes());
  mqtt::WireWriter p;
  p.Bytes(2, m.bytes());
  Result<Payload> r = DecodePayload(p.bytes());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->metrics.at(0).dataset.types, (std::vector<uint32_t>{3, 10}));
}

}  // namespace
}  // namespace gantry::sparkplug
