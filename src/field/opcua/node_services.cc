#include "field/opcua/node_services.h"

namespace gantry::opcua {
namespace {

Status EncodeTypeId(Encoder& e, uint32_t id) {
  return Encode(e, NodeId::Numeric(0, id));
}

Status EncodeUInt32s(Encoder& e, const std::vector<uint32_t>& values) {
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(values.size()));
  for (uint32_t v : values) e.WriteUInt32(v);
  return Status::Ok();
}

Result<uint32_t> ReadSequenceNumber(Decoder& d) {
  return d.ReadUInt32("AvailableSequenceNumbers entry");
}

Result<BrowsePathTarget> DecodeTarget(Decoder& d) {
  BrowsePathTarget t;
  GANTRY_ASSIGN_OR_RETURN(t.target, DecodeExpandedNodeId(d));
  GANTRY_ASSIGN_OR_RETURN(t.remaining_path_index, d.ReadUInt32("RemainingPathIndex"));
  return t;
}

Result<BrowsePathResult> DecodePathResult(Decoder& d) {
  BrowsePathResult r;
  GANTRY_ASSIGN_OR_RETURN(r.status, DecodeStatusCode(d));
  // The smallest target: a two-byte NodeId and the index.
  GANTRY_ASSIGN_OR_RETURN(r.targets, DecodeArray<BrowsePathTarget>(d, "Targets", 6, DecodeTarget));
  return r;
}

Result<TransferResult> DecodeTransferResult(Decoder& d) {
  TransferResult r;
  GANTRY_ASSIGN_OR_RETURN(r.status, DecodeStatusCode(d));
  GANTRY_ASSIGN_OR_RETURN(
      r.available_sequence_numbers,
      DecodeArray<uint32_t>(d, "AvailableSequenceNumbers", 4, ReadSequenceNumber));
  return r;
}

}  // namespace

Status EncodeBody(Encoder& e, const TranslateBrowsePathsRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.paths.size()));
  for (const BrowsePath& path : r.paths) {
    GANTRY_RETURN_IF_ERROR(Encode(e, path.start));
    GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(path.elements.size()));
    for (const RelativePathElement& el : path.elements) {
      GANTRY_RETURN_IF_ERROR(Encode(e, el.reference_type_id));
      e.WriteBoolean(el.is_inverse);
      e.WriteBoolean(el.include_subtypes);
      GANTRY_RETURN_IF_ERROR(Encode(e, el.target_name));
    }
  }
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const WriteRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.nodes_to_write.size()));
  for (const WriteValue& w : r.nodes_to_write) {
    GANTRY_RETURN_IF_ERROR(Encode(e, w.node_id));
    e.WriteUInt32(w.attribute_id);
    GANTRY_RETURN_IF_ERROR(e.WriteText(w.index_range));
    GANTRY_RETURN_IF_ERROR(Encode(e, w.value));
  }
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const TransferSubscriptionsRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  GANTRY_RETURN_IF_ERROR(EncodeUInt32s(e, r.subscription_ids));
  e.WriteBoolean(r.send_initial_values);
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const DeleteSubscriptionsRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  return EncodeUInt32s(e, r.subscription_ids);
}

Status EncodeBody(Encoder& e, const TranslateBrowsePathsResponse& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.results.size()));
  for (const BrowsePathResult& result : r.results) {
    GANTRY_RETURN_IF_ERROR(Encode(e, result.status));
    GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(result.targets.size()));
    for (const BrowsePathTarget& t : result.targets) {
      GANTRY_RETURN_IF_ERROR(Encode(e, t.target));
      e.WriteUInt32(t.remaining_path_index);
    }
  }
  return EncodeArray(e, r.diagnostic_infos);
}

Status EncodeBody(Encoder& e, const TransferSubscriptionsResponse& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.results.size()));
  for (const TransferResult& result : r.results) {
    GANTRY_RETURN_IF_ERROR(Encode(e, result.status));
    GANTRY_RETURN_IF_ERROR(EncodeUInt32s(e, result.available_sequence_numbers));
  }
  return EncodeArray(e, r.diagnostic_infos);
}

Result<TranslateBrowsePathsResponse> DecodeFields(Decoder& d, const TranslateBrowsePathsResponse*) {
  TranslateBrowsePathsResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.results,
                          DecodeArray<BrowsePathResult>(d, "Results", 8, DecodePathResult));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

Result<WriteResponse> DecodeFields(Decoder& d, const WriteResponse*) {
  WriteResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.results, DecodeArray<Quality>(d, "Results", 4, DecodeStatusCode));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

Result<TransferSubscriptionsResponse> DecodeFields(Decoder& d,
                                                   const TransferSubscriptionsResponse*) {
  TransferSubscriptionsResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.results,
                          DecodeArray<TransferResult>(d, "Results", 8, DecodeTransferResult));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

Result<DeleteSubscriptionsResponse> DecodeFields(Decoder& d, const DeleteSubscriptionsResponse*) {
  DeleteSubscriptionsResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.results, DecodeArray<Quality>(d, "Results", 4, DecodeStatusCode));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

}  // namespace gantry::opcua
