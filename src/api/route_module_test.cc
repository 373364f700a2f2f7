#include "api/route_module.h"

#include <gtest/gtest.h>

#include "api/api_routes.h"
#include "data/current_values.h"
#include "data/tag_registry.h"

namespace gantry {
namespace {

TEST(RouteModule, ModuleAnswersItsOwnPathAndOthersStill404) {
  TagRegistry registry;
  CurrentValues values(registry.size());
  ApiContext ctx;
  ctx.registry = &registry;
  ctx.values = &values;
  ctx.modules.push_back(RouteModule{"orders",
                                    {{"GET", "/api/v1/orders", "List production orders"}},
                                    [](const ApiRequest& r) -> std::optional<HttpReply> {
                                      if (r.target.path != "/api/v1/orders") return std::nullopt;
                                      HttpReply reply;
                                      reply.body = std::string(R"({"method":")") +
                                                   std::string(r.method) + R"("})";
                                      return reply;
                                    }});
  RouteDecision ok = Route(ctx, "GET", "/api/v1/orders?x=1");
  EXPECT_EQ(ok.reply.status, 200u);
  EXPECT_EQ(ok.reply.body, R"({"method":"GET"})");

  RouteDecision missing = Route(ctx, "GET", "/api/v1/nothing");
  EXPECT_EQ(missing.reply.status, 404u);
  EXPECT_NE(missing.reply.body.find("/api/v1/orders"), std::string::npos)
      << "the 404 lists the module's routes: " << missing.reply.body;
}

}  // namespace
}  // namespace gantry
