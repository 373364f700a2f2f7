#include "operations/interval_recorder.h"

#include <algorithm>

namespace gantry::ops {

IntervalRecorder::IntervalRecorder(OperationsEngine& engine, EventStore& store, Timestamp start)
    : engine_(engine), store_(store) {
  for (const WorkCentreRules& wc : engine.config().work_centres) {
    closed_until_[wc.path] = start;
    recording_from_[wc.path] = start;
  }
}

Timestamp IntervalRecorder::ClosedUntil(const std::string& wc) const {
  auto it = closed_until_.find(wc);
  return it == closed_until_.end() ? 0 : it->second;
}

void IntervalRecorder::ResumeFrom(const std::string& wc, Timestamp t) {
  closed_until_[wc] = t;
  recording_from_[wc] = t;
}

void IntervalRecorder::Reopen(const std::string& wc, Timestamp from, std::string note) {
  reopen_.push_back({wc, from, from, "", std::move(note)});
}

std::map<std::string, Timestamp> IntervalRecorder::TakeReopened() {
  std::map<std::string, Timestamp> out;
  out.swap(reopened_);
  return out;
}

Status IntervalRecorder::CloseUpTo(Timestamp watermark, Timestamp keep_from) {
  std::vector<Correction> corrections = engine_.TakeCorrections();
  corrections.insert(corrections.end(), reopen_.begin(), reopen_.end());
  reopen_.clear();
  for (const Correction& c : corrections) {
    Timestamp& closed = closed_until_[c.work_centre];
    if (c.from >= closed) continue;  // nothing recorded there yet
    // Every recorded interval ending after `from` is void; record again from the first of them.
    std::vector<Recorded>& recent = recent_[c.work_centre];
    Timestamp restart = c.from;
    for (const Recorded& r : recent)
      if (r.end > c.from) {
        restart = std::min(restart, r.start);
        break;
      }
    std::erase_if(recent, [&](const Recorded& r) { return r.end > c.from; });
    GANTRY_RETURN_IF_ERROR(store_.AppendCorrection(c).status());
    closed = restart;
    auto [it, added] = reopened_.emplace(c.work_centre, restart);
    if (!added) it->second = std::min(it->second, restart);
  }
  const Duration horizon = engine_.config().late_data_horizon;
  for (auto& [wc, closed] : closed_until_) {
    // Only the settled part: a stop still open and shorter than the micro-stop threshold may yet
    // be speed loss or downtime, so recording stops at its start until that is known.
    const Timestamp until = engine_.SettledUntil(wc, closed, watermark);
    if (until <= closed) continue;
    std::vector<Segment> segs = engine_.Segments(wc, closed, until);
    GANTRY_RETURN_IF_ERROR(store_.AppendIntervals(segs).status());
    std::vector<Recorded>& recent = recent_[wc];
    for (const Segment& s : segs) recent.push_back({s.start, s.end});
    std::erase_if(recent, [&](const Recorded& r) { return r.end < until - 2 * horizon; });
    closed = until;
  }
  for (const auto& [wc, closed] : closed_until_)
    engine_.MarkRecorded(wc, recording_from_[wc], closed);
  // What is recorded and older than twice the late-data horizon is never reopened.
  Timestamp oldest = std::min(watermark, keep_from);
  for (const auto& [wc, closed] : closed_until_) oldest = std::min(oldest, closed);
  engine_.ForgetBefore(oldest - 2 * horizon);
  return Status::Ok();
}

Status IntervalRecorder::RecordOrder(const OrderTransition& t) {
  GANTRY_RETURN_IF_ERROR(engine_.ApplyOrderTransition(t));
  return store_.AppendOrder(t).status();
}

Status IntervalRecorder::AssignReason(const std::string& wc, Timestamp stop_start,
                                      const std::string& reason, const std::string& by) {
  GANTRY_RETURN_IF_ERROR(engine_.AssignReason(wc, stop_start, reason));
  return store_.AppendReasonAssigned(wc, stop_start, reason, by).status();
}

}  // namespace gantry::ops
