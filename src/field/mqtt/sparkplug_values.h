// From a Sparkplug metric to a Gantry value for one tag: the metric's datatype says how to read
// its wire value (signed 8/16/32-bit integers travel as uint32, UInt32 in either value field),
// then the tag's type and scaling apply, as for the other connectors.
//
//   auto [value, quality] = MetricToValue(metric, datatype, tag_config);
#pragma once

#include <utility>

#include "core/quality.h"
#include "core/sample.h"
#include "core/status.h"
#include "core/tag.h"
#include "field/mqtt/sparkplug_payload.h"

namespace gantry::sparkplug {

// The metric's own value: Int8..Int64, UInt8..UInt64 (above 2^63-1 as double), DateTime (ns since
// 1970) -> int64; Float/Double -> double; Boolean -> bool; String/Text/UUID -> string.
// Empty for is_null, DataSet, Template, Bytes, arrays and a value field that does not fit the
// datatype. `datatype` is the metric's (or its birth's when a DATA message omits it).
Value NaturalValue(const Metric& metric, uint32_t datatype);

// The value published for `tag`: converted to tag.type (scaled when numeric); Quality Good, or an
// empty value with BadTypeMismatch when it does not convert, Bad for is_null.
std::pair<Value, Quality> MetricToValue(const Metric& metric, uint32_t datatype,
                                        const TagConfig& tag);

// Converts `v` to `tag.type` with its scaling; BadTypeMismatch (empty) when impossible.
std::pair<Value, Quality> ConvertForTag(const Value& v, const TagConfig& tag);

// The metric value of a write (DCMD/NCMD): `engineering` unscaled with tag.scaling, then
// range-checked and encoded for `datatype` (the birth's): Int8..UInt64 need an integral value in
// the type's range, Float a finite value within its range, Boolean a bool (or 0/1), String/Text a
// string. InvalidArgument naming the tag, the datatype and the range otherwise; datatypes Gantry
// does not write (DateTime, UUID, DataSet, arrays, ...) are InvalidArgument too.
Result<Metric> MetricForWrite(const Value& engineering, uint32_t datatype, const TagConfig& tag);

}  // namespace gantry::sparkplug
