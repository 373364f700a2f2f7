// The seam between the field layer and the data layer: connectors hand batches of samples to a
// SampleSink (in production, the tag bus) without knowing what is behind it.
#pragma once

#include <vector>

#include "core/sample.h"

namespace gantry {

class SampleSink {
 public:
  virtual ~SampleSink() = default;
  // Takes ownership of a batch. Must not block for long: implementations queue, count and report
  // overflow rather than stall the caller. Thread-safe.
  virtual void Publish(std::vector<Sample> batch) = 0;
};

}  // namespace gantry
