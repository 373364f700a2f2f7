#include "app/plant_runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "api/history_routes.h"
#include "api/http_server.h"
#include "api/operations_routes.h"
#include "api/static_files.h"
#include "api/tag_write_routes.h"
#include "app/energy_service.h"
#include "app/enterprise_service.h"
#include "app/operations_service.h"
#include "app/security_setup.h"
#include "app/security_writes.h"
#include "app/uns_operations_feed.h"
#include "core/scaled_clock.h"
#include "data/current_value_updater.h"
#include "data/current_values.h"
#include "data/historian/historian.h"
#include "data/historian/maintenance_loop.h"
#include "data/tag_bus.h"
#include "data/tag_registry.h"
#include "data/uns/mqtt_transport.h"
#include "data/uns/nats_transport.h"
#include "data/uns/sparkplug_edge_node.h"
#include "data/uns/uns_publisher.h"
#include "field/modbus/modbus_connector.h"
#include "field/mqtt/mqtt_connector.h"
#include "field/opcua/opcua_connector.h"
#include "field/sim/plant_simulator.h"
#include "operations/event_store.h"

namespace gantry {

using historian::Historian;
using historian::HistorianOptions;

namespace {

// Drains the tag bus into the historian on its own thread. Its queue drops the newest batch when
// full (so stored history stays contiguous) and the bus counts every dropped sample.
class HistorianWriter {
 public:
  HistorianWriter(TagBus& bus, Historian& historian)
      : historian_(historian),
        subscription_(bus.Subscribe("historian", 4'000'000, OverflowPolicy::kDropNewest)) {}
  ~HistorianWriter() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    for (;;) {
      SampleBatch batch = subscription_->Pop(100 * kMillisecond);
      if (batch) {
        Status s = historian_.Append(*batch);
        if (!s.ok()) {
          failed_ += batch->size();
          spdlog::error("historian: {} samples not stored: {}", batch->size(), s.ToString());
        }
        continue;
      }
      if (stop_.load()) return;  // queue empty and asked to stop
    }
  }

  Historian& historian_;
  std::unique_ptr<Subscription> subscription_;
  std::atomic<bool> stop_{false};
  uint64_t failed_ = 0;  // owned by the writer thread
  std::thread thread_;
};

// The latest plant time an earlier run recorded in this data folder: its newest stored sample
// and the end of its last recorded interval (0 when the folder is new).
Result<Timestamp> LatestRecordedTime(Historian& historian, const TagRegistry& registry,
                                     const PlantConfig& cfg) {
  Timestamp latest = 0;
  for (TagId id = 0; id < registry.size(); ++id) {
    std::optional<historian::SeriesId> series = historian.FindSeries(registry.Get(id).path);
    if (!series) continue;
    GANTRY_ASSIGN_OR_RETURN(std::optional<historian::Point> last,
                            historian.LastBefore(*series, INT64_MAX));
    if (last) latest = std::max(latest, last->time);
  }
  const std::string ops_path = cfg.data_dir + "/operations.sqlite";
  if (!cfg.operations.work_centres.empty() && std::filesystem::exists(ops_path)) {
    GANTRY_ASSIGN_OR_RETURN(std::unique_ptr<ops::EventStore> store,
                            ops::EventStore::Open(ops_path));
    for (const ops::WorkCentreRules& wc : cfg.operations.work_centres) {
      GANTRY_ASSIGN_OR_RETURN(Timestamp end, store->LastIntervalEnd(wc.path));
      latest = std::max(latest, end);
    }
  }
  return latest;
}

}  // namespace

