// The connector against a libmodbus server on loopback: values, qualities on failures, a server
// switched off and on again mid-run, poll group rates and a prompt Stop().
#include "field/modbus/modbus_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <thread>

#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_test_server.h"
#include "field/modbus/modbus_test_sink.h"

namespace gantry::modbus {
namespace {

using namespace std::chrono_literals;

PointConfig Tag(const std::string& name, Table table, uint16_t offset, WireType type,
                size_t group = 0) {
  PointConfig p;
  p.tag.path = "acme/plant1/packaging/line1/filler/" + name;
  p.table = table;
  p.offset = offset;
  p.type = type;
  p.poll_group = group;
  p.tag.type = type == WireType::kBool      ? ValueType::kBool
               : type == WireType::kString  ? ValueType::kString
               : type == WireType::kFloat32 ? ValueType::kDouble
                                            : ValueType::kInt64;
  return p;
}

DeviceConfig Filler(int port) {
  DeviceConfig d;
  d.name = "filler-plc";
  d.host = "127.0.0.1";
  d.port = port;
  d.timeout = 300 * kMillisecond;
  d.reconnect_min = 50 * kMillisecond;
  d.reconnect_max = 200 * kMillisecond;
  d.poll_groups = {{"fast", 20 * kMillisecond}};
  d.points = {Tag("state", Table::kHoldingRegister, 0, WireType::kUint16),
              Tag("temp", Table::kHoldingRegister, 1, WireType::kFloat32),
              Tag("running", Table::kCoil, 0, WireType::kBool),
              Tag("door", Table::kDiscreteInput, 1, WireType::kBool),
              Tag("pressure", Table::kInputRegister, 5, WireType::kInt16)};
  d.points[4].tag.scaling = {0.1, 0};
  d.points[4].tag.type = ValueType::kDouble;
  PointConfig order = Tag("order", Table::kHoldingRegister, 10, WireType::kString);
  order.string_length = 4;
  d.points.push_back(order);
  return d;
}

std::vector<TagId> Ids(size_t n) {
  std::vector<TagId> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<TagId>(100 + i);
  return ids;
}

void Fill(TestServer& server) {
  server.SetHolding(0, 3);
  const uint16_t temp[] = {0x4148, 0x0000};  // 12.5
  server.SetHoldings(1, temp);
  server.SetCoil(0, true);
  server.SetDiscrete(1, false);
  server.SetInput(5, static_cast<uint16_t>(-125));
  const uint16_t order[] = {('P' << 8) | '-', ('1' << 8) | '7', 0, 0};
  server.SetHoldings(10, order);
}

TEST(ModbusConnector, ReadsEveryTableFromALoopbackServer) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  Fill(server);
  CollectingSink sink;
  DeviceConfig device = Filler(server.port());
  ModbusConnector c(device, Ids(device.points.size()), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(100, 6); }, 5s)) << sink.Dump();
  EXPECT_EQ(sink.Latest(100).value, Value(int64_t{3}));
  EXPECT_EQ(sink.Latest(101).value, Value(12.5));
  EXPECT_EQ(sink.Latest(102).value, Value(true));
  EXPECT_EQ(sink.Latest(103).value, Value(false));
  EXPECT_NEAR(*sink.Latest(104).value.AsDouble(), -12.5, 1e-9);
  EXPECT_EQ(sink.Latest(105).value, Value("P-17"));
  server.SetHolding(0, 4);  // a state change arrives
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(100).value == Value(int64_t{4}); }, 5s));
  ConnectorHealth h = c.Health();
  EXPECT_EQ(h.state, ConnectorState::kConnected);
  EXPECT_GT(h.polls_ok, 4u);
  EXPECT_EQ(h.polls_failed, 0u);
  EXPECT_EQ(h.device, "filler-plc");
  EXPECT_GT(h.last_success, 0);
  c.Stop();
  EXPECT_EQ(c.Health().state, ConnectorState::kStopped);
  const size_t after_stop = sink.Count();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sink.Count(), after_stop);  // nothing published after Stop()
}

