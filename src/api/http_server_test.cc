#include "api/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "api/static_files.h"

namespace gantry {
namespace {

// A blocking loopback client with a receive timeout, so no test can hang.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  // Reads until the peer closes or the timeout passes.
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  // Reads until `needle` has been seen (returns everything read), the peer closes, or 15 s pass
  // (generous: a loaded CI machine running the sanitizer build can be slow to schedule the
  // server; a receive timeout inside that budget is waited out, not taken as the end).
  std::string ReadUntil(std::string_view needle) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    std::vector<char> buf(1 << 16);
    size_t from = 0;  // where the needle may still start: only new bytes are searched
    while (received_.find(needle, from) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      from = received_.size() >= needle.size() ? received_.size() - needle.size() + 1 : 0;
      ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      if (n <= 0) break;
      received_.append(buf.data(), static_cast<size_t>(n));
    }
    return received_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

struct Reply {
  int status = 0;
  std::string head;
  std::string body;
};

Reply Parse(const std::string& raw) {
  Reply r;
  const size_t end = raw.find("\r\n\r\n");
  r.head = raw.substr(0, end);
  if (end != std::string::npos) r.body = raw.substr(end + 4);
  if (raw.size() > 12) r.status = std::atoi(raw.substr(9, 3).c_str());
  return r;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<TagConfig> tags(3);
    tags[0].path = "acme/plant1/packaging/line1/filler/speed";
    tags[0].unit = "bpm";
    tags[0].description = "Filler speed";
    tags[0].source = "filler-plc hr:0 uint16";
    tags[1].path = "acme/plant1/packaging/line1/filler/state";
    tags[1].type = ValueType::kString;
    tags[2].path = "acme/plant1/packaging/line10/capper/speed";
    auto r = TagRegistry::Build(std::move(tags));
    ASSERT_TRUE(r.ok());
    registry_ = std::move(r).value();
    values_ = std::make_unique<CurrentValues>(registry_.size());
    values_->Apply({Sample{0, 1'700'000'000'000'000'000, Value(120.5), Quality::Good()},
                    Sample{2, 1'700'000'000'000'000'000, Value(80.0), Quality::Good(),
                           1'700'000'000'250'000'000}});
    ApiContext ctx;
    ctx.registry = &registry_;
    ctx.values = values_.get();
    ctx.connectors = [] {
      ConnectorHealth h;
      h.device = "filler-plc";
      h.state = ConnectorState::kBackoff;
      h.last_error = "filler-plc: connection refused";
      return std::vector<ConnectorHealth>{h};
    };
    ApiOptions options;
    options.port = 0;
    options.max_streams = 2;
    auto server = ApiServer::Start(options, ctx);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  Reply Get(std::string_view target, std::string_view method = "GET") {
    RawClient c(server_->port());
    EXPECT_TRUE(c.connected());
    c.Send(std::string(method) + " " + std::string(target) +
           " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    return Parse(c.ReadAll());
  }

  TagRegistry registry_;
  std::unique_ptr<CurrentValues> values_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(ApiServerTest, HealthIsOkEvenWhenADeviceIsDown) {
  Reply r = Get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("application/json"), std::string::npos);
  EXPECT_NE(r.body.find("\"status\":\"ok\""), std::string::npos);
  EXPECT_NE(r.body.find("\"device\":\"filler-plc\""), std::string::npos);
  EXPECT_NE(r.body.find("\"state\":\"backoff\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("connection refused"), std::string::npos);
}

TEST_F(ApiServerTest, TagListFiltersByWholeSegmentPrefix) {
  Reply all = Get("/api/v1/tags");
  EXPECT_EQ(all.status, 200);
  EXPECT_NE(all.body.find("line10/capper/speed"), std::string::npos);
  Reply line1 = Get("/api/v1/tags?prefix=acme/plant1/packaging/line1");
  EXPECT_EQ(line1.status, 200);
  EXPECT_EQ(line1.body.find("line10"), std::string::npos) << line1.body;
  EXPECT_NE(line1.body.find("\"path\":\"acme/plant1/packaging/line1/filler/speed\""),
            std::string::npos);
  EXPECT_NE(line1.body.find("\"value\":120.5"), std::string::npos) << line1.body;
  EXPECT_NE(line1.body.find("\"unit\":\"bpm\""), std::string::npos);
  EXPECT_NE(line1.body.find("\"time\":\"2023-11-14T22:13:20.000Z\""), std::string::npos);
  EXPECT_NE(line1.body.find("\"quality\":\"BadWaitingForInitialData\""), std::string::npos);
  Reply encoded = Get("/api/v1/tags?prefix=acme%2Fplant1%2Fpackaging%2Fline10");
  EXPECT_NE(encoded.body.find("line10/capper"), std::string::npos);
  EXPECT_EQ(encoded.body.find("line1/filler"), std::string::npos);
}

TEST_F(ApiServerTest, OneTagShowsValueQualityTimeAndSource) {
  Reply r = Get("/api/v1/tags/acme/plant1/packaging/line1/filler/speed");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"value\":120.5"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"quality\":\"Good\""), std::string::npos);
  EXPECT_NE(r.body.find("\"quality_code\":0"), std::string::npos);
  EXPECT_NE(r.body.find("\"type\":\"double\""), std::string::npos);
  EXPECT_NE(r.body.find("\"source\":\"filler-plc hr:0 uint16\""), std::string::npos);
  EXPECT_EQ(r.body.find("server_time"), std::string::npos) << r.body;  // not through a server
  Reply stamped = Get("/api/v1/tags/acme/plant1/packaging/line10/capper/speed");
  EXPECT_NE(stamped.body.find("\"time\":\"2023-11-14T22:13:20.000Z\""), std::string::npos);
  EXPECT_NE(stamped.body.find("\"server_time\":\"2023-11-14T22:13:20.250Z\""), std::string::npos)
      << stamped.body;
  Reply waiting = Get("/api/v1/tags/acme/plant1/packaging/line1/filler/state");
  EXPECT_NE(waiting.body.find("\"value\":null"), std::string::npos) << waiting.body;
  EXPECT_NE(waiting.body.find("\"time\":null"), std::string::npos);
}

TEST_F(ApiServerTest, UnknownTagIs404ProblemNamingThePath) {
  Reply r = Get("/api/v1/tags/acme/plant1/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.head.find("application/problem+json"), std::string::npos);
  EXPECT_NE(r.body.find("unknown tag path 'acme/plant1/nope'; list tags at /api/v1/tags"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"status\":404"), std::string::npos);
  EXPECT_EQ(Get("/no/such/route").status, 404);
}

TEST_F(ApiServerTest, BadRequestsGet400NotACrash) {
  Reply escape = Get("/api/v1/tags/acme%zz");
  EXPECT_EQ(escape.status, 400);
  Reply param = Get("/api/v1/tags?prefx=acme");
  EXPECT_EQ(param.status, 400);
  EXPECT_NE(param.body.find("\"parameter\":\"prefx\""), std::string::npos) << param.body;
  RawClient garbage(server_->port());
  garbage.Send("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(Parse(garbage.ReadAll()).status, 400);
  RawClient huge(server_->port());
  huge.Send("POST /api/v1/tags HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
  EXPECT_EQ(Parse(huge.ReadAll()).status, 413);
  RawClient long_header(server_->port());
  long_header.Send("GET /health HTTP/1.1\r\nX-Filler: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(Parse(long_header.ReadAll()).status, 431);
  EXPECT_EQ(Get("/health").status, 200);  // still serving
}

TEST_F(ApiServerTest, HeadHasNoBodyAndOtherMethodsAre405) {
  Reply head = Get("/health", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_NE(head.head.find("Content-Length: "), std::string::npos);
  Reply post = Get("/api/v1/tags", "DELETE");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.head.find("Allow: GET, HEAD"), std::string::npos) << post.head;
}

TEST_F(ApiServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  RawClient c(server_->port());
  c.Send(
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n"
      "Connection: close\r\n\r\n");
  std::string all = c.ReadAll();
  size_t first = all.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(all.find("HTTP/1.1 200", first + 1), std::string::npos);
}

TEST_F(ApiServerTest, StreamSendsCurrentValuesThenChanges) {
  RawClient c(server_->port());
  c.Send("GET /api/v1/stream?prefix=acme/plant1/packaging/line1 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string initial = c.ReadUntil("event: ready");
  EXPECT_NE(initial.find("text/event-stream"), std::string::npos);
  EXPECT_NE(
      initial.find("event: value\ndata: {\"path\":\"acme/plant1/packaging/line1/filler/speed\""
                   ",\"quality\":\"Good\""),
      std::string::npos)
      << initial;
  EXPECT_NE(initial.find("event: ready\ndata: {\"tags\":2}"), std::string::npos);
  EXPECT_EQ(initial.find("line10"), std::string::npos);

  values_->Apply({Sample{2, 5, Value(1.0), Quality::Good()},  // line10: not streamed
                  Sample{1, 5, Value("running"), Quality::Good()}});
  std::string after = c.ReadUntil("running");
  EXPECT_NE(after.find("\"path\":\"acme/plant1/packaging/line1/filler/state\",\"quality\":\"Good\""
                       ",\"time\":\"1970-01-01T00:00:00.000000005Z\",\"value\":\"running\""),
            std::string::npos)
      << after;
  EXPECT_EQ(after.find("line10"), std::string::npos);
}

TEST_F(ApiServerTest, StreamWakesOnAChangeInsteadOfWaitingForAPoll) {
  RawClient c(server_->port());
  c.Send("GET /api/v1/stream?prefix=acme/plant1/packaging/line1 HTTP/1.1\r\nHost: x\r\n\r\n");
  c.ReadUntil("event: ready");
  // Ten speed changes, one at a time: each must reach the client well inside the 100 ms the old
  // polling design waited on average-to-worst (median taken so one scheduler hiccup cannot fail).
  std::vector<double> ms;
  for (int i = 0; i < 10; ++i) {
    const std::string mark = "\"value\":" + std::to_string(200 + i) + ".5}";
    const auto t0 = std::chrono::steady_clock::now();
    values_->Apply(
        {Sample{0, 1'700'000'000'000'000'000 + i + 1, Value(200.5 + i), Quality::Good()}});
    std::string got = c.ReadUntil(mark);
    ASSERT_NE(got.find(mark), std::string::npos) << got;
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_LT(ms[5], 40.0) << "median change -> client latency";
}

TEST_F(ApiServerTest, TwoStreamsShareOneBatchEachGetsOnlyItsOwnTagsInOrder) {
  // The watcher composes each changed tag's event once; each stream writes the ones it watches.
  RawClient line1(server_->port()), plant(server_->port());
  line1.Send("GET /api/v1/stream?prefix=acme/plant1/packaging/line1 HTTP/1.1\r\nHost: x\r\n\r\n");
  plant.Send("GET /api/v1/stream?prefix=acme/plant1 HTTP/1.1\r\nHost: x\r\n\r\n");
  const size_t line1_ready = line1.ReadUntil("event: ready").size();
  const size_t plant_ready = plant.ReadUntil("event: ready").size();
  const Timestamp t = 1'800'000'000'000'000'000;
  values_->Apply({Sample{0, t, Value(99.5), Quality::Good()},    // line1 speed: both
                  Sample{2, t, Value(33.5), Quality::Good()}});  // line10 speed: plant only
  std::string a = line1.ReadUntil("99.5").substr(line1_ready);
  std::string b = plant.ReadUntil("33.5");
  b = plant.ReadUntil("99.5").substr(plant_ready);
  const std::string speed =
      "event: value\ndata: {\"path\":\"acme/plant1/packaging/line1/filler/speed\",\"quality\":"
      "\"Good\",\"time\":\"" +
      FormatIso8601(t) + "\",\"value\":99.5}\n\n";
  EXPECT_NE(a.find(speed), std::string::npos) << a;
  EXPECT_EQ(a.find("line10"), std::string::npos) << a;
  ASSERT_NE(b.find(speed), std::string::npos) << b;
  ASSERT_NE(b.find("line10/capper/speed"), std::string::npos) << b;
  EXPECT_LT(b.find(speed), b.find("line10/capper/speed")) << "events in tag order: " << b;
  // A later change of the same tag arrives once.
  values_->Apply({Sample{0, t + 1, Value(100.5), Quality::Good()}});
  std::string a2 = line1.ReadUntil("100.5").substr(line1_ready);
  const size_t first = a2.find("\"value\":100.5}");
  ASSERT_NE(first, std::string::npos) << a2;
  EXPECT_EQ(a2.find("\"value\":100.5}", first + 1), std::string::npos) << a2;
}

TEST_F(ApiServerTest, AStreamThatFallsBehindGetsWholeEventsInOrderEndingWithTheLatest) {
  // 64 changes of 256 kB each (16 MB) while the client reads nothing: more than loopback's
  // socket buffers hold (4 + 6 MB at most), so the server's in-place send is partial or refused and
  // the rest goes asynchronously, with later changes coalesced meanwhile. Every event must arrive
  // whole, in change order, and the last change must arrive.
  RawClient c(server_->port());
  c.Send("GET /api/v1/stream?prefix=acme/plant1/packaging/line1 HTTP/1.1\r\nHost: x\r\n\r\n");
  const size_t ready = c.ReadUntil("event: ready").size();
  const std::string padding(256 * 1024, 'x');
  constexpr int kChanges = 64;
  for (int i = 0; i < kChanges; ++i) {
    const std::string v = "v" + std::to_string(i) + ":" + padding + ":end" + std::to_string(i);
    values_->Apply({Sample{1, 10 + i, Value(v), Quality::Good()}});
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // mostly one change per batch
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the server fill the pipe
  const std::string last = ":end" + std::to_string(kChanges - 1) + "\"}\n\n";
  const std::string got = c.ReadUntil(last).substr(ready);
  ASSERT_NE(got.find(last), std::string::npos) << got.size() << " bytes, no last change";
  int previous = -1;
  int events = 0;
  const std::string start =
      "event: value\ndata: {\"path\":\"acme/plant1/packaging/line1/filler/state\"";
  for (size_t at = got.find(start); at != std::string::npos; at = got.find(start, at + 1)) {
    const size_t v = got.find("\"value\":\"v", at);
    ASSERT_NE(v, std::string::npos);
    const int k = std::stoi(got.substr(v + 10, 4));
    EXPECT_GT(k, previous) << "changes out of order";
    const std::string whole =
        std::to_string(k) + ":" + padding + ":end" + std::to_string(k) + "\"}\n\n";
    EXPECT_EQ(got.compare(v + 10, whole.size(), whole), 0) << "event " << k << " is not whole";
    previous = k;
    ++events;
  }
  EXPECT_EQ(previous, kChanges - 1);
  EXPECT_GE(events, 2);  // some were written while others waited (coalescing may merge the rest)
}

TEST_F(ApiServerTest, StreamsBeyondTheLimitGet503AndClosedStreamsFreeTheirSlot) {
  {
    RawClient a(server_->port()), b(server_->port());
    a.Send("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n");
    b.Send("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n");
    a.ReadUntil("event: ready");
    b.ReadUntil("event: ready");
    EXPECT_EQ(Get("/api/v1/stream").status, 503);
  }
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {  // the server notices the close
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    RawClient c(server_->port());
    c.Send("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n");
    status = Parse(c.ReadUntil("\r\n\r\n")).status;
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ApiServerTest, StreamForUnknownPrefixIs404) {
  Reply r = Get("/api/v1/stream?prefix=acme/plant9");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\"parameter\":\"prefix\""), std::string::npos);
}

TEST(ApiServer, QuietStreamSendsHeartbeats) {
  std::vector<TagConfig> tags(1);
  tags[0].path = "acme/line1/speed";
  auto registry = TagRegistry::Build(std::move(tags));
  ASSERT_TRUE(registry.ok());
  CurrentValues values(registry->size());
  ApiOptions options;
  options.port = 0;
  options.heartbeat = 150 * kMillisecond;
  auto server = ApiServer::Start(options, ApiContext{&*registry, &values, {}, {}});
  ASSERT_TRUE(server.ok());
  RawClient c((*server)->port());
  c.Send("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got = c.ReadUntil(": heartbeat\n\n");
  EXPECT_NE(got.find("\"quality\":\"BadWaitingForInitialData\""), std::string::npos) << got;
  EXPECT_NE(got.find(": heartbeat\n\n"), std::string::npos) << got;
}

TEST(ApiServer, EightStreamsOverBothDeliveryLanesEachGetEveryTagsChangesInOrder) {
  // Streams are spread over the I/O threads' delivery lanes; each stream must still see each
  // tag's changes in change order, ending with the latest.
  std::vector<TagConfig> tags(2);
  tags[0].path = "acme/line1/a";
  tags[1].path = "acme/line1/b";
  auto registry = TagRegistry::Build(std::move(tags));
  ASSERT_TRUE(registry.ok());
  CurrentValues values(registry->size());
  ApiOptions options;
  options.port = 0;
  options.threads = 2;
  auto server = ApiServer::Start(options, ApiContext{&*registry, &values, {}, {}});
  ASSERT_TRUE(server.ok());
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::make_unique<RawClient>((*server)->port()));
    clients.back()->Send("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n");
    clients.back()->ReadUntil("event: ready");
  }
  constexpr int kChanges = 30;
  for (int i = 0; i < kChanges; ++i) {
    values.Apply({Sample{0, 10 + i, Value(1000.0 + i), Quality::Good()},
                  Sample{1, 10 + i, Value(2000.0 + i), Quality::Good()}});
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& c : clients) {
    c->ReadUntil("\"value\":" + std::to_string(1000 + kChanges - 1));
    const std::string got = c->ReadUntil("\"value\":" + std::to_string(2000 + kChanges - 1));
    int last_a = -1, last_b = -1;
    for (size_t at = got.find("\"value\":"); at != std::string::npos;
         at = got.find("\"value\":", at + 1)) {
      if (got.compare(at + 8, 1, "n") == 0) continue;  // the snapshot's null
      const int v = std::stoi(got.substr(at + 8, 4));
      int& last = v >= 2000 ? last_b : last_a;
      // Never older; the same value twice is allowed (the watcher composes a tag's text when it
      // sends, so a change racing the previous batch can be sent in both).
      EXPECT_GE(v, last) << "out of order: " << got;
      last = v;
    }
    EXPECT_EQ(last_a, 1000 + kChanges - 1) << got;
    EXPECT_EQ(last_b, 2000 + kChanges - 1) << got;
  }
}

TEST(ApiServer, DashboardAssetsKeepTheirCacheControlApiAnswersAreNoStore) {
  TagRegistry registry;
  CurrentValues values(0);
  StaticFiles files;
  files.files["/index.html"] = "<!doctype html><title>Gantry</title>";
  files.files["/assets/index-3f2a9c.js"] = "console.log('plant')";
  ApiContext ctx{&registry, &values, {}, {}};
  ctx.modules.push_back(StaticFilesModule(std::move(files)));
  ApiOptions options;
  options.port = 0;
  auto server = ApiServer::Start(options, ctx);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto head_of = [&](std::string_view target) {
    RawClient c((*server)->port());
    c.Send("GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return Parse(c.ReadAll());
  };
  auto count = [](const std::string& text, std::string_view needle) {
    int n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
      ++n;
    return n;
  };
  Reply asset = head_of("/assets/index-3f2a9c.js");
  EXPECT_EQ(asset.status, 200);
  EXPECT_NE(asset.head.find("Cache-Control: public, max-age=31536000, immutable"),
            std::string::npos)
      << asset.head;
  EXPECT_EQ(count(asset.head, "Cache-Control"), 1) << asset.head;
  Reply index = head_of("/");
  EXPECT_NE(index.head.find("Cache-Control: no-cache"), std::string::npos) << index.head;
  EXPECT_EQ(count(index.head, "Cache-Control"), 1) << index.head;
  Reply api = head_of("/api/v1/tags");
  EXPECT_EQ(api.status, 200);
  EXPECT_NE(api.head.find("Cache-Control: no-store"), std::string::npos) << api.head;
  EXPECT_NE(asset.head.find("X-Content-Type-Options: nosniff"), std::string::npos);
}

TEST(ApiServer, BusyPortAndBadAddressAreReportedNotThrown) {
  TagRegistry registry;
  CurrentValues values(0);
  ApiContext ctx{&registry, &values, {}, {}};
  ApiOptions options;
  options.port = 0;
  auto first = ApiServer::Start(options, ctx);
  ASSERT_TRUE(first.ok());
  options.port = (*first)->port();
  auto second = ApiServer::Start(options, ctx);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(std::to_string(options.port)), std::string::npos);
  options.listen = "localhost-ish";
  EXPECT_EQ(ApiServer::Start(options, ctx).status().code(), StatusCode::kInvalidArgument);
  (*first)->Stop();
  (*first)->Stop();
}

}  // namespace
}  // namespace gantry
