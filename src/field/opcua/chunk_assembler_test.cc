// Secure Conversation chunks: their byte layout, splitting, and reassembly with its limits.
#include "field/opcua/chunk_assembler.h"

#include <gtest/gtest.h>

#include "field/opcua/test_bytes.h"

namespace gantry::opcua {
namespace {

using testing::Hex;

SecureChunk Msg(uint32_t seq, uint32_t request, ChunkType type, std::vector<uint8_t> body) {
  SecureChunk c;
  c.type = MessageType::kMessage;
  c.chunk_type = type;
  c.secure_channel_id = 7;
  c.token_id = 1;
  c.sequence_number = seq;
  c.request_id = request;
  c.body = std::move(body);
  return c;
}

TEST(SecureChunk, SymmetricByteLayout) {
  auto bytes = EncodeSecureChunk(Msg(51, 2, ChunkType::kFinal, {0xAA}));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes,
            Hex("4D 53 47 46 19 00 00 00  07 00 00 00  01 00 00 00  33 00 00 00  02 00 00 00  AA"));
  auto back = DecodeSecureChunk(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Msg(51, 2, ChunkType::kFinal, {0xAA}));
}

TEST(SecureChunk, OpenSecureChannelCarriesPolicyUri) {
  SecureChunk opn;
  opn.type = MessageType::kOpenSecureChannel;
  opn.asymmetric.security_policy_uri = String::Of(kSecurityPolicyNone);
  opn.sequence_number = 1;
  opn.request_id = 1;
  opn.body = {1, 2, 3};
  auto bytes = EncodeSecureChunk(opn);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), SecureChunkOverhead(opn) + 3);
  auto back = DecodeSecureChunk(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, opn);
  EXPECT_TRUE(back->asymmetric.sender_certificate.is_null());
}

TEST(SecureChunk, TruncatedHeadersAndTransportTypesAreMalformed) {
  auto bytes = EncodeSecureChunk(Msg(1, 1, ChunkType::kFinal, {}));
  ASSERT_TRUE(bytes.ok());
  for (size_t cut = 8; cut < bytes->size(); ++cut) {
    std::vector<uint8_t> b(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(cut));
    b[4] = static_cast<uint8_t>(cut);  // header agrees with the truncated size
    EXPECT_EQ(DecodeSecureChunk(b).status().code(), StatusCode::kMalformed) << cut;
  }
  EXPECT_FALSE(DecodeSecureChunk(EncodeAcknowledge({})).ok());
}

TEST(SecureChunk, SplitNumbersChunksAndMarksTheLast) {
  std::vector<uint8_t> body(100);
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<uint8_t>(i);
  auto chunks = SplitMessage(Msg(10, 3, ChunkType::kFinal, {}), body, 24 + 40);
  ASSERT_TRUE(chunks.ok());
  ASSERT_EQ(chunks->size(), 3u);
  EXPECT_EQ((*chunks)[0].chunk_type, ChunkType::kIntermediate);
  EXPECT_EQ((*chunks)[2].chunk_type, ChunkType::kFinal);
  EXPECT_EQ((*chunks)[2].sequence_number, 12u);
  EXPECT_EQ((*chunks)[2].body.size(), 20u);
  EXPECT_EQ(SplitMessage(Msg(10, 3, ChunkType::kFinal, {}), body, 64, 2).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(ChunkAssembler, JoinsChunksOfOneRequest) {
  ChunkAssembler a;
  std::vector<uint8_t> body(100);
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<uint8_t>(i * 3);
  auto chunks = SplitMessage(Msg(1, 9, ChunkType::kFinal, {}), body, 48);
  ASSERT_TRUE(chunks.ok());
  std::optional<AssembledMessage> done;
  for (auto& c : *chunks) {
    auto r = a.Add(std::move(c));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (*r) done = std::move(**r);
  }
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->request_id, 9u);
  EXPECT_EQ(done->body, body);
  EXPECT_EQ(a.buffered_bytes(), 0u);
  EXPECT_EQ(a.unfinished_messages(), 0u);
}

TEST(ChunkAssembler, AbortChunkDiscardsTheMessageAndReportsWhy) {
  ChunkAssembler a;
  ASSERT_TRUE(a.Add(Msg(1, 4, ChunkType::kIntermediate, {1, 2, 3})).ok());
  EXPECT_EQ(a.buffered_bytes(), 3u);
  auto r = a.Add(Msg(2, 4, ChunkType::kAbort, Hex("00 00 80 80 04 00 00 00 62 69 67 21")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_value());
  ASSERT_TRUE((*r)->aborted.has_value());
  EXPECT_EQ((*r)->aborted->error, 0x80800000u);
  EXPECT_EQ((*r)->aborted->reason, "big!");
  EXPECT_EQ(a.buffered_bytes(), 0u);
  // The channel stays usable.
  EXPECT_TRUE(a.Add(Msg(3, 5, ChunkType::kFinal, {9})).ok());
}

TEST(ChunkAssembler, LegacySequenceMayWrapOnlyNearTheTop) {
  ChunkAssembler a;
  ASSERT_TRUE(a.Add(Msg(4'294'967'000u, 1, ChunkType::kFinal, {})).ok());
  EXPECT_TRUE(a.Add(Msg(3, 2, ChunkType::kFinal, {})).ok());
  ChunkAssembler early;
  ASSERT_TRUE(early.Add(Msg(1000, 1, ChunkType::kFinal, {})).ok());
  EXPECT_FALSE(early.Add(Msg(3, 2, ChunkType::kFinal, {})).ok());
}

TEST(ChunkAssembler, ChunkOfAnotherTypeCannotContinueARequest) {
  ChunkAssembler a;
  ASSERT_TRUE(a.Add(Msg(1, 4, ChunkType::kIntermediate, {1})).ok());
  SecureChunk clo = Msg(2, 4, ChunkType::kFinal, {});
  clo.type = MessageType::kCloseSecureChannel;
  EXPECT_EQ(a.Add(clo).status().code(), StatusCode::kMalformed);
}

}  // namespace
}  // namespace gantry::opcua
