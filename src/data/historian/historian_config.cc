#include "data/historian/historian_config.h"

#include <cctype>
#include <cstdlib>

namespace gantry::historian {
namespace {

constexpr Duration kYear = 365 * kDay;

// "500MB", "2GB", "1.5GiB", or a plain number of bytes.
bool ParseBytes(const std::string& text, uint64_t& out) {
  char* end = nullptr;
  const double n = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || n < 0) return false;
  std::string unit(end);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "KB") scale = 1e3;
  if (unit == "MB") scale = 1e6;
  if (unit == "GB") scale = 1e9;
  if (unit == "TB") scale = 1e12;
  if (unit == "KIB") scale = 1024.0;
  if (unit == "MIB") scale = 1024.0 * 1024;
  if (unit == "GIB") scale = 1024.0 * 1024 * 1024;
  if (scale == 0) return false;
  out = static_cast<uint64_t>(n * scale);
  return true;
}

}  // namespace

HistorianConfig ParseHistorianConfig(const ConfigNode& node) {
  HistorianConfig c;
  c.options.pack_after = kDay;  // the runtime packs chunks older than a day unless told otherwise
  if (!node.IsPresent()) return c;
  node.AllowKeys({"sync", "sync_interval", "retention", "disk_floor", "low_priority", "pack_after",
                  "maintenance_interval"});
  const size_t sync = node.Choice("sync", {"every_batch", "interval", "none"}, 0);
  c.options.sync = sync == 0   ? SyncPolicy::kEveryBatch
                   : sync == 1 ? SyncPolicy::kInterval
                               : SyncPolicy::kNone;
  c.options.sync_interval =
      node.DurationValue("sync_interval", 100 * kMillisecond, kMillisecond, 10 * kSecond);
  for (const ConfigNode& rule : node["retention"].Items()) {
    rule.AllowKeys({"prefix", "keep_raw", "keep_aggregates"});
    RetentionRule r;
    r.prefix = rule.String("prefix", "");
    r.keep_raw = rule.DurationValue("keep_raw", 0, 0, 100 * kYear);
    r.keep_aggregates = rule.DurationValue("keep_aggregates", 0, 0, 100 * kYear);
    if (r.keep_aggregates != 0 && r.keep_aggregates < r.keep_raw) {
      rule.ErrorAt("keep_aggregates", "must be at least keep_raw (aggregates outlive raw data)");
    }
    c.options.retention.push_back(std::move(r));
  }
  if (node["disk_floor"].IsPresent()) {
    const std::string text = node.String("disk_floor", "0");
    if (!ParseBytes(text, c.options.disk_floor_bytes)) {
      node.ErrorAt("disk_floor", "expected a size such as 2GB or 500MB, got '" + text + "'");
    }
  }
  for (const ConfigNode& p : node["low_priority"].Items()) c.low_priority.push_back(p.AsString());
  c.options.pack_after = node.DurationValue("pack_after", kDay, 0, 100 * kYear);
  c.maintenance_interval = node.DurationValue("maintenance_interval", 10 * kMinute, kSecond, kDay);
  return c;
}

Status ApplyLowPriority(Historian& historian, const std::vector<std::string>& prefixes,
                        const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    bool low = false;
    for (const std::string& p : prefixes) low |= path.rfind(p, 0) == 0;
    if (!low) continue;
    GANTRY_ASSIGN_OR_RETURN(SeriesId id, historian.SeriesFor(path));
    GANTRY_RETURN_IF_ERROR(historian.SetPriority(id, -1));
  }
  return Status::Ok();
}

}  // namespace gantry::historian
