// gantry: the command-line entry point. Everything else lives in the gantry library.
#include "app/cli.h"

int main(int argc, char** argv) {
  return gantry::RunCli(argc, argv);
}
