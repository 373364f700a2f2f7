#include "enterprise/tryton_adapter.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "enterprise/actuals.h"

namespace gantry::enterprise {

using nlohmann::json;

namespace {

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// {"__class__": "date", "year": 2026, "month": 11, "day": 29} -> midnight UTC; 0 if not a date.
Timestamp FromTrytonDate(const json& v) {
  if (!v.is_object() || !v.contains("year")) return 0;
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", v.value("year", 1970),
                v.value("month", 1), v.value("day", 1), v.value("hour", 0), v.value("minute", 0),
                v.value("second", 0));
  auto t = ParseTimestamp(text);
  return t.ok() ? *t : 0;
}

// {"__class__": "Decimal", "decimal": "3.20"} (or a plain number) -> 3.2; nullopt otherwise.
std::optional<double> FromTrytonDecimal(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_object() || !v.contains("decimal") || !v["decimal"].is_string()) return std::nullopt;
  const std::string text = v["decimal"].get<std::string>();
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(d) || d < 0) return std::nullopt;
  return d;
}

json Decimal(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6f", v);
  return {{"__class__", "Decimal"}, {"decimal", text}};
}

std::string NumberText(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.15g", v);
  return text;
}

bool SameQuantity(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

}  // namespace

struct TrytonAdapter::Impl {
  explicit Impl(TrytonConfig c) : config(std::move(c)), http(config.endpoint) {}
  TrytonConfig config;
  HttpClient http;
  std::string authorization;
  int64_t next_id = 1;

