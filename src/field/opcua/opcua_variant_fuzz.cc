// libFuzzer target: the Variant decoder (and through it every built-in type, DataValue and
// DiagnosticInfo). Whatever decodes must re-encode, decode again and re-encode to the same bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "field/opcua/builtin_codec.h"

using namespace gantry::opcua;

namespace {

[[noreturn]] void Die(const char* what, const gantry::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Decoder d(std::span<const uint8_t>(data, size));
  auto v = DecodeVariant(d);
  if (!v.ok()) return 0;
  Encoder e1;
  if (auto s = Encode(e1, *v); !s.ok()) Die("re-encoding a decoded Variant failed", s);
  Decoder d2(e1.bytes());
  auto v2 = DecodeVariant(d2);
  if (!v2.ok()) Die("decoding our own encoding failed", v2.status());
  if (!d2.AtEnd()) Die("our encoding has trailing bytes", gantry::Status::Ok());
  Encoder e2;
  if (auto s = Encode(e2, *v2); !s.ok()) Die("second re-encoding failed", s);
  if (e1.bytes() != e2.bytes())
    Die("encoding is not stable across a round trip", gantry::Status::Ok());
  return 0;
}
