// The cryptographic primitives OPC UA security policies are built from, through OpenSSL 3:
// random nonces, SHA-1 thumbprints, HMAC-SHA256, P_SHA256 key derivation, AES-CBC without
// padding, and RSA signatures and encryption on keys and X.509 certificates.
//
//   GANTRY_ASSIGN_OR_RETURN(Certificate server, Certificate::FromDer(endpoint.server_certificate));
//   GANTRY_ASSIGN_OR_RETURN(auto cipher, RsaEncrypt(server, RsaEncryption::kOaepSha1, secret));
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace gantry::opcua {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// `n` bytes from OpenSSL's CSPRNG.
Result<Bytes> RandomBytes(size_t n);
Bytes Sha1(ByteView data);
Bytes HmacSha256(ByteView key, ByteView data);
// P_SHA256 of RFC 5246 §5: `length` bytes from `secret` and `seed`.
Bytes PSha256(ByteView secret, ByteView seed, size_t length);
// True when both are equal, in time independent of where they differ.
bool ConstantTimeEqual(ByteView a, ByteView b);

// AES-CBC with a 16- or 32-byte key and no padding: `data` must be a multiple of 16 bytes.
Result<Bytes> AesCbcEncrypt(ByteView key, ByteView iv, ByteView data);
Result<Bytes> AesCbcDecrypt(ByteView key, ByteView iv, ByteView data);

enum class RsaSignature { kPkcs1Sha256, kPssSha256 };
enum class RsaEncryption { kOaepSha1, kOaepSha256, kPkcs1 };

// A private key (RSA), from PEM.
class PrivateKey {
 public:
  static Result<PrivateKey> FromPem(std::string_view pem);
  static Result<PrivateKey> Load(const std::string& path);
  // A fresh RSA key of `bits` bits.
  static Result<PrivateKey> Generate(int bits);
  Result<std::string> ToPem() const;
  int bits() const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

// An X.509 certificate and the facts OPC UA checks on it.
class Certificate {
 public:
  // From DER; a chain (several DER certificates back to back) keeps the first, the leaf.
  static Result<Certificate> FromDer(ByteView der);
  // From a file in DER or PEM.
  static Result<Certificate> Load(const std::string& path);
  const Bytes& der() const { return der_; }
  // SHA-1 of the DER, as OPC UA's ReceiverCertificateThumbprint.
  Bytes Thumbprint() const { return Sha1(der_); }
  std::string ThumbprintHex() const;
  std::string Subject() const;
  Timestamp not_before() const { return not_before_; }
  Timestamp not_after() const { return not_after_; }
  // The subjectAltName URIs (the ApplicationUri) and DNS names / IP addresses.
  std::vector<std::string> Uris() const;
  std::vector<std::string> Hostnames() const;
  int key_bits() const;
  bool self_signed() const;
  EVP_PKEY* public_key() const { return key_.get(); }
  X509* get() const { return x509_.get(); }

 private:
  Bytes der_;
  std::shared_ptr<X509> x509_;
  std::shared_ptr<EVP_PKEY> key_;
  Timestamp not_before_ = 0;
  Timestamp not_after_ = 0;
};

// Signs with the private key; the signature is as long as the key.
Result<Bytes> RsaSign(const PrivateKey& key, RsaSignature algorithm, ByteView data);
// Ok when `signature` is the certificate's signature over `data`; PermissionDenied otherwise.
Status RsaVerify(const Certificate& signer, RsaSignature algorithm, ByteView data,
                 ByteView signature);

// Bytes of plain text that fit one RSA block of a `key_bits` key under `algorithm`.
size_t RsaPlainBlockSize(int key_bits, RsaEncryption algorithm);
// Encrypts block by block (each block RsaPlainBlockSize bytes, each cipher block key-sized).
Result<Bytes> RsaEncrypt(const Certificate& receiver, RsaEncryption algorithm, ByteView data);
// Decrypts whole key-sized blocks; PermissionDenied when a block does not decrypt.
Result<Bytes> RsaDecrypt(const PrivateKey& key, RsaEncryption algorithm, ByteView data);

// The last OpenSSL error as text (and clears the queue).
std::string OpenSslError();

}  // namespace gantry::opcua
