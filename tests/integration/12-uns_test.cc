// 12: the demo plant publishes its Unified Namespace to an independent NATS server (Debian's
// nats-server, started by the test on a free loopback port): a subscriber written with npm nats
// (tests/interop/nats_subscriber.js) sees the filler's tags under uns.acme.plant1... and the
// work centres' state events, and /metrics counts what went out. The same PlantRuntime serves
// `gantry run --config`; `demo --config` only adds the simulator on free ports.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "demo_plant.h"
#include "field/modbus/modbus_test_process.h"
#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using modbus::ChildProcess;

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

TEST(GantryUns, DemoPlantPublishesTagsAndWorkCentreStatesToNats) {
  if (system("command -v nats-server >/dev/null 2>&1") != 0 ||
      !std::filesystem::exists(std::string(GANTRY_SOURCE_DIR) + "/tests/interop/node_modules/nats"))
    GTEST_SKIP() << "nats-server or npm nats missing (scripts/deps.sh --test)";
  const int nats_port = FreePort();
  const std::string url = "nats://127.0.0.1:" + std::to_string(nats_port);
  ChildProcess server({"nats-server", "-a", "127.0.0.1", "-p", std::to_string(nats_port)});
  ASSERT_TRUE(server.WaitForLine(
      [](const std::string& l) { return l.find("Server is ready") != l.npos; }, 10s))
      << server.Output();
  ChildProcess sub(
      {"node", std::string(GANTRY_SOURCE_DIR) + "/tests/interop/nats_subscriber.js", url, "uns.>"});
  ASSERT_TRUE(sub.WaitForLine([](const std::string& l) { return l == "ready"; }, 15s))
      << sub.Output();

  const std::string data = "/tmp/gantry-uns-test-" + std::to_string(getpid());
  std::filesystem::remove_all(data);
  std::filesystem::create_directories(data);
  const std::string config = data + "-plant.yaml";
  {
    const std::string text = testing::DemoPlantYamlMidShift();
    ASSERT_FALSE(text.empty());
    std::ofstream(config) << text << "\nuns:\n  nats: {servers: [\"" << url
                          << "\"]}\n  state_every: 200ms\n";
  }
  testing::Child demo(
      {GANTRY_EXE, "demo", "--config", config, "--port", "0", "--sim-port", "0", "--data", data});
  ASSERT_TRUE(demo.WaitForOutput("Gantry is running", 30s)) << demo.Output();
  const int port = testing::PortFromBanner(demo.Output());
  ASSERT_GT(port, 0) << demo.Output();

  // The filler's speed by its ISA-95 path, and the filler's state as an event.
  bool speed = false;
  bool state = false;
  std::set<std::string> subjects;
  for (int i = 0; i < 2000 && !(speed && state); ++i) {
    std::optional<std::string> line =
        sub.WaitForLine([](const std::string& l) { return !l.empty() && l[0] == '{'; }, 20s);
    ASSERT_TRUE(line) << "speed " << speed << " state " << state << "\n" << demo.Output();
    json m = json::parse(*line);
    const std::string subject = m["subject"];
    subjects.insert(subject);
    if (subject == "uns.acme.plant1.packaging.line1.filler.speed") {
      speed = true;
      EXPECT_EQ(m["data"]["path"], "acme/plant1/packaging/line1/filler/speed");
      EXPECT_TRUE(m["data"]["quality"].is_string());
      EXPECT_TRUE(m["data"]["quality_code"].is_number());
      EXPECT_TRUE(m["data"]["time"].is_string());
    }
    if (subject == "uns.events.acme.plant1.packaging.line1.filler.state") {
      state = true;
      EXPECT_EQ(m["data"]["work_centre"], "acme/plant1/packaging/line1/filler");
      EXPECT_TRUE(m["data"]["category"].is_string()) << *line;
    }
  }
  EXPECT_TRUE(speed && state);

  // Requests over NATS: a current value, and the operations events from the store.
  const std::string script = std::string(GANTRY_SOURCE_DIR) + "/tests/interop/nats_subscriber.js";
  ChildProcess ask(
      {"node", script, url, "--request", "uns.$current.acme.plant1.packaging.line1.filler.speed"});
  std::optional<std::string> current =
      ask.WaitForLine([](const std::string& l) { return !l.empty() && l[0] == '{'; }, 15s);
  ASSERT_TRUE(current) << ask.Output();
  EXPECT_EQ(json::parse(*current)["data"]["path"], "acme/plant1/packaging/line1/filler/speed");
  ChildProcess events({"node", script, url, "--request", "uns.$events"});
  std::optional<std::string> answer =
      events.WaitForLine([](const std::string& l) { return !l.empty() && l[0] == '{'; }, 15s);
  ASSERT_TRUE(answer) << events.Output();
  EXPECT_TRUE(json::parse(*answer)["data"]["events"].is_array()) << *answer;
  EXPECT_TRUE(json::parse(*answer)["data"]["last_seq"].is_number()) << *answer;

  const testing::HttpReply metrics = testing::HttpGet(port, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("gantry_uns_connected 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("gantry_uns_published_values_total "), std::string::npos);
  EXPECT_EQ(metrics.body.find("gantry_uns_published_values_total 0\n"), std::string::npos);
  demo.Signal(SIGTERM);
  EXPECT_EQ(demo.Wait(20s), 0) << demo.Output();
  std::filesystem::remove_all(data);
  std::filesystem::remove(config);
}

}  // namespace
}  // namespace gantry
