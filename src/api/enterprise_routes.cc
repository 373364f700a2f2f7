#include "api/enterprise_routes.h"

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/api_routes.h"
#include "enterprise/b2mml_schedule.h"

namespace gantry {
namespace {

using enterprise::OrderState;
using enterprise::StoredOrder;
using nlohmann::json;

constexpr std::string_view kOrders = "/api/v1/orders";
constexpr std::string_view kOutbox = "/api/v1/outbox";
constexpr std::string_view kReconciliation = "/api/v1/actuals/reconciliation";
constexpr Duration kDefaultRange = 24 * kHour;

HttpReply JsonReply(unsigned status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpReply NotAllowed(std::string_view method, std::string_view path, std::string allow) {
  HttpReply r = Problem(405, "Method not allowed",
                        "method " + std::string(method) + " is not allowed on " +
                            std::string(path) + "; allowed: " + allow);
  r.allow = std::move(allow);
  return r;
}

HttpReply Unavailable503(std::string_view what) {
  return Problem(503, "Not available", std::string(what) + " is not running in this plant");
}

// The field an error message names: the first 'quoted' word ("unknown field 'qty'"), else the
// word after "order X: " ("order 1: bom[0].planned_quantity must be > 0"), in JSON's spelling.
std::string NamedField(const std::string& message) {
  std::string field;
  if (const size_t a = message.find('\''); a != std::string::npos) {
    const size_t b = message.find('\'', a + 1);
    if (b != std::string::npos) field = message.substr(a + 1, b - a - 1);
  } else if (message.starts_with("order ")) {
    const size_t colon = message.find(": ");
    if (colon != std::string::npos) {
      const size_t end = message.find(' ', colon + 2);
      field = message.substr(colon + 2, end == std::string::npos ? end : end - colon - 2);
    }
  }
  if (const size_t p = field.find("planned_quantity"); p != std::string::npos)
    field.replace(p, 16, "quantity");
  return field;
}

HttpReply FromStatus(const Status& s, std::string parameter = {}) {
  if (parameter.empty()) parameter = NamedField(s.message());
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kMalformed: return Problem(400, "Invalid request", s.message(), parameter);
    case StatusCode::kNotFound: return Problem(404, "Not found", s.message());
    case StatusCode::kAlreadyExists: return Problem(409, "Already exists", s.message(), parameter);
    case StatusCode::kFailedPrecondition: return Problem(409, "Conflict", s.message());
    case StatusCode::kUnavailable: return Problem(503, "Unavailable", s.message());
    default: return Problem(500, "Internal error", s.message());
  }
}

std::optional<std::string> Param(const RequestTarget& t, std::string_view name) {
  for (const auto& [k, v] : t.query)
    if (k == name) return v;
  return std::nullopt;
}

std::optional<HttpReply> OnlyParams(const RequestTarget& t,
                                    std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : t.query) {
    bool known = false;
    for (std::string_view a : allowed) known = known || name == a;
    if (!known)
      return Problem(400, "Unknown query parameter",
                     "query parameter '" + name + "' is not understood by " + t.path, name);
  }
  return std::nullopt;
}

class Handler {
 public:
  explicit Handler(EnterpriseApi api) : api_(std::move(api)) {}

  std::optional<HttpReply> Handle(const ApiRequest& r) {
    const std::string& path = r.target.path;
    if (path == kReconciliation) return Reconciliation(r);
    if (path == kOutbox || path.starts_with(std::string(kOutbox) + "/")) return Outbox(r);
    if (path == kOrders) return Orders(r);
    if (path == std::string(kOrders) + "/b2mml") {
      if (r.method != "POST") return NotAllowed(r.method, path, "POST");
      return ImportB2mml(r);
    }
    if (!path.starts_with(std::string(kOrders) + "/")) return std::nullopt;
    std::string id = path.substr(kOrders.size() + 1);
    std::string action;
    if (const size_t slash = id.rfind('/'); slash != std::string::npos) {
      action = id.substr(slash + 1);
      id.resize(slash);
    }
    if (id.empty()) return Problem(404, "Not found", "no order id in " + path);
    if (action.empty()) return OneOrder(r, id);
    if (r.method != "POST") return NotAllowed(r.method, path, "POST");
    if (action == "release") return Reply(api_.orders->Release(id), 200);
    if (action == "cancel") {
      json body = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
      const std::string why =
          body.is_object() && body.contains("reason") && body["reason"].is_string()
              ? body["reason"].get<std::string>()
              : "";
      return Reply(api_.orders->Cancel(id, why), 200);
    }
    if (action == "start" || action == "pause" || action == "resume" || action == "complete")
      return ShopFloor(r, id, action);
    return Problem(404, "Not found",
                   "unknown order action '" + action +
                       "'; expected release, cancel, start, pause, resume or complete");
  }

