#include "data/historian/csv_io.h"

#include <charconv>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace gantry::historian {
namespace {

constexpr TagId kImportTagBase = 0x80000000u;

// Splits one CSV line into fields (RFC 4180 quotes); false on an unterminated quote.
bool SplitCsv(const std::string& line, std::vector<std::string>& fields) {
  fields.clear();
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  fields.push_back(std::move(cur));
  return !quoted;
}

Value ParseValue(const std::string& s, bool ints) {
  if (s.empty()) return Value();
  if (s == "true") return Value(true);
  if (s == "false") return Value(false);
  const char* end = s.data() + s.size();
  if (ints) {
    int64_t i = 0;
    auto [p, ec] = std::from_chars(s.data(), end, i);
    if (ec == std::errc() && p == end) return Value(i);
  }
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), end, d);
  if (ec == std::errc() && p == end) return Value(d);
  return Value(s);
}

std::string Quote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

TagResolver CatalogResolver(Historian& historian) {
  return [&historian](std::string_view path) -> Result<TagId> {
    GANTRY_ASSIGN_OR_RETURN(SeriesId id, historian.SeriesFor(path));
    const TagId tag = kImportTagBase + id;
    GANTRY_RETURN_IF_ERROR(historian.BindTag(tag, path));
    return tag;
  };
}

Result<CsvImportStats> ImportCsv(Historian& historian, const TagResolver& resolve, std::istream& in,
                                 const CsvImportOptions& options) {
  CsvImportStats stats;
  std::vector<Sample> batch;
  std::vector<std::string> f;
  std::string line;
  std::string last_path;
  TagId last_tag = kInvalidTagId;
  for (uint64_t line_no = 1; std::getline(in, line); ++line_no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_no == 1 && line.rfind("timestamp", 0) == 0)) continue;
    const std::string where = "csv line " + std::to_string(line_no) + ": ";
    if (!SplitCsv(line, f)) return InvalidArgument(where + "unterminated quote");
    if (f.size() < 3 || f.size() > 4) {
      return InvalidArgument(where + "expected timestamp,tag,value[,quality], found " +
                             std::to_string(f.size()) + " fields");
    }
    auto t = ParseTimestamp(f[0]);
    if (!t.ok()) return InvalidArgument(where + "timestamp: " + t.status().message());
    if (f[1].empty()) return InvalidArgument(where + "tag: empty");
    if (f[1] != last_path) {
      auto tag = resolve(f[1]);
      if (!tag.ok())
        return InvalidArgument(where + "tag '" + f[1] + "': " + tag.status().message());
      last_path = f[1];
      last_tag = *tag;
    }
    Quality q = Quality::Good();
    if (f.size() == 4 && !f[3].empty() && !Quality::FromName(f[3], q)) {
      return InvalidArgument(where + "quality: '" + f[3] +
                             "' is not a quality name (Good, Uncertain, Bad, BadNotConnected, "
                             "...) or 0x hex code");
    }
    batch.push_back({last_tag, *t, ParseValue(f[2], options.integers_as_int64), q});
    ++stats.rows;
    if (batch.size() >= options.batch_size) {
      GANTRY_RETURN_IF_ERROR(historian.Append(batch).WithContext(where));
      stats.samples += batch.size();
      batch.clear();
    }
  }
  if (!batch.empty()) {
    GANTRY_RETURN_IF_ERROR(historian.Append(batch));
    stats.samples += batch.size();
  }
  return stats;
}

Status ExportCsv(Historian& historian, std::span<const SeriesId> series, Timestamp from,
                 Timestamp to, std::ostream& out) {
  out << "timestamp,tag,value,quality\n";
  for (SeriesId s : series) {
    auto path = historian.PathOf(s);
    if (!path) return NotFound("export: no series " + std::to_string(s));
    const std::string tag = Quote(*path);
    std::optional<RawCursor> cursor;
    do {
      GANTRY_ASSIGN_OR_RETURN(RawPage page, historian.ReadRaw(s, from, to, 100'000, cursor));
      for (const Point& p : page.points) {
        out << FormatIso8601(p.time) << ',' << tag << ',' << Quote(p.value.ToString()) << ','
            << p.quality.Name() << '\n';
      }
      cursor = page.next;
    } while (cursor);
  }
  if (!out) return IoError("export: cannot write the CSV output");
  return Status::Ok();
}

}  // namespace gantry::historian
