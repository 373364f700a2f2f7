#include "core/status.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd number " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  GANTRY_ASSIGN_OR_RETURN(int h, Half(x));
  GANTRY_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Status, OkByDefaultAndNamedOnError) {
  EXPECT_TRUE(Status().ok());
  Status s = Corrupt("chunk 3 checksum");
  EXPECT_EQ(s.ToString(), "Corrupt: chunk 3 checksum");
  EXPECT_EQ(s.WithContext("historian").message(), "historian: chunk 3 checksum");
}

TEST(Result, PropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd number 3");
}

}  // namespace
}  // namespace gantry
