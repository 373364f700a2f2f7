#include "api/cost_routes.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

struct Call {
  std::string scope, by;
  Timestamp from = 0, to = 0;
};

std::optional<HttpReply> Get(const RouteModule& m, std::string_view target,
                             std::string_view method = "GET") {
  RequestTarget t = ParseRequestTarget(target).value();
  ApiRequest r{method, t,        {},         ParseTimestamp("2026-11-22T06:00:00Z").value(),
               "ann",  "viewer", "127.0.0.1"};
  return m.handle(r);
}

TEST(CostRoutes, PassesScopeRangeAndGroupingToTheHook) {
  Call seen;
  RouteModule m = CostRoutes([&](std::string_view scope, Timestamp from, Timestamp to,
                                 std::string_view by) -> Result<std::string> {
    seen = {std::string(scope), std::string(by), from, to};
    return std::string(R"({"ok":true})");
  });
  ASSERT_EQ(m.routes.size(), 1u);
  EXPECT_EQ(m.routes[0].role, "viewer");
  std::optional<HttpReply> r =
      Get(m,
          "/api/v1/cost?scope=acme/plant1/packaging/line1&from=2026-11-21T00:00:00Z"
          "&to=2026-11-22T00:00:00Z&by=order");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, R"({"ok":true})");
  EXPECT_EQ(seen.scope, "acme/plant1/packaging/line1");
  EXPECT_EQ(seen.by, "order");
  EXPECT_EQ(seen.from, ParseTimestamp("2026-11-21T00:00:00Z").value());
  // Defaults: the 24 hours before the request, by total.
  r = Get(m, "/api/v1/cost?scope=acme");
  ASSERT_TRUE(r);
  EXPECT_EQ(seen.by, "total");
  EXPECT_EQ(seen.to - seen.from, 24 * kHour);
  EXPECT_EQ(seen.to, ParseTimestamp("2026-11-22T06:00:00Z").value());
}

TEST(CostRoutes, ProblemRepliesNameTheBadParameter) {
  RouteModule m = CostRoutes(
      [](std::string_view scope, Timestamp, Timestamp, std::string_view) -> Result<std::string> {
        return NotFound("scope '" + std::string(scope) + "' is not a work centre");
      });
  struct Case {
    std::string target;
    unsigned status;
    std::string parameter;
  } cases[] = {
      {"/api/v1/cost", 400, "scope"},
      {"/api/v1/cost?scope=acme&by=week", 400, "by"},
      {"/api/v1/cost?scope=acme&from=yesterday", 400, "from"},
      {"/api/v1/cost?scope=acme&from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z", 400, "from"},
      {"/api/v1/cost?scope=acme&colour=red", 400, "colour"},
      {"/api/v1/cost?scope=acme&by=day&by=order", 400, "by"},
      {"/api/v1/cost?scope=acme/nowhere", 404, "scope"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    std::optional<HttpReply> r = Get(m, c.target);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status) << r->body;
    EXPECT_NE(r->body.find("\"parameter\":\"" + c.parameter + "\""), std::string::npos) << r->body;
  }
}

TEST(CostRoutes, OtherPathsAreNotOursAndPostIsNotAllowed) {
  RouteModule m = CostRoutes(nullptr);
  EXPECT_FALSE(Get(m, "/api/v1/oee?scope=acme"));
  std::optional<HttpReply> post = Get(m, "/api/v1/cost?scope=acme", "POST");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405u);
  std::optional<HttpReply> none = Get(m, "/api/v1/cost?scope=acme");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 503u);
}

}  // namespace
}  // namespace gantry
