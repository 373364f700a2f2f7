#include "field/opcua/secure_chunk.h"

#include <fmt/format.h>

#include "field/opcua/decoder.h"
#include "field/opcua/encoder.h"

namespace gantry::opcua {
namespace {

bool IsSecureConversation(MessageType t) {
  return t == MessageType::kMessage || t == MessageType::kOpenSecureChannel ||
         t == MessageType::kCloseSecureChannel;
}

size_t TextSize(const std::optional<std::string>& s) {
  return 4 + (s ? s->size() : 0);
}

}  // namespace

size_t SecureChunkOverhead(const SecureChunk& chunk) {
  size_t security = 4;  // TokenId
  if (chunk.type == MessageType::kOpenSecureChannel) {
    security = TextSize(chunk.asymmetric.security_policy_uri.value) +
               TextSize(chunk.asymmetric.sender_certificate.value) +
               TextSize(chunk.asymmetric.receiver_certificate_thumbprint.value);
  }
  return kMessageHeaderSize + 4 /*SecureChannelId*/ + security + 8 /*sequence header*/;
}

Result<SecureChunk> DecodeSecureChunk(std::span<const uint8_t> bytes) {
  GANTRY_ASSIGN_OR_RETURN(MessageHeader header, DecodeMessageHeader(bytes));
  if (!IsSecureConversation(header.type)) {
    return Malformed(
        fmt::format("{} is not a secure conversation chunk", MessageTypeCode(header.type)));
  }
  if (header.message_size != bytes.size()) {
    return Malformed(fmt::format("{} chunk header says {} bytes but the chunk has {}",
                                 MessageTypeCode(header.type), header.message_size, bytes.size()));
  }
  SecureChunk c;
  c.type = header.type;
  c.chunk_type = header.chunk_type;
  Decoder d(bytes.subspan(kMessageHeaderSize));
  GANTRY_ASSIGN_OR_RETURN(c.secure_channel_id, d.ReadUInt32("SecureChannelId"));
  if (c.type == MessageType::kOpenSecureChannel) {
    GANTRY_ASSIGN_OR_RETURN(c.asymmetric.security_policy_uri, d.ReadString("SecurityPolicyUri"));
    GANTRY_ASSIGN_OR_RETURN(c.asymmetric.sender_certificate, d.ReadByteString("SenderCertificate"));
    GANTRY_ASSIGN_OR_RETURN(c.asymmetric.receiver_certificate_thumbprint,
                            d.ReadByteString("ReceiverCertificateThumbprint"));
  } else {
    GANTRY_ASSIGN_OR_RETURN(c.token_id, d.ReadUInt32("TokenId"));
  }
  GANTRY_ASSIGN_OR_RETURN(c.sequence_number, d.ReadUInt32("SequenceNumber"));
  GANTRY_ASSIGN_OR_RETURN(c.request_id, d.ReadUInt32("RequestId"));
  GANTRY_ASSIGN_OR_RETURN(auto body, d.ReadBytes(d.remaining(), "chunk body"));
  c.body.assign(body.begin(), body.end());
  return c;
}

Result<std::vector<uint8_t>> EncodeSecureChunk(const SecureChunk& c) {
  if (!IsSecureConversation(c.type)) {
    return InvalidArgument(
        fmt::format("{} is not a secure conversation chunk", MessageTypeCode(c.type)));
  }
  if (c.type != MessageType::kMessage && c.chunk_type != ChunkType::kFinal) {
    return InvalidArgument(fmt::format("{} chunks must be final", MessageTypeCode(c.type)));
  }
  const size_t size = SecureChunkOverhead(c) + c.body.size();
  if (size > UINT32_MAX) return InvalidArgument("chunk larger than 4 GiB");
  Encoder e;
  e.WriteBytes(EncodeMessageHeader({c.type, c.chunk_type, static_cast<uint32_t>(size)}));
  e.WriteUInt32(c.secure_channel_id);
  if (c.type == MessageType::kOpenSecureChannel) {
    GANTRY_RETURN_IF_ERROR(e.WriteText(c.asymmetric.security_policy_uri));
    GANTRY_RETURN_IF_ERROR(e.WriteText(c.asymmetric.sender_certificate));
    GANTRY_RETURN_IF_ERROR(e.WriteText(c.asymmetric.receiver_certificate_thumbprint));
  } else {
    e.WriteUInt32(c.token_id);
  }
  e.WriteUInt32(c.sequence_number);
  e.WriteUInt32(c.request_id);
  e.WriteBytes(c.body);
  return std::move(e).Take();
}

Result<std::vector<SecureChunk>> SplitMessage(const SecureChunk& first,
                                              std::span<const uint8_t> body,
                                              uint32_t max_chunk_size, uint32_t max_chunk_count) {
  const size_t overhead = SecureChunkOverhead(first);
  if (max_chunk_size <= overhead) {
    return InvalidArgument(fmt::format("chunk size {} leaves no room after {} bytes of headers",
                                       max_chunk_size, overhead));
  }
  const size_t room = max_chunk_size - overhead;
  const size_t count = body.empty() ? 1 : (body.size() + room - 1) / room;
  if (first.type != MessageType::kMessage && count > 1) {
    return InvalidArgument(fmt::format("{} message of {} bytes does not fit one chunk",
                                       MessageTypeCode(first.type), body.size()));
  }
  if (max_chunk_count != 0 && count > max_chunk_count) {
    return ResourceExhausted(fmt::format("message of {} bytes needs {} chunks, the peer accepts {}",
                                         body.size(), count, max_chunk_count));
  }
  std::vector<SecureChunk> chunks;
  chunks.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    SecureChunk c = first;
    c.chunk_type = i + 1 == count ? ChunkType::kFinal : ChunkType::kIntermediate;
    c.sequence_number = first.sequence_number + static_cast<uint32_t>(i);
    const size_t begin = i * room;
    const size_t end = std::min(body.size(), begin + room);
    c.body.assign(body.begin() + static_cast<std::ptrdiff_t>(begin),
                  body.begin() + static_cast<std::ptrdiff_t>(end));
    chunks.push_back(std::move(c));
  }
  return chunks;
}

}  // namespace gantry::opcua
