#include "field/sim/plant_simulator.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "field/sim/register_map.h"

namespace gantry::sim {
namespace {

constexpr Timestamp kMorning = 1'795'330'800LL * kSecond;  // 2026-11-22T07:00:00Z, no planned stop

SimOptions FreePortOptions(double time_scale) {
  SimOptions o;
  o.base_port = 0;
  o.time_scale = time_scale;
  o.start_time = kMorning;
  o.update_interval = 20 * kMillisecond;
  return o;
}

// A plain libmodbus client, as a PLC programmer's tool would use it.
class Client {
 public:
  explicit Client(int port) : ctx_(modbus_new_tcp("127.0.0.1", port)) {
    modbus_set_response_timeout(ctx_, 2, 0);
  }
  ~Client() {
    modbus_close(ctx_);
    modbus_free(ctx_);
  }
  bool Connect() { return modbus_connect(ctx_) == 0; }
  // Holding registers 0..23, or empty on error.
  std::vector<uint16_t> ReadAll() {
    std::vector<uint16_t> regs(kRegisterCount);
    if (modbus_read_registers(ctx_, 0, kRegisterCount, regs.data()) != kRegisterCount) return {};
    return regs;
  }
  modbus_t* ctx() { return ctx_; }

 private:
  modbus_t* ctx_;
};

uint32_t Good(const std::vector<uint16_t>& r) {
  return DecodeUint32(r[kRegGoodCount], r[kRegGoodCount + 1]);
}

TEST(PlantSimulator, ServesEveryMachineOnItsOwnPortWithPlausibleAdvancingValues) {
  SimOptions o = FreePortOptions(60);
  o.line.fault_rate_scale = 0;  // counters must advance within the 1.5 simulated minutes watched
  o.line.micro_stop_rate_scale = 0;
  PlantSimulator plant(o);
  ASSERT_TRUE(plant.Start().ok());
  const std::vector<MachineEndpoint> endpoints = plant.Endpoints();
  ASSERT_EQ(endpoints.size(), 4u);
  EXPECT_EQ(endpoints[0].machine, "filler");
  EXPECT_EQ(endpoints[3].machine, "casepacker");
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::vector<uint16_t>> first;
  for (const MachineEndpoint& e : endpoints) {
    SCOPED_TRACE(e.machine);
    EXPECT_TRUE(e.serving);
    EXPECT_GT(e.port, 0);
    clients.push_back(std::make_unique<Client>(e.port));
    ASSERT_TRUE(clients.back()->Connect());
    first.push_back(clients.back()->ReadAll());
    ASSERT_EQ(first.back().size(), static_cast<size_t>(kRegisterCount));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // 1.5 simulated minutes
  for (size_t i = 0; i < endpoints.size(); ++i) {
    SCOPED_TRACE(endpoints[i].machine);
    const std::vector<uint16_t> later = clients[i]->ReadAll();
    ASSERT_EQ(later.size(), static_cast<size_t>(kRegisterCount));
    EXPECT_EQ(later[kRegState], static_cast<uint16_t>(MachineState::kRunning));
    EXPECT_EQ(later[kRegFaultCode], 0);
    const float speed = DecodeFloat32(later[kRegSpeed], later[kRegSpeed + 1]);
    EXPECT_GT(speed, 5);
    EXPECT_LT(speed, 125);
    const float temperature = DecodeFloat32(later[kRegTemperature], later[kRegTemperature + 1]);
    EXPECT_GT(temperature, 15);
    EXPECT_LT(temperature, 90);
    const float vibration = DecodeFloat32(later[kRegVibration], later[kRegVibration + 1]);
    EXPECT_GT(vibration, 0.5);
    EXPECT_LT(vibration, 10);
    EXPECT_EQ(DecodeString(&later[kRegProductCode], kProductCodeRegisters), "P-0017");
    EXPECT_GT(Good(later), Good(first[i]));
    EXPECT_GT(DecodeUint32(later[kRegEnergyWh], later[kRegEnergyWh + 1]),
              DecodeUint32(first[i][kRegEnergyWh], first[i][kRegEnergyWh + 1]));
    EXPECT_NE(later[kRegHeartbeat], first[i][kRegHeartbeat]);
    uint8_t bits[kBitCount] = {};
    ASSERT_EQ(modbus_read_input_bits(clients[i]->ctx(), 0, kBitCount, bits), kBitCount);
    EXPECT_EQ(bits[kBitRunning], 1);
    ASSERT_EQ(modbus_read_bits(clients[i]->ctx(), 0, kBitCount, bits), kBitCount);
    EXPECT_EQ(bits[kBitRunning], 1);
    uint16_t input_regs[2] = {};
    ASSERT_EQ(modbus_read_input_registers(clients[i]->ctx(), kRegGoodCount, 2, input_regs), 2);
  }
  plant.Stop();
}

TEST(PlantSimulator, ManualTimeMovesOnlyThroughAdvanceAndMatchesTheModel) {
  PlantSimulator plant(FreePortOptions(0));
  ASSERT_TRUE(plant.Start().ok());
  plant.Advance(10 * kMinute);
  EXPECT_EQ(plant.Now(), kMorning + 10 * kMinute);
  LineOptions same;
  same.start_time = kMorning;
  PackagingLine model(same);
  model.Step(10 * kMinute);
  Client client(plant.Endpoints()[0].port);
  ASSERT_TRUE(client.Connect());
  std::vector<uint16_t> regs = client.ReadAll();
  ASSERT_FALSE(regs.empty());
  EXPECT_EQ(Good(regs), model.Machine(0).good_count);
  EXPECT_EQ(regs[kRegState], static_cast<uint16_t>(model.Machine(0).state));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(plant.Now(), kMorning + 10 * kMinute);
}

TEST(PlantSimulator, TheModelFollowsThePlantClockItIsGiven) {
  // The demo's plant clock (a ScaledClock) paces the machines; here a manual one does.
  ManualClock plant_clock(kMorning);
  SimOptions o = FreePortOptions(1);
  o.start_time = 0;  // from the clock
  o.clock = &plant_clock;
  PlantSimulator plant(o);
  ASSERT_TRUE(plant.Start().ok());
  EXPECT_EQ(plant.Now(), kMorning);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(plant.Now(), kMorning) << "the clock stood still, so must the machines";
  plant_clock.Advance(10 * kMinute);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (plant.Now() != kMorning + 10 * kMinute && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(plant.Now(), kMorning + 10 * kMinute);
  LineOptions same;
  same.start_time = kMorning;
  PackagingLine model(same);
  model.Step(10 * kMinute);
  EXPECT_EQ(plant.Machine(0).good_count, model.Machine(0).good_count);
}

TEST(PlantSimulator, InjectedFaultShowsOnTheWire) {
  PlantSimulator plant(FreePortOptions(0));
  ASSERT_TRUE(plant.Start().ok());
  plant.Advance(kMinute);
  plant.InjectFault(2, FaultCode::kLabelWebBreak, 10 * kMinute);
  plant.Advance(kSecond);
  Client client(plant.Endpoints()[2].port);
  ASSERT_TRUE(client.Connect());
  std::vector<uint16_t> regs = client.ReadAll();
  ASSERT_FALSE(regs.empty());
  EXPECT_EQ(regs[kRegState], static_cast<uint16_t>(MachineState::kFaulted));
  EXPECT_EQ(regs[kRegFaultCode], 310);
  uint8_t bits[kBitCount] = {};
  ASSERT_EQ(modbus_read_input_bits(client.ctx(), 0, kBitCount, bits), kBitCount);
  EXPECT_EQ(bits[kBitFaulted], 1);
  EXPECT_EQ(bits[kBitRunning], 0);
}

TEST(PlantSimulator, WritesAreRefusedAndOutOfRangeReadsGetAnException) {
  PlantSimulator plant(FreePortOptions(0));
  ASSERT_TRUE(plant.Start().ok());
  Client client(plant.Endpoints()[0].port);
  ASSERT_TRUE(client.Connect());
  EXPECT_EQ(modbus_write_register(client.ctx(), 0, 1), -1);
  EXPECT_EQ(errno, EMBXILFUN);
  uint16_t regs[4];
  EXPECT_EQ(modbus_read_registers(client.ctx(), kRegisterCount - 2, 4, regs), -1);
  EXPECT_EQ(errno, EMBXILADD);
  // The connection survives both exceptions.
  EXPECT_FALSE(client.ReadAll().empty());
}

TEST(PlantSimulator, SeveralClientsAtOnceAndDisconnectsDoNotDisturbOthers) {
  PlantSimulator plant(FreePortOptions(0));
  ASSERT_TRUE(plant.Start().ok());
  const int port = plant.Endpoints()[1].port;
  Client a(port), b(port);
  ASSERT_TRUE(a.Connect());
  ASSERT_TRUE(b.Connect());
  {
    Client c(port);
    ASSERT_TRUE(c.Connect());
    EXPECT_FALSE(c.ReadAll().empty());
  }  // c hangs up
  for (int i = 0; i < 20; ++i) {
    ASSERT_FALSE(a.ReadAll().empty());
    ASSERT_FALSE(b.ReadAll().empty());
  }
}

TEST(PlantSimulator, ClientStalledMidRequestIsDroppedAndOthersAreStillServed) {
  PlantSimulator plant(FreePortOptions(0));
  ASSERT_TRUE(plant.Start().ok());
  const int port = plant.Endpoints()[0].port;
  const int raw = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(raw, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(raw, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const uint8_t half_header[3] = {0x00, 0x01, 0x00};  // transaction id and half a protocol id
  ASSERT_EQ(send(raw, half_header, sizeof(half_header), 0), 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Client patient(port);
  ASSERT_TRUE(patient.Connect());
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(patient.ReadAll().empty());  // served once the stalled request times out
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(1500));
  timeval two_seconds{2, 0};
  setsockopt(raw, SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof(two_seconds));
  uint8_t byte = 0;
  EXPECT_EQ(recv(raw, &byte, 1, 0), 0) << "the stalled client should have been disconnected";
  close(raw);
}

TEST(PlantSimulator, StoppedMachineRefusesConnectionsAndComesBackOnTheSamePort) {
  PlantSimulator plant(FreePortOptions(0));
  ASSERT_TRUE(plant.Start().ok());
  const int port = plant.Endpoints()[3].port;
  Client connected(port);
  ASSERT_TRUE(connected.Connect());
  ASSERT_FALSE(connected.ReadAll().empty());

  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(plant.StopMachine(3).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(500));
  EXPECT_FALSE(plant.Endpoints()[3].serving);
  EXPECT_TRUE(connected.ReadAll().empty());  // the open connection was closed
  Client refused(port);
  EXPECT_FALSE(refused.Connect());
  // The other machines are not affected.
  Client other(plant.Endpoints()[0].port);
  ASSERT_TRUE(other.Connect());
  EXPECT_FALSE(other.ReadAll().empty());

  plant.Advance(5 * kMinute);  // the machine keeps producing while its PLC is unreachable
  ASSERT_TRUE(plant.StartMachine(3).ok());
  EXPECT_EQ(plant.Endpoints()[3].port, port);
  Client again(port);
  ASSERT_TRUE(again.Connect());
  std::vector<uint16_t> regs = again.ReadAll();
  ASSERT_FALSE(regs.empty());
  EXPECT_EQ(Good(regs), plant.Machine(3).good_count);
  EXPECT_GT(Good(regs), 0u);
  EXPECT_EQ(plant.StopMachine(9).code(), StatusCode::kNotFound);
}

TEST(PlantSimulator, PortInUseIsReportedAndNothingStaysOpen) {
  PlantSimulator first(FreePortOptions(0));
  ASSERT_TRUE(first.Start().ok());
  SimOptions o = FreePortOptions(0);
  o.base_port = first.Endpoints()[2].port - 2;  // its labeller collides with first's labeller
  PlantSimulator second(o);
  Status s = second.Start();
  if (s.ok()) GTEST_SKIP() << "ports happened to be free";  // first's ports are not contiguous
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("machine"), std::string::npos) << s.message();
  for (const MachineEndpoint& e : second.Endpoints()) EXPECT_FALSE(e.serving) << e.machine;
}

TEST(PlantSimulator, StopIsPromptWithClientsConnected) {
  PlantSimulator plant(FreePortOptions(60));
  ASSERT_TRUE(plant.Start().ok());
  Client a(plant.Endpoints()[0].port);
  ASSERT_TRUE(a.Connect());
  const auto before = std::chrono::steady_clock::now();
  plant.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(500));
  EXPECT_TRUE(a.ReadAll().empty());
  plant.Stop();  // idempotent
}

}  // namespace
}  // namespace gantry::sim
