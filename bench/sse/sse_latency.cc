// SSE latency under fan-out, measured by a client that is not the bottleneck: starts `gantry demo`
// (fresh data folder, free ports), opens N /api/v1/stream subscribers from this second process on
// loopback, and for every `value` event after the snapshot takes the time from the sample's
// timestamp (taken by the Modbus connector when it read the register) to its arrival here. One
// epoll thread; the wall clock is read right after each recv(), and only the event's "time" is
// parsed. Same measure as sse_latency.mjs (kept), without Node's per-event cost.
//   g++ -O2 -std=c++20 -pthread bench/sse/sse_latency.cc -o build/sse_latency
//   build/sse_latency --gantry build/release/src/gantry [--subscribers 200] [--seconds 20]
//       [--prefix acme/plant1/packaging/line1] [--dump changes.txt] [--poll-ms 500]
//   build/sse_latency --port 8080 --token gnt_... ...   (a gantry already running)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

int64_t WallNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// "2026-11-22T12:00:00.123456789Z" -> ns since the epoch; -1 when not that shape.
int64_t ParseIsoNs(const char* p, size_t n) {
  if (n < 20 || p[4] != '-' || p[10] != 'T') return -1;
  tm t{};
  t.tm_year = std::atoi(std::string(p, 4).c_str()) - 1900;
  t.tm_mon = std::atoi(std::string(p + 5, 2).c_str()) - 1;
  t.tm_mday = std::atoi(std::string(p + 8, 2).c_str());
  t.tm_hour = std::atoi(std::string(p + 11, 2).c_str());
  t.tm_min = std::atoi(std::string(p + 14, 2).c_str());
  t.tm_sec = std::atoi(std::string(p + 17, 2).c_str());
  int64_t ns = static_cast<int64_t>(timegm(&t)) * 1'000'000'000;
  if (p[19] == '.') {
    int64_t frac = 0;
    int digits = 0;
    for (size_t i = 20; i < n && p[i] >= '0' && p[i] <= '9'; ++i, ++digits)
      if (digits < 9) frac = frac * 10 + (p[i] - '0');
    for (; digits < 9; ++digits) frac *= 10;
    ns += frac;
  }
  return ns;
}

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

struct Subscriber {
  int fd = -1;
  std::string buf;
  bool head_done = false;
  bool live = false;  // past the snapshot's "ready" event
  bool refused = false;
};

// One value event as it arrived: the sample's time and the arrival time (ns).
struct Arrival {
  int64_t sample = 0;
  int64_t arrived = 0;
};

// Consumes whole events from s.buf; appends the value events' arrivals.
void Consume(Subscriber& s, int64_t arrived, std::vector<Arrival>& arrivals, int& ready) {
  if (!s.head_done) {
    const size_t end = s.buf.find("\r\n\r\n");
    if (end == std::string::npos) return;
    if (s.buf.compare(0, 12, "HTTP/1.1 200") != 0) s.refused = true;
    s.buf.erase(0, end + 4);
    s.head_done = true;
  }
  size_t pos = 0;
  for (;;) {
    const size_t end = s.buf.find("\n\n", pos);
    if (end == std::string::npos) break;
    const std::string_view block(s.buf.data() + pos, end - pos);
    pos = end + 2;
    if (block.starts_with("event: ready")) {
      s.live = true;
      ++ready;
      continue;
    }
    if (!s.live || !block.starts_with("event: value")) continue;
    const size_t t = block.find("\"time\":\"");
    if (t == std::string_view::npos) continue;
    const size_t q = block.find('"', t + 8);
    const int64_t sample = ParseIsoNs(block.data() + t + 8, q - t - 8);
    if (sample > 0) arrivals.push_back({sample, arrived});
  }
  s.buf.erase(0, pos);
}

