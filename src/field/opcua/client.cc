#include "field/opcua/client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "field/opcua/certificate_store.h"
#include "field/opcua/chunk_security.h"
#include "field/opcua/secure_channel_state.h"
#include "field/opcua/session_security.h"

namespace gantry::opcua {
namespace {

Timestamp Now() {
  return SystemClock::Instance().Now();
}

AssemblyLimits AssemblyLimitsFor(const ClientOptions& o) {
  AssemblyLimits a;
  a.max_message_size = o.max_message_size;
  a.max_chunk_count = o.max_chunk_count;
  a.max_unfinished_messages = 2;
  a.max_buffered_bytes = o.max_message_size;
  return a;
}

}  // namespace

Client::Client(ClientOptions options, std::unique_ptr<ByteStream> stream)
    : options_(std::move(options)),
      stream_(std::move(stream)),
      framer_(options_.buffer_size),
      assembler_(AssemblyLimitsFor(options_)) {
  decode_limits_.max_message_size = options_.max_message_size;
}

Client::~Client() {
  if (session_open_) (void)CloseSession();
  (void)Close();
}

Result<std::unique_ptr<Client>> Client::Connect(ClientOptions options,
                                                std::unique_ptr<ByteStream> stream) {
  const SecurityPolicy* policy = FindSecurityPolicy(options.security_policy);
  if (policy == nullptr) {
    return InvalidArgument(
        fmt::format("unknown OPC UA security policy '{}' (Basic256Sha256, Aes128_Sha256_RsaOaep, "
                    "Aes256_Sha256_RsaPss or None)",
                    options.security_policy));
  }
  if (policy->is_none() != (options.security_mode == MessageSecurityMode::kNone)) {
    return InvalidArgument(
        "OPC UA security policy None goes with mode None, and only with it (Sign and "
        "SignAndEncrypt need a policy)");
  }
  if (options.security_mode != MessageSecurityMode::kNone &&
      options.security_mode != MessageSecurityMode::kSign &&
      options.security_mode != MessageSecurityMode::kSignAndEncrypt) {
    return InvalidArgument("OPC UA security mode must be None, Sign or SignAndEncrypt");
  }
  if (!policy->is_none()) return ConnectSecure(std::move(options), std::move(stream));
  if (options.application_uri.empty()) options.application_uri = kDefaultApplicationUri;
  if (!stream) {
    GANTRY_ASSIGN_OR_RETURN(EndpointAddress at, ParseEndpointUrl(options.endpoint_url));
    GANTRY_ASSIGN_OR_RETURN(stream, ConnectTcp(at.host, at.port, options.request_timeout));
  }
  std::unique_ptr<Client> client(new Client(std::move(options), std::move(stream)));
  GANTRY_RETURN_IF_ERROR(client->Handshake());
  spdlog::warn(
      "OPC UA {}: secure channel uses SecurityPolicy None, as configured; messages are neither "
      "signed nor encrypted",
      client->options_.endpoint_url);
  GANTRY_RETURN_IF_ERROR(client->OpenChannel(/*renew=*/false));
  return client;
}

Status Client::Handshake() {
  Hello hello;
  hello.receive_buffer_size = options_.buffer_size;
  hello.send_buffer_size = options_.buffer_size;
  hello.max_message_size = options_.max_message_size;
  hello.max_chunk_count = options_.max_chunk_count;
  hello.endpoint_url = options_.endpoint_url;
  GANTRY_ASSIGN_OR_RETURN(auto bytes, EncodeHello(hello));
  GANTRY_RETURN_IF_ERROR(stream_->WriteAll(bytes, options_.request_timeout));
  const Timestamp deadline = Now() + options_.request_timeout;
  std::vector<uint8_t> buffer(4096);
  for (;;) {
    GANTRY_ASSIGN_OR_RETURN(size_t n, stream_->ReadSome(buffer, deadline - Now()));
    GANTRY_ASSIGN_OR_RETURN(auto chunks, framer_.Push(std::span<const uint8_t>(buffer.data(), n)));
    if (chunks.empty()) continue;
    GANTRY_ASSIGN_OR_RETURN(MessageHeader header, DecodeMessageHeader(chunks[0]));
    if (header.type == MessageType::kError) {
      GANTRY_ASSIGN_OR_RETURN(TransportError err, DecodeError(chunks[0]));
      return Unavailable(fmt::format("OPC UA {}: server refused Hello: {} {}",
                                     options_.endpoint_url, Quality(err.error).Name(), err.reason));
    }
    GANTRY_ASSIGN_OR_RETURN(Acknowledge ack, DecodeAcknowledge(chunks[0]));
    GANTRY_ASSIGN_OR_RETURN(limits_, NegotiateWithServer(hello, ack));
    framer_.set_max_chunk_size(limits_.receive_chunk_size);
    return Status::Ok();
  }
}

RequestHeader Client::NextHeader() {
  RequestHeader h;
  h.authentication_token = authentication_token_;
  h.timestamp = FromTimestamp(Now());
  h.request_handle = next_request_handle_++;
  h.timeout_hint_ms = static_cast<uint32_t>(options_.request_timeout / kMillisecond);
  return h;
}

Status Client::OpenChannel(bool renew) {
  OpenSecureChannelRequest request;
  request.header = NextHeader();
  request.renew = renew;
  request.security_mode = secure_ ? options_.security_mode : MessageSecurityMode::kNone;
  request.requested_lifetime_ms = options_.channel_lifetime_ms;
  if (secure_) {
    GANTRY_ASSIGN_OR_RETURN(secure_->client_nonce,
                            RandomBytes(secure_->security.policy->nonce_length));
    request.client_nonce = ByteString::Of(std::string_view(
        reinterpret_cast<const char*>(secure_->client_nonce.data()), secure_->client_nonce.size()));
  }
  GANTRY_ASSIGN_OR_RETURN(auto body, EncodeRequest(request));
  GANTRY_ASSIGN_OR_RETURN(auto reply, Exchange(MessageType::kOpenSecureChannel, body));
  GANTRY_ASSIGN_OR_RETURN(auto response,
                          DecodeResponse<OpenSecureChannelResponse>(reply, decode_limits_));
  if (token_.channel_id != 0 && response.token.channel_id != token_.channel_id) {
    return Malformed(fmt::format("token renewal moved the channel from {} to {}", token_.channel_id,
                                 response.token.channel_id));
  }
  if (response.token.revised_lifetime_ms == 0)
    return Malformed("server granted a zero token lifetime");
  if (Status s = AcceptChannelNonce(response); !s.ok()) {
    closed_ = true;  // a channel whose keys cannot be trusted is not used again
    return s.WithContext(fmt::format("OPC UA {}", options_.endpoint_url));
  }
  token_ = response.token;
  token_received_at_ = Now();
  if (renew) ++token_renewals_;
  return Status::Ok();
}

Status Client::RenewTokenIfDue() {
  // Renew at 75 % of the lifetime, as Part 4 §5.5.2 recommends, so the old token never lapses.
  const Duration lifetime = static_cast<Duration>(token_.revised_lifetime_ms) * kMillisecond;
  if (Now() - token_received_at_ < lifetime / 4 * 3) return Status::Ok();
  return OpenChannel(/*renew=*/true);
}

Status Client::SendMessage(MessageType type, uint32_t request_id, std::span<const uint8_t> body) {
  if (limits_.max_request_size != 0 && body.size() > limits_.max_request_size) {
    return ResourceExhausted(fmt::format("request of {} bytes exceeds the server's limit of {}",
                                         body.size(), limits_.max_request_size));
  }
  SecureChunk first;
  first.type = type;
  first.secure_channel_id = token_.channel_id;
  if (type == MessageType::kOpenSecureChannel) {
    if (secure_) {
      first.asymmetric.security_policy_uri = String::Of(secure_->security.policy->uri);
      const Bytes& own = secure_->keys.own_certificate.der();
      first.asymmetric.sender_certificate =
          ByteString::Of(std::string_view(reinterpret_cast<const char*>(own.data()), own.size()));
      const Bytes thumb = secure_->keys.peer_certificate.Thumbprint();
      first.asymmetric.receiver_certificate_thumbprint = ByteString::Of(
          std::string_view(reinterpret_cast<const char*>(thumb.data()), thumb.size()));
    } else {
      first.asymmetric.security_policy_uri = String::Of(kSecurityPolicyNone);
    }
  } else {
    first.token_id = token_.token_id;
  }
  first.sequence_number = next_sequence_number_;
  first.request_id = request_id;
  const size_t overhead = SecureChunkOverhead(first);
  const uint32_t room = ChunkBodyRoom(type, overhead);
  if (room == 0) return ResourceExhausted("the server's buffer leaves no room for a secured chunk");
  GANTRY_ASSIGN_OR_RETURN(auto chunks,
                          SplitMessage(first, body, static_cast<uint32_t>(overhead + room),
                                       limits_.max_request_chunks));
  next_sequence_number_ += static_cast<uint32_t>(chunks.size());
  for (const SecureChunk& c : chunks) {
    GANTRY_ASSIGN_OR_RETURN(auto plain, EncodeSecureChunk(c));
    GANTRY_ASSIGN_OR_RETURN(auto bytes, Seal(std::move(plain)));
    GANTRY_RETURN_IF_ERROR(stream_->WriteAll(bytes, options_.request_timeout));
  }
  return Status::Ok();
}

Status Client::Fail(Status s) {
  closed_ = true;  // the stream's state is unknown after a transport failure
  publish_in_flight_.clear();
  return s.WithContext(fmt::format("OPC UA {}", options_.endpoint_url));
}

Result<std::vector<uint8_t>> Client::Exchange(MessageType type, std::span<const uint8_t> body) {
  if (closed_ || !stream_) return FailedPrecondition("OPC UA connection is closed");
  const uint32_t request_id = next_request_id_++;
  if (Status s = SendMessage(type, request_id, body); !s.ok()) return Fail(s);
  return AwaitResponse(request_id, Now() + options_.request_timeout);
}

Result<std::vector<uint8_t>> Client::AwaitResponse(uint32_t request_id, Timestamp deadline) {
  std::vector<uint8_t> buffer(limits_.receive_chunk_size);
  for (;;) {
    while (!received_chunks_.empty()) {
      std::vector<uint8_t> raw = std::move(received_chunks_.front());
      received_chunks_.pop_front();
      auto header = DecodeMessageHeader(raw);
      if (!header.ok()) return Fail(header.status());
      if (header->type == MessageType::kError) {
        auto err = DecodeError(raw);
        if (!err.ok()) return Fail(err.status());
        return Fail(Unavailable(
            fmt::format("server sent Error {}: {}", Quality(err->error).Name(), err->reason)));
      }
      auto plain = Unseal(raw);
      if (!plain.ok()) return Fail(plain.status());
      auto chunk = DecodeSecureChunk(*plain);
      if (!chunk.ok()) return Fail(chunk.status());
      if (token_.channel_id != 0 && chunk->secure_channel_id != token_.channel_id) {
        return Fail(Malformed(fmt::format("chunk for secure channel {} on channel {}",
                                          chunk->secure_channel_id, token_.channel_id)));
      }
      auto message = assembler_.Add(std::move(*chunk));
      if (!message.ok()) return Fail(message.status());
      if (!*message) continue;  // unfinished
      AssembledMessage& m = **message;
      const auto publish =
          std::find(publish_in_flight_.begin(), publish_in_flight_.end(), m.request_id);
      const bool is_publish = publish != publish_in_flight_.end();
      if (is_publish) publish_in_flight_.erase(publish);
      if (m.aborted && (m.request_id == request_id || (request_id == 0 && is_publish))) {
        return Unavailable(fmt::format("server aborted the response: {} {}",
                                       Quality(m.aborted->error).Name(), m.aborted->reason));
      }
      if (m.aborted) continue;
      if (m.request_id == request_id || (request_id == 0 && is_publish)) return std::move(m.body);
      // A Publish answered while something else is waited for: kept, one per Publish sent.
      if (is_publish) publish_answers_.push_back(std::move(m.body));
      // Anything else answers a request nobody waits for any more (stale): dropped.
    }
    const Duration left = deadline - Now();
    if (left <= 0) {
      return Fail(Timeout(request_id == 0
                              ? std::string("no answer to any outstanding Publish in time")
                              : fmt::format("no response to request {} in time", request_id)));
    }
    auto n = stream_->ReadSome(buffer, left);
    if (!n.ok()) return Fail(n.status());
    auto chunks = framer_.Push(std::span<const uint8_t>(buffer.data(), *n));
    if (!chunks.ok()) return Fail(chunks.status());
    for (auto& c : *chunks) received_chunks_.push_back(std::move(c));
  }
}

Result<uint32_t> Client::SendPublish(std::vector<SubscriptionAcknowledgement> acknowledgements,
                                     Duration server_wait) {
  if (closed_ || !stream_) return FailedPrecondition("OPC UA connection is closed");
  if (publish_in_flight_.size() + publish_answers_.size() >= kMaxPublishInFlight) {
    return ResourceExhausted(
        fmt::format("already {} Publish requests outstanding", kMaxPublishInFlight));
  }
  GANTRY_RETURN_IF_ERROR(RenewTokenIfDue());
  PublishRequest request;
  request.header = NextHeader();
  request.header.timeout_hint_ms =
      static_cast<uint32_t>(std::clamp<Duration>(server_wait / kMillisecond, 0, UINT32_MAX));
  request.acknowledgements = std::move(acknowledgements);
  GANTRY_ASSIGN_OR_RETURN(auto body, EncodeRequest(request));
  const uint32_t request_id = next_request_id_++;
  if (Status s = SendMessage(MessageType::kMessage, request_id, body); !s.ok()) return Fail(s);
  publish_in_flight_.push_back(request_id);
  return request_id;
}

Result<PublishResponse> Client::ReceivePublish(Duration wait) {
  if (publish_answers_.empty()) {
    if (closed_ || !stream_) return FailedPrecondition("OPC UA connection is closed");
    if (publish_in_flight_.empty()) return FailedPrecondition("no Publish request outstanding");
    GANTRY_ASSIGN_OR_RETURN(auto body, AwaitResponse(0, Now() + wait));
    return DecodeResponse<PublishResponse>(body, decode_limits_);
  }
  std::vector<uint8_t> body = std::move(publish_answers_.front());
  publish_answers_.pop_front();
  return DecodeResponse<PublishResponse>(body, decode_limits_);
}

Result<std::vector<EndpointDescription>> Client::GetEndpoints() {
  GetEndpointsRequest request;
  request.endpoint_url = String::Of(options_.endpoint_url);
  GANTRY_ASSIGN_OR_RETURN(auto response, Call<GetEndpointsResponse>(std::move(request)));
  return std::move(response.endpoints);
}

Status Client::OpenSession(const std::string& session_name) {
  CreateSessionRequest create;
  create.client_description.application_uri = String::Of(options_.application_uri);
  create.client_description.product_uri = String::Of("urn:gantry");
  create.client_description.application_name =
      LocalizedText{String{}, String::Of(options_.application_name)};
  create.client_description.application_type = 1;  // Client
  create.endpoint_url = String::Of(options_.endpoint_url);
  create.session_name = String::Of(session_name);
  create.requested_session_timeout_ms = options_.session_timeout_ms;
  create.max_response_message_size = options_.max_message_size;
  Bytes client_nonce;
  if (secure_) {
    GANTRY_ASSIGN_OR_RETURN(client_nonce, RandomBytes(32));
    create.client_nonce = ByteString::Of(
        std::string_view(reinterpret_cast<const char*>(client_nonce.data()), client_nonce.size()));
    const Bytes& own = secure_->keys.own_certificate.der();
    create.client_certificate =
        ByteString::Of(std::string_view(reinterpret_cast<const char*>(own.data()), own.size()));
  }
  GANTRY_ASSIGN_OR_RETURN(auto created, Call<CreateSessionResponse>(create));
  const auto bytes = [](const ByteString& b) {
    return ByteView(reinterpret_cast<const uint8_t*>(b.view().data()), b.view().size());
  };
  const std::string where = fmt::format("OPC UA {}: CreateSession", options_.endpoint_url);
  if (secure_) {
    // The session must be bound to the same server as the channel, and the server must prove it
    // holds the key by signing our certificate and fresh nonce.
    const Bytes& peer = secure_->keys.peer_certificate.der();
    const ByteView sent = bytes(created.server_certificate);
    if (sent.size() < peer.size() || !std::equal(peer.begin(), peer.end(), sent.begin())) {
      return PermissionDenied(where + ": the session's server certificate is not the channel's");
    }
    GANTRY_RETURN_IF_ERROR(CheckNonce(bytes(created.server_nonce), {}, 32, where));
    GANTRY_RETURN_IF_ERROR(
        VerifyCertificateAndNonce(
            *secure_->security.policy, secure_->keys.peer_certificate, created.server_signature,
            create.client_certificate.view().empty() ? ByteView()
                                                     : bytes(create.client_certificate),
            client_nonce)
            .WithContext(where));
  }
  authentication_token_ = created.authentication_token;
  const ByteView server_nonce = bytes(created.server_nonce);
  session_server_nonce_.assign(server_nonce.begin(), server_nonce.end());

  ActivateSessionRequest activate;
  if (secure_) {
    GANTRY_ASSIGN_OR_RETURN(
        activate.client_signature,
        SignCertificateAndNonce(*secure_->security.policy, secure_->keys.own_key,
                                bytes(created.server_certificate), session_server_nonce_));
  }
  GANTRY_ASSIGN_OR_RETURN(activate.user_identity_token, IdentityToken(created));
  auto activated = Call<ActivateSessionResponse>(std::move(activate));
  if (!activated.ok()) {
    return activated.status().WithContext(
        options_.user_name.empty()
            ? "ActivateSession"
            : fmt::format("ActivateSession as user '{}'", options_.user_name));
  }
  for (Quality q : activated->results) {
    if (q.IsBad()) return Unavailable("ActivateSession: " + q.Name());
  }
  if (secure_) {
    GANTRY_RETURN_IF_ERROR(CheckNonce(bytes(activated->server_nonce), session_server_nonce_, 32,
                                      "OPC UA ActivateSession"));
  }
  const ByteView next_nonce = bytes(activated->server_nonce);
  session_server_nonce_.assign(next_nonce.begin(), next_nonce.end());
  session_open_ = true;
  return Status::Ok();
}

Result<std::vector<DataValue>> Client::Read(std::span<const NodeId> nodes,
                                            TimestampsToReturn timestamps) {
  ReadRequest request;
  request.timestamps = timestamps;
  for (const NodeId& id : nodes)
    request.nodes_to_read.push_back(ReadValueId{id, kAttributeValue, {}, {}});
  GANTRY_ASSIGN_OR_RETURN(auto response, Call<ReadResponse>(std::move(request)));
  if (response.results.size() != nodes.size()) {
    return Malformed(
        fmt::format("Read of {} nodes returned {} values", nodes.size(), response.results.size()));
  }
  return std::move(response.results);
}

Result<CreateSubscriptionResponse> Client::CreateSubscription(CreateSubscriptionRequest request) {
  return Call<CreateSubscriptionResponse>(std::move(request));
}

Result<std::vector<MonitoredItemResult>> Client::CreateMonitoredItems(
    uint32_t subscription_id, std::vector<MonitoredItemRequest> items,
    TimestampsToReturn timestamps) {
  CreateMonitoredItemsRequest request;
  request.subscription_id = subscription_id;
  request.timestamps = timestamps;
  const size_t count = items.size();
  request.items = std::move(items);
  GANTRY_ASSIGN_OR_RETURN(auto response, Call<CreateMonitoredItemsResponse>(std::move(request)));
  if (response.results.size() != count) {
    return Malformed(fmt::format("CreateMonitoredItems for {} items returned {} results", count,
                                 response.results.size()));
  }
  return std::move(response.results);
}

Result<PublishResponse> Client::Publish(std::vector<SubscriptionAcknowledgement> acknowledgements) {
  PublishRequest request;
  request.acknowledgements = std::move(acknowledgements);
  return Call<PublishResponse>(std::move(request));
}

Result<NotificationMessage> Client::Republish(uint32_t subscription_id, uint32_t sequence_number) {
  RepublishRequest request;
  request.subscription_id = subscription_id;
  request.retransmit_sequence_number = sequence_number;
  GANTRY_ASSIGN_OR_RETURN(auto response, Call<RepublishResponse>(std::move(request)));
  return std::move(response.notification);
}

Result<std::vector<BrowseResult>> Client::Browse(std::vector<BrowseDescription> nodes,
                                                 uint32_t max_references_per_node) {
  const size_t count = nodes.size();
  BrowseRequest request;
  request.max_references_per_node = max_references_per_node;
  request.nodes_to_browse = std::move(nodes);
  GANTRY_ASSIGN_OR_RETURN(auto response, Call<BrowseResponse>(std::move(request)));
  if (response.results.size() != count) {
    return Malformed(
        fmt::format("Browse of {} nodes returned {} results", count, response.results.size()));
  }
  // Bounded: a server that keeps handing out continuation points cannot keep us here forever.
  for (BrowseResult& result : response.results) {
    for (int round = 0; !result.continuation_point.view().empty(); ++round) {
      if (round == 1000)
        return ResourceExhausted("Browse: more than 1000 BrowseNext rounds for one node");
      BrowseNextRequest next;
      next.continuation_points.push_back(result.continuation_point);
      GANTRY_ASSIGN_OR_RETURN(auto more, Call<BrowseNextResponse>(std::move(next)));
      if (more.results.size() != 1) return Malformed("BrowseNext returned no result");
      BrowseResult& page = more.results[0];
      if (page.status.IsBad()) {
        result.status = page.status;
        break;
      }
      for (auto& ref : page.references) result.references.push_back(std::move(ref));
      result.continuation_point = page.continuation_point;
    }
  }
  return std::move(response.results);
}

Status Client::CloseSession() {
  if (!session_open_) return Status::Ok();
  session_open_ = false;
  auto closed = Call<CloseSessionResponse>(CloseSessionRequest{});
  authentication_token_ = NodeId{};
  return closed.status();
}

Status Client::Close() {
  if (closed_ || !stream_) {
    stream_.reset();
    closed_ = true;
    return Status::Ok();
  }
  CloseSecureChannelRequest request;
  request.header = NextHeader();
  Status s;
  auto body = EncodeRequest(request);
  if (body.ok()) s = SendMessage(MessageType::kCloseSecureChannel, next_request_id_++, *body);
  closed_ = true;
  stream_.reset();
  return s;
}

}  // namespace gantry::opcua
