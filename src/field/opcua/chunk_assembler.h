// Reassembles Secure Conversation chunks into messages (IEC 62541-6 §6.7.2-6.7.3), with the
// limits that keep a hostile peer from exhausting memory: a maximum message size, a maximum
// chunk count, a cap on messages in progress and on the bytes they hold, and sequence numbers
// that must rise by exactly one per chunk. Abort chunks discard their message.
//
//   ChunkAssembler assembler({.max_message_size = limits.max_response_size});
//   GANTRY_ASSIGN_OR_RETURN(auto message, assembler.Add(std::move(chunk)));
//   if (message) Dispatch(message->request_id, message->body);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/status.h"
#include "field/opcua/secure_chunk.h"

namespace gantry::opcua {

struct AssemblyLimits {
  uint32_t max_message_size = 16u << 20;  // body bytes of one message
  uint32_t max_chunk_count = 4096;        // chunks of one message
  // Part 6 has the chunks of one message sent one after another, so one message in progress is
  // normal; a few are tolerated, more is an attack.
  uint32_t max_unfinished_messages = 4;
  // Body bytes held for all unfinished messages together.
  size_t max_buffered_bytes = 16u << 20;
};

// A complete message, or the abort that replaced it.
struct AssembledMessage {
  MessageType type = MessageType::kMessage;
  uint32_t request_id = 0;
  std::vector<uint8_t> body;              // empty when aborted
  std::optional<TransportError> aborted;  // the sender's reason, for an 'A' chunk
};

// Owned by the connection's reader; not thread-safe.
class ChunkAssembler {
 public:
  explicit ChunkAssembler(AssemblyLimits limits = AssemblyLimits{}) : limits_(limits) {}

  // Takes the next chunk received on the channel. Returns the message it completes, nullopt
  // while a message is unfinished. Any error means the channel can no longer be trusted and must
  // be closed: a sequence number that is not the previous one plus one (legacy wrap-around
  // allowed), a limit exceeded, an abort body that does not decode, a chunk of another type
  // continuing a request.
  Result<std::optional<AssembledMessage>> Add(SecureChunk chunk);

  // After a reconnect the sequence may restart anywhere (Part 6 §6.7.2.4).
  void ForgetSequence() { last_sequence_.reset(); }
  size_t buffered_bytes() const { return buffered_bytes_; }
  size_t unfinished_messages() const { return partial_.size(); }

 private:
  struct Partial {
    MessageType type;
    std::vector<uint8_t> body;
    uint32_t chunks = 0;
  };

  Status CheckSequence(uint32_t sequence_number);
  void Drop(std::map<uint32_t, Partial>::iterator it);

  AssemblyLimits limits_;
  std::optional<uint32_t> last_sequence_;
  std::map<uint32_t, Partial> partial_;  // by request id
  size_t buffered_bytes_ = 0;
};

}  // namespace gantry::opcua