// Starts `gantry demo` on a fresh folder; returns its pid, port and viewer token.
bool StartDemo(const std::string& exe, const std::string& data, pid_t& pid, int& port,
               std::string& token) {
  int out[2];
  if (pipe(out) != 0) return false;
  pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    close(out[0]);
    execl(exe.c_str(), exe.c_str(), "demo", "--port", "0", "--sim-port", "0", "--data",
          data.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[4096];
  const char* mark = "Gantry is running: http://127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    const size_t at = text.find(mark);
    if (at != std::string::npos && text.find('/', at + std::strlen(mark)) != std::string::npos) {
      port = std::atoi(text.c_str() + at + std::strlen(mark));
      break;
    }
  }
  // Keep draining the demo's output so that it never blocks on a full pipe.
  if (fork() == 0) {
    while (read(out[0], buf, sizeof buf) > 0) {
    }
    _exit(0);
  }
  close(out[0]);
  if (port == 0) {
    std::fprintf(stderr, "gantry demo did not start:\n%s\n", text.c_str());
    return false;
  }
  std::ifstream creds(data + "/demo-credentials.json");
  std::stringstream ss;
  ss << creds.rdbuf();
  const std::string json = ss.str();
  const size_t k = json.find("\"viewer_token\"");
  if (k != std::string::npos) {
    const size_t a = json.find('"', json.find(':', k) + 1);
    token = json.substr(a + 1, json.find('"', a + 1) - a - 1);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string exe = "build/release/src/gantry", token, prefix = "acme/plant1/packaging/line1";
  std::string dump;  // --dump FILE: one line per change (sample time, first and last arrival)
  int subscribers = 200, seconds = 20, port = 0;
  double poll_ms = 500;  // --poll-ms: the connector's poll interval (the demo's fast group)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--gantry")
      exe = v;
    else if (k == "--subscribers")
      subscribers = std::atoi(v.c_str());
    else if (k == "--seconds")
      seconds = std::atoi(v.c_str());
    else if (k == "--prefix")
      prefix = v;
    else if (k == "--port")
      port = std::atoi(v.c_str());
    else if (k == "--token")
      token = v;
    else if (k == "--dump")
      dump = v;
    else if (k == "--poll-ms")
      poll_ms = std::atof(v.c_str());
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  pid_t demo = 0;
  std::string data;
  if (port == 0) {
    char tmpl[] = "/tmp/gantry-sse-bench-XXXXXX";
    data = mkdtemp(tmpl);
    if (!StartDemo(exe, data, demo, port, token)) return 1;
  }

  const int ep = epoll_create1(0);
  std::vector<Subscriber> subs(static_cast<size_t>(subscribers));
  std::string request = "GET /api/v1/stream?prefix=" + prefix +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  request += "\r\n";
  int refused = 0;
  for (size_t i = 0; i < subs.size(); ++i) {
    Subscriber& s = subs[i];
    s.fd = Connect(port);
    if (s.fd < 0 || send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
      ++refused;
      continue;
    }
    fcntl(s.fd, F_SETFL, fcntl(s.fd, F_GETFL) | O_NONBLOCK);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, s.fd, &e);
  }

  std::vector<Arrival> arrivals;
  arrivals.reserve(1 << 20);
  int ready = 0;
  std::vector<epoll_event> events(256);
  char buf[65536];
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      Subscriber& s = subs[events[static_cast<size_t>(i)].data.u64];
      for (;;) {
        const ssize_t got = recv(s.fd, buf, sizeof buf, 0);
        const int64_t arrived = WallNs();
        if (got <= 0) {
          if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            epoll_ctl(ep, EPOLL_CTL_DEL, s.fd, nullptr);
            close(s.fd);
            s.fd = -1;
          }
          break;
        }
        s.buf.append(buf, static_cast<size_t>(got));
        Consume(s, arrived, arrivals, ready);
        // A short read drained the socket: epoll (level-triggered) reports it again when more
        // arrives, so a second recv() that would only say EAGAIN is saved (half the client's
        // system calls, on the cores the server needs).
        if (static_cast<size_t>(got) < sizeof buf) break;
      }
    }
  }
  for (Subscriber& s : subs) {
    if (s.fd >= 0) close(s.fd);
    if (s.refused) ++refused;
  }
  if (demo > 0) {
    kill(demo, SIGTERM);
    waitpid(demo, nullptr, 0);
    std::filesystem::remove_all(data);
  }
  std::vector<double> latencies;
  for (const Arrival& a : arrivals)
    latencies.push_back(static_cast<double>(a.arrived - a.sample) / 1e6);
  std::sort(latencies.begin(), latencies.end());
  // Per sample time (one change, fanned out to every stream): when the first stream had it and
  // how long the last one waited after the first.
  std::sort(arrivals.begin(), arrivals.end(), [](const Arrival& a, const Arrival& b) {
    return a.sample != b.sample ? a.sample < b.sample : a.arrived < b.arrived;
  });
  std::vector<double> first, spread;
  FILE* out = dump.empty() ? nullptr : std::fopen(dump.c_str(), "w");
  for (size_t i = 0; i < arrivals.size();) {
    size_t j = i;
    while (j < arrivals.size() && arrivals[j].sample == arrivals[i].sample) ++j;
    first.push_back(static_cast<double>(arrivals[i].arrived - arrivals[i].sample) / 1e6);
    if (out) {
      std::fprintf(out, "%lld.%09lld %zu %.3f %.3f\n",
                   static_cast<long long>(arrivals[i].sample / 1'000'000'000),
                   static_cast<long long>(arrivals[i].sample % 1'000'000'000), j - i,
                   static_cast<double>(arrivals[i].arrived - arrivals[i].sample) / 1e6,
                   static_cast<double>(arrivals[j - 1].arrived - arrivals[i].sample) / 1e6);
    }
    spread.push_back(static_cast<double>(arrivals[j - 1].arrived - arrivals[i].arrived) / 1e6);
    i = j;
  }
  if (out) std::fclose(out);
  std::sort(first.begin(), first.end());
  std::sort(spread.begin(), spread.end());
  auto median = [](const std::vector<double>& v) { return v.empty() ? 0.0 : v[v.size() / 2]; };
  auto q = [&](double p) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1,
                              static_cast<size_t>(p * static_cast<double>(latencies.size())))];
  };
  // The measure, "register change in the device -> event at a client", is the wait for
  // the next poll plus read -> client. A register changes at a moment unrelated to the poll grid,
  // so the wait is uniform over [0, poll interval); its p99 together with the measured read ->
  // client latencies L_i is the x where mean_i P(U + L_i > x) = 1 %, P(U > y) = 1 - y / poll.
  auto exceed = [&](double x) {
    double sum = 0;
    for (double l : latencies) sum += std::clamp(1.0 - (x - l) / poll_ms, 0.0, 1.0);
    return latencies.empty() ? 0.0 : sum / static_cast<double>(latencies.size());
  };
  double lo = 0, hi = poll_ms + (latencies.empty() ? 0.0 : latencies.back());
  for (int i = 0; i < 60; ++i) ((exceed((lo + hi) / 2) > 0.01) ? lo : hi) = (lo + hi) / 2;
  std::printf("{\"change_to_client_ms_p99\":%.2f,\"poll_ms\":%.0f,\"bound_ms\":%.0f}\n", hi,
              poll_ms, poll_ms + 5);
  std::printf(
      "{\"subscribers\":%d,\"streams_ready\":%d,\"refused\":%d,\"seconds\":%d,\"events\":%zu,"
      "\"read_to_client_ms\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f},"
      "\"changes\":%zu,\"first_stream_ms_p50\":%.2f,\"first_to_last_stream_ms_p50\":%.2f}\n",
      subscribers, ready, refused, seconds, latencies.size(), q(0.5), q(0.9), q(0.99),
      latencies.empty() ? 0.0 : latencies.back(), first.size(), median(first), median(spread));
  return 0;
}
