// The OPC UA device configuration: NodeId and browse path text forms, and errors that name the
// file, line, key and what was expected; plus the value mapping of opcua_points.h.
#include "field/opcua/opcua_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "field/opcua/opcua_points.h"

namespace gantry::opcua {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  OpcUaDeviceConfig device;
  std::string errors;  // every recorded error, one per line
};

Parsed Parse(const std::string& yaml) {
  auto doc = ConfigDocument::Parse(yaml, "plant.yaml");
  EXPECT_TRUE(doc.ok());
  Parsed p{ParseOpcUaDevice(doc->Root()), ""};
  for (const ConfigError& e : doc->Errors()) p.errors += e.ToString() + "\n";
  return p;
}

const char* kGood = R"(name: line1-plc
protocol: opcua
endpoint: opc.tcp://10.0.0.5:4840/plc
security: none
publishing_interval: 250ms
keep_alive_count: 4
writes: enabled
tags:
  - {path: acme/p1/l1/temperature, node: 'ns=2;s=Line1.Temperature', unit: degC, deadband: 0.5}
  - {path: acme/p1/l1/counter, browse_path: '2:Line1/2:Counter', type: int64,
     sampling_interval: 100ms, queue_size: 5}
  - {path: acme/p1/l1/speed, node: 'i=2258', scale: {gain: 0.1}, deadband: 1}
)";

TEST(OpcUaConfig, DeviceWithNodeIdsAndBrowsePathsParses) {
  Parsed p = Parse(kGood);
  ASSERT_EQ(p.errors, "");
  const OpcUaDeviceConfig& d = p.device;
  EXPECT_EQ(d.endpoint_url, "opc.tcp://10.0.0.5:4840/plc");
  EXPECT_EQ(d.security.policy, "None");
  EXPECT_EQ(d.security.mode, MessageSecurityMode::kNone);
  EXPECT_EQ(d.publishing_interval, 250 * kMillisecond);
  EXPECT_TRUE(d.writes_enabled);
  ASSERT_EQ(d.points.size(), 3u);
  EXPECT_EQ(*d.points[0].node_id, NodeId::Text(2, "Line1.Temperature"));
  EXPECT_EQ(d.points[0].deadband_type, DeadbandType::kAbsolute);
  EXPECT_EQ(d.points[0].deadband_value, 0.5);
  ASSERT_TRUE(d.points[1].browse_path.has_value());
  ASSERT_EQ(d.points[1].browse_path->elements.size(), 2u);
  EXPECT_EQ(d.points[1].browse_path->elements[1].target_name,
            (QualifiedName{2, String::Of("Counter")}));
  EXPECT_EQ(d.points[1].tag.type, ValueType::kInt64);
  EXPECT_EQ(d.points[1].sampling_interval, 100 * kMillisecond);
  EXPECT_EQ(d.points[1].queue_size, 5u);
  // The deadband is in engineering units; the server filters raw values: 1 / gain 0.1 = 10.
  EXPECT_DOUBLE_EQ(d.points[2].deadband_value, 10.0);
  EXPECT_EQ(d.points[2].tag.source, "line1-plc i=2258");
}

TEST(OpcUaConfig, SecurityMustBeStatedExplicitly) {
  std::string yaml = kGood;
  yaml.replace(yaml.find("security: none\n"), 15, "");
  Parsed p = Parse(yaml);
  EXPECT_THAT(p.errors, HasSubstr("plant.yaml:1:1: security: missing required key (expected "
                                  "'none'"));
}

TEST(OpcUaConfig, SecuredPolicyNeedsItsPkiFolder) {
  std::string yaml = kGood;
  yaml.replace(yaml.find("security: none\n"), 15,
               "security: {policy: Basic256Sha256, mode: sign}\n");
  Parsed p = Parse(yaml);
  EXPECT_THAT(p.errors, HasSubstr("security.pki: missing required key"));
  EXPECT_EQ(p.device.security.mode, MessageSecurityMode::kSign);
  EXPECT_EQ(p.device.security.policy, "Basic256Sha256");
}

