#include "field/sim/sim_command.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace gantry::sim {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void OnStopSignal(int signal) {
  g_stop_signal = signal;
}

std::string Describe(const MachineSnapshot& m) {
  if (m.state == MachineState::kFaulted) {
    return fmt::format("faulted ({} {})", static_cast<int>(m.fault), FaultName(m.fault));
  }
  return std::string(MachineStateName(m.state));
}

}  // namespace

int RunSimCommand(const SimOptions& options) {
  PlantSimulator plant(options);
  if (Status s = plant.Start(); !s.ok()) {
    spdlog::error("simulator: {}", s.ToString());
    return 1;
  }
  spdlog::info("simulator: packaging line, seed {}, time scale {}x, simulated start {}",
               options.seed, options.time_scale, FormatIso8601(plant.Now()));
  for (const MachineEndpoint& e : plant.Endpoints()) {
    spdlog::info("simulator: {} serves Modbus TCP on {}:{} (any unit id)", e.machine, e.host,
                 e.port);
  }

  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {};
  struct sigaction old_term {};
  g_stop_signal = 0;
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);

  std::vector<MachineSnapshot> last;
  for (size_t i = 0; i < plant.MachineCount(); ++i) {
    last.push_back(plant.Machine(i));
    spdlog::info("simulator: {} is {}", plant.MachineName(i), Describe(last.back()));
  }
  auto next_summary = std::chrono::steady_clock::now();
  while (g_stop_signal == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::string now = FormatIso8601(plant.Now());
    for (size_t i = 0; i < plant.MachineCount(); ++i) {
      const MachineSnapshot m = plant.Machine(i);
      if (m.state != last[i].state || m.fault != last[i].fault) {
        spdlog::info("{} {}: {} -> {}", now, plant.MachineName(i), Describe(last[i]), Describe(m));
      }
      last[i] = m;
    }
    if (std::chrono::steady_clock::now() >= next_summary) {
      next_summary += std::chrono::seconds(30);
      for (size_t i = 0; i < plant.MachineCount(); ++i) {
        const MachineSnapshot& m = last[i];
        spdlog::info(
            "{} {}: {} at {:.1f}/min, good {} reject {}, {:.2f} kWh, {:.1f} degC, {:.2f} mm/s, "
            "infeed {} ({})",
            now, plant.MachineName(i), Describe(m), m.speed, m.good_count, m.reject_count,
            m.energy_wh / 1000.0, m.temperature_c, m.vibration_mm_s, m.infeed_level, m.product);
      }
    }
  }
  spdlog::info("simulator: signal {} received, stopping", static_cast<int>(g_stop_signal));
  plant.Stop();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return 0;
}

}  // namespace gantry::sim
