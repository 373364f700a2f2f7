#include "context/energy/historian_readings.h"

#include "data/historian/historian.h"

namespace gantry::ctx {
namespace {

MeterReading FromPoint(const historian::Point& p) {
  std::optional<double> v = p.value.AsDouble();
  return MeterReading{p.time, v.value_or(0.0), !v || p.quality.IsBad()};
}

}  // namespace

Result<std::vector<MeterReading>> HistorianMeterReadings(historian::Historian& store,
                                                         const std::string& tag, Timestamp from,
                                                         Timestamp to) {
  std::vector<MeterReading> out;
  std::optional<historian::SeriesId> series = store.FindSeries(tag);
  if (!series) return out;
  GANTRY_ASSIGN_OR_RETURN(std::optional<historian::Point> before, store.LastBefore(*series, from));
  if (before) out.push_back(FromPoint(*before));
  std::optional<historian::RawCursor> cursor;
  do {
    GANTRY_ASSIGN_OR_RETURN(historian::RawPage page,
                            store.ReadRaw(*series, from + 1, to, 65536, cursor));
    for (const historian::Point& p : page.points) out.push_back(FromPoint(p));
    cursor = page.next;
  } while (cursor);
  GANTRY_ASSIGN_OR_RETURN(historian::RawPage after, store.ReadRaw(*series, to, INT64_MAX, 1));
  for (const historian::Point& p : after.points) out.push_back(FromPoint(p));
  return out;
}

}  // namespace gantry::ctx
