// Known byte vectors for TranslateBrowsePathsToNodeIds, Write, TransferSubscriptions and
// DeleteSubscriptions, written out by hand from IEC 62541-4/-6, both directions, plus hostile
// lengths.
#include "field/opcua/node_services.h"

#include <gtest/gtest.h>

#include "field/opcua/test_bytes.h"

namespace gantry::opcua {
namespace {

using testing::Hex;

std::vector<uint8_t> Concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<uint8_t> DefaultRequestHeader() {
  return *testing::EncodeToBytes(RequestHeader{});
}
std::vector<uint8_t> DefaultResponseHeader() {
  return *testing::EncodeToBytes(ResponseHeader{});
}

TEST(OpcUaTranslateBrowsePaths, RequestForLineCounterUnderObjectsHasTheSpecLayout) {
  BrowsePath path;  // starts at the Objects folder, i=85
  path.elements.push_back({.target_name = {2, String::Of("Line1")}});
  path.elements.push_back({.target_name = {2, String::Of("Counter")}});
  TranslateBrowsePathsRequest request;
  request.paths.push_back(path);
  auto bytes = EncodeRequest(request);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(*bytes, Concat({Hex("01 00 2A 02"),  // i=554, four-byte form
                            DefaultRequestHeader(),
                            Hex("01 00 00 00"  // one path
                                "00 55"        // StartingNode i=85
                                "02 00 00 00"  // two elements
                                "00 21 00 01"  // HierarchicalReferences, forward, subtypes
                                "02 00 05 00 00 00 4C 69 6E 65 31"  // 2:Line1
                                "00 21 00 01"
                                "02 00 07 00 00 00 43 6F 75 6E 74 65 72")}));  // 2:Counter
}

TEST(OpcUaTranslateBrowsePaths, ResponseWithOneTargetDecodes) {
  const auto body = Concat({Hex("01 00 2D 02"), DefaultResponseHeader(),
                            Hex("01 00 00 00"  // one result
                                "00 00 00 00"  // Good
                                "01 00 00 00"  // one target
                                "03 02 00 0D 00 00 00 4C 69 6E 65 31 2E 43 6F 75 6E 74 65 72"
                                "FF FF FF FF"      // RemainingPathIndex: all followed
                                "FF FF FF FF")});  // no diagnostics
  auto r = DecodeResponse<TranslateBrowsePathsResponse>(body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->results.size(), 1u);
  EXPECT_TRUE(r->results[0].status.IsGood());
  ASSERT_EQ(r->results[0].targets.size(), 1u);
  EXPECT_EQ(r->results[0].targets[0].target.node_id, NodeId::Text(2, "Line1.Counter"));
  EXPECT_EQ(r->results[0].targets[0].remaining_path_index, UINT32_MAX);

  TranslateBrowsePathsResponse again;
  again.results = r->results;
  Encoder e;
  ASSERT_TRUE(EncodeBody(e, again).ok());
  auto expected = body;
  expected.resize(expected.size() - 4);
  expected.insert(expected.end(), {0, 0, 0, 0});  // an empty (not null) diagnostics array
  EXPECT_EQ(e.bytes(), expected);
}

TEST(OpcUaTranslateBrowsePaths, TargetCountBeyondTheMessageIsMalformed) {
  const auto body = Concat({Hex("01 00 2D 02"), DefaultResponseHeader(),
                            Hex("01 00 00 00 00 00 00 00 FF FF FF 7F 00 00")});
  auto r = DecodeResponse<TranslateBrowsePathsResponse>(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kMalformed);
  EXPECT_NE(r.status().message().find("Targets"), std::string::npos) << r.status().ToString();
}

TEST(OpcUaWrite, RequestWritingADoubleSetpointHasTheSpecLayout) {
  WriteRequest request;
  WriteValue w;
  w.node_id = NodeId::Text(2, "Line1.Setpoint");
  w.value.value = Variant::Of(42.5);
  request.nodes_to_write.push_back(w);
  auto bytes = EncodeRequest(request);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(*bytes,
            Concat({Hex("01 00 A1 02"),  // i=673
                    DefaultRequestHeader(),
                    Hex("01 00 00 00"  // one value
                        "03 02 00 0E 00 00 00 4C 69 6E 65 31 2E 53 65 74 70 6F 69 6E 74"  // node
                        "0D 00 00 00"                         // AttributeId Value
                        "FF FF FF FF"                         // no IndexRange
                        "01 0B 00 00 00 00 00 40 45 40")}));  // DataValue: Double 42.5 only
}

TEST(OpcUaWrite, ResponseCarriesOneStatusPerValue) {
  const auto body = Concat({Hex("01 00 A4 02"), DefaultResponseHeader(),
                            Hex("02 00 00 00 00 00 00 00 00 00 3B 80 00 00 00 00")});
  auto r = DecodeResponse<WriteResponse>(body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->results.size(), 2u);
  EXPECT_TRUE(r->results[0].IsGood());
  EXPECT_EQ(r->results[1].code(), 0x803B0000u);  // BadNotWritable
}

TEST(OpcUaTransferSubscriptions, RequestAsksForInitialValues) {
  TransferSubscriptionsRequest request;
  request.subscription_ids = {7};
  auto bytes = EncodeRequest(request);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, Concat({Hex("01 00 49 03"), DefaultRequestHeader(),
                            Hex("01 00 00 00 07 00 00 00 01")}));
}

TEST(OpcUaTransferSubscriptions, ServerThatLostTheSubscriptionSaysSubscriptionIdInvalid) {
  const auto body = Concat({Hex("01 00 4C 03"), DefaultResponseHeader(),
                            Hex("01 00 00 00 00 00 28 80 00 00 00 00 FF FF FF FF")});
  auto r = DecodeResponse<TransferSubscriptionsResponse>(body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->results.size(), 1u);
  EXPECT_EQ(r->results[0].status.code(), 0x80280000u);
  EXPECT_TRUE(r->results[0].available_sequence_numbers.empty());

  TransferSubscriptionsResponse again;
  again.results = {TransferResult{Quality::Good(), {3, 4}}};
  Encoder e;
  ASSERT_TRUE(EncodeBody(e, again).ok());
  auto decoded = DecodeResponse<TransferSubscriptionsResponse>(e.bytes());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->results[0].available_sequence_numbers, (std::vector<uint32_t>{3, 4}));
}

TEST(OpcUaDeleteSubscriptions, RequestLayout) {
  DeleteSubscriptionsRequest request;
  request.subscription_ids = {1, 2};
  auto bytes = EncodeRequest(request);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, Concat({Hex("01 00 4F 03"), DefaultRequestHeader(),
                            Hex("02 00 00 00 01 00 00 00 02 00 00 00")}));
}

TEST(OpcUaNodeServices, EveryTruncationOfAResponseFailsCleanly) {
  const auto body = Concat({Hex("01 00 2D 02"), DefaultResponseHeader(),
                            Hex("01 00 00 00 00 00 00 00 01 00 00 00 01 02 2A 00"
                                "FF FF FF FF FF FF FF FF")});
  ASSERT_TRUE(DecodeResponse<TranslateBrowsePathsResponse>(body).ok());
  for (size_t n = 0; n < body.size(); ++n) {
    std::vector<uint8_t> cut(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(DecodeResponse<TranslateBrowsePathsResponse>(cut).ok()) << n;
  }
}

}  // namespace
}  // namespace gantry::opcua
