// A site's time-of-use electricity tariff: which band (and price per kWh) applies at every instant,
// with bands in local wall-clock time of the site's IANA zone (DST included). A range is split
// exactly at every band change, so energy in a stretch is priced piece by piece.
//
//   GANTRY_ASSIGN_OR_RETURN(TimeOfUseTariff tariff,
//   TimeOfUseTariff::Create(config.tariffs["plant1"])); for (const TariffPiece& p :
//   tariff.Split(from, to)) cost += p.price_per_kwh * kwh_in(p);
#pragma once

#include <string>
#include <vector>

#include "context/energy/energy_config.h"
#include "core/status.h"
#include "core/time.h"

namespace date {
class time_zone;
}

namespace gantry::ctx {

// One stretch of constant price.
struct TariffPiece {
  Timestamp start = 0;  // UTC, inclusive
  Timestamp end = 0;    // UTC, exclusive
  std::string band;     // the band's name
  double price_per_kwh = 0;
};

// Immutable after Create; thread-safe for concurrent reads.
class TimeOfUseTariff {
 public:
  // Fails when the time zone is unknown or no band covers every instant.
  static Result<TimeOfUseTariff> Create(const TariffConfig& config);

  // [from, to) cut into contiguous pieces of one band each, in time order; adjacent pieces of the
  // same band are merged. Empty when from >= to.
  std::vector<TariffPiece> Split(Timestamp from, Timestamp to) const;
  // The local calendar day ("YYYY-MM-DD") containing t in the tariff's zone.
  std::string LocalDayName(Timestamp t) const;
  const std::string& currency() const { return config_.currency; }

 private:
  TimeOfUseTariff(TariffConfig config, const date::time_zone* zone)
      : config_(std::move(config)), zone_(zone) {}
  Timestamp LocalToUtc(int64_t day, Duration since_midnight) const;
  int64_t LocalDayNumber(Timestamp t) const;
  // The band (index) of instant t, found among the windows of the local days around it.
  size_t BandAt(Timestamp t) const;

  TariffConfig config_;
  const date::time_zone* zone_;  // owned by the tz database, lives for the process
};

}  // namespace gantry::ctx
