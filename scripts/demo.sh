#!/usr/bin/env bash
# Builds Gantry (release) and the web dashboard, and starts the demo: the simulated packaging line,
# the Modbus connector, the historian, the API and the dashboard (at /), on a fresh data folder.
# Installs its own dependencies first.
#   scripts/demo.sh [--port 8080] [--data DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build build/release -j "$(nproc)" --target gantry_exe
(cd web && npm run build >/dev/null)  # the dashboard gantry serves at / (web/dist)
exec build/release/src/gantry demo "$@"
