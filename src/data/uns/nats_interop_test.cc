// The publisher against independent peers started by the test on 127.0.0.1: Debian's nats-server
// and a subscriber written with npm nats (tests/interop/nats_subscriber.js). Each is killed by
// the test (by its own pid) when done.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "data/uns/nats_transport.h"
#include "data/uns/uns_publisher.h"
#include "field/modbus/modbus_test_process.h"

namespace gantry::uns {
namespace {

using json = nlohmann::json;
using modbus::ChildProcess;
using namespace std::chrono_literals;

const std::string kSubscriber =
    std::string(GANTRY_SOURCE_DIR) + "/tests/interop/nats_subscriber.js";
constexpr Timestamp kT0 = 1'700'000'000'000'000'000;
const char* kSpeed = "uns.acme.plant1.packaging.line1.filler.speed";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool HavePeers() {
  return system("command -v nats-server >/dev/null 2>&1 && command -v node >/dev/null 2>&1") == 0 &&
         std::filesystem::exists(std::string(GANTRY_SOURCE_DIR) +
                                 "/tests/interop/node_modules/nats");
}

std::unique_ptr<ChildProcess> StartServer(int port, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"nats-server", "-a", "127.0.0.1", "-p", std::to_string(port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto p = std::make_unique<ChildProcess>(argv);
  if (!p->WaitForLine([](const std::string& l) { return l.find("Server is ready") != l.npos; },
                      10s)) {
    ADD_FAILURE() << "nats-server did not start:\n" << p->Output();
    return nullptr;
  }
  return p;
}

std::unique_ptr<ChildProcess> StartSubscriber(const std::string& url, const std::string& pattern,
                                              std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"node", kSubscriber, url, pattern};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto p = std::make_unique<ChildProcess>(argv);
  if (!p->WaitForLine([](const std::string& l) { return l == "ready"; }, 15s)) {
    ADD_FAILURE() << "subscriber did not start:\n" << p->Output();
    return nullptr;
  }
  return p;
}

// The next message the subscriber printed, or null after `timeout`.
json NextMessage(ChildProcess& sub, std::chrono::milliseconds timeout = 5s) {
  std::optional<std::string> l =
      sub.WaitForLine([](const std::string& s) { return !s.empty() && s[0] == '{'; }, timeout);
  if (!l) return nullptr;
  return json::parse(*l, nullptr, false);
}

TagRegistry Line() {
  std::vector<TagConfig> tags(3);
  tags[0].path = "acme/plant1/packaging/line1/filler/speed";
  tags[1].path = "acme/plant1/packaging/line1/filler/temperature";
  tags[2].path = "acme/plant1/packaging/line1/capper/speed";
  return TagRegistry::Build(std::move(tags)).value();
}

Sample At(TagId tag, int second, Value v, Quality q = Quality::Good()) {
  return Sample{tag, kT0 + second * kSecond, std::move(v), q};
}

struct Plant {
  TagRegistry registry = Line();
  TagBus bus;
  CurrentValues values{registry.size()};
  std::unique_ptr<UnsPublisher> uns;
  Plant(NatsSettings nats, UnsOptions o) {
    uns = std::make_unique<UnsPublisher>(registry, bus, &values,
                                         std::make_unique<NatsTransport>(nats), o);
  }
  void Publish(std::vector<Sample> batch) {
    values.Apply(batch);
    bus.Publish(std::move(batch));
  }
  bool WaitUntil(const std::function<bool(const UnsStats&)>& want, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (want(uns->Stats())) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

TEST(UnsOverNats, ChangesArriveOnceAndABrokerRestartDeliversLatestStateThenTheBacklog) {
  if (!HavePeers())
    GTEST_SKIP() << "nats-server, node or npm nats missing (scripts/deps.sh --test)";
  const int port = FreePort();
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  std::unique_ptr<ChildProcess> server = StartServer(port);
  ASSERT_TRUE(server);
  std::unique_ptr<ChildProcess> sub = StartSubscriber(url, "uns.>");
  ASSERT_TRUE(sub);

  NatsSettings nats;
  nats.servers = {url};
  nats.connect_timeout = 500 * kMillisecond;
  UnsOptions o;
  o.reconnect_min = 100 * kMillisecond;
  o.reconnect_max = 3 * kSecond;  // once the server is down a while, an attempt every 3 s
  Plant p(nats, o);
  ASSERT_TRUE(p.uns->Start().ok());
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.connected; }, 5s));