TEST(OpcUaConfig, SecuredDeviceNamesItsApplicationUriOrTakesTheCertificates) {
  std::string yaml = kGood;
  yaml.replace(yaml.find("security: none\n"), 15,
               "security: {policy: Aes128_Sha256_RsaOaep, mode: sign_and_encrypt, pki: /var/pki,"
               " application_uri: 'urn:acme:p1:gantry'}\n");
  Parsed named = Parse(yaml);
  ASSERT_EQ(named.errors, "");
  EXPECT_EQ(named.device.security.application_uri, "urn:acme:p1:gantry");
  EXPECT_EQ(named.device.security.pki_dir, "/var/pki");
  EXPECT_EQ(named.device.security.policy, "Aes128_Sha256_RsaOaep");

  yaml = kGood;
  yaml.replace(yaml.find("security: none\n"), 15,
               "security: {policy: Basic256Sha256, pki: /var/pki}\n");
  Parsed from_cert = Parse(yaml);
  ASSERT_EQ(from_cert.errors, "");
  EXPECT_EQ(from_cert.device.security.application_uri, "");  // the certificate's, at connect
  EXPECT_EQ(from_cert.device.security.mode, MessageSecurityMode::kSignAndEncrypt);

  yaml = kGood;
  yaml.replace(yaml.find("security: none\n"), 15,
               "security: {policy: Basic256Sha256, pki: /var/pki, application_uri: 'a,b'}\n");
  EXPECT_THAT(Parse(yaml).errors, HasSubstr("security.application_uri: expected a URI"));
}

TEST(OpcUaConfig, BadNodeIdIsReportedAtItsLineWithTheExpectedForms) {
  std::string yaml = kGood;
  yaml.replace(yaml.find("'i=2258'"), 8, "'ns=x;q=1'");
  Parsed p = Parse(yaml);
  EXPECT_THAT(p.errors, HasSubstr("plant.yaml:12:"));
  EXPECT_THAT(p.errors, HasSubstr("node: expected a NodeId such as i=85"));
  EXPECT_THAT(p.errors, HasSubstr("got 'ns=x;q=1'"));
}

TEST(OpcUaConfig, NodeAndBrowsePathTogetherOrNeitherAreErrors) {
  Parsed both = Parse(std::string(kGood) +
                      "  - {path: acme/p1/l1/x, node: 'i=1', browse_path: '0:Server'}\n");
  EXPECT_THAT(both.errors, HasSubstr("give either node or browse_path, not both"));
  Parsed neither = Parse(std::string(kGood) + "  - {path: acme/p1/l1/y}\n");
  EXPECT_THAT(neither.errors, HasSubstr("missing node"));
}

TEST(OpcUaConfig, PublishRequestsDefaultToThreeAndStayWithinOneToTen) {
  EXPECT_EQ(Parse(kGood).device.publish_requests, 3u);
  std::string yaml = kGood;
  yaml.replace(yaml.find("writes: enabled\n"), 16, "publish_requests: 5\n");
  Parsed five = Parse(yaml);
  EXPECT_EQ(five.errors, "");
  EXPECT_EQ(five.device.publish_requests, 5u);
  yaml.replace(yaml.find("publish_requests: 5"), 19, "publish_requests: 50");
  EXPECT_THAT(Parse(yaml).errors, HasSubstr("publish_requests"));
}

TEST(OpcUaConfig, UnknownKeyAndBadEndpointAreErrors) {
  std::string yaml = kGood;
  yaml.replace(yaml.find("opc.tcp://10.0.0.5:4840/plc"), 27, "http://x");
  yaml += "  - {path: acme/p1/l1/z, node: 'i=1', samplng_interval: 1s}\n";
  Parsed p = Parse(yaml);
  EXPECT_THAT(p.errors, HasSubstr("endpoint: expected opc.tcp://HOST[:PORT][/PATH]"));
  EXPECT_THAT(p.errors, HasSubstr("samplng_interval"));
}

TEST(OpcUaNodeIdText, AllFormsParse) {
  EXPECT_EQ(*ParseNodeIdText("i=85"), NodeId::Numeric(0, 85));
  EXPECT_EQ(*ParseNodeIdText("ns=3;i=4294967295"), NodeId::Numeric(3, 4294967295u));
  EXPECT_EQ(*ParseNodeIdText("ns=1;s=Hot;Water=1"), NodeId::Text(1, "Hot;Water=1"));
  auto g = ParseNodeIdText("ns=1;g=72962B91-FA75-4AE6-8D28-B404DC7DAF63");
  ASSERT_TRUE(g.ok());
  const Guid& guid = std::get<Guid>(g->identifier);
  EXPECT_EQ(guid.data1, 0x72962B91u);
  EXPECT_EQ(guid.data2, 0xFA75u);
  EXPECT_EQ(guid.data4[7], 0x63);
  auto b = ParseNodeIdText("ns=1;b=AQID");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(std::get<ByteString>(b->identifier).view(), std::string("\x01\x02\x03"));
  for (const char* bad :
       {"", "i=", "i=x", "ns=70000;i=1", "ns=1", "x=1", "s=", "ns=1;g=1234", "i=99999999999"}) {
    EXPECT_FALSE(ParseNodeIdText(bad).ok()) << bad;
  }
}

