// Turns the outcome of each read into the samples worth publishing: decoded values with Good
// quality, the quality a failure maps to, and report-by-exception (deadband, quality changes) so
// that a device that stays down produces one Bad sample per point, not one per poll.
//
//   PointPublisher pub(device, reads, tag_ids);
//   std::vector<Sample> batch = pub.OnRead(i, link.Read(req), clock.Now());
//   batch = pub.OnDeviceDown(Quality::BadNotConnected(), clock.Now());
#pragma once

#include <cstdint>
#include <vector>

#include "core/sample.h"
#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_config.h"
#include "field/modbus/modbus_planner.h"
#include "field/modbus/modbus_response.h"

namespace gantry::modbus {

// Busy exceptions (05/06) in a row that keep the previous value silently; after that the points
// go UncertainLastUsableValue.
inline constexpr int kBusyRetries = 3;

// Owned by one device thread; not thread-safe. Borrows `device` and `reads`, which must outlive it.
class PointPublisher {
 public:
  // `tag_ids` is parallel to device.points.
  PointPublisher(const DeviceConfig& device, const std::vector<PlannedRead>& reads,
                 std::vector<TagId> tag_ids);

  // Samples for the points served by reads[read_index] after `response` arrived at `time`:
  // values decoded and filtered by deadband when OK; the mapped quality (empty value) on an
  // exception, timeout or malformed answer, published only when a point's quality changes.
  std::vector<Sample> OnRead(size_t read_index, const ReadResponse& response, Timestamp time);

  // One sample with `quality` (and no value) for every point not already at that quality: the
  // device as a whole is unreachable. Forgets the raw words of every read.
  std::vector<Sample> OnDeviceDown(Quality quality, Timestamp time);

  // reads[read_index] has just been replaced by two reads (at read_index and read_index + 1,
  // modbus::SplitRead): the per-read state follows; both halves start afresh.
  void OnReadSplit(size_t read_index);

  // What was last published for point i (for tests and health).
  const LastPublished& Last(size_t point) const { return last_[point]; }

 private:
  void Offer(size_t point, Value value, Quality quality, Timestamp time, std::vector<Sample>& out);

  const DeviceConfig& device_;
  const std::vector<PlannedRead>& reads_;
  std::vector<TagId> tag_ids_;
  std::vector<LastPublished> last_;  // per point
  std::vector<int> busy_streak_;     // per read
  // Per read: the last good response's raw words/bits. A point whose raw words did not change
  // since then cannot publish anything new, so it is not decoded again (the common case on a
  // steady line). Invalid after any failure, so that recovery always republishes.
  std::vector<std::vector<uint16_t>> raw_registers_;
  std::vector<std::vector<uint8_t>> raw_bits_;
  std::vector<bool> raw_valid_;
};

}  // namespace gantry::modbus
