#include "field/opcua/chunk_assembler.h"

#include <fmt/format.h>

#include "field/opcua/decoder.h"

namespace gantry::opcua {
namespace {

// Legacy sequence numbers may wrap once they pass UInt32.Max - 1024, to a value under 1024.
constexpr uint32_t kWrapThreshold = 4'294'966'271u;
constexpr uint32_t kWrapLimit = 1024;

Result<TransportError> DecodeAbortBody(std::span<const uint8_t> body) {
  Decoder d(body);
  TransportError err;
  GANTRY_ASSIGN_OR_RETURN(err.error, d.ReadUInt32("abort Error"));
  GANTRY_ASSIGN_OR_RETURN(auto reason, d.ReadLengthPrefixed("abort Reason"));
  if (reason && reason->size() <= kMaxUrlOrReasonLength) err.reason = std::move(*reason);
  if (!d.AtEnd()) return d.Fail("abort chunk", fmt::format("{} bytes left over", d.remaining()));
  return err;
}

}  // namespace

Status ChunkAssembler::CheckSequence(uint32_t sequence_number) {
  if (last_sequence_) {
    const uint32_t last = *last_sequence_;
    const bool next = last != UINT32_MAX && sequence_number == last + 1;
    const bool wrapped = last > kWrapThreshold && sequence_number < kWrapLimit;
    if (!next && !wrapped) {
      return Malformed(
          fmt::format("sequence number {} after {}: expected {} (replayed, lost or "
                      "reordered chunk)",
                      sequence_number, last, static_cast<uint32_t>(last + 1)));
    }
  }
  last_sequence_ = sequence_number;
  return Status::Ok();
}

void ChunkAssembler::Drop(std::map<uint32_t, Partial>::iterator it) {
  buffered_bytes_ -= it->second.body.size();
  partial_.erase(it);
}

Result<std::optional<AssembledMessage>> ChunkAssembler::Add(SecureChunk chunk) {
  GANTRY_RETURN_IF_ERROR(CheckSequence(chunk.sequence_number));
  auto it = partial_.find(chunk.request_id);
  if (it != partial_.end() && it->second.type != chunk.type) {
    return Malformed(fmt::format("{} chunk continues request {} that began as {}",
                                 MessageTypeCode(chunk.type), chunk.request_id,
                                 MessageTypeCode(it->second.type)));
  }

  if (chunk.chunk_type == ChunkType::kAbort) {
    if (it != partial_.end()) Drop(it);
    GANTRY_ASSIGN_OR_RETURN(TransportError err, DecodeAbortBody(chunk.body));
    AssembledMessage m;
    m.type = chunk.type;
    m.request_id = chunk.request_id;
    m.aborted = std::move(err);
    return std::optional<AssembledMessage>(std::move(m));
  }

  // A single-chunk message needs no buffering.
  if (it == partial_.end() && chunk.chunk_type == ChunkType::kFinal) {
    if (chunk.body.size() > limits_.max_message_size) {
      return ResourceExhausted(
          fmt::format("message for request {} of {} bytes exceeds the limit of {}",
                      chunk.request_id, chunk.body.size(), limits_.max_message_size));
    }
    AssembledMessage m{chunk.type, chunk.request_id, std::move(chunk.body), std::nullopt};
    return std::optional<AssembledMessage>(std::move(m));
  }

  if (it == partial_.end()) {
    if (partial_.size() >= limits_.max_unfinished_messages) {
      return ResourceExhausted(
          fmt::format("request {} would be the {}th unfinished message; the limit is {}",
                      chunk.request_id, partial_.size() + 1, limits_.max_unfinished_messages));
    }
    it = partial_.emplace(chunk.request_id, Partial{chunk.type, {}, 0}).first;
  }
  Partial& p = it->second;
  const size_t new_size = p.body.size() + chunk.body.size();
  if (p.chunks + 1 > limits_.max_chunk_count) {
    const uint32_t count = p.chunks + 1;
    Drop(it);
    return ResourceExhausted(
        fmt::format("message for request {} reached {} chunks; the limit is {}", chunk.request_id,
                    count, limits_.max_chunk_count));
  }
  if (new_size > limits_.max_message_size) {
    Drop(it);
    return ResourceExhausted(fmt::format("message for request {} grew to {} bytes; the limit is {}",
                                         chunk.request_id, new_size, limits_.max_message_size));
  }
  if (buffered_bytes_ + chunk.body.size() > limits_.max_buffered_bytes) {
    Drop(it);
    return ResourceExhausted(fmt::format("unfinished messages would hold {} bytes; the limit is {}",
                                         buffered_bytes_ + chunk.body.size(),
                                         limits_.max_buffered_bytes));
  }
  p.body.insert(p.body.end(), chunk.body.begin(), chunk.body.end());
  ++p.chunks;
  buffered_bytes_ += chunk.body.size();
  if (chunk.chunk_type == ChunkType::kIntermediate) return std::optional<AssembledMessage>();

  AssembledMessage m{p.type, chunk.request_id, std::move(p.body), std::nullopt};
  p.body.clear();  // moved-from; keep the byte count consistent for Drop
  buffered_bytes_ -= m.body.size();
  partial_.erase(it);
  return std::optional<AssembledMessage>(std::move(m));
}

}  // namespace gantry::opcua
