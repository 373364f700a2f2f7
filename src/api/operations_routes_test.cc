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

// A planned-stop hook answering like OperationsService::DeclarePlannedStop.
struct FakeStops {
  struct Declared {
    std::string wc, reason, by;
    Timestamp start = 0, end = 0;
  };
  std::vector<Declared> declared;
  RouteModule Module() {
    return PlannedStopsModule([this](const std::string& wc, Timestamp start, Timestamp end,
                                     const std::string& reason, const std::string& by) -> Status {
      if (wc != "acme/p/a/l/m") return NotFound("unknown work centre '" + wc + "'");
      if (reason != "cleaning")
        return InvalidArgument("planned stop: '" + reason + "' is not a planned reason");
      declared.push_back({wc, reason, by, start, end});
      return Status::Ok();
    });
  }
};

HttpReply Post(const RouteModule& m, std::string_view body, std::string_view method = "POST") {
  RequestTarget t{"/api/v1/planned-stops", {}};
  std::optional<HttpReply> r = m.handle(ApiRequest{method, t, body, 0, {}, {}, {}});
  EXPECT_TRUE(r.has_value());
  return r.value_or(HttpReply{});
}

TEST(PlannedStopsRoute, DeclaresACleaningWindowWithToOrDuration) {
  FakeStops fake;
  RouteModule m = fake.Module();
  ASSERT_EQ(m.routes.size(), 1u);
  EXPECT_EQ(m.routes[0].role, "operator");
  HttpReply r = Post(m, R"({"work_centre":"acme/p/a/l/m","reason":"cleaning",
      "from":"2026-01-05T10:00:00Z","to":"2026-01-05T10:30:00Z","by":"anna"})");
  EXPECT_EQ(r.status, 201u) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["to"], "2026-01-05T10:30:00.000Z");
  EXPECT_EQ(j["recorded"], true);
  r = Post(m, R"({"work_centre":"acme/p/a/l/m","reason":"cleaning",
      "from":"2026-01-05T11:00:00Z","duration":"45m","by":"bob"})");
  EXPECT_EQ(r.status, 201u) << r.body;
  ASSERT_EQ(fake.declared.size(), 2u);
  EXPECT_EQ(fake.declared[0].start, ParseTimestamp("2026-01-05T10:00:00Z").value());
  EXPECT_EQ(fake.declared[0].end - fake.declared[0].start, 30 * kMinute);
  EXPECT_EQ(fake.declared[1].end - fake.declared[1].start, 45 * kMinute);
  EXPECT_EQ(fake.declared[1].by, "bob");
  // Another path is not the module's.
  RequestTarget other{"/api/v1/oee", {}};
  EXPECT_FALSE(m.handle(ApiRequest{"POST", other, "", 0, {}, {}, {}}).has_value());
}

TEST(PlannedStopsRoute, BadFieldsAreNamedAndAnUnknownWorkCentreIs404) {
  FakeStops fake;
  RouteModule m = fake.Module();
  const char* ok_from = R"("from":"2026-01-05T10:00:00Z")";
  struct Case {
    std::string body;
    unsigned status;
    std::string parameter;
  };
  const std::vector<Case> cases = {
      {"not json", 400, ""},
      {std::string(R"({"reason":"cleaning",)") + ok_from + R"(,"duration":"5m","by":"a"})", 400,
       "work_centre"},
      {std::string(R"({"work_centre":"acme/p/a/l/m",)") + ok_from + R"(,"duration":"5m","by":"a"})",
       400, "reason"},
      {R"({"work_centre":"acme/p/a/l/m","reason":"cleaning","duration":"5m","by":"a"})", 400,
       "from"},
      {R"({"work_centre":"acme/p/a/l/m","reason":"cleaning","from":"yesterday","duration":"5m","by":"a"})",
       400, "from"},
      {std::string(R"({"work_centre":"acme/p/a/l/m","reason":"cleaning",)") + ok_from +
           R"(,"by":"a"})",
       400, "to"},
      {std::string(R"({"work_centre":"acme/p/a/l/m","reason":"cleaning",)") + ok_from +
           R"(,"to":"2026-01-05T09:00:00Z","by":"a"})",
       400, "to"},
      {std::string(R"({"work_centre":"acme/p/a/l/m","reason":"cleaning",)") + ok_from +
           R"(,"duration":"soon","by":"a"})",
       400, "duration"},
      {std::string(R"({"work_centre":"acme/p/a/l/m","reason":"cleaning",)") + ok_from +
           R"(,"duration":"5m"})",
       400, "by"},
      {std::string(R"({"work_centre":"acme/p/a/l/m","reason":"jam",)") + ok_from +
           R"(,"duration":"5m","by":"a"})",
       400, "reason"},
      {std::string(R"({"work_centre":"acme/nope","reason":"cleaning",)") + ok_from +
           R"(,"duration":"5m","by":"a"})",
       404, "work_centre"},
  };
  for (const Case& c : cases) {
    HttpReply r = Post(m, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    if (!c.parameter.empty()) {
      EXPECT_EQ(ParameterOf(r), c.parameter) << c.body;
    }
  }
  EXPECT_TRUE(fake.declared.empty());
  EXPECT_EQ(Post(m, "", "GET").status, 405u);
}

}  // namespace
}  // namespace gantry

namespace gantry {
namespace {

TEST(ReasonsRoute, ListsTheReasonTreeByCategoryForTheViewer) {
  std::map<std::string, ops::Reason> tree;
  tree["motor_overload"] = {"motor_overload", "mechanical", false, false};
  tree["bottle_jam"] = {"bottle_jam", "mechanical", false, false};
  tree["cap_feed_empty"] = {"cap_feed_empty", "material", false, false};
  tree["cleaning"] = {"cleaning", "hygiene", true, true};
  RouteModule m = ReasonsModule(tree);
  ASSERT_EQ(m.routes.size(), 1u);
  EXPECT_EQ(m.routes[0].method, "GET");
  EXPECT_EQ(m.routes[0].pattern, "/api/v1/reasons");
  EXPECT_EQ(m.routes[0].role, "viewer");

  RequestTarget t{"/api/v1/reasons", {}};
  std::optional<HttpReply> r = m.handle(ApiRequest{"GET", t, {}, 0, {}, {}, {}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200u);
  json j = json::parse(r->body);
  ASSERT_EQ(j["reasons"].size(), 4u) << r->body;
  EXPECT_EQ(j["reasons"][0]["id"], "cleaning");  // hygiene < material < mechanical
  EXPECT_EQ(j["reasons"][0]["planned"], true);
  EXPECT_EQ(j["reasons"][0]["unplanned_outside_window"], true);
  EXPECT_EQ(j["reasons"][1]["id"], "cap_feed_empty");
  EXPECT_EQ(j["reasons"][1]["category"], "material");
  EXPECT_EQ(j["reasons"][2]["id"], "bottle_jam");  // by id within a category
  EXPECT_EQ(j["reasons"][3]["id"], "motor_overload");
  EXPECT_EQ(j["reasons"][3]["planned"], false);

  EXPECT_EQ(m.handle(ApiRequest{"POST", t, "{}", 0, {}, {}, {}})->status, 405u);
  RequestTarget other{"/api/v1/reasonsx", {}};
  EXPECT_FALSE(m.handle(ApiRequest{"GET", other, {}, 0, {}, {}, {}}).has_value());
  RequestTarget bad{"/api/v1/reasons", {{"category", "x"}}};
  EXPECT_EQ(m.handle(ApiRequest{"GET", bad, {}, 0, {}, {}, {}})->status, 400u);
}

}  // namespace
}  // namespace gantry
