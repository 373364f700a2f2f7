// libFuzzer target: the log reader (record framing) and the sample-batch decoder must accept or
// reject any bytes without crashing or reading out of bounds; an accepted batch must re-encode
// to the same samples (times and server times compared).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "data/historian/log_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gantry::historian;
  std::span<const uint8_t> bytes(data, size);
  (void)DecodeLogHeader(bytes, kWalMagic);
  LogScan scan = ScanRecords(bytes, 0);
  if (scan.valid_end > size) std::abort();
  for (const LogRecord& rec : scan.records) {
    auto batch = DecodeSampleBatch(rec.payload);
    if (!batch.ok()) continue;
    std::vector<SeriesId> series;
    for (const auto& s : batch->samples) series.push_back(s.tag);
    ByteWriter w;
    EncodeSampleBatch(batch->lsn, batch->samples, series, w);
    auto again = DecodeSampleBatch(w.bytes());
    if (!again.ok() || again->samples.size() != batch->samples.size()) std::abort();
    for (size_t i = 0; i < batch->samples.size(); ++i) {
      if (again->samples[i].time != batch->samples[i].time ||
          again->samples[i].server_time != batch->samples[i].server_time) {
        std::abort();
      }
    }
  }
  auto direct = DecodeSampleBatch(bytes);
  (void)direct;
  return 0;
}
