// 02: the simulated packaging line and Gantry's Modbus connector over loopback. A machine's PLC
// drops off the network mid-run and comes back: its tags go Bad (not connected), then Good again,
// and nothing else is disturbed.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "app/plant_config.h"
#include "data/tag_bus.h"
#include "field/modbus/modbus_connector.h"
#include "field/sim/plant_simulator.h"

namespace gantry {
namespace {

std::string ReadDemoConfig() {
  std::ifstream in(std::string(GANTRY_SOURCE_DIR) + "/config/demo-plant.yaml");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Latest quality per tag, fed from a bus subscription.
class QualityWatch {
 public:
  explicit QualityWatch(TagBus& bus)
      : sub_(bus.Subscribe("test", 1'000'000, OverflowPolicy::kDropOldest)) {}
  // Drains the queue for up to `timeout`, until `done` says so.
  template <typename Pred>
  bool WaitFor(Pred done, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (SampleBatch b = sub_->Pop(50 * kMillisecond)) {
        for (const Sample& s : *b) {
          latest_[s.tag] = s;
          if (s.quality.IsBad()) ever_bad_[s.tag] = s.quality;
        }
      }
      if (done(*this)) return true;
    }
    return false;
  }
  const std::map<TagId, Sample>& latest() const { return latest_; }
  bool AllGood(TagId first, TagId end) const {
    for (TagId t = first; t < end; ++t) {
      auto it = latest_.find(t);
      if (it == latest_.end() || !it->second.quality.IsGood()) return false;
    }
    return true;
  }
  bool AllBad(TagId first, TagId end, Quality q) const {
    for (TagId t = first; t < end; ++t) {
      auto it = latest_.find(t);
      if (it == latest_.end() || it->second.quality != q) return false;
    }
    return true;
  }

 private:
  std::unique_ptr<Subscription> sub_;
  std::map<TagId, Sample> latest_;
  std::map<TagId, Quality> ever_bad_;
};

TEST(SimulatorAndConnector, PlcDropsOffAndReturnsQualityBadThenGood) {
  sim::SimOptions so;
  so.base_port = 0;  // free ports
  so.time_scale = 30;
  sim::PlantSimulator plant(so);
  ASSERT_TRUE(plant.Start().ok());
  std::vector<sim::MachineEndpoint> endpoints = plant.Endpoints();

  Result<PlantConfig> config = ParsePlantConfig(ReadDemoConfig(), "demo-plant.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->modbus_devices.size(), endpoints.size());

  TagBus bus;
  QualityWatch watch(bus);
  std::vector<std::unique_ptr<modbus::ModbusConnector>> connectors;
  for (size_t d = 0; d < config->modbus_devices.size(); ++d) {
    modbus::DeviceConfig device = config->modbus_devices[d];
    device.port = endpoints[d].port;
    device.reconnect_min = 100 * kMillisecond;
    device.reconnect_max = 400 * kMillisecond;
    device.timeout = 300 * kMillisecond;
    std::vector<TagId> ids;
    for (size_t i = 0; i < device.points.size(); ++i)
      ids.push_back(static_cast<TagId>(config->first_tag_of_device[d] + i));
    connectors.push_back(
        std::make_unique<modbus::ModbusConnector>(device, ids, bus, SystemClock::Instance()));
    ASSERT_TRUE(connectors.back()->Start().ok());
  }
  const TagId filler_first = static_cast<TagId>(config->first_tag_of_device[0]);
  const TagId filler_end = static_cast<TagId>(config->first_tag_of_device[1]);
  const TagId all_end = static_cast<TagId>(config->tags.size());

  ASSERT_TRUE(
      watch.WaitFor([&](auto& w) { return w.AllGood(0, all_end); }, std::chrono::seconds(20)))
      << "not every tag of the line became Good";

  ASSERT_TRUE(plant.StopMachine(0).ok());
  EXPECT_TRUE(watch.WaitFor(
      [&](auto& w) { return w.AllBad(filler_first, filler_end, Quality::BadNotConnected()); },
      std::chrono::seconds(20)))
      << "the filler's tags did not go BadNotConnected";
  EXPECT_TRUE(watch.AllGood(filler_end, all_end)) << "the other machines were disturbed";
  // The health snapshot names the cause (it may lag the Bad samples by a moment).
  auto health_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (connectors[0]->Health().last_error.empty() &&
         std::chrono::steady_clock::now() < health_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(connectors[0]->Health().last_error, "");

  ASSERT_TRUE(plant.StartMachine(0).ok());
  EXPECT_TRUE(watch.WaitFor([&](auto& w) { return w.AllGood(filler_first, filler_end); },
                            std::chrono::seconds(20)))
      << "the filler's tags did not recover";
  EXPECT_GE(connectors[0]->Health().reconnects, 1u);

  for (auto& c : connectors) c->Stop();
  plant.Stop();
}

}  // namespace
}  // namespace gantry
