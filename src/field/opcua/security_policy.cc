#include "field/opcua/security_policy.h"

#include <array>

namespace gantry::opcua {
namespace {

constexpr std::string_view kRsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
constexpr std::string_view kRsaPssSha256 = "http://opcfoundation.org/UA/security/rsa-pss-sha2-256";
constexpr std::string_view kRsaOaep = "http://www.w3.org/2001/04/xmlenc#rsa-oaep";
constexpr std::string_view kRsaOaepSha256 =
    "http://opcfoundation.org/UA/security/rsa-oaep-sha2-256";

constexpr std::array<SecurityPolicy, 4> kPolicies = {{
    {SecurityPolicyId::kNone, "None", "http://opcfoundation.org/UA/SecurityPolicy#None",
     RsaSignature::kPkcs1Sha256, RsaEncryption::kOaepSha1, "", "", 0, 0, 1, 0, 0, 0, 0},
    {SecurityPolicyId::kBasic256Sha256, "Basic256Sha256",
     "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256", RsaSignature::kPkcs1Sha256,
     RsaEncryption::kOaepSha1, kRsaSha256, kRsaOaep, 32, 32, 16, 32, 32, 2048, 4096},
    {SecurityPolicyId::kAes128Sha256RsaOaep, "Aes128_Sha256_RsaOaep",
     "http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep", RsaSignature::kPkcs1Sha256,
     RsaEncryption::kOaepSha1, kRsaSha256, kRsaOaep, 32, 16, 16, 32, 32, 2048, 4096},
    {SecurityPolicyId::kAes256Sha256RsaPss, "Aes256_Sha256_RsaPss",
     "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss", RsaSignature::kPssSha256,
     RsaEncryption::kOaepSha256, kRsaPssSha256, kRsaOaepSha256, 32, 32, 16, 32, 32, 2048, 4096},
}};

}  // namespace

const SecurityPolicy* FindSecurityPolicy(std::string_view name_or_uri) {
  for (const SecurityPolicy& p : kPolicies) {
    if (p.name == name_or_uri || p.uri == name_or_uri) return &p;
  }
  return nullptr;
}

const SecurityPolicy& NoneSecurityPolicy() {
  return kPolicies[0];
}

SymmetricKeys DeriveKeys(const SecurityPolicy& policy, ByteView secret, ByteView seed) {
  const size_t s = policy.signing_key_length, e = policy.encrypting_key_length,
               b = policy.block_size;
  const Bytes material = PSha256(secret, seed, s + e + b);
  SymmetricKeys k;
  k.signing.assign(material.begin(), material.begin() + static_cast<std::ptrdiff_t>(s));
  k.encrypting.assign(material.begin() + static_cast<std::ptrdiff_t>(s),
                      material.begin() + static_cast<std::ptrdiff_t>(s + e));
  k.iv.assign(material.begin() + static_cast<std::ptrdiff_t>(s + e), material.end());
  return k;
}

}  // namespace gantry::opcua
