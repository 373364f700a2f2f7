// Open-loop HTTP load from a second process on loopback: R requests/s spread over C keep-alive
// connections (one thread each), each request sent at its scheduled time; latency = response
// complete - scheduled send time (so a stalled server is not hidden: no coordinated omission).
// Prints count, errors, p50/p90/p99/p99.9/max in ms.
//   g++ -O2 -std=c++20 -pthread bench/api/api_load.cc -o build/api_load
//   build/api_load --port 8080 --token gnt_... --rate 2000 --seconds 20 --connections 8
//       --target /api/v1/tags/acme/plant1/packaging/line1/filler/speed [--target ...]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Reads one HTTP response (Content-Length bodies); returns the status or -1.
int ReadResponse(int fd, std::string& buf) {
  for (;;) {
    size_t head = buf.find("\r\n\r\n");
    if (head != std::string::npos) {
      size_t cl = 0;
      const char* k = "Content-Length: ";
      size_t at = buf.find(k);
      if (at != std::string::npos && at < head)
        cl = std::strtoul(buf.c_str() + at + 16, nullptr, 10);
      if (buf.size() >= head + 4 + cl) {
        int status = std::atoi(buf.c_str() + 9);
        buf.erase(0, head + 4 + cl);
        return status;
      }
    }
    char tmp[65536];
    ssize_t n = recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<size_t>(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8080, connections = 8, seconds = 20;
  double rate = 2000;
  std::string token;
  std::vector<std::string> targets;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port")
      port = std::atoi(v.c_str());
    else if (k == "--rate")
      rate = std::atof(v.c_str());
    else if (k == "--seconds")
      seconds = std::atoi(v.c_str());
    else if (k == "--connections")
      connections = std::atoi(v.c_str());
    else if (k == "--token")
      token = v;
    else if (k == "--target")
      targets.push_back(v);
  }
  if (targets.empty()) targets.push_back("/health");
  std::vector<std::vector<double>> lat(static_cast<size_t>(connections));
  std::atomic<long> errors{0};
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto end = start + std::chrono::seconds(seconds);
  const auto period = std::chrono::duration<double>(connections / rate);
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      int fd = Connect(port);
      if (fd < 0) {
        errors++;
        return;
      }
      std::string buf;
      auto next = start + std::chrono::duration_cast<Clock::duration>(period * c / connections);
      for (long i = 0; next < end; ++i) {
        std::this_thread::sleep_until(next);
        const std::string& target = targets[static_cast<size_t>(i + c) % targets.size()];
        std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
        req += "\r\n";
        if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()) ||
            ReadResponse(fd, buf) != 200) {
          errors++;
          close(fd);
          fd = Connect(port);
          buf.clear();
          if (fd < 0) return;
        }
        lat[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - next).count());
        next += std::chrono::duration_cast<Clock::duration>(period);
      }
      close(fd);
    });
  }
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  std::printf(
      "requests %zu (%.0f/s), errors %ld, latency ms: p50 %.3f p90 %.3f p99 %.3f "
      "p99.9 %.3f max %.3f\n",
      all.size(), all.size() / static_cast<double>(seconds), errors.load(), pct(0.5), pct(0.9),
      pct(0.99), pct(0.999), all.empty() ? 0.0 : all.back());
  return errors.load() > 0 ? 1 : 0;
}
