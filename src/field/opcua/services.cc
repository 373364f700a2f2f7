#include "field/opcua/services.h"

#include <fmt/format.h>

namespace gantry::opcua {
namespace {

Status EncodeTypeId(Encoder& e, uint32_t id) {
  return Encode(e, NodeId::Numeric(0, id));
}

Status EncodeApplication(Encoder& e, const ApplicationDescription& a) {
  GANTRY_RETURN_IF_ERROR(e.WriteText(a.application_uri));
  GANTRY_RETURN_IF_ERROR(e.WriteText(a.product_uri));
  GANTRY_RETURN_IF_ERROR(Encode(e, a.application_name));
  e.WriteInt32(a.application_type);
  GANTRY_RETURN_IF_ERROR(e.WriteText(a.gateway_server_uri));
  GANTRY_RETURN_IF_ERROR(e.WriteText(a.discovery_profile_uri));
  return EncodeArray(e, a.discovery_urls);
}

Status EncodeSignature(Encoder& e, const SignatureData& s) {
  GANTRY_RETURN_IF_ERROR(e.WriteText(s.algorithm));
  return e.WriteText(s.signature);
}

Result<String> ReadOneString(Decoder& d) {
  return d.ReadString("String array entry");
}

Result<ApplicationDescription> DecodeApplication(Decoder& d) {
  ApplicationDescription a;
  GANTRY_ASSIGN_OR_RETURN(a.application_uri, d.ReadString("ApplicationUri"));
  GANTRY_ASSIGN_OR_RETURN(a.product_uri, d.ReadString("ProductUri"));
  GANTRY_ASSIGN_OR_RETURN(a.application_name, DecodeLocalizedText(d));
  GANTRY_ASSIGN_OR_RETURN(a.application_type, d.ReadInt32("ApplicationType"));
  GANTRY_ASSIGN_OR_RETURN(a.gateway_server_uri, d.ReadString("GatewayServerUri"));
  GANTRY_ASSIGN_OR_RETURN(a.discovery_profile_uri, d.ReadString("DiscoveryProfileUri"));
  GANTRY_ASSIGN_OR_RETURN(a.discovery_urls,
                          DecodeArray<String>(d, "DiscoveryUrls", 4, ReadOneString));
  return a;
}

Result<UserTokenPolicy> DecodeUserTokenPolicy(Decoder& d) {
  UserTokenPolicy p;
  GANTRY_ASSIGN_OR_RETURN(p.policy_id, d.ReadString("UserTokenPolicy PolicyId"));
  GANTRY_ASSIGN_OR_RETURN(int32_t type, d.ReadInt32("UserTokenPolicy TokenType"));
  if (type < 0 || type > 3)
    return d.Fail("UserTokenPolicy TokenType", fmt::format("unknown type {}", type));
  p.token_type = static_cast<UserTokenType>(type);
  GANTRY_ASSIGN_OR_RETURN(p.issued_token_type, d.ReadString("UserTokenPolicy IssuedTokenType"));
  GANTRY_ASSIGN_OR_RETURN(p.issuer_endpoint_url, d.ReadString("UserTokenPolicy IssuerEndpointUrl"));
  GANTRY_ASSIGN_OR_RETURN(p.security_policy_uri, d.ReadString("UserTokenPolicy SecurityPolicyUri"));
  return p;
}

Result<MessageSecurityMode> DecodeSecurityMode(Decoder& d) {
  GANTRY_ASSIGN_OR_RETURN(int32_t mode, d.ReadInt32("MessageSecurityMode"));
  if (mode < 0 || mode > 3)
    return d.Fail("MessageSecurityMode", fmt::format("unknown mode {}", mode));
  return static_cast<MessageSecurityMode>(mode);
}

Result<EndpointDescription> DecodeEndpoint(Decoder& d) {
  EndpointDescription ep;
  GANTRY_ASSIGN_OR_RETURN(ep.endpoint_url, d.ReadString("EndpointUrl"));
  GANTRY_ASSIGN_OR_RETURN(ep.server, DecodeApplication(d));
  GANTRY_ASSIGN_OR_RETURN(ep.server_certificate, d.ReadByteString("ServerCertificate"));
  GANTRY_ASSIGN_OR_RETURN(ep.security_mode, DecodeSecurityMode(d));
  GANTRY_ASSIGN_OR_RETURN(ep.security_policy_uri, d.ReadString("SecurityPolicyUri"));
  GANTRY_ASSIGN_OR_RETURN(
      ep.user_identity_tokens,
      DecodeArray<UserTokenPolicy>(d, "UserIdentityTokens", 20, DecodeUserTokenPolicy));
  GANTRY_ASSIGN_OR_RETURN(ep.transport_profile_uri, d.ReadString("TransportProfileUri"));
  GANTRY_ASSIGN_OR_RETURN(ep.security_level, d.ReadByte("SecurityLevel"));
  return ep;
}

Result<SignatureData> DecodeSignature(Decoder& d) {
  SignatureData s;
  GANTRY_ASSIGN_OR_RETURN(s.algorithm, d.ReadString("SignatureData Algorithm"));
  GANTRY_ASSIGN_OR_RETURN(s.signature, d.ReadByteString("SignatureData Signature"));
  return s;
}

// SignedSoftwareCertificate: read and dropped (deprecated; servers send an empty array).
Result<SignatureData> DecodeSoftwareCertificate(Decoder& d) {
  SignatureData s;
  GANTRY_ASSIGN_OR_RETURN(s.signature, d.ReadByteString("SoftwareCertificate CertificateData"));
  GANTRY_ASSIGN_OR_RETURN(s.signature, d.ReadByteString("SoftwareCertificate Signature"));
  return s;
}

}  // namespace

ExtensionObject AnonymousIdentity(const String& policy_id) {
  Encoder body;
  (void)body.WriteText(policy_id);  // a String shorter than 2 GiB always encodes
  const auto& bytes = body.bytes();
  return ExtensionObject{NodeId::Numeric(0, encoding_id::kAnonymousIdentityToken),
                         ExtensionObject::Body::kByteString,
                         std::string(bytes.begin(), bytes.end())};
}

Status EncodeBody(Encoder& e, const OpenSecureChannelRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  e.WriteUInt32(r.client_protocol_version);
  e.WriteInt32(r.renew ? 1 : 0);
  e.WriteInt32(static_cast<int32_t>(r.security_mode));
  GANTRY_RETURN_IF_ERROR(e.WriteText(r.client_nonce));
  e.WriteUInt32(r.requested_lifetime_ms);
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const CloseSecureChannelRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  return Encode(e, r.header);
}

Status EncodeBody(Encoder& e, const GetEndpointsRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  GANTRY_RETURN_IF_ERROR(e.WriteText(r.endpoint_url));
  GANTRY_RETURN_IF_ERROR(EncodeArray(e, r.locale_ids));
  return EncodeArray(e, r.profile_uris);
}

Status EncodeBody(Encoder& e, const CreateSessionRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  GANTRY_RETURN_IF_ERROR(EncodeApplication(e, r.client_description));
  GANTRY_RETURN_IF_ERROR(e.WriteText(r.server_uri));
  GANTRY_RETURN_IF_ERROR(e.WriteText(r.endpoint_url));
  GANTRY_RETURN_IF_ERROR(e.WriteText(r.session_name));
  GANTRY_RETURN_IF_ERROR(e.WriteText(r.client_nonce));
  GANTRY_RETURN_IF_ERROR(e.WriteText(r.client_certificate));
  e.WriteDouble(r.requested_session_timeout_ms);
  e.WriteUInt32(r.max_response_message_size);
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const ActivateSessionRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  GANTRY_RETURN_IF_ERROR(EncodeSignature(e, r.client_signature));
  e.WriteInt32(0);  // ClientSoftwareCertificates: none
  GANTRY_RETURN_IF_ERROR(EncodeArray(e, r.locale_ids));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.user_identity_token));
  return EncodeSignature(e, r.user_token_signature);
}