 private:
  HttpReply Reply(const Result<StoredOrder>& o, unsigned status) {
    if (!o.ok()) return FromStatus(o.status());
    return JsonReply(status, StoredOrderJson(*o));
  }

  std::optional<HttpReply> Orders(const ApiRequest& r) {
    if (r.method == "GET" || r.method == "HEAD") {
      if (auto bad = OnlyParams(r.target, {"state"})) return *bad;
      std::optional<OrderState> state;
      if (auto text = Param(r.target, "state")) {
        auto s = enterprise::ParseOrderState(*text);
        if (!s.ok()) return FromStatus(s.status(), "state");
        state = *s;
      }
      auto list = api_.orders->List(state);
      if (!list.ok()) return FromStatus(list.status());
      std::string body = "[";
      for (size_t i = 0; i < list->size(); ++i)
        body += (i ? "," : "") + StoredOrderJson((*list)[i]);
      return JsonReply(200, body + "]");
    }
    if (r.method != "POST") return NotAllowed(r.method, r.target.path, "GET, POST");
    auto order = enterprise::OrderFromJson(r.body);
    if (!order.ok()) return FromStatus(order.status());
    Status s = api_.orders->Create(*order);
    if (!s.ok()) return FromStatus(s, "external_id");
    return Reply(api_.orders->Get(order->Key()), 201);
  }

  std::optional<HttpReply> OneOrder(const ApiRequest& r, const std::string& id) {
    if (r.method == "PATCH") return Reply(api_.orders->Patch(id, r.body), 200);
    if (r.method != "GET" && r.method != "HEAD")
      return NotAllowed(r.method, r.target.path, "GET, PATCH");
    auto o = api_.orders->Get(id);
    if (!o.ok()) return FromStatus(o.status());
    json j = json::parse(StoredOrderJson(*o));
    if (api_.progress && o->order.state != OrderState::kDraft &&
        o->order.state != OrderState::kReleased) {
      auto a = api_.progress(o->order.Key());
      if (a.ok()) {
        j["progress"] = json::parse(enterprise::ActualsToJson(*a));
        j["progress"]["percent"] =
            o->order.quantity > 0 ? 100.0 * a->good / o->order.quantity : 0.0;
      } else {
        j["progress"] = {{"error", a.status().ToString()}};
      }
    }
    return JsonReply(200, j.dump());
  }

  std::optional<HttpReply> ShopFloor(const ApiRequest& r, const std::string& id,
                                     const std::string& action) {
    if (!api_.apply_order) return Unavailable503("the operations engine");
    json body = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Problem(400, "Invalid request", "expected a JSON object body");
    for (const auto& [k, v] : body.items())
      if (k != "work_centre" && k != "operator")
        return Problem(400, "Invalid request", "unknown field '" + k + "'", k);
    std::string work_centre;
    if (body.contains("work_centre")) {
      if (!body["work_centre"].is_string())
        return Problem(400, "Invalid request", "field 'work_centre' must be a string",
                       "work_centre");
      work_centre = body["work_centre"].get<std::string>();
    }
    // One shop-floor command at a time, so that the engine and the store agree.
    std::lock_guard lock(shop_floor_mu_);
    auto o = api_.orders->Get(id);
    if (!o.ok()) return FromStatus(o.status());
    if (work_centre.empty()) work_centre = o->order.work_centre;
    if (work_centre.empty())
      return Problem(400, "Invalid request",
                     "order " + o->order.Key() + " has no work centre; give 'work_centre'",
                     "work_centre");
    if (action != "start" && work_centre != o->order.work_centre)
      return Problem(
          400, "Invalid request",
          "order " + o->order.Key() + " runs on " + o->order.work_centre + ", not " + work_centre,
          "work_centre");
    // Check the order's state before telling the engine.
    const OrderState s = o->order.state;
    const bool fits = (action == "start" && s == OrderState::kReleased) ||
                      (action == "pause" && s == OrderState::kRunning && !o->paused) ||
                      (action == "resume" && s == OrderState::kRunning && o->paused) ||
                      (action == "complete" && s == OrderState::kRunning);
    if (!fits)
      return Problem(409, "Conflict",
                     "order " + o->order.Key() + " is " +
                         std::string(enterprise::OrderStateName(s)) +
                         (o->paused ? " (paused)" : "") + ", cannot " + action + " it");
    ops::OrderTransition t;
    t.work_centre = work_centre;
    t.time = r.now;
    t.order = o->order.Key();
    t.product = o->order.product;
    t.ideal_cycle_time = o->order.ideal_cycle_time;
    t.action = action == "start"    ? ops::OrderTransition::Action::kStart
               : action == "pause"  ? ops::OrderTransition::Action::kPause
               : action == "resume" ? ops::OrderTransition::Action::kResume
                                    : ops::OrderTransition::Action::kComplete;
    if (body.contains("operator") && body["operator"].is_string())
      t.operator_name = body["operator"].get<std::string>();
    Status applied = api_.apply_order(t, r.principal);
    if (!applied.ok()) return FromStatus(applied, "work_centre");
    if (action == "start") return Reply(api_.orders->Start(id, work_centre), 200);
    if (action == "pause") return Reply(api_.orders->Pause(id), 200);
    if (action == "resume") return Reply(api_.orders->Resume(id), 200);
    return Reply(api_.orders->Complete(id), 200);
  }

