#include "field/opcua/browse_services.h"

namespace gantry::opcua {
namespace {

Result<ReferenceDescription> DecodeReference(Decoder& d) {
  ReferenceDescription r;
  GANTRY_ASSIGN_OR_RETURN(r.reference_type_id, DecodeNodeId(d));
  GANTRY_ASSIGN_OR_RETURN(r.is_forward, d.ReadBoolean("ReferenceDescription IsForward"));
  GANTRY_ASSIGN_OR_RETURN(r.node_id, DecodeExpandedNodeId(d));
  GANTRY_ASSIGN_OR_RETURN(r.browse_name, DecodeQualifiedName(d));
  GANTRY_ASSIGN_OR_RETURN(r.display_name, DecodeLocalizedText(d));
  GANTRY_ASSIGN_OR_RETURN(r.node_class, d.ReadInt32("ReferenceDescription NodeClass"));
  GANTRY_ASSIGN_OR_RETURN(r.type_definition, DecodeExpandedNodeId(d));
  return r;
}

Result<BrowseResult> DecodeBrowseResult(Decoder& d) {
  BrowseResult r;
  GANTRY_ASSIGN_OR_RETURN(r.status, DecodeStatusCode(d));
  GANTRY_ASSIGN_OR_RETURN(r.continuation_point, d.ReadByteString("BrowseResult ContinuationPoint"));
  // The smallest ReferenceDescription: 2+1+2+6+1+4+2 bytes.
  GANTRY_ASSIGN_OR_RETURN(r.references,
                          DecodeArray<ReferenceDescription>(d, "References", 18, DecodeReference));
  return r;
}

}  // namespace

Status EncodeBody(Encoder& e, const BrowseRequest& r) {
  GANTRY_RETURN_IF_ERROR(Encode(e, NodeId::Numeric(0, r.kEncodingId)));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  // ViewDescription: the whole address space.
  GANTRY_RETURN_IF_ERROR(Encode(e, NodeId{}));
  GANTRY_RETURN_IF_ERROR(Encode(e, DateTime{}));
  e.WriteUInt32(0);
  e.WriteUInt32(r.max_references_per_node);
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.nodes_to_browse.size()));
  for (const BrowseDescription& b : r.nodes_to_browse) {
    GANTRY_RETURN_IF_ERROR(Encode(e, b.node_id));
    e.WriteInt32(static_cast<int32_t>(b.direction));
    GANTRY_RETURN_IF_ERROR(Encode(e, b.reference_type_id));
    e.WriteBoolean(b.include_subtypes);
    e.WriteUInt32(b.node_class_mask);
    e.WriteUInt32(b.result_mask);
  }
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const BrowseNextRequest& r) {
  GANTRY_RETURN_IF_ERROR(Encode(e, NodeId::Numeric(0, r.kEncodingId)));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  e.WriteBoolean(r.release_continuation_points);
  return EncodeArray(e, r.continuation_points);
}

Result<BrowseResponse> DecodeFields(Decoder& d, const BrowseResponse*) {
  BrowseResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.results,
                          DecodeArray<BrowseResult>(d, "Results", 12, DecodeBrowseResult));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

Result<BrowseNextResponse> DecodeFields(Decoder& d, const BrowseNextResponse*) {
  BrowseNextResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.results,
                          DecodeArray<BrowseResult>(d, "Results", 12, DecodeBrowseResult));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

}  // namespace gantry::opcua