  Status Login() {
    json body = {{"id", next_id++},
                 {"method", "common.db.login"},
                 {"params", {config.login, {{"password", config.password}}, "en"}}};
    GANTRY_ASSIGN_OR_RETURN(HttpResponse r, http.Post("/" + config.database + "/", body.dump()));
    if (r.status == 401 || r.status == 403)
      return PermissionDenied("tryton: login as " + config.login + " refused (HTTP " +
                              std::to_string(r.status) + ")");
    GANTRY_RETURN_IF_ERROR(StatusFromHttp(r));
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("result") || !j["result"].is_array() ||
        j["result"].size() != 2)
      return Malformed("tryton: login answer is not [user_id, session]: " + r.body.substr(0, 200));
    const std::string token = config.login + ":" + std::to_string(j["result"][0].get<int64_t>()) +
                              ":" + j["result"][1].get<std::string>();
    authorization = "Session " + Base64(token);
    return Status::Ok();
  }

  // params: the full params array without the context; the context is appended here.
  Result<json> Call(const std::string& method, json params, json context = json::object()) {
    context["company"] = config.company;
    params.push_back(std::move(context));
    json body = {{"id", next_id++}, {"method", method}, {"params", std::move(params)}};
    const std::string text = body.dump();
    for (int round = 0; round < 2; ++round) {
      if (authorization.empty()) GANTRY_RETURN_IF_ERROR(Login());
      GANTRY_ASSIGN_OR_RETURN(HttpResponse r, http.Post("/" + config.database + "/", text,
                                                        {{"Authorization", authorization}}));
      if (r.status == 401 && round == 0) {  // session expired or server restarted: log in again
        authorization.clear();
        continue;
      }
      GANTRY_RETURN_IF_ERROR(StatusFromHttp(r).WithContext("tryton " + method));
      json j = json::parse(r.body, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        return Malformed("tryton " + method + ": answer is not JSON: " + r.body.substr(0, 200));
      if (j.contains("error") && !j["error"].is_null())
        return InvalidArgument("tryton " + method + ": " + j["error"].dump());
      if (!j.contains("result")) return Malformed("tryton " + method + ": answer has no result");
      return j["result"];
    }
    return PermissionDenied("tryton " + method + ": HTTP 401 after a fresh login");
  }

  Result<json> ReadOne(const std::string& model, int64_t id, json fields) {
    GANTRY_ASSIGN_OR_RETURN(json rows, Call("model." + model + ".read",
                                            json::array({json::array({id}), std::move(fields)})));
    if (!rows.is_array() || rows.size() != 1)
      return NotFound("tryton: no " + model + " with id " + std::to_string(id));
    return rows[0];
  }

  Result<json> Moves(const json& ids) {
    return Call("model.stock.move.read",
                json::array({ids,
                             {"product", "product.code", "product.cost_price", "quantity", "uom",
                              "uom.symbol", "uom.digits", "to_location", "from_location", "state",
                              "currency", "company"}}));
  }

  Result<std::vector<std::string>> NoteKeys(int64_t id) {
    GANTRY_ASSIGN_OR_RETURN(
        json notes,
        Call("model.ir.note.search_read",
             json::array(
                 {json::array({json::array({"resource", "=", "production," + std::to_string(id)})}),
                  0, nullptr, nullptr, json::array({"message"})})));
    std::vector<std::string> keys;
    const std::string tag = "gantry-key: ";
    for (const json& n : notes) {
      const std::string msg = n.value("message", std::string());
      if (msg.rfind(tag, 0) == 0)
        keys.push_back(msg.substr(tag.size(), msg.find('\n') - tag.size()));
    }
    return keys;
  }

  // Calls the workflow method and reads the production back (`fields`, state included): the
  // read-back both checks the transition and serves the next step, one JSON-RPC call fewer.
  Result<json> Transition(int64_t id, const std::string& method, const std::string& from_state,
                          const json& fields) {
    GANTRY_RETURN_IF_ERROR(
        Call("model.production." + method, json::array({json::array({id})})).status());
    GANTRY_ASSIGN_OR_RETURN(json p, ReadOne("production", id, fields));
    if (p.value("state", std::string()) == from_state)
      return FailedPrecondition("tryton: production " + std::to_string(id) + " stayed " +
                                from_state + " after " + method);
    return p;
  }

  // Books the actual quantities on the production's moves in ONE production.write (one read of
  // the moves before it): with `consumption`, the actual consumption on the draft input moves
  // (matched by product code and unit; what cannot be booked is added to *remarks); always the
  // output quantity = good (absolute, so repeating it is harmless) and the scrap to the waste
  // location (the scrap move is created once, then rewritten).
  Status WriteMoves(int64_t id, const json& production, const OrderActuals& a, bool consumption,
                    std::string* remarks) {
    json ids = production["outputs"];
    if (consumption)
      for (const json& i : production["inputs"]) ids.push_back(i);
    GANTRY_ASSIGN_OR_RETURN(json moves, Moves(ids));
    std::set<int64_t> input_ids;
    for (const json& i : production["inputs"]) input_ids.insert(i.get<int64_t>());
    json values = json::object();
    if (consumption) {
      json ops = json::array();
      for (const ConsumptionLine& c : a.consumption) {
        bool booked = false;
        for (const json& m : moves) {
          if (!input_ids.count(m["id"].get<int64_t>())) continue;
          if (m["product."].value("code", std::string()) != c.material) continue;
          if (m.value("state", std::string()) != "draft") continue;
          if (m["uom."].value("symbol", std::string()) != c.unit) {
            *remarks += "consumption " + c.material + ": unit " + c.unit +
                        " differs from Tryton's " + m["uom."].value("symbol", std::string()) +
                        ", not booked\n";
            booked = true;
            break;
          }
          // Tryton refuses more decimals than the unit's digits: round to them (a scaled BOM
          // gives 201.666... kg; reconciliation compares consumption to 0.005).
          const int digits = std::clamp(m["uom."].value("digits", 2), 0, 12);
          const double scale = std::pow(10.0, digits);
          const double quantity = std::round(c.quantity * scale) / scale;
          ops.push_back(json::array({"write", json::array({m["id"]}), {{"quantity", quantity}}}));
          booked = true;
          break;
        }
        if (!booked)
          *remarks += "consumption " + c.material + ": no draft input move, not booked\n";
      }
      if (!ops.empty()) values["inputs"] = std::move(ops);
    }
    const json* main = nullptr;
    const json* scrap = nullptr;
    for (const json& m : moves) {
      if (input_ids.count(m["id"].get<int64_t>())) continue;
      if (config.scrap_location != 0 && m["to_location"] == config.scrap_location) {
        scrap = &m;
      } else if (m["product"] == production["product"] && main == nullptr) {
        main = &m;
      }
    }
    if (main == nullptr)
      return FailedPrecondition("tryton: production " + std::to_string(id) +
                                " has no output move of its product");
    json ops =
        json::array({json::array({"write", json::array({(*main)["id"]}), {{"quantity", a.good}}})});
    if (config.scrap_location != 0 && (a.scrap > 0 || scrap != nullptr)) {
      if (scrap != nullptr) {
        ops.push_back(
            json::array({"write", json::array({(*scrap)["id"]}), {{"quantity", a.scrap}}}));
      } else {
        ops.push_back(
            json::array({"create", json::array({{{"product", (*main)["product"]},
                                                 {"uom", (*main)["uom"]},
                                                 {"quantity", a.scrap},
                                                 {"from_location", (*main)["from_location"]},
                                                 {"to_location", config.scrap_location},
                                                 {"company", (*main)["company"]},
                                                 {"currency", (*main)["currency"]},
                                                 {"unit_price", Decimal(0)}}})}));
      }
    }
    values["outputs"] = std::move(ops);
    return Call("model.production.write", json::array({json::array({id}), std::move(values)}))
        .status();
  }

  // Finishes every unfinished work with one cycle carrying its share of the run time; reuses a
  // cycle left by an interrupted earlier attempt instead of booking labour twice.
  Status FinishWorks(int64_t id, Duration run_time) {
    GANTRY_ASSIGN_OR_RETURN(
        json works, Call("model.production.work.search_read",
                         json::array({json::array({json::array({"production", "=", id})}), 0,
                                      nullptr, nullptr, json::array({"state", "cycles"})})));
    std::vector<json> open;
    for (const json& w : works) {
      const std::string st = w.value("state", std::string());
      if (st != "finished" && st != "done") open.push_back(w);
    }
    if (open.empty()) return Status::Ok();
    const int64_t share_s = run_time / kSecond / static_cast<int64_t>(open.size());
    for (const json& w : open) {
      int64_t cycle = 0;
      std::string cycle_state;
      if (!w["cycles"].empty()) {
        GANTRY_ASSIGN_OR_RETURN(json cycles, Call("model.production.work.cycle.read",
                                                  json::array({w["cycles"], {"state"}})));
        for (const json& c : cycles) {
          const std::string st = c.value("state", std::string());
          if (st == "draft" || st == "running") {
            cycle = c["id"].get<int64_t>();
            cycle_state = st;
          }
        }
      }
      if (cycle == 0) {
        GANTRY_ASSIGN_OR_RETURN(
            json ids,
            Call("model.production.work.cycle.create",
                 json::array({json::array(
                     {{{"work", w["id"]},
                       {"duration", {{"__class__", "timedelta"}, {"seconds", share_s}}}}})})));
        cycle = ids.at(0).get<int64_t>();
        cycle_state = "draft";
      }
      if (cycle_state == "draft")
        GANTRY_RETURN_IF_ERROR(
            Call("model.production.work.cycle.run", json::array({json::array({cycle})})).status());
      GANTRY_RETURN_IF_ERROR(
          Call("model.production.work.cycle.do", json::array({json::array({cycle})})).status());
    }
    return Status::Ok();
  }

  Result<double> MainOutput(const json& production) {
    GANTRY_ASSIGN_OR_RETURN(json moves, Moves(production["outputs"]));
    double q = 0;
    for (const json& m : moves) {
      if (config.scrap_location != 0 && m["to_location"] == config.scrap_location) continue;
      if (m["product"] == production["product"] && m.value("state", std::string()) != "cancelled")
        q += m.value("quantity", 0.0);
    }
    return q;
  }

  std::string NoteText(const std::string& key, const OrderActuals& a, const std::string& remarks) {
    std::string t = "gantry-key: " + key + "\n";
    t += "order: " + a.order_key + "\ngood: " + NumberText(a.good) + " " + a.unit +
         "\nscrap: " + NumberText(a.scrap) + " " + a.unit + "\n";
    for (const ScrapLine& s : a.scrap_by_reason)
      t += "scrap " + s.reason + ": " + NumberText(s.quantity) + "\n";
    t += "run time: " + NumberText(static_cast<double>(a.run_time) / kSecond) + " s\n";
    for (const DowntimeLine& d : a.downtime)
      t += "downtime " + d.reason + ": " + NumberText(static_cast<double>(d.duration) / kSecond) +
           " s\n";
    for (const ConsumptionLine& c : a.consumption)
      t += std::string(c.measured ? "consumed (measured) " : "consumed (planned) ") + c.material +
           ": " + NumberText(c.quantity) + " " + c.unit +
           (c.measured ? " (planned " + NumberText(c.planned) + ")" : std::string()) + "\n";
    t += "energy: " + NumberText(a.energy_kwh) + " kWh, cost " + NumberText(a.energy_cost) + " " +
         a.currency + "\n";
    return t + remarks;
  }

  Result<TrytonProduction> Held(int64_t id) {
    GANTRY_ASSIGN_OR_RETURN(json p,
                            ReadOne("production", id, {"state", "product", "inputs", "outputs"}));
    TrytonProduction out;
    out.id = id;
    out.state = p.value("state", std::string());
    GANTRY_ASSIGN_OR_RETURN(json outs, Moves(p["outputs"]));
    for (const json& m : outs) {
      if (m.value("state", std::string()) == "cancelled") continue;
      if (config.scrap_location != 0 && m["to_location"] == config.scrap_location)
        out.scrap_quantity += m.value("quantity", 0.0);
      else if (m["product"] == p["product"])
        out.output_quantity += m.value("quantity", 0.0);
    }
    GANTRY_ASSIGN_OR_RETURN(json ins, Moves(p["inputs"]));
    for (const json& m : ins) {
      if (m.value("state", std::string()) == "cancelled") continue;
      out.consumed[m["product."].value("code", std::string())] += m.value("quantity", 0.0);
    }
    GANTRY_ASSIGN_OR_RETURN(out.gantry_keys, NoteKeys(id));
    return out;
  }

  // A correction of final actuals. A done production's moves cannot be written any more (Tryton
  // refuses to modify a done stock move), so: already noted -> acknowledged; done and Tryton's
  // quantities already agree -> noted and acknowledged; done and they differ -> quarantined with
  // the differences for a planner to book by hand; not done yet -> nullopt (booked like final
  // actuals, which these figures replace).
  Result<std::optional<DeliveryResult>> Correct(int64_t id, const OrderActuals& a,
                                                const std::string& key) {
    const std::string name = "production " + std::to_string(id);
    GANTRY_ASSIGN_OR_RETURN(TrytonProduction held, Held(id));
    for (const std::string& k : held.gantry_keys)
      if (k == key)
        return std::optional<DeliveryResult>(DeliveryResult{
            DeliveryVerdict::kAcknowledged,
            name + ": correction " + std::to_string(a.correction) + " already noted under " + key});
    if (held.state != "done") return std::optional<DeliveryResult>();
    std::string diff;
    auto add = [&](const std::string& what, double was, double now, const std::string& unit) {
      diff += (diff.empty() ? "" : "; ") + what + " " + NumberText(was) + " -> " + NumberText(now) +
              (unit.empty() ? "" : " " + unit);
    };
    if (!SameQuantity(held.output_quantity, a.good))
      add("good", held.output_quantity, a.good, a.unit);
    if (config.scrap_location != 0 && !SameQuantity(held.scrap_quantity, a.scrap))
      add("scrap", held.scrap_quantity, a.scrap, a.unit);
    for (const ConsumptionLine& c : a.consumption) {
      auto it = held.consumed.find(c.material);
      const double was = it == held.consumed.end() ? 0.0 : it->second;
      if (std::fabs(was - c.quantity) > 0.005 + 1e-9)  // Tryton rounds to the unit's digits
        add("consumed " + c.material, was, c.quantity, c.unit);
    }
    if (!diff.empty())
      return std::optional<DeliveryResult>(DeliveryResult{
          DeliveryVerdict::kQuarantine,
          "tryton: " + name + " is done and a done production's moves cannot be changed; " +
              "correction " + std::to_string(a.correction) + " of " + a.order_key + " (replaces " +
              a.corrects + ") differs from what Tryton holds: " + diff +
              ". Book the difference by hand, then add a note starting 'gantry-key: " + key +
              "' to " + name + " and retry this message"});
    GANTRY_ASSIGN_OR_RETURN(
        json note,
        Call("model.ir.note.create",
             json::array({json::array(
                 {{{"resource", "production," + std::to_string(id)},
                   {"message",
                    NoteText(key, a,
                             "correction " + std::to_string(a.correction) + " replaces " +
                                 a.corrects + "; Tryton's quantities already agree\n")}}})})));
    return std::optional<DeliveryResult>(DeliveryResult{
        DeliveryVerdict::kAcknowledged, name + " done, correction " + std::to_string(a.correction) +
                                            " changes no quantity Tryton holds, note " +
                                            note.dump()});
  }

  Result<std::string> Apply(int64_t id, const OrderActuals& a, const std::string& key) {
    GANTRY_ASSIGN_OR_RETURN(std::vector<std::string> keys, NoteKeys(id));
    for (const std::string& k : keys)
      if (k == key) return "production " + std::to_string(id) + ": already applied under " + key;
    const json fields = {"state", "product", "inputs", "outputs"};
    if (!a.final) {
      GANTRY_ASSIGN_OR_RETURN(json p, ReadOne("production", id, fields));
      if (p["state"] != "running")
        return "production " + std::to_string(id) + ": interim actuals not booked (state " +
               p["state"].get<std::string>() + ")";
      GANTRY_RETURN_IF_ERROR(WriteMoves(id, p, a, false, nullptr));
      return "production " + std::to_string(id) + ": interim output " + NumberText(a.good);
    }
    std::string remarks;
    json p;                    // the production as last read back
    bool wrote_moves = false;  // this attempt wrote the output (= good) while not yet done
    bool made_done = false;    // this attempt ran the production to done after writing it
    for (int step = 0; step < 8; ++step) {
      if (p.is_null()) {
        GANTRY_ASSIGN_OR_RETURN(p, ReadOne("production", id, fields));
      }
      const std::string state = p.value("state", std::string());
      if (state == "draft") {
        GANTRY_ASSIGN_OR_RETURN(p, Transition(id, "wait", state, fields));
      } else if (state == "waiting") {
        // Consumption, output and scrap in one write (draft moves take all three), then the
        // material's reservation forced (it is already consumed on the shop floor) and the
        // production run, read back once: "run" is a no-op unless the reservation happened.
        GANTRY_RETURN_IF_ERROR(WriteMoves(id, p, a, true, &remarks));
        wrote_moves = true;
        GANTRY_RETURN_IF_ERROR(
            Call("model.production.assign_force", json::array({json::array({id})})).status());
        GANTRY_RETURN_IF_ERROR(
            Call("model.production.run", json::array({json::array({id})})).status());
        GANTRY_ASSIGN_OR_RETURN(p, ReadOne("production", id, fields));
        if (p.value("state", std::string()) == state)
          return FailedPrecondition("tryton: production " + std::to_string(id) +
                                    " stayed waiting after assign_force");
      } else if (state == "assigned") {
        GANTRY_ASSIGN_OR_RETURN(p, Transition(id, "run", state, fields));
      } else if (state == "running") {
        if (!wrote_moves) {
          GANTRY_RETURN_IF_ERROR(WriteMoves(id, p, a, false, nullptr));
          wrote_moves = true;
        }
        GANTRY_RETURN_IF_ERROR(FinishWorks(id, a.run_time));
        GANTRY_ASSIGN_OR_RETURN(p, Transition(id, "done", state, fields));
        made_done = true;
      } else if (state == "done") {
        // Found done (an earlier attempt, or a person): compare its output before noting. Run to
        // done by this attempt, the output is the good quantity it has just written.
        double out = a.good;
        if (!made_done) {
          GANTRY_ASSIGN_OR_RETURN(out, MainOutput(p));
        }
        if (!SameQuantity(out, a.good))
          return FailedPrecondition("tryton: production " + std::to_string(id) +
                                    " is done with output " + NumberText(out) +
                                    ", Gantry's actuals say " + NumberText(a.good));
        GANTRY_ASSIGN_OR_RETURN(
            json note,
            Call("model.ir.note.create",
                 json::array({json::array({{{"resource", "production," + std::to_string(id)},
                                            {"message", NoteText(key, a, remarks)}}})})));
        return "production " + std::to_string(id) + " done, output " + NumberText(out) + ", note " +
               note.dump();
      } else {
        return FailedPrecondition("tryton: production " + std::to_string(id) + " is " + state +
                                  "; actuals cannot be booked");
      }
    }
    return Internal("tryton: production " + std::to_string(id) + " did not reach done");
  }
};

