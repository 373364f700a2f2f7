// From the data changes of an OPC UA subscription to the samples of a device's tags: the
// configured type and scaling applied, the server's status code kept as the quality, the source
// timestamp as the sample time (server timestamp when the source gave none), and exactly one Bad
// sample per tag while the device is unreachable.
//
//   PointSamples points(device, tag_ids);
//   batch.push_back(points.OnDataChange(handle, data_value, clock.Now()));
//   batch = points.OnDeviceDown(Quality::BadNotConnected(), clock.Now());
#pragma once

#include <optional>
#include <vector>

#include "core/sample.h"
#include "field/opcua/opcua_config.h"
#include "field/opcua/types.h"

namespace gantry::opcua {

// The engineering value of `raw` for `point` (type, scaling), or nullopt when it cannot be one
// (a string for a double tag, a fraction for an int64 tag, ...).
std::optional<Value> ToEngineering(const OpcUaPoint& point, const Value& raw);
// The raw value to write for engineering value `value` as built-in `type` (the node's DataType);
// InvalidArgument when it does not fit (out of range, wrong kind).
Result<Variant> ToWireValue(const OpcUaPoint& point, const Value& value, BuiltinType type);

// Owned by one device thread; not thread-safe. Borrows `device`, which must outlive it.
class PointSamples {
 public:
  // `tag_ids` is parallel to device.points.
  PointSamples(const OpcUaDeviceConfig& device, std::vector<TagId> tag_ids);

  // The sample for point `index` (the monitored item's client handle) from one notification:
  // time = source timestamp, server_time = the server's.
  Sample OnDataChange(size_t index, const DataValue& value, Timestamp received_at);
  // A sample with `quality` and no value for point `index` (a node that does not resolve or
  // cannot be monitored); nothing when the point already has that quality.
  std::optional<Sample> OnPointBad(size_t index, Quality quality, Timestamp time);
  // One sample with `quality` for every point not already at it: the device is unreachable.
  std::vector<Sample> OnDeviceDown(Quality quality, Timestamp time);

  size_t size() const { return tag_ids_.size(); }

 private:
  const OpcUaDeviceConfig& device_;
  std::vector<TagId> tag_ids_;
  std::vector<std::optional<Quality>> last_quality_;  // nullopt: nothing published yet
};

}  // namespace gantry::opcua
