// The security steps of a session (IEC 62541-4 §5.6.2-5.6.3, §7.36-7.41): the server's
// signature over our certificate and nonce, our signature over the server's certificate and
// nonce, the checks every nonce must pass, and the user-name identity token with the password
// encrypted for the server's certificate.
//
//   GANTRY_RETURN_IF_ERROR(CheckNonce(server_nonce, previous, 32, "CreateSession"));
//   GANTRY_ASSIGN_OR_RETURN(ExtensionObject token, UserNameIdentity(policy, "op", "pw", cert,
//   nonce));
#pragma once

#include <string>
#include <string_view>

#include "field/opcua/crypto.h"
#include "field/opcua/security_policy.h"
#include "field/opcua/services.h"

namespace gantry::opcua {

// PermissionDenied when `nonce` is shorter than `min_length` bytes, or repeats `previous` (a
// replayed or predictable nonce: the keys and signatures built from it could be replayed too).
Status CheckNonce(ByteView nonce, ByteView previous, size_t min_length, std::string_view where);

// Our SignatureData over `certificate` + `nonce` (the other side's), as ActivateSession's
// clientSignature.
Result<SignatureData> SignCertificateAndNonce(const SecurityPolicy& policy, const PrivateKey& key,
                                              ByteView certificate, ByteView nonce);
// Checks the other side's SignatureData over `certificate` + `nonce` (ours), as CreateSession's
// serverSignature. PermissionDenied when the algorithm or the signature is wrong.
Status VerifyCertificateAndNonce(const SecurityPolicy& policy, const Certificate& signer,
                                 const SignatureData& signature, ByteView certificate,
                                 ByteView nonce);

// A UserNameIdentityToken under `token_policy` (the UserTokenPolicy's, or the channel's when it
// names none). With a policy other than None the password is encrypted with the server
// certificate: length (UInt32) + password + server nonce, RSA per the policy.
Result<ExtensionObject> UserNameIdentity(const String& policy_id, std::string_view user_name,
                                         std::string_view password,
                                         const SecurityPolicy& token_policy,
                                         const Certificate* server_certificate,
                                         ByteView server_nonce);

}  // namespace gantry::opcua
