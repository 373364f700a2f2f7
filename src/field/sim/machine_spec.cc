#include "field/sim/machine_spec.h"

namespace gantry::sim {

std::string_view MachineStateName(MachineState s) {
  switch (s) {
    case MachineState::kOff: return "off";
    case MachineState::kRunning: return "running";
    case MachineState::kIdle: return "idle";
    case MachineState::kStarved: return "starved";
    case MachineState::kBlocked: return "blocked";
    case MachineState::kFaulted: return "faulted";
    case MachineState::kCleaning: return "cleaning";
    case MachineState::kChangeover: return "changeover";
    case MachineState::kBreak: return "break";
  }
  return "unknown";
}

std::string_view FaultName(FaultCode code) {
  switch (code) {
    case FaultCode::kNone: return "none";
    case FaultCode::kBottleJam: return "bottle jam";
    case FaultCode::kFillingValveLeak: return "filling valve leak";
    case FaultCode::kProductTankLow: return "product tank low";
    case FaultCode::kCapFeedEmpty: return "cap feed empty";
    case FaultCode::kCapTorqueOutOfRange: return "cap torque out of range";
    case FaultCode::kLabelWebBreak: return "label web break";
    case FaultCode::kLabelSensorMisread: return "label sensor misread";
    case FaultCode::kCaseMagazineEmpty: return "case magazine empty";
    case FaultCode::kCartonJam: return "carton jam";
    case FaultCode::kEmergencyStop: return "emergency stop";
    case FaultCode::kMotorOverload: return "motor overload";
    case FaultCode::kOvertemperatureBearing: return "overtemperature bearing";
  }
  return "unknown fault";
}

namespace {

FaultSpec Fault(FaultCode code, double per_hour, Duration min_repair, Duration mean_extra,
                Duration max_repair) {
  return FaultSpec{code, per_hour, min_repair, mean_extra, max_repair};
}

}  // namespace

std::vector<MachineSpec> DefaultPackagingMachines() {
  std::vector<MachineSpec> m(4);

  m[0].name = "filler";
  m[0].rated_speed = 100;  // bottles/min
  m[0].running_kw = 15;
  m[0].idle_kw = 4;
  m[0].off_kw = 0.5;
  m[0].cleaning_kw = 25;  // CIP pumps and heater
  m[0].reject_rate = 0.006;
  m[0].micro_stops_per_hour = 6;
  m[0].micro_stop_mean = 12 * kSecond;
  m[0].running_temp_rise_c = 15;
  m[0].base_vibration = 1.5;
  m[0].faults = {
      Fault(FaultCode::kBottleJam, 0.5, 2 * kMinute, 4 * kMinute, 20 * kMinute),
      Fault(FaultCode::kFillingValveLeak, 0.05, 15 * kMinute, 20 * kMinute, 90 * kMinute),
      Fault(FaultCode::kProductTankLow, 0.1, 5 * kMinute, 5 * kMinute, 30 * kMinute),
      Fault(FaultCode::kEmergencyStop, 0.02, 3 * kMinute, 2 * kMinute, 15 * kMinute)};

  m[1].name = "capper";
  m[1].rated_speed = 110;
  m[1].running_kw = 5.5;
  m[1].idle_kw = 1.5;
  m[1].off_kw = 0.2;
  m[1].cleaning_kw = 1.5;
  m[1].reject_rate = 0.004;
  m[1].micro_stops_per_hour = 10;
  m[1].micro_stop_mean = 8 * kSecond;
  m[1].running_temp_rise_c = 18;
  m[1].base_vibration = 2.0;
  m[1].faults = {
      Fault(FaultCode::kCapFeedEmpty, 0.4, 3 * kMinute, 3 * kMinute, 15 * kMinute),
      Fault(FaultCode::kCapTorqueOutOfRange, 0.1, 8 * kMinute, 10 * kMinute, 45 * kMinute),
      Fault(FaultCode::kMotorOverload, 0.03, 15 * kMinute, 15 * kMinute, 60 * kMinute)};

  m[2].name = "labeller";
  m[2].rated_speed = 110;
  m[2].running_kw = 4;
  m[2].idle_kw = 1.2;
  m[2].off_kw = 0.2;
  m[2].cleaning_kw = 1.2;
  m[2].reject_rate = 0.008;
  m[2].micro_stops_per_hour = 12;
  m[2].micro_stop_mean = 10 * kSecond;
  m[2].running_temp_rise_c = 20;
  m[2].base_vibration = 1.2;
  m[2].bearing_drifts = true;
  m[2].faults = {
      Fault(FaultCode::kLabelWebBreak, 0.3, 5 * kMinute, 8 * kMinute, 30 * kMinute),
      Fault(FaultCode::kLabelSensorMisread, 0.3, 1 * kMinute, 2 * kMinute, 10 * kMinute)};

  m[3].name = "casepacker";
  m[3].rated_speed = 10;  // cases/min = 120 bottles/min
  m[3].units_per_output = 12;
  m[3].running_kw = 9;
  m[3].idle_kw = 2.5;
  m[3].off_kw = 0.3;
  m[3].cleaning_kw = 2.5;
  m[3].reject_rate = 0.002;
  m[3].micro_stops_per_hour = 4;
  m[3].micro_stop_mean = 15 * kSecond;
  m[3].running_temp_rise_c = 16;
  m[3].base_vibration = 2.5;
  m[3].faults = {Fault(FaultCode::kCaseMagazineEmpty, 0.4, 2 * kMinute, 3 * kMinute, 12 * kMinute),
                 Fault(FaultCode::kCartonJam, 0.3, 3 * kMinute, 5 * kMinute, 25 * kMinute),
                 Fault(FaultCode::kEmergencyStop, 0.02, 3 * kMinute, 2 * kMinute, 15 * kMinute)};
  return m;
}

std::vector<BufferSpec> DefaultPackagingBuffers() {
  return {BufferSpec{250, 100}, BufferSpec{250, 100}, BufferSpec{600, 240}};
}

}  // namespace gantry::sim
