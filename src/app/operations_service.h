// The running plant's operations: the OperationsEngine fed from the tag bus, its intervals closed
// into the EventStore (<data_dir>/operations.sqlite) and a KpiCube, and the answers the API's
// operations routes give (equipment state, OEE, downtime, assigning a stop's reason).
//
//   GANTRY_ASSIGN_OR_RETURN(auto ops, OperationsService::Create(config.operations, resolver,
//                                                              bus, config.data_dir, clock));
//   ops->Start();
//   Result<std::string> body = ops->OeeJson("acme/plant1/packaging/line1", from, to, "hour");
//   ops->Stop();
//
// Threads: one operations thread (started by Start, joined by Stop) drains the bus subscription
// into the engine and every `close_every` closes intervals up to now - `close_lag` into the
// recorder, the store and the cube. The *Json and AssignReason calls come from API I/O threads.
// Engine, recorder, store and cube are touched only under `mu_`, so every answer sees one state.
//
// OEE answers are the cube plus each work centre's still-open tail (provisional); downtime
// intervals come from the engine's memory (at least twice the late-data horizon, and not before
// the service was created). A late sample that reopens hours already added to the cube is
// recorded in the store but not re-added.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "context/kpi_cube.h"
#include "core/status.h"
#include "core/time.h"
#include "data/tag_bus.h"
#include "operations/event_store.h"
#include "operations/interval_recorder.h"
#include "operations/operations_engine.h"

namespace gantry {

struct OperationsServiceOptions {
  Duration close_every = 5 * kSecond;  // how often intervals are closed into the store and cube
  Duration close_lag = 2 * kSecond;    // the watermark trails the clock by this (late samples)
  size_t queue_samples = 1'000'000;    // bus subscription capacity; newest dropped when full
};

class OperationsService {
 public:
  // Builds the engine (fails when a rule names an unknown tag or a time zone is unknown), opens
  // the event store at `data_dir`/operations.sqlite and subscribes to `bus` as "operations".
  // `bus` and `clock` are borrowed and must outlive the service.
  static Result<std::unique_ptr<OperationsService>> Create(ops::OperationsConfig config,
                                                           const ops::TagResolver& resolver,
                                                           TagBus& bus, const std::string& data_dir,
                                                           const Clock& clock,
                                                           OperationsServiceOptions options = {});
  ~OperationsService();  // Stop()s
  OperationsService(const OperationsService&) = delete;
  OperationsService& operator=(const OperationsService&) = delete;

  // Starts the operations thread. Call once.
  void Start();
  // Drains what is queued, closes intervals one last time and joins the thread. Idempotent.
  void Stop();

  // Bodies for the API routes (see context/kpi_api.h); thread-safe.
  Result<std::string> EquipmentStateJson(std::string_view path) const;
  Result<std::string> OeeJson(std::string_view scope, Timestamp from, Timestamp to,
                              std::string_view by) const;
  Result<std::string> DowntimeJson(std::string_view scope, Timestamp from, Timestamp to) const;
  // An operator names the reason of the stop of `work_centre` that began at `stop_start`; the
  // event is recorded. NotFound for an unknown work centre or stop, InvalidArgument for an
  // unknown or planned reason. Thread-safe.
  Status AssignReason(const std::string& work_centre, Timestamp stop_start,
                      const std::string& reason, const std::string& by);

  // Closes intervals up to `watermark` now (the operations thread does this periodically).
  Status CloseUpTo(Timestamp watermark);

 private:
  OperationsService(const Clock& clock, OperationsServiceOptions options)
      : clock_(clock), options_(options) {}
  void Run();
  void Drain(Duration wait);

  const Clock& clock_;
  const OperationsServiceOptions options_;
  std::unique_ptr<Subscription> subscription_;  // popped only by the operations thread
  mutable std::mutex mu_;                       // guards everything below
  std::unique_ptr<ops::OperationsEngine> engine_;
  std::unique_ptr<ops::EventStore> store_;
  std::unique_ptr<ops::IntervalRecorder> recorder_;
  std::unique_ptr<ctx::KpiCube> cube_;
  std::map<std::string, Timestamp> cubed_until_;  // per work centre: segments added to the cube
  Timestamp started_at_ = 0;                      // set by Create, then constant
  std::atomic<bool> stop_{false};
  bool started_ = false;
  std::thread thread_;
};

}  // namespace gantry