  std::optional<HttpReply> ImportB2mml(const ApiRequest& r) {
    auto orders = enterprise::ParseProductionSchedule(r.body, "request");
    if (!orders.ok()) {
      // "request:14: <QuantityString>: ..." -> the element is the parameter.
      const std::string m = orders.status().message();
      std::string element;
      if (const size_t a = m.find('<'), b = m.find('>'); a != std::string::npos && b > a)
        element = m.substr(a + 1, b - a - 1);
      return Problem(400, "Invalid B2MML", m, element);
    }
    for (const auto& o : *orders)
      if (api_.orders->Get(o.Key()).ok())
        return Problem(409, "Already exists",
                       "order " + o.Key() + " exists already; nothing was imported", "ID");
    json keys = json::array();
    for (const auto& o : *orders) {
      Status s = api_.orders->Create(o);
      if (!s.ok()) return FromStatus(s);
      keys.push_back(o.Key());
    }
    return JsonReply(201, json{{"created", keys}}.dump());
  }

  std::optional<HttpReply> Outbox(const ApiRequest& r) {
    const std::string& path = r.target.path;
    if (path == kOutbox) {
      if (r.method != "GET" && r.method != "HEAD") return NotAllowed(r.method, path, "GET");
      if (auto bad = OnlyParams(r.target, {"state"})) return *bad;
      if (!api_.outbox_list) return Unavailable503("the actuals outbox");
      std::optional<enterprise::MessageState> state;
      if (auto text = Param(r.target, "state")) {
        if (*text == "pending")
          state = enterprise::MessageState::kPending;
        else if (*text == "delivered")
          state = enterprise::MessageState::kDelivered;
        else if (*text == "quarantined")
          state = enterprise::MessageState::kQuarantined;
        else
          return Problem(
              400, "Invalid parameter",
              "query parameter 'state' must be pending, delivered or quarantined, got '" + *text +
                  "'",
              "state");
      }
      auto list = api_.outbox_list(state);
      if (!list.ok()) return FromStatus(list.status());
      json out = json::array();
      for (const auto& m : *list) {
        json p = json::parse(m.payload, nullptr, false);
        out.push_back({{"idempotency_key", m.idempotency_key},
                       {"kind", m.kind},
                       {"order_key", m.order_key},
                       {"sequence", m.sequence},
                       {"state", enterprise::MessageStateName(m.state)},
                       {"attempts", m.attempts},
                       {"enqueued_at", FormatIso8601(m.enqueued_at)},
                       {"next_attempt_at", FormatIso8601(m.next_attempt_at)},
                       {"delivered_at", m.delivered_at ? FormatIso8601(m.delivered_at) : ""},
                       {"last_error", m.last_error},
                       {"ack", m.ack},
                       {"payload", p.is_discarded() ? json(m.payload) : p}});
      }
      return JsonReply(200, out.dump());
    }
    if (path == std::string(kOutbox) + "/export") {
      if (r.method != "GET" && r.method != "HEAD") return NotAllowed(r.method, path, "GET");
      if (!api_.outbox_export) return Unavailable503("the actuals outbox");
      auto text = api_.outbox_export();
      if (!text.ok()) return FromStatus(text.status());
      return JsonReply(200, *text);
    }
    const std::string rest = path.substr(kOutbox.size() + 1);
    if (!rest.ends_with("/retry")) return Problem(404, "Not found", "no outbox route " + path);
    if (r.method != "POST") return NotAllowed(r.method, path, "POST");
    if (!api_.outbox_retry) return Unavailable503("the actuals outbox");
    const std::string key = rest.substr(0, rest.size() - 6);
    Status s = api_.outbox_retry(key);
    if (!s.ok()) return FromStatus(s);
    return JsonReply(200, json{{"idempotency_key", key}, {"state", "pending"}}.dump());
  }

