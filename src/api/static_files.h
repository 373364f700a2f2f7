// The web dashboard's files (the Vite build in web/dist) served by Gantry itself, as the route
// module "static": GET / gives index.html, GET /assets/... the hashed scripts and styles. The
// folder is read once at start into memory, so only files that were there are ever served (no
// path from a request reaches the file system: no traversal) and a rebuild needs a restart.
//
//   context.modules.push_back(DashboardModule(cfg.api.web_root));  // what plant_runtime.cc does
//   // which is: StaticFilesModule(LoadStaticFiles(FindWebRoot(web_root, CurrentExecutablePath())))
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "api/route_module.h"
#include "core/status.h"

namespace gantry {

// The dashboard's files by URL path ("/index.html", "/assets/index-3f2a9c.js"); `root` is where
// they were read from (empty when no folder was found).
struct StaticFiles {
  std::string root;
  std::map<std::string, std::string, std::less<>> files;  // URL path -> content
};

// The folder to serve: `configured` when not empty (api.web_root), else $GANTRY_WEB_ROOT, else
// the first of <exe dir>/web, <exe dir>/../share/gantry/web and <ancestor>/web/dist (the source
// tree's build, for every ancestor of the executable's folder) that holds an index.html.
// Empty when none does.
std::string FindWebRoot(std::string_view configured, std::string_view executable_path);

// This process's executable (/proc/self/exe); empty when unknown.
std::string CurrentExecutablePath();

// Reads every regular file below `root` (no dot files, symlinks not followed, at most 4 096
// files and 32 MiB in all). NotFound when `root` is not a folder with an index.html;
// InvalidArgument past the limits.
Result<StaticFiles> LoadStaticFiles(const std::string& root);

// The Content-Type for a file name by its extension ("application/octet-stream" when unknown);
// text types carry "; charset=utf-8".
std::string ContentTypeFor(std::string_view path);

// The Cache-Control a file deserves: Vite's content-hashed assets under /assets/ never change
// ("public, max-age=31536000, immutable"); index.html and the rest are revalidated ("no-cache").
std::string CacheControlFor(std::string_view url_path);

// The route module "static": GET/HEAD of "/" (index.html) and of every loaded file; 405 for
// other methods on those paths; 404 problem for a missing file under /assets/; 503 with a short
// HTML page on "/" when no dashboard was built. Answers nothing else (nullopt), so API 404s
// stay problem replies. Role: none needed (public files, the data behind them needs a session).
RouteModule StaticFilesModule(StaticFiles files);

// The dashboard as gantry serves it: finds the folder (FindWebRoot), loads it, logs where from
// (or a warning saying how to build it) and returns the module; never fails (an unbuilt
// dashboard answers "/" with the 503 page).
RouteModule DashboardModule(std::string_view configured_root);

}  // namespace gantry
