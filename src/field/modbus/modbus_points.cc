#include "field/modbus/modbus_points.h"

namespace gantry::modbus {

PointPublisher::PointPublisher(const DeviceConfig& device, const std::vector<PlannedRead>& reads,
                               std::vector<TagId> tag_ids)
    : device_(device),
      reads_(reads),
      tag_ids_(std::move(tag_ids)),
      last_(device.points.size()),
      busy_streak_(reads.size(), 0) {
  tag_ids_.resize(device.points.size(), kInvalidTagId);
}

void PointPublisher::Offer(size_t point, Value value, Quality quality, Timestamp time,
                           std::vector<Sample>& out) {
  LastPublished& last = last_[point];
  if (!ShouldPublish(last, value, quality, device_.points[point].tag.deadband)) return;
  last.present = true;
  last.value = value;
  last.quality = quality;
  out.push_back(Sample{tag_ids_[point], time, std::move(value), quality});
}

std::vector<Sample> PointPublisher::OnRead(size_t read_index, const ReadResponse& response,
                                           Timestamp time) {
  std::vector<Sample> out;
  const PlannedRead& read = reads_[read_index];
  if (response.status == ReadStatus::kOk) {
    busy_streak_[read_index] = 0;
    const bool bits = IsBitTable(read.table);
    const size_t have = bits ? response.bits.size() : response.registers.size();
    for (const ServedPoint& sp : read.points) {
      const PointConfig& p = device_.points[sp.point];
      if (size_t{sp.index} + p.Width() > have) {
        Offer(sp.point, Value(), Quality::BadCommunicationError(), time, out);
        continue;
      }
      Value v = bits ? DecodeBit(response.bits[sp.index] != 0)
                     : DecodeRegisters(p, std::span<const uint16_t>(response.registers)
                                              .subspan(sp.index, p.Width()));
      Quality q = v.empty() ? Quality::BadOutOfRange() : Quality::Good();
      Offer(sp.point, std::move(v), q, time, out);
    }
    return out;
  }
  Quality q = FailureQuality(response.status);
  if (response.status == ReadStatus::kException) {
    q = ExceptionQuality(response.exception_code);
    if (IsBusyException(response.exception_code)) {
      if (++busy_streak_[read_index] <= kBusyRetries) return out;
      for (const ServedPoint& sp : read.points) {
        Offer(sp.point, !last_[sp.point].quality.IsBad() ? last_[sp.point].value : Value(), q,
              time, out);
      }
      return out;
    }
  }
  busy_streak_[read_index] = 0;
  for (const ServedPoint& sp : read.points) Offer(sp.point, Value(), q, time, out);
  return out;
}

std::vector<Sample> PointPublisher::OnDeviceDown(Quality quality, Timestamp time) {
  std::vector<Sample> out;
  for (size_t i = 0; i < last_.size(); ++i) Offer(i, Value(), quality, time, out);
  return out;
}

}  // namespace gantry::modbus
