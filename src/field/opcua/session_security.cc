#include "field/opcua/session_security.h"

#include <fmt/format.h>

#include "field/opcua/encoder.h"

namespace gantry::opcua {
namespace {

Bytes Concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace

Status CheckNonce(ByteView nonce, ByteView previous, size_t min_length, std::string_view where) {
  if (nonce.size() < min_length) {
    return PermissionDenied(fmt::format("{}: server nonce of {} bytes, at least {} are required",
                                        where, nonce.size(), min_length));
  }
  if (!previous.empty() && ConstantTimeEqual(nonce, previous)) {
    return PermissionDenied(
        fmt::format("{}: the server sent the same nonce again (nonce reuse)", where));
  }
  return Status::Ok();
}

Result<SignatureData> SignCertificateAndNonce(const SecurityPolicy& policy, const PrivateKey& key,
                                              ByteView certificate, ByteView nonce) {
  GANTRY_ASSIGN_OR_RETURN(Bytes signature,
                          RsaSign(key, policy.asymmetric_signature, Concat(certificate, nonce)));
  SignatureData data;
  data.algorithm = String::Of(policy.asymmetric_signature_uri);
  data.signature = ByteString::Of(
      std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
  return data;
}

Status VerifyCertificateAndNonce(const SecurityPolicy& policy, const Certificate& signer,
                                 const SignatureData& signature, ByteView certificate,
                                 ByteView nonce) {
  if (signature.algorithm.view() != policy.asymmetric_signature_uri) {
    return PermissionDenied(fmt::format("server signature uses algorithm '{}', {} requires {}",
                                        signature.algorithm.view(), policy.name,
                                        policy.asymmetric_signature_uri));
  }
  const std::string_view sig = signature.signature.view();
  Status s = RsaVerify(signer, policy.asymmetric_signature, Concat(certificate, nonce),
                       ByteView(reinterpret_cast<const uint8_t*>(sig.data()), sig.size()));
  if (!s.ok()) return PermissionDenied("server signature over our certificate and nonce is wrong");
  return Status::Ok();
}

Result<ExtensionObject> UserNameIdentity(const String& policy_id, std::string_view user_name,
                                         std::string_view password,
                                         const SecurityPolicy& token_policy,
                                         const Certificate* server_certificate,
                                         ByteView server_nonce) {
  std::string secret(password);
  std::string algorithm;
  if (!token_policy.is_none()) {
    if (server_certificate == nullptr) {
      return FailedPrecondition("no server certificate to encrypt the password with");
    }
    Encoder plain;
    plain.WriteUInt32(static_cast<uint32_t>(password.size() + server_nonce.size()));
    plain.WriteBytes(password);
    plain.WriteBytes(server_nonce);
    GANTRY_ASSIGN_OR_RETURN(
        Bytes cipher,
        RsaEncrypt(*server_certificate, token_policy.asymmetric_encryption, plain.bytes()));
    secret.assign(cipher.begin(), cipher.end());
    algorithm = token_policy.asymmetric_encryption_uri;
  }
  Encoder body;
  GANTRY_RETURN_IF_ERROR(body.WriteText(policy_id));
  GANTRY_RETURN_IF_ERROR(body.WriteText(String::Of(user_name)));
  GANTRY_RETURN_IF_ERROR(body.WriteText(ByteString::Of(secret)));
  GANTRY_RETURN_IF_ERROR(body.WriteText(algorithm.empty() ? String{} : String::Of(algorithm)));
  const auto& bytes = body.bytes();
  return ExtensionObject{NodeId::Numeric(0, encoding_id::kUserNameIdentityToken),
                         ExtensionObject::Body::kByteString,
                         std::string(bytes.begin(), bytes.end())};
}

}  // namespace gantry::opcua