TEST(ModbusConnector, ServerKilledMidRunGoesBadThenGoodAgain) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  Fill(server);
  CollectingSink sink;
  DeviceConfig device = Filler(server.port());
  ModbusConnector c(device, Ids(device.points.size()), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(100, 6); }, 5s)) << sink.Dump();

  server.Stop();  // the PLC is switched off
  ASSERT_TRUE(
      sink.WaitFor([&] { return sink.Latest(100).quality == Quality::BadNotConnected(); }, 5s))
      << sink.Dump();
  std::this_thread::sleep_for(600ms);  // several failed reconnects at 50..200 ms
  ConnectorHealth down = c.Health();
  EXPECT_NE(down.state, ConnectorState::kConnected);
  EXPECT_THAT(down.last_error, ::testing::HasSubstr("modbus 'filler-plc' 127.0.0.1:"));
  EXPECT_THAT(down.last_error, ::testing::HasSubstr("connection refused"));
  for (TagId id = 100; id < 106; ++id) {
    EXPECT_EQ(sink.CountWith(id, Quality::BadNotConnected()), 1u) << "tag " << id;
    EXPECT_TRUE(sink.Latest(id).value.empty());
  }

  ASSERT_TRUE(server.Start());  // same port; the map kept its values
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(100, 6); }, 5s)) << sink.Dump();
  EXPECT_EQ(sink.Latest(101).value, Value(12.5));  // republished on recovery
  EXPECT_EQ(c.Health().reconnects, 1u);
  EXPECT_EQ(c.Health().state, ConnectorState::kConnected);
  c.Stop();
}

TEST(ModbusConnector, UnreachableDeviceIsBadNotConnectedAndStopIsPrompt) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const int port = server.port();
  server.Stop();  // nothing listens there now
  CollectingSink sink;
  DeviceConfig device = Filler(port);
  device.reconnect_min = 10 * kSecond;
  device.reconnect_max = 30 * kSecond;
  ModbusConnector c(device, Ids(device.points.size()), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Count() == 6; }, 5s));
  EXPECT_EQ(sink.Latest(103).quality, Quality::BadNotConnected());
  ASSERT_TRUE(sink.WaitFor([&] { return c.Health().state == ConnectorState::kBackoff; }, 2s));
  auto t0 = std::chrono::steady_clock::now();
  c.Stop();  // while waiting 10 s to reconnect
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(ModbusConnector, IllegalAddressIsBadOutOfRangeWhileOtherReadsStayGood) {
  TestServer server(1, 1000);  // registers 0..999 only
  ASSERT_TRUE(server.Start());
  Fill(server);
  CollectingSink sink;
  DeviceConfig device = Filler(server.port());
  device.points.push_back(Tag("missing", Table::kHoldingRegister, 5000, WireType::kUint16));
  ModbusConnector c(device, Ids(device.points.size()), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(100, 6) && sink.Has(106); }, 5s));
  EXPECT_EQ(sink.Latest(106).quality, Quality::BadOutOfRange());
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(sink.CountWith(106, Quality::BadOutOfRange()), 1u);  // published once, not per poll
  EXPECT_EQ(c.Health().state, ConnectorState::kConnected);
  EXPECT_GT(c.Health().polls_failed, 3u);
  EXPECT_THAT(c.Health().last_error, ::testing::HasSubstr("illegal data address"));
  c.Stop();
}

TEST(ModbusConnector, MalformedAnswerIsBadCommunicationErrorAndRecovers) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  Fill(server);
  std::atomic<bool> broken{true};
  // Answers reads of the string (hr:10) with a byte count that does not match the quantity.
  server.SetOverride([&](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    if (!broken || q[7] != 3 || q[9] != 10) return std::nullopt;
    return std::vector<uint8_t>{q[0], q[1], 0, 0, 0, 5, q[6], 0x03, 0x02, 0x41, 0x42};
  });
  CollectingSink sink;
  DeviceConfig device = Filler(server.port());
  device.max_gap_registers = 0;  // hr:10 gets a read of its own
  ModbusConnector c(device, Ids(device.points.size()), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(100, 5) && sink.Has(105); }, 5s));
  EXPECT_EQ(sink.Latest(105).quality, Quality::BadCommunicationError());
  EXPECT_THAT(c.Health().last_error, ::testing::HasSubstr("byte count 2 for a quantity of 4"));
  broken = false;
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(105).value == Value("P-17"); }, 5s));
  EXPECT_EQ(c.Health().reconnects, 0u);  // a bad answer is not a lost connection
  c.Stop();
}

TEST(ModbusConnector, BusyDeviceKeepsValueThenUncertain) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  Fill(server);
  std::atomic<bool> busy{false};
  server.SetOverride([&](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    if (!busy) return std::nullopt;
    return std::vector<uint8_t>{q[0], q[1], 0, 0, 0, 3, q[6], static_cast<uint8_t>(q[7] | 0x80),
                                0x06};
  });
  CollectingSink sink;
  DeviceConfig device = Filler(server.port());
  ModbusConnector c(device, Ids(device.points.size()), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(100, 6); }, 5s));
  busy = true;
  ASSERT_TRUE(sink.WaitFor(
      [&] { return sink.Latest(101).quality == Quality::UncertainLastUsableValue(); }, 5s));
  EXPECT_EQ(sink.Latest(101).value, Value(12.5));
  busy = false;
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(100, 6); }, 5s));
  c.Stop();
}

