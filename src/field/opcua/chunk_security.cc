#include "field/opcua/chunk_security.h"

#include <fmt/format.h>

#include <cstring>

#include "field/opcua/decoder.h"
#include "field/opcua/transport.h"

namespace gantry::opcua {
namespace {

constexpr size_t kSequenceHeaderSize = 8;

void PatchSize(Bytes& chunk) {
  const auto n = static_cast<uint32_t>(chunk.size());
  for (int i = 0; i < 4; ++i)
    chunk[4 + static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (8 * i));
}

// Appends PaddingSize, the padding and (for keys over 2048 bits) ExtraPaddingSize so that
// `plain_size + padding + signature_size` is a multiple of `block`.
void AppendPadding(Bytes& out, size_t plain_size, size_t signature_size, size_t block, bool extra) {
  const size_t fixed = plain_size + 1 + (extra ? 1 : 0) + signature_size;
  const size_t padding = (block - fixed % block) % block;
  const auto low = static_cast<uint8_t>(padding & 0xFF);
  out.push_back(low);
  for (size_t i = 0; i < padding; ++i) out.push_back(low);
  if (extra) out.push_back(static_cast<uint8_t>(padding >> 8));
}

// Checks the padding that ends `data` (before the signature) and returns its total length.
Result<size_t> CheckPadding(ByteView data, bool extra) {
  if (data.size() < (extra ? 2u : 1u)) return Malformed("secured chunk too short for its padding");
  size_t padding = data.back();
  size_t tail = 1;
  if (extra) {
    padding = (static_cast<size_t>(data.back()) << 8) | data[data.size() - 2];
    tail = 2;
  }
  const size_t total = padding + tail;
  if (total > data.size()) return Malformed("secured chunk padding runs past its start");
  const uint8_t low = static_cast<uint8_t>(padding & 0xFF);
  for (size_t i = data.size() - total; i < data.size() - (extra ? 1 : 0); ++i) {
    if (data[i] != low) return Malformed("secured chunk padding bytes are wrong");
  }
  return total;
}

}  // namespace

Result<size_t> SecurityHeaderEnd(ByteView chunk) {
  GANTRY_ASSIGN_OR_RETURN(MessageHeader header, DecodeMessageHeader(chunk));
  Decoder d(chunk.subspan(kMessageHeaderSize));
  GANTRY_RETURN_IF_ERROR(d.ReadUInt32("SecureChannelId").status());
  if (header.type == MessageType::kOpenSecureChannel) {
    GANTRY_RETURN_IF_ERROR(d.ReadString("SecurityPolicyUri").status());
    GANTRY_RETURN_IF_ERROR(d.ReadByteString("SenderCertificate").status());
    GANTRY_RETURN_IF_ERROR(d.ReadByteString("ReceiverCertificateThumbprint").status());
  } else {
    GANTRY_RETURN_IF_ERROR(d.ReadUInt32("TokenId").status());
  }
  return kMessageHeaderSize + d.position();
}

size_t MaxSymmetricBody(const ChannelSecurity& s, size_t max_chunk_size, size_t header_size) {
  if (max_chunk_size <= header_size) return 0;
  size_t room = max_chunk_size - header_size;
  size_t fixed = kSequenceHeaderSize + s.policy->symmetric_signature_size;
  if (s.encrypts()) {
    room = room / s.policy->block_size * s.policy->block_size;
    fixed += 1;
  }
  return room > fixed ? room - fixed : 0;
}

size_t MaxAsymmetricBody(const ChannelSecurity& s, const AsymmetricKeys& keys,
                         size_t max_chunk_size, size_t header_size) {
  (void)s;
  if (max_chunk_size <= header_size) return 0;
  const int peer_bits = keys.peer_certificate.key_bits();
  const size_t cipher_block = static_cast<size_t>(peer_bits) / 8;
  const size_t plain_block = RsaPlainBlockSize(peer_bits, s.policy->asymmetric_encryption);
  const size_t room = (max_chunk_size - header_size) / cipher_block * plain_block;
  const size_t fixed = kSequenceHeaderSize + static_cast<size_t>(keys.own_key.bits()) / 8 + 1 +
                       (peer_bits > 2048 ? 1 : 0);
  return room > fixed ? room - fixed : 0;
}

Result<Bytes> SealAsymmetric(ByteView plain, const ChannelSecurity& s, const AsymmetricKeys& keys) {
  GANTRY_ASSIGN_OR_RETURN(size_t header_size, SecurityHeaderEnd(plain));
  const int peer_bits = keys.peer_certificate.key_bits();
  const size_t cipher_block = static_cast<size_t>(peer_bits) / 8;
  const size_t plain_block = RsaPlainBlockSize(peer_bits, s.policy->asymmetric_encryption);
  const size_t signature_size = static_cast<size_t>(keys.own_key.bits()) / 8;
  const bool extra = peer_bits > 2048;

  Bytes signed_part(plain.begin(), plain.end());
  AppendPadding(signed_part, plain.size() - header_size, signature_size, plain_block, extra);
  const size_t encrypted_plain = signed_part.size() - header_size + signature_size;
  const size_t wire_size = header_size + encrypted_plain / plain_block * cipher_block;
  Bytes header_copy = signed_part;
  header_copy.resize(wire_size);  // only to patch the size into the first 8 bytes
  PatchSize(header_copy);
  std::copy(header_copy.begin(), header_copy.begin() + 8, signed_part.begin());

  GANTRY_ASSIGN_OR_RETURN(Bytes signature,
                          RsaSign(keys.own_key, s.policy->asymmetric_signature, signed_part));
  signed_part.insert(signed_part.end(), signature.begin(), signature.end());
  GANTRY_ASSIGN_OR_RETURN(Bytes cipher,
                          RsaEncrypt(keys.peer_certificate, s.policy->asymmetric_encryption,
                                     ByteView(signed_part).subspan(header_size)));
  Bytes wire(signed_part.begin(), signed_part.begin() + static_cast<std::ptrdiff_t>(header_size));
  wire.insert(wire.end(), cipher.begin(), cipher.end());
  if (wire.size() != wire_size) return Internal("asymmetric chunk size mismatch");
  return wire;
}

Result<Bytes> UnsealAsymmetric(ByteView wire, const ChannelSecurity& s,
                               const AsymmetricKeys& keys) {
  GANTRY_ASSIGN_OR_RETURN(size_t header_size, SecurityHeaderEnd(wire));
  {
    Decoder d(wire.subspan(12, header_size - 12));
    GANTRY_ASSIGN_OR_RETURN(String policy, d.ReadString("SecurityPolicyUri"));
    GANTRY_ASSIGN_OR_RETURN(ByteString sender, d.ReadByteString("SenderCertificate"));
    GANTRY_ASSIGN_OR_RETURN(ByteString thumb, d.ReadByteString("ReceiverCertificateThumbprint"));
    if (policy.view() != s.policy->uri) {
      return PermissionDenied(fmt::format("OPN answered with security policy '{}', not {}",
                                          policy.view(), s.policy->uri));
    }
    // The sender certificate may be a chain: its leaf must be the peer's certificate.
    const Bytes& peer = keys.peer_certificate.der();
    const std::string_view sent = sender.view();
    if (sent.size() < peer.size() || std::memcmp(sent.data(), peer.data(), peer.size()) != 0) {
      return PermissionDenied("OPN signed with another certificate than the server's");
    }
    const Bytes own = keys.own_certificate.Thumbprint();
    if (thumb.view() != std::string_view(reinterpret_cast<const char*>(own.data()), own.size())) {
      return PermissionDenied("OPN encrypted for another certificate than ours (thumbprint)");
    }
  }
  GANTRY_ASSIGN_OR_RETURN(
      Bytes plain_tail,
      RsaDecrypt(keys.own_key, s.policy->asymmetric_encryption, wire.subspan(header_size)));
  const size_t signature_size = static_cast<size_t>(keys.peer_certificate.key_bits()) / 8;
  if (plain_tail.size() < signature_size + kSequenceHeaderSize + 1) {
    return Malformed("OPN chunk too short for its signature");
  }
  Bytes signed_part(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(header_size));
  signed_part.insert(signed_part.end(), plain_tail.begin(),
                     plain_tail.end() - static_cast<std::ptrdiff_t>(signature_size));
  GANTRY_RETURN_IF_ERROR(RsaVerify(keys.peer_certificate, s.policy->asymmetric_signature,
                                   signed_part, ByteView(plain_tail).last(signature_size)));
  GANTRY_ASSIGN_OR_RETURN(size_t padding, CheckPadding(ByteView(signed_part).subspan(header_size),
                                                       keys.own_key.bits() > 2048));
  if (signed_part.size() - header_size - padding < kSequenceHeaderSize) {
    return Malformed("OPN chunk has no sequence header");
  }
  signed_part.resize(signed_part.size() - padding);
  PatchSize(signed_part);
  return signed_part;
}

Result<Bytes> SealSymmetric(ByteView plain, const ChannelSecurity& s, const SymmetricKeys& keys) {
  GANTRY_ASSIGN_OR_RETURN(size_t header_size, SecurityHeaderEnd(plain));
  const size_t sig = s.policy->symmetric_signature_size;
  Bytes out(plain.begin(), plain.end());
  if (s.encrypts()) {
    AppendPadding(out, plain.size() - header_size, sig, s.policy->block_size, false);
  }
  out.resize(out.size() + sig);
  PatchSize(out);
  out.resize(out.size() - sig);
  const Bytes mac = HmacSha256(keys.signing, out);
  out.insert(out.end(), mac.begin(), mac.end());
  if (!s.encrypts()) return out;
  GANTRY_ASSIGN_OR_RETURN(
      Bytes cipher, AesCbcEncrypt(keys.encrypting, keys.iv, ByteView(out).subspan(header_size)));
  out.resize(header_size);
  out.insert(out.end(), cipher.begin(), cipher.end());
  return out;
}

Result<Bytes> UnsealSymmetric(ByteView wire, const ChannelSecurity& s, const SymmetricKeys& keys) {
  GANTRY_ASSIGN_OR_RETURN(size_t header_size, SecurityHeaderEnd(wire));
  const size_t sig = s.policy->symmetric_signature_size;
  Bytes chunk;
  if (s.encrypts()) {
    const ByteView cipher = wire.subspan(header_size);
    if (cipher.size() % s.policy->block_size != 0) {
      return Malformed(
          fmt::format("encrypted chunk body of {} bytes is not whole AES blocks", cipher.size()));
    }
    GANTRY_ASSIGN_OR_RETURN(Bytes clear, AesCbcDecrypt(keys.encrypting, keys.iv, cipher));
    chunk.assign(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(header_size));
    chunk.insert(chunk.end(), clear.begin(), clear.end());
  } else {
    chunk.assign(wire.begin(), wire.end());
  }
  if (chunk.size() < header_size + kSequenceHeaderSize + sig) {
    return Malformed("secured chunk too short for its signature");
  }
  const ByteView body(chunk.data(), chunk.size() - sig);
  if (!ConstantTimeEqual(HmacSha256(keys.signing, body), ByteView(chunk).last(sig))) {
    return PermissionDenied(
        "chunk signature (HMAC-SHA256) does not verify: tampered or wrong keys");
  }
  size_t padding = 0;
  if (s.encrypts()) {
    GANTRY_ASSIGN_OR_RETURN(padding, CheckPadding(body.subspan(header_size), false));
  }
  if (body.size() - header_size - padding < kSequenceHeaderSize) {
    return Malformed("secured chunk has no sequence header");
  }
  chunk.resize(body.size() - padding);
  PatchSize(chunk);
  return chunk;
}

}  // namespace gantry::opcua
