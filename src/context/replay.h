// `gantry replay`: the operations engine run over recorded samples, written as one JSON report
// with every ISO 22400 time and quantity, A/E/QR/OEE and the downtime intervals with reasons, per
// work centre and rolled up (line, area, site, enterprise), by shift, day, order and product.
// The same inputs give a byte-identical report. Formats: docs/operations.md ("Replay").
//
//   ReplayInput in{.config_path = "plant.yaml", .samples_csv = ReadFile("s.csv")};
//   GANTRY_ASSIGN_OR_RETURN(std::string json, Replay(in));
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "context/samples_csv.h"
#include "core/sample.h"
#include "core/status.h"
#include "core/time.h"

namespace gantry::ctx {

struct ReplayInput {
  std::string config_path;  // the plant YAML (its operations part is used), or
  std::string config_text;  // the YAML itself when config_path is empty
  std::string samples_csv;  // timestamp,tag,value[,quality] lines (a header line is skipped)
  std::string orders_csv;   // optional: timestamp,work_centre,action,order,product,operator[,ict]
  std::string stops_csv;  // optional: work_centre,from,to,reason (operator-declared planned stops)
  // optional: an operations.sqlite (a data folder's event store) whose order transitions, declared
  // planned stops and assigned reasons are replayed with the samples (read, never written).
  std::string events_path;
  std::optional<Timestamp> from;  // default: the first sample's time
  std::optional<Timestamp> to;    // default: the last sample's time
};

// Runs the engine and returns the report (JSON, ends with a newline). Errors name the file, line
// and what was expected (configuration, CSV).
Result<std::string> Replay(const ReplayInput& input);

// Runs the engine over samples already read (the CSV file's or a historian query's; see
// samples_csv.h: `sample.tag` indexes `samples.paths`), each distinct path resolved once.
Result<std::string> ReplaySamples(const ReplayInput& input, const SampleTable& samples);

// The CLI entry: `gantry replay --config FILE (--samples FILE.csv | --historian DIR --from T
// --to T | --data DIR --from T --to T) [--events FILE] [--orders FILE] [--stops FILE] [--from T]
// [--to T] --out report.json`; --data DIR = --historian DIR/historian --events
// DIR/operations.sqlite. args excludes "replay". Returns the exit code (0, 1
// runtime, 2 usage).
int RunReplayCommand(const std::vector<std::string>& args);

}  // namespace gantry::ctx