Status EncodeBody(Encoder& e, const ReadRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  e.WriteDouble(r.max_age_ms);
  e.WriteInt32(static_cast<int32_t>(r.timestamps));
  GANTRY_RETURN_IF_ERROR(e.WriteArrayLength(r.nodes_to_read.size()));
  for (const ReadValueId& id : r.nodes_to_read) {
    GANTRY_RETURN_IF_ERROR(Encode(e, id.node_id));
    e.WriteUInt32(id.attribute_id);
    GANTRY_RETURN_IF_ERROR(e.WriteText(id.index_range));
    GANTRY_RETURN_IF_ERROR(Encode(e, id.data_encoding));
  }
  return Status::Ok();
}

Status EncodeBody(Encoder& e, const CloseSessionRequest& r) {
  GANTRY_RETURN_IF_ERROR(EncodeTypeId(e, r.kEncodingId));
  GANTRY_RETURN_IF_ERROR(Encode(e, r.header));
  e.WriteBoolean(r.delete_subscriptions);
  return Status::Ok();
}

Status ExpectResponseType(Decoder& d, uint32_t expected, std::string_view service) {
  GANTRY_ASSIGN_OR_RETURN(NodeId type, DecodeNodeId(d));
  if (type == NodeId::Numeric(0, encoding_id::kServiceFault)) {
    GANTRY_ASSIGN_OR_RETURN(ResponseHeader header, DecodeResponseHeader(d));
    return Unavailable(fmt::format("{}: server answered with a ServiceFault, {}", service,
                                   header.service_result.Name()));
  }
  if (type != NodeId::Numeric(0, expected)) {
    return Malformed(
        fmt::format("{}: expected message type i={}, got {}", service, expected, type.ToString()));
  }
  return Status::Ok();
}

