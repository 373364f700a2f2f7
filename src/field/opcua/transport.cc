#include "field/opcua/transport.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "field/opcua/decoder.h"
#include "field/opcua/encoder.h"

namespace gantry::opcua {
namespace {

struct TypeCode {
  MessageType type;
  std::string_view code;
};
constexpr std::array<TypeCode, 7> kTypeCodes = {{
    {MessageType::kHello, "HEL"},
    {MessageType::kAcknowledge, "ACK"},
    {MessageType::kError, "ERR"},
    {MessageType::kReverseHello, "RHE"},
    {MessageType::kMessage, "MSG"},
    {MessageType::kOpenSecureChannel, "OPN"},
    {MessageType::kCloseSecureChannel, "CLO"},
}};

// Starts an encoder with a header whose size is patched by Finish().
Encoder StartMessage(MessageType type) {
  Encoder e;
  e.WriteBytes(EncodeMessageHeader({type, ChunkType::kFinal, 0}));
  return e;
}

std::vector<uint8_t> Finish(Encoder&& e) {
  e.PatchUInt32(4, static_cast<uint32_t>(e.size()));
  return std::move(e).Take();
}

// Checks the header of a whole message and returns a decoder over its body.
Result<Decoder> OpenMessage(std::span<const uint8_t> message, MessageType expected) {
  GANTRY_ASSIGN_OR_RETURN(MessageHeader header, DecodeMessageHeader(message));
  if (header.type != expected) {
    return Malformed(fmt::format("expected a {} message, got {}", MessageTypeCode(expected),
                                 MessageTypeCode(header.type)));
  }
  if (header.message_size != message.size()) {
    return Malformed(fmt::format("{} header says {} bytes but the message has {}",
                                 MessageTypeCode(expected), header.message_size, message.size()));
  }
  return Decoder(message.subspan(kMessageHeaderSize));
}

Status ExpectEnd(const Decoder& d, std::string_view what) {
  if (d.AtEnd()) return Status::Ok();
  return d.Fail(what, fmt::format("{} bytes left over", d.remaining()));
}

}  // namespace

std::string_view MessageTypeCode(MessageType type) {
  for (const auto& t : kTypeCodes) {
    if (t.type == type) return t.code;
  }
  return "???";
}

Result<MessageHeader> DecodeMessageHeader(std::span<const uint8_t> bytes) {
  if (bytes.size() < kMessageHeaderSize) {
    return Malformed(fmt::format("message header needs 8 bytes, got {}", bytes.size()));
  }
  const std::string_view code(reinterpret_cast<const char*>(bytes.data()), 3);
  const auto* found = std::find_if(kTypeCodes.begin(), kTypeCodes.end(),
                                   [&](const TypeCode& t) { return t.code == code; });
  if (found == kTypeCodes.end()) {
    return Malformed(
        fmt::format("unknown message type 0x{:02X}{:02X}{:02X}", bytes[0], bytes[1], bytes[2]));
  }
  MessageHeader h;
  h.type = found->type;
  const uint8_t chunk = bytes[3];
  if (chunk != 'F' && chunk != 'C' && chunk != 'A') {
    return Malformed(fmt::format("{} chunk type 0x{:02X} is not F, C or A", code, chunk));
  }
  h.chunk_type = static_cast<ChunkType>(chunk);
  if (h.type != MessageType::kMessage && h.chunk_type != ChunkType::kFinal) {
    return Malformed(fmt::format("{} messages cannot be split, chunk type is '{}'", code,
                                 static_cast<char>(chunk)));
  }
  h.message_size = static_cast<uint32_t>(bytes[4]) | (static_cast<uint32_t>(bytes[5]) << 8) |
                   (static_cast<uint32_t>(bytes[6]) << 16) |
                   (static_cast<uint32_t>(bytes[7]) << 24);
  if (h.message_size < kMessageHeaderSize) {
    return Malformed(
        fmt::format("{} message size {} is smaller than its header", code, h.message_size));
  }
  return h;
}

std::vector<uint8_t> EncodeMessageHeader(const MessageHeader& header) {
  const std::string_view code = MessageTypeCode(header.type);
  Encoder e;
  e.WriteBytes(code);
  e.WriteByte(static_cast<uint8_t>(header.chunk_type));
  e.WriteUInt32(header.message_size);
  return std::move(e).Take();
}

Result<std::vector<uint8_t>> EncodeHello(const Hello& hello) {
  if (hello.endpoint_url.size() > kMaxUrlOrReasonLength) {
    return InvalidArgument(
        fmt::format("endpoint URL of {} bytes is longer than the 4096 UA TCP allows",
                    hello.endpoint_url.size()));
  }
  Encoder e = StartMessage(MessageType::kHello);
  e.WriteUInt32(hello.protocol_version);
  e.WriteUInt32(hello.receive_buffer_size);
  e.WriteUInt32(hello.send_buffer_size);
  e.WriteUInt32(hello.max_message_size);
  e.WriteUInt32(hello.max_chunk_count);
  GANTRY_RETURN_IF_ERROR(e.WriteLengthPrefixed(hello.endpoint_url));
  return Finish(std::move(e));
}

std::vector<uint8_t> EncodeAcknowledge(const Acknowledge& ack) {
  Encoder e = StartMessage(MessageType::kAcknowledge);
  e.WriteUInt32(ack.protocol_version);
  e.WriteUInt32(ack.receive_buffer_size);
  e.WriteUInt32(ack.send_buffer_size);
  e.WriteUInt32(ack.max_message_size);
  e.WriteUInt32(ack.max_chunk_count);
  return Finish(std::move(e));
}

Result<std::vector<uint8_t>> EncodeError(const TransportError& error) {
  Encoder e = StartMessage(MessageType::kError);
  e.WriteUInt32(error.error);
  GANTRY_RETURN_IF_ERROR(e.WriteLengthPrefixed(error.reason.substr(0, kMaxUrlOrReasonLength)));
  return Finish(std::move(e));
}

Result<Hello> DecodeHello(std::span<const uint8_t> message) {
  GANTRY_ASSIGN_OR_RETURN(Decoder d, OpenMessage(message, MessageType::kHello));
  Hello h;
  GANTRY_ASSIGN_OR_RETURN(h.protocol_version, d.ReadUInt32("Hello ProtocolVersion"));
  GANTRY_ASSIGN_OR_RETURN(h.receive_buffer_size, d.ReadUInt32("Hello ReceiveBufferSize"));
  GANTRY_ASSIGN_OR_RETURN(h.send_buffer_size, d.ReadUInt32("Hello SendBufferSize"));
  GANTRY_ASSIGN_OR_RETURN(h.max_message_size, d.ReadUInt32("Hello MaxMessageSize"));
  GANTRY_ASSIGN_OR_RETURN(h.max_chunk_count, d.ReadUInt32("Hello MaxChunkCount"));
  GANTRY_ASSIGN_OR_RETURN(auto url, d.ReadLengthPrefixed("Hello EndpointUrl"));
  if (url && url->size() > kMaxUrlOrReasonLength) {
    return Malformed(fmt::format("Hello EndpointUrl of {} bytes exceeds 4096", url->size()));
  }
  h.endpoint_url = url.value_or("");
  GANTRY_RETURN_IF_ERROR(ExpectEnd(d, "Hello"));
  return h;
}

Result<Acknowledge> DecodeAcknowledge(std::span<const uint8_t> message) {
  GANTRY_ASSIGN_OR_RETURN(Decoder d, OpenMessage(message, MessageType::kAcknowledge));
  Acknowledge a;
  GANTRY_ASSIGN_OR_RETURN(a.protocol_version, d.ReadUInt32("Acknowledge ProtocolVersion"));
  GANTRY_ASSIGN_OR_RETURN(a.receive_buffer_size, d.ReadUInt32("Acknowledge ReceiveBufferSize"));
  GANTRY_ASSIGN_OR_RETURN(a.send_buffer_size, d.ReadUInt32("Acknowledge SendBufferSize"));
  GANTRY_ASSIGN_OR_RETURN(a.max_message_size, d.ReadUInt32("Acknowledge MaxMessageSize"));
  GANTRY_ASSIGN_OR_RETURN(a.max_chunk_count, d.ReadUInt32("Acknowledge MaxChunkCount"));
  GANTRY_RETURN_IF_ERROR(ExpectEnd(d, "Acknowledge"));
  return a;
}

Result<TransportError> DecodeError(std::span<const uint8_t> message) {
  GANTRY_ASSIGN_OR_RETURN(Decoder d, OpenMessage(message, MessageType::kError));
  TransportError err;
  GANTRY_ASSIGN_OR_RETURN(err.error, d.ReadUInt32("Error code"));
  GANTRY_ASSIGN_OR_RETURN(auto reason, d.ReadLengthPrefixed("Error reason"));
  // Part 6: a client ignores a reason longer than 4096 bytes.
  if (reason && reason->size() <= kMaxUrlOrReasonLength) err.reason = std::move(*reason);
  GANTRY_RETURN_IF_ERROR(ExpectEnd(d, "Error"));
  return err;
}

Result<ConnectionLimits> NegotiateWithServer(const Hello& sent, const Acknowledge& received) {
  if (received.protocol_version > sent.protocol_version) {
    return Malformed(fmt::format("server answered protocol version {} to our {}",
                                 received.protocol_version, sent.protocol_version));
  }
  if (received.receive_buffer_size > sent.send_buffer_size) {
    return Malformed(fmt::format("server's ReceiveBufferSize {} exceeds our SendBufferSize {}",
                                 received.receive_buffer_size, sent.send_buffer_size));
  }
  if (received.send_buffer_size > sent.receive_buffer_size) {
    return Malformed(fmt::format("server's SendBufferSize {} exceeds our ReceiveBufferSize {}",
                                 received.send_buffer_size, sent.receive_buffer_size));
  }
  if (received.receive_buffer_size < kMinBufferSize || received.send_buffer_size < kMinBufferSize) {
    return Malformed(fmt::format("server's buffer sizes {}/{} are under the minimum of {} bytes",
                                 received.receive_buffer_size, received.send_buffer_size,
                                 kMinBufferSize));
  }
  ConnectionLimits limits;
  limits.send_chunk_size = received.receive_buffer_size;
  limits.receive_chunk_size = received.send_buffer_size;
  limits.max_request_size = received.max_message_size;
  limits.max_request_chunks = received.max_chunk_count;
  return limits;
}

Result<std::vector<std::vector<uint8_t>>> ChunkFramer::Push(std::span<const uint8_t> data) {
  std::vector<std::vector<uint8_t>> complete;
  while (!data.empty()) {
    // First the header, to learn (and check) the chunk's size before taking its body.
    if (expected_size_ == 0) {
      const size_t take = std::min(data.size(), kMessageHeaderSize - pending_.size());
      pending_.insert(pending_.end(), data.begin(),
                      data.begin() + static_cast<std::ptrdiff_t>(take));
      data = data.subspan(take);
      if (pending_.size() < kMessageHeaderSize) break;
      GANTRY_ASSIGN_OR_RETURN(MessageHeader header, DecodeMessageHeader(pending_));
      if (header.message_size > max_chunk_size_) {
        return Malformed(
            fmt::format("{} chunk of {} bytes exceeds the negotiated buffer of {} bytes",
                        MessageTypeCode(header.type), header.message_size, max_chunk_size_));
      }
      expected_size_ = header.message_size;
    }
    const size_t take = std::min(data.size(), expected_size_ - pending_.size());
    pending_.insert(pending_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    data = data.subspan(take);
    if (pending_.size() == expected_size_) {
      complete.push_back(std::move(pending_));
      pending_ = {};
      expected_size_ = 0;
    }
  }
  return complete;
}

}  // namespace gantry::opcua
