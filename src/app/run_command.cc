#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/commands.h"
#include "app/plant_config.h"
#include "app/plant_runtime.h"
#include "field/sim/plant_simulator.h"
#include "field/sim/sim_command.h"

namespace gantry {
namespace {

void SetUpLogging() {
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  if (const char* level = std::getenv("GANTRY_LOG"))
    spdlog::set_level(spdlog::level::from_str(level));
}

// Blocks SIGINT and SIGTERM in this thread and every thread started after it, so that only
// WaitForStopSignal() receives them.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int WaitForStopSignal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

// Moves the simulator and every device that points at it to a new first port.
// With new_base 0 (free ports) a device keeps only its machine index as port; the runtime puts
// in the bound port once the simulator has started.
void MoveSimulatorPorts(PlantConfig& plant, int new_base) {
  const int old_base = plant.simulator.base_port;
  for (auto& device : plant.modbus_devices) {
    if (device.protocol == modbus::Protocol::kTcp && device.port >= old_base &&
        device.port < old_base + 64)
      device.port = new_base + (device.port - old_base);
  }
  plant.simulator.base_port = new_base;
}

Result<std::string> FreshDataFolder() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gantry-demo-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return IoError("cannot create a data folder in /tmp");
  return tmpl;
}

}  // namespace

int RunPlant(const RunArgs& args) {
  SetUpLogging();
  Result<PlantConfig> loaded = args.config.empty()
                                   ? ParsePlantConfig(DemoPlantYaml(), "<built-in demo plant>")
                                   : LoadPlantConfig(args.config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    return 2;
  }
  PlantConfig plant = std::move(loaded).value();
  if (args.port >= 0) plant.api.port = static_cast<uint16_t>(args.port);
  if (args.sim_port >= 0) MoveSimulatorPorts(plant, args.sim_port);
  if (args.time_scale > 0) plant.simulator.time_scale = args.time_scale;
  if (!args.data_dir.empty()) {
    plant.data_dir = args.data_dir;
  } else if (args.demo) {
    Result<std::string> dir = FreshDataFolder();
    if (!dir.ok()) {
      spdlog::error("{}", dir.status().message());
      return 1;
    }
    plant.data_dir = *dir;
  }

  sigset_t stop_signals = BlockStopSignals();
  RuntimeOptions options;
  options.start_simulator = args.demo;
  spdlog::info("gantry 0.1.0 starting{}; data folder {}", args.demo ? " the demo plant" : "",
               plant.data_dir);
  Result<std::unique_ptr<PlantRuntime>> runtime = PlantRuntime::Start(std::move(plant), options);
  if (!runtime.ok()) {
    spdlog::error("cannot start: {}", runtime.status().message());
    return 1;
  }
  const uint16_t port = (*runtime)->api_port();
  const std::string& listen = (*runtime)->config().api.listen;
  spdlog::info("serving http://{}:{}  (tags: /api/v1/tags, live: /api/v1/stream; Ctrl-C stops)",
               listen, port);
  std::printf("Gantry is running: http://%s:%u/api/v1/tags\n", listen.c_str(), port);
  std::fflush(stdout);

  int sig = WaitForStopSignal(stop_signals);
  spdlog::info("{} received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*runtime)->Stop();
  return 0;
}

int RunSim(const SimArgs& args) {
  SetUpLogging();
  sim::SimOptions options;
  options.listen = args.listen;
  options.base_port = args.base_port;
  options.seed = args.seed;
  options.time_scale = args.time_scale;
  return sim::RunSimCommand(options);
}

}  // namespace gantry
