// DataValue -> Sample: quality, timestamps and values as the plant sees them.
#include "field/opcua/sample_mapping.h"

#include <gtest/gtest.h>

#include <limits>

namespace gantry::opcua {
namespace {

TEST(OpcUaSample, SourceTimestampAndStatusCarryOver) {
  DataValue dv;
  dv.value = Variant::Of(21.5);
  dv.status = Quality::UncertainSensorNotAccurate();
  dv.source_timestamp = FromTimestamp(1'700'000'000 * kSecond);
  dv.server_timestamp = FromTimestamp(1'700'000'001 * kSecond);
  Sample s = ToSample(4, dv, 5);
  EXPECT_EQ(s.tag, 4u);
  EXPECT_EQ(s.time, 1'700'000'000 * kSecond);
  EXPECT_EQ(s.server_time, 1'700'000'001 * kSecond);  // both timestamps kept
  EXPECT_EQ(s.value, Value(21.5));
  EXPECT_EQ(s.quality, Quality::UncertainSensorNotAccurate());
}

TEST(OpcUaSample, ServerTimestampOrReceiptWhenTheSourceGivesNone) {
  DataValue dv;
  dv.value = Variant::Of(int32_t{7});
  dv.server_timestamp = FromTimestamp(2 * kSecond);
  EXPECT_EQ(ToSample(0, dv, 99).time, 2 * kSecond);
  EXPECT_EQ(ToSample(0, dv, 99).server_time, 2 * kSecond);
  dv.server_timestamp.reset();
  EXPECT_EQ(ToSample(0, dv, 99).time, 99);
  EXPECT_EQ(ToSample(0, dv, 99).server_time, 0);
  EXPECT_EQ(ToSample(0, dv, 99).value, Value(int64_t{7}));
  EXPECT_TRUE(ToSample(0, dv, 99).quality.IsGood());
}

TEST(OpcUaSample, TimestampsOfNoDateForeverOrBeyondRangeCountAsAbsent) {
  DataValue dv;
  dv.value = Variant::Of(1.0);
  dv.source_timestamp = DateTime{0};  // "no date" sent with the timestamp bit set
  dv.server_timestamp = FromTimestamp(3 * kSecond);
  EXPECT_EQ(ToSample(0, dv, 99).time, 3 * kSecond);
  dv.server_timestamp = DateTime{std::numeric_limits<int64_t>::max()};  // "forever"
  EXPECT_EQ(ToSample(0, dv, 99).time, 99);
  EXPECT_EQ(ToSample(0, dv, 99).server_time, 0);
  dv.source_timestamp = DateTime{1};  // 1601: before any Timestamp
  dv.server_timestamp = DateTime{std::numeric_limits<int64_t>::max() - 1};  // year ~30828
  EXPECT_EQ(ToSample(0, dv, 99).time, 99);
  EXPECT_EQ(ToSample(0, dv, 99).server_time, 0);
  dv.source_timestamp = DateTime{-5};
  EXPECT_EQ(ToSample(0, dv, 99).time, 99);
  EXPECT_EQ(ToSample(0, dv, 99).value, Value(1.0));
}

TEST(OpcUaSample, TypesMapToGantryValues) {
  DataValue dv;
  dv.value = Variant::Of(true);
  EXPECT_EQ(ToSample(0, dv, 0).value, Value(true));
  dv.value = Variant::Of(uint64_t{10'000'000'000});
  EXPECT_EQ(ToSample(0, dv, 0).value, Value(int64_t{10'000'000'000}));
  dv.value = Variant::Of(uint64_t{UINT64_MAX});
  EXPECT_EQ(ToSample(0, dv, 0).value, Value(18446744073709551615.0));
  dv.value = Variant::Of(12.25f);
  EXPECT_EQ(ToSample(0, dv, 0).value, Value(12.25));
  dv.value = Variant::Of(String::Of("Filler"));
  EXPECT_EQ(ToSample(0, dv, 0).value, Value("Filler"));
  dv.value = Variant::Of(LocalizedText{String::Of("en"), String::Of("Running")});
  EXPECT_EQ(ToSample(0, dv, 0).value, Value("Running"));
}

TEST(OpcUaSample, ArraysAndMissingValuesAreBad) {
  DataValue dv;
  dv.value = Variant::Array(BuiltinType::kDouble, {1.0, 2.0});
  Sample array = ToSample(0, dv, 0);
  EXPECT_TRUE(array.value.empty());
  EXPECT_EQ(array.quality, Quality::BadTypeMismatch());
  DataValue missing;
  EXPECT_TRUE(ToSample(0, missing, 0).quality.IsBad());
  missing.status = Quality::BadNodeIdUnknown();
  EXPECT_EQ(ToSample(0, missing, 0).quality, Quality::BadNodeIdUnknown());
}

}  // namespace
}  // namespace gantry::opcua
