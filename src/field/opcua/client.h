// Gantry's OPC UA client: one connection, one request at a time. Connect() does UA TCP
// Hello/Acknowledge and OpenSecureChannel (renewed before the token expires) with the configured
// security policy (Basic256Sha256 SignAndEncrypt unless told otherwise); then GetEndpoints, a
// session (anonymous or user name), Read, Browse, subscriptions, and orderly close. SecurityPolicy
// None is only used when configured by name, and every such connect logs a warning.
//
//   ClientOptions o{.endpoint_url = "opc.tcp://plc:4840", .pki_dir = "/var/lib/gantry/pki"};
//   GANTRY_ASSIGN_OR_RETURN(auto client, Client::Connect(o));   // checks trusted/
//   GANTRY_RETURN_IF_ERROR(client->OpenSession("gantry"));
//   GANTRY_ASSIGN_OR_RETURN(auto values, client->Read({NodeId::Text(2, "Line1.Counter")}));
#pragma once

#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "field/opcua/browse_services.h"
#include "field/opcua/chunk_assembler.h"
#include "field/opcua/node_services.h"
#include "field/opcua/services.h"
#include "field/opcua/subscription_services.h"
#include "field/opcua/tcp_stream.h"
#include "field/opcua/transport.h"

namespace gantry::opcua {

// The ApplicationUri sent under SecurityPolicy None when none is configured.
inline constexpr std::string_view kDefaultApplicationUri = "urn:gantry:client";

struct ClientOptions {
  std::string endpoint_url;
  // Sent in CreateSession and checked against our certificate. Empty: the certificate's own
  // (secure policies), kDefaultApplicationUri under None.
  std::string application_uri;
  std::string application_name = "Gantry";
  Duration request_timeout = 10 * kSecond;
  uint32_t buffer_size = 65536;            // offered in Hello, both directions
  uint32_t max_message_size = 16u << 20;   // largest response accepted
  uint32_t max_chunk_count = 4096;         // chunks per response accepted
  uint32_t channel_lifetime_ms = 600'000;  // requested SecurityToken lifetime
  double session_timeout_ms = 60'000;
  // Security (docs/opcua.md "Security"). Policy by name or URI: Basic256Sha256,
  // Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss, or None (then mode must be kNone too).
  std::string security_policy = "Basic256Sha256";
  MessageSecurityMode security_mode = MessageSecurityMode::kSignAndEncrypt;
  std::string pki_dir;  // own/, trusted/, rejected/ (certificate_store.h); needed unless None
  // Empty: the certificate of the matching endpoint from GetEndpoints, checked against trusted/.
  // Set (DER): pinned by the caller, not looked up in trusted/ (validity is still checked).
  std::vector<uint8_t> server_certificate;
  std::string user_name;  // empty: anonymous session
  std::string password;
};

struct SecureChannelState;  // client_security.cc

// Not thread-safe: one owner issues requests one after another.
class Client {
 public:
  // Connects over TCP (or over `stream` when given, for tests), says Hello and opens a secure
  // channel with the configured policy and mode. Without a pinned server certificate it first
  // asks the server for its endpoints on an unsecured channel (GetEndpoints only), picks the one
  // with exactly the configured policy and mode (no downgrade) and checks its certificate against
  // the trust list. Unavailable when the server cannot be reached or refuses; PermissionDenied
  // for a certificate or signature that fails; FailedPrecondition for missing own certificate.
  static Result<std::unique_ptr<Client>> Connect(ClientOptions options,
                                                 std::unique_ptr<ByteStream> stream = nullptr);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The server's endpoints (security policies, modes, user token policies).
  Result<std::vector<EndpointDescription>> GetEndpoints();
  // CreateSession (checking the server's signature and nonce when secured), then ActivateSession
  // with our signature and an anonymous or user-name identity token (password encrypted for the
  // server's certificate). FailedPrecondition if the endpoint offers no such user token policy.
  Status OpenSession(const std::string& session_name);
  // Reads the Value attribute of each node; one DataValue per node, in order.
  Result<std::vector<DataValue>> Read(std::span<const NodeId> nodes,
                                      TimestampsToReturn timestamps = TimestampsToReturn::kBoth);
  Status CloseSession();

