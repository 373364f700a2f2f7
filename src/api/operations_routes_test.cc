#include "api/operations_routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace gantry {
namespace {

using json = nlohmann::json;

// Hooks that remember what they were asked and answer like the operations service.
struct FakeOperations {
  std::string scope, by, wc, reason, who;
  Timestamp from = 0, to = 0, stop_start = 0;

  ApiContext Context() {
    ApiContext ctx;
    ctx.equipment_state = [](std::string_view path) -> Result<std::string> {
      if (path != "acme/plant1/packaging/line1/filler") return NotFound("no work centre");
      return std::string(R"({"category":"producing"})");
    };
    ctx.oee = [this](std::string_view s, Timestamp f, Timestamp t,
                     std::string_view b) -> Result<std::string> {
      scope = s, from = f, to = t, by = b;
      if (s == "acme/nowhere") return NotFound("no equipment at 'acme/nowhere'");
      return std::string(R"({"groups":{}})");
    };
    ctx.downtime = [this](std::string_view s, Timestamp f, Timestamp t) -> Result<std::string> {
      scope = s, from = f, to = t;
      return std::string(R"({"intervals":[],"pareto":[]})");
    };
    ctx.assign_reason = [this](const std::string& w, Timestamp start, const std::string& r,
                               const std::string& b) -> Status {
      wc = w, stop_start = start, reason = r, who = b;
      if (w != "acme/plant1/packaging/line1/filler") return NotFound("unknown work centre");
      if (r == "break") return InvalidArgument("assign reason: 'break' is planned");
      if (start != 1'700'000'000'000'000'000) return NotFound("no stop began then");
      return Status::Ok();
    };
    return ctx;
  }
};

HttpReply Call(const ApiContext& ctx, std::string_view method, std::string_view target,
               std::string_view body = {}) {
  return Route(ctx, method, target, body).reply;
}

std::string ParameterOf(const HttpReply& r) {
  json j = json::parse(r.body, nullptr, false);
  return j.is_object() ? j.value("parameter", "") : "";
}

TEST(OperationsRoutes, EquipmentStatePassesThePathAndUnknownIs404) {
  FakeOperations fake;
  ApiContext ctx = fake.Context();
  HttpReply ok = Call(ctx, "GET", "/api/v1/equipment/acme/plant1/packaging/line1/filler/state");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"category":"producing"})");
  HttpReply unknown = Call(ctx, "GET", "/api/v1/equipment/acme/nowhere/state");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.content_type, "application/problem+json");
  EXPECT_EQ(ParameterOf(unknown), "path");
  EXPECT_EQ(Call(ctx, "POST", "/api/v1/equipment/acme/x/state").status, 405);
}

TEST(OperationsRoutes, OeeDefaultsToTheLastEightHoursAndParsesIsoAndEpoch) {
  FakeOperations fake;
  ApiContext ctx = fake.Context();
  EXPECT_EQ(Call(ctx, "GET", "/api/v1/oee?scope=acme/plant1&by=hour").status, 200);
  EXPECT_EQ(fake.scope, "acme/plant1");
  EXPECT_EQ(fake.by, "hour");
  EXPECT_EQ(fake.to - fake.from, 8 * kHour);
  EXPECT_EQ(
      Call(ctx, "GET", "/api/v1/oee?scope=acme&from=2026-11-22T06:00:00Z&to=1795413600").status,
      200);
  EXPECT_EQ(fake.from, *ParseTimestamp("2026-11-22T06:00:00Z"));
  EXPECT_EQ(fake.to, 1'795'413'600 * kSecond);
  EXPECT_EQ(fake.by, "total");
}

TEST(OperationsRoutes, BadOeeParametersAreNamed) {
  FakeOperations fake;
  ApiContext ctx = fake.Context();
  const std::pair<const char*, const char*> cases[] = {
      {"/api/v1/oee", "scope"},
      {"/api/v1/oee?scope=acme&by=week", "by"},
      {"/api/v1/oee?scope=acme&from=yesterday", "from"},
      {"/api/v1/oee?scope=acme&to=soon", "to"},
      {"/api/v1/oee?scope=acme&from=2026-11-22T08:00:00Z&to=2026-11-22T06:00:00Z", "from"},
      {"/api/v1/oee?scope=acme&shift=A", "shift"},
      {"/api/v1/oee?scope=acme&scope=acme/plant1", "scope"},
      {"/api/v1/downtime?scope=acme&to=tomorrow", "to"},
  };
  for (const auto& [target, parameter] : cases) {
    HttpReply r = Call(ctx, "GET", target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(ParameterOf(r), parameter) << target << " -> " << r.body;
  }
  HttpReply unknown = Call(ctx, "GET", "/api/v1/oee?scope=acme/nowhere");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ParameterOf(unknown), "scope");
  EXPECT_EQ(Call(ctx, "DELETE", "/api/v1/oee?scope=acme").status, 405);
}

TEST(OperationsRoutes, AssignReasonReadsTheBodyAndNamesTheBadField) {
  FakeOperations fake;
  ApiContext ctx = fake.Context();
  const std::string path = "/api/v1/downtime/assign";
  json good = {{"work_centre", "acme/plant1/packaging/line1/filler"},
               {"start", "2023-11-14T22:13:20Z"},
               {"reason", "bottle_jam"},
               {"by", "j.smith"}};
  HttpReply ok = Call(ctx, "POST", path, good.dump());
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(fake.stop_start, 1'700'000'000'000'000'000);
  EXPECT_EQ(fake.reason, "bottle_jam");
  EXPECT_EQ(fake.who, "j.smith");

  for (const char* field : {"work_centre", "start", "reason", "by"}) {
    json missing = good;
    missing.erase(field);
    HttpReply r = Call(ctx, "POST", path, missing.dump());
    EXPECT_EQ(r.status, 400) << field;
    EXPECT_EQ(ParameterOf(r), field) << r.body;
  }
  json bad_start = good;
  bad_start["start"] = "after lunch";
  EXPECT_EQ(ParameterOf(Call(ctx, "POST", path, bad_start.dump())), "start");
  json planned = good;
  planned["reason"] = "break";
  HttpReply p = Call(ctx, "POST", path, planned.dump());
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(ParameterOf(p), "reason");
  json nowhere = good;
  nowhere["work_centre"] = "acme/nowhere";
  HttpReply n = Call(ctx, "POST", path, nowhere.dump());
  EXPECT_EQ(n.status, 404);
  EXPECT_EQ(ParameterOf(n), "work_centre");
  json no_stop = good;
  no_stop["start"] = 1'600'000'000;
  HttpReply s = Call(ctx, "POST", path, no_stop.dump());
  EXPECT_EQ(s.status, 404);
  EXPECT_EQ(ParameterOf(s), "start");
  EXPECT_EQ(Call(ctx, "POST", path, "not json").status, 400);
  EXPECT_EQ(Call(ctx, "GET", path).status, 405);
}

TEST(OperationsRoutes, WithoutOperationsTheRoutesAnswer503) {
  ApiContext ctx;
  EXPECT_EQ(Call(ctx, "GET", "/api/v1/oee?scope=acme").status, 503);
  EXPECT_EQ(Call(ctx, "GET", "/api/v1/downtime?scope=acme").status, 503);
  EXPECT_EQ(Call(ctx, "GET", "/api/v1/equipment/acme/x/state").status, 503);
}

}  // namespace
}  // namespace gantry
