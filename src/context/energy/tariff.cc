#include "context/energy/tariff.h"

#include <date/tz.h>

#include <algorithm>

namespace gantry::ctx {
namespace {
using NanoSys = date::sys_time<std::chrono::nanoseconds>;
using NanoLocal = date::local_time<std::chrono::nanoseconds>;

int WeekdayOfDay(int64_t day) {
  return static_cast<int>(date::weekday(date::sys_days(date::days(day))).c_encoding());
}
}  // namespace

Result<TimeOfUseTariff> TimeOfUseTariff::Create(const TariffConfig& config) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(config.time_zone);
  } catch (const std::exception& e) {
    return InvalidArgument("tariff of site '" + config.site + "': unknown time zone '" +
                           config.time_zone + "': " + e.what());
  }
  bool has_base = false;
  for (const TariffBand& b : config.bands) has_base = has_base || (b.all_day && b.weekdays == 0x7f);
  if (!has_base)
    return InvalidArgument("tariff of site '" + config.site +
                           "': no band prices every instant (a band without days and hours)");
  return TimeOfUseTariff(config, zone);
}

Timestamp TimeOfUseTariff::LocalToUtc(int64_t day, Duration since_midnight) const {
  NanoLocal local{std::chrono::nanoseconds(day * kDay + since_midnight)};
  // A local time skipped in spring maps to the change itself; a repeated one to its first
  // occurrence (as the shift calendar does).
  return zone_->to_sys(local, date::choose::earliest).time_since_epoch().count();
}

int64_t TimeOfUseTariff::LocalDayNumber(Timestamp t) const {
  NanoLocal local = zone_->to_local(NanoSys{std::chrono::nanoseconds(t)});
  return date::floor<date::days>(local).time_since_epoch().count();
}

std::string TimeOfUseTariff::LocalDayName(Timestamp t) const {
  return date::format("%F", date::sys_days(date::days(LocalDayNumber(t))));
}

size_t TimeOfUseTariff::BandAt(Timestamp t) const {
  const int64_t today = LocalDayNumber(t);
  for (size_t i = 0; i < config_.bands.size(); ++i) {
    const TariffBand& b = config_.bands[i];
    if (b.all_day) {
      if (b.weekdays & (1u << WeekdayOfDay(today))) return i;
      continue;
    }
    // A window starting yesterday may run past midnight into today.
    for (int64_t day : {today - 1, today}) {
      if (!(b.weekdays & (1u << WeekdayOfDay(day)))) continue;
      Timestamp s = LocalToUtc(day, b.start);
      Timestamp e = b.end > b.start ? LocalToUtc(day, b.end) : LocalToUtc(day + 1, b.end);
      if (s <= t && t < e) return i;
    }
  }
  return config_.bands.size() - 1;  // unreachable: Create checked there is a base band
}

std::vector<TariffPiece> TimeOfUseTariff::Split(Timestamp from, Timestamp to) const {
  std::vector<TariffPiece> out;
  if (from >= to) return out;
  // Every instant where some band may begin or end: local midnights and band edges of each day.
  std::vector<Timestamp> cuts = {from, to};
  for (int64_t day = LocalDayNumber(from) - 1; day <= LocalDayNumber(to) + 1; ++day) {
    cuts.push_back(LocalToUtc(day, 0));
    for (const TariffBand& b : config_.bands) {
      if (b.all_day) continue;
      cuts.push_back(LocalToUtc(day, b.start));
      cuts.push_back(b.end > b.start ? LocalToUtc(day, b.end) : LocalToUtc(day + 1, b.end));
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    Timestamp a = cuts[i], b = cuts[i + 1];
    if (b <= from || a >= to) continue;
    const TariffBand& band = config_.bands[BandAt(a)];
    if (!out.empty() && out.back().band == band.name &&
        out.back().price_per_kwh == band.price_per_kwh && out.back().end == a) {
      out.back().end = b;
      continue;
    }
    out.push_back({a, b, band.name, band.price_per_kwh});
  }
  return out;
}

}  // namespace gantry::ctx
