// A minimal HTTP/1.1 client over a loopback socket for integration tests (no dependency on the
// code under test). Credentials are attached automatically: HttpGet/HttpPost to the port of a
// `gantry demo` started by this process (testing::Child) send its admin token, read from
// <data>/demo-credentials.json; SetApiToken() sets one for every port instead. HttpRequest
// with auto_auth=false sends exactly the headers given.
#pragma once

#include <string>

namespace gantry::testing {

struct HttpReply {
  int status = 0;  // 0 when the connection failed
  std::string body;
  std::string headers;  // the raw header block (status line included)
};

// Any method, with extra header lines ("Name: value\r\n" each) and an optional body.
HttpReply HttpRequest(int port, const std::string& method, const std::string& target,
                      const std::string& body, const std::string& extra_headers, bool auto_auth,
                      int timeout_ms = 5000);
// The bearer token HttpGet/HttpPost attach to every request from now on ("" = find the demo's).
void SetApiToken(const std::string& token);
// The "Authorization: Bearer ...\r\n" line HttpGet would send to `port` ("" if none is known).
std::string AuthHeaderFor(int port);

// GET http://127.0.0.1:port/target with Connection: close; waits at most `timeout_ms`.
HttpReply HttpGet(int port, const std::string& target, int timeout_ms = 5000);
// POST http://127.0.0.1:port/target with a JSON body, like HttpGet otherwise.
HttpReply HttpPost(int port, const std::string& target, const std::string& json_body,
                   int timeout_ms = 5000);

}  // namespace gantry::testing