  // All references of each node, following continuation points with BrowseNext; one result per
  // node, in order. `max_references_per_node` (0: the server decides) sets the page size.
  Result<std::vector<BrowseResult>> Browse(std::vector<BrowseDescription> nodes,
                                           uint32_t max_references_per_node = 0);

  // A subscription on the open session; the response carries the server's revised intervals.
  Result<CreateSubscriptionResponse> CreateSubscription(CreateSubscriptionRequest request);
  // Monitored items (Value attribute, reporting) on `subscription_id`; one result per item.
  Result<std::vector<MonitoredItemResult>> CreateMonitoredItems(
      uint32_t subscription_id, std::vector<MonitoredItemRequest> items,
      TimestampsToReturn timestamps = TimestampsToReturn::kBoth);
  // Sends one Publish acknowledging `acknowledgements` and waits for the answer: data changes or
  // a keep-alive (no notification data).
  Result<PublishResponse> Publish(std::vector<SubscriptionAcknowledgement> acknowledgements);
  // Pipelined Publish (Part 4 §5.13.5: a client keeps several Publish requests queued at the
  // server so that notifications need not wait for a round trip). SendPublish sends one Publish
  // carrying `acknowledgements` and returns at once; at most kMaxPublishInFlight may be
  // outstanding (ResourceExhausted beyond). `server_wait` is the longest the server may hold it
  // (its timeout hint). Answers that arrive while another request is waited for are kept (at most
  // one per outstanding Publish) for ReceivePublish.
  static constexpr size_t kMaxPublishInFlight = 10;
  Result<uint32_t> SendPublish(std::vector<SubscriptionAcknowledgement> acknowledgements,
                               Duration server_wait);
  // The next answer to any outstanding Publish (kept ones first), waiting at most `wait`:
  // Timeout (and the client closed) when none comes; FailedPrecondition when none is
  // outstanding. A ServiceFault (e.g. BadTooManyPublishRequests) is an error naming the code;
  // the Publish is then no longer outstanding either way.
  Result<PublishResponse> ReceivePublish(Duration wait);
  // Publish requests sent and not yet answered (kept answers not counted).
  size_t publish_in_flight() const { return publish_in_flight_.size(); }

  // Asks again for a notification message not yet acknowledged.
  Result<NotificationMessage> Republish(uint32_t subscription_id, uint32_t sequence_number);

  // --- in node_client.cc ---
  // Resolves each browse path; one result per path, in order (a path's status says whether it
  // matched).
  Result<std::vector<BrowsePathResult>> TranslateBrowsePaths(std::vector<BrowsePath> paths);
  // Writes each value; one status per value, in order (Good, or the server's reason such as
  // BadNotWritable or BadTypeMismatch).
  Result<std::vector<Quality>> Write(std::vector<WriteValue> values);
  // Moves subscriptions of a lost session to this one; one result per id, in order.
  Result<std::vector<TransferResult>> TransferSubscriptions(std::vector<uint32_t> subscription_ids,
                                                            bool send_initial_values);
  Status DeleteSubscriptions(std::vector<uint32_t> subscription_ids);
  // The server's NamespaceArray (Server/NamespaceArray, i=2255): index -> namespace URI, for
  // NodeIds configured by URI (nsu=). Unavailable when the server refuses the read; Malformed
  // when it is not an array of strings.
  Result<std::vector<std::string>> ReadNamespaceArray();
  // Reads any attributes (NodeClass, DataType, ...); one DataValue per entry, in order.
  Result<std::vector<DataValue>> ReadAttributes(std::vector<ReadValueId> nodes);
  // Publish that waits up to `wait` for the answer (the subscription's keep-alive window plus a
  // margin) instead of the request timeout: no answer in time is Timeout and closes the client.
  Result<PublishResponse> PublishWithin(std::vector<SubscriptionAcknowledgement> acknowledgements,
                                        Duration wait);
  // Drops the TCP connection without CloseSession or CloseSecureChannel, as a network loss
  // would (tests); further calls fail.
  void DropConnection();

