// Browse and BrowseNext (IEC 62541-4 §5.8.2-5.8.3): the references of a node, for commissioning
// (`gantry opcua browse`, later) and for resolving configured browse paths.
//
//   BrowseRequest request;
//   request.nodes_to_browse.push_back({.node_id = NodeId::Numeric(0, kObjectsFolder)});
//   GANTRY_ASSIGN_OR_RETURN(auto results, client->Browse(request));
#pragma once

#include <vector>

#include "field/opcua/services.h"

namespace gantry::opcua {

namespace encoding_id {
inline constexpr uint32_t kBrowseRequest = 527;
inline constexpr uint32_t kBrowseResponse = 530;
inline constexpr uint32_t kBrowseNextRequest = 533;
inline constexpr uint32_t kBrowseNextResponse = 536;
}  // namespace encoding_id

inline constexpr uint32_t kObjectsFolder = 85;
inline constexpr uint32_t kHierarchicalReferences = 33;

enum class BrowseDirection : int32_t { kForward = 0, kInverse = 1, kBoth = 2 };

struct BrowseDescription {
  NodeId node_id;
  BrowseDirection direction = BrowseDirection::kForward;
  NodeId reference_type_id = NodeId::Numeric(0, kHierarchicalReferences);
  bool include_subtypes = true;
  uint32_t node_class_mask = 0;  // 0: all node classes
  uint32_t result_mask = 0x3F;   // every field of ReferenceDescription
};

struct ReferenceDescription {
  NodeId reference_type_id;
  bool is_forward = true;
  ExpandedNodeId node_id;
  QualifiedName browse_name;
  LocalizedText display_name;
  int32_t node_class = 0;  // 1 Object, 2 Variable, 4 Method, 8 ObjectType, ...
  ExpandedNodeId type_definition;
};

struct BrowseResult {
  Quality status;
  ByteString continuation_point;  // non-null: more references, fetch with BrowseNext
  std::vector<ReferenceDescription> references;
};

struct BrowseRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kBrowseRequest;
  RequestHeader header;
  uint32_t max_references_per_node = 0;  // 0: server decides
  std::vector<BrowseDescription> nodes_to_browse;
};

struct BrowseResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kBrowseResponse;
  ResponseHeader header;
  std::vector<BrowseResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};

struct BrowseNextRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kBrowseNextRequest;
  RequestHeader header;
  bool release_continuation_points = false;
  std::vector<ByteString> continuation_points;
};

struct BrowseNextResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kBrowseNextResponse;
  ResponseHeader header;
  std::vector<BrowseResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};

Status EncodeBody(Encoder& e, const BrowseRequest& r);
Status EncodeBody(Encoder& e, const BrowseNextRequest& r);
Result<BrowseResponse> DecodeFields(Decoder& d, const BrowseResponse*);
Result<BrowseNextResponse> DecodeFields(Decoder& d, const BrowseNextResponse*);

}  // namespace gantry::opcua
