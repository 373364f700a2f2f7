// JSON forms of KPI totals shared by the replay report and the API answers. Includes
// nlohmann/json: include only from .cc files that build JSON (STYLE.md habit 10).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "context/kpi.h"

namespace gantry::ctx {

using Json = nlohmann::ordered_json;

// Seconds as a double (exact for whole milliseconds).
double Seconds(Duration d);
// A ratio rounded to 6 decimals, or null when undefined.
Json Ratio(std::optional<double> v);
// Every ISO 22400 time and quantity (seconds, units) and A / E / QR / OEE, in a fixed key order.
Json KpiJson(const KpiTotals& t);

}  // namespace gantry::ctx
