#include "api/url.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

TEST(RequestTarget, SplitsPathAndDecodesQuery) {
  auto t = ParseRequestTarget("/api/v1/tags?prefix=acme%2Fplant1+x&&flag");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->path, "/api/v1/tags");
  ASSERT_EQ(t->query.size(), 2u);
  EXPECT_EQ(t->query[0].first, "prefix");
  EXPECT_EQ(t->query[0].second, "acme/plant1 x");
  EXPECT_EQ(t->query[1].first, "flag");
  EXPECT_EQ(t->query[1].second, "");
}

TEST(RequestTarget, PathKeepsPlusAndDecodesEscapes) {
  auto t = ParseRequestTarget("/api/v1/tags/acme/line%2D1/a+b");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/api/v1/tags/acme/line-1/a+b");
}

TEST(RequestTarget, RejectsBadEscapesNulAndRelativeTargets) {
  EXPECT_EQ(ParseRequestTarget("/a%2").status().code(), StatusCode::kMalformed);
  EXPECT_EQ(ParseRequestTarget("/a%g1").status().code(), StatusCode::kMalformed);
  EXPECT_EQ(ParseRequestTarget("/a%00b").status().code(), StatusCode::kMalformed);
  EXPECT_EQ(ParseRequestTarget("/a?x=%").status().code(), StatusCode::kMalformed);
  EXPECT_EQ(ParseRequestTarget("a/b").status().code(), StatusCode::kMalformed);
  EXPECT_EQ(ParseRequestTarget("").status().code(), StatusCode::kMalformed);
  EXPECT_EQ(ParseRequestTarget("http://host/a").status().code(), StatusCode::kMalformed);
}

}  // namespace
}  // namespace gantry
