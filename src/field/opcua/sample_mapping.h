// From an OPC UA DataValue to a Gantry Sample: the server's status code becomes the quality
// unchanged (Quality holds OPC UA codes), the source timestamp becomes the sample time (the
// server timestamp when the source gave none, else the time of receipt), the server timestamp
// is kept as the sample's server_time, and the value maps to Gantry's value types.
//
//   Sample s = ToSample(tag, data_value, clock.Now());
#pragma once

#include "core/sample.h"
#include "field/opcua/types.h"

namespace gantry::opcua {

// A source or server timestamp of 0, the largest DateTime, or one a Timestamp cannot hold
// (before 1678, after 2261) counts as absent.
// Booleans -> bool; integers (and StatusCode) -> int64, UInt64 above INT64_MAX -> double;
// Float/Double -> double; String and LocalizedText -> string; DateTime -> int64 ns since 1970.
// Other types and arrays give an empty value with quality BadTypeMismatch; a DataValue without
// a value gives an empty value, and a Good status then becomes Bad.
Sample ToSample(TagId tag, const DataValue& value, Timestamp received_at);

}  // namespace gantry::opcua
