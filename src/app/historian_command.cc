// `gantry historian import|export`: CSV in and out of a data folder's historian, so that existing
// data can be brought in and stored data checked by hand.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/commands.h"
#include "data/historian/csv_io.h"
#include "data/historian/historian.h"

namespace gantry {

namespace {

Result<std::unique_ptr<historian::Historian>> OpenStore(const std::string& data_dir, bool create) {
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec)) {
    if (!create) return NotFound("--data " + data_dir + ": no such data folder");
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return IoError("--data " + data_dir + ": cannot create the folder: " + ec.message());
  }
  historian::HistorianOptions options;
  auto store =
      historian::Historian::Open(data_dir + "/historian", options, SystemClock::Instance());
  if (!store.ok() && store.status().message().find("lock") != std::string::npos) {
    return Status(store.status().code(), store.status().message() +
                                             " (is a gantry process running on " + data_dir +
                                             "? the historian is opened by one process at a time)");
  }
  return store;
}

}  // namespace

int RunHistorianImport(const HistorianImportArgs& args) {
  auto store = OpenStore(args.data_dir, true);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  historian::CsvImportOptions options;
  options.integers_as_int64 = args.integers_as_int64;
  uint64_t total = 0;
  for (const std::string& file : args.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot open (does it exist and is it readable?)\n", file.c_str());
      return 1;
    }
    auto stats = historian::ImportCsv(**store, historian::CatalogResolver(**store), in, options);
    if (!stats.ok()) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), stats.status().message().c_str());
      return 1;
    }
    std::printf("%s: %llu rows, %llu samples imported\n", file.c_str(),
                static_cast<unsigned long long>(stats->rows),
                static_cast<unsigned long long>(stats->samples));
    total += stats->samples;
  }
  Status flushed = (*store)->Flush();
  if (!flushed.ok()) {
    std::fprintf(stderr, "%s\n", flushed.ToString().c_str());
    return 1;
  }
  std::printf("%llu samples stored in %s/historian\n", static_cast<unsigned long long>(total),
              args.data_dir.c_str());
  return 0;
}

int RunHistorianExport(const HistorianExportArgs& args) {
  Result<Timestamp> from = ParseTimestamp(args.from);
  Result<Timestamp> to = ParseTimestamp(args.to);
  if (!from.ok() || !to.ok()) {
    std::fprintf(stderr, "--%s: %s\n", from.ok() ? "to" : "from",
                 (from.ok() ? to.status() : from.status()).message().c_str());
    return 2;
  }
  auto store = OpenStore(args.data_dir, false);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  std::vector<historian::SeriesId> series;
  for (const std::string& tag : args.tags) {
    std::optional<historian::SeriesId> id = (*store)->FindSeries(tag);
    if (!id) {
      std::fprintf(stderr, "--tag %s: no stored data for this tag path in %s/historian\n",
                   tag.c_str(), args.data_dir.c_str());
      return 1;
    }
    series.push_back(*id);
  }
  std::ofstream file;
  if (!args.out.empty()) {
    file.open(args.out, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "--out %s: cannot create the file\n", args.out.c_str());
      return 1;
    }
  }
  std::ostream& out = args.out.empty() ? std::cout : file;
  Status s = historian::ExportCsv(**store, series, *from, *to, out);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace gantry