  // A value change arrives once, with the subject and JSON of docs/uns.md.
  p.Publish({At(0, 0, 120.5), At(1, 0, 71.0)});
  json m = NextMessage(*sub);
  ASSERT_TRUE(m.is_object()) << sub->Output();
  EXPECT_EQ(m["subject"], kSpeed);
  EXPECT_EQ(m["data"], json::parse(R"({"path":"acme/plant1/packaging/line1/filler/speed",
      "quality":"Good","quality_code":0,"time":"2023-11-14T22:13:20.000Z","value":120.5})"));
  EXPECT_EQ(NextMessage(*sub)["subject"], "uns.acme.plant1.packaging.line1.filler.temperature");
  // Unchanged re-reads of both are not republished; the capper's first value is the next message.
  p.Publish({At(0, 1, 120.5), At(1, 1, 71.0)});
  p.Publish({At(2, 1, 30.0)});
  EXPECT_EQ(NextMessage(*sub)["subject"], "uns.acme.plant1.packaging.line1.capper.speed");
  // A quality change is published, with the last known value.
  p.Publish({At(1, 2, Value(), Quality::BadNotConnected())});
  m = NextMessage(*sub);
  EXPECT_EQ(m["data"]["quality"], "BadNotConnected");
  EXPECT_EQ(m["data"]["quality_code"], 0x808A0000u);
  EXPECT_EQ(m["data"]["value"], 71.0);

  // The broker goes away: five speed changes are buffered.
  server->Kill();
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return !s.connected; }, 5s));
  for (int i = 1; i <= 5; ++i) p.Publish({At(0, 10 + i, 120.5 + i)});
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.backlog == 5; }, 5s));
  // Restart right after a failed attempt, so the subscriber (retrying every 100 ms) is back
  // before the publisher's next attempt, at least 1.6 s later.
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.connect_failures >= 4; }, 10s));
  const uint64_t failures = p.uns->Stats().connect_failures;
  ASSERT_TRUE(p.WaitUntil([&](const UnsStats& s) { return s.connect_failures > failures; }, 5s));
  server = StartServer(port);
  ASSERT_TRUE(server);
  ASSERT_TRUE(sub->WaitForLine([](const std::string& l) { return l == "reconnected"; }, 5s))
      << sub->Output();
  EXPECT_EQ(p.uns->Stats().connects, 1u) << "the publisher was back before the subscriber";

  // Latest state of every tag first, in tag order, then the backlog in order, marked.
  std::vector<json> got;
  for (int i = 0; i < 3 + 5; ++i) got.push_back(NextMessage(*sub, 10s));
  ASSERT_TRUE(got.back().is_object()) << sub->Output();
  EXPECT_EQ(got[0]["subject"], kSpeed);
  EXPECT_EQ(got[0]["data"]["value"], 125.5);
  EXPECT_FALSE(got[0]["data"].contains("backlog"));
  EXPECT_EQ(got[1]["data"]["quality"], "BadNotConnected");
  EXPECT_EQ(got[2]["subject"], "uns.acme.plant1.packaging.line1.capper.speed");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[3 + i]["subject"], kSpeed);
    EXPECT_EQ(got[3 + i]["data"]["backlog"], true);
    EXPECT_EQ(got[3 + i]["data"]["value"], 121.5 + i);
  }
  UnsStats s = p.uns->Stats();
  EXPECT_TRUE(s.connected);
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.connection_losses, 1u);
  EXPECT_EQ(s.backlog, 0u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.published_values, 4u + 5u);
  EXPECT_EQ(s.published_snapshot, 3u);
  EXPECT_EQ(s.suppressed, 2u);
  p.uns->Stop();
}

TEST(UnsOverNats, ALateSubscriberGetsTheFullStateAndCanAskForACurrentValue) {
  if (!HavePeers())
    GTEST_SKIP() << "nats-server, node or npm nats missing (scripts/deps.sh --test)";
  const int port = FreePort();
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  std::unique_ptr<ChildProcess> server = StartServer(port);
  ASSERT_TRUE(server);
  NatsSettings nats;
  nats.servers = {url};
  UnsOptions o;
  o.republish_every = 1 * kSecond;
  Plant p(nats, o);
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(0, 0, 120.5), At(1, 0, 71.0), At(2, 0, 30.0)});
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.published_values == 3; }, 5s));

  // Subscribes after the changes went out: the next full state brings every tag.
  std::unique_ptr<ChildProcess> late = StartSubscriber(url, "uns.acme.>");
  ASSERT_TRUE(late);
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) seen.insert(NextMessage(*late, 5s)["subject"].get<std::string>());
  EXPECT_EQ(seen.size(), 3u) << late->Output();

  ChildProcess ask({"node", kSubscriber, url, "--request",
                    "uns.$current.acme.plant1.packaging.line1.filler.temperature"});
  json reply = NextMessage(ask, 10s);
  ASSERT_TRUE(reply.is_object()) << ask.Output();
  EXPECT_EQ(reply["data"]["path"], "acme/plant1/packaging/line1/filler/temperature");
  EXPECT_EQ(reply["data"]["value"], 71.0);
  p.uns->Stop();
}

