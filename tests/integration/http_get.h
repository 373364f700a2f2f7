// A minimal HTTP/1.1 GET over a loopback socket for integration tests (no dependency on the code
// under test).
#pragma once

#include <string>

namespace gantry::testing {

struct HttpReply {
  int status = 0;  // 0 when the connection failed
  std::string body;
};

// GET http://127.0.0.1:port/target with Connection: close; waits at most `timeout_ms`.
HttpReply HttpGet(int port, const std::string& target, int timeout_ms = 5000);
// POST http://127.0.0.1:port/target with a JSON body, like HttpGet otherwise.
HttpReply HttpPost(int port, const std::string& target, const std::string& json_body,
                   int timeout_ms = 5000);

}  // namespace gantry::testing
