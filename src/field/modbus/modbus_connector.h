// The Modbus connector: one thread per device that polls its register map on the poll groups'
// schedules, publishes decoded samples, and keeps the device's health: Bad quality with the
// reason while it is unreachable, reconnection with exponential backoff and jitter, Good again
// (values republished) on recovery.
//
//   modbus::ModbusConnector c(modbus::ParseDevice(node), tag_ids, bus, SystemClock::Instance());
//   GANTRY_RETURN_IF_ERROR(c.Start());
//   ... c.Health().state == ConnectorState::kConnected ...
//   c.Stop();
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/quality.h"
#include "core/sample_sink.h"
#include "field/connector.h"
#include "field/modbus/modbus_config.h"
#include "field/modbus/modbus_planner.h"
#include "field/modbus/modbus_response.h"

namespace gantry::modbus {

class ModbusLink;
class PointPublisher;

class ModbusConnector final : public Connector {
 public:
  // `tag_ids` is parallel to config.points. Borrows `sink` and `clock` (sample timestamps), which
  // must outlive the connector.
  ModbusConnector(DeviceConfig config, std::vector<TagId> tag_ids, SampleSink& sink,
                  const Clock& clock);
  ~ModbusConnector() override;

  // Starts the device thread; InvalidArgument when tag_ids does not match the points.
  // FailedPrecondition when already running.
  Status Start() override;
  // Stops and joins within about a second (an RTU read in flight may take up to the timeout);
  // idempotent. Nothing is published after it returns.
  void Stop() override;
  ConnectorHealth Health() const override;

  // Writes engineering value `value` to the point of `tag` (scaling undone, laid out in the
  // point's byte and word order): holding registers with FC06 (FC16 with
  // `single_register_writes: fc16`) or FC16, coils with FC05, one bit of a holding register with
  // FC22 Mask Write or FC03+FC06 (`bit_writes`). The write is handed to the device thread and
  // sent on the polling connection or serial line between two reads (never a second TCP
  // connection: many devices allow only one), so it waits at most for the read in flight; the
  // caller blocks until the device confirmed or refused it. PermissionDenied unless the device
  // has `writes: enabled`; NotFound for a tag of another device; InvalidArgument for a value the
  // point cannot take; FailedPrecondition for a read-only table (input registers, discrete
  // inputs), a bit with `bit_writes: disabled`, or the device's exception; Unavailable when the
  // connector is not running, the device is not connected (backoff) or does not confirm in time.
  // Thread-safe.
  Status WriteTag(TagId tag, const Value& value) override;

  // The reads as planned now (for diagnostics and tests): PlanReads at the start, then split
  // where the device refused a merged range (exception 02/03), which is remembered. Thread-safe.
  std::vector<PlannedRead> Reads() const;

 private:
  void Run();
  // Why polling stopped: the reason for the log and the quality the points take meanwhile.
  struct Loss {
    std::string reason;
    Quality quality;
    bool any_ok = false;  // the device answered (data or exception) on this connection
  };
  // Polls until the connection is lost or Stop().
  Loss PollWhileConnected(PointPublisher& publisher);
  // Waits until `deadline` (steady clock ns), Stop() or a write arriving; false when stopping.
  bool WaitUntil(int64_t steady_deadline);
  void Publish(std::vector<Sample> batch);
  void SetState(ConnectorState state, std::string error);

  // A write waiting for the device thread; lives on the stack of the WriteTag caller, which
  // removes it again if it was not taken in time, and otherwise waits until it is done.
  struct PendingWrite {
    size_t point = 0;
    Value raw;           // RawForWrite's wire value
    bool taken = false;  // the device thread started it
    bool done = false;
    Status result;
  };
  // Device thread: sends the waiting writes (connected only).
  void ServeWrites(bool answered_before);
  // Device thread: one write, once more on a reopened connection if the device had closed it.
  Status ExecuteWrite(const PointConfig& point, const Value& raw, bool answered_before);
  Status SendWrite(const PointConfig& point, const Value& raw);
  // Device thread: writes are (not) accepted from now on; when not, waiting ones fail with
  // `reason`.
  void AcceptWrites(bool accept, const std::string& reason);

  // Splits reads_[i] after the device refused it with exception 02/03; false when it serves a
  // single point (the answer stands). Device thread only.
  bool SplitRefusedRead(size_t i, const ReadResponse& r, PointPublisher& publisher);

  // Device thread: the unit of reads_[i] answered `r` at `now` (`sent`: asked, not skipped after
  // an earlier read of the cycle found it down). `refusals` is parallel to reads_: why each read
  // was last refused, empty when served.
  void RecordUnitAnswer(size_t i, const ReadResponse& r, bool sent, Timestamp now,
                        const std::vector<std::string>& refusals);

  const DeviceConfig config_;
  // Owned by the device thread; changed (under plan_mutex_) only when a refused read is split.
  std::vector<PlannedRead> reads_;
  mutable std::mutex plan_mutex_;  // guards reads_ against Reads() from other threads
  const std::vector<TagId> tag_ids_;
  SampleSink& sink_;
  const Clock& clock_;
  const std::string log_prefix_;  // "modbus 'filler-plc' 127.0.0.1:5020"

  // Owned by the device thread: whether the device is down and since when (steady ns).
  bool down_ = false;
  int64_t down_since_ = 0;

  std::unique_ptr<ModbusLink> link_;  // used by the device thread; Interrupt() from Stop()
  std::thread thread_;
  std::mutex mutex_;  // guards stopping_ and the write queue for the condition variables
  std::condition_variable wake_;        // the device thread: stop, or a write arrived
  std::condition_variable write_done_;  // WriteTag callers: a write finished
  bool stopping_ = false;               // GUARDED_BY(mutex_)
  std::atomic<bool> stop_requested_{false};
  std::deque<PendingWrite*> writes_;  // GUARDED_BY(mutex_); bounded by kMaxPendingWrites
  bool accepting_writes_ = false;     // GUARDED_BY(mutex_): connecting or connected
  std::string not_connected_reason_;  // GUARDED_BY(mutex_): why writes are refused now

  mutable std::mutex health_mutex_;
  ConnectorHealth health_;  // GUARDED_BY(health_mutex_)
};

}  // namespace gantry::modbus
