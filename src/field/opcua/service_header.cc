#include "field/opcua/service_header.h"

namespace gantry::opcua {

Result<RequestHeader> DecodeRequestHeader(Decoder& d) {
  RequestHeader h;
  GANTRY_ASSIGN_OR_RETURN(h.authentication_token, DecodeNodeId(d));
  GANTRY_ASSIGN_OR_RETURN(h.timestamp, DecodeDateTime(d));
  GANTRY_ASSIGN_OR_RETURN(h.request_handle, d.ReadUInt32("RequestHeader RequestHandle"));
  GANTRY_ASSIGN_OR_RETURN(h.return_diagnostics, d.ReadUInt32("RequestHeader ReturnDiagnostics"));
  GANTRY_ASSIGN_OR_RETURN(h.audit_entry_id, d.ReadString("RequestHeader AuditEntryId"));
  GANTRY_ASSIGN_OR_RETURN(h.timeout_hint_ms, d.ReadUInt32("RequestHeader TimeoutHint"));
  GANTRY_ASSIGN_OR_RETURN(h.additional_header, DecodeExtensionObject(d));
  return h;
}

Result<ResponseHeader> DecodeResponseHeader(Decoder& d) {
  ResponseHeader h;
  GANTRY_ASSIGN_OR_RETURN(h.timestamp, DecodeDateTime(d));
  GANTRY_ASSIGN_OR_RETURN(h.request_handle, d.ReadUInt32("ResponseHeader RequestHandle"));
  GANTRY_ASSIGN_OR_RETURN(h.service_result, DecodeStatusCode(d));
  GANTRY_ASSIGN_OR_RETURN(h.service_diagnostics, DecodeDiagnosticInfo(d));
  GANTRY_ASSIGN_OR_RETURN(h.string_table,
                          DecodeArray<String>(d, "ResponseHeader StringTable", 4, [](Decoder& x) {
                            return x.ReadString("ResponseHeader StringTable entry");
                          }));
  GANTRY_ASSIGN_OR_RETURN(h.additional_header, DecodeExtensionObject(d));
  return h;
}

Status Encode(Encoder& e, const RequestHeader& v) {
  GANTRY_RETURN_IF_ERROR(Encode(e, v.authentication_token));
  GANTRY_RETURN_IF_ERROR(Encode(e, v.timestamp));
  e.WriteUInt32(v.request_handle);
  e.WriteUInt32(v.return_diagnostics);
  GANTRY_RETURN_IF_ERROR(e.WriteText(v.audit_entry_id));
  e.WriteUInt32(v.timeout_hint_ms);
  return Encode(e, v.additional_header);
}

Status Encode(Encoder& e, const ResponseHeader& v) {
  GANTRY_RETURN_IF_ERROR(Encode(e, v.timestamp));
  e.WriteUInt32(v.request_handle);
  GANTRY_RETURN_IF_ERROR(Encode(e, v.service_result));
  GANTRY_RETURN_IF_ERROR(Encode(e, v.service_diagnostics));
  GANTRY_RETURN_IF_ERROR(EncodeArray(e, v.string_table));
  return Encode(e, v.additional_header);
}

}  // namespace gantry::opcua
