#include "field/sim/packaging_line.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace gantry::sim {
namespace {

constexpr Duration kRampUp = 5 * kSecond;  // from 30 % to full speed after a stop
constexpr Duration kMicroStopMin = 2 * kSecond;
constexpr Duration kMicroStopMax = 90 * kSecond;
constexpr double kHeatingTauS = 15 * 60;  // first-order lags of the bearing temperature: it heats
constexpr double kCoolingTauS = 40 * 60;  // up faster than the housing cools down
constexpr double kWearHeatC = 65;         // extra running temperature at wear 1.0
constexpr Duration kChangeoverRejectDecay = 20 * kMinute;
constexpr double kChangeoverRejectBoost = 4;  // reject rate x5 right after a changeover

double Seconds(Duration d) {
  return static_cast<double>(d) / kSecond;
}
Duration FromSeconds(double s) {
  return static_cast<Duration>(std::llround(s * 1e9));
}

}  // namespace

Status ValidateLineOptions(const LineOptions& o) {
  if (o.machines.empty()) return InvalidArgument("simulator: the line needs at least one machine");
  if (o.buffers.size() + 1 != o.machines.size()) {
    return InvalidArgument(fmt::format("simulator: {} machines need {} buffers, got {}",
                                       o.machines.size(), o.machines.size() - 1, o.buffers.size()));
  }
  if (o.products.empty()) return InvalidArgument("simulator: at least one product code is needed");
  for (const std::string& p : o.products) {
    if (p.size() > 16)
      return InvalidArgument("simulator: product code '" + p + "' exceeds 16 characters");
  }
  if (o.fault_rate_scale < 0 || o.micro_stop_rate_scale < 0) {
    return InvalidArgument("simulator: fault and micro-stop rate scales must be >= 0");
  }
  if (o.bearing_life <= 0) return InvalidArgument("simulator: bearing_life must be positive");
  for (const MachineSpec& m : o.machines) {
    if (m.rated_speed <= 0 || m.units_per_output < 1 || m.reject_rate < 0 || m.reject_rate >= 1) {
      return InvalidArgument(
          "simulator machine '" + m.name +
          "': rated_speed > 0, units_per_output >= 1, reject_rate in [0, 1) expected");
    }
  }
  for (size_t b = 0; b < o.buffers.size(); ++b) {
    const BufferSpec& s = o.buffers[b];
    if (s.capacity < o.machines[b + 1].units_per_output || s.capacity > 65535 ||
        s.initial_fill < 0 || s.initial_fill > s.capacity) {
      return InvalidArgument(
          fmt::format("simulator buffer {}: capacity from {} to 65535 and 0 <= initial_fill <= "
                      "capacity expected",
                      b, o.machines[b + 1].units_per_output));
    }
  }
  return o.schedule.Validate();
}

PackagingLine::PackagingLine(LineOptions options)
    : options_(std::move(options)), now_(options_.start_time) {
  for (size_t i = 0; i < options_.machines.size(); ++i) {
    Runtime r(SimRandom(options_.seed, i + 1));
    r.temperature_c = options_.machines[i].ambient_temp_c;
    r.temperature_shown = static_cast<float>(r.temperature_c);
    if (options_.machines[i].bearing_drifts) r.wear = options_.bearing_wear_start;
    machines_.push_back(r);
  }
  for (const BufferSpec& b : options_.buffers) buffers_.push_back(b.initial_fill);
  // Show a sensible state before the first tick (a server may be read before time moves).
  const PlannedStop* planned = options_.schedule.ActiveAt(now_);
  if (planned != nullptr && planned->kind == MachineState::kChangeover) {
    had_changeover_ = true;  // starting inside a changeover: its product is the first one
    changeover_seen_ = options_.schedule.OccurrenceStart(*planned, now_);
    last_changeover_end_ = changeover_seen_ + planned->length;
  }
  for (size_t i = 0; i < machines_.size(); ++i) {
    machines_[i].state = planned != nullptr ? planned->kind : RunOrWait(i);
  }
}

void PackagingLine::Step(Duration dt) {
  if (dt <= 0) return;
  carry_ += dt;
  while (carry_ >= kTick) {
    carry_ -= kTick;
    Tick();
  }
}

