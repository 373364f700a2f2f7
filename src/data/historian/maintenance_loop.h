// Runs Historian::Maintain() on its own thread every `interval` (retention, compaction of late
// chunks, zstd packing of cold chunks), logging failures and, while it lasts, the disk floor
// alarm; stops and joins on destruction.
//
//   historian::MaintenanceLoop loop(*store, 10 * kMinute);   // owned beside the store
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/time.h"
#include "data/historian/historian.h"

namespace gantry::historian {

class MaintenanceLoop {
 public:
  // `historian` must outlive the loop. The first run is one interval after start.
  MaintenanceLoop(Historian& historian, Duration interval);
  ~MaintenanceLoop();
  MaintenanceLoop(const MaintenanceLoop&) = delete;
  MaintenanceLoop& operator=(const MaintenanceLoop&) = delete;

 private:
  void Run();

  Historian& historian_;
  const Duration interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace gantry::historian
