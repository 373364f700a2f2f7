// Gantry's OPC UA client, first cut: one connection, one request at a time, SecurityPolicy None.
// Connect() does UA TCP Hello/Acknowledge and OpenSecureChannel (renewed before the token
// expires); then GetEndpoints, an anonymous session, Read, and orderly close. Mode None is only
// ever used because it is all this cut can do, and every connect logs a warning saying so.
//
//   GANTRY_ASSIGN_OR_RETURN(auto client, Client::Connect({.endpoint_url = "opc.tcp://plc:4840"}));
//   GANTRY_RETURN_IF_ERROR(client->OpenSession("gantry"));
//   GANTRY_ASSIGN_OR_RETURN(auto values, client->Read({NodeId::Text(2, "Line1.Counter")}));
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "field/opcua/browse_services.h"
#include "field/opcua/chunk_assembler.h"
#include "field/opcua/services.h"
#include "field/opcua/subscription_services.h"
#include "field/opcua/tcp_stream.h"
#include "field/opcua/transport.h"

namespace gantry::opcua {

struct ClientOptions {
  std::string endpoint_url;
  std::string application_uri = "urn:gantry:client";
  std::string application_name = "Gantry";
  Duration request_timeout = 10 * kSecond;
  uint32_t buffer_size = 65536;            // offered in Hello, both directions
  uint32_t max_message_size = 16u << 20;   // largest response accepted
  uint32_t max_chunk_count = 4096;         // chunks per response accepted
  uint32_t channel_lifetime_ms = 600'000;  // requested SecurityToken lifetime
  double session_timeout_ms = 60'000;
};

// Not thread-safe: one owner issues requests one after another.
class Client {
 public:
  // Connects over TCP (or over `stream` when given, for tests), says Hello and opens a secure
  // channel with SecurityPolicy None. Unavailable when the server cannot be reached or refuses.
  static Result<std::unique_ptr<Client>> Connect(ClientOptions options,
                                                 std::unique_ptr<ByteStream> stream = nullptr);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The server's endpoints (security policies, modes, user token policies).
  Result<std::vector<EndpointDescription>> GetEndpoints();
  // CreateSession, then ActivateSession with an anonymous identity token. FailedPrecondition if
  // the server offers no anonymous user token policy on this endpoint.
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
  // Asks again for a notification message not yet acknowledged.
  Result<NotificationMessage> Republish(uint32_t subscription_id, uint32_t sequence_number);

  // CloseSecureChannel and disconnect; further calls fail. Idempotent.
  Status Close();

  const ConnectionLimits& limits() const { return limits_; }
  const ChannelSecurityToken& token() const { return token_; }
  // Number of times the security token was renewed (for tests and metrics).
  int token_renewals() const { return token_renewals_; }

 private:
  Client(ClientOptions options, std::unique_ptr<ByteStream> stream);

  Status Handshake();
  Status OpenChannel(bool renew);
  Status RenewTokenIfDue();
  RequestHeader NextHeader();
  // Sends one request body and returns the response body for its request id.
  Result<std::vector<uint8_t>> Exchange(MessageType type, std::span<const uint8_t> body);
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
};

}  // namespace gantry::opcua