TrytonAdapter::TrytonAdapter(TrytonConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}
TrytonAdapter::~TrytonAdapter() = default;

Result<std::unique_ptr<TrytonAdapter>> TrytonAdapter::Connect(TrytonConfig config) {
  std::unique_ptr<TrytonAdapter> a(new TrytonAdapter(std::move(config)));
  GANTRY_RETURN_IF_ERROR(a->impl_->Login());
  return a;
}

Result<std::string> TrytonAdapter::Call(const std::string& method, const std::string& params_json,
                                        const std::string& context_json) {
  json params = json::parse(params_json, nullptr, false);
  if (params.is_discarded() || !params.is_array())
    return InvalidArgument("tryton call: params must be a JSON array");
  json context = context_json.empty() ? json::object() : json::parse(context_json, nullptr, false);
  if (context.is_discarded() || !context.is_object())
    return InvalidArgument("tryton call: context must be a JSON object");
  GANTRY_ASSIGN_OR_RETURN(json r, impl_->Call(method, std::move(params), std::move(context)));
  return r.dump();
}

int64_t TrytonAdapter::JsonRpcCalls() const {
  return impl_->next_id - 1;
}

Result<std::vector<ProductionOrder>> TrytonAdapter::PullOrders() {
  json domain = json::array({json::array({"state", "in", impl_->config.pull_states})});
  if (impl_->config.warehouse != 0)
    domain.push_back(json::array({"warehouse", "=", impl_->config.warehouse}));
  GANTRY_ASSIGN_OR_RETURN(json rows,
                          impl_->Call("model.production.search_read",
                                      json::array({domain,
                                                   0,
                                                   nullptr,
                                                   json::array({json::array({"id", "ASC"})}),
                                                   {"number", "reference", "state", "product.code",
                                                    "quantity", "uom.symbol", "planned_date",
                                                    "work_center.name", "inputs", "write_date"}})));
  json input_ids = json::array();
  for (const json& r : rows)
    for (const json& i : r["inputs"]) input_ids.push_back(i);
  std::map<int64_t, json> inputs;
  if (!input_ids.empty()) {
    GANTRY_ASSIGN_OR_RETURN(json moves, impl_->Moves(input_ids));
    for (const json& m : moves) inputs[m["id"].get<int64_t>()] = m;
  }
  std::vector<ProductionOrder> orders;
  for (const json& r : rows) {
    ProductionOrder o;
    o.source = "tryton";
    o.external_id = std::to_string(r["id"].get<int64_t>());
    if (r.contains("product.") && r["product."].is_object())
      o.product = r["product."].value("code", std::string());
    o.quantity = r.value("quantity", 0.0);
    if (r.contains("uom.") && r["uom."].is_object())
      o.unit = r["uom."].value("symbol", std::string());
    o.due = FromTrytonDate(r["planned_date"]);
    if (r.contains("work_center.") && r["work_center."].is_object()) {
      const std::string name = r["work_center."].value("name", std::string());
      auto it = impl_->config.work_centre_paths.find(name);
      o.work_centre = it == impl_->config.work_centre_paths.end() ? name : it->second;
    }
    const std::string state = r.value("state", std::string());
    o.state = state == "running"     ? OrderState::kRunning
              : state == "done"      ? OrderState::kCompleted
              : state == "cancelled" ? OrderState::kCancelled
              : state == "draft"     ? OrderState::kDraft
                                     : OrderState::kReleased;
    const Timestamp written = FromTrytonDate(r["write_date"]);
    o.version = written > 0 ? written / kSecond : 1;
    for (const json& i : r["inputs"]) {
      auto it = inputs.find(i.get<int64_t>());
      if (it == inputs.end()) continue;
      const json& m = it->second;
      o.bom.push_back({m["product."].value("code", std::string()), m.value("quantity", 0.0),
                       m["uom."].value("symbol", std::string()),
                       FromTrytonDecimal(m["product."].value("cost_price", json()))});
    }
    Status valid = ValidateOrder(o);
    if (!valid.ok()) return valid.WithContext("tryton production " + o.external_id);
    orders.push_back(std::move(o));
  }
  return orders;
}

DeliveryResult TrytonAdapter::Deliver(const OutboxMessage& m) {
  auto a = ActualsFromJson(m.payload);
  if (!a.ok()) return VerdictFromStatus(a.status());
  int64_t id = 0;
  try {
    size_t used = 0;
    id = std::stoll(a->external_id, &used);
    if (used != a->external_id.size()) id = 0;
  } catch (...) {
    id = 0;
  }
  if (id <= 0)
    return VerdictFromStatus(
        InvalidArgument("tryton: external_id '" + a->external_id + "' is not a production id"));
  if (a->final && a->correction > 0) {
    auto c = impl_->Correct(id, *a, m.idempotency_key);
    if (!c.ok()) return VerdictFromStatus(c.status());
    if (c->has_value()) return **c;
  }
  auto r = impl_->Apply(id, *a, m.idempotency_key);
  if (!r.ok()) return VerdictFromStatus(r.status());
  return {DeliveryVerdict::kAcknowledged, *r};
}

Result<TrytonProduction> TrytonAdapter::ReadProduction(int64_t id) {
  return impl_->Held(id);
}

}  // namespace gantry::enterprise
