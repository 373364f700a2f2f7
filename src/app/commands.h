// The subcommands of `gantry`, one function each. They return the process exit code and log
// readable progress; the CLI in cli.cc only parses arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gantry {

struct CheckArgs {
  std::string config;
};
// `gantry check --config FILE`: validates, prints every error or a short summary. 0 / 2.
int RunCheck(const CheckArgs& args);

struct RunArgs {
  std::string config;     // empty: the built-in demo plant
  std::string data_dir;   // overrides the configuration's data_dir
  int port = -1;          // overrides api.port when >= 0 (0: a free port)
  int sim_port = -1;      // overrides simulator.base_port (and the demo devices' ports)
                          // when >= 0 (0: free ports)
  bool demo = false;      // demo mode: built-in config, fresh data folder, simulator on
  double time_scale = 0;  // 0: keep the configuration's simulator time scale
};
// `gantry run` and `gantry demo`: start everything, serve until SIGINT/SIGTERM, stop cleanly.
int RunPlant(const RunArgs& args);

struct SimArgs {
  std::string listen = "127.0.0.1";
  int base_port = 5020;
  uint64_t seed = 42;
  double time_scale = 1.0;
};
// `gantry sim`: the simulated packaging line alone, as Modbus TCP servers.
int RunSim(const SimArgs& args);

struct HistorianImportArgs {
  std::string data_dir;            // the gantry data folder (the store is DIR/historian)
  std::vector<std::string> files;  // CSV: timestamp,tag,value[,quality]
  bool integers_as_int64 = false;
};
// `gantry historian import --data DIR FILE...`
int RunHistorianImport(const HistorianImportArgs& args);

struct HistorianExportArgs {
  std::string data_dir;
  std::vector<std::string> tags;  // tag paths
  std::string from, to;           // ISO 8601 or epoch
  std::string out;                // empty: standard output
};
// `gantry historian export --data DIR --tag PATH... --from T --to T [--out FILE]`
int RunHistorianExport(const HistorianExportArgs& args);

}  // namespace gantry
