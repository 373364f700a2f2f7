// libFuzzer target: `gantry replay --samples` input. ParseSamplesCsv must accept or reject any
// bytes without crashing, every sample must name one of the interned paths, and the fast ISO 8601
// path must agree with ParseTimestamp on every text it accepts (differential).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "context/samples_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gantry;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<ctx::SampleTable> table = ctx::ParseSamplesCsv(text);
  if (table.ok())
    for (const Sample& s : table->samples)
      if (s.tag >= table->paths.size()) std::abort();
  // Every line and every field as a timestamp.
  ctx::IsoDayCache cache;
  size_t start = 0;
  for (size_t i = 0; i <= size; ++i) {
    if (i < size && text[i] != '\n' && text[i] != ',') continue;
    const std::string_view field = text.substr(start, i - start);
    start = i + 1;
    std::optional<Timestamp> fast = ctx::ParseIsoUtcFast(field, cache);
    if (!fast) continue;
    Result<Timestamp> general = ParseTimestamp(field);
    if (!general.ok() || *general != *fast) std::abort();
  }
  return 0;
}
