// Known byte vectors for every built-in type (values from IEC 62541-6 §5.2.2 and its examples),
// each checked in both directions.
#include "field/opcua/builtin_codec.h"

#include <gtest/gtest.h>

#include <cmath>

#include "field/opcua/test_bytes.h"

namespace gantry::opcua {
namespace {

using testing::EncodeToBytes;
using testing::Hex;

// Encoding `value` gives `wire`, and decoding `wire` gives `value` with every byte consumed.
template <typename T, typename DecodeFn>
void ExpectWire(const T& value, std::string_view wire, DecodeFn decode) {
  const std::vector<uint8_t> expected = Hex(wire);
  auto encoded = EncodeToBytes(value);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  EXPECT_EQ(*encoded, expected);
  Decoder d(expected);
  auto decoded = decode(d);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(*decoded == value);
  EXPECT_TRUE(d.AtEnd()) << "stopped at byte " << d.position();
}

Result<Variant> ReadVariant(Decoder& d) {
  return DecodeVariant(d);
}

TEST(OpcUaPrimitives, LittleEndianIntegersAndFloats) {
  const auto bytes = Hex("01 FF FE FF 34 12 FF FF FF FF 00 00 80 3F 00 00 00 00 00 00 F0 3F");
  Decoder d(bytes);
  EXPECT_EQ(*d.ReadBoolean("b"), true);
  EXPECT_EQ(*d.ReadSByte("s"), -1);
  EXPECT_EQ(*d.ReadInt16("i16"), -2);
  EXPECT_EQ(*d.ReadUInt16("u16"), 0x1234);
  EXPECT_EQ(*d.ReadInt32("i32"), -1);
  EXPECT_EQ(*d.ReadFloat("f"), 1.0f);
  EXPECT_EQ(*d.ReadDouble("d"), 1.0);
  EXPECT_TRUE(d.AtEnd());
}

TEST(OpcUaPrimitives, AnyNonZeroByteIsTrue) {
  const auto bytes = Hex("7F");
  Decoder d(bytes);
  EXPECT_EQ(*d.ReadBoolean("Boolean"), true);
}

TEST(OpcUaPrimitives, ShortReadNamesFieldAndOffset) {
  const auto bytes = Hex("01 02 03");
  Decoder d(bytes);
  ASSERT_TRUE(d.ReadByte("x").ok());
  auto r = d.ReadUInt32("ClientHandle");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kMalformed);
  EXPECT_EQ(r.status().message(), "ClientHandle at byte 1: needs 4 bytes but only 2 are left");
}

TEST(OpcUaString, Utf8ExampleFromPart6) {
  // Part 6 §5.2.2.4: the string "水Boy" is 6 bytes of UTF-8 after an Int32 length.
  Encoder e;
  ASSERT_TRUE(e.WriteText(String::Of("\xE6\xB0\xB4"
                                     "Boy"))
                  .ok());
  EXPECT_EQ(e.bytes(), Hex("06 00 00 00 E6 B0 B4 42 6F 79"));
  Decoder d(e.bytes());
  EXPECT_EQ(d.ReadString("s")->view(),
            "\xE6\xB0\xB4"
            "Boy");
}

TEST(OpcUaString, NullIsMinusOneAndDiffersFromEmpty) {
  Encoder e;
  ASSERT_TRUE(e.WriteText(String{}).ok());
  ASSERT_TRUE(e.WriteText(String::Of("")).ok());
  EXPECT_EQ(e.bytes(), Hex("FF FF FF FF 00 00 00 00"));
  Decoder d(e.bytes());
  EXPECT_TRUE(d.ReadString("a")->is_null());
  auto empty = d.ReadString("b");
  EXPECT_FALSE(empty->is_null());
  EXPECT_EQ(empty->view(), "");
}

TEST(OpcUaDateTime, EpochsInTicks) {
  ExpectWire(DateTime{0}, "00 00 00 00 00 00 00 00", DecodeDateTime);
  // 1970-01-01 is 116444736000000000 ticks after 1601-01-01.
  ExpectWire(FromTimestamp(0), "00 80 3E D5 DE B1 9D 01", DecodeDateTime);
  EXPECT_EQ(ToTimestamp(DateTime{116'444'736'000'000'000 + 15}), 1500);
  EXPECT_EQ(ToTimestamp(DateTime{std::numeric_limits<int64_t>::max()}),
            std::numeric_limits<int64_t>::max());
}

TEST(OpcUaGuid, ExampleFromPart6) {
  // Part 6 §5.2.2.7: {72962B91-FA75-4AE6-8D28-B404DC7DAF63}.
  Guid g{0x72962B91, 0xFA75, 0x4AE6, {0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D, 0xAF, 0x63}};
  ExpectWire(g, "91 2B 96 72 75 FA E6 4A 8D 28 B4 04 DC 7D AF 63", DecodeGuid);
}

TEST(OpcUaNodeId, TwoByteForm) {
  ExpectWire(NodeId::Numeric(0, 72), "00 48", DecodeNodeId);
}

TEST(OpcUaNodeId, FourByteForm) {
  // Part 6 example: ns=5;i=1025.
  ExpectWire(NodeId::Numeric(5, 1025), "01 05 01 04", DecodeNodeId);
}

TEST(OpcUaNodeId, NumericForm) {
  ExpectWire(NodeId::Numeric(2, 70000), "02 02 00 70 11 01 00", DecodeNodeId);
  ExpectWire(NodeId::Numeric(300, 1), "02 2C 01 01 00 00 00", DecodeNodeId);
}

TEST(OpcUaNodeId, StringForm) {
  // Part 6 example: ns=1;s=Hot水.
  ExpectWire(NodeId::Text(1, "Hot\xE6\xB0\xB4"), "03 01 00 06 00 00 00 48 6F 74 E6 B0 B4",
             DecodeNodeId);
}

TEST(OpcUaNodeId, GuidAndByteStringForms) {
  NodeId g{1, Guid{0x72962B91, 0xFA75, 0x4AE6, {0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D, 0xAF, 0x63}}};
  ExpectWire(g, "04 01 00 91 2B 96 72 75 FA E6 4A 8D 28 B4 04 DC 7D AF 63", DecodeNodeId);
  NodeId b{3, ByteString::Of("\x01\x02")};
  ExpectWire(b, "05 03 00 02 00 00 00 01 02", DecodeNodeId);
  EXPECT_EQ(b.ToString(), "ns=3;b=AQI=");
}

TEST(OpcUaNodeId, NonCanonicalNumericFormStillDecodes) {
  const auto bytes = Hex("02 00 00 48 00 00 00");  // i=72 in the long form
  Decoder d(bytes);
  EXPECT_EQ(*DecodeNodeId(d), NodeId::Numeric(0, 72));
}

TEST(OpcUaNodeId, UnknownFormAndExpandedFlagsAreMalformed) {
  for (std::string_view wire : {"06 00 00", "80 48", "41 48 00 00 00 00"}) {
    const auto bytes = Hex(wire);
    Decoder d(bytes);
    auto r = DecodeNodeId(d);
    EXPECT_EQ(r.status().code(), StatusCode::kMalformed) << wire;
  }
}

TEST(OpcUaNodeId, TextForm) {
  EXPECT_EQ(NodeId::Numeric(0, 85).ToString(), "i=85");
  EXPECT_EQ(NodeId::Text(2, "Line1.Count").ToString(), "ns=2;s=Line1.Count");
  EXPECT_TRUE(NodeId{}.IsNull());
}

TEST(OpcUaExpandedNodeId, NamespaceUriAndServerIndexFlags) {
  ExpandedNodeId uri{NodeId::Numeric(0, 42), String::Of("urn"), 0};
  ExpectWire(uri, "80 2A 03 00 00 00 75 72 6E", DecodeExpandedNodeId);
  ExpandedNodeId remote{NodeId::Numeric(1, 1), String{}, 5};
  ExpectWire(remote, "41 01 01 00 05 00 00 00", DecodeExpandedNodeId);
}

TEST(OpcUaStatusCode, CarriedAsQuality) {
  ExpectWire(Quality::BadNodeIdUnknown(), "00 00 34 80", DecodeStatusCode);
}

TEST(OpcUaQualifiedName, NamespaceAndName) {
  ExpectWire(QualifiedName{2, String::Of("A")}, "02 00 01 00 00 00 41", DecodeQualifiedName);
}

TEST(OpcUaLocalizedText, MaskSelectsParts) {
  ExpectWire(LocalizedText{String::Of("en"), String::Of("Hi")},
             "03 02 00 00 00 65 6E 02 00 00 00 48 69", DecodeLocalizedText);
  ExpectWire(LocalizedText{String{}, String::Of("Hi")}, "02 02 00 00 00 48 69",
             DecodeLocalizedText);
  ExpectWire(LocalizedText{}, "00", DecodeLocalizedText);
}

TEST(OpcUaLocalizedText, UnknownMaskBitIsMalformed) {
  const auto bytes = Hex("04");
  Decoder d(bytes);
  EXPECT_EQ(DecodeLocalizedText(d).status().code(), StatusCode::kMalformed);
}

TEST(OpcUaExtensionObject, BodyKeptAsBytes) {
  ExtensionObject x{NodeId::Numeric(0, 1), ExtensionObject::Body::kByteString, "\xAB\xCD\xEF"};
  ExpectWire(x, "00 01 01 03 00 00 00 AB CD EF", DecodeExtensionObject);
  ExpectWire(ExtensionObject{NodeId::Numeric(0, 1), ExtensionObject::Body::kNone, ""}, "00 01 00",
             DecodeExtensionObject);
}

TEST(OpcUaExtensionObject, UnknownTypeIsSkippedByItsLength) {
  // An unknown type in ns=7 followed by an Int32 the caller still reads correctly.
  const auto bytes = Hex("01 07 39 30 01 02 00 00 00 DE AD 2A 00 00 00");
  Decoder d(bytes);
  auto x = DecodeExtensionObject(d);
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  EXPECT_EQ(x->type_id, NodeId::Numeric(7, 12345));
  EXPECT_EQ(*d.ReadInt32("after"), 42);
}

TEST(OpcUaExtensionObject, UnknownBodyEncodingIsMalformed) {
  const auto bytes = Hex("00 01 03 00 00 00 00");
  Decoder d(bytes);
  EXPECT_EQ(DecodeExtensionObject(d).status().code(), StatusCode::kMalformed);
}

TEST(OpcUaVariant, NullAndScalars) {
  ExpectWire(Variant{}, "00", ReadVariant);
  ExpectWire(Variant::Of(true), "01 01", ReadVariant);
  ExpectWire(Variant::Of(int32_t{1}), "06 01 00 00 00", ReadVariant);
  ExpectWire(Variant::Of(2.5), "0B 00 00 00 00 00 00 04 40", ReadVariant);
  ExpectWire(Variant::Of(String::Of("ok")), "0C 02 00 00 00 6F 6B", ReadVariant);
  ExpectWire(Variant::Of(Quality::Good()), "13 00 00 00 00", ReadVariant);
  ExpectWire(Variant::Of(LocalizedText{String{}, String::Of("x")}), "15 02 01 00 00 00 78",
             ReadVariant);
}

TEST(OpcUaVariant, OneDimensionalArray) {
  ExpectWire(Variant::Array(BuiltinType::kInt32, {int32_t{1}, int32_t{2}}),
             "86 02 00 00 00 01 00 00 00 02 00 00 00", ReadVariant);
}

TEST(OpcUaVariant, MultiDimensionalArray) {
  ExpectWire(Variant::Array(
                 BuiltinType::kByte,
                 {uint8_t{1}, uint8_t{2}, uint8_t{3}, uint8_t{4}, uint8_t{5}, uint8_t{6}}, {2, 3}),
             "C3 06 00 00 00 01 02 03 04 05 06 02 00 00 00 02 00 00 00 03 00 00 00", ReadVariant);
}

TEST(OpcUaVariant, DimensionProductMustEqualLength) {
  const auto bytes = Hex("C3 03 00 00 00 01 02 03 02 00 00 00 02 00 00 00 02 00 00 00");
  Decoder d(bytes);
  auto r = DecodeVariant(d);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("ArrayDimensions give 4 elements but the array has 3"),
            std::string::npos)
      << r.status().message();
  auto bad = EncodeToBytes(Variant::Array(BuiltinType::kByte, {uint8_t{1}}, {2, 2}));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(OpcUaVariant, ArrayOfVariantsButNoScalarVariant) {
  Variant inner = Variant::Of(int16_t{-2});
  ExpectWire(Variant::Array(BuiltinType::kVariant, {Box<Variant>(inner)}),
             "98 01 00 00 00 04 FE FF", ReadVariant);
  const auto scalar_variant = Hex("18 04 FE FF");
  Decoder d(scalar_variant);
  EXPECT_EQ(DecodeVariant(d).status().code(), StatusCode::kMalformed);
}

TEST(OpcUaVariant, ReservedTypeIdReadsAsByteString) {
  const auto bytes = Hex("1A 01 00 00 00 7F");
  Decoder d(bytes);
  auto v = DecodeVariant(d);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(static_cast<int>(v->type), 26);
  EXPECT_EQ(std::get<ByteString>(v->scalar).view(), "\x7F");
  EXPECT_EQ(*EncodeToBytes(*v), bytes);
}

TEST(OpcUaVariant, ElementOfWrongTypeIsRefusedByEncoder) {
  auto r = EncodeToBytes(Variant::Array(BuiltinType::kInt32, {int32_t{1}, 2.0}));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("a Double value where Int32 was declared"),
            std::string::npos);
}

TEST(OpcUaDataValue, MaskOrderAndTimestamps) {
  DataValue dv;
  dv.value = Variant::Of(1.0);
  dv.status = Quality::UncertainLastUsableValue();
  dv.source_timestamp = DateTime{1};
  dv.source_picoseconds = 10;
  dv.server_timestamp = DateTime{2};
  dv.server_picoseconds = 20;
  ExpectWire(dv,
             "3F 0B 00 00 00 00 00 00 F0 3F 00 00 90 40 01 00 00 00 00 00 00 00 0A 00 "
             "02 00 00 00 00 00 00 00 14 00",
             DecodeDataValue);
  ExpectWire(DataValue{}, "00", DecodeDataValue);
  DataValue only_status;
  only_status.status = Quality::BadNotConnected();
  ExpectWire(only_status, "02 00 00 8A 80", DecodeDataValue);
}

TEST(OpcUaDiagnosticInfo, LocaleComesBeforeLocalizedTextOnTheWire) {
  DiagnosticInfo di;
  di.symbolic_id = 1;
  di.locale = 2;
  di.localized_text = 3;
  ExpectWire(di, "0D 01 00 00 00 02 00 00 00 03 00 00 00", DecodeDiagnosticInfo);
}

TEST(OpcUaDiagnosticInfo, InnerInfoAndStatus) {
  DiagnosticInfo inner;
  inner.additional_info = String::Of("x");
  DiagnosticInfo outer;
  outer.namespace_uri = -1;
  outer.inner_status_code = Quality::BadTimeout();
  outer.inner_diagnostic_info = Box<DiagnosticInfo>(inner);
  ExpectWire(outer, "62 FF FF FF FF 00 00 0A 80 10 01 00 00 00 78", DecodeDiagnosticInfo);
}

}  // namespace
}  // namespace gantry::opcua
