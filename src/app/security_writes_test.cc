// Writes toward machines in the running plant: the owning connector gets the write (through the
// API route down to a Modbus register on loopback), a tag no connector reads is refused, and
// one-way mode reaches the connectors themselves: none accepts a write even when its device says
// `writes: enabled`.
#include "app/security_writes.h"

#include <gtest/gtest.h>

#include "api/api_routes.h"
#include "api/tag_write_routes.h"
#include "core/sample_sink.h"
#include "data/current_values.h"
#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_test_server.h"
#include "field/opcua/opcua_connector.h"

namespace gantry {
namespace {

// A device whose connector accepts every write and remembers it.
class WritablePlc : public Connector {
 public:
  explicit WritablePlc(std::string name) : name_(std::move(name)) {}
  Status Start() override { return Status::Ok(); }
  void Stop() override {}
  ConnectorHealth Health() const override {
    ConnectorHealth h;
    h.device = name_;
    return h;
  }
  Status WriteTag(TagId tag, const Value& value) override {
    written.emplace_back(tag, value);
    return Status::Ok();
  }
  std::vector<std::pair<TagId, Value>> written;

 private:
  std::string name_;
};

class NullSink : public SampleSink {
 public:
  void Publish(std::vector<Sample>) override {}
};

TEST(MachineWrites, AWriteGoesToTheConnectorThatReadsTheTag) {
  WritablePlc filler("filler-plc"), capper("capper-plc");
  MachineWrites writes;
  writes.Own(&filler, {0, 1});
  writes.Own(&capper, {2});
  ASSERT_TRUE(writes.Write(2, Value(40.0)).ok());
  ASSERT_TRUE(writes.Write(0, Value(int64_t{7})).ok());
  ASSERT_EQ(capper.written.size(), 1u);
  EXPECT_EQ(capper.written[0].second, Value(40.0));
  ASSERT_EQ(filler.written.size(), 1u);
  EXPECT_EQ(filler.written[0].first, 0u);
  Status none = writes.Write(9, Value(1.0));
  EXPECT_EQ(none.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(none.message().find("read by no connector"), std::string::npos) << none.message();
}

TEST(MachineWrites, OneWayModeReachesEveryConnectorEvenOnesAddedLater) {
  WritablePlc filler("filler-plc"), capper("capper-plc");
  MachineWrites writes;
  writes.Own(&filler, {0});
  writes.ForbidAll();
  writes.Own(&capper, {1});
  for (TagId tag : {TagId{0}, TagId{1}}) {
    Status s = writes.Write(tag, Value(1.0));
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.message();
    EXPECT_NE(s.message().find("one-way mode"), std::string::npos) << s.message();
  }
  // Through the connectors' own entry point too, not only through the router.
  EXPECT_EQ(capper.Write(1, Value(1.0)).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(filler.written.empty());
  EXPECT_TRUE(capper.written.empty());
}

TEST(MachineWrites, OneWayModeRefusesAnOpcUaDeviceWithWritesEnabled) {
  opcua::OpcUaDeviceConfig device;
  device.name = "mixer-ua";
  device.endpoint_url = "opc.tcp://127.0.0.1:1/";  // never contacted
  device.writes_enabled = true;
  opcua::OpcUaPoint point;
  point.tag.path = "acme/plant1/mixing/line1/mixer/setpoint";
  device.points.push_back(point);
  NullSink sink;
  opcua::OpcUaConnector connector(device, {0}, sink, SystemClock::Instance());
  MachineWrites writes;
  writes.Own(&connector, {0});
  writes.ForbidAll();
  Status s = writes.Write(0, Value(12.5));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.message();
  EXPECT_NE(s.message().find("mixer-ua"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("one-way mode"), std::string::npos) << s.message();
}

TEST(MachineWrites, AnOpcUaDeviceWithoutWritesEnabledRefuses) {
  opcua::OpcUaDeviceConfig device;
  device.name = "mixer-ua";
  device.endpoint_url = "opc.tcp://127.0.0.1:1/";
  opcua::OpcUaPoint point;
  point.tag.path = "acme/plant1/mixing/line1/mixer/setpoint";
  device.points.push_back(point);
  NullSink sink;
  opcua::OpcUaConnector connector(device, {0}, sink, SystemClock::Instance());
  MachineWrites writes;
  writes.Own(&connector, {0});
  Status s = writes.Write(0, Value(12.5));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.message();
  EXPECT_NE(s.message().find("writes: enabled"), std::string::npos) << s.message();
}

// The whole chain in one process: the API route, the plant's router and a Modbus connector
// writing a scaled holding register to a device on loopback; then one-way mode stops it.
TEST(MachineWrites, TheRouteReachesAModbusRegisterThroughTheOwningConnector) {
  modbus::TestServer plc;
  ASSERT_TRUE(plc.Start());
  modbus::DeviceConfig device;
  device.name = "mixer-plc";
  device.host = "127.0.0.1";
  device.port = plc.port();
  device.timeout = 500 * kMillisecond;
  device.poll_groups = {{"fast", kSecond}};
  device.writes_enabled = true;
  modbus::PointConfig point;
  point.tag.path = "acme/plant1/mixing/line1/mixer/speed_setpoint";
  point.tag.type = ValueType::kDouble;
  point.tag.scaling = {0.1, 0};
  point.table = modbus::Table::kHoldingRegister;
  point.offset = 4;
  point.type = modbus::WireType::kUint16;
  device.points = {point};
  NullSink sink;
  modbus::ModbusConnector connector(device, {0}, sink, SystemClock::Instance());
  ASSERT_TRUE(connector.Start().ok());  // writes go through the polling connection

  std::vector<TagConfig> tags = {point.tag};
  TagRegistry registry = std::move(TagRegistry::Build(std::move(tags))).value();
  CurrentValues values(registry.size());
  MachineWrites writes;
  writes.Own(&connector, {0});
  ApiContext ctx;
  ctx.registry = &registry;
  ctx.values = &values;
  ctx.modules.push_back(TagWriteRoutes(
      registry, [&writes](TagId tag, const Value& v) { return writes.Write(tag, v); }));
  const std::string target = "/api/v1/tags/acme/plant1/mixing/line1/mixer/speed_setpoint/write";
  RouteDecision ok =
      Route(ctx, "POST", target, R"({"value": 118.5})", Caller{"eve", "engineer", "127.0.0.1"});
  EXPECT_EQ(ok.reply.status, 200u) << ok.reply.body;
  EXPECT_EQ(plc.Holding(4), 1185);  // 118.5 rpm at 0.1 rpm per count

  writes.ForbidAll();
  RouteDecision refused =
      Route(ctx, "POST", target, R"({"value": 90})", Caller{"eve", "engineer", "127.0.0.1"});
  EXPECT_EQ(refused.reply.status, 409u) << refused.reply.body;
  EXPECT_NE(refused.reply.body.find("one-way mode"), std::string::npos) << refused.reply.body;
  EXPECT_EQ(plc.Holding(4), 1185);
}

}  // namespace
}  // namespace gantry
