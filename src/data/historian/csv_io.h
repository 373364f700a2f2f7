// CSV import and export of historian data, one sample per row: timestamp,tag,value[,quality].
// Timestamps are ISO 8601 or epoch numbers (see ParseTimestamp); values "true"/"false" are
// booleans, numbers are doubles (or int64 when asked), an empty field is no value, anything else
// a string (RFC 4180 quoting). Quality is a name ("Good", "BadNotConnected") or 0x hex; Good when
// absent. A first line starting with "timestamp" is a header.
//
//   auto resolve = CatalogResolver(historian);
//   GANTRY_ASSIGN_OR_RETURN(CsvImportStats st, ImportCsv(historian, resolve, file));
//   GANTRY_RETURN_IF_ERROR(ExportCsv(historian, {series}, from, to, std::cout));
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <span>
#include <string_view>

#include "core/sample.h"
#include "core/status.h"
#include "data/historian/historian.h"

namespace gantry::historian {

// Maps a tag path in the file to the TagId the historian has bound to it.
using TagResolver = std::function<Result<TagId>(std::string_view path)>;

// A resolver for files whose tags need no registry: binds each path to the historian's series
// for it under a TagId of 0x80000000 + series id (a range the tag registry does not use).
TagResolver CatalogResolver(Historian& historian);

struct CsvImportOptions {
  size_t batch_size = 10'000;      // samples per Append
  bool integers_as_int64 = false;  // "42" becomes int64 instead of double
};

struct CsvImportStats {
  uint64_t rows = 0;
  uint64_t samples = 0;
};

// Appends every row of `in`. Stops at the first bad row with InvalidArgument naming the line
// and the field; rows before it are stored.
Result<CsvImportStats> ImportCsv(Historian& historian, const TagResolver& resolve, std::istream& in,
                                 const CsvImportOptions& options = {});

// Writes the samples of `series` with from <= time < to, series by series in time order, with a
// header line. Tags are written as their catalog paths.
Status ExportCsv(Historian& historian, std::span<const SeriesId> series, Timestamp from,
                 Timestamp to, std::ostream& out);

}  // namespace gantry::historian
