// The byte stream under the OPC UA client: a seam (ByteStream) so tests can put anything on the
// other end, and its TCP implementation with deadlines on connect, read and write. Also parses
// opc.tcp:// endpoint URLs.
//
//   GANTRY_ASSIGN_OR_RETURN(EndpointAddress at, ParseEndpointUrl("opc.tcp://10.0.0.5:4840/plc"));
//   GANTRY_ASSIGN_OR_RETURN(auto stream, ConnectTcp(at.host, at.port, 5 * kSecond));
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace gantry::opcua {

// A connected, ordered, reliable byte stream. Used by one thread at a time.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Writes every byte or fails (Timeout, Unavailable when the peer is gone).
  virtual Status WriteAll(std::span<const uint8_t> bytes, Duration timeout) = 0;
  // Reads at least one byte into `buffer`; Timeout when none arrive in time, Unavailable when the
  // peer closed the connection.
  virtual Result<size_t> ReadSome(std::span<uint8_t> buffer, Duration timeout) = 0;
};

struct EndpointAddress {
  std::string host;
  uint16_t port = 4840;
  std::string path;  // "/..." or empty
};

// "opc.tcp://host[:port][/path]"; IPv6 hosts in brackets. InvalidArgument otherwise.
Result<EndpointAddress> ParseEndpointUrl(std::string_view url);

// Resolves `host` and connects within `timeout`.
Result<std::unique_ptr<ByteStream>> ConnectTcp(const std::string& host, uint16_t port,
                                               Duration timeout);

}  // namespace gantry::opcua
