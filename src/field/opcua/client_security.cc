// The secure-channel half of Client (client.h): connecting with a security policy, sealing and
// unsealing chunks, channel nonces and keys, and the identity token of a session.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "field/opcua/certificate_store.h"
#include "field/opcua/chunk_security.h"
#include "field/opcua/client.h"
#include "field/opcua/secure_channel_state.h"
#include "field/opcua/session_security.h"

namespace gantry::opcua {

namespace {

ByteView View(const ByteString& b) {
  return ByteView(reinterpret_cast<const uint8_t*>(b.view().data()), b.view().size());
}

std::string_view ModeName(MessageSecurityMode m) {
  switch (m) {
    case MessageSecurityMode::kNone: return "None";
    case MessageSecurityMode::kSign: return "Sign";
    case MessageSecurityMode::kSignAndEncrypt: return "SignAndEncrypt";
    default: return "Invalid";
  }
}

// The endpoint with exactly this policy and mode: never a weaker one.
Result<EndpointDescription> PickEndpoint(const std::vector<EndpointDescription>& endpoints,
                                         const SecurityPolicy& policy, MessageSecurityMode mode,
                                         const std::string& url) {
  std::vector<std::string> offered;
  for (const EndpointDescription& ep : endpoints) {
    if (ep.security_policy_uri.view() == policy.uri && ep.security_mode == mode) return ep;
    const SecurityPolicy* p = FindSecurityPolicy(ep.security_policy_uri.view());
    offered.push_back(fmt::format("{}/{}", p ? p->name : ep.security_policy_uri.view(),
                                  ModeName(ep.security_mode)));
  }
  return FailedPrecondition(
      fmt::format("OPC UA {}: the server offers no endpoint with {}/{} "
                  "(it offers {}); Gantry does not fall back to a weaker one",
                  url, policy.name, ModeName(mode), fmt::join(offered, ", ")));
}

}  // namespace

Result<std::unique_ptr<Client>> Client::ConnectSecure(ClientOptions options,
                                                      std::unique_ptr<ByteStream> stream) {
  const SecurityPolicy* policy = FindSecurityPolicy(options.security_policy);
  if (options.pki_dir.empty()) {
    return FailedPrecondition(fmt::format(
        "OPC UA {}: security policy {} needs a PKI folder (pki_dir) with the application "
        "certificate; create one with `gantry opcua cert --uri {} --out <dir>`",
        options.endpoint_url, policy->name,
        options.application_uri.empty() ? "<ApplicationUri>" : options.application_uri));
  }
  GANTRY_ASSIGN_OR_RETURN(ApplicationIdentity identity,
                          LoadApplicationIdentity(options.pki_dir, options.application_uri));
  if (options.application_uri.empty()) {  // not configured: the certificate says who we are
    const auto uris = identity.certificate.Uris();
    if (uris.empty()) {
      return FailedPrecondition(fmt::format(
          "{}/own/cert.der names no ApplicationUri (subjectAltName URI): recreate it with "
          "`gantry opcua cert --uri <ApplicationUri> --out {} --force`",
          options.pki_dir, options.pki_dir));
    }
    options.application_uri = uris[0];
  }
  if (identity.certificate.key_bits() < policy->min_key_bits ||
      identity.certificate.key_bits() > policy->max_key_bits) {
    return FailedPrecondition(fmt::format("our certificate has a {}-bit key; {} needs {}-{} bits",
                                          identity.certificate.key_bits(), policy->name,
                                          policy->min_key_bits, policy->max_key_bits));
  }
  Bytes server_der = options.server_certificate;
  ServerCheck check{options.pki_dir, "", ""};
  if (server_der.empty()) {
    // Discovery on an unsecured channel of its own (also when the caller brought the stream for
    // the secure one, as the connector does): only GetEndpoints, whose answer is then verified
    // by the trust list and by the signatures of the secure channel.
    ClientOptions discovery = options;
    discovery.security_policy = "None";
    discovery.security_mode = MessageSecurityMode::kNone;
    GANTRY_ASSIGN_OR_RETURN(EndpointAddress at, ParseEndpointUrl(options.endpoint_url));
    GANTRY_ASSIGN_OR_RETURN(auto tcp, ConnectTcp(at.host, at.port, options.request_timeout));
    std::unique_ptr<Client> probe(new Client(discovery, std::move(tcp)));
    GANTRY_RETURN_IF_ERROR(probe->Handshake());
    GANTRY_RETURN_IF_ERROR(probe->OpenChannel(/*renew=*/false));
    GANTRY_ASSIGN_OR_RETURN(auto endpoints, probe->GetEndpoints());
    (void)probe->Close();
    GANTRY_ASSIGN_OR_RETURN(
        EndpointDescription ep,
        PickEndpoint(endpoints, *policy, options.security_mode, options.endpoint_url));
    const std::string_view der = ep.server_certificate.view();
    server_der.assign(der.begin(), der.end());
    check.application_uri = std::string(ep.server.application_uri.view());
    check.host = at.host;
  }
  GANTRY_ASSIGN_OR_RETURN(Certificate server, Certificate::FromDer(server_der));
  if (options.server_certificate.empty()) {
    GANTRY_RETURN_IF_ERROR(CheckServerCertificate(server, check, SystemClock::Instance().Now())
                               .WithContext("OPC UA " + options.endpoint_url));
  } else if (SystemClock::Instance().Now() > server.not_after() ||
             SystemClock::Instance().Now() < server.not_before()) {
    return PermissionDenied(
        fmt::format("OPC UA {}: pinned server certificate '{}' is outside its "
                    "validity ({} to {})",
                    options.endpoint_url, server.Subject(), FormatIso8601(server.not_before()),
                    FormatIso8601(server.not_after())));
  }
  if (!stream) {
    GANTRY_ASSIGN_OR_RETURN(EndpointAddress at, ParseEndpointUrl(options.endpoint_url));
    GANTRY_ASSIGN_OR_RETURN(stream, ConnectTcp(at.host, at.port, options.request_timeout));
  }
  std::unique_ptr<Client> client(new Client(std::move(options), std::move(stream)));
  client->secure_ = std::make_unique<SecureChannelState>();
  client->secure_->security = {policy, client->options_.security_mode};
  client->secure_->keys = {std::move(identity.key), std::move(identity.certificate),
                           std::move(server)};
  GANTRY_RETURN_IF_ERROR(client->Handshake());
  GANTRY_RETURN_IF_ERROR(client->OpenChannel(/*renew=*/false));
  spdlog::info("OPC UA {}: secure channel {} with {}/{}", client->options_.endpoint_url,
               client->token_.channel_id, policy->name, ModeName(client->options_.security_mode));
  return client;
}

uint32_t Client::ChunkBodyRoom(MessageType type, size_t overhead) const {
  if (!secure_) return static_cast<uint32_t>(limits_.send_chunk_size - overhead);
  const size_t header = overhead - 8;  // up to the sequence header
  const size_t room =
      type == MessageType::kOpenSecureChannel
          ? MaxAsymmetricBody(secure_->security, secure_->keys, limits_.send_chunk_size, header)
          : MaxSymmetricBody(secure_->security, limits_.send_chunk_size, header);
  return static_cast<uint32_t>(room);
}

Result<std::vector<uint8_t>> Client::Seal(std::vector<uint8_t> plain) {
  if (!secure_) return plain;
  GANTRY_ASSIGN_OR_RETURN(MessageHeader header, DecodeMessageHeader(plain));
  if (header.type == MessageType::kOpenSecureChannel) {
    return SealAsymmetric(plain, secure_->security, secure_->keys);
  }
  return SealSymmetric(plain, secure_->security, secure_->send);
}

Result<std::vector<uint8_t>> Client::Unseal(std::span<const uint8_t> wire) {
  if (!secure_) return std::vector<uint8_t>(wire.begin(), wire.end());
  GANTRY_ASSIGN_OR_RETURN(MessageHeader header, DecodeMessageHeader(wire));
  if (header.type == MessageType::kOpenSecureChannel) {
    return UnsealAsymmetric(wire, secure_->security, secure_->keys);
  }
  if (wire.size() < 16) return Malformed("chunk too short for its security header");
  const uint32_t token = static_cast<uint32_t>(wire[12]) | (static_cast<uint32_t>(wire[13]) << 8) |
                         (static_cast<uint32_t>(wire[14]) << 16) |
                         (static_cast<uint32_t>(wire[15]) << 24);
  const auto keys = secure_->receive.find(token);
  if (keys == secure_->receive.end()) {
    return PermissionDenied(fmt::format("chunk under unknown security token {}", token));
  }
  return UnsealSymmetric(wire, secure_->security, keys->second);
}

Status Client::AcceptChannelNonce(const OpenSecureChannelResponse& response) {
  if (!secure_) return Status::Ok();
  SecureChannelState& s = *secure_;
  const ByteView server_nonce = View(response.server_nonce);
  GANTRY_RETURN_IF_ERROR(CheckNonce(server_nonce, s.server_nonce, s.security.policy->nonce_length,
                                    "OpenSecureChannel"));
  if (server_nonce.size() != s.security.policy->nonce_length) {
    return PermissionDenied(fmt::format("OpenSecureChannel: server nonce of {} bytes, {} needs {}",
                                        server_nonce.size(), s.security.policy->name,
                                        s.security.policy->nonce_length));
  }
  if (ConstantTimeEqual(server_nonce, s.client_nonce)) {
    return PermissionDenied("OpenSecureChannel: the server echoed our nonce");
  }
  s.server_nonce.assign(server_nonce.begin(), server_nonce.end());
  s.send = DeriveKeys(*s.security.policy, s.server_nonce, s.client_nonce);
  s.receive[response.token.token_id] =
      DeriveKeys(*s.security.policy, s.client_nonce, s.server_nonce);
  while (s.receive.size() > 2) s.receive.erase(s.receive.begin());  // keep current + previous
  return Status::Ok();
}

Result<ExtensionObject> Client::IdentityToken(const CreateSessionResponse& created) {
  const std::string_view policy_uri =
      secure_ ? secure_->security.policy->uri : NoneSecurityPolicy().uri;
  const MessageSecurityMode mode = options_.security_mode;
  const UserTokenType wanted =
      options_.user_name.empty() ? UserTokenType::kAnonymous : UserTokenType::kUserName;
  const UserTokenPolicy* chosen = nullptr;
  for (const EndpointDescription& ep : created.server_endpoints) {
    if (ep.security_policy_uri.view() != policy_uri || ep.security_mode != mode) continue;
    for (const UserTokenPolicy& p : ep.user_identity_tokens) {
      if (p.token_type == wanted && chosen == nullptr) chosen = &p;
    }
  }
  if (chosen == nullptr) {
    return FailedPrecondition(fmt::format(
        "OPC UA {}: the server allows no {} session on this endpoint", options_.endpoint_url,
        wanted == UserTokenType::kAnonymous ? "anonymous" : "user-name"));
  }
  if (wanted == UserTokenType::kAnonymous) return AnonymousIdentity(chosen->policy_id);

  const SecurityPolicy* token_policy = chosen->security_policy_uri.view().empty()
                                           ? FindSecurityPolicy(policy_uri)
                                           : FindSecurityPolicy(chosen->security_policy_uri.view());
  if (token_policy == nullptr) {
    return FailedPrecondition(
        fmt::format("user token policy '{}' is not supported", chosen->security_policy_uri.view()));
  }
  if (token_policy->is_none() && mode != MessageSecurityMode::kSignAndEncrypt) {
    return FailedPrecondition(fmt::format(
        "OPC UA {}: the server would take the password unencrypted on a channel that does not "
        "encrypt; refusing to send it",
        options_.endpoint_url));
  }
  std::optional<Certificate> server;
  if (!token_policy->is_none()) {
    GANTRY_ASSIGN_OR_RETURN(server, Certificate::FromDer(View(created.server_certificate)));
  }
  return UserNameIdentity(chosen->policy_id, options_.user_name, options_.password, *token_policy,
                          server ? &*server : nullptr, session_server_nonce_);
}

}  // namespace gantry::opcua
