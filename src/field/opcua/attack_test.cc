// One test per known attack on OPC UA stacks that applies to the encoding and transport layers:
// oversize messages, endless chunk streams, array lengths beyond the message, deep nesting and
// bad sequence numbers. (Nonce reuse belongs to the security layer, which is not built yet.)
#include <gtest/gtest.h>

#include "field/opcua/builtin_codec.h"
#include "field/opcua/chunk_assembler.h"
#include "field/opcua/service_header.h"
#include "field/opcua/test_bytes.h"
#include "field/opcua/transport.h"

namespace gantry::opcua {
namespace {

using testing::Hex;

SecureChunk Msg(uint32_t seq, uint32_t request, ChunkType type, size_t body_size) {
  SecureChunk c;
  c.type = MessageType::kMessage;
  c.chunk_type = type;
  c.sequence_number = seq;
  c.request_id = request;
  c.body.assign(body_size, 0x55);
  return c;
}

std::vector<uint8_t> Repeat(const std::vector<uint8_t>& piece, int times) {
  std::vector<uint8_t> out;
  for (int i = 0; i < times; ++i) out.insert(out.end(), piece.begin(), piece.end());
  return out;
}

// --- Oversize message -------------------------------------------------------------------------

TEST(OpcUaAttack, OversizeChunkHeaderIsRejectedBeforeBuffering) {
  ChunkFramer framer(65536);
  auto r = framer.Push(Hex("4D 53 47 46 FF FF FF FF"));  // a 4 GiB chunk
  EXPECT_EQ(r.status().code(), StatusCode::kMalformed);
  EXPECT_LE(framer.buffered(), kMessageHeaderSize);
}

TEST(OpcUaAttack, OversizeMessageAcrossChunksIsCutOffAtTheLimit) {
  AssemblyLimits limits;
  limits.max_message_size = 10'000;
  ChunkAssembler a(limits);
  uint32_t seq = 1;
  Status failure;
  for (int i = 0; i < 20 && failure.ok(); ++i) {
    auto r = a.Add(Msg(seq++, 1, ChunkType::kIntermediate, 1000));
    failure = r.status();
    EXPECT_LE(a.buffered_bytes(), limits.max_message_size);
  }
  EXPECT_EQ(failure.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(failure.message(), "message for request 1 grew to 11000 bytes; the limit is 10000");
  EXPECT_EQ(a.buffered_bytes(), 0u);  // the partial message is released
}

TEST(OpcUaAttack, OversizeBodyIsRefusedByTheDecoder) {
  DecodeLimits limits;
  limits.max_message_size = 64;
  std::vector<uint8_t> body(65, 0);
  Decoder d(body, limits);
  auto r = d.ReadByte("first byte");
  EXPECT_EQ(r.status().message(), "message of 65 bytes exceeds the limit of 64 bytes");
}

// --- Endless chunk stream ---------------------------------------------------------------------

TEST(OpcUaAttack, EndlessIntermediateChunksStopAtTheChunkCount) {
  AssemblyLimits limits;
  limits.max_chunk_count = 100;
  ChunkAssembler a(limits);
  uint32_t seq = 1;
  int accepted = 0;
  for (;; ++accepted) {
    auto r = a.Add(Msg(seq++, 7, ChunkType::kIntermediate, 1));
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
      EXPECT_EQ(r.status().message(), "message for request 7 reached 101 chunks; the limit is 100");
      break;
    }
    ASSERT_LT(accepted, 1000) << "the assembler never gave up";
  }
  EXPECT_EQ(accepted, 100);
  EXPECT_EQ(a.buffered_bytes(), 0u);
}

TEST(OpcUaAttack, ManyUnfinishedRequestsCannotPinMemory) {
  AssemblyLimits limits;
  limits.max_unfinished_messages = 4;
  limits.max_buffered_bytes = 3000;
  ChunkAssembler a(limits);
  uint32_t seq = 1;
  for (uint32_t request = 1; request <= 3; ++request) {
    ASSERT_TRUE(a.Add(Msg(seq++, request, ChunkType::kIntermediate, 900)).ok());
  }
  // A fourth message would exceed the byte budget although the count allows it.
  EXPECT_EQ(a.Add(Msg(seq++, 4, ChunkType::kIntermediate, 900)).status().code(),
            StatusCode::kResourceExhausted);
  ChunkAssembler b(limits);
  seq = 1;
  for (uint32_t request = 1; request <= 4; ++request) {
    ASSERT_TRUE(b.Add(Msg(seq++, request, ChunkType::kIntermediate, 1)).ok());
  }
  EXPECT_EQ(b.Add(Msg(seq++, 5, ChunkType::kIntermediate, 1)).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(b.unfinished_messages(), 4u);
}

TEST(OpcUaAttack, EndlessByteStreamWithoutAHeaderEndIsBounded) {
  // A peer that trickles one chunk forever: the framer holds at most that one chunk.
  ChunkFramer framer(8192);
  ASSERT_TRUE(framer.Push(Hex("4D 53 47 43 00 20 00 00")).ok());  // 8192-byte chunk announced
  std::vector<uint8_t> trickle(100, 0x41);
  for (int i = 0; i < 81; ++i) ASSERT_TRUE(framer.Push(trickle).ok());
  EXPECT_LE(framer.buffered(), 8192u);
}

// --- Array length beyond the message ----------------------------------------------------------

TEST(OpcUaAttack, ArrayLengthBeyondTheMessageFailsWithoutAllocating) {
  // Variant Int32 array claiming 2^31-1 elements, 4 bytes present.
  const auto bytes = Hex("86 FF FF FF 7F 01 00 00 00");
  Decoder d(bytes);
  auto r = DecodeVariant(d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "Variant array length at byte 1: array length 2147483647 exceeds the limit of 1048576 "
            "elements");
  DecodeLimits generous;
  generous.max_array_length = 0x7FFFFFFF;
  Decoder d2(bytes, generous);
  EXPECT_EQ(DecodeVariant(d2).status().message(),
            "Variant array length at byte 1: array length 2147483647 but only 4 bytes left");
}

TEST(OpcUaAttack, StringLengthBeyondTheMessageFails) {
  const auto bytes = Hex("0C 00 00 00 10 41 42");  // String of 2^28 bytes, 2 present
  Decoder d(bytes);
  auto r = DecodeVariant(d);
  EXPECT_EQ(r.status().code(), StatusCode::kMalformed);
  EXPECT_NE(r.status().message().find("String at byte 1"), std::string::npos)
      << r.status().message();
  const auto negative = Hex("0C FE FF FF FF");
  Decoder d2(negative);
  EXPECT_NE(DecodeVariant(d2).status().message().find("negative length -2"), std::string::npos);
}

TEST(OpcUaAttack, SmallMessageCannotExpandPastTheMemoryBudget) {
  // 200 000 one-byte Booleans fit the wire, but would take ~20 MB as decoded values.
  std::vector<uint8_t> bytes = Hex("81 40 0D 03 00");
  bytes.resize(bytes.size() + 200'000, 1);
  DecodeLimits limits;
  limits.max_decoded_bytes = 1u << 20;
  Decoder d(bytes, limits);
  auto r = DecodeVariant(d);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST(OpcUaAttack, ServiceArrayLengthBeyondTheMessageFails) {
  // ResponseHeader whose StringTable claims 1000 strings with none present.
  const auto bytes = Hex("00 00 00 00 00 00 00 00  01 00 00 00  00 00 00 00  00  E8 03 00 00");
  Decoder d(bytes);
  auto r = DecodeResponseHeader(d);
  EXPECT_EQ(r.status().message(),
            "ResponseHeader StringTable at byte 17: array length 1000 but only 0 bytes left");
}

// --- Deep nesting -----------------------------------------------------------------------------

TEST(OpcUaAttack, VariantNestingStopsAtOneHundredLevels) {
  const auto level = Hex("98 01 00 00 00");  // array of one Variant
  const auto leaf = Hex("06 2A 00 00 00");
  auto ok = Repeat(level, 99);
  ok.insert(ok.end(), leaf.begin(), leaf.end());
  Decoder d(ok);
  EXPECT_TRUE(DecodeVariant(d).ok());  // 100 levels

  auto deep = Repeat(level, 100);
  deep.insert(deep.end(), leaf.begin(), leaf.end());
  Decoder d2(deep);
  auto r = DecodeVariant(d2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nesting deeper than 100 levels"), std::string::npos);
}

TEST(OpcUaAttack, HugeNestingClaimFailsCleanly) {
  // 100 000 levels: the limit stops recursion long before the stack is at risk.
  auto deep = Repeat(Hex("98 01 00 00 00"), 100'000);
  Decoder d(deep);
  EXPECT_EQ(DecodeVariant(d).status().code(), StatusCode::kMalformed);
}

TEST(OpcUaAttack, DiagnosticInfoAndDataValueNestingAreLimited) {
  auto chain = Repeat(Hex("40"), 200);  // InnerDiagnosticInfo, 200 deep
  chain.push_back(0);
  Decoder d(chain);
  EXPECT_NE(DecodeDiagnosticInfo(d).status().message().find("nesting deeper than 100 levels"),
            std::string::npos);
  // DataValue holding a Variant holding a DataValue ...
  auto dv = Repeat(Hex("01 17"), 200);
  dv.push_back(0);
  Decoder d2(dv);
  EXPECT_NE(DecodeDataValue(d2).status().message().find("nesting deeper than 100 levels"),
            std::string::npos);
}

// --- Bad sequence numbers ---------------------------------------------------------------------

TEST(OpcUaAttack, ReplayedChunkIsRejected) {
  ChunkAssembler a;
  ASSERT_TRUE(a.Add(Msg(41, 1, ChunkType::kFinal, 4)).ok());
  auto r = a.Add(Msg(41, 1, ChunkType::kFinal, 4));
  EXPECT_EQ(r.status().message(),
            "sequence number 41 after 41: expected 42 (replayed, lost or reordered chunk)");
}

TEST(OpcUaAttack, SkippedAndBackwardSequenceNumbersAreRejected) {
  ChunkAssembler gap;
  ASSERT_TRUE(gap.Add(Msg(10, 1, ChunkType::kFinal, 1)).ok());
  EXPECT_EQ(gap.Add(Msg(12, 2, ChunkType::kFinal, 1)).status().code(), StatusCode::kMalformed);
  ChunkAssembler back;
  ASSERT_TRUE(back.Add(Msg(10, 1, ChunkType::kFinal, 1)).ok());
  EXPECT_EQ(back.Add(Msg(9, 2, ChunkType::kFinal, 1)).status().code(), StatusCode::kMalformed);
  // After a reconnect the sequence may start afresh.
  back.ForgetSequence();
  EXPECT_TRUE(back.Add(Msg(500, 3, ChunkType::kFinal, 1)).ok());
}

TEST(OpcUaAttack, SequenceCannotWrapEarly) {
  ChunkAssembler a;
  ASSERT_TRUE(a.Add(Msg(UINT32_MAX, 1, ChunkType::kFinal, 1)).ok());
  EXPECT_TRUE(a.Add(Msg(0, 2, ChunkType::kFinal, 1)).ok());  // legal wrap
  ChunkAssembler b;
  ASSERT_TRUE(b.Add(Msg(4'000'000'000u, 1, ChunkType::kFinal, 1)).ok());
  EXPECT_FALSE(b.Add(Msg(0, 2, ChunkType::kFinal, 1)).ok());
}

}  // namespace
}  // namespace gantry::opcua
