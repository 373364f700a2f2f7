// The services the connector needs beyond reading and subscribing (IEC 62541-4): resolving
// browse paths to NodeIds (TranslateBrowsePathsToNodeIds, §5.8.4), writing values (Write,
// §5.10.4; Gantry writes only when a device says `writes: enabled`), and restoring
// subscriptions after a reconnect (TransferSubscriptions §5.13.7, DeleteSubscriptions §5.13.8).
//
//   BrowsePath path{.start = NodeId::Numeric(0, kObjectsFolder)};
//   path.elements.push_back({.target_name = {2, String::Of("Line1")}});
//   GANTRY_ASSIGN_OR_RETURN(auto body, EncodeRequest(TranslateBrowsePathsRequest{.paths =
//   {path}}));
#pragma once

#include <vector>

#include "field/opcua/browse_services.h"
#include "field/opcua/subscription_services.h"

namespace gantry::opcua {

namespace encoding_id {
inline constexpr uint32_t kTranslateBrowsePathsRequest = 554;
inline constexpr uint32_t kTranslateBrowsePathsResponse = 557;
inline constexpr uint32_t kWriteRequest = 673;
inline constexpr uint32_t kWriteResponse = 676;
inline constexpr uint32_t kTransferSubscriptionsRequest = 841;
inline constexpr uint32_t kTransferSubscriptionsResponse = 844;
inline constexpr uint32_t kDeleteSubscriptionsRequest = 847;
inline constexpr uint32_t kDeleteSubscriptionsResponse = 850;
}  // namespace encoding_id

// Attribute ids (Part 6 Annex A) the browse command reads.
inline constexpr uint32_t kAttributeNodeClass = 2;
inline constexpr uint32_t kAttributeBrowseName = 3;
inline constexpr uint32_t kAttributeDataType = 14;

// One step of a RelativePath: follow references of `reference_type_id` to a target whose
// BrowseName is `target_name`.
struct RelativePathElement {
  NodeId reference_type_id = NodeId::Numeric(0, kHierarchicalReferences);
  bool is_inverse = false;
  bool include_subtypes = true;
  QualifiedName target_name;
  friend bool operator==(const RelativePathElement&, const RelativePathElement&) = default;
};

struct BrowsePath {
  NodeId start = NodeId::Numeric(0, kObjectsFolder);
  std::vector<RelativePathElement> elements;
  friend bool operator==(const BrowsePath&, const BrowsePath&) = default;
};

struct BrowsePathTarget {
  ExpandedNodeId target;
  // Index of the first element not followed (the target is on another server); UINT32_MAX when
  // the whole path was followed.
  uint32_t remaining_path_index = UINT32_MAX;
};

struct BrowsePathResult {
  Quality status;  // BadNoMatch when nothing has that name, BadNodeIdUnknown for a bad start
  std::vector<BrowsePathTarget> targets;
};

struct TranslateBrowsePathsRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kTranslateBrowsePathsRequest;
  RequestHeader header;
  std::vector<BrowsePath> paths;
};

struct TranslateBrowsePathsResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kTranslateBrowsePathsResponse;
  ResponseHeader header;
  std::vector<BrowsePathResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};

struct WriteValue {
  NodeId node_id;
  uint32_t attribute_id = kAttributeValue;
  String index_range;
  DataValue
      value;  // usually only the Variant: servers may refuse timestamps (BadWriteNotSupported)
};

struct WriteRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kWriteRequest;
  RequestHeader header;
  std::vector<WriteValue> nodes_to_write;
};

struct WriteResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kWriteResponse;
  ResponseHeader header;
  std::vector<Quality> results;  // one per WriteValue
  std::vector<DiagnosticInfo> diagnostic_infos;
};

struct TransferSubscriptionsRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kTransferSubscriptionsRequest;
  RequestHeader header;
  std::vector<uint32_t> subscription_ids;
  bool send_initial_values = true;  // the current value of every item, as after a create
};

struct TransferResult {
  Quality status;  // BadSubscriptionIdInvalid when the server no longer has it
  std::vector<uint32_t> available_sequence_numbers;
};

struct TransferSubscriptionsResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kTransferSubscriptionsResponse;
  ResponseHeader header;
  std::vector<TransferResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};

struct DeleteSubscriptionsRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kDeleteSubscriptionsRequest;
  RequestHeader header;
  std::vector<uint32_t> subscription_ids;
};

struct DeleteSubscriptionsResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kDeleteSubscriptionsResponse;
  ResponseHeader header;
  std::vector<Quality> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};

Status EncodeBody(Encoder& e, const TranslateBrowsePathsRequest& r);
Status EncodeBody(Encoder& e, const WriteRequest& r);
Status EncodeBody(Encoder& e, const TransferSubscriptionsRequest& r);
Status EncodeBody(Encoder& e, const DeleteSubscriptionsRequest& r);
Result<TranslateBrowsePathsResponse> DecodeFields(Decoder& d, const TranslateBrowsePathsResponse*);
Result<WriteResponse> DecodeFields(Decoder& d, const WriteResponse*);
Result<TransferSubscriptionsResponse> DecodeFields(Decoder& d,
                                                   const TransferSubscriptionsResponse*);
Result<DeleteSubscriptionsResponse> DecodeFields(Decoder& d, const DeleteSubscriptionsResponse*);

// Encoded by tests to build server answers.
Status EncodeBody(Encoder& e, const TranslateBrowsePathsResponse& r);
Status EncodeBody(Encoder& e, const TransferSubscriptionsResponse& r);

}  // namespace gantry::opcua
