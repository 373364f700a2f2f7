// What the simulated packaging line is made of: the machine state word, the fault codes, and the
// static description of each machine (rated speed, power, faults it can have). The default line
// is filler -> capper -> labeller -> case packer; see docs/simulator.md.
//
//   std::vector<MachineSpec> line = DefaultPackagingMachines();
//   std::string_view why = FaultName(FaultCode::kLabelWebBreak);   // "label web break"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace gantry::sim {

// The state word each machine publishes (holding register 0). Values are part of the register
// map and must not change.
enum class MachineState : uint16_t {
  kOff = 0,         // not scheduled (outside production time)
  kRunning = 1,     // producing
  kIdle = 2,        // stopped briefly without an alarm (micro-stop)
  kStarved = 3,     // ready, but the infeed buffer is empty
  kBlocked = 4,     // ready, but the outfeed buffer is full
  kFaulted = 5,     // stopped by an alarm; fault code register says which
  kCleaning = 6,    // planned cleaning (CIP)
  kChangeover = 7,  // planned product changeover
  kBreak = 8,       // planned shift break
};

// "running", "starved", ... ("unknown" for values outside the enum).
std::string_view MachineStateName(MachineState s);

// Fault codes (holding register 1); 0 when no fault is active. Hundreds digit = machine.
enum class FaultCode : uint16_t {
  kNone = 0,
  kBottleJam = 101,               // filler
  kFillingValveLeak = 102,        // filler
  kProductTankLow = 110,          // filler
  kCapFeedEmpty = 205,            // capper
  kCapTorqueOutOfRange = 210,     // capper
  kLabelWebBreak = 310,           // labeller
  kLabelSensorMisread = 312,      // labeller
  kCaseMagazineEmpty = 412,       // case packer
  kCartonJam = 420,               // case packer
  kEmergencyStop = 800,           // any machine
  kMotorOverload = 810,           // any machine
  kOvertemperatureBearing = 900,  // the machine whose bearing drifts
};

// "bottle jam", "label web break", ... ("unknown fault" for other values).
std::string_view FaultName(FaultCode code);

// One kind of random fault a machine can have, with its repair time:
// repair = min_repair + Exponential(mean_extra_repair), capped at max_repair.
struct FaultSpec {
  FaultCode code = FaultCode::kNone;
  double per_running_hour = 0;  // expected occurrences per hour of running
  Duration min_repair = 0;
  Duration mean_extra_repair = 0;
  Duration max_repair = 0;
};

// Static description of one machine.
struct MachineSpec {
  std::string name;                 // "filler": the work centre name in the plant config
  double rated_speed = 0;           // output units per minute at 100 %
  int units_per_output = 1;         // infeed units consumed per output unit (12 for a case)
  double running_kw = 0;            // electrical power while running
  double idle_kw = 0;               // while stopped but powered (starved, blocked, faults, breaks)
  double off_kw = 0;                // while not scheduled (standby)
  double cleaning_kw = 0;           // during CIP (pumps and heaters on the filler)
  double reject_rate = 0;           // fraction of output rejected in steady state
  double micro_stops_per_hour = 0;  // expected micro-stops per running hour
  Duration micro_stop_mean = 0;     // mean micro-stop length (2 s minimum, 90 s maximum)
  double ambient_temp_c = 22;       // bearing temperature when cold
  double running_temp_rise_c = 0;   // steady rise while running with a healthy bearing
  double base_vibration = 0;        // mm/s RMS while running with a healthy bearing
  bool bearing_drifts = false;      // this machine's bearing wears until an overtemperature trip
  std::vector<FaultSpec> faults;    // random faults while running
};

// Static description of an accumulation conveyor between two machines.
struct BufferSpec {
  int capacity = 0;      // units it can hold
  int initial_fill = 0;  // units on it at the start
};

// The default line: filler, capper, labeller, casepacker (12 units per case).
std::vector<MachineSpec> DefaultPackagingMachines();
// The three default buffers between them (filler->capper, capper->labeller, labeller->casepacker).
std::vector<BufferSpec> DefaultPackagingBuffers();

}  // namespace gantry::sim
