// A production order as the enterprise layer sees it: what the ERP asked the shop floor to make,
// independent of where it came from (REST JSON, B2MML, Tryton). Plain data plus JSON
// (de)serialisation whose errors name the field. The operations layer will map these later.
//
//   GANTRY_ASSIGN_OR_RETURN(ProductionOrder o, OrderFromJson(R"({"external_id":"4711",...})"));
//   std::string json = OrderToJson(o);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace gantry::enterprise {

enum class OrderState : uint8_t { kDraft, kReleased, kRunning, kCompleted, kCancelled };
// "draft", "released", "running", "completed", "cancelled".
std::string_view OrderStateName(OrderState s);
// Inverse of OrderStateName; InvalidArgument names the text and the accepted values.
Result<OrderState> ParseOrderState(std::string_view text);

// One bill-of-materials line: material consumed for the whole order quantity.
struct BomLine {
  std::string material;           // material (product) code, e.g. "RM-STEEL"
  double planned_quantity = 0.0;  // for the order's full quantity, > 0
  std::string unit;               // e.g. "kg"
  // Cost per unit of the material as the ERP prices it (Tryton's product cost_price); nullopt
  // when the ERP gave none. Used for material cost only when costs.materials has no standard
  // cost for the material (configuration wins).
  std::optional<double> unit_cost = std::nullopt;
  friend bool operator==(const BomLine&, const BomLine&) = default;
};

struct ProductionOrder {
  std::string source;       // where it came from: "rest", "b2mml", "tryton", ...
  std::string external_id;  // the ERP's id of the order, unique within source
  std::string product;      // product code to make, e.g. "FG-WIDGET"
  double quantity = 0.0;    // ordered good quantity, > 0
  std::string unit;         // e.g. "pc"
  Timestamp due = 0;        // planned end (UTC ns); 0 when the ERP gave none
  std::string
      work_centre;  // ISA-95 path of the line or cell ("acme/plant1/assembly/line1"); may be empty
  Duration ideal_cycle_time = 0;  // per unit; 0 when unknown
  std::vector<BomLine> bom;
  OrderState state = OrderState::kDraft;
  int64_t version = 1;  // grows with every change the ERP makes to the order

  // "source:external_id": the order's identity in Gantry (outbox order key, reconciliation).
  std::string Key() const { return source + ":" + external_id; }
  friend bool operator==(const ProductionOrder&, const ProductionOrder&) = default;
};

// Checks the invariants above; InvalidArgument names the first offending field
// (e.g. "order 4711: bom[1].planned_quantity must be > 0, got -2").
Status ValidateOrder(const ProductionOrder& o);

// Parses one order from JSON (schema in docs/enterprise.md). Required: external_id, product,
// quantity, unit. Optional: source (default "rest"), due (ISO 8601 or epoch), work_centre,
// ideal_cycle_time ("2.5s" or seconds as a number) or rate_per_hour, bom [{material, quantity,
// unit}], state (default "released"), version. Unknown fields are rejected so that a typo is not
// silently ignored. Errors name the field path.
Result<ProductionOrder> OrderFromJson(std::string_view json);

// The same schema; due and ideal_cycle_time are written as ISO 8601 text and seconds.
std::string OrderToJson(const ProductionOrder& o);

}  // namespace gantry::enterprise
