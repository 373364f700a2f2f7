// libFuzzer target: secured MSG chunks (Sign and SignAndEncrypt, each policy) opened with fixed
// channel keys. Whatever arrives must be refused cleanly or open into a chunk that decodes, and
// an opened chunk must seal back to exactly the bytes received (sealing is deterministic), so
// no byte outside the signature's cover is ever accepted.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "field/opcua/chunk_security.h"
#include "field/opcua/secure_chunk.h"

using namespace gantry::opcua;

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

// The keys the committed seeds were sealed with: client nonce 32 x 0x01, server nonce 32 x 0x02.
SymmetricKeys FuzzKeys(const SecurityPolicy& p) {
  return DeriveKeys(p, Bytes(32, 0x02), Bytes(32, 0x01));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks the policy and the mode.
  static const char* kPolicies[] = {"Basic256Sha256", "Aes128_Sha256_RsaOaep",
                                    "Aes256_Sha256_RsaPss"};
  const SecurityPolicy* p = FindSecurityPolicy(kPolicies[(data[0] >> 1) % 3]);
  const ChannelSecurity security{
      p, (data[0] & 1) ? MessageSecurityMode::kSignAndEncrypt : MessageSecurityMode::kSign};
  const ByteView wire(data + 1, size - 1);
  const SymmetricKeys keys = FuzzKeys(*p);
  auto plain = UnsealSymmetric(wire, security, keys);
  if (!plain.ok()) return 0;
  auto chunk = DecodeSecureChunk(*plain);
  if (!chunk.ok()) Die("an opened chunk does not decode");
  auto again = SealSymmetric(*plain, security, keys);
  if (!again.ok()) Die("an opened chunk does not seal again");
  if (*again != Bytes(wire.begin(), wire.end())) Die("opened chunk differs from what was received");
  return 0;
}