TEST(UnsOverNats, UserAndPasswordAreRequiredByTheBrokerAndUsed) {
  if (!HavePeers())
    GTEST_SKIP() << "nats-server, node or npm nats missing (scripts/deps.sh --test)";
  const int port = FreePort();
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  std::unique_ptr<ChildProcess> server =
      StartServer(port, {"--user", "gantry", "--pass", "s3cret-pw"});
  ASSERT_TRUE(server);
  std::unique_ptr<ChildProcess> sub = StartSubscriber(url, "uns.>", {"gantry", "s3cret-pw"});
  ASSERT_TRUE(sub);
  {
    NatsSettings wrong;
    wrong.servers = {url};
    wrong.user = "gantry";
    wrong.password = "wrong";
    NatsTransport t(wrong);
    Status s = t.Connect();
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("uthoriz"), std::string::npos) << s.ToString();
  }
  NatsSettings nats;
  nats.servers = {url};
  nats.user = "gantry";
  nats.password = "s3cret-pw";
  Plant p(nats, {});
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(0, 0, 1.5)});
  json m = NextMessage(*sub);
  EXPECT_EQ(m["subject"], kSpeed) << sub->Output();
  EXPECT_EQ(p.uns->Stats().connect_failures, 0u);
  p.uns->Stop();
}

TEST(UnsOverNats, TokenIsRequiredByTheBrokerAndUsed) {
  if (!HavePeers())
    GTEST_SKIP() << "nats-server, node or npm nats missing (scripts/deps.sh --test)";
  const int port = FreePort();
  std::unique_ptr<ChildProcess> server = StartServer(port, {"--auth", "t0ken-4711"});
  ASSERT_TRUE(server);
  NatsSettings nats;
  nats.servers = {"nats://127.0.0.1:" + std::to_string(port)};
  NatsTransport without(nats);
  EXPECT_FALSE(without.Connect().ok());
  nats.token = "t0ken-4711";
  NatsTransport with(nats);
  ASSERT_TRUE(with.Connect().ok());
  EXPECT_TRUE(with.connected());
  EXPECT_TRUE(with.Publish("uns.x", "{}").ok());
  // Over the server's max_payload (1 MB): refused, and the connection stays (the publisher
  // drops that one message, gantry_uns_refused_total).
  EXPECT_FALSE(with.Publish("uns.x", std::string(2'000'000, 'x')).ok());
  EXPECT_TRUE(with.connected());
  EXPECT_TRUE(with.Flush(2 * kSecond).ok());
  with.Close();
  EXPECT_FALSE(with.connected());
}

// A CA and a server certificate for 127.0.0.1 made with the openssl command line in `dir`.
bool MakeCertificates(const std::string& dir) {
  const std::string cmd =
      "cd " + dir +
      " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1"
      " -subj /CN=gantry-test-ca 2>/dev/null"
      " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
      " -subj /CN=127.0.0.1 2>/dev/null"
      " && printf 'subjectAltName=IP:127.0.0.1' > san.ext"
      " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
      " -out server.pem -days 1 -extfile san.ext 2>/dev/null";
  return system(cmd.c_str()) == 0;
}

TEST(UnsOverNats, TlsWithTheServersCaIsAcceptedAndWithoutItRefused) {
  if (!HavePeers() || system("command -v openssl >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "nats-server or openssl missing";
  const std::string dir = "/tmp/gantry-uns-tls-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(MakeCertificates(dir));
  const int port = FreePort();
  std::unique_ptr<ChildProcess> server = StartServer(
      port, {"--tls", "--tlscert", dir + "/server.pem", "--tlskey", dir + "/server.key"});
  ASSERT_TRUE(server);
  NatsSettings nats;
  nats.servers = {"tls://127.0.0.1:" + std::to_string(port)};
  {
    NatsTransport unknown_ca(nats);  // the system's CAs do not know this server
    EXPECT_FALSE(unknown_ca.Connect().ok());
  }
  nats.tls_ca = dir + "/ca.pem";
  NatsTransport verified(nats);
  Status s = verified.Connect();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(verified.Publish("uns.x", "{}").ok());
  EXPECT_TRUE(verified.Flush(2 * kSecond).ok());
  verified.Close();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gantry::uns