TEST(OpcUaNodeIdText, NamespaceUriFormParsesAndResolvesThroughTheNamespaceArray) {
  auto ref = ParseNodeIdRefText("nsu=urn:acme:plc;s=Line1.Speed");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->namespace_uri, "urn:acme:plc");
  EXPECT_EQ(ref->id, NodeId::Text(0, "Line1.Speed"));
  auto escaped = ParseNodeIdRefText("nsu=urn:a%3Bb;i=7");  // %3B is ';' inside the URI
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped->namespace_uri, "urn:a;b");
  auto plain = ParseNodeIdRefText("ns=2;i=5");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->namespace_uri, "");
  for (const char* bad : {"nsu=;i=1", "nsu=urn:x", "nsu=urn:x;ns=2;i=1", "nsu=urn:x;q=1"})
    EXPECT_FALSE(ParseNodeIdRefText(bad).ok()) << bad;

  const std::vector<std::string> table = {"http://opcfoundation.org/UA/", "urn:server",
                                          "urn:acme:plc"};
  auto resolved = ResolveNodeIdRef(*ref, table);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(*resolved, NodeId::Text(2, "Line1.Speed"));
  EXPECT_EQ(*ResolveNodeIdRef(*plain, {}), NodeId::Numeric(2, 5));  // no lookup needed
  auto unknown = ResolveNodeIdRef(*escaped, table);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("namespace URI 'urn:a;b' is not in the server's NamespaceArray"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("2=urn:acme:plc"));
}

TEST(OpcUaConfig, NodeByNamespaceUriKeepsTheUriForTheConnect) {
  Parsed p = Parse(std::string(kGood) + "  - {path: acme/p1/l1/u, node: 'nsu=urn:acme:plc;s=U'}\n" +
                   "  - {path: acme/p1/l1/v, node: 'nsu=urn:acme:plc'}\n");
  EXPECT_THAT(p.errors, HasSubstr("plant.yaml:14:"));
  EXPECT_THAT(p.errors, HasSubstr("got 'nsu=urn:acme:plc'"));
  ASSERT_EQ(p.device.points.size(), 5u);
  EXPECT_EQ(p.device.points[3].namespace_uri, "urn:acme:plc");
  EXPECT_EQ(*p.device.points[3].node_id, NodeId::Text(0, "U"));
}

TEST(OpcUaBrowsePathText, SegmentsWithAndWithoutNamespace) {
  auto p = ParseBrowsePathText("2:Line1/Counter");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->elements.size(), 2u);
  EXPECT_EQ(p->elements[0].target_name, (QualifiedName{2, String::Of("Line1")}));
  EXPECT_EQ(p->elements[1].target_name, (QualifiedName{0, String::Of("Counter")}));
  EXPECT_EQ(p->start, NodeId::Numeric(0, 85));
  EXPECT_FALSE(ParseBrowsePathText("2:Line1//x").ok());
  EXPECT_FALSE(ParseBrowsePathText("").ok());
  EXPECT_FALSE(ParseBrowsePathText("2:").ok());
}

TEST(OpcUaBrowsePathText, NamespaceUriSegmentsResolveThroughTheNamespaceArray) {
  // The URI runs to the first ';', so it may hold '/' and ':'; %3B is ';' inside it.
  auto ref = ParseBrowsePathRefText("nsu=http://acme.com/plc;Line1/2:Cell/Counter/nsu=urn:a%3Bb;X");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->path.elements.size(), 4u);
  EXPECT_EQ(ref->namespace_uris,
            (std::vector<std::string>{"http://acme.com/plc", "", "", "urn:a;b"}));
  EXPECT_EQ(ref->path.elements[0].target_name, (QualifiedName{0, String::Of("Line1")}));
  EXPECT_EQ(ref->path.elements[1].target_name, (QualifiedName{2, String::Of("Cell")}));
  EXPECT_EQ(ref->path.elements[3].target_name, (QualifiedName{0, String::Of("X")}));
  const std::vector<std::string> table = {"http://opcfoundation.org/UA/", "urn:a;b", "urn:server",
                                          "http://acme.com/plc"};
  auto resolved = ResolveBrowsePathRef(*ref, table);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->elements[0].target_name, (QualifiedName{3, String::Of("Line1")}));
  EXPECT_EQ(resolved->elements[1].target_name, (QualifiedName{2, String::Of("Cell")}));
  EXPECT_EQ(resolved->elements[2].target_name, (QualifiedName{0, String::Of("Counter")}));
  EXPECT_EQ(resolved->elements[3].target_name, (QualifiedName{1, String::Of("X")}));
  auto unknown = ResolveBrowsePathRef(*ref, std::vector<std::string>{"urn:a;b"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("browse path element 1"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("'http://acme.com/plc'"));
  // Without a URI nothing is looked up.
  auto plain = ParseBrowsePathRefText("2:Line1/Counter");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->namespace_uris.empty());
  EXPECT_EQ(*ResolveBrowsePathRef(*plain, {}), *ParseBrowsePathText("2:Line1/Counter"));
  for (const char* bad : {"nsu=;X", "nsu=urn:x", "nsu=urn:x;", "nsu=urn:x;A//B", "A/nsu=urn:x"})
    EXPECT_FALSE(ParseBrowsePathRefText(bad).ok()) << bad;
  EXPECT_FALSE(ParseBrowsePathText("nsu=urn:x;A").ok());  // needs the server's table
}

