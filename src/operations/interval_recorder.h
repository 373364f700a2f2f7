// Turns the engine's timeline into durable events: closes every work centre's segments up to a
// watermark and appends them to the EventStore, writes a correction event when a late sample
// reopened intervals already recorded (and records them again), and records order transitions
// and operator-assigned reasons. Replaying the store gives the same segments as the engine.
//
//   IntervalRecorder rec(engine, store, start_of_recording);
//   engine.Publish(samples);
//   GANTRY_RETURN_IF_ERROR(rec.CloseUpTo(clock.Now()));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "operations/event_store.h"
#include "operations/operations_engine.h"

namespace gantry::ops {

// Borrows the engine and the store (both must outlive it). Same thread as the engine.
class IntervalRecorder {
 public:
  IntervalRecorder(OperationsEngine& engine, EventStore& store, Timestamp start);

  // Records every work centre's settled segments: up to `watermark`, or up to the start of a stop
  // still open and shorter than the micro-stop threshold (it may yet turn out a micro-stop; see
  // OperationsEngine::SettledUntil). Call after publishing the samples up to `watermark`; a
  // sample stamped before it that arrives later is late data (reopens and corrects). Corrections
  // are written first. The engine then forgets what is recorded and older than twice the late-data
  // horizon, but nothing from `keep_from` on (a caller that still reads the engine's segments from
  // there, e.g. to fill a cube).
  Status CloseUpTo(Timestamp watermark, Timestamp keep_from = INT64_MAX);
  // Applies to the engine and records the event.
  Status RecordOrder(const OrderTransition& t);
  // An operator assigns a reason (the API's call); recorded as an event with `by`.
  Status AssignReason(const std::string& work_centre, Timestamp stop_start,
                      const std::string& reason, const std::string& by);
  Timestamp ClosedUntil(const std::string& work_centre) const;

  // Continues a store recorded before (a restart): `work_centre` is recorded from `t` on.
  void ResumeFrom(const std::string& work_centre, Timestamp t);
  // Something other than a sample changed the past from `from` on (an operator declared a planned
  // stop for time already recorded): the next CloseUpTo writes a correction and records again,
  // exactly as for a late sample.
  void Reopen(const std::string& work_centre, Timestamp from, std::string note);
  // Per work centre, the earliest instant recorded again since the last call (after corrections),
  // so that sums kept elsewhere (the KPI cube) can be recomputed from there.
  std::map<std::string, Timestamp> TakeReopened();

 private:
  struct Recorded {
    Timestamp start;
    Timestamp end;
  };
  OperationsEngine& engine_;
  EventStore& store_;
  std::map<std::string, Timestamp> closed_until_;
  std::map<std::string, Timestamp> recording_from_;      // where this run started recording
  std::map<std::string, std::vector<Recorded>> recent_;  // within the late-data horizon
  std::vector<Correction> reopen_;                       // from Reopen, for the next CloseUpTo
  std::map<std::string, Timestamp> reopened_;            // for TakeReopened
};

}  // namespace gantry::ops
