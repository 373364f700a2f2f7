// Recorded samples for `gantry replay`: the CSV file (timestamp,tag,value[,quality]) parsed into a
// SampleTable whose tag paths are interned (each distinct path stored once, samples refer to it by
// index), so that a replay of millions of lines resolves each path once, not once per line.
//
//   GANTRY_ASSIGN_OR_RETURN(SampleTable t, ParseSamplesCsv(text));
//   for (const Sample& s : t.samples) Use(t.paths[s.tag], s.time, s.value);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sample.h"
#include "core/status.h"
#include "core/time.h"

namespace gantry::ctx {

// Samples with interned tag paths: `samples[i].tag` is an index into `paths` (not a TagId).
struct SampleTable {
  std::vector<std::string> paths;  // distinct, in order of first appearance
  std::vector<Sample> samples;     // in file (or time) order
};

// Parses samples CSV (timestamp,tag,value[,quality]; blank lines, '#' comments and a header line
// skipped; fields trimmed of spaces and tabs) in file order. Timestamps as ParseTimestamp (ISO 8601
// or epoch; the common `YYYY-MM-DDTHH:MM:SS[.f]Z` by a fast path that gives the same instants);
// values a number, true or false (empty = no value, quality Bad). InvalidArgument naming the line
// and what was expected.
Result<SampleTable> ParseSamplesCsv(std::string_view csv);

// The last date the fast path read, so that a file of one day does its calendar arithmetic once.
struct IsoDayCache {
  char date[10] = {};  // "YYYY-MM-DD"
  int64_t days = 0;    // since 1970-01-01
  bool valid = false;
};

// The fast path alone: `YYYY-MM-DDTHH:MM:SS[.fraction]Z` as UTC ns, the same instant
// ParseTimestamp gives; nullopt for anything else (offsets, a space or lower-case separator,
// epoch numbers, invalid dates: the caller then asks ParseTimestamp).
std::optional<Timestamp> ParseIsoUtcFast(std::string_view text, IsoDayCache& cache);

}  // namespace gantry::ctx
