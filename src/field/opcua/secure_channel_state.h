// What a Client keeps for a secured channel (client.h, client_security.cc): the policy and mode,
// both certificates and our key, the channel nonces and the symmetric keys derived from them.
#pragma once

#include <map>

#include "field/opcua/chunk_security.h"

namespace gantry::opcua {

struct SecureChannelState {
  ChannelSecurity security;
  AsymmetricKeys keys;
  Bytes client_nonce;  // of the last OpenSecureChannel
  Bytes server_nonce;
  SymmetricKeys send;
  std::map<uint32_t, SymmetricKeys> receive;  // by token id: the current and the previous token
};

}  // namespace gantry::opcua