TEST(OpcUaConfig, BrowsePathByNamespaceUriKeepsTheUrisForTheConnect) {
  Parsed p =
      Parse(std::string(kGood) +
            "  - {path: acme/p1/l1/u, browse_path: 'nsu=urn:acme:plc;Line1/nsu=urn:acme:plc;U'}\n" +
            "  - {path: acme/p1/l1/v, browse_path: 'nsu=urn:acme:plc'}\n");
  EXPECT_THAT(p.errors, HasSubstr("plant.yaml:14:"));
  ASSERT_EQ(p.device.points.size(), 5u);
  EXPECT_EQ(p.device.points[3].browse_path_uris,
            (std::vector<std::string>{"urn:acme:plc", "urn:acme:plc"}));
  EXPECT_EQ(p.device.points[3].browse_path->elements[1].target_name,
            (QualifiedName{0, String::Of("U")}));
}

TEST(OpcUaPoints, TypeAndScalingApplyAndMismatchIsBad) {
  Parsed p = Parse(kGood);
  PointSamples points(p.device, {10, 11, 12});
  DataValue speed;
  speed.value = Variant::Of(int32_t{250});
  speed.source_timestamp = FromTimestamp(1'700'000'000 * kSecond);
  speed.server_timestamp = FromTimestamp(1'700'000'001 * kSecond);
  Sample s = points.OnDataChange(2, speed, 5);
  EXPECT_EQ(s.tag, 12u);
  EXPECT_EQ(s.value, Value(25.0));
  EXPECT_EQ(s.time, 1'700'000'000 * kSecond);         // the source timestamp
  EXPECT_EQ(s.server_time, 1'700'000'001 * kSecond);  // kept end to end
  DataValue text;
  text.value = Variant::Of(String::Of("abc"));
  EXPECT_EQ(points.OnDataChange(1, text, 5).quality, Quality::BadTypeMismatch());
  DataValue fraction;
  fraction.value = Variant::Of(2.5);
  EXPECT_EQ(points.OnDataChange(1, fraction, 5).quality, Quality::BadTypeMismatch());
  DataValue bad;
  bad.status = Quality::BadNodeIdUnknown();
  EXPECT_EQ(points.OnDataChange(0, bad, 5).quality, Quality::BadNodeIdUnknown());
}

TEST(OpcUaPoints, DeviceDownGivesOneBadSamplePerTagOnce) {
  Parsed p = Parse(kGood);
  PointSamples points(p.device, {10, 11, 12});
  EXPECT_EQ(points.OnDeviceDown(Quality::BadNotConnected(), 7).size(), 3u);
  EXPECT_TRUE(points.OnDeviceDown(Quality::BadNotConnected(), 8).empty());
  DataValue v;
  v.value = Variant::Of(1.5);
  EXPECT_TRUE(points.OnDataChange(0, v, 9).quality.IsGood());
  auto again = points.OnDeviceDown(Quality::BadNotConnected(), 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].tag, 10u);
}

TEST(OpcUaPoints, WireValueUndoesScalingAndChecksTheRange) {
  Parsed p = Parse(kGood);
  auto w = ToWireValue(p.device.points[2], Value(25.0), BuiltinType::kInt16);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(std::get<int16_t>(w->scalar), 250);
  EXPECT_FALSE(ToWireValue(p.device.points[2], Value(5000.0), BuiltinType::kInt16).ok());
  EXPECT_FALSE(ToWireValue(p.device.points[2], Value(0.05), BuiltinType::kInt16).ok());
  EXPECT_FALSE(ToWireValue(p.device.points[0], Value("x"), BuiltinType::kDouble).ok());
  auto d = ToWireValue(p.device.points[0], Value(int64_t{3}), BuiltinType::kFloat);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<float>(d->scalar), 3.0f);
}

}  // namespace
}  // namespace gantry::opcua
