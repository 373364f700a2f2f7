// Message security for Secure Conversation chunks (IEC 62541-6 §6.7.2): padding, signature and
// encryption added to an encoded chunk before it is sent (Seal), and checked and removed from a
// received one (Unseal), so that the plain chunk codec (secure_chunk.h) sees the same bytes with
// or without security. OPN chunks use the asymmetric keys (RSA, certificates), MSG and CLO the
// symmetric keys derived from the channel's nonces.
//
//   GANTRY_ASSIGN_OR_RETURN(auto wire, SealSymmetric(plain, security, my_keys));
//   GANTRY_ASSIGN_OR_RETURN(auto plain, UnsealSymmetric(wire, security, keys_for_token));
#pragma once

#include <optional>

#include "field/opcua/crypto.h"
#include "field/opcua/security_policy.h"
#include "field/opcua/services.h"

namespace gantry::opcua {

struct ChannelSecurity {
  const SecurityPolicy* policy = nullptr;  // never None here
  MessageSecurityMode mode = MessageSecurityMode::kSignAndEncrypt;
  bool encrypts() const { return mode == MessageSecurityMode::kSignAndEncrypt; }
};

// The asymmetric side of a channel: our key and certificate, the peer's certificate.
struct AsymmetricKeys {
  PrivateKey own_key;
  Certificate own_certificate;
  Certificate peer_certificate;
};

// Bytes of the headers before the sequence header: 12 plus the security header. Malformed when
// the headers do not decode.
Result<size_t> SecurityHeaderEnd(ByteView chunk);

// Largest message body one chunk of at most `max_chunk_size` bytes can carry, given headers of
// `header_size` bytes (up to the sequence header); 0 when none fits.
size_t MaxSymmetricBody(const ChannelSecurity& security, size_t max_chunk_size, size_t header_size);
size_t MaxAsymmetricBody(const ChannelSecurity& security, const AsymmetricKeys& keys,
                         size_t max_chunk_size, size_t header_size);

// `plain` is an encoded OPN chunk (EncodeSecureChunk). Adds padding and our signature and
// encrypts for the peer (always, in Sign and SignAndEncrypt, Part 6 §6.7.4).
Result<Bytes> SealAsymmetric(ByteView plain, const ChannelSecurity& security,
                             const AsymmetricKeys& keys);
// The reverse: decrypts with our key, checks the sender certificate is the peer's, that the
// thumbprint names our certificate, the signature and the padding; returns the plain chunk.
// PermissionDenied for a certificate mismatch or a signature that fails; Malformed otherwise.
Result<Bytes> UnsealAsymmetric(ByteView wire, const ChannelSecurity& security,
                               const AsymmetricKeys& keys);

// `plain` is an encoded MSG or CLO chunk. Sign: appends the HMAC. SignAndEncrypt: padding, HMAC,
// then AES-CBC over sequence header to signature.
Result<Bytes> SealSymmetric(ByteView plain, const ChannelSecurity& security,
                            const SymmetricKeys& keys);
// The reverse, with the keys of the chunk's token; PermissionDenied when the HMAC fails.
Result<Bytes> UnsealSymmetric(ByteView wire, const ChannelSecurity& security,
                              const SymmetricKeys& keys);

}  // namespace gantry::opcua
