#include "field/modbus/modbus_points.h"

#include <algorithm>

namespace gantry::modbus {

PointPublisher::PointPublisher(const DeviceConfig& device, const std::vector<PlannedRead>& reads,
                               std::vector<TagId> tag_ids)
    : device_(device),
      reads_(reads),
      tag_ids_(std::move(tag_ids)),
      last_(device.points.size()),
      busy_streak_(reads.size(), 0),
      raw_registers_(reads.size()),
      raw_bits_(reads.size()),
      raw_valid_(reads.size(), false) {
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
    std::vector<uint16_t>& old_regs = raw_registers_[read_index];
    std::vector<uint8_t>& old_bits = raw_bits_[read_index];
    const bool comparable =
        raw_valid_[read_index] && (bits ? old_bits.size() == have : old_regs.size() == have);
    // A steady line: nothing in the whole answer changed, so nothing can be published.
    if (comparable && (bits ? old_bits == response.bits : old_regs == response.registers)) {
      return out;
    }
    for (const ServedPoint& sp : read.points) {
      const PointConfig& p = device_.points[sp.point];
      if (size_t{sp.index} + p.Width() > have) {
        Offer(sp.point, Value(), Quality::BadCommunicationError(), time, out);
        continue;
      }
      if (comparable) {
        const bool same =
            bits ? old_bits[sp.index] == response.bits[sp.index]
                 : std::equal(old_regs.begin() + sp.index, old_regs.begin() + sp.index + p.Width(),
                              response.registers.begin() + sp.index);
        if (same) continue;
      }
      Value v =
          bits ? DecodeBit(response.bits[sp.index] != 0)
               : DecodeRegisters(
                     p, std::span<const uint16_t>(response.registers).subspan(sp.index, p.Width()));
      Quality q = v.empty() ? Quality::BadOutOfRange() : Quality::Good();
      Offer(sp.point, std::move(v), q, time, out);
    }
    if (bits) {
      old_bits.assign(response.bits.begin(), response.bits.end());
    } else {
      old_regs.assign(response.registers.begin(), response.registers.end());
    }
    raw_valid_[read_index] = true;
    return out;
  }
  raw_valid_[read_index] = false;
  Quality q = FailureQuality(response.status);
  if (response.status == ReadStatus::kException) {
    q = ExceptionQuality(response.exception_code);
    if (IsBusyException(response.exception_code)) {
      if (++busy_streak_[read_index] <= kBusyRetries) return out;
      for (const ServedPoint& sp : read.points) {
        Offer(sp.point, !last_[sp.point].quality.IsBad() ? last_[sp.point].value : Value(), q, time,
              out);
      }
      return out;
    }
  }
  busy_streak_[read_index] = 0;
  for (const ServedPoint& sp : read.points) Offer(sp.point, Value(), q, time, out);
  return out;
}

void PointPublisher::OnReadSplit(size_t read_index) {
  const auto at = static_cast<std::ptrdiff_t>(read_index + 1);
  busy_streak_.insert(busy_streak_.begin() + at, 0);
  raw_registers_.insert(raw_registers_.begin() + at, std::vector<uint16_t>());
  raw_bits_.insert(raw_bits_.begin() + at, std::vector<uint8_t>());
  raw_valid_.insert(raw_valid_.begin() + at, false);
  raw_valid_[read_index] = false;
  busy_streak_[read_index] = 0;
}

std::vector<Sample> PointPublisher::OnDeviceDown(Quality quality, Timestamp time) {
  std::vector<Sample> out;
  raw_valid_.assign(raw_valid_.size(), false);
  for (size_t i = 0; i < last_.size(); ++i) Offer(i, Value(), quality, time, out);
  return out;
}

}  // namespace gantry::modbus
