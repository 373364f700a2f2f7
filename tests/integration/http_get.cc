#include "http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "subprocess.h"

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
    reply.headers = headers;
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

std::mutex token_mu;
std::string process_token;                         // SetApiToken()
std::map<std::string, std::string> folder_tokens;  // demo-credentials.json, by data folder

}  // namespace

void SetApiToken(const std::string& token) {
  std::lock_guard lock(token_mu);
  process_token = token;
}

std::string AuthHeaderFor(int port) {
  {
    std::lock_guard lock(token_mu);
    if (!process_token.empty()) return "Authorization: Bearer " + process_token + "\r\n";
  }
  const std::string data = DataFolderOfApiPort(port);
  if (data.empty()) return {};
  {
    std::lock_guard lock(token_mu);
    auto it = folder_tokens.find(data);
    if (it != folder_tokens.end()) return "Authorization: Bearer " + it->second + "\r\n";
  }
  std::ifstream in(data + "/demo-credentials.json");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json creds = nlohmann::json::parse(text.str(), nullptr, false);
  if (!creds.is_object() || !creds.contains("admin_token")) return {};
  const std::string token = creds["admin_token"].get<std::string>();
  std::lock_guard lock(token_mu);
  folder_tokens[data] = token;
  return "Authorization: Bearer " + token + "\r\n";
}

HttpReply HttpRequest(int port, const std::string& method, const std::string& target,
                      const std::string& body, const std::string& extra_headers, bool auto_auth,
                      int timeout_ms) {
  std::string request = method + " " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                        (auto_auth ? AuthHeaderFor(port) : std::string()) + extra_headers;
  if (!body.empty() || (method != "GET" && method != "HEAD"))
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  return Exchange(port, request, timeout_ms);
}

HttpReply HttpGet(int port, const std::string& target, int timeout_ms) {
  return HttpRequest(port, "GET", target, "", "", true, timeout_ms);
}

HttpReply HttpPost(int port, const std::string& target, const std::string& json_body,
                   int timeout_ms) {
  return HttpRequest(port, "POST", target, json_body, "", true, timeout_ms);
}

}  // namespace gantry::testing
