// The OPC UA service messages the client speaks so far (IEC 62541-4 §5): OpenSecureChannel,
// CloseSecureChannel, GetEndpoints, CreateSession, ActivateSession (anonymous), Read,
// CloseSession, and the ServiceFault any request may get back. Client side: requests encode,
// responses decode. A message body on the wire is the type's binary encoding NodeId followed by
// its fields.
//
//   ReadRequest read;
//   read.nodes_to_read.push_back({NodeId::Text(2, "Line1.Counter")});
//   GANTRY_ASSIGN_OR_RETURN(auto body, EncodeRequest(read));
//   GANTRY_ASSIGN_OR_RETURN(ReadResponse r, DecodeResponse<ReadResponse>(reply));
#pragma once

#include <vector>

#include "core/status.h"
#include "field/opcua/service_header.h"

namespace gantry::opcua {

// Binary encoding ids (the "_Encoding_DefaultBinary" nodes of the OPC UA NodeSet).
namespace encoding_id {
inline constexpr uint32_t kAnonymousIdentityToken = 321;
inline constexpr uint32_t kUserNameIdentityToken = 324;
inline constexpr uint32_t kServiceFault = 397;
inline constexpr uint32_t kGetEndpointsRequest = 428;
inline constexpr uint32_t kGetEndpointsResponse = 431;
inline constexpr uint32_t kOpenSecureChannelRequest = 446;
inline constexpr uint32_t kOpenSecureChannelResponse = 449;
inline constexpr uint32_t kCloseSecureChannelRequest = 452;
inline constexpr uint32_t kCreateSessionRequest = 461;
inline constexpr uint32_t kCreateSessionResponse = 464;
inline constexpr uint32_t kActivateSessionRequest = 467;
inline constexpr uint32_t kActivateSessionResponse = 470;
inline constexpr uint32_t kCloseSessionRequest = 473;
inline constexpr uint32_t kCloseSessionResponse = 476;
inline constexpr uint32_t kReadRequest = 631;
inline constexpr uint32_t kReadResponse = 634;
}  // namespace encoding_id

enum class MessageSecurityMode : int32_t {
  kInvalid = 0,
  kNone = 1,
  kSign = 2,
  kSignAndEncrypt = 3
};
enum class UserTokenType : int32_t {
  kAnonymous = 0,
  kUserName = 1,
  kCertificate = 2,
  kIssuedToken = 3
};
enum class TimestampsToReturn : int32_t { kSource = 0, kServer = 1, kBoth = 2, kNeither = 3 };
inline constexpr uint32_t kAttributeValue = 13;

struct OpenSecureChannelRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kOpenSecureChannelRequest;
  RequestHeader header;
  uint32_t client_protocol_version = 0;
  bool renew = false;  // SecurityTokenRequestType: Issue (0) or Renew (1)
  MessageSecurityMode security_mode = MessageSecurityMode::kNone;
  ByteString client_nonce;
  uint32_t requested_lifetime_ms = 600'000;
};

struct ChannelSecurityToken {
  uint32_t channel_id = 0;
  uint32_t token_id = 0;
  DateTime created_at;
  uint32_t revised_lifetime_ms = 0;
};

struct OpenSecureChannelResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kOpenSecureChannelResponse;
  ResponseHeader header;
  uint32_t server_protocol_version = 0;
  ChannelSecurityToken token;
  ByteString server_nonce;
};

struct CloseSecureChannelRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kCloseSecureChannelRequest;
  RequestHeader header;
};

struct ApplicationDescription {
  String application_uri;
  String product_uri;
  LocalizedText application_name;
  int32_t application_type = 1;  // 0 Server, 1 Client, 2 ClientAndServer, 3 DiscoveryServer
  String gateway_server_uri;
  String discovery_profile_uri;
  std::vector<String> discovery_urls;
};

struct UserTokenPolicy {
  String policy_id;
  UserTokenType token_type = UserTokenType::kAnonymous;
  String issued_token_type;
  String issuer_endpoint_url;
  String security_policy_uri;
};

struct EndpointDescription {
  String endpoint_url;
  ApplicationDescription server;
  ByteString server_certificate;
  MessageSecurityMode security_mode = MessageSecurityMode::kNone;
  String security_policy_uri;
  std::vector<UserTokenPolicy> user_identity_tokens;
  String transport_profile_uri;
  uint8_t security_level = 0;
};

struct GetEndpointsRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kGetEndpointsRequest;
  RequestHeader header;
  String endpoint_url;
  std::vector<String> locale_ids;
  std::vector<String> profile_uris;
};

struct GetEndpointsResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kGetEndpointsResponse;
  ResponseHeader header;
  std::vector<EndpointDescription> endpoints;
};

