#include "http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace gantry::testing {

namespace {

// Sends `request` whole and reads the reply until the server closes or `timeout_ms` passes.
HttpReply Exchange(int port, const std::string& request, int timeout_ms) {
  HttpReply reply;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return reply;
  }
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return reply;
  }
  std::string raw;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[8192];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) return reply;
  reply.status = std::stoi(raw.substr(9, 3));
  size_t body = raw.find("\r\n\r\n");
  if (body != std::string::npos) {
    std::string headers = raw.substr(0, body);
    reply.body = raw.substr(body + 4);
    // De-chunk a chunked body.
    if (headers.find("chunked") != std::string::npos) {
      std::string out;
      size_t pos = 0;
      while (pos < reply.body.size()) {
        size_t eol = reply.body.find("\r\n", pos);
        if (eol == std::string::npos) break;
        size_t len = std::stoul(reply.body.substr(pos, eol - pos), nullptr, 16);
        if (len == 0) break;
        out += reply.body.substr(eol + 2, len);
        pos = eol + 2 + len + 2;
      }
      reply.body = out;
    }
  }
  return reply;
}

}  // namespace

HttpReply HttpGet(int port, const std::string& target, int timeout_ms) {
  return Exchange(port,
                  "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                  timeout_ms);
}

HttpReply HttpPost(int port, const std::string& target, const std::string& json_body,
                   int timeout_ms) {
  return Exchange(port,
                  "POST " + target +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      "Content-Type: application/json\r\nContent-Length: " +
                      std::to_string(json_body.size()) + "\r\n\r\n" + json_body,
                  timeout_ms);
}

}  // namespace gantry::testing
