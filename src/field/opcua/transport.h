// UA TCP, the OPC UA Connection Protocol (IEC 62541-6 §7.1): the 8-byte message header, the
// Hello / Acknowledge / Error messages, buffer-size negotiation, and a framer that cuts the byte
// stream from a socket into whole chunks without ever buffering more than one chunk.
//
//   std::vector<uint8_t> hello = EncodeHello({.endpoint_url = "opc.tcp://plc:4840"});
//   ChunkFramer framer(kMinBufferSize);
//   GANTRY_ASSIGN_OR_RETURN(auto chunks, framer.Push(received));   // complete chunks only
//   GANTRY_ASSIGN_OR_RETURN(Acknowledge ack, DecodeAcknowledge(chunks[0]));
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gantry::opcua {

enum class MessageType : uint8_t {
  kHello,               // HEL
  kAcknowledge,         // ACK
  kError,               // ERR
  kReverseHello,        // RHE
  kMessage,             // MSG (secure conversation, symmetric security)
  kOpenSecureChannel,   // OPN (asymmetric security)
  kCloseSecureChannel,  // CLO
};
// "HEL", "ACK", ...
std::string_view MessageTypeCode(MessageType type);

// The header's fourth byte: whether this chunk ends its message.
enum class ChunkType : uint8_t { kFinal = 'F', kIntermediate = 'C', kAbort = 'A' };

struct MessageHeader {
  MessageType type = MessageType::kHello;
  ChunkType chunk_type = ChunkType::kFinal;
  uint32_t message_size = 0;  // whole chunk including these 8 bytes
};

inline constexpr size_t kMessageHeaderSize = 8;
// The smallest buffer a peer may offer when RSA security may be used (Part 6 §7.1.2.3).
inline constexpr uint32_t kMinBufferSize = 8192;
// Longest EndpointUrl in a Hello and longest Reason in an Error (Part 6 §7.1.2).
inline constexpr size_t kMaxUrlOrReasonLength = 4096;

// Reads the first 8 bytes of `bytes`. Malformed for an unknown type, a chunk type other than
// F/C/A (or other than F for non-MSG types) or a size under 8.
Result<MessageHeader> DecodeMessageHeader(std::span<const uint8_t> bytes);
// The 8 header bytes.
std::vector<uint8_t> EncodeMessageHeader(const MessageHeader& header);

// Sent by the client first; asks for buffer sizes and limits for responses.
struct Hello {
  uint32_t protocol_version = 0;
  uint32_t receive_buffer_size = 65536;
  uint32_t send_buffer_size = 65536;
  uint32_t max_message_size = 16u << 20;  // 0 = no limit
  uint32_t max_chunk_count = 0;           // 0 = no limit
  std::string endpoint_url;
};

// The server's answer: what it will use.
struct Acknowledge {
  uint32_t protocol_version = 0;
  uint32_t receive_buffer_size = 65536;
  uint32_t send_buffer_size = 65536;
  uint32_t max_message_size = 0;
  uint32_t max_chunk_count = 0;
};

// A transport-level failure sent before the connection closes (also the body of an abort chunk).
struct TransportError {
  uint32_t error = 0;  // an OPC UA status code
  std::string reason;
};

// Whole messages, header included.
Result<std::vector<uint8_t>> EncodeHello(const Hello& hello);
std::vector<uint8_t> EncodeAcknowledge(const Acknowledge& ack);
Result<std::vector<uint8_t>> EncodeError(const TransportError& error);
// Decode a whole message of the named type; the header's size must equal bytes.size().
Result<Hello> DecodeHello(std::span<const uint8_t> message);
Result<Acknowledge> DecodeAcknowledge(std::span<const uint8_t> message);
Result<TransportError> DecodeError(std::span<const uint8_t> message);

// What a client uses after the handshake.
struct ConnectionLimits {
  uint32_t send_chunk_size = 0;     // largest chunk we may send (server's receive buffer)
  uint32_t receive_chunk_size = 0;  // largest chunk the server will send us
  uint32_t max_request_size = 0;    // server's limit for our messages; 0 = none
  uint32_t max_request_chunks = 0;  // server's chunk count limit for our messages; 0 = none
};

// Checks the server's Acknowledge against our Hello (Part 6 §7.1.2.4): its buffers may not
// exceed what we offered nor fall under the minimum, and its version may not exceed ours.
Result<ConnectionLimits> NegotiateWithServer(const Hello& sent, const Acknowledge& received);

// Cuts a TCP byte stream into chunks. Buffers at most one incomplete chunk, and rejects a header
// announcing more than `max_chunk_size` bytes before reading its body. Not thread-safe.
class ChunkFramer {
 public:
  explicit ChunkFramer(uint32_t max_chunk_size) : max_chunk_size_(max_chunk_size) {}

  // After negotiation: the receive buffer size agreed with the peer.
  void set_max_chunk_size(uint32_t size) { max_chunk_size_ = size; }
  // Appends bytes read from the socket and returns the chunks they complete, whole (header
  // included). An error means the stream is unusable and the connection must be closed.
  Result<std::vector<std::vector<uint8_t>>> Push(std::span<const uint8_t> data);
  // Bytes of an incomplete chunk held now; never more than max_chunk_size.
  size_t buffered() const { return pending_.size(); }

 private:
  uint32_t max_chunk_size_;
  std::vector<uint8_t> pending_;
  uint32_t expected_size_ = 0;  // of the chunk in `pending_`, once its header is known
};

}  // namespace gantry::opcua