struct PlantRuntime::Parts {
  // The plant's one clock, read by every part below (declared first: destroyed last). The system
  // clock, or simulated time when the simulator runs at a time scale other than 1.
  std::unique_ptr<ScaledClock> simulated_time;
  const Clock* clock = &SystemClock::Instance();
  double time_scale = 1.0;
  PlantConfig config;
  TagRegistry registry;
  TagBus bus;
  std::unique_ptr<CurrentValues> values;
  std::unique_ptr<CurrentValueUpdater> updater;
  std::unique_ptr<Historian> historian;
  std::unique_ptr<HistorianWriter> historian_writer;
  std::unique_ptr<historian::MaintenanceLoop> historian_maintenance;  // stops before the store
  std::unique_ptr<OperationsService> operations;  // when work centres have rules
  std::unique_ptr<EnterpriseService>
      enterprise;                         // orders, actuals outbox, ERP (app/enterprise_service.h)
  std::unique_ptr<EnergyService> energy;  // when energy or costs are configured
  // Unified Namespace out (docs/uns.md), when `uns.enabled`; the feed borrows operations and the
  // publisher, so it is declared after both (destroyed first).
  std::unique_ptr<uns::UnsPublisher> uns;
  std::unique_ptr<uns::SparkplugEdgeNode> sparkplug;  // uns.mqtt.sparkplug
  std::unique_ptr<UnsOperationsFeed> uns_feed;
  std::unique_ptr<sim::PlantSimulator> simulator;
  std::vector<std::unique_ptr<Connector>> connectors;
  MachineWrites writes;  // which connector owns which tag, for the API's write route
  std::unique_ptr<ApiServer> api;
  bool stopped = false;
};

PlantRuntime::PlantRuntime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
PlantRuntime::~PlantRuntime() {
  Stop();
}

uint16_t PlantRuntime::api_port() const {
  return parts_->api ? parts_->api->port() : 0;
}
const PlantConfig& PlantRuntime::config() const {
  return parts_->config;
}

