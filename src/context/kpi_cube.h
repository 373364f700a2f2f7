// Hourly sums of the ISO 22400 times and quantities per work centre, shift, order and product, so
// that an OEE query over a year for many work centres sums a few hundred thousand rows instead of
// re-deriving segments. Filled from segments (live from the recorder, or from the event store).
//
//   KpiCube cube(config);
//   for (const Segment& s : segments) cube.Add(s, calendar);
//   auto by_day = cube.Query("acme/plant1/packaging/line1", from, to, KpiGrouping::kDay);
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "context/kpi.h"
#include "core/status.h"
#include "operations/operations_config.h"
#include "operations/shift_calendar.h"

namespace gantry::ctx {

// Not thread-safe: one writer; readers must be serialized with it by the caller.
class KpiCube {
 public:
  // Copies the hierarchy (work centres, lines and their constraints) from `config`.
  explicit KpiCube(const ops::OperationsConfig& config);

  // Adds a segment (it lies within one local hour: the engine splits at hours). Segments of an
  // unknown work centre are ignored.
  void Add(const ops::Segment& s, const ops::ShiftCalendar& calendar);

  // Forgets the rows of `work_centre` for the hours starting at or after `hour_start` (they are
  // added again from the event store after a correction). Unknown work centres are ignored.
  void RemoveFrom(std::string_view work_centre, Timestamp hour_start);

  // Sums per group over the work centres of `scope` (a work centre, line, area, site or the
  // enterprise path; a line with a constraint contributes only its constraint machine) for the
  // hours starting in [from, to). NotFound for a scope that names nothing.
  Result<std::map<std::string, KpiTotals>> Query(std::string_view scope, Timestamp from,
                                                 Timestamp to, KpiGrouping by) const;
  // Work-centre paths that make up `scope` (see Query).
  std::vector<std::string> WorkCentresOf(std::string_view scope) const;
  size_t rows() const { return rows_; }

 private:
  struct Row {
    Timestamp hour;
    uint32_t day, shift, order, product;  // ids into names_
    KpiTotals totals;
  };
  uint32_t NameId(const std::string& name);

  std::vector<std::string> wc_paths_;
  std::vector<std::string> wc_lines_;                 // line path of each work centre
  std::map<std::string, std::string> constraint_of_;  // line path -> constraint wc path
  std::unordered_map<std::string, uint32_t> wc_index_;
  std::vector<std::vector<Row>> by_wc_;  // rows in hour order (appended in time order)
  std::unordered_map<std::string, uint32_t> name_ids_;
  std::vector<std::string> names_;
  size_t rows_ = 0;
};

}  // namespace gantry::ctx
