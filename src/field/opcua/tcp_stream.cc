#include "field/opcua/tcp_stream.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace gantry::opcua {
namespace {

int ToPollMs(Duration timeout) {
  if (timeout <= 0) return 0;
  const int64_t ms = (timeout + kMillisecond - 1) / kMillisecond;
  return ms > 600'000 ? 600'000 : static_cast<int>(ms);
}

class TcpStream final : public ByteStream {
 public:
  explicit TcpStream(int fd) : fd_(fd) {}
  ~TcpStream() override { ::close(fd_); }
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  Status WriteAll(std::span<const uint8_t> bytes, Duration timeout) override {
    while (!bytes.empty()) {
      pollfd p{fd_, POLLOUT, 0};
      const int ready = ::poll(&p, 1, ToPollMs(timeout));
      if (ready == 0) return Timeout("OPC UA connection: write timed out");
      if (ready < 0 && errno != EINTR)
        return IoError(fmt::format("poll: {}", std::strerror(errno)));
      if (ready < 0) continue;
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return Unavailable(fmt::format("OPC UA connection: send failed: {}", std::strerror(errno)));
      }
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  Result<size_t> ReadSome(std::span<uint8_t> buffer, Duration timeout) override {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, ToPollMs(timeout));
      if (ready == 0) return Timeout("OPC UA connection: no data from the server in time");
      if (ready < 0) {
        if (errno == EINTR) continue;
        return IoError(fmt::format("poll: {}", std::strerror(errno)));
      }
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n == 0) return Unavailable("OPC UA connection: the server closed the connection");
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return Unavailable(
            fmt::format("OPC UA connection: receive failed: {}", std::strerror(errno)));
      }
      return static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
};

}  // namespace

Result<EndpointAddress> ParseEndpointUrl(std::string_view url) {
  constexpr std::string_view kScheme = "opc.tcp://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return InvalidArgument(fmt::format("endpoint URL '{}' does not start with opc.tcp://", url));
  }
  std::string_view rest = url.substr(kScheme.size());
  EndpointAddress out;
  const size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    out.path = std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos)
      return InvalidArgument(fmt::format("endpoint URL '{}': unclosed [", url));
    out.host = std::string(rest.substr(1, close - 1));
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':')
        return InvalidArgument(fmt::format("endpoint URL '{}': junk after ]", url));
      port_text = rest.substr(close + 2);
    }
  } else {
    const size_t colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (out.host.empty()) return InvalidArgument(fmt::format("endpoint URL '{}' has no host", url));
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return InvalidArgument(
          fmt::format("endpoint URL '{}': port '{}' is not 1..65535", url, port_text));
    }
    out.port = static_cast<uint16_t>(port);
  }
  return out;
}

Result<std::unique_ptr<ByteStream>> ConnectTcp(const std::string& host, uint16_t port,
                                               Duration timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Unavailable(fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, ToPollMs(timeout));
      if (rc == 0) {
        ::close(fd);
        last_error = "connect timed out";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return std::unique_ptr<ByteStream>(std::make_unique<TcpStream>(fd));
  }
  return Unavailable(fmt::format("cannot connect to {}:{}: {}", host, port, last_error));
}

}  // namespace gantry::opcua
