// The headers every OPC UA service request and response begins with (IEC 62541-4 §7.32/§7.33),
// and the type id that precedes a service message body on the wire (Part 6 §5.2.9: the message
// is an ExtensionObject body without the ExtensionObject framing: NodeId, then the fields).
//
//   Decoder d(message.body);
//   GANTRY_ASSIGN_OR_RETURN(NodeId type, DecodeNodeId(d));      // e.g. i=634, ReadResponse
//   GANTRY_ASSIGN_OR_RETURN(ResponseHeader header, DecodeResponseHeader(d));
#pragma once

#include <vector>

#include "core/status.h"
#include "field/opcua/builtin_codec.h"

namespace gantry::opcua {

struct RequestHeader {
  NodeId authentication_token;
  DateTime timestamp;
  uint32_t request_handle = 0;
  uint32_t return_diagnostics = 0;
  String audit_entry_id;
  uint32_t timeout_hint_ms = 0;
  ExtensionObject additional_header;
  friend bool operator==(const RequestHeader&, const RequestHeader&) = default;
};

struct ResponseHeader {
  DateTime timestamp;
  uint32_t request_handle = 0;
  Quality service_result;
  DiagnosticInfo service_diagnostics;
  std::vector<String> string_table;
  ExtensionObject additional_header;
  friend bool operator==(const ResponseHeader&, const ResponseHeader&) = default;
};

Result<RequestHeader> DecodeRequestHeader(Decoder& d);
Result<ResponseHeader> DecodeResponseHeader(Decoder& d);
Status Encode(Encoder& e, const RequestHeader& v);
Status Encode(Encoder& e, const ResponseHeader& v);

// Arrays of any type with a Decode function: Int32 length (checked against the bytes left and
// the limits) then the elements.
template <typename T, typename DecodeFn>
Result<std::vector<T>> DecodeArray(Decoder& d, std::string_view what, size_t min_wire_size,
                                   DecodeFn decode_one) {
  GANTRY_ASSIGN_OR_RETURN(uint32_t n, d.ReadArrayLength(what, min_wire_size, sizeof(T)));
  std::vector<T> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    GANTRY_ASSIGN_OR_RETURN(T element, decode_one(d));
    out.push_back(std::move(element));
  }
  return out;
}

template <typename T>
Status EncodeArray(Encoder& e, const std::vector<T>& values) {
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(values.size()));
  for (const T& v : values) GANTRY_RETURN_IF_ERROR(Encode(e, v));
  return Status::Ok();
}

}  // namespace gantry::opcua