void PackagingLine::Tick() {
  now_ += kTick;
  ++ticks_;
  const PlannedStop* planned = options_.schedule.ActiveAt(now_);
  if (planned != nullptr && planned->kind == MachineState::kChangeover) {
    const Timestamp start = options_.schedule.OccurrenceStart(*planned, now_);
    if (!had_changeover_ ||
        start != changeover_seen_) {  // a new changeover begins: the next product is set up
      had_changeover_ = true;
      changeover_seen_ = start;
      product_index_ = (product_index_ + 1) % options_.products.size();
    }
    last_changeover_end_ = start + planned->length;
  }
  // Downstream first, so that a unit taken from a buffer frees space for upstream this tick.
  for (size_t i = machines_.size(); i-- > 0;) TickMachine(i, planned);
}

void PackagingLine::TickMachine(size_t i, const PlannedStop* planned) {
  Runtime& m = machines_[i];
  const double dt_s = Seconds(kTick);
  if (m.fault != FaultCode::kNone && now_ >= m.fault_until) {
    if (m.fault == FaultCode::kOvertemperatureBearing) m.wear = 0;  // bearing replaced
    m.fault = FaultCode::kNone;
  }
  const MachineState before = m.state;
  if (planned != nullptr) {
    m.state = planned->kind;
    m.micro_stop_until = 0;  // a planned stop ends any short stop; repairs go on meanwhile
  } else if (m.fault != FaultCode::kNone) {
    m.state = MachineState::kFaulted;
  } else if (now_ < m.micro_stop_until) {
    m.state = MachineState::kIdle;
  } else {
    m.state = RunOrWait(i);
  }
  if (m.state == MachineState::kRunning) {
    if (before != MachineState::kRunning) m.running_since = now_;
    Produce(i, dt_s / 60);
    RandomEvents(i, dt_s / 3600);
  } else {
    m.speed = 0;
    m.progress = 0;
  }
  Physics(i, dt_s);
}

MachineState PackagingLine::RunOrWait(size_t i) {
  Runtime& m = machines_[i];
  const MachineSpec& spec = options_.machines[i];
  if (i > 0) {
    const int level = buffers_[i - 1];
    const int capacity = options_.buffers[i - 1].capacity;
    const int restart = std::max(spec.units_per_output, capacity / 20);
    if (m.waiting_for_infeed) {
      m.waiting_for_infeed = level < restart;
    } else {
      m.waiting_for_infeed = level < spec.units_per_output;
    }
    if (m.waiting_for_infeed) return MachineState::kStarved;
  }
  if (i + 1 < machines_.size()) {
    const int level = buffers_[i];
    const int capacity = options_.buffers[i].capacity;
    if (m.waiting_for_outfeed) {
      m.waiting_for_outfeed = level > capacity * 9 / 10;
    } else {
      m.waiting_for_outfeed = level >= capacity;
    }
    if (m.waiting_for_outfeed) return MachineState::kBlocked;
  }
  return MachineState::kRunning;
}

void PackagingLine::Produce(size_t i, double dt_min) {
  Runtime& m = machines_[i];
  const MachineSpec& spec = options_.machines[i];
  // Buffer-controlled speed: slower while the infeed runs low (30 % fill: 60 % speed, 50 %: full
  // speed) and while the outfeed is nearly full (above 80 %: 70 % speed).
  double factor = 1.0;
  if (i > 0) {
    const double fill = static_cast<double>(buffers_[i - 1]) / options_.buffers[i - 1].capacity;
    factor = std::clamp(0.6 + (fill - 0.3) * 2.0, 0.6, 1.0);
  }
  if (i + 1 < machines_.size() && buffers_[i] > options_.buffers[i].capacity * 8 / 10) {
    factor = std::min(factor, 0.7);
  }
  const Duration since = now_ - m.running_since;
  if (since < kRampUp) factor *= 0.3 + 0.7 * Seconds(since) / Seconds(kRampUp);
  m.speed = spec.rated_speed * factor * m.speed_noise;

  m.progress += m.speed * dt_min;
  const double reject_p = RejectProbability(i);
  while (m.progress >= 1.0) {
    if (i > 0 && buffers_[i - 1] < spec.units_per_output) break;
    if (i + 1 < machines_.size() && buffers_[i] >= options_.buffers[i].capacity) break;
    m.progress -= 1.0;
    if (i > 0) buffers_[i - 1] -= spec.units_per_output;
    if (m.rng.Chance(reject_p)) {
      ++m.reject;  // ejected from the line
    } else {
      ++m.good;
      if (i + 1 < machines_.size()) ++buffers_[i];
    }
  }
  m.progress = std::min(m.progress, 1.0);
}

