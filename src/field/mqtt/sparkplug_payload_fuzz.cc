// Fuzz target: Sparkplug B payloads from the wire. Decoding never crashes, never allocates beyond
// its limits, and whatever decodes re-encodes to bytes that decode to the same payload and encode
// to the same bytes again (the encoder is deterministic). Seed corpus:
// tests/fuzz/corpus/sparkplug_payload_fuzz (births, data, data sets, templates from Tahu's codec).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "field/mqtt/sparkplug_payload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gantry::sparkplug;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  gantry::Result<Payload> first = DecodePayload(bytes);
  if (!first.ok()) return 0;
  const std::string once = EncodePayload(*first);
  gantry::Result<Payload> second = DecodePayload(once);
  if (!second.ok()) abort();  // our own encoding must decode
  const std::string twice = EncodePayload(*second);
  if (once != twice) abort();
  return 0;
}
