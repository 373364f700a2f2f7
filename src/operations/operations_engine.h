// The operations engine of a plant: every work centre's WorkCentreEngine, routed by TagId, with
// each site's ShiftCalendar. Tag paths are resolved to TagIds once at setup by the caller's
// resolver; at runtime only TagIds are looked at.
//
//   GANTRY_ASSIGN_OR_RETURN(auto engine, OperationsEngine::Create(config, resolver));
//   engine->Publish(samples);
//   std::vector<Segment> segs = engine->Segments("acme/plant1/packaging/line1/filler", from, to);
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/sample.h"
#include "core/status.h"
#include "operations/operations_config.h"
#include "operations/segment.h"
#include "operations/shift_calendar.h"
#include "operations/work_centre_engine.h"

namespace gantry::ops {

// Maps a tag path to its TagId; nullopt when the path is not a known tag.
using TagResolver = std::function<std::optional<TagId>(std::string_view path)>;

// Not thread-safe: one thread publishes and queries (the operations thread or replay).
class OperationsEngine {
 public:
  // Copies `config`. Fails when a site time zone is unknown or a rule names a tag the resolver
  // does not know.
  static Result<std::unique_ptr<OperationsEngine>> Create(OperationsConfig config,
                                                          const TagResolver& resolver);

  // Feeds samples (any order; late ones reopen intervals and are reported by TakeCorrections).
  void Publish(std::span<const Sample> samples);
  void Publish(const Sample& sample);

  // Order and operator commands; NotFound for an unknown work centre.
  Status ApplyOrderTransition(const OrderTransition& t);
  Status DeclarePlannedStop(std::string_view work_centre, Timestamp start, Timestamp end,
                            const std::string& reason);
  // An operator assigns a reason to the unassigned stop that began at `stop_start`.
  // NotFound when there is no such stop, InvalidArgument for an unknown or planned reason.
  Status AssignReason(std::string_view work_centre, Timestamp stop_start,
                      const std::string& reason);

  // The caller recorded `work_centre`'s segments over [from, until) (this run): a later sample
  // stamped in it, not older than the late-data horizon before `until`, reopens them (a
  // correction) even when it is the machine's newest (it was silent meanwhile).
  void MarkRecorded(std::string_view work_centre, Timestamp from, Timestamp until);
  // Lets every work centre drop history before `t` (see WorkCentreEngine::ForgetBefore).
  void ForgetBefore(Timestamp t);

  // Segments of one work centre covering [from, to); empty for an unknown path. A starved
  // (blocked) segment's reason names the machine actually responsible: walking the configured
  // upstream (downstream) neighbours, through neighbours that are themselves starved (blocked),
  // the first one in a stop at that time, "<name>:<its reason>" (no_data, not_scheduled, a planned
  // or unplanned reason); when none is down, the last one walked with its category
  // ("filler:producing": running but not fast enough). Segments split where the cause changes.
  std::vector<Segment> Segments(std::string_view work_centre, Timestamp from, Timestamp to) const;
  // Up to when `work_centre`'s segments are settled (see WorkCentreEngine::SettledUntil): its own
  // settled time, and when it is starved or blocked somewhere in [from, that time), no later than
  // the settled time of every machine its cause walk may read (a neighbour's open short stop may
  // still turn into a micro-stop and change the cause's name). `watermark` for an unknown path.
  Timestamp SettledUntil(std::string_view work_centre, Timestamp from, Timestamp watermark) const;
  // Corrections since the last call (late samples that reopened intervals), oldest first.
  std::vector<Correction> TakeCorrections();

  const OperationsConfig& config() const { return config_; }
  const ShiftCalendar& CalendarOf(std::string_view work_centre) const;
  const ShiftCalendar* CalendarOfSite(std::string_view site) const;
  const WorkCentreEngine* Find(std::string_view work_centre) const;
  // Newest sample time over all work centres (0 before any sample).
  Timestamp Newest() const;
  uint64_t ignored_samples() const { return ignored_; }

 private:
  explicit OperationsEngine(OperationsConfig config) : config_(std::move(config)) {}
  WorkCentreEngine* FindMutable(std::string_view work_centre);
  // The cause of a starved (`upstream`) or blocked stretch of engine `i` at `at`, from the
  // neighbours' classified `timelines` (by engine index; see Segments).
  std::string CauseOf(size_t i, bool upstream, Timestamp at,
                      const std::map<size_t, std::vector<Segment>>& timelines) const;

  struct Route {
    uint32_t work_centre;
    Signal signal;
  };
  OperationsConfig config_;
  std::vector<std::pair<std::string, ShiftCalendar>> calendars_;
  std::vector<std::unique_ptr<WorkCentreEngine>> engines_;  // config order
  std::vector<size_t> calendar_of_;                         // engine index -> calendars_ index
  std::vector<std::vector<size_t>> upstream_;               // engine index -> neighbours' indices
  std::vector<std::vector<size_t>> downstream_;
  std::vector<std::vector<size_t>> dependents_;  // engines whose causes may read this one
  std::vector<std::vector<Route>> routes_;       // by TagId
  std::vector<std::string> tag_names_;           // by TagId, for corrections
  std::vector<Correction> corrections_;
  uint64_t ignored_ = 0;
};

}  // namespace gantry::ops