Result<OpenSecureChannelResponse> DecodeFields(Decoder& d, const OpenSecureChannelResponse*) {
  OpenSecureChannelResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.server_protocol_version, d.ReadUInt32("ServerProtocolVersion"));
  GANTRY_ASSIGN_OR_RETURN(r.token.channel_id, d.ReadUInt32("SecurityToken ChannelId"));
  GANTRY_ASSIGN_OR_RETURN(r.token.token_id, d.ReadUInt32("SecurityToken TokenId"));
  GANTRY_ASSIGN_OR_RETURN(r.token.created_at, DecodeDateTime(d));
  GANTRY_ASSIGN_OR_RETURN(r.token.revised_lifetime_ms,
                          d.ReadUInt32("SecurityToken RevisedLifetime"));
  GANTRY_ASSIGN_OR_RETURN(r.server_nonce, d.ReadByteString("ServerNonce"));
  return r;
}

Result<GetEndpointsResponse> DecodeFields(Decoder& d, const GetEndpointsResponse*) {
  GetEndpointsResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.endpoints,
                          DecodeArray<EndpointDescription>(d, "Endpoints", 40, DecodeEndpoint));
  return r;
}

Result<CreateSessionResponse> DecodeFields(Decoder& d, const CreateSessionResponse*) {
  CreateSessionResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.session_id, DecodeNodeId(d));
  GANTRY_ASSIGN_OR_RETURN(r.authentication_token, DecodeNodeId(d));
  GANTRY_ASSIGN_OR_RETURN(r.revised_session_timeout_ms, d.ReadDouble("RevisedSessionTimeout"));
  GANTRY_ASSIGN_OR_RETURN(r.server_nonce, d.ReadByteString("ServerNonce"));
  GANTRY_ASSIGN_OR_RETURN(r.server_certificate, d.ReadByteString("ServerCertificate"));
  GANTRY_ASSIGN_OR_RETURN(r.server_endpoints, DecodeArray<EndpointDescription>(d, "ServerEndpoints",
                                                                               40, DecodeEndpoint));
  GANTRY_ASSIGN_OR_RETURN(auto software, DecodeArray<SignatureData>(d, "ServerSoftwareCertificates",
                                                                    8, DecodeSoftwareCertificate));
  (void)software;
  GANTRY_ASSIGN_OR_RETURN(r.server_signature, DecodeSignature(d));
  GANTRY_ASSIGN_OR_RETURN(r.max_request_message_size, d.ReadUInt32("MaxRequestMessageSize"));
  return r;
}

Result<ActivateSessionResponse> DecodeFields(Decoder& d, const ActivateSessionResponse*) {
  ActivateSessionResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.server_nonce, d.ReadByteString("ServerNonce"));
  GANTRY_ASSIGN_OR_RETURN(r.results, DecodeArray<Quality>(d, "Results", 4, DecodeStatusCode));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

Result<ReadResponse> DecodeFields(Decoder& d, const ReadResponse*) {
  ReadResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  GANTRY_ASSIGN_OR_RETURN(r.results, DecodeArray<DataValue>(d, "Results", 1, DecodeDataValue));
  GANTRY_ASSIGN_OR_RETURN(r.diagnostic_infos, DecodeArray<DiagnosticInfo>(d, "DiagnosticInfos", 1,
                                                                          DecodeDiagnosticInfo));
  return r;
}

Result<CloseSessionResponse> DecodeFields(Decoder& d, const CloseSessionResponse*) {
  CloseSessionResponse r;
  GANTRY_ASSIGN_OR_RETURN(r.header, DecodeResponseHeader(d));
  return r;
}

}  // namespace gantry::opcua
