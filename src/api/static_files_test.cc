#include "api/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api/api_routes.h"
#include "data/current_values.h"
#include "data/tag_registry.h"

namespace gantry {
namespace {

namespace fs = std::filesystem;

// A built dashboard in a fresh folder, with a secret next to it that must never be served.
class DashboardFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("gantry-static-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "dist";
    fs::create_directories(root_ / "assets");
    fs::create_directories(root_ / ".git");
    Write(root_ / "index.html", "<!doctype html><title>Gantry</title>");
    Write(root_ / "assets" / "index-3f2a9c.js", "console.log('plant')");
    Write(root_ / "assets" / "index-77aa01.css", "body{}");
    Write(root_ / "favicon.svg", "<svg/>");
    Write(root_ / ".env", "SECRET=1");
    Write(root_ / ".git" / "config", "secret");
    Write(base_ / "secret.txt", "operator passwords");
    fs::create_symlink(base_ / "secret.txt", root_ / "assets" / "link.txt");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void Write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  // A router with the dashboard module over `files` and no tags.
  ApiContext ContextServing(StaticFiles files) {
    ApiContext ctx;
    ctx.registry = &registry_;
    ctx.values = &values_;
    ctx.modules.push_back(StaticFilesModule(std::move(files)));
    return ctx;
  }

  RouteDecision Get(const ApiContext& ctx, std::string_view target,
                    std::string_view method = "GET") {
    return Route(ctx, method, target);
  }

  fs::path base_, root_;
  TagRegistry registry_;
  CurrentValues values_{0};
};

TEST_F(DashboardFolder, RootServesIndexAndAssetsWithTheirContentTypes) {
  auto files = LoadStaticFiles(root_.string());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(files->files.size(), 4u) << "index, 2 assets, favicon; no dot files, no symlink";

  ApiContext ctx = ContextServing(std::move(*files));

  RouteDecision index = Get(ctx, "/");
  EXPECT_EQ(index.reply.status, 200u);
  EXPECT_EQ(index.reply.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.reply.body, "<!doctype html><title>Gantry</title>");

  RouteDecision js = Get(ctx, "/assets/index-3f2a9c.js");
  EXPECT_EQ(js.reply.status, 200u);
  EXPECT_EQ(js.reply.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.reply.body, "console.log('plant')");
  EXPECT_EQ(Get(ctx, "/assets/index-77aa01.css").reply.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get(ctx, "/favicon.svg").reply.content_type, "image/svg+xml");
  EXPECT_EQ(Get(ctx, "/", "HEAD").reply.status, 200u);

  // Hashed assets may be cached for good; index.html (which names them) must be revalidated.
  auto cache_control = [](const HttpReply& reply) {
    for (const auto& [name, value] : reply.headers)
      if (name == "Cache-Control") return value;
    return std::string("(none)");
  };
  EXPECT_EQ(cache_control(js.reply), "public, max-age=31536000, immutable");
  EXPECT_EQ(cache_control(Get(ctx, "/assets/index-77aa01.css").reply),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(cache_control(index.reply), "no-cache");
  EXPECT_EQ(cache_control(Get(ctx, "/favicon.svg").reply), "no-cache");

  RouteDecision post = Get(ctx, "/", "POST");
  EXPECT_EQ(post.reply.status, 405u);
  EXPECT_EQ(post.reply.allow, "GET, HEAD");

  // API paths stay the API's: an unknown one is still the router's problem reply.
  RouteDecision api = Get(ctx, "/api/v1/nothing");
  EXPECT_EQ(api.reply.status, 404u);
  EXPECT_EQ(api.reply.content_type, "application/problem+json");
}

TEST_F(DashboardFolder, TraversalDotFilesAndSymlinksAreNeverServed) {
  auto files = LoadStaticFiles(root_.string());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ApiContext ctx = ContextServing(std::move(*files));

  for (const char* target :
       {"/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/../secret.txt",
        "/assets/..%2F..%2Fsecret.txt", "/assets/link.txt", "/.env", "/.git/config",
        "/assets/../.env", "//etc/passwd", "/assets//etc/passwd", "/index.html/..",
        "/assets/%2e%2e%2f%2e%2e%2fsecret.txt"}) {
    RouteDecision d = Get(ctx, target);
    EXPECT_EQ(d.reply.status, 404u) << target << " -> " << d.reply.body;
    EXPECT_EQ(d.reply.body.find("passwords"), std::string::npos) << target;
    EXPECT_EQ(d.reply.body.find("SECRET"), std::string::npos) << target;
  }
  EXPECT_EQ(Get(ctx, "/assets/missing-000.js").reply.status, 404u);
}

TEST_F(DashboardFolder, NotBuiltDashboardAnswersRootWith503Page) {
  ApiContext ctx = ContextServing(StaticFiles{});
  RouteDecision d = Get(ctx, "/");
  EXPECT_EQ(d.reply.status, 503u);
  EXPECT_NE(d.reply.body.find("npm run build"), std::string::npos) << d.reply.body;
  EXPECT_FALSE(LoadStaticFiles((base_ / "nowhere").string()).ok());
  EXPECT_FALSE(LoadStaticFiles(base_.string()).ok()) << "a folder without index.html";
}

TEST_F(DashboardFolder, WebRootIsConfiguredOrFoundNextToTheExecutableOrInTheSourceTree) {
  EXPECT_EQ(FindWebRoot("/srv/gantry/web", "/usr/bin/gantry"), "/srv/gantry/web");
  // base_/build/release/src/gantry finds base_/web/dist (the source tree's build).
  fs::create_directories(base_ / "web");
  fs::rename(root_, base_ / "web" / "dist");
  fs::create_directories(base_ / "build" / "release" / "src");
  unsetenv("GANTRY_WEB_ROOT");
  EXPECT_EQ(FindWebRoot("", (base_ / "build" / "release" / "src" / "gantry").string()),
            (base_ / "web" / "dist").string());
  EXPECT_EQ(FindWebRoot("", "/nonexistent/bin/gantry"), "");
}

TEST(DashboardFiles, HashedAssetsAreImmutableIndexIsRevalidated) {
  EXPECT_EQ(CacheControlFor("/assets/index-3f2a9c.js"), "public, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor("/index.html"), "no-cache");
  EXPECT_EQ(ContentTypeFor("/x.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("/README"), "application/octet-stream");
}

}  // namespace
}  // namespace gantry
