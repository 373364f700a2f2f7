#include "field/opcua/builtin_codec.h"

#include <fmt/format.h>

namespace gantry::opcua {
namespace {

// NodeId encoding byte: low bits give the form, high bits are ExpandedNodeId flags.
enum NodeIdForm : uint8_t {
  kTwoByte = 0x00,
  kFourByte = 0x01,
  kNumeric = 0x02,
  kStringForm = 0x03,
  kGuidForm = 0x04,
  kByteStringForm = 0x05,
};
constexpr uint8_t kNamespaceUriFlag = 0x80;
constexpr uint8_t kServerIndexFlag = 0x40;

// Variant encoding mask.
constexpr uint8_t kVariantTypeMask = 0x3F;
constexpr uint8_t kVariantDimensionsFlag = 0x40;
constexpr uint8_t kVariantArrayFlag = 0x80;

// DataValue encoding mask.
constexpr uint8_t kDvValue = 0x01;
constexpr uint8_t kDvStatus = 0x02;
constexpr uint8_t kDvSourceTimestamp = 0x04;
constexpr uint8_t kDvServerTimestamp = 0x08;
constexpr uint8_t kDvSourcePicoseconds = 0x10;
constexpr uint8_t kDvServerPicoseconds = 0x20;

// DiagnosticInfo encoding mask.
constexpr uint8_t kDiSymbolicId = 0x01;
constexpr uint8_t kDiNamespaceUri = 0x02;
constexpr uint8_t kDiLocalizedText = 0x04;
constexpr uint8_t kDiLocale = 0x08;
constexpr uint8_t kDiAdditionalInfo = 0x10;
constexpr uint8_t kDiInnerStatusCode = 0x20;
constexpr uint8_t kDiInnerDiagnosticInfo = 0x40;

// The Scalar alternative that carries values of `type`.
size_t AlternativeFor(BuiltinType type) {
  const auto id = static_cast<size_t>(type);
  return id <= 25 ? id : static_cast<size_t>(BuiltinType::kByteString);
}

Result<NodeId> DecodeNodeIdBody(Decoder& d, uint8_t form) {
  NodeId id;
  switch (form) {
    case kTwoByte: {
      GANTRY_ASSIGN_OR_RETURN(uint8_t n, d.ReadByte("NodeId identifier"));
      id.identifier = uint32_t{n};
      return id;
    }
    case kFourByte: {
      GANTRY_ASSIGN_OR_RETURN(uint8_t ns, d.ReadByte("NodeId namespace"));
      GANTRY_ASSIGN_OR_RETURN(uint16_t n, d.ReadUInt16("NodeId identifier"));
      id.namespace_index = ns;
      id.identifier = uint32_t{n};
      return id;
    }
    default: break;
  }
  if (form > kByteStringForm)
    return d.Fail("NodeId", fmt::format("unknown encoding form 0x{:02X}", form));
  GANTRY_ASSIGN_OR_RETURN(id.namespace_index, d.ReadUInt16("NodeId namespace"));
  switch (form) {
    case kNumeric: {
      GANTRY_ASSIGN_OR_RETURN(uint32_t n, d.ReadUInt32("NodeId identifier"));
      id.identifier = n;
      break;
    }
    case kStringForm: {
      GANTRY_ASSIGN_OR_RETURN(String s, d.ReadString("NodeId string identifier"));
      id.identifier = std::move(s);
      break;
    }
    case kGuidForm: {
      GANTRY_ASSIGN_OR_RETURN(Guid g, DecodeGuid(d));
      id.identifier = g;
      break;
    }
    default: {
      GANTRY_ASSIGN_OR_RETURN(ByteString b, d.ReadByteString("NodeId opaque identifier"));
      id.identifier = std::move(b);
      break;
    }
  }
  return id;
}

// Writes the NodeId with `flags` (ExpandedNodeId bits) or'ed into its encoding byte.
Status EncodeNodeId(Encoder& e, const NodeId& v, uint8_t flags) {
  if (const auto* n = std::get_if<uint32_t>(&v.identifier)) {
    if (v.namespace_index == 0 && *n <= 0xFF) {
      e.WriteByte(kTwoByte | flags);
      e.WriteByte(static_cast<uint8_t>(*n));
    } else if (v.namespace_index <= 0xFF && *n <= 0xFFFF) {
      e.WriteByte(kFourByte | flags);
      e.WriteByte(static_cast<uint8_t>(v.namespace_index));
      e.WriteUInt16(static_cast<uint16_t>(*n));
    } else {
      e.WriteByte(kNumeric | flags);
      e.WriteUInt16(v.namespace_index);
      e.WriteUInt32(*n);
    }
    return Status::Ok();
  }
  if (const auto* s = std::get_if<String>(&v.identifier)) {
    e.WriteByte(kStringForm | flags);
    e.WriteUInt16(v.namespace_index);
    return e.WriteText(*s);
  }
  if (const auto* g = std::get_if<Guid>(&v.identifier)) {
    e.WriteByte(kGuidForm | flags);
    e.WriteUInt16(v.namespace_index);
    return Encode(e, *g);
  }
  e.WriteByte(kByteStringForm | flags);
  e.WriteUInt16(v.namespace_index);
  return e.WriteText(std::get<ByteString>(v.identifier));
}

template <typename T>
Result<Scalar> Wrap(Result<T> r) {
  if (!r.ok()) return r.status();
  return Scalar(std::move(r).value());
}

template <typename T>
Result<Scalar> WrapBoxed(Result<T> r) {
  if (!r.ok()) return r.status();
  return Scalar(Box<T>(std::move(r).value()));
}

}  // namespace

size_t MinWireSize(BuiltinType type) {
  switch (type) {
    case BuiltinType::kBoolean:
    case BuiltinType::kSByte:
    case BuiltinType::kByte:
    case BuiltinType::kLocalizedText:
    case BuiltinType::kDataValue:
    case BuiltinType::kVariant:
    case BuiltinType::kDiagnosticInfo:
    case BuiltinType::kNull: return 1;
    case BuiltinType::kInt16:
    case BuiltinType::kUInt16:
    case BuiltinType::kNodeId:
    case BuiltinType::kExpandedNodeId: return 2;
    case BuiltinType::kExtensionObject: return 3;
    case BuiltinType::kQualifiedName: return 6;
    case BuiltinType::kInt64:
    case BuiltinType::kUInt64:
    case BuiltinType::kDouble:
    case BuiltinType::kDateTime: return 8;
    case BuiltinType::kGuid: return 16;
    default: return 4;  // Int32, UInt32, Float, StatusCode, String-likes, reserved ids
  }
}

Result<DateTime> DecodeDateTime(Decoder& d) {
  GANTRY_ASSIGN_OR_RETURN(int64_t ticks, d.ReadInt64("DateTime"));
  return DateTime{ticks};
}

Result<Guid> DecodeGuid(Decoder& d) {
  Guid g;
  GANTRY_ASSIGN_OR_RETURN(g.data1, d.ReadUInt32("Guid Data1"));
  GANTRY_ASSIGN_OR_RETURN(g.data2, d.ReadUInt16("Guid Data2"));
  GANTRY_ASSIGN_OR_RETURN(g.data3, d.ReadUInt16("Guid Data3"));
  GANTRY_ASSIGN_OR_RETURN(auto data4, d.ReadBytes(8, "Guid Data4"));
  std::copy(data4.begin(), data4.end(), g.data4.begin());
  return g;
}

Result<NodeId> DecodeNodeId(Decoder& d) {
  GANTRY_ASSIGN_OR_RETURN(uint8_t encoding, d.ReadByte("NodeId encoding"));
  if (encoding & (kNamespaceUriFlag | kServerIndexFlag)) {
    return d.Fail("NodeId",
                  fmt::format("ExpandedNodeId flags in a NodeId (encoding 0x{:02X})", encoding));
  }
  return DecodeNodeIdBody(d, encoding);
}

Result<ExpandedNodeId> DecodeExpandedNodeId(Decoder& d) {
  GANTRY_ASSIGN_OR_RETURN(uint8_t encoding, d.ReadByte("ExpandedNodeId encoding"));
  ExpandedNodeId out;
  GANTRY_ASSIGN_OR_RETURN(out.node_id,
                          DecodeNodeIdBody(d, encoding & ~(kNamespaceUriFlag | kServerIndexFlag)));
  if (encoding & kNamespaceUriFlag) {
    GANTRY_ASSIGN_OR_RETURN(out.namespace_uri, d.ReadString("ExpandedNodeId NamespaceUri"));
  }
  if (encoding & kServerIndexFlag) {
    GANTRY_ASSIGN_OR_RETURN(out.server_index, d.ReadUInt32("ExpandedNodeId ServerIndex"));
  }
  return out;
}

Result<Quality> DecodeStatusCode(Decoder& d) {
  GANTRY_ASSIGN_OR_RETURN(uint32_t code, d.ReadUInt32("StatusCode"));
  return Quality(code);
}

Result<QualifiedName> DecodeQualifiedName(Decoder& d) {
  QualifiedName q;
  GANTRY_ASSIGN_OR_RETURN(q.namespace_index, d.ReadUInt16("QualifiedName namespace"));
  GANTRY_ASSIGN_OR_RETURN(q.name, d.ReadString("QualifiedName name"));
  return q;
}

Result<LocalizedText> DecodeLocalizedText(Decoder& d) {
  GANTRY_ASSIGN_OR_RETURN(uint8_t mask, d.ReadByte("LocalizedText mask"));
  if (mask & ~0x03) return d.Fail("LocalizedText", fmt::format("unknown mask bits 0x{:02X}", mask));
  LocalizedText t;
  if (mask & 0x01) {
    GANTRY_ASSIGN_OR_RETURN(t.locale, d.ReadString("LocalizedText locale"));
  }
  if (mask & 0x02) {
    GANTRY_ASSIGN_OR_RETURN(t.text, d.ReadString("LocalizedText text"));
  }
  return t;
}

Result<ExtensionObject> DecodeExtensionObject(Decoder& d) {
  ExtensionObject x;
  GANTRY_ASSIGN_OR_RETURN(x.type_id, DecodeNodeId(d));
  GANTRY_ASSIGN_OR_RETURN(uint8_t encoding, d.ReadByte("ExtensionObject encoding"));
  if (encoding > 2) {
    return d.Fail("ExtensionObject", fmt::format("unknown body encoding 0x{:02X}", encoding));
  }
  x.body_kind = static_cast<ExtensionObject::Body>(encoding);
  if (x.body_kind != ExtensionObject::Body::kNone) {
    GANTRY_ASSIGN_OR_RETURN(auto body, d.ReadLengthPrefixed("ExtensionObject body"));
    x.body = body.value_or(std::string());
  }
  return x;
}

Status DecodeDataValueInto(Decoder& d, DataValue& v) {
  DepthGuard guard(d, "DataValue");
  GANTRY_RETURN_IF_ERROR(guard.status());
  GANTRY_ASSIGN_OR_RETURN(uint8_t mask, d.ReadByte("DataValue mask"));
  if (mask & 0xC0) return d.Fail("DataValue", fmt::format("unknown mask bits 0x{:02X}", mask));
  // Each field is set or cleared, so `v` may hold an earlier value (no temporary DataValue).
  if (mask & kDvValue) {
    GANTRY_RETURN_IF_ERROR(DecodeVariantInto(d, v.value ? *v.value : v.value.emplace()));
  } else {
    v.value.reset();
  }
  v.status.reset();
  v.source_timestamp.reset();
  v.source_picoseconds.reset();
  v.server_timestamp.reset();
  v.server_picoseconds.reset();
  if (mask & kDvStatus) {
    GANTRY_ASSIGN_OR_RETURN(v.status, DecodeStatusCode(d));
  }
  if (mask & kDvSourceTimestamp) {
    GANTRY_ASSIGN_OR_RETURN(v.source_timestamp, DecodeDateTime(d));
  }
  if (mask & kDvSourcePicoseconds) {
    GANTRY_ASSIGN_OR_RETURN(v.source_picoseconds, d.ReadUInt16("DataValue SourcePicoseconds"));
  }
  if (mask & kDvServerTimestamp) {
    GANTRY_ASSIGN_OR_RETURN(v.server_timestamp, DecodeDateTime(d));
  }
  if (mask & kDvServerPicoseconds) {
    GANTRY_ASSIGN_OR_RETURN(v.server_picoseconds, d.ReadUInt16("DataValue ServerPicoseconds"));
  }
  return Status::Ok();
}

Result<DataValue> DecodeDataValue(Decoder& d) {
  DataValue v;
  GANTRY_RETURN_IF_ERROR(DecodeDataValueInto(d, v));
  return v;
}

Status CheckArrayDimensions(std::span<const int32_t> dimensions, size_t length) {
  uint64_t product = 1;
  bool any_empty = false;
  for (int32_t dim : dimensions) {
    if (dim <= 0) {
      any_empty = true;
      continue;
    }
    product *= static_cast<uint64_t>(dim);
    if (product > length) break;  // cannot match any more; also keeps the product from overflowing
  }
  if (any_empty ? length == 0 : product == length) return Status::Ok();
  return Malformed(fmt::format("ArrayDimensions give {} elements but the array has {}",
                               any_empty ? uint64_t{0} : product, length));
}

Status DecodeVariantInto(Decoder& d, Variant& v) {
  DepthGuard guard(d, "Variant");
  GANTRY_RETURN_IF_ERROR(guard.status());
  GANTRY_ASSIGN_OR_RETURN(uint8_t mask, d.ReadByte("Variant encoding mask"));
  v.type = static_cast<BuiltinType>(mask & kVariantTypeMask);
  v.is_array = false;
  v.array.clear();
  v.dimensions.clear();
  if (v.type == BuiltinType::kNull) {
    v.scalar = std::monostate{};
    if (mask != 0) return d.Fail("Variant", fmt::format("null Variant with flags 0x{:02X}", mask));
    return Status::Ok();
  }
  v.is_array = (mask & kVariantArrayFlag) != 0;
  const bool has_dimensions = (mask & kVariantDimensionsFlag) != 0;
  if (has_dimensions && !v.is_array) return d.Fail("Variant", "ArrayDimensions on a scalar");
  if (!v.is_array) {
    if (v.type == BuiltinType::kVariant)
      return d.Fail("Variant", "a scalar Variant inside a Variant");
    return DecodeScalarInto(d, v.type, v.scalar);
  }
  v.scalar = std::monostate{};
  GANTRY_ASSIGN_OR_RETURN(uint32_t length, d.ReadArrayLength("Variant array length",
                                                             MinWireSize(v.type), sizeof(Scalar)));
  v.array.reserve(length);
  for (uint32_t i = 0; i < length; ++i) {
    GANTRY_ASSIGN_OR_RETURN(Scalar element, DecodeScalar(d, v.type));
    v.array.push_back(std::move(element));
  }
  if (has_dimensions) {
    GANTRY_ASSIGN_OR_RETURN(
        uint32_t rank, d.ReadArrayLength("Variant ArrayDimensions length", 4, sizeof(int32_t)));
    v.dimensions.reserve(rank);
    for (uint32_t i = 0; i < rank; ++i) {
      GANTRY_ASSIGN_OR_RETURN(int32_t dim, d.ReadInt32("Variant ArrayDimensions"));
      v.dimensions.push_back(dim);
    }
    Status dims = CheckArrayDimensions(v.dimensions, v.array.size());
    if (!dims.ok()) return d.Fail("Variant ArrayDimensions", dims.message());
  }
  return Status::Ok();
}

Result<Variant> DecodeVariant(Decoder& d) {
  Variant v;
  GANTRY_RETURN_IF_ERROR(DecodeVariantInto(d, v));
  return v;
}

Result<DiagnosticInfo> DecodeDiagnosticInfo(Decoder& d) {
  DepthGuard guard(d, "DiagnosticInfo");
  GANTRY_RETURN_IF_ERROR(guard.status());
  GANTRY_ASSIGN_OR_RETURN(uint8_t mask, d.ReadByte("DiagnosticInfo mask"));
  if (mask & 0x80) return d.Fail("DiagnosticInfo", fmt::format("unknown mask bits 0x{:02X}", mask));
  DiagnosticInfo v;
  // Wire order (Part 6 Table 21) differs from the bit order: Locale comes before LocalizedText.
  if (mask & kDiSymbolicId) {
    GANTRY_ASSIGN_OR_RETURN(v.symbolic_id, d.ReadInt32("DiagnosticInfo SymbolicId"));
  }
  if (mask & kDiNamespaceUri) {
    GANTRY_ASSIGN_OR_RETURN(v.namespace_uri, d.ReadInt32("DiagnosticInfo NamespaceUri"));
  }
  if (mask & kDiLocale) {
    GANTRY_ASSIGN_OR_RETURN(v.locale, d.ReadInt32("DiagnosticInfo Locale"));
  }
  if (mask & kDiLocalizedText) {
    GANTRY_ASSIGN_OR_RETURN(v.localized_text, d.ReadInt32("DiagnosticInfo LocalizedText"));
  }
  if (mask & kDiAdditionalInfo) {
    GANTRY_ASSIGN_OR_RETURN(v.additional_info, d.ReadString("DiagnosticInfo AdditionalInfo"));
  }
  if (mask & kDiInnerStatusCode) {
    GANTRY_ASSIGN_OR_RETURN(v.inner_status_code, DecodeStatusCode(d));
  }
  if (mask & kDiInnerDiagnosticInfo) {
    GANTRY_ASSIGN_OR_RETURN(DiagnosticInfo inner, DecodeDiagnosticInfo(d));
    v.inner_diagnostic_info = Box<DiagnosticInfo>(std::move(inner));
  }
  return v;
}

Status DecodeScalarInto(Decoder& d, BuiltinType type, Scalar& out) {
  // The hot path of data-change notifications: numbers straight into place, no temporaries.
  switch (type) {
    case BuiltinType::kDouble: {
      GANTRY_ASSIGN_OR_RETURN(double v, d.ReadDouble("Double"));
      out.emplace<double>(v);
      return Status::Ok();
    }
    case BuiltinType::kFloat: {
      GANTRY_ASSIGN_OR_RETURN(float v, d.ReadFloat("Float"));
      out.emplace<float>(v);
      return Status::Ok();
    }
    case BuiltinType::kInt32: {
      GANTRY_ASSIGN_OR_RETURN(int32_t v, d.ReadInt32("Int32"));
      out.emplace<int32_t>(v);
      return Status::Ok();
    }
    case BuiltinType::kBoolean: {
      GANTRY_ASSIGN_OR_RETURN(bool v, d.ReadBoolean("Boolean"));
      out.emplace<bool>(v);
      return Status::Ok();
    }
    default: {
      GANTRY_ASSIGN_OR_RETURN(out, DecodeScalar(d, type));
      return Status::Ok();
    }
  }
}

Result<Scalar> DecodeScalar(Decoder& d, BuiltinType type) {
  switch (type) {
    case BuiltinType::kNull: return Scalar();
    case BuiltinType::kBoolean: return Wrap(d.ReadBoolean("Boolean"));
    case BuiltinType::kSByte: return Wrap(d.ReadSByte("SByte"));
    case BuiltinType::kByte: return Wrap(d.ReadByte("Byte"));
    case BuiltinType::kInt16: return Wrap(d.ReadInt16("Int16"));
    case BuiltinType::kUInt16: return Wrap(d.ReadUInt16("UInt16"));
    case BuiltinType::kInt32: return Wrap(d.ReadInt32("Int32"));
    case BuiltinType::kUInt32: return Wrap(d.ReadUInt32("UInt32"));
    case BuiltinType::kInt64: return Wrap(d.ReadInt64("Int64"));
    case BuiltinType::kUInt64: return Wrap(d.ReadUInt64("UInt64"));
    case BuiltinType::kFloat: return Wrap(d.ReadFloat("Float"));
    case BuiltinType::kDouble: return Wrap(d.ReadDouble("Double"));
    case BuiltinType::kString: return Wrap(d.ReadString("String"));
    case BuiltinType::kDateTime: return Wrap(DecodeDateTime(d));
    case BuiltinType::kGuid: return Wrap(DecodeGuid(d));
    case BuiltinType::kXmlElement: {
      GANTRY_ASSIGN_OR_RETURN(auto xml, d.ReadLengthPrefixed("XmlElement"));
      return Scalar(XmlElement{std::move(xml)});
    }
    case BuiltinType::kNodeId: return Wrap(DecodeNodeId(d));
    case BuiltinType::kExpandedNodeId: return Wrap(DecodeExpandedNodeId(d));
    case BuiltinType::kStatusCode: return Wrap(DecodeStatusCode(d));
    case BuiltinType::kQualifiedName: return Wrap(DecodeQualifiedName(d));
    case BuiltinType::kLocalizedText: return Wrap(DecodeLocalizedText(d));
    case BuiltinType::kExtensionObject: return Wrap(DecodeExtensionObject(d));
    case BuiltinType::kDataValue: return WrapBoxed(DecodeDataValue(d));
    case BuiltinType::kVariant: return WrapBoxed(DecodeVariant(d));
    case BuiltinType::kDiagnosticInfo: return WrapBoxed(DecodeDiagnosticInfo(d));
    default: return Wrap(d.ReadByteString("ByteString"));  // ByteString and reserved ids 26..31
  }
}

Status Encode(Encoder& e, DateTime v) {
  e.WriteInt64(v.ticks);
  return Status::Ok();
}

Status Encode(Encoder& e, const Guid& v) {
  e.WriteUInt32(v.data1);
  e.WriteUInt16(v.data2);
  e.WriteUInt16(v.data3);
  e.WriteBytes(std::span<const uint8_t>(v.data4));
  return Status::Ok();
}

Status Encode(Encoder& e, const NodeId& v) {
  return EncodeNodeId(e, v, 0);
}

Status Encode(Encoder& e, const ExpandedNodeId& v) {
  const uint8_t flags = static_cast<uint8_t>((v.namespace_uri.is_null() ? 0 : kNamespaceUriFlag) |
                                             (v.server_index == 0 ? 0 : kServerIndexFlag));
  GANTRY_RETURN_IF_ERROR(EncodeNodeId(e, v.node_id, flags));
  if (flags & kNamespaceUriFlag) GANTRY_RETURN_IF_ERROR(e.WriteText(v.namespace_uri));
  if (flags & kServerIndexFlag) e.WriteUInt32(v.server_index);
  return Status::Ok();
}

Status Encode(Encoder& e, Quality v) {
  e.WriteUInt32(v.code());
  return Status::Ok();
}

Status Encode(Encoder& e, const QualifiedName& v) {
  e.WriteUInt16(v.namespace_index);
  return e.WriteText(v.name);
}

Status Encode(Encoder& e, const LocalizedText& v) {
  const uint8_t mask =
      static_cast<uint8_t>((v.locale.is_null() ? 0 : 0x01) | (v.text.is_null() ? 0 : 0x02));
  e.WriteByte(mask);
  if (mask & 0x01) GANTRY_RETURN_IF_ERROR(e.WriteText(v.locale));
  if (mask & 0x02) GANTRY_RETURN_IF_ERROR(e.WriteText(v.text));
  return Status::Ok();
}

Status Encode(Encoder& e, const ExtensionObject& v) {
  GANTRY_RETURN_IF_ERROR(Encode(e, v.type_id));
  const auto kind = static_cast<uint8_t>(v.body_kind);
  if (kind > 2)
    return InvalidArgument(fmt::format("ExtensionObject body kind {} is not 0, 1 or 2", kind));
  e.WriteByte(kind);
  if (v.body_kind == ExtensionObject::Body::kNone) {
    if (!v.body.empty()) return InvalidArgument("ExtensionObject without a body kind has a body");
    return Status::Ok();
  }
  return e.WriteLengthPrefixed(v.body);
}

Status Encode(Encoder& e, const DataValue& v) {
  GANTRY_RETURN_IF_ERROR(e.Enter("DataValue"));
  const uint8_t mask = static_cast<uint8_t>((v.value ? kDvValue : 0) | (v.status ? kDvStatus : 0) |
                                            (v.source_timestamp ? kDvSourceTimestamp : 0) |
                                            (v.server_timestamp ? kDvServerTimestamp : 0) |
                                            (v.source_picoseconds ? kDvSourcePicoseconds : 0) |
                                            (v.server_picoseconds ? kDvServerPicoseconds : 0));
  e.WriteByte(mask);
  Status s;
  if (v.value) s = Encode(e, *v.value);
  if (s.ok() && v.status) s = Encode(e, *v.status);
  if (s.ok() && v.source_timestamp) s = Encode(e, *v.source_timestamp);
  if (s.ok() && v.source_picoseconds) e.WriteUInt16(*v.source_picoseconds);
  if (s.ok() && v.server_timestamp) s = Encode(e, *v.server_timestamp);
  if (s.ok() && v.server_picoseconds) e.WriteUInt16(*v.server_picoseconds);
  e.Leave();
  return s;
}

Status Encode(Encoder& e, const Variant& v) {
  const auto id = static_cast<uint8_t>(v.type);
  if (id > kVariantTypeMask)
    return InvalidArgument(fmt::format("Variant type id {} is beyond 63", id));
  if (v.type == BuiltinType::kNull) {
    if (v.is_array) return InvalidArgument("null Variant marked as an array");
    e.WriteByte(0);
    return Status::Ok();
  }
  if (!v.is_array) {
    if (v.type == BuiltinType::kVariant)
      return InvalidArgument("a scalar Variant inside a Variant");
    if (!v.dimensions.empty()) return InvalidArgument("ArrayDimensions on a scalar Variant");
    e.WriteByte(id);
    return EncodeScalar(e, v.type, v.scalar);
  }
  if (!v.dimensions.empty()) {
    Status dims = CheckArrayDimensions(v.dimensions, v.array.size());
    if (!dims.ok()) return InvalidArgument(dims.message());
  }
  GANTRY_RETURN_IF_ERROR(e.Enter("Variant"));
  e.WriteByte(static_cast<uint8_t>(id | kVariantArrayFlag |
                                   (v.dimensions.empty() ? 0 : kVariantDimensionsFlag)));
  Status s = e.WriteArrayLength(v.array.size());
  for (size_t i = 0; s.ok() && i < v.array.size(); ++i) s = EncodeScalar(e, v.type, v.array[i]);
  if (s.ok() && !v.dimensions.empty()) {
    s = e.WriteArrayLength(v.dimensions.size());
    for (int32_t dim : v.dimensions) e.WriteInt32(dim);
  }
  e.Leave();
  return s;
}

Status Encode(Encoder& e, const DiagnosticInfo& v) {
  GANTRY_RETURN_IF_ERROR(e.Enter("DiagnosticInfo"));
  const uint8_t mask = static_cast<uint8_t>(
      (v.symbolic_id ? kDiSymbolicId : 0) | (v.namespace_uri ? kDiNamespaceUri : 0) |
      (v.localized_text ? kDiLocalizedText : 0) | (v.locale ? kDiLocale : 0) |
      (v.additional_info ? kDiAdditionalInfo : 0) | (v.inner_status_code ? kDiInnerStatusCode : 0) |
      (v.inner_diagnostic_info ? kDiInnerDiagnosticInfo : 0));
  e.WriteByte(mask);
  if (v.symbolic_id) e.WriteInt32(*v.symbolic_id);
  if (v.namespace_uri) e.WriteInt32(*v.namespace_uri);
  if (v.locale) e.WriteInt32(*v.locale);
  if (v.localized_text) e.WriteInt32(*v.localized_text);
  Status s;
  if (v.additional_info) s = e.WriteText(*v.additional_info);
  if (s.ok() && v.inner_status_code) s = Encode(e, *v.inner_status_code);
  if (s.ok() && v.inner_diagnostic_info) s = Encode(e, **v.inner_diagnostic_info);
  e.Leave();
  return s;
}

Status EncodeScalar(Encoder& e, BuiltinType type, const Scalar& v) {
  if (v.index() != AlternativeFor(type)) {
    return InvalidArgument(fmt::format("a {} value where {} was declared",
                                       BuiltinTypeName(static_cast<BuiltinType>(v.index())),
                                       BuiltinTypeName(type)));
  }
  return std::visit(
      [&e](const auto& x) -> Status {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return Status::Ok();
        else if constexpr (std::is_same_v<T, bool>)
          e.WriteBoolean(x);
        else if constexpr (std::is_same_v<T, int8_t>)
          e.WriteSByte(x);
        else if constexpr (std::is_same_v<T, uint8_t>)
          e.WriteByte(x);
        else if constexpr (std::is_same_v<T, int16_t>)
          e.WriteInt16(x);
        else if constexpr (std::is_same_v<T, uint16_t>)
          e.WriteUInt16(x);
        else if constexpr (std::is_same_v<T, int32_t>)
          e.WriteInt32(x);
        else if constexpr (std::is_same_v<T, uint32_t>)
          e.WriteUInt32(x);
        else if constexpr (std::is_same_v<T, int64_t>)
          e.WriteInt64(x);
        else if constexpr (std::is_same_v<T, uint64_t>)
          e.WriteUInt64(x);
        else if constexpr (std::is_same_v<T, float>)
          e.WriteFloat(x);
        else if constexpr (std::is_same_v<T, double>)
          e.WriteDouble(x);
        else if constexpr (std::is_same_v<T, String> || std::is_same_v<T, ByteString> ||
                           std::is_same_v<T, XmlElement>)
          return e.WriteText(x);
        else if constexpr (std::is_same_v<T, Box<DataValue>> || std::is_same_v<T, Box<Variant>> ||
                           std::is_same_v<T, Box<DiagnosticInfo>>)
          return Encode(e, *x);
        else
          return Encode(e, x);
        return Status::Ok();
      },
      v);
}

}  // namespace gantry::opcua