  std::optional<HttpReply> Reconciliation(const ApiRequest& r) {
    if (r.method != "GET" && r.method != "HEAD") return NotAllowed(r.method, r.target.path, "GET");
    if (auto bad = OnlyParams(r.target, {"from", "to"})) return *bad;
    if (!api_.reconciliation) return Unavailable503("the actuals outbox");
    Timestamp to = r.now, from = r.now - kDefaultRange;
    for (auto [name, field] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
      auto text = Param(r.target, name);
      if (!text) continue;
      auto t = ParseTimestamp(*text);
      if (!t.ok())
        return Problem(400, "Invalid parameter",
                       "query parameter '" + std::string(name) + "': " + t.status().message(),
                       name);
      *field = *t;
    }
    if (from >= to)
      return Problem(400, "Invalid parameter", "query parameter 'from' must be before 'to'",
                     "from");
    auto body = api_.reconciliation(from, to);
    if (!body.ok()) return FromStatus(body.status());
    return JsonReply(200, *body);
  }

  EnterpriseApi api_;
  std::mutex shop_floor_mu_;
};

}  // namespace

std::string StoredOrderJson(const StoredOrder& o) {
  json j = json::parse(enterprise::OrderToJson(o.order));
  j["key"] = o.order.Key();
  j["paused"] = o.paused;
  j["flag"] = o.flag;
  j["created_at"] = FormatIso8601(o.created_at);
  j["updated_at"] = FormatIso8601(o.updated_at);
  if (o.completed_at) j["completed_at"] = FormatIso8601(o.completed_at);
  return j.dump();
}

RouteModule EnterpriseRoutes(EnterpriseApi api) {
  // shared_ptr: RouteHandler is a copyable std::function, the handler (with its mutex) is one.
  auto handler = std::make_shared<Handler>(std::move(api));
  RouteModule m;
  m.name = "enterprise";
  m.routes = {
      {"GET", "/api/v1/orders", "List production orders (?state=)", "viewer"},
      {"POST", "/api/v1/orders", "Create a production order (JSON)", "integration"},
      {"POST", "/api/v1/orders/b2mml", "Import a B2MML ProductionSchedule (XML)", "integration"},
      {"GET", "/api/v1/orders/{id}", "One production order with its progress", "viewer"},
      {"PATCH", "/api/v1/orders/{id}", "Change a production order's fields", "integration"},
      {"POST", "/api/v1/orders/{id}/release", "Release a draft order to the shop floor",
       "integration"},
      {"POST", "/api/v1/orders/{id}/cancel", "Cancel an order", "integration"},
      {"POST", "/api/v1/orders/{id}/start", "Start an order on a work centre", "operator"},
      {"POST", "/api/v1/orders/{id}/pause", "Pause a running order", "operator"},
      {"POST", "/api/v1/orders/{id}/resume", "Resume a paused order", "operator"},
      {"POST", "/api/v1/orders/{id}/complete", "Complete a running order (sends its actuals)",
       "operator"},
      {"GET", "/api/v1/outbox", "Actuals outbox messages (?state=)", "integration"},
      {"POST", "/api/v1/outbox/{key}/retry", "Retry a quarantined message", "integration"},
      {"GET", "/api/v1/outbox/export", "Quarantined messages as JSON", "integration"},
      {"GET", "/api/v1/actuals/reconciliation", "Ledger vs delivered vs ERP, per order",
       "integration"},
  };
  m.handle = [handler](const ApiRequest& r) { return handler->Handle(r); };
  return m;
}

}  // namespace gantry
