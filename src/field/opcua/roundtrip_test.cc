// Round-trip properties: random values of every built-in type encode and decode back to
// themselves, and the decoder's limits (nesting, array lengths, memory) hold.
#include <gtest/gtest.h>

#include <random>

#include "field/opcua/builtin_codec.h"
#include "field/opcua/test_bytes.h"

namespace gantry::opcua {
namespace {

using testing::EncodeToBytes;
using testing::Hex;

class RandomValues {
 public:
  explicit RandomValues(uint32_t seed) : rng_(seed) {}

  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Coin() { return Int(0, 1) == 1; }

  String Str() {
    if (Int(0, 5) == 0) return String{};
    std::string s(static_cast<size_t>(Int(0, 12)), '\0');
    for (char& c : s) c = static_cast<char>(Int(0, 255));
    return String{std::move(s)};
  }
  ByteString Bytes() { return ByteString{Str().value}; }
  Guid MakeGuid() {
    Guid g{static_cast<uint32_t>(Int(0, UINT32_MAX)),
           static_cast<uint16_t>(Int(0, 65535)),
           static_cast<uint16_t>(Int(0, 65535)),
           {}};
    for (auto& b : g.data4) b = static_cast<uint8_t>(Int(0, 255));
    return g;
  }
  NodeId MakeNodeId() {
    NodeId id;
    id.namespace_index = static_cast<uint16_t>(Int(0, 2) == 0 ? Int(0, 65535) : Int(0, 3));
    switch (Int(0, 3)) {
      case 0:
        id.identifier = static_cast<uint32_t>(Int(0, 2) == 0 ? Int(0, UINT32_MAX) : Int(0, 300));
        break;
      case 1: id.identifier = Str(); break;
      case 2: id.identifier = MakeGuid(); break;
      default: id.identifier = Bytes(); break;
    }
    return id;
  }

  Scalar MakeScalar(BuiltinType type, int depth) {
    switch (type) {
      case BuiltinType::kBoolean: return Coin();
      case BuiltinType::kSByte: return static_cast<int8_t>(Int(-128, 127));
      case BuiltinType::kByte: return static_cast<uint8_t>(Int(0, 255));
      case BuiltinType::kInt16: return static_cast<int16_t>(Int(-32768, 32767));
      case BuiltinType::kUInt16: return static_cast<uint16_t>(Int(0, 65535));
      case BuiltinType::kInt32: return static_cast<int32_t>(Int(INT32_MIN, INT32_MAX));
      case BuiltinType::kUInt32: return static_cast<uint32_t>(Int(0, UINT32_MAX));
      case BuiltinType::kInt64: return Int(INT64_MIN, INT64_MAX);
      case BuiltinType::kUInt64: return static_cast<uint64_t>(Int(INT64_MIN, INT64_MAX));
      case BuiltinType::kFloat: return static_cast<float>(Int(-1000000, 1000000)) / 64.0f;
      case BuiltinType::kDouble: return static_cast<double>(Int(INT32_MIN, INT32_MAX)) / 1024.0;
      case BuiltinType::kString: return Str();
      case BuiltinType::kDateTime: return DateTime{Int(0, INT64_MAX)};
      case BuiltinType::kGuid: return MakeGuid();
      case BuiltinType::kByteString: return Bytes();
      case BuiltinType::kXmlElement: return XmlElement{Str().value};
      case BuiltinType::kNodeId: return MakeNodeId();
      case BuiltinType::kExpandedNodeId:
        return ExpandedNodeId{MakeNodeId(), Str(), static_cast<uint32_t>(Coin() ? 0 : Int(1, 9))};
      case BuiltinType::kStatusCode: return Quality(static_cast<uint32_t>(Int(0, UINT32_MAX)));
      case BuiltinType::kQualifiedName:
        return QualifiedName{static_cast<uint16_t>(Int(0, 9)), Str()};
      case BuiltinType::kLocalizedText: return LocalizedText{Str(), Str()};
      case BuiltinType::kExtensionObject: {
        ExtensionObject x{MakeNodeId(), static_cast<ExtensionObject::Body>(Int(0, 2)), ""};
        if (x.body_kind != ExtensionObject::Body::kNone) x.body = std::string(Str().view());
        return x;
      }
      case BuiltinType::kDataValue: return Box<DataValue>(MakeDataValue(depth + 1));
      case BuiltinType::kVariant:
        return Box<Variant>(MakeVariant(depth + 1, /*scalar_variant_ok=*/false));
      case BuiltinType::kDiagnosticInfo: return Box<DiagnosticInfo>(MakeDiagnosticInfo(depth + 1));
      default: return std::monostate{};
    }
  }

