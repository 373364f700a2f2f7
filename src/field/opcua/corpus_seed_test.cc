// The committed fuzz seeds are real messages: the hand-built ReadResponse and PublishResponse
// chunks decode to the values written into them, so fuzzing starts from deep inside the decoder.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "field/opcua/secure_chunk.h"
#include "field/opcua/subscription_services.h"

namespace gantry::opcua {
namespace {

std::vector<uint8_t> Seed(const std::string& target, const std::string& name) {
  std::ifstream in(std::string(GANTRY_SOURCE_DIR) + "/tests/fuzz/corpus/" + target + "/" + name,
                   std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

TEST(OpcUaCorpusSeeds, PublishResponseSeedCarriesThreeDataChanges) {
  const auto bytes = Seed("opcua_message_fuzz", "publish_response");
  ASSERT_FALSE(bytes.empty());
  auto chunk = DecodeSecureChunk(bytes);
  ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
  auto response = DecodeResponse<PublishResponse>(chunk->body);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->subscription_id, 1u);
  EXPECT_EQ(response->available_sequence_numbers, std::vector<uint32_t>{5});
  ASSERT_EQ(response->notification.notification_data.size(), 1u);
  auto changes = DecodeDataChangeNotification(response->notification.notification_data[0]);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  ASSERT_TRUE(changes->has_value());
  ASSERT_EQ((*changes)->size(), 3u);
  EXPECT_EQ(std::get<double>((**changes)[1].value.value->scalar), 22.0);
  EXPECT_EQ((**changes)[1].value.status, Quality::UncertainLastUsableValue());
  EXPECT_EQ((**changes)[2].client_handle, 3u);
}

TEST(OpcUaCorpusSeeds, ReadResponseSeedCarriesAValueAndABadStatus) {
  const auto bytes = Seed("opcua_message_fuzz", "read_response");
  auto chunk = DecodeSecureChunk(bytes);
  ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
  auto response = DecodeResponse<ReadResponse>(chunk->body);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->results.size(), 2u);
  EXPECT_EQ(std::get<double>(response->results[0].value->scalar), 1.0);
  EXPECT_EQ(response->results[1].status, Quality::BadNotConnected());
}

}  // namespace
}  // namespace gantry::opcua