  // CloseSecureChannel and disconnect; further calls fail. Idempotent.
  Status Close();

  const ConnectionLimits& limits() const { return limits_; }
  const ChannelSecurityToken& token() const { return token_; }
  // Number of times the security token was renewed (for tests and metrics).
  int token_renewals() const { return token_renewals_; }

 private:
  Client(ClientOptions options, std::unique_ptr<ByteStream> stream);

  static Result<std::unique_ptr<Client>> ConnectSecure(ClientOptions options,
                                                       std::unique_ptr<ByteStream> stream);
  Status Handshake();
  // Security of outgoing chunks and checks of incoming ones; identity when nothing is secured.
  Result<std::vector<uint8_t>> Seal(std::vector<uint8_t> plain);
  Result<std::vector<uint8_t>> Unseal(std::span<const uint8_t> wire);
  // Body bytes one chunk with headers of `overhead` bytes can carry.
  uint32_t ChunkBodyRoom(MessageType type, size_t overhead) const;
  Status AcceptChannelNonce(const OpenSecureChannelResponse& response);
  Result<ExtensionObject> IdentityToken(const CreateSessionResponse& created);
  Status OpenChannel(bool renew);
  Status RenewTokenIfDue();
  RequestHeader NextHeader();
  // Sends one request body and returns the response body for its request id.
  Result<std::vector<uint8_t>> Exchange(MessageType type, std::span<const uint8_t> body);
  // Reads until the answer to `request_id` (or, with request_id 0, to any outstanding Publish)
  // is complete, until `deadline`. Publish answers that arrive meanwhile are kept in
  // publish_answers_; answers to nothing we wait for are dropped. Any failure closes the client.
  Result<std::vector<uint8_t>> AwaitResponse(uint32_t request_id, Timestamp deadline);
  Status Fail(Status s);
  Status SendMessage(MessageType type, uint32_t request_id, std::span<const uint8_t> body);

  template <typename Response, typename Request>
  Result<Response> Call(Request request) {
    GANTRY_RETURN_IF_ERROR(RenewTokenIfDue());
    request.header = NextHeader();
    GANTRY_ASSIGN_OR_RETURN(auto body, EncodeRequest(request));
    GANTRY_ASSIGN_OR_RETURN(auto reply, Exchange(MessageType::kMessage, body));
    return DecodeResponse<Response>(reply, decode_limits_);
  }

  ClientOptions options_;
  std::unique_ptr<ByteStream> stream_;
  ChunkFramer framer_;
  ChunkAssembler assembler_;
  DecodeLimits decode_limits_;
  ConnectionLimits limits_;
  ChannelSecurityToken token_;
  Timestamp token_received_at_ = 0;
  int token_renewals_ = 0;
  uint32_t next_sequence_number_ = 1;
  uint32_t next_request_id_ = 1;
  uint32_t next_request_handle_ = 1;
  NodeId authentication_token_;
  std::vector<EndpointDescription> session_endpoints_;
  bool session_open_ = false;
  bool closed_ = false;
  std::unique_ptr<SecureChannelState> secure_;        // null for SecurityPolicy None
  std::vector<uint8_t> session_server_nonce_;         // the last from Create/ActivateSession
  std::deque<std::vector<uint8_t>> received_chunks_;  // framed, not yet assembled
  std::vector<uint32_t> publish_in_flight_;           // request ids of unanswered Publish
  std::deque<std::vector<uint8_t>> publish_answers_;  // Publish bodies kept for ReceivePublish
};

}  // namespace gantry::opcua
