// One OPC UA Secure Conversation chunk (IEC 62541-6 §6.7.2): the message header, the secure
// channel id, the asymmetric (OPN) or symmetric (MSG, CLO) security header, the sequence header
// and the body, as plain bytes. Signatures, padding and encryption are added to an encoded chunk
// and removed from a received one by chunk_security.h, so this codec is the same for every policy.
//
//   GANTRY_ASSIGN_OR_RETURN(SecureChunk chunk, DecodeSecureChunk(framed_chunk));
//   GANTRY_ASSIGN_OR_RETURN(auto chunks, SplitMessage(request, body, 8192));
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/status.h"
#include "field/opcua/transport.h"
#include "field/opcua/types.h"

namespace gantry::opcua {

// OPN chunks name the security policy and certificates (Part 6 §6.7.2.3).
struct AsymmetricSecurityHeader {
  String security_policy_uri;
  ByteString sender_certificate;
  ByteString receiver_certificate_thumbprint;
  friend bool operator==(const AsymmetricSecurityHeader&,
                         const AsymmetricSecurityHeader&) = default;
};

inline constexpr std::string_view kSecurityPolicyNone =
    "http://opcfoundation.org/UA/SecurityPolicy#None";

struct SecureChunk {
  MessageType type = MessageType::kMessage;  // kMessage, kOpenSecureChannel or kCloseSecureChannel
  ChunkType chunk_type = ChunkType::kFinal;
  uint32_t secure_channel_id = 0;
  AsymmetricSecurityHeader asymmetric;  // OPN only
  uint32_t token_id = 0;                // MSG and CLO only
  uint32_t sequence_number = 0;
  uint32_t request_id = 0;
  std::vector<uint8_t> body;
  friend bool operator==(const SecureChunk&, const SecureChunk&) = default;
};

// Decodes one whole chunk as cut by ChunkFramer. Malformed for HEL/ACK/ERR/RHE, a size that
// differs from the header's, or headers that run past the end.
Result<SecureChunk> DecodeSecureChunk(std::span<const uint8_t> chunk);
// The chunk's bytes, header size filled in.
Result<std::vector<uint8_t>> EncodeSecureChunk(const SecureChunk& chunk);

// Splits a message body into chunks of at most `max_chunk_size` bytes each, numbered from
// `first.sequence_number` on; `first` supplies type, channel, security header and request id.
// Fails when `max_chunk_count` (0 = no limit) would be exceeded or the headers leave no room.
Result<std::vector<SecureChunk>> SplitMessage(const SecureChunk& first,
                                              std::span<const uint8_t> body,
                                              uint32_t max_chunk_size,
                                              uint32_t max_chunk_count = 0);

// The bytes a chunk's headers take before its body (depends on the security header).
size_t SecureChunkOverhead(const SecureChunk& chunk);

}  // namespace gantry::opcua
