#include "field/sim/plant_simulator.h"

#include <chrono>

#include <fmt/format.h>

namespace gantry::sim {

PlantSimulator::PlantSimulator(SimOptions options) : options_(std::move(options)) {
  options_.line.seed = options_.seed;
  for (size_t i = 0; i < options_.line.machines.size(); ++i) {
    const int port = options_.base_port == 0 ? 0 : options_.base_port + static_cast<int>(i);
    servers_.push_back(std::make_unique<MachineServer>(options_.listen, port));
  }
}

PlantSimulator::~PlantSimulator() {
  Stop();
}

Status PlantSimulator::Start() {
  std::lock_guard<std::mutex> control(control_mutex_);
  if (started_) return FailedPrecondition("simulator: already started");
  if (options_.time_scale < 0) return InvalidArgument("simulator: time_scale must be >= 0");
  if (options_.update_interval <= 0)
    return InvalidArgument("simulator: update_interval must be > 0");
  if (options_.base_port < 0 ||
      options_.base_port + static_cast<int>(servers_.size()) - 1 > 65535) {
    return InvalidArgument(fmt::format("simulator: base_port {} leaves no room for {} machines",
                                       options_.base_port, servers_.size()));
  }
  const Clock& clock = options_.clock != nullptr ? *options_.clock : SystemClock::Instance();
  // Whole seconds read better in logs and registers than the clock's nanoseconds.
  options_.line.start_time =
      options_.start_time != 0 ? options_.start_time : clock.Now() / kSecond * kSecond;
  GANTRY_RETURN_IF_ERROR(ValidateLineOptions(options_.line));
  {
    std::lock_guard<std::mutex> lock(model_mutex_);
    line_ = std::make_unique<PackagingLine>(options_.line);
    PublishLocked();
  }
  for (size_t i = 0; i < servers_.size(); ++i) {
    Status s = servers_[i]->Start();
    if (!s.ok()) {
      for (size_t j = 0; j < i; ++j) servers_[j]->Stop();
      return s.WithContext("machine " + MachineName(i));
    }
  }
  started_ = true;
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stopping_ = false;
  }
  clock_thread_ = std::thread([this] { ClockLoop(); });
  return Status::Ok();
}

void PlantSimulator::Stop() {
  std::lock_guard<std::mutex> control(control_mutex_);
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (clock_thread_.joinable()) clock_thread_.join();
  for (auto& server : servers_) server->Stop();
  started_ = false;
}

void PlantSimulator::ClockLoop() {
  using SteadyClock = std::chrono::steady_clock;
  auto last = SteadyClock::now();
  double owed_ns = 0;  // scaled real time not yet handed to the model
  std::unique_lock<std::mutex> stop_lock(stop_mutex_);
  while (!stop_cv_.wait_for(stop_lock, std::chrono::nanoseconds(options_.update_interval),
                            [this] { return stopping_; })) {
    if (options_.clock != nullptr) {  // follow the plant's clock
      const Timestamp target = options_.clock->Now();
      std::lock_guard<std::mutex> lock(model_mutex_);
      if (target > line_->Now()) line_->Step(target - line_->Now());
      PublishLocked();
      continue;
    }
    const auto now = SteadyClock::now();
    owed_ns += static_cast<double>(
                   std::chrono::duration_cast<std::chrono::nanoseconds>(now - last).count()) *
               options_.time_scale;
    last = now;
    const auto dt = static_cast<Duration>(owed_ns);
    owed_ns -= static_cast<double>(dt);
    std::lock_guard<std::mutex> lock(model_mutex_);
    line_->Step(dt);
    PublishLocked();
  }
}

void PlantSimulator::PublishLocked() {
  for (size_t i = 0; i < servers_.size(); ++i) {
    servers_[i]->Publish(EncodeRegisters(line_->Machine(i)));
  }
}

std::vector<MachineEndpoint> PlantSimulator::Endpoints() const {
  std::vector<MachineEndpoint> out;
  for (size_t i = 0; i < servers_.size(); ++i) {
    out.push_back(MachineEndpoint{MachineName(i), options_.listen, servers_[i]->Port(),
                                  servers_[i]->Serving()});
  }
  return out;
}

Status PlantSimulator::StopMachine(size_t machine) {
  if (machine >= servers_.size()) return NotFound(fmt::format("simulator: no machine {}", machine));
  std::lock_guard<std::mutex> control(control_mutex_);
  servers_[machine]->Stop();
  return Status::Ok();
}

Status PlantSimulator::StartMachine(size_t machine) {
  if (machine >= servers_.size()) return NotFound(fmt::format("simulator: no machine {}", machine));
  std::lock_guard<std::mutex> control(control_mutex_);
  if (!started_) return FailedPrecondition("simulator: StartMachine before Start");
  return servers_[machine]->Start().WithContext("machine " + MachineName(machine));
}

void PlantSimulator::Advance(Duration dt) {
  std::lock_guard<std::mutex> lock(model_mutex_);
  if (line_ == nullptr) return;
  line_->Step(dt);
  PublishLocked();
}

void PlantSimulator::InjectFault(size_t machine, FaultCode code, Duration repair) {
  std::lock_guard<std::mutex> lock(model_mutex_);
  if (line_ == nullptr || machine >= line_->MachineCount()) return;
  line_->InjectFault(machine, code, repair);
}

MachineSnapshot PlantSimulator::Machine(size_t machine) const {
  std::lock_guard<std::mutex> lock(model_mutex_);
  if (line_ == nullptr || machine >= line_->MachineCount()) return MachineSnapshot{};
  return line_->Machine(machine);
}

Timestamp PlantSimulator::Now() const {
  std::lock_guard<std::mutex> lock(model_mutex_);
  return line_ == nullptr ? options_.start_time : line_->Now();
}

}  // namespace gantry::sim
