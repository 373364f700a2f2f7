// Differential test of the Sparkplug B codec against an independent one: the npm package
// `sparkplug-payload` (Eclipse Tahu's JavaScript codec, protobufjs underneath), run through
// tests/interop/sparkplug_codec.js. Node encodes, we decode; we encode, node decodes; both sides
// must read the same fields and values.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "field/mqtt/sparkplug_payload.h"

namespace gantry::sparkplug {
namespace {

using nlohmann::json;

const std::filesystem::path kInterop = std::filesystem::path(GANTRY_SOURCE_DIR) / "tests/interop";

bool NodeAvailable() {
  return std::system("node --version >/dev/null 2>&1") == 0 &&
         std::filesystem::exists(kInterop / "node_modules/sparkplug-payload");
}

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* f = popen(command.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// Our decoded payload in the form protobufjs's toObject gives (camelCase names, uint64 as
// strings, bytes as hex, absent fields and empty lists left out).
void Cell(json& j, const DataSetValue& v) {
  switch (v.kind) {
    case ValueKind::kInt: j["intValue"] = static_cast<uint32_t>(v.integer); break;
    case ValueKind::kLong: j["longValue"] = std::to_string(v.integer); break;
    case ValueKind::kFloat: j["floatValue"] = v.number; break;
    case ValueKind::kDouble: j["doubleValue"] = v.number; break;
    case ValueKind::kBoolean: j["booleanValue"] = v.integer != 0; break;
    case ValueKind::kString: j["stringValue"] = v.text; break;
    default: break;
  }
}

json ToJson(const PropertySet& s);
json ToJson(const PropertyValue& v) {
  json j = json::object();
  if (v.type) j["type"] = *v.type;
  if (v.is_null) j["isNull"] = true;
  switch (v.kind) {
    case ValueKind::kInt: j["intValue"] = static_cast<uint32_t>(v.integer); break;
    case ValueKind::kLong: j["longValue"] = std::to_string(v.integer); break;
    case ValueKind::kFloat: j["floatValue"] = v.number; break;
    case ValueKind::kDouble: j["doubleValue"] = v.number; break;
    case ValueKind::kBoolean: j["booleanValue"] = v.integer != 0; break;
    case ValueKind::kString: j["stringValue"] = v.text; break;
    case ValueKind::kPropertySet: j["propertysetValue"] = ToJson(v.sets.at(0)); break;
    case ValueKind::kPropertySetList: {
      json list = json::object();
      for (const PropertySet& s : v.sets) list["propertyset"].push_back(ToJson(s));
      j["propertysetsValue"] = list;
      break;
    }
    default: break;
  }
  return j;
}
json ToJson(const PropertySet& s) {
  json j = json::object();
  if (!s.keys.empty()) j["keys"] = s.keys;
  for (const PropertyValue& v : s.values) j["values"].push_back(ToJson(v));
  return j;
}

json ToJson(const Metric& m);
json ToJson(const Template& t) {
  json j = json::object();
  if (t.version) j["version"] = *t.version;
  for (const Metric& m : t.metrics) j["metrics"].push_back(ToJson(m));
  for (const TemplateParameter& p : t.parameters) {
    json pj = json::object();
    if (p.name) pj["name"] = *p.name;
    if (p.type) pj["type"] = *p.type;
    Cell(pj, p.value);
    j["parameters"].push_back(pj);
  }
  if (t.template_ref) j["templateRef"] = *t.template_ref;
  if (t.is_definition) j["isDefinition"] = *t.is_definition;
  return j;
}

json ToJson(const Metric& m) {
  json j = json::object();
  if (m.name) j["name"] = *m.name;
  if (m.alias) j["alias"] = std::to_string(*m.alias);
  if (m.timestamp) j["timestamp"] = std::to_string(*m.timestamp);
  if (m.datatype) j["datatype"] = *m.datatype;
  if (m.is_historical) j["isHistorical"] = true;
  if (m.is_transient) j["isTransient"] = true;
  if (m.is_null) j["isNull"] = true;
  if (m.metadata.present) {
    json md = json::object();
    if (m.metadata.is_multi_part) md["isMultiPart"] = *m.metadata.is_multi_part;
    if (m.metadata.content_type) md["contentType"] = *m.metadata.content_type;
    if (m.metadata.size) md["size"] = std::to_string(*m.metadata.size);
    if (m.metadata.seq) md["seq"] = std::to_string(*m.metadata.seq);
    if (m.metadata.file_name) md["fileName"] = *m.metadata.file_name;
    if (m.metadata.description) md["description"] = *m.metadata.description;
    j["metadata"] = md;
  }
  if (m.properties) j["properties"] = ToJson(*m.properties);
  switch (m.kind) {
    case ValueKind::kInt: j["intValue"] = static_cast<uint32_t>(m.integer); break;
    case ValueKind::kLong: j["longValue"] = std::to_string(m.integer); break;
    case ValueKind::kFloat: j["floatValue"] = m.number; break;
    case ValueKind::kDouble: j["doubleValue"] = m.number; break;
    case ValueKind::kBoolean: j["booleanValue"] = m.integer != 0; break;
    case ValueKind::kString: j["stringValue"] = m.text; break;
    case ValueKind::kBytes: j["bytesValue"] = Hex(m.text); break;
    case ValueKind::kDataSet: {
      json ds = json::object();
      if (m.dataset.num_of_columns) ds["numOfColumns"] = std::to_string(*m.dataset.num_of_columns);
      if (!m.dataset.columns.empty()) ds["columns"] = m.dataset.columns;
      if (!m.dataset.types.empty()) ds["types"] = m.dataset.types;
      for (const auto& row : m.dataset.rows) {
        json r = json::object();
        for (const DataSetValue& v : row) {
          json c = json::object();
          Cell(c, v);
          r["elements"].push_back(c);
        }
        ds["rows"].push_back(r);
      }
      j["datasetValue"] = ds;
      break;
    }
    case ValueKind::kTemplate: j["templateValue"] = ToJson(m.template_value.at(0)); break;
    default: break;
  }
  return j;
}

json ToJson(const Payload& p) {
  json j = json::object();
  if (p.timestamp) j["timestamp"] = std::to_string(*p.timestamp);
  for (const Metric& m : p.metrics) j["metrics"].push_back(ToJson(m));
  if (p.seq) j["seq"] = std::to_string(*p.seq);
  if (p.uuid) j["uuid"] = *p.uuid;
  if (p.body) j["body"] = Hex(*p.body);
  return j;
}

// Node decodes each payload; one JSON object per payload.
std::vector<json> NodeDecode(const std::vector<std::string>& payloads) {
  const std::string file = std::string(GANTRY_BINARY_DIR) + "/sparkplug_differential.hex";
  {
    std::ofstream out(file);
    for (const std::string& p : payloads) out << Hex(p) << "\n";
  }
  std::vector<json> out;
  for (const std::string& line : Lines(
           RunCommand("node " + (kInterop / "sparkplug_codec.js").string() + " decode < " + file)))
    out.push_back(json::parse(line));
  return out;
}

TEST(SparkplugDifferential, WhatTahuEncodesWeDecodeFieldForField) {
  if (!NodeAvailable()) GTEST_SKIP() << "node or tests/interop/node_modules missing";
  const std::vector<std::string> hex =
      Lines(RunCommand("node " + (kInterop / "sparkplug_codec.js").string() + " encode"));
  ASSERT_EQ(hex.size(), 3u);
  std::vector<std::string> payloads;
  for (const std::string& h : hex) payloads.push_back(Unhex(h));
  const std::vector<json> theirs = NodeDecode(payloads);
  ASSERT_EQ(theirs.size(), payloads.size());
  for (size_t i = 0; i < payloads.size(); ++i) {
    Result<Payload> ours = DecodePayload(payloads[i]);
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    EXPECT_EQ(ToJson(*ours), theirs[i]) << "payload " << i;
    EXPECT_EQ(EncodePayload(*ours), payloads[i]) << "payload " << i << " re-encodes differently";
  }
  // Spot checks against the values the script wrote (not only agreement between decoders).
  Result<Payload> birth = DecodePayload(payloads[0]);
  ASSERT_TRUE(birth.ok());
  EXPECT_EQ(birth->timestamp, 1700000000123u);
  EXPECT_EQ(birth->metrics.at(2).name, "Count");
  EXPECT_EQ(static_cast<int32_t>(birth->metrics.at(2).integer), -5);
  EXPECT_EQ(birth->metrics.at(5).number, 21.25);
  EXPECT_EQ(birth->metrics.at(6).integer, UINT64_MAX);
  EXPECT_TRUE(birth->metrics.at(9).is_null);
  EXPECT_TRUE(birth->metrics.at(12).is_historical);
  Result<Payload> sets = DecodePayload(payloads[2]);
  ASSERT_TRUE(sets.ok());
  EXPECT_EQ(sets->metrics.at(0).dataset.rows.at(1).at(1).number, 21.5);
  EXPECT_EQ(sets->metrics.at(1).template_value.at(0).metrics.at(0).integer, 1450u);
}

TEST(SparkplugDifferential, WhatWeEncodeTahuDecodesFieldForField) {
  if (!NodeAvailable()) GTEST_SKIP() << "node or tests/interop/node_modules missing";
  Payload birth;
  birth.timestamp = 1700000000123;
  birth.seq = 0;
  auto add = [&birth](std::string name, DataType type, ValueKind kind, uint64_t integer,
                      double number, std::string text) -> Metric& {
    Metric m;
    m.name = std::move(name);
    m.alias = birth.metrics.size() + 1;
    m.datatype = static_cast<uint32_t>(type);
    m.kind = kind;
    m.integer = integer;
    m.number = number;
    m.text = std::move(text);
    birth.metrics.push_back(std::move(m));
    return birth.metrics.back();
  };
  add("bdSeq", DataType::kInt64, ValueKind::kLong, 3, 0, "");
  add("Speed", DataType::kDouble, ValueKind::kDouble, 0, -0.125, "").timestamp = 1700000000001;
  add("Count", DataType::kInt32, ValueKind::kInt, 0xFFFFFF85u, 0, "");  // -123
  add("Temp", DataType::kFloat, ValueKind::kFloat, 0, 1.5, "");
  add("Big", DataType::kUInt64, ValueKind::kLong, UINT64_MAX - 1, 0, "");
  add("On", DataType::kBoolean, ValueKind::kBoolean, 1, 0, "");
  add("Text", DataType::kString, ValueKind::kString, 0, 0, "Linie 2 \xc3\xa4");
  add("Raw", DataType::kBytes, ValueKind::kBytes, 0, 0, std::string("\0\x7f\xff", 3));
  Metric& old = add("Old", DataType::kDouble, ValueKind::kDouble, 0, 7, "");
  old.is_historical = true;
  old.is_transient = true;
  Metric& gone = add("Gone", DataType::kInt16, ValueKind::kNone, 0, 0, "");
  gone.is_null = true;
  gone.metadata.present = true;
  gone.metadata.description = "a sensor that is unplugged";
  gone.metadata.size = 12;
  gone.properties.emplace();
  gone.properties->keys = {"engUnit", "nested"};
  PropertyValue unit;
  unit.type = 12;
  unit.kind = ValueKind::kString;
  unit.text = "mm";
  PropertyValue nested;
  nested.type = 20;
  nested.kind = ValueKind::kPropertySet;
  nested.sets.push_back(PropertySet{{"k"}, {unit}});
  gone.properties->values = {unit, nested};
  Metric& ds = add("Batch", DataType::kDataSet, ValueKind::kDataSet, 0, 0, "");
  ds.dataset.num_of_columns = 2;
  ds.dataset.columns = {"step", "ok"};
  ds.dataset.types = {3, 11};
  ds.dataset.rows = {
      {DataSetValue{ValueKind::kInt, 1, 0, ""}, DataSetValue{ValueKind::kBoolean, 1, 0, ""}}};
  Metric& tm = add("Motor", DataType::kTemplate, ValueKind::kTemplate, 0, 0, "");
  Template t;
  t.version = "v2";
  t.template_ref = "MotorType";
  t.metrics.push_back(birth.metrics.at(1));
  t.parameters.push_back(TemplateParameter{"max", 9, DataSetValue{ValueKind::kFloat, 0, 2.5, ""}});
  tm.template_value.push_back(t);

  Payload data;
  data.timestamp = 1700000000999;
  data.seq = 255;
  data.uuid = "gantry";
  data.body = "\x01\x02";
  Metric by_alias;
  by_alias.alias = 2;
  by_alias.kind = ValueKind::kDouble;
  by_alias.number = 3.25;
  data.metrics.push_back(by_alias);

  const std::vector<std::string> payloads = {EncodePayload(birth), EncodePayload(data)};
  const std::vector<json> theirs = NodeDecode(payloads);
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs[0], ToJson(birth));
  EXPECT_EQ(theirs[1], ToJson(data));
}

}  // namespace
}  // namespace gantry::sparkplug
