#include "enterprise/reconciliation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace gantry::enterprise {
namespace {

using nlohmann::json;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

bool Same(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(a));
}

// The last message with final actuals, else the last interim one (nullptr when none).
const OutboxMessage* Latest(const std::vector<OutboxMessage>& ms, bool delivered_only) {
  const OutboxMessage* best = nullptr;
  bool best_final = false;
  for (const OutboxMessage& m : ms) {
    if (delivered_only && m.state != MessageState::kDelivered) continue;
    auto a = ActualsFromJson(m.payload);
    if (!a.ok()) continue;
    if (a->final || !best_final) {
      best = &m;
      best_final = a->final;
    }
  }
  return best;
}

json ActualsSummary(const OrderActuals& a) {
  json cons = json::object();
  json planned = json::object();
  json measured = json::array();
  for (const auto& c : a.consumption) {
    cons[c.material] = c.quantity;
    planned[c.material] = c.measured ? c.planned : c.quantity;
    if (c.measured) measured.push_back(c.material);
  }
  return {{"good", a.good},
          {"scrap", a.scrap},
          {"final", a.final},
          {"run_time_s", static_cast<double>(a.run_time) / kSecond},
          {"consumption", cons},
          {"consumption_planned", planned},
          {"consumption_measured", measured},
          {"energy_kwh", a.energy_pending ? json(nullptr) : json(a.energy_kwh)},
          {"energy_cost", a.energy_pending ? json(nullptr) : json(a.energy_cost)},
          {"currency", a.currency}};
}

// Energy is summed from meter readings in floating point: equal to a millionth.
bool SameEnergy(double a, double b) {
  return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::fabs(a));
}

// Tryton holds the correction's key but the production still shows the figures it replaced.
bool BookedByHand(const ReconciliationEntry& e, const OutboxMessage& correction) {
  const auto& keys = e.erp->gantry_keys;
  if (std::find(keys.begin(), keys.end(), correction.idempotency_key) == keys.end()) return false;
  auto a = ActualsFromJson(correction.payload);
  return a.ok() &&
         !(Same(e.erp->output_quantity, a->good) && Same(e.erp->scrap_quantity, a->scrap));
}

// What a correction changes against the message it replaces ("good 97 -> 96").
std::vector<std::string> Changes(const OrderActuals& was, const OrderActuals& now) {
  std::vector<std::string> c;
  auto add = [&](const std::string& what, double a, double b) {
    if (!Same(a, b)) c.push_back(what + " " + Num(a) + " -> " + Num(b));
  };
  add("good", was.good, now.good);
  add("scrap", was.scrap, now.scrap);
  add("run_time_s", static_cast<double>(was.run_time) / kSecond,
      static_cast<double>(now.run_time) / kSecond);
  std::map<std::string, std::pair<double, double>> cons;
  for (const auto& l : was.consumption) cons[l.material].first = l.quantity;
  for (const auto& l : now.consumption) cons[l.material].second = l.quantity;
  for (const auto& [m, q] : cons) add("consumed " + m, q.first, q.second);
  return c;
}

}  // namespace

std::vector<std::string> Differences(const ReconciliationEntry& e) {
  std::vector<std::string> d;
  const bool completed = e.order.order.state == OrderState::kCompleted;
  if (!e.ledger_error.empty()) d.push_back("ledger unreadable: " + e.ledger_error);
  const OutboxMessage* last = Latest(e.messages, false);
  const OutboxMessage* delivered = Latest(e.messages, true);
  for (const OutboxMessage& m : e.messages)
    if (m.state == MessageState::kQuarantined)
      d.push_back("message " + m.idempotency_key + " (" + m.kind +
                  ") quarantined: " + m.last_error);
  std::optional<OrderActuals> sent;
  if (delivered) sent = ActualsFromJson(delivered->payload).value();
  if (last && delivered && last != delivered && sent && sent->final) {
    auto pending = ActualsFromJson(last->payload);
    if (pending.ok() && pending->correction > 0)
      d.push_back("correction " + std::to_string(pending->correction) + " (" +
                  last->idempotency_key + ") not delivered yet (" +
                  std::string(MessageStateName(last->state)) + ", " +
                  std::to_string(last->attempts) + " attempts)");
  }
  if (completed) {
    if (!last) {
      d.push_back("completed but no actuals message was enqueued");
    } else if (!sent || !sent->final) {
      d.push_back("final actuals not delivered yet (" + std::string(MessageStateName(last->state)) +
                  ", " + std::to_string(last->attempts) + " attempts)");
    }
  }
  if (e.ledger && sent && sent->final) {
    if (!Same(e.ledger->good, sent->good))
      d.push_back("good: ledger " + Num(e.ledger->good) + ", delivered " + Num(sent->good));
    if (!Same(e.ledger->scrap, sent->scrap))
      d.push_back("scrap: ledger " + Num(e.ledger->scrap) + ", delivered " + Num(sent->scrap));
    for (const ConsumptionLine& c : e.ledger->consumption) {
      auto it = std::find_if(sent->consumption.begin(), sent->consumption.end(),
                             [&](const ConsumptionLine& s) { return s.material == c.material; });
      const double was = it == sent->consumption.end() ? 0.0 : it->quantity;
      if (!SameEnergy(c.quantity, was))
        d.push_back("consumed " + c.material + ": ledger " + Num(c.quantity) +
                    (c.measured ? " (measured)" : " (planned)") + ", delivered " + Num(was));
    }
    if (!e.ledger->energy_pending && !sent->energy_pending) {
      if (!SameEnergy(e.ledger->energy_kwh, sent->energy_kwh))
        d.push_back("energy_kwh: ledger " + Num(e.ledger->energy_kwh) + ", delivered " +
                    Num(sent->energy_kwh));
      if (!SameEnergy(e.ledger->energy_cost, sent->energy_cost))
        d.push_back("energy_cost: ledger " + Num(e.ledger->energy_cost) + ", delivered " +
                    Num(sent->energy_cost));
    }
  }
  if (!e.erp_error.empty()) d.push_back("ERP not read back: " + e.erp_error);
  // A correction a planner booked by hand (Tryton cannot change a done production) is resolved
  // by its note: Tryton's production keeps the earlier figures, which are then not a difference.
  const bool by_hand = e.erp && sent && sent->correction > 0 && BookedByHand(e, *delivered);
  if (e.erp && sent && sent->final && !by_hand) {
    if (e.erp->state != "done") d.push_back("ERP state is " + e.erp->state + ", expected done");
    if (!Same(e.erp->output_quantity, sent->good))
      d.push_back("good: delivered " + Num(sent->good) + ", ERP holds " +
                  Num(e.erp->output_quantity));
    if (!Same(e.erp->scrap_quantity, sent->scrap))
      d.push_back("scrap: delivered " + Num(sent->scrap) + ", ERP holds " +
                  Num(e.erp->scrap_quantity));
    for (const ConsumptionLine& c : sent->consumption) {
      auto it = e.erp->consumed.find(c.material);
      const double held = it == e.erp->consumed.end() ? 0.0 : it->second;
      // ERPs round material quantities to their unit's digits (Tryton: 2 for kg).
      if (std::fabs(held - c.quantity) > 0.005 + 1e-9)
        d.push_back("consumed " + c.material + ": delivered " + Num(c.quantity) + ", ERP holds " +
                    Num(held));
    }
    if (std::find(e.erp->gantry_keys.begin(), e.erp->gantry_keys.end(),
                  delivered->idempotency_key) == e.erp->gantry_keys.end())
      d.push_back("ERP holds no note of key " + delivered->idempotency_key);
  }
  if (e.erp) {  // every key Tryton holds must be one of this order's delivered final messages
    for (const std::string& k : e.erp->gantry_keys) {
      const bool ours = std::any_of(e.messages.begin(), e.messages.end(), [&](const auto& m) {
        return m.idempotency_key == k && m.state == MessageState::kDelivered;
      });
      if (!ours) d.push_back("ERP holds key " + k + ", not a delivered message of this order");
    }
    std::set<std::string> distinct(e.erp->gantry_keys.begin(), e.erp->gantry_keys.end());
    if (distinct.size() != e.erp->gantry_keys.size())
      d.push_back("ERP holds a Gantry key more than once");
  }
  if (!e.order.flag.empty()) d.push_back("order flagged: " + e.order.flag);
  return d;
}

