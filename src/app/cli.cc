#include "app/cli.h"

#include <cstdio>

namespace gantry {

int RunCli(int argc, char** argv) {
  (void)argc;
  (void)argv;
  std::puts("gantry 0.1.0");
  return 0;
}

}  // namespace gantry
