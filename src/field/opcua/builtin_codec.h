// Binary encoding of the OPC UA built-in types (IEC 62541-6 §5.2.2): NodeId in all its forms,
// ExpandedNodeId, QualifiedName, LocalizedText, ExtensionObject (body kept as bytes), DataValue,
// Variant (scalars, arrays, multi-dimensional arrays) and DiagnosticInfo. Pure codecs: bytes in,
// values or a Malformed status out; every length is checked before anything is allocated.
//
//   Decoder d(bytes);
//   GANTRY_ASSIGN_OR_RETURN(Variant v, DecodeVariant(d));
//   Encoder e;
//   GANTRY_RETURN_IF_ERROR(Encode(e, v));
#pragma once

#include "core/status.h"
#include "field/opcua/decoder.h"
#include "field/opcua/encoder.h"
#include "field/opcua/types.h"

namespace gantry::opcua {

// Decoders: read one value at the decoder's position. On error the position is unspecified and
// the status is Malformed (or ResourceExhausted when the memory budget is hit).
Result<DateTime> DecodeDateTime(Decoder& d);
Result<Guid> DecodeGuid(Decoder& d);
Result<NodeId> DecodeNodeId(Decoder& d);
Result<ExpandedNodeId> DecodeExpandedNodeId(Decoder& d);
Result<Quality> DecodeStatusCode(Decoder& d);
Result<QualifiedName> DecodeQualifiedName(Decoder& d);
Result<LocalizedText> DecodeLocalizedText(Decoder& d);
// Unknown type ids are fine: the body is kept as bytes and skipped by its length.
Result<ExtensionObject> DecodeExtensionObject(Decoder& d);
Result<DataValue> DecodeDataValue(Decoder& d);
// A scalar Variant inside a Variant is rejected (Part 6 allows only arrays of Variants); an
// ArrayDimensions product that differs from the array length is rejected.
Result<Variant> DecodeVariant(Decoder& d);
Result<DiagnosticInfo> DecodeDiagnosticInfo(Decoder& d);
// In-place forms of the above for hot paths (data-change notifications): `out` is overwritten;
// on error it holds a partial value.
Status DecodeDataValueInto(Decoder& d, DataValue& out);
Status DecodeVariantInto(Decoder& d, Variant& out);
Status DecodeScalarInto(Decoder& d, BuiltinType type, Scalar& out);
// One value of built-in type `type` (ids 26..31 decode as ByteString).
Result<Scalar> DecodeScalar(Decoder& d, BuiltinType type);

// The fewest wire bytes one value of `type` can take; used to bound array lengths.
size_t MinWireSize(BuiltinType type);

// Encoders: append one value. They fail (InvalidArgument) only for values that break an
// encoding rule (a Variant whose elements do not match its type, bad dimensions, too deep).
Status Encode(Encoder& e, DateTime v);
Status Encode(Encoder& e, const Guid& v);
template <BuiltinType kType>
Status Encode(Encoder& e, const Text<kType>& v) {
  return e.WriteText(v);
}
// Picks the most compact NodeId form (two-byte, four-byte, numeric, string, guid, bytestring).
Status Encode(Encoder& e, const NodeId& v);
Status Encode(Encoder& e, const ExpandedNodeId& v);
Status Encode(Encoder& e, Quality v);
Status Encode(Encoder& e, const QualifiedName& v);
Status Encode(Encoder& e, const LocalizedText& v);
Status Encode(Encoder& e, const ExtensionObject& v);
Status Encode(Encoder& e, const DataValue& v);
Status Encode(Encoder& e, const Variant& v);
Status Encode(Encoder& e, const DiagnosticInfo& v);
// `v` must hold the alternative of `type` (ByteString for ids 26..31).
Status EncodeScalar(Encoder& e, BuiltinType type, const Scalar& v);

// Checks Variant ArrayDimensions against the element count (Part 6 §5.2.2.16): with every
// dimension > 0 their product equals `length`; with any dimension <= 0 the length is 0.
Status CheckArrayDimensions(std::span<const int32_t> dimensions, size_t length);

}  // namespace gantry::opcua