TEST(ModbusConnector, SilentDeviceTimesOutAndStopInterruptsTheWait) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  server.SetOverride([](std::span<const uint8_t>) {
    return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>{});
  });
  CollectingSink sink;
  DeviceConfig device = Filler(server.port());
  device.timeout = 100 * kMillisecond;
  ModbusConnector c(device, Ids(device.points.size()), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Has(100) && sink.Has(105); }, 5s));
  EXPECT_EQ(sink.Latest(100).quality, Quality::BadTimeout());
  std::this_thread::sleep_for(800ms);  // several timeouts and reconnects: still one sample each
  EXPECT_EQ(sink.CountWith(100, Quality::BadTimeout()), 1u) << sink.Dump();
  c.Stop();

  // Stop while a read waits for a 5 s timeout returns at once.
  DeviceConfig slow = Filler(server.port());
  slow.timeout = 5 * kSecond;
  ModbusConnector c2(slow, Ids(slow.points.size()), sink, SystemClock::Instance());
  ASSERT_TRUE(c2.Start().ok());
  ASSERT_TRUE(sink.WaitFor(
      [&] { return server.requests() > 0 && c2.Health().state == ConnectorState::kConnected; },
      5s));
  std::this_thread::sleep_for(100ms);
  auto t0 = std::chrono::steady_clock::now();
  c2.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(ModbusConnector, PollGroupsKeepTheirOwnRates) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  std::mutex m;
  std::map<int, int> requests_by_start;
  server.SetOverride([&](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    std::lock_guard lock(m);
    ++requests_by_start[(q[8] << 8) | q[9]];
    return std::nullopt;
  });
  CollectingSink sink;
  DeviceConfig device = Filler(server.port());
  device.poll_groups = {{"fast", 50 * kMillisecond}, {"slow", 500 * kMillisecond}};
  device.points = {Tag("a", Table::kHoldingRegister, 0, WireType::kUint16, 0),
                   Tag("b", Table::kHoldingRegister, 1, WireType::kUint16, 1)};
  ModbusConnector c(device, Ids(2), sink, SystemClock::Instance());
  ASSERT_EQ(c.Reads().size(), 2u);  // same table, different groups: never merged
  ASSERT_TRUE(c.Start().ok());
  std::this_thread::sleep_for(1050ms);
  c.Stop();
  std::lock_guard lock(m);
  EXPECT_GE(requests_by_start[0], 10);  // 21 expected; a loaded CI machine may lose a few
  EXPECT_LE(requests_by_start[0], 23);
  EXPECT_GE(requests_by_start[1], 2);
  EXPECT_LE(requests_by_start[1], 4);
}

TEST(ModbusConnector, DeviceThatAcceptsAndDropsIsRetriedWithBackoffNotSpun) {
  // A listener that accepts every connection and closes it at once, as a gateway with all its
  // connection slots taken may do.
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::atomic<int> accepted{0};
  std::atomic<bool> done{false};
  std::thread acceptor([&] {
    while (!done) {
      pollfd p{listener, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int fd = accept(listener, nullptr, nullptr);
      if (fd >= 0) {
        ++accepted;
        close(fd);
      }
    }
  });
  CollectingSink sink;
  DeviceConfig device = Filler(ntohs(addr.sin_port));
  device.reconnect_min = 100 * kMillisecond;
  device.reconnect_max = 400 * kMillisecond;
  ModbusConnector c(device, Ids(device.points.size()), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  std::this_thread::sleep_for(1200ms);
  c.Stop();
  done = true;
  acceptor.join();
  close(listener);
  // 0, 0.1, 0.3, 0.7, 1.1 s with backoff 100, 200, 400, 400 ms (less jitter); thousands without.
  EXPECT_GE(accepted.load(), 2);
  EXPECT_LE(accepted.load(), 8);
  EXPECT_EQ(sink.CountWith(100, Quality::BadNotConnected()), 1u) << sink.Dump();
  EXPECT_EQ(c.Health().polls_ok, 0u);
}

TEST(ModbusConnector, StartChecksTagIds) {
  CollectingSink sink;
  ModbusConnector c(Filler(1), Ids(2), sink, SystemClock::Instance());
  EXPECT_EQ(c.Start().code(), StatusCode::kInvalidArgument);
  c.Stop();  // harmless when never started
}

}  // namespace
}  // namespace gantry::modbus
