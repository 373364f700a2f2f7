// End to end: a PLC's good and reject counters read over Modbus TCP (a libmodbus server on
// loopback) by the Modbus connector, through the tag bus into the operations service. A 16-bit
// counter that rolls over, a 32-bit counter (low word first) that rolls over and a PLC restart
// that resets the counter to 0 give the order's exact good and scrap counts.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "app/operations_service_test_plant.h"
#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_test_server.h"

namespace gantry {
namespace {

using namespace ops_test;  // NOLINT: the test plant
using namespace std::chrono_literals;
using ops::OrderTransition;

constexpr const char* kCounterPlant = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    calendar:
      shifts:
        - {name: early, start: "06:00", duration: 8h}
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - name: m
                ideal_cycle_time: 100ms
                state: {word: state}
                counters:
                  good: {tag: good, width: 16}
                  reject: {tag: reject, width: 32}
operations:
  late_data_horizon: 1h
)";

modbus::PointConfig Register(const char* name, uint16_t offset, modbus::WireType type) {
  modbus::PointConfig p;
  p.tag.path = std::string(kWc) + "/" + name;
  p.tag.type = ValueType::kInt64;
  p.table = modbus::Table::kHoldingRegister;
  p.offset = offset;
  p.type = type;
  return p;
}

TEST(ModbusCounters, RolloverAndPlcRestartFromAModbusDeviceGiveExactGoodAndScrap) {
  Plant p(kCounterPlant);
  p.Start(T("2026-01-05T06:00:00Z"));
  ASSERT_TRUE(p.service
                  ->ApplyOrder(Order(OrderTransition::Action::kStart, "2026-01-05T06:00:00Z",
                                     "4711", "P-17", "anna"),
                               "anna")
                  .ok());

  modbus::TestServer plc;
  ASSERT_TRUE(plc.Start());
  modbus::DeviceConfig device;
  device.name = "packer-plc";
  device.host = "127.0.0.1";
  device.port = plc.port();
  device.timeout = 500 * kMillisecond;
  device.poll_groups = {{"fast", 10 * kMillisecond}};
  // Tag ids of the test plant: state 0, good 1, reject 2.
  device.points = {Register("state", 10, modbus::WireType::kUint16),
                   Register("good", 0, modbus::WireType::kUint16),
                   Register("reject", 2, modbus::WireType::kUint32)};
  device.points[2].word_order = modbus::WordOrder::kLowFirst;
  auto set_reject = [&](int64_t v) {
    plc.SetHoldings(2, modbus::EncodeRegisters(device.points[2], Value(v)));
  };
  plc.SetHolding(10, 1);  // producing
  plc.SetHolding(0, 65530);
  set_reject(4294967290);
  modbus::ModbusConnector connector(device, {0, 1, 2}, p.bus, p.clock);
  ASSERT_TRUE(connector.Start().ok());

  // Each step: the plant's clock moves on, the PLC's counters change, and the connector has
  // published the changed points before the next step.
  uint64_t published = 0;
  auto wait_published = [&](uint64_t more) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (connector.Health().samples_published < published + more &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_GE(connector.Health().samples_published, published + more);
    published = connector.Health().samples_published;
  };
  wait_published(3);  // baselines: good 65530, reject 4294967290
  p.clock.Set(T("2026-01-05T06:10:00Z"));
  plc.SetHolding(0, 4);  // 16-bit rollover: +10
  set_reject(3);         // 32-bit rollover: +9
  wait_published(2);
  p.clock.Set(T("2026-01-05T06:20:00Z"));
  plc.SetHolding(0, 30000);  // +29996
  wait_published(1);
  p.clock.Set(T("2026-01-05T06:30:00Z"));
  plc.SetHolding(0, 7);  // the PLC restarted: counted from 0, +7
  set_reject(5);         // +2
  wait_published(2);
  connector.Stop();

  ASSERT_TRUE(
      p.service
          ->ApplyOrder(Order(OrderTransition::Action::kComplete, "2026-01-05T06:40:00Z"), "anna")
          .ok());
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:50:00Z").ok());
  Result<ops::OrderActuals> a = p.service->ActualsForOrder("4711");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->good, 10u + 29996u + 7u);
  EXPECT_EQ(a->scrap, 9u + 2u);
}

}  // namespace
}  // namespace gantry
