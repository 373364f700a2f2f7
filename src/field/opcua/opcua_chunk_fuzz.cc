// libFuzzer target: the stream framer and chunk assembler fed an arbitrary byte stream, cut into
// reads of varying size. Checks that memory stays within the limits whatever arrives, that every
// chunk re-encodes to its own bytes, and that assembled messages respect the size limit.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "field/opcua/chunk_assembler.h"
#include "field/opcua/transport.h"

using namespace gantry::opcua;

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

constexpr uint32_t kMaxChunk = 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte chooses how the stream is cut into reads (1..32 bytes each).
  const size_t read_size = 1 + (data[0] % 32);
  std::span<const uint8_t> stream(data + 1, size - 1);
  ChunkFramer framer(kMaxChunk);
  AssemblyLimits limits;
  limits.max_message_size = 4096;
  limits.max_chunk_count = 16;
  limits.max_unfinished_messages = 2;
  limits.max_buffered_bytes = 6000;
  ChunkAssembler assembler(limits);
  while (!stream.empty()) {
    const size_t n = std::min(read_size, stream.size());
    auto chunks = framer.Push(stream.first(n));
    stream = stream.subspan(n);
    if (!chunks.ok()) return 0;
    if (framer.buffered() > kMaxChunk) Die("framer buffered more than one chunk");
    for (const auto& bytes : *chunks) {
      if (bytes.size() > kMaxChunk) Die("framer returned an oversize chunk");
      auto chunk = DecodeSecureChunk(bytes);
      if (!chunk.ok()) continue;
      auto again = EncodeSecureChunk(*chunk);
      if (!again.ok() || *again != bytes) Die("chunk round trip differs");
      auto message = assembler.Add(std::move(*chunk));
      if (assembler.buffered_bytes() > limits.max_buffered_bytes)
        Die("assembler over its byte budget");
      if (assembler.unfinished_messages() > limits.max_unfinished_messages)
        Die("too many unfinished");
      if (!message.ok()) return 0;
      if (*message && (*message)->body.size() > limits.max_message_size) Die("oversize message");
    }
  }
  return 0;
}
