#include "data/historian/maintenance_loop.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace gantry::historian {

MaintenanceLoop::MaintenanceLoop(Historian& historian, Duration interval)
    : historian_(historian), interval_(interval), thread_([this] { Run(); }) {}

MaintenanceLoop::~MaintenanceLoop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void MaintenanceLoop::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (wake_.wait_for(lock, std::chrono::nanoseconds(interval_), [this] { return stop_; })) return;
    lock.unlock();
    const Status st = historian_.Maintain();
    if (!st.ok()) spdlog::error("historian maintenance: {}", st.ToString());
    const HistorianStats s = historian_.stats();
    if (s.disk_floor_alarm) {  // repeated every interval while it lasts: never silent
      spdlog::error("historian {}: free disk space below the floor; {} samples refused so far",
                    historian_.dir(), s.samples_refused_disk_floor);
    }
    lock.lock();
  }
}

}  // namespace gantry::historian