std::string ReconciliationJson(const std::vector<ReconciliationEntry>& entries, Timestamp from,
                               Timestamp to) {
  json orders = json::array();
  int flagged = 0;
  for (const ReconciliationEntry& e : entries) {
    json o = {{"key", e.order.order.Key()},
              {"external_id", e.order.order.external_id},
              {"product", e.order.order.product},
              {"state", OrderStateName(e.order.order.state)},
              {"ordered", e.order.order.quantity}};
    o["ledger"] = e.ledger ? ActualsSummary(*e.ledger) : json(nullptr);
    const OutboxMessage* delivered = Latest(e.messages, true);
    if (delivered) {
      o["delivered"] = ActualsSummary(ActualsFromJson(delivered->payload).value());
      o["delivered"]["idempotency_key"] = delivered->idempotency_key;
      o["acknowledged"] = {{"at", FormatIso8601(delivered->delivered_at)},
                           {"answer", delivered->ack}};
    } else {
      o["delivered"] = nullptr;
      o["acknowledged"] = nullptr;
    }
    json messages = json::array();
    for (const OutboxMessage& m : e.messages)
      messages.push_back({{"idempotency_key", m.idempotency_key},
                          {"kind", m.kind},
                          {"state", MessageStateName(m.state)},
                          {"attempts", m.attempts}});
    o["messages"] = messages;
    json corrections = json::array();
    for (const OutboxMessage& m : e.messages) {
      auto now = ActualsFromJson(m.payload);
      if (!now.ok() || now->correction == 0) continue;
      json c = {{"correction", now->correction},
                {"idempotency_key", m.idempotency_key},
                {"kind", m.kind},
                {"replaces", now->corrects},
                {"state", MessageStateName(m.state)},
                {"good", now->good},
                {"scrap", now->scrap},
                {"changes", json::array()}};
      for (const OutboxMessage& r : e.messages) {
        if (r.idempotency_key != now->corrects) continue;
        auto was = ActualsFromJson(r.payload);
        if (was.ok()) c["changes"] = Changes(*was, *now);
      }
      if (m.state == MessageState::kQuarantined) c["reason"] = m.last_error;
      if (e.erp && BookedByHand(e, m)) c["booked_by_hand"] = true;
      corrections.push_back(std::move(c));
    }
    o["corrections"] = corrections;
    if (e.erp) {
      o["erp"] = {{"system", "tryton"},
                  {"state", e.erp->state},
                  {"good", e.erp->output_quantity},
                  {"scrap", e.erp->scrap_quantity},
                  {"consumed", e.erp->consumed},
                  {"keys", e.erp->gantry_keys}};
    } else {
      o["erp"] = nullptr;
    }
    const std::vector<std::string> d = Differences(e);
    o["differences"] = d;
    o["ok"] = d.empty();
    flagged += d.empty() ? 0 : 1;
    orders.push_back(std::move(o));
  }
  return json{{"from", FormatIso8601(from)},
              {"to", FormatIso8601(to)},
              {"orders", orders},
              {"flagged", flagged}}
      .dump();
}

}  // namespace gantry::enterprise