struct SignatureData {
  String algorithm;
  ByteString signature;
};

struct CreateSessionRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kCreateSessionRequest;
  RequestHeader header;
  ApplicationDescription client_description;
  String server_uri;
  String endpoint_url;
  String session_name;
  ByteString client_nonce;
  ByteString client_certificate;
  double requested_session_timeout_ms = 60'000;
  uint32_t max_response_message_size = 0;
};

struct CreateSessionResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kCreateSessionResponse;
  ResponseHeader header;
  NodeId session_id;
  NodeId authentication_token;
  double revised_session_timeout_ms = 0;
  ByteString server_nonce;
  ByteString server_certificate;
  std::vector<EndpointDescription> server_endpoints;
  SignatureData server_signature;
  uint32_t max_request_message_size = 0;
};

struct ActivateSessionRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kActivateSessionRequest;
  RequestHeader header;
  SignatureData client_signature;
  std::vector<String> locale_ids;
  ExtensionObject user_identity_token;  // see AnonymousIdentity()
  SignatureData user_token_signature;
};

// The ExtensionObject for an anonymous identity under `policy_id` (from the endpoint's
// UserTokenPolicy).
ExtensionObject AnonymousIdentity(const String& policy_id);

struct ActivateSessionResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kActivateSessionResponse;
  ResponseHeader header;
  ByteString server_nonce;
  std::vector<Quality> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};

struct ReadValueId {
  NodeId node_id;
  uint32_t attribute_id = kAttributeValue;
  String index_range;
  QualifiedName data_encoding;
};

struct ReadRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kReadRequest;
  RequestHeader header;
  double max_age_ms = 0;
  TimestampsToReturn timestamps = TimestampsToReturn::kBoth;
  std::vector<ReadValueId> nodes_to_read;
};

struct ReadResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kReadResponse;
  ResponseHeader header;
  std::vector<DataValue> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
};

struct CloseSessionRequest {
  static constexpr uint32_t kEncodingId = encoding_id::kCloseSessionRequest;
  RequestHeader header;
  bool delete_subscriptions = true;
};

struct CloseSessionResponse {
  static constexpr uint32_t kEncodingId = encoding_id::kCloseSessionResponse;
  ResponseHeader header;
};

// Request bodies: encoding NodeId then fields.
Status EncodeBody(Encoder& e, const OpenSecureChannelRequest& r);
Status EncodeBody(Encoder& e, const CloseSecureChannelRequest& r);
Status EncodeBody(Encoder& e, const GetEndpointsRequest& r);
Status EncodeBody(Encoder& e, const CreateSessionRequest& r);
Status EncodeBody(Encoder& e, const ActivateSessionRequest& r);
Status EncodeBody(Encoder& e, const ReadRequest& r);
Status EncodeBody(Encoder& e, const CloseSessionRequest& r);

template <typename Request>
Result<std::vector<uint8_t>> EncodeRequest(const Request& r) {
  Encoder e;
  GANTRY_RETURN_IF_ERROR(EncodeBody(e, r));
  return std::move(e).Take();
}

// Response fields after the encoding NodeId.
Result<OpenSecureChannelResponse> DecodeFields(Decoder& d, const OpenSecureChannelResponse*);
Result<GetEndpointsResponse> DecodeFields(Decoder& d, const GetEndpointsResponse*);
Result<CreateSessionResponse> DecodeFields(Decoder& d, const CreateSessionResponse*);
Result<ActivateSessionResponse> DecodeFields(Decoder& d, const ActivateSessionResponse*);
Result<ReadResponse> DecodeFields(Decoder& d, const ReadResponse*);
Result<CloseSessionResponse> DecodeFields(Decoder& d, const CloseSessionResponse*);

// Reads the encoding NodeId: a ServiceFault becomes an Unavailable status naming the server's
// status code; any other type than `expected` is Malformed.
Status ExpectResponseType(Decoder& d, uint32_t expected, std::string_view service);

// Decodes a whole response body of type `Response`; trailing bytes are Malformed, and a bad
// ServiceResult in the header becomes an error naming the code.
template <typename Response>
Result<Response> DecodeResponse(std::span<const uint8_t> body, const DecodeLimits& limits = {}) {
  Decoder d(body, limits);
  GANTRY_RETURN_IF_ERROR(ExpectResponseType(d, Response::kEncodingId, "response"));
  GANTRY_ASSIGN_OR_RETURN(Response r, DecodeFields(d, static_cast<const Response*>(nullptr)));
  if (!d.AtEnd()) return d.Fail("response", "trailing bytes after the last field");
  if (r.header.service_result.IsBad()) {
    return Unavailable("server answered " + r.header.service_result.Name());
  }
  return r;
}

}  // namespace gantry::opcua
