// The `gantry` command line: run, demo, sim, check, replay, historian, ... Each subcommand is a
// function of the app layer; this dispatches to them and turns a Status into an exit code.
#pragma once

namespace gantry {

// Parses argv, runs the chosen subcommand, returns the process exit code (0 ok, 1 runtime error,
// 2 usage or configuration error).
int RunCli(int argc, char** argv);

}  // namespace gantry
