// The simulated packaging line as a pure, deterministic model: four machines in series joined by
// accumulation conveyors, advanced on simulated time in fixed 100 ms ticks. No I/O and no wall
// clock: the same options (seed included) and the same total time give identical registers, no
// matter how the time is cut into Step() calls. PlantSimulator serves it over Modbus TCP.
//
//   LineOptions options;
//   options.seed = 7;
//   options.start_time = t0;
//   PackagingLine line(options);
//   line.Step(10 * kMinute);
//   MachineSnapshot filler = line.Machine(0);   // state, counters, speed, temperature ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "field/sim/machine_spec.h"
#include "field/sim/random.h"
#include "field/sim/schedule.h"

namespace gantry::sim {

struct LineOptions {
  uint64_t seed = 42;
  Timestamp start_time = 0;    // simulated time of the first tick
  uint32_t counter_start = 0;  // initial good, reject and energy counters (4294967000 shows
                               // a rollover within minutes)
  LineSchedule schedule = DefaultLineSchedule();
  double fault_rate_scale = 1.0;       // multiplies every random fault rate; 0 disables them
  double micro_stop_rate_scale = 1.0;  // multiplies every micro-stop rate; 0 disables them
  double bearing_wear_start = 0.3;     // 0 = new bearing; it trips at about 0.8
  Duration bearing_life = 12 * kHour;  // running time for wear to grow by 1.0
  double overtemperature_trip_c = 85;  // bearing temperature that trips fault 900
  std::vector<std::string> products = {"P-0017", "P-0018", "P-0021"};  // cycled at changeovers
  std::vector<MachineSpec> machines = DefaultPackagingMachines();
  std::vector<BufferSpec> buffers = DefaultPackagingBuffers();  // machines.size() - 1 of them
};

// Checks counts, rates and capacities; the error names the field and what was expected.
Status ValidateLineOptions(const LineOptions& options);

// What one machine's controller shows at the current simulated time.
struct MachineSnapshot {
  MachineState state = MachineState::kOff;
  FaultCode fault = FaultCode::kNone;  // kNone unless state is kFaulted
  float speed = 0;                     // output units (cases for the case packer) per minute
  uint32_t good_count = 0;             // wraps at 2^32
  uint32_t reject_count = 0;           // wraps at 2^32
  uint32_t energy_wh = 0;              // energy meter in Wh, wraps at 2^32
  float temperature_c = 0;             // main drive bearing
  float vibration_mm_s = 0;            // RMS velocity at the main drive bearing
  uint16_t infeed_level = 0;           // units on the conveyor feeding this machine (0: first)
  uint16_t heartbeat = 0;              // simulated seconds since start, mod 65536
  std::string product;                 // current product code, e.g. "P-0017"
  friend bool operator==(const MachineSnapshot&, const MachineSnapshot&) = default;
};

class PackagingLine {
 public:
  static constexpr Duration kTick = 100 * kMillisecond;

  // Precondition: ValidateLineOptions(options).ok().
  explicit PackagingLine(LineOptions options);

  // Advances simulated time by `dt` (>= 0). Whole ticks are simulated; the remainder is carried
  // into the next call, so Step(a); Step(b) equals Step(a + b).
  void Step(Duration dt);
  // Time of the last simulated tick.
  Timestamp Now() const { return now_; }

  size_t MachineCount() const { return machines_.size(); }
  const MachineSpec& Spec(size_t machine) const { return options_.machines[machine]; }
  const LineOptions& Options() const { return options_; }
  MachineSnapshot Machine(size_t machine) const;
  // Units on buffer `b`, which feeds machine b + 1.
  int BufferLevel(size_t b) const { return buffers_[b]; }
  // Bearing wear of a machine, 0 (new) .. about 0.8 (trips).
  double BearingWear(size_t machine) const { return machines_[machine].wear; }

  // Stops `machine` with `code` for `repair` of simulated time from now (tests, demos). A fault
  // that is already active is replaced.
  void InjectFault(size_t machine, FaultCode code, Duration repair);

 private:
  struct Runtime {
    explicit Runtime(SimRandom r) : rng(r) {}
    SimRandom rng;
    MachineState state = MachineState::kIdle;
    FaultCode fault = FaultCode::kNone;
    Timestamp fault_until = 0;
    Timestamp micro_stop_until = 0;
    Timestamp running_since = 0;
    bool waiting_for_infeed = false;   // starved, until the infeed refills to the restart level
    bool waiting_for_outfeed = false;  // blocked, until the outfeed drains to the restart level
    double progress = 0;               // fraction of the next output unit made
    double speed = 0;                  // actual speed, output units/min
    double speed_noise = 1.0;          // multiplicative noise, redrawn every second
    uint64_t good = 0;
    uint64_t reject = 0;
    double energy_wh = 0;
    double temperature_c = 22;
    double wear = 0;
    float temperature_shown = 22;  // with sensor noise, redrawn every second
    float vibration_shown = 0;
  };

  void Tick();
  void TickMachine(size_t i, const PlannedStop* planned);
  MachineState RunOrWait(size_t i);
  void Produce(size_t i, double dt_min);
  void RandomEvents(size_t i, double dt_h);
  void Physics(size_t i, double dt_s);
  double RejectProbability(size_t i) const;

  LineOptions options_;
  std::vector<Runtime> machines_;
  std::vector<int> buffers_;
  Timestamp now_;
  Duration carry_ = 0;  // time not yet simulated (less than one tick)
  uint64_t ticks_ = 0;
  size_t product_index_ = 0;
  bool had_changeover_ = false;
  Timestamp changeover_seen_ = 0;      // start of the last changeover already applied
  Timestamp last_changeover_end_ = 0;  // valid when had_changeover_
};

}  // namespace gantry::sim