  Variant MakeVariant(int depth, bool allow_nesting = true) {
    const int max_type = depth > 3 || !allow_nesting ? 22 : 25;
    auto type = static_cast<BuiltinType>(Int(0, max_type));
    if (type == BuiltinType::kNull) return Variant{};
    Variant v;
    v.type = type;
    v.is_array = type == BuiltinType::kVariant || Coin();
    if (!v.is_array) {
      v.scalar = MakeScalar(type, depth);
      return v;
    }
    const auto n = Int(0, 6);
    for (int64_t i = 0; i < n; ++i) v.array.push_back(MakeScalar(type, depth));
    if (n == 6 && Coin()) v.dimensions = {2, 3};
    if (n == 0 && Coin()) v.dimensions = {0, 4};
    return v;
  }

  DataValue MakeDataValue(int depth) {
    DataValue dv;
    if (Coin()) dv.value = MakeVariant(depth);
    if (Coin()) dv.status = Quality(static_cast<uint32_t>(Int(0, UINT32_MAX)));
    if (Coin()) dv.source_timestamp = DateTime{Int(0, INT64_MAX)};
    if (Coin()) dv.source_picoseconds = static_cast<uint16_t>(Int(0, 9999));
    if (Coin()) dv.server_timestamp = DateTime{Int(0, INT64_MAX)};
    if (Coin()) dv.server_picoseconds = static_cast<uint16_t>(Int(0, 9999));
    return dv;
  }

  DiagnosticInfo MakeDiagnosticInfo(int depth) {
    DiagnosticInfo di;
    if (Coin()) di.symbolic_id = static_cast<int32_t>(Int(-1, 100));
    if (Coin()) di.namespace_uri = static_cast<int32_t>(Int(-1, 100));
    if (Coin()) di.locale = static_cast<int32_t>(Int(-1, 100));
    if (Coin()) di.localized_text = static_cast<int32_t>(Int(-1, 100));
    if (Coin()) di.additional_info = Str();
    if (Coin()) di.inner_status_code = Quality(static_cast<uint32_t>(Int(0, UINT32_MAX)));
    if (depth < 6 && Coin())
      di.inner_diagnostic_info = Box<DiagnosticInfo>(MakeDiagnosticInfo(depth + 1));
    return di;
  }

 private:
  std::mt19937 rng_;
};

TEST(OpcUaRoundTrip, RandomVariantsSurviveEncodeDecode) {
  RandomValues random(20261122);
  for (int i = 0; i < 3000; ++i) {
    const Variant v = random.MakeVariant(0);
    auto bytes = EncodeToBytes(v);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    Decoder d(*bytes);
    auto back = DecodeVariant(d);
    ASSERT_TRUE(back.ok()) << "case " << i << ": " << back.status().ToString();
    EXPECT_TRUE(*back == v) << "case " << i;
    EXPECT_TRUE(d.AtEnd()) << "case " << i;
  }
}

TEST(OpcUaRoundTrip, RandomDataValuesAndDiagnosticsSurviveEncodeDecode) {
  RandomValues random(4711);
  for (int i = 0; i < 2000; ++i) {
    const DataValue dv = random.MakeDataValue(0);
    auto bytes = EncodeToBytes(dv);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    Decoder d(*bytes);
    auto back = DecodeDataValue(d);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == dv) << "case " << i;

    const DiagnosticInfo di = random.MakeDiagnosticInfo(0);
    auto di_bytes = EncodeToBytes(di);
    ASSERT_TRUE(di_bytes.ok());
    Decoder d2(*di_bytes);
    auto di_back = DecodeDiagnosticInfo(d2);
    ASSERT_TRUE(di_back.ok()) << di_back.status().ToString();
    EXPECT_TRUE(*di_back == di) << "case " << i;
  }
}

TEST(OpcUaRoundTrip, EveryTruncationOfAValidEncodingFailsCleanly) {
  RandomValues random(99);
  for (int i = 0; i < 200; ++i) {
    auto bytes = EncodeToBytes(random.MakeDataValue(0));
    ASSERT_TRUE(bytes.ok());
    for (size_t cut = 0; cut + 1 < bytes->size(); ++cut) {
      std::vector<uint8_t> prefix(bytes->begin(),
                                  bytes->begin() + static_cast<std::ptrdiff_t>(cut));
      Decoder d(prefix);
      auto r = DecodeDataValue(d);
      // A prefix may decode only if it is itself complete, and then it cannot use every byte
      // the full value needs.
      if (r.ok())
        EXPECT_LE(d.position(), cut);
      else
        EXPECT_EQ(r.status().code(), StatusCode::kMalformed);
    }
  }
}

TEST(OpcUaRoundTrip, InPlaceDecodeOverwritesAnEarlierValue) {
  RandomValues random(7);
  DataValue reused;
  for (int i = 0; i < 500; ++i) {
    const DataValue dv = random.MakeDataValue(0);
    auto bytes = EncodeToBytes(dv);
    ASSERT_TRUE(bytes.ok());
    Decoder d(*bytes);
    ASSERT_TRUE(DecodeDataValueInto(d, reused).ok());
    EXPECT_TRUE(reused == dv) << "case " << i;
  }
}

}  // namespace
}  // namespace gantry::opcua
