// The dashboard's files in memory, answered by URL path (see static_files.h).
#include "api/static_files.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "api/api_routes.h"

namespace gantry {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxFiles = 4096;
constexpr uintmax_t kMaxTotalBytes = 32u << 20;

bool HasIndex(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "index.html", ec);
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

constexpr std::string_view kNotBuiltPage =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Gantry</title></head><body>"
    "<h1>Gantry</h1><p>The web dashboard has not been built. Build it with "
    "<code>(cd web &amp;&amp; npm ci &amp;&amp; npm run build)</code> and restart Gantry, or set "
    "<code>api.web_root</code> to the folder holding its index.html.</p>"
    "<p>The API is at <a href=\"/api/v1/tags\">/api/v1/tags</a>.</p></body></html>";

}  // namespace

std::string CurrentExecutablePath() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.string();
}

std::string FindWebRoot(std::string_view configured, std::string_view executable_path) {
  if (!configured.empty()) return std::string(configured);
  if (const char* env = std::getenv("GANTRY_WEB_ROOT"); env != nullptr && *env != '\0') return env;
  if (executable_path.empty()) return {};
  const fs::path exe_dir = fs::path(executable_path).parent_path();
  for (const fs::path& candidate : {exe_dir / "web", exe_dir / ".." / "share" / "gantry" / "web"})
    if (HasIndex(candidate)) return fs::weakly_canonical(candidate).string();
  for (fs::path dir = exe_dir; !dir.empty(); dir = dir.parent_path()) {
    if (HasIndex(dir / "web" / "dist")) return (dir / "web" / "dist").string();
    if (dir == dir.parent_path()) break;
  }
  return {};
}

Result<StaticFiles> LoadStaticFiles(const std::string& root) {
  if (root.empty() || !HasIndex(root))
    return NotFound("web dashboard folder '" + root + "' has no index.html");
  StaticFiles out;
  out.root = root;
  uintmax_t total = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  if (ec) return IoError("web dashboard folder " + root + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return IoError("web dashboard folder " + root + ": " + ec.message());
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    if (!name.empty() && name[0] == '.') {  // dot files and folders are never served
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink() || !it->is_regular_file()) continue;
    if (out.files.size() >= kMaxFiles)
      return InvalidArgument("web dashboard folder " + root + " holds more than " +
                             std::to_string(kMaxFiles) + " files");
    total += it->file_size();
    if (total > kMaxTotalBytes)
      return InvalidArgument("web dashboard folder " + root + " holds more than 32 MiB");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) return IoError("cannot read " + path.string());
    out.files["/" + fs::relative(path, root).generic_string()] = content.str();
  }
  return out;
}

std::string ContentTypeFor(std::string_view path) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes)
    if (EndsWith(path, ext)) return std::string(type);
  return "application/octet-stream";
}

std::string CacheControlFor(std::string_view url_path) {
  if (url_path.rfind("/assets/", 0) == 0) return "public, max-age=31536000, immutable";
  return "no-cache";
}

RouteModule StaticFilesModule(StaticFiles files) {
  RouteModule module;
  module.name = "static";
  // No credential needed: the security policy makes GET routes of the module "static" public.
  module.routes.push_back({"GET", "/", "The web dashboard (index.html)"});
  module.routes.push_back({"GET", "/assets/{path}", "The web dashboard's scripts and styles"});
  auto shared = std::make_shared<const StaticFiles>(std::move(files));
  module.handle = [shared](const ApiRequest& r) -> std::optional<HttpReply> {
    const std::string& path = r.target.path;
    const bool is_root = path == "/";
    const bool is_asset = path.rfind("/assets/", 0) == 0;
    auto found = shared->files.find(is_root ? std::string_view("/index.html") : path);
    if (!is_root && !is_asset && found == shared->files.end()) return std::nullopt;  // not ours
    if (r.method != "GET" && r.method != "HEAD") {
      HttpReply reply = Problem(405, "Method not allowed",
                                std::string(r.method) + " is not allowed on " + path + "; use GET");
      reply.allow = "GET, HEAD";
      return reply;
    }
    if (found == shared->files.end()) {
      if (is_root) {
        HttpReply reply;
        reply.status = 503;
        reply.content_type = "text/html; charset=utf-8";
        reply.body = std::string(kNotBuiltPage);
        return reply;
      }
      return Problem(404, "Not found", "no dashboard file " + path, "path");
    }
    HttpReply reply;
    reply.content_type = ContentTypeFor(found->first);
    reply.body = found->second;
    // Hashed assets are immutable; index.html is revalidated so a new build is seen at once.
    // (The server adds "X-Content-Type-Options: nosniff" to every reply.)
    reply.headers.emplace_back("Cache-Control", CacheControlFor(found->first));
    return reply;
  };
  return module;
}

RouteModule DashboardModule(std::string_view configured_root) {
  const std::string root = FindWebRoot(configured_root, CurrentExecutablePath());
  Result<StaticFiles> files = LoadStaticFiles(root);
  if (!files.ok()) {
    spdlog::warn("web dashboard not served ({}); build it with (cd web && npm ci && npm run build)",
                 files.status().ToString());
    return StaticFilesModule(StaticFiles{});
  }
  spdlog::info("web dashboard: {} files from {}", files->files.size(), files->root);
  return StaticFilesModule(std::move(*files));
}

}  // namespace gantry
