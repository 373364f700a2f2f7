// UA TCP: header, Hello/Acknowledge/Error byte layouts, negotiation and stream framing.
#include "field/opcua/transport.h"

#include <gtest/gtest.h>

#include "field/opcua/test_bytes.h"

namespace gantry::opcua {
namespace {

using testing::Hex;

TEST(UaTcpHeader, ReadsTypeChunkAndSize) {
  const auto bytes = Hex("4D 53 47 43 20 00 00 00");  // "MSGC", 32 bytes
  auto h = DecodeMessageHeader(bytes);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->type, MessageType::kMessage);
  EXPECT_EQ(h->chunk_type, ChunkType::kIntermediate);
  EXPECT_EQ(h->message_size, 32u);
  EXPECT_EQ(EncodeMessageHeader(*h), bytes);
}

TEST(UaTcpHeader, RejectsUnknownTypeBadChunkTypeAndTinySize) {
  EXPECT_EQ(DecodeMessageHeader(Hex("58 59 5A 46 08 00 00 00")).status().message(),
            "unknown message type 0x58595A");
  EXPECT_FALSE(DecodeMessageHeader(Hex("4D 53 47 58 08 00 00 00")).ok());  // MSG 'X'
  EXPECT_FALSE(DecodeMessageHeader(Hex("48 45 4C 43 08 00 00 00")).ok());  // HEL may not be 'C'
  EXPECT_FALSE(DecodeMessageHeader(Hex("4D 53 47 46 07 00 00 00")).ok());  // size < 8
  EXPECT_FALSE(DecodeMessageHeader(Hex("4D 53 47")).ok());
}

TEST(UaTcpHello, ByteLayout) {
  Hello hello;
  hello.receive_buffer_size = 8192;
  hello.send_buffer_size = 8192;
  hello.max_message_size = 0;
  hello.max_chunk_count = 0;
  hello.endpoint_url = "opc.tcp://a";
  auto bytes = EncodeHello(hello);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, Hex("48 45 4C 46 2B 00 00 00  00 00 00 00  00 20 00 00  00 20 00 00 "
                        "00 00 00 00  00 00 00 00  0B 00 00 00 6F 70 63 2E 74 63 70 3A 2F 2F 61"));
  auto back = DecodeHello(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->endpoint_url, "opc.tcp://a");
  EXPECT_EQ(back->receive_buffer_size, 8192u);
}

TEST(UaTcpHello, EndpointUrlOver4096BytesIsRefused) {
  Hello hello;
  hello.endpoint_url = std::string(4097, 'x');
  EXPECT_EQ(EncodeHello(hello).status().code(), StatusCode::kInvalidArgument);
}

TEST(UaTcpAcknowledge, RoundTripAndSizeMismatch) {
  Acknowledge ack{0, 65536, 32768, 1 << 20, 64};
  const auto bytes = EncodeAcknowledge(ack);
  EXPECT_EQ(bytes.size(), 28u);
  auto back = DecodeAcknowledge(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->send_buffer_size, 32768u);
  EXPECT_EQ(back->max_chunk_count, 64u);
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(DecodeAcknowledge(longer).ok());
  EXPECT_FALSE(DecodeHello(bytes).ok());
}

TEST(UaTcpError, CarriesCodeAndReason) {
  auto bytes = EncodeError({0x80820000u, "Too large"});
  ASSERT_TRUE(bytes.ok());
  auto back = DecodeError(*bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->error, 0x80820000u);
  EXPECT_EQ(back->reason, "Too large");
}

TEST(UaTcpNegotiation, ServerMayOnlyShrinkBuffers) {
  Hello hello;  // 65536 both ways
  auto ok = NegotiateWithServer(hello, Acknowledge{0, 16384, 65536, 0, 0});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->send_chunk_size, 16384u);
  EXPECT_EQ(ok->receive_chunk_size, 65536u);
  EXPECT_FALSE(NegotiateWithServer(hello, Acknowledge{0, 131072, 65536, 0, 0}).ok());
  EXPECT_FALSE(NegotiateWithServer(hello, Acknowledge{0, 65536, 131072, 0, 0}).ok());
  EXPECT_FALSE(NegotiateWithServer(hello, Acknowledge{0, 4096, 65536, 0, 0}).ok());
  EXPECT_FALSE(NegotiateWithServer(hello, Acknowledge{1, 65536, 65536, 0, 0}).ok());
}

TEST(UaTcpFramer, ReassemblesChunksSplitAcrossReadsAndSeveralPerRead) {
  const auto ack = EncodeAcknowledge(Acknowledge{});
  std::vector<uint8_t> stream = ack;
  stream.insert(stream.end(), ack.begin(), ack.end());
  stream.insert(stream.end(), ack.begin(), ack.end());
  ChunkFramer framer(kMinBufferSize);
  std::vector<std::vector<uint8_t>> got;
  // Feed in awkward pieces: 3, 7, 1, then the rest.
  size_t pos = 0;
  for (size_t piece : {size_t{3}, size_t{7}, size_t{1}, stream.size() - 11}) {
    auto chunks = framer.Push(std::span<const uint8_t>(stream).subspan(pos, piece));
    ASSERT_TRUE(chunks.ok()) << chunks.status().ToString();
    for (auto& c : *chunks) got.push_back(std::move(c));
    pos += piece;
  }
  ASSERT_EQ(got.size(), 3u);
  for (const auto& c : got) EXPECT_EQ(c, ack);
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(UaTcpFramer, OversizeChunkIsRefusedFromItsHeaderAlone) {
  ChunkFramer framer(kMinBufferSize);
  // A header announcing 1 GiB: refused before any body byte is buffered.
  auto r = framer.Push(Hex("4D 53 47 46 00 00 00 40"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "MSG chunk of 1073741824 bytes exceeds the negotiated buffer of 8192 bytes");
}

}  // namespace
}  // namespace gantry::opcua
