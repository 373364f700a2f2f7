#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/commands.h"
#include "app/opcua_browse_command.h"
#include "app/opcua_cert_command.h"
#include "app/security_command.h"
#include "context/replay.h"

namespace gantry {

int RunCli(int argc, char** argv) {
  CLI::App app{
      "Gantry: from the PLC to the ERP. Reads machines, names and stores every signal,\n"
      "turns it into shop-floor facts and hands them to the enterprise."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "gantry 0.1.0");

  CheckArgs check;
  auto* check_cmd =
      app.add_subcommand("check", "Validate a configuration file and list every error");
  check_cmd->add_option("--config,-c", check.config, "Plant configuration (YAML)")->required();

  RunArgs demo;
  demo.demo = true;
  auto* demo_cmd = app.add_subcommand(
      "demo", "Start the simulated packaging line, the connectors, the historian and the API");
  demo_cmd
      ->add_option("--port,-p", demo.port, "HTTP port of the API (default 8080; 0: a free port)")
      ->check(CLI::Range(0, 65535));
  demo_cmd->add_option("--data,-d", demo.data_dir, "Data folder (default: a fresh temporary one)");
  demo_cmd
      ->add_option("--sim-port", demo.sim_port,
                   "First Modbus TCP port of the simulator (default 5020; 0: free ports)")
      ->check(CLI::Range(0, 65000));
  demo_cmd->add_option("--time-scale", demo.time_scale,
                       "Simulated seconds per real second (default 1)");
  demo_cmd->add_option("--config,-c", demo.config,
                       "Use this configuration instead of the built-in demo plant");

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a plant from its configuration");
  run_cmd->add_option("--config,-c", run.config, "Plant configuration (YAML)")->required();
  run_cmd->add_option("--port,-p", run.port, "HTTP port of the API (overrides api.port)")
      ->check(CLI::Range(0, 65535));
  run_cmd->add_option("--data,-d", run.data_dir, "Data folder (overrides data_dir)");

  SimArgs sim;
  auto* sim_cmd = app.add_subcommand("sim", "Serve the simulated packaging line over Modbus TCP");
  sim_cmd->add_option("--listen", sim.listen, "Address to listen on (default 127.0.0.1)");
  sim_cmd->add_option("--port,-p", sim.base_port,
                      "First port; machine i listens on port+i (default 5020)");
  sim_cmd->add_option("--seed", sim.seed,
                      "Random seed; the same seed gives the same plant (default 42)");
  sim_cmd->add_option("--time-scale", sim.time_scale,
                      "Simulated seconds per real second (default 1)");

  auto* replay_cmd = app.add_subcommand(
      "replay",
      "Run the operations engine over recorded samples and write the ISO 22400 report:\n"
      "  gantry replay --config FILE (--samples FILE.csv | --historian DIR --from T --to T |\n"
      "                               --data DIR --from T --to T)\n"
      "                [--events operations.sqlite] [--orders FILE] [--stops FILE] --out "
      "report.json");
  replay_cmd->prefix_command();

  auto* historian_cmd = app.add_subcommand("historian", "Import or export historian data as CSV");
  historian_cmd->require_subcommand(1);
  HistorianImportArgs import_args;
  auto* import_cmd = historian_cmd->add_subcommand(
      "import", "Import CSV files (timestamp,tag,value[,quality]) into DIR/historian");
  import_cmd->add_option("--data,-d", import_args.data_dir, "Gantry data folder")->required();
  import_cmd->add_option("files", import_args.files, "CSV files")->required();
  import_cmd->add_flag("--integers", import_args.integers_as_int64,
                       "Store whole numbers as int64 instead of double");
  HistorianExportArgs export_args;
  auto* export_cmd = historian_cmd->add_subcommand("export", "Export stored samples as CSV");
  export_cmd->add_option("--data,-d", export_args.data_dir, "Gantry data folder")->required();
  export_cmd->add_option("--tag,-t", export_args.tags, "Tag path (repeatable)")->required();
  export_cmd->add_option("--from", export_args.from, "Start (ISO 8601 or epoch)")->required();
  export_cmd->add_option("--to", export_args.to, "End, exclusive (ISO 8601 or epoch)")->required();
  export_cmd->add_option("--out,-o", export_args.out, "Output file (default: standard output)");

  OpcUaCertCli opcua_cert;  // `gantry opcua cert` (app/opcua_cert_command.h)
  opcua_cert.Register(app);

  OpcUaBrowseCli opcua_browse;  // `gantry opcua browse` (app/opcua_browse_command.h)
  opcua_browse.Register(app);

  SecurityCli security;  // token, user, audit, cert (app/security_command.h)
  security.Register(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (std::optional<int> rc = opcua_cert.Run()) return *rc;
  if (std::optional<int> rc = opcua_browse.Run()) return *rc;
  if (std::optional<int> rc = security.Run()) return *rc;
  if (*check_cmd) return RunCheck(check);
  if (*demo_cmd) return RunPlant(demo);
  if (*run_cmd) return RunPlant(run);
  if (*sim_cmd) return RunSim(sim);
  if (*replay_cmd) return ctx::RunReplayCommand(replay_cmd->remaining());
  if (*import_cmd) return RunHistorianImport(import_args);
  if (*export_cmd) return RunHistorianExport(export_args);
  return 2;
}

}  // namespace gantry
