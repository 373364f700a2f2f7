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
  // The last reading at or before `from`: looked for in growing windows with ReadRaw (one hour,
  // a day, a month), which is cheap for a meter polled every few seconds. (Historian::LastBefore
  // returned a garbage point for samples still in the memtable when this was written.)
  for (Duration back : {kHour, kDay, 31 * kDay}) {
    std::optional<historian::Point> last;
    std::optional<historian::RawCursor> c;
    do {
      GANTRY_ASSIGN_OR_RETURN(historian::RawPage page,
                              store.ReadRaw(*series, from - back, from + 1, 65536, c));
      if (!page.points.empty()) last = page.points.back();
      c = page.next;
    } while (c);
    if (last) {
      out.push_back(FromPoint(*last));
      break;
    }
  }
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
