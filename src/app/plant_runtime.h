// The running plant: every component of a configuration wired together and started in order
// (historian, tag bus subscribers, simulator, connectors, API), stopped in reverse. This is the
// composition root; no other layer knows how the pieces fit.
//
//   GANTRY_ASSIGN_OR_RETURN(auto plant, PlantRuntime::Start(std::move(config), options));
//   std::printf("serving http://127.0.0.1:%u\n", plant->api_port());
//   ... wait for SIGTERM ...
//   plant->Stop();
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "app/plant_config.h"
#include "core/status.h"

namespace gantry {

struct RuntimeOptions {
  bool start_simulator = false;  // also when the configuration enables it
};

class PlantRuntime {
 public:
  // Starts everything. On error, whatever was started is stopped again before returning.
  static Result<std::unique_ptr<PlantRuntime>> Start(PlantConfig config, RuntimeOptions options);
  ~PlantRuntime();
  PlantRuntime(const PlantRuntime&) = delete;
  PlantRuntime& operator=(const PlantRuntime&) = delete;

  // The port the API listens on (the bound one when the configuration asked for 0).
  uint16_t api_port() const;
  const PlantConfig& config() const;
  // Stops in reverse order; idempotent.
  void Stop();

  struct Parts;

 private:
  explicit PlantRuntime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace gantry