double PackagingLine::RejectProbability(size_t i) const {
  double p = options_.machines[i].reject_rate;
  if (!had_changeover_) return std::min(p, 0.5);
  const Duration since_changeover = now_ - last_changeover_end_;
  if (since_changeover >= 0 && since_changeover < 5 * kChangeoverRejectDecay) {
    p *= 1 + kChangeoverRejectBoost *
                 std::exp(-Seconds(since_changeover) / Seconds(kChangeoverRejectDecay));
  }
  return std::min(p, 0.5);
}

void PackagingLine::RandomEvents(size_t i, double dt_h) {
  Runtime& m = machines_[i];
  const MachineSpec& spec = options_.machines[i];
  if (m.rng.Chance(spec.micro_stops_per_hour * options_.micro_stop_rate_scale * dt_h)) {
    const double mean_extra = std::max(0.0, Seconds(spec.micro_stop_mean - kMicroStopMin));
    const Duration length =
        std::min(kMicroStopMax, kMicroStopMin + FromSeconds(m.rng.Exponential(mean_extra)));
    m.micro_stop_until = now_ + length;
    return;
  }
  for (const FaultSpec& f : spec.faults) {
    if (m.rng.Chance(f.per_running_hour * options_.fault_rate_scale * dt_h)) {
      const Duration extra = FromSeconds(m.rng.Exponential(Seconds(f.mean_extra_repair)));
      InjectFault(i, f.code, std::min(f.max_repair, f.min_repair + extra));
      return;
    }
  }
}

void PackagingLine::Physics(size_t i, double dt_s) {
  Runtime& m = machines_[i];
  const MachineSpec& spec = options_.machines[i];
  const bool running = m.state == MachineState::kRunning;

  double kw = spec.idle_kw;
  if (running) {
    kw = spec.running_kw * (0.6 + 0.4 * m.speed / spec.rated_speed);
  } else if (m.state == MachineState::kOff) {
    kw = spec.off_kw;
  } else if (m.state == MachineState::kCleaning) {
    kw = spec.cleaning_kw;
  }
  m.energy_wh += kw * 1000.0 * dt_s / 3600.0;

  if (running && spec.bearing_drifts) m.wear += dt_s / Seconds(options_.bearing_life);
  const double wear_heat = spec.bearing_drifts ? kWearHeatC * m.wear * m.wear : 0.0;
  const double target = spec.ambient_temp_c + (running ? spec.running_temp_rise_c + wear_heat
                                                       : 0.15 * spec.running_temp_rise_c);
  m.temperature_c +=
      (target - m.temperature_c) * dt_s / (target > m.temperature_c ? kHeatingTauS : kCoolingTauS);
  if (spec.bearing_drifts && m.fault == FaultCode::kNone &&
      m.temperature_c >= options_.overtemperature_trip_c) {
    // Maintenance replaces the bearing: 60 to 120 minutes.
    InjectFault(i, FaultCode::kOvertemperatureBearing, FromSeconds(m.rng.Uniform(3600, 7200)));
  }

  if (ticks_ % 10 == 0) {  // sensors and drive noise change once per simulated second
    m.speed_noise = 1.0 + 0.004 * m.rng.Normal();
    m.temperature_shown = static_cast<float>(m.temperature_c + 0.1 * m.rng.Normal());
    const double vib = running ? spec.base_vibration * (1 + 4 * m.wear * m.wear) : 0.05;
    m.vibration_shown = static_cast<float>(std::max(0.0, vib * (1 + 0.05 * m.rng.Normal())));
  }
}

void PackagingLine::InjectFault(size_t machine, FaultCode code, Duration repair) {
  Runtime& m = machines_[machine];
  m.fault = code;
  m.fault_until = now_ + repair;
  m.micro_stop_until = 0;
}

MachineSnapshot PackagingLine::Machine(size_t i) const {
  const Runtime& m = machines_[i];
  MachineSnapshot s;
  s.state = m.state;
  s.fault = m.state == MachineState::kFaulted ? m.fault : FaultCode::kNone;
  s.speed = static_cast<float>(m.speed);
  s.good_count = static_cast<uint32_t>(options_.counter_start + m.good);
  s.reject_count = static_cast<uint32_t>(options_.counter_start + m.reject);
  s.energy_wh = static_cast<uint32_t>(options_.counter_start + static_cast<uint64_t>(m.energy_wh));
  s.temperature_c = m.temperature_shown;
  s.vibration_mm_s = m.vibration_shown;
  s.infeed_level = i > 0 ? static_cast<uint16_t>(buffers_[i - 1]) : 0;
  s.heartbeat = static_cast<uint16_t>(ticks_ / 10);
  s.product = options_.products[product_index_];
  return s;
}

}  // namespace gantry::sim
