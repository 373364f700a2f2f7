#include "enterprise/actuals_energy.h"

#include <algorithm>

namespace gantry::enterprise {

namespace {

// Errors that say the energy cannot be known for this order (not that it is not known yet).
bool Final(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition: return true;
    default: return false;
  }
}

}  // namespace

void FillEnergy(OrderActuals& a, const Result<OrderEnergy>* energy) {
  a.energy_pending = false;
  a.energy_kwh = 0.0;
  a.energy_cost = 0.0;
  a.currency.clear();
  a.energy_note.clear();
  if (energy == nullptr) {
    a.energy_note = "no energy metering configured";
  } else if (!energy->ok()) {
    a.energy_note = "energy not known: " + energy->status().ToString();
  } else {
    a.energy_kwh = (*energy)->kwh;
    a.energy_cost = (*energy)->cost;
    a.currency = (*energy)->currency;
    a.energy_note = (*energy)->note;
    if (!(*energy)->readings_complete)
      a.energy_note += std::string(a.energy_note.empty() ? "" : "; ") +
                       "meter readings after the end of the span were not stored in time";
  }
}

void ApplyMeasuredConsumption(OrderActuals& a, const OrderConsumption& measured) {
  for (const OrderConsumption::Line& m : measured.measured) {
    auto it = std::find_if(a.consumption.begin(), a.consumption.end(),
                           [&](const ConsumptionLine& c) { return c.material == m.material; });
    if (it == a.consumption.end()) {
      a.consumption.push_back({m.material, m.quantity, m.unit, true, 0.0});
      continue;
    }
    it->planned = it->quantity;
    it->quantity = m.quantity;
    it->measured = true;
    if (it->unit.empty()) it->unit = m.unit;
  }
  a.consumption_note = measured.note;
}

EnergyFixingAdapter::EnergyFixingAdapter(ErpAdapter& deliver, EnergyOfOrder energy,
                                         PayloadCompleter complete, const Clock& clock,
                                         Duration wait_for_readings)
    : deliver_(deliver),
      energy_(std::move(energy)),
      complete_(std::move(complete)),
      clock_(clock),
      wait_(wait_for_readings) {}

DeliveryResult EnergyFixingAdapter::Deliver(const OutboxMessage& m) {
  if (!m.kind.starts_with("actuals.")) return deliver_.Deliver(m);
  Result<OrderActuals> a = ActualsFromJson(m.payload);
  if (!a.ok() || !a->energy_pending) return deliver_.Deliver(m);
  // The wait counts from the enqueue (the outbox's clock), not from the span's end, whose clock
  // is the operations layer's.
  const bool may_wait = clock_.Now() - m.enqueued_at < wait_;
  if (energy_) {
    Result<OrderEnergy> e = energy_(a->order_key, a->from, a->to);
    if (may_wait && !e.ok() && !Final(e.status()))
      return {DeliveryVerdict::kRetry,
              "energy of " + a->order_key + " not computed yet: " + e.status().ToString()};
    if (may_wait && e.ok() && !e->readings_complete)
      return {DeliveryVerdict::kRetry, "energy of " + a->order_key + ": meter readings up to " +
                                           FormatIso8601(a->to) + " not stored yet"};
    FillEnergy(*a, &e);
  } else {
    FillEnergy(*a, nullptr);
  }
  if (consumption_) {
    Result<OrderConsumption> c = consumption_(a->order_key, a->from, a->to);
    if (may_wait && !c.ok() && !Final(c.status()))
      return {DeliveryVerdict::kRetry,
              "consumption of " + a->order_key + " not measured yet: " + c.status().ToString()};
    if (may_wait && c.ok() && !c->readings_complete)
      return {DeliveryVerdict::kRetry, "consumption of " + a->order_key +
                                           ": counter readings up to " + FormatIso8601(a->to) +
                                           " not stored yet"};
    if (c.ok()) {
      ApplyMeasuredConsumption(*a, *c);
      if (!c->readings_complete)
        a->consumption_note += std::string(a->consumption_note.empty() ? "" : "; ") +
                               "counter readings after the end of the span were not stored in time";
    } else {
      a->consumption_note = "consumption not measured (planned sent): " + c.status().ToString();
    }
  }
  OutboxMessage fixed = m;
  fixed.payload = ActualsToJson(*a);
  Status stored = complete_(m, fixed.payload);
  if (!stored.ok())
    return {DeliveryVerdict::kRetry,
            "energy of " + a->order_key + " could not be stored: " + stored.ToString()};
  return deliver_.Deliver(fixed);
}

}  // namespace gantry::enterprise