Result<std::unique_ptr<PlantRuntime>> PlantRuntime::Start(PlantConfig config,
                                                          RuntimeOptions options) {
  auto parts = std::make_unique<Parts>();
  parts->config = std::move(config);
  const PlantConfig& cfg = parts->config;
  std::unique_ptr<PlantRuntime> runtime(new PlantRuntime(std::move(parts)));
  Parts& p = *runtime->parts_;

  GANTRY_ASSIGN_OR_RETURN(p.registry, TagRegistry::Build(cfg.tags));
  // A simulator at a time scale runs the whole plant on simulated time (docs/simulator.md).
  const bool simulating = options.start_simulator || cfg.simulator.enabled;
  if (simulating && cfg.simulator.time_scale != 1.0) {
    p.time_scale = cfg.simulator.time_scale;
    p.simulated_time = std::make_unique<ScaledClock>(SystemClock::Instance().Now(), p.time_scale);
    p.clock = p.simulated_time.get();
    spdlog::info("plant time is simulated at {}x real time, from {}", p.time_scale,
                 FormatIso8601(p.clock->Now()));
  }
  const Clock& clock = *p.clock;
  spdlog::info("configuration {}: {} tags on {} devices", cfg.file, p.registry.size(),
               cfg.modbus_devices.size() + cfg.opcua_devices.size() + cfg.mqtt_devices.size());

  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  if (ec) return IoError("data folder " + cfg.data_dir + ": " + ec.message());
  HistorianOptions historian_options = cfg.historian.options;  // docs/historian.md
  GANTRY_ASSIGN_OR_RETURN(p.historian,
                          Historian::Open(cfg.data_dir + "/historian", historian_options, clock));
  // Store each tag under its path, so that its history survives a configuration change that
  // renumbers TagIds.
  for (TagId id = 0; id < p.registry.size(); ++id)
    GANTRY_RETURN_IF_ERROR(p.historian->BindTag(id, p.registry.Get(id).path));
  {  // an earlier run on simulated time may have got ahead of the real clock: never go back
    GANTRY_ASSIGN_OR_RETURN(Timestamp recorded, LatestRecordedTime(*p.historian, p.registry, cfg));
    if (recorded >= clock.Now()) {
      if (p.simulated_time) {
        p.simulated_time->ResumeNoEarlierThan(recorded + kSecond);
        spdlog::info("plant time resumes at {}, after what this data folder recorded",
                     FormatIso8601(clock.Now()));
      } else {
        spdlog::warn(
            "data folder {} holds plant time up to {}, ahead of the system clock (an earlier "
            "run at a time scale); this run overlaps it: use a fresh folder or the same scale",
            cfg.data_dir, FormatIso8601(recorded));
      }
    }
  }
  {  // low-priority tags give way first at the disk floor; maintenance on its own thread
    std::vector<std::string> paths;
    for (const TagConfig& t : cfg.tags) paths.push_back(t.path);
    GANTRY_RETURN_IF_ERROR(
        historian::ApplyLowPriority(*p.historian, cfg.historian.low_priority, paths));
    p.historian_maintenance = std::make_unique<historian::MaintenanceLoop>(
        *p.historian, cfg.historian.maintenance_interval);
  }
  spdlog::info("historian open in {}/historian", cfg.data_dir);

  p.values = std::make_unique<CurrentValues>(p.registry.size());
  p.updater = std::make_unique<CurrentValueUpdater>(p.bus, *p.values);
  GANTRY_RETURN_IF_ERROR(p.updater->Start());
  p.historian_writer = std::make_unique<HistorianWriter>(p.bus, *p.historian);
  p.historian_writer->Start();
  if (cfg.uns.enabled) {  // subscribes before any connector publishes; connects by itself
    for (const std::string& prefix : cfg.uns.options.tag_prefixes) {
      if (p.registry.WithPrefix(prefix).empty())
        spdlog::warn("uns: the tag prefix '{}' matches no configured tag", prefix);
    }
    std::unique_ptr<uns::UnsTransport> transport;
    if (cfg.uns.transport == uns::UnsTransportKind::kMqtt) {
      uns::MqttUnsSettings mqtt = cfg.uns.mqtt;
      if (!cfg.uns.mqtt_password_env.empty()) {
        const char* password = std::getenv(cfg.uns.mqtt_password_env.c_str());
        if (password == nullptr)
          return FailedPrecondition("uns: the environment variable " + cfg.uns.mqtt_password_env +
                                    " (uns.mqtt.user.password_env) is not set");
        mqtt.client.password = password;
      }
      if (cfg.uns.sparkplug) {  // Gantry as a Sparkplug B edge node, its own connection
        uns::SparkplugEdgeSettings sp = cfg.uns.sparkplug_edge;
        sp.client.password = mqtt.client.password;
        p.sparkplug = std::make_unique<uns::SparkplugEdgeNode>(p.registry, p.bus, sp);
        GANTRY_RETURN_IF_ERROR(p.sparkplug->Start());
      }
      if (cfg.uns.mqtt_json)
        transport = std::make_unique<uns::MqttTransport>(mqtt, cfg.uns.options.prefix);
    } else {
      transport = std::make_unique<uns::NatsTransport>(cfg.uns.nats);
    }
    if (transport) {
      p.uns = std::make_unique<uns::UnsPublisher>(p.registry, p.bus, p.values.get(),
                                                  std::move(transport), cfg.uns.options);
      // started below, once every responder is registered
    }
  }

  // The wait for an energy meter's reading after an order's end is about device latency, i.e.
  // real seconds: stretch it into plant time like the operations close lag (at 60x, 30 s of plant
  // time would be half a real second, and the actuals would leave without the last reading).
  enterprise::ErpSettings erp = cfg.erp;
  erp.energy_wait =
      static_cast<Duration>(static_cast<double>(erp.energy_wait) * std::max(1.0, p.time_scale));
  GANTRY_ASSIGN_OR_RETURN(p.enterprise, CreateEnterpriseService(erp, cfg.data_dir, clock));
  if (!cfg.operations.work_centres.empty()) {
    const TagRegistry* registry = &p.registry;
    ops::TagResolver resolver = [registry](std::string_view path) { return registry->Find(path); };
    OperationsServiceOptions ops_options;
    ops_options.time_scale = p.time_scale;  // closes as often in real time at any scale
    ops_options.close_every = static_cast<Duration>(static_cast<double>(ops_options.close_every) *
                                                    std::max(1.0, p.time_scale));
    ops_options.close_lag = static_cast<Duration>(static_cast<double>(ops_options.close_lag) *
                                                  std::max(1.0, p.time_scale));
    Result<std::unique_ptr<OperationsService>> ops = OperationsService::Create(
        cfg.operations, resolver, p.bus, cfg.data_dir, clock, ops_options);
    if (!ops.ok()) return ops.status().WithContext("operations");
    p.operations = std::move(ops).value();
    p.enterprise->AttachOperations(*p.operations);  // before Start: the actuals listener
    p.operations->Start();
    spdlog::info("operations: {} work centres, events in {}/operations.sqlite",
                 cfg.operations.work_centres.size(), cfg.data_dir);
    if (p.uns && cfg.uns.events) {  // states, counts, orders, reasons on <prefix>.events.
      Result<std::unique_ptr<UnsOperationsFeed>> feed =
          UnsOperationsFeed::Create(*p.operations, cfg.data_dir + "/operations.sqlite", *p.uns,
                                    cfg.data_dir + "/uns-events.seq");
      if (!feed.ok()) return feed.status().WithContext("uns operations events");
      p.uns_feed = std::move(feed).value();
      GANTRY_RETURN_IF_ERROR(p.uns_feed->ServeEventRequests(cfg.data_dir + "/operations.sqlite"));
      p.uns_feed->Start(cfg.uns.state_every);
    }
  }

  if (p.uns) GANTRY_RETURN_IF_ERROR(p.uns->Start());  // connects by itself, with backoff

  if (options.start_simulator || cfg.simulator.enabled) {
    sim::SimOptions so;
    so.listen = cfg.simulator.listen;
    so.base_port = cfg.simulator.base_port;
    so.seed = cfg.simulator.seed;
    so.time_scale = cfg.simulator.time_scale;
    so.start_time = clock.Now();
    so.clock = &clock;  // the machines run on the plant's clock
    // Breaks and cleaning windows follow the first site's local time, like its shift calendar.
    std::vector<const EquipmentNode*> sites = cfg.equipment.Sites();
    if (!sites.empty()) so.line.schedule.time_zone = sites.front()->timezone;
    p.simulator = std::make_unique<sim::PlantSimulator>(so);
    GANTRY_RETURN_IF_ERROR(p.simulator->Start().WithContext("simulator"));
    std::vector<sim::MachineEndpoint> endpoints = p.simulator->Endpoints();
    if (so.base_port == 0) {
      // Free ports were asked for: devices that point at the simulator carry the machine index
      // as their port (see MoveSimulatorPorts in run_command.cc); give them the bound ports.
      for (auto& device : p.config.modbus_devices) {
        if (device.protocol == modbus::Protocol::kTcp && device.port >= 0 &&
            static_cast<size_t>(device.port) < endpoints.size())
          device.port = endpoints[static_cast<size_t>(device.port)].port;
      }
    }
    for (const auto& e : endpoints)
      spdlog::info("simulator: {} serving Modbus TCP on {}:{}", e.machine, e.host, e.port);
  }

  // One-way mode reaches the connectors too: none accepts a write, whatever its device says.
  if (cfg.security.one_way) p.writes.ForbidAll();
  for (size_t d = 0; d < cfg.modbus_devices.size(); ++d) {
    const modbus::DeviceConfig& device = cfg.modbus_devices[d];
    std::vector<TagId> ids;
    for (size_t i = 0; i < device.points.size(); ++i)
      ids.push_back(static_cast<TagId>(cfg.first_tag_of_device[d] + i));
    auto connector = std::make_unique<modbus::ModbusConnector>(device, ids, p.bus, clock);
    p.writes.Own(connector.get(), ids);
    GANTRY_RETURN_IF_ERROR(connector->Start().WithContext("device " + device.name));
    p.connectors.push_back(std::move(connector));
  }
  for (size_t d = 0; d < cfg.opcua_devices.size(); ++d) {
    const opcua::OpcUaDeviceConfig& device = cfg.opcua_devices[d];
    std::vector<TagId> ids;
    for (size_t i = 0; i < device.points.size(); ++i)
      ids.push_back(static_cast<TagId>(cfg.first_tag_of_opcua_device[d] + i));
    auto connector = std::make_unique<opcua::OpcUaConnector>(device, ids, p.bus, clock);
    p.writes.Own(connector.get(), ids);
    GANTRY_RETURN_IF_ERROR(connector->Start().WithContext("device " + device.name));
    p.connectors.push_back(std::move(connector));
  }
  for (size_t d = 0; d < cfg.mqtt_devices.size(); ++d) {
    const mqtt::MqttDeviceConfig& device = cfg.mqtt_devices[d];
    std::vector<TagId> ids;
    for (size_t i = 0; i < device.points.size(); ++i)
      ids.push_back(static_cast<TagId>(cfg.first_tag_of_mqtt_device[d] + i));
    auto connector = std::make_unique<mqtt::MqttConnector>(device, ids, p.bus, clock);
    p.writes.Own(connector.get(), ids);  // DCMD/NCMD or write_topic, with `writes: enabled`
    GANTRY_RETURN_IF_ERROR(connector->Start().WithContext("device " + device.name));
    p.connectors.push_back(std::move(connector));
  }

  ApiOptions api_options;
  api_options.listen = cfg.api.listen;
  api_options.port = cfg.api.port;
  ApiContext context;
  context.clock = &clock;  // "now" of the API: default ranges, /health
  context.time_scale = p.time_scale;
  context.registry = &p.registry;
  context.historian = p.historian.get();
  context.metrics.push_back([h = p.historian.get()] { return HistorianMetricsText(*h); });
  if (p.uns) context.metrics.push_back([u = p.uns.get()] { return u->MetricsText(); });
  if (p.sparkplug) context.metrics.push_back([e = p.sparkplug.get()] { return e->MetricsText(); });
  context.values = p.values.get();
  Parts* raw = &p;
  context.bus_stats = [raw] { return raw->bus.Stats(); };
  context.connectors = [raw] {
    std::vector<ConnectorHealth> health;
    for (const auto& c : raw->connectors) health.push_back(c->Health());
    return health;
  };
  if (OperationsService* ops = p.operations.get()) {
    context.equipment_state = [ops](std::string_view path) {
      return ops->EquipmentStateJson(path);
    };
    context.oee = [ops](std::string_view scope, Timestamp from, Timestamp to, std::string_view by) {
      return ops->OeeJson(scope, from, to, by);
    };
    context.downtime = [ops](std::string_view scope, Timestamp from, Timestamp to) {
      return ops->DowntimeJson(scope, from, to);
    };
    context.assign_reason = [ops](const std::string& wc, Timestamp stop_start,
                                  const std::string& reason, const std::string& by) {
      return ops->AssignReason(wc, stop_start, reason, by);
    };
    context.modules.push_back(PlannedStopsModule(  // POST /api/v1/planned-stops
        [ops](const std::string& wc, Timestamp start, Timestamp end, const std::string& reason,
              const std::string& by) {
          return ops->DeclarePlannedStop(wc, start, end, reason, by);
        }));
  }
  // GET /api/v1/cost (app/energy_service.h).
  GANTRY_ASSIGN_OR_RETURN(
      p.energy, StartEnergyService(cfg, *p.historian, p.operations.get(), context.modules));
  p.enterprise->UseEnergy(p.energy.get());  // energy and its cost in the actuals
  p.enterprise->ServeApi(context);  // orders, outbox, reconciliation routes; /metrics; threads
  context.modules.push_back(ReasonsModule(cfg.operations.reasons));  // GET /api/v1/reasons
  context.modules.push_back(TagWriteRoutes(  // POST /api/v1/tags/{path}/write
      p.registry, [raw](TagId tag, const Value& v) { return raw->writes.Write(tag, v); }));
  context.modules.push_back(DashboardModule(cfg.api.web_root));  // GET / and /assets/...
  // Credentials, audit trail, TLS, one-way mode (app/security_setup.h); start_simulator = demo.
  GANTRY_RETURN_IF_ERROR(ConfigureApiSecurity(cfg, options.start_simulator, api_options));
  GANTRY_ASSIGN_OR_RETURN(p.api, ApiServer::Start(api_options, std::move(context)));
  return runtime;
}

void PlantRuntime::Stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  if (p.api) p.api->Stop();
  for (auto& c : p.connectors) c->Stop();
  if (p.simulator) p.simulator->Stop();
  if (p.operations) p.operations->Stop();  // after the connectors: drains what they published
  if (p.uns_feed) p.uns_feed->Stop();      // after operations: its last events are recorded
  if (p.uns) p.uns->Stop();                // sends what it can of its queue, briefly
  if (p.sparkplug) p.sparkplug->Stop();    // NDEATH, then a clean disconnect
  if (p.enterprise) p.enterprise->Stop();  // after operations: its last actuals are enqueued
  if (p.updater) p.updater->Stop();
  if (p.historian_writer) p.historian_writer->Stop();
  p.historian_maintenance.reset();  // joins its thread
  spdlog::info("stopped");
}

}  // namespace gantry
