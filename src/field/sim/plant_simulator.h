// The built-in plant: the PackagingLine model advanced on real time (times a scale factor), or on
// the plant's clock when given one, and served as one Modbus TCP server per machine on
// base_port + i. `gantry sim` runs it until a
// signal; `gantry demo` starts it next to the rest of Gantry; connector tests use free ports.
//
//   SimOptions o; o.base_port = 0; o.time_scale = 60;   // free ports, one minute per second
//   PlantSimulator plant(o);
//   GANTRY_RETURN_IF_ERROR(plant.Start());
//   for (const MachineEndpoint& e : plant.Endpoints()) ... e.host, e.port ...
//   plant.StopMachine(2); ... plant.StartMachine(2);     // the labeller's PLC drops off and
//   returns plant.Stop();
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "field/sim/machine_server.h"
#include "field/sim/packaging_line.h"

namespace gantry::sim {

struct SimOptions {
  std::string listen = "127.0.0.1";  // IPv4 address to listen on ("0.0.0.0": all)
  int base_port = 5020;              // machine i on base_port + i; 0: free ports from the OS
  uint64_t seed = 42;                // overrides line.seed
  double time_scale = 1.0;           // simulated seconds per real second; 0: only Advance() moves
  Timestamp start_time = 0;  // simulated start; 0: the clock's now. Overrides line.start_time
  Duration update_interval = 100 * kMillisecond;  // how often the registers are refreshed
  LineOptions line;  // machines, buffers, schedule, rates, counter start
  // The plant's clock, borrowed (must outlive the simulator). nullptr: the model keeps its own
  // time (start_time, else the system clock's now, advanced by real time x time_scale). Set: the
  // model follows this clock, stepped to clock->Now() at every update (time_scale is unused; a
  // ScaledClock sets the pace), so that the machines and everything reading the clock agree.
  const Clock* clock = nullptr;
};

// Where one machine can be reached.
struct MachineEndpoint {
  std::string machine;   // "filler"
  std::string host;      // the listen address
  int port = 0;          // bound port
  bool serving = false;  // false while StopMachine()'d
};

// Thread-safe: every public method may be called from any thread.
class PlantSimulator {
 public:
  explicit PlantSimulator(SimOptions options);
  ~PlantSimulator();  // Stop()s
  PlantSimulator(const PlantSimulator&) = delete;
  PlantSimulator& operator=(const PlantSimulator&) = delete;

  // Validates the options, binds every machine's port and starts the threads. On error nothing
  // stays open; the error names the machine and port. FailedPrecondition when already
  // started; after Stop() it starts afresh (a new line from the seed, the same ports if fixed).
  Status Start();
  // Stops the clock thread and every server, promptly; joins all threads. Idempotent.
  void Stop();

  // One entry per machine, in line order.
  std::vector<MachineEndpoint> Endpoints() const;
  // Takes one machine's server off the network (its clients are disconnected, new connections
  // are refused) while its model keeps running. NotFound for a bad index.
  Status StopMachine(size_t machine);
  // Serves that machine again on the same port.
  Status StartMachine(size_t machine);

  // Moves simulated time forward by `dt` at once, on top of the scaled real time. With
  // options.clock the model then runs ahead of the clock, and waits for it to catch up.
  void Advance(Duration dt);
  // Stops `machine` with `code` for `repair` of simulated time.
  void InjectFault(size_t machine, FaultCode code, Duration repair);
  // The model's current values for one machine, and its simulated time.
  MachineSnapshot Machine(size_t machine) const;
  Timestamp Now() const;
  size_t MachineCount() const { return servers_.size(); }
  const std::string& MachineName(size_t machine) const {
    return options_.line.machines[machine].name;
  }

 private:
  void ClockLoop();
  void PublishLocked();  // REQUIRES(model_mutex_)

  SimOptions options_;
  std::mutex control_mutex_;  // serialises Start, Stop, StopMachine, StartMachine
  bool started_ = false;      // GUARDED_BY(control_mutex_)
  mutable std::mutex model_mutex_;
  std::unique_ptr<PackagingLine> line_;  // GUARDED_BY(model_mutex_); set by Start()
  std::vector<std::unique_ptr<MachineServer>> servers_;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // GUARDED_BY(stop_mutex_)
  std::thread clock_thread_;
};

}  // namespace gantry::sim
