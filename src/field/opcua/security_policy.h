// The OPC UA security policies Gantry speaks (IEC 62541-7 profiles, Part 6 §6.7): what each uses
// for asymmetric signatures and encryption, symmetric keys, nonces, and the URIs that name them.
//
//   const SecurityPolicy* p = FindSecurityPolicy("Basic256Sha256");   // or the full URI
//   SymmetricKeys mine = DeriveKeys(*p, server_nonce, client_nonce);   // the client's keys
#pragma once

#include <cstdint>
#include <string_view>

#include "field/opcua/crypto.h"

namespace gantry::opcua {

enum class SecurityPolicyId { kNone, kBasic256Sha256, kAes128Sha256RsaOaep, kAes256Sha256RsaPss };

struct SecurityPolicy {
  SecurityPolicyId id;
  std::string_view name;  // "Basic256Sha256"
  std::string_view uri;   // "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256"
  RsaSignature asymmetric_signature;
  RsaEncryption asymmetric_encryption;
  std::string_view asymmetric_signature_uri;   // SignatureData.algorithm
  std::string_view asymmetric_encryption_uri;  // UserNameIdentityToken.encryptionAlgorithm
  size_t signing_key_length;                   // DerivedSignatureKeyLength, bytes
  size_t encrypting_key_length;                // AES key, bytes
  size_t block_size;                           // AES block = IV length
  size_t symmetric_signature_size;             // HMAC-SHA256
  size_t nonce_length;                         // SecureChannelNonceLength
  int min_key_bits;
  int max_key_bits;
  bool is_none() const { return id == SecurityPolicyId::kNone; }
};

// By short name ("Aes128_Sha256_RsaOaep") or full URI; nullptr when unknown.
const SecurityPolicy* FindSecurityPolicy(std::string_view name_or_uri);
const SecurityPolicy& NoneSecurityPolicy();

// One direction's keys for symmetric security.
struct SymmetricKeys {
  Bytes signing;
  Bytes encrypting;
  Bytes iv;
};

// Part 6 §6.7.5: P_SHA256(secret, seed) cut into signing key, encrypting key and IV. The client
// sends with DeriveKeys(p, server_nonce, client_nonce) and receives with the mirror image.
SymmetricKeys DeriveKeys(const SecurityPolicy& policy, ByteView secret, ByteView seed);

}  // namespace gantry::opcua
