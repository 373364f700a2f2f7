#!/usr/bin/env bash
# Installs what Gantry needs to build, test and run, from Debian 12 packages and the npm registry
# only. Idempotent and quiet when everything is there already.
#   scripts/deps.sh            build + runtime packages
#   scripts/deps.sh --test     also the test peers (clang for libFuzzer, npm interop packages,
#                              Debian's Chromium for the dashboard's browser test)
# Both install the web dashboard's npm packages (web/package-lock.json, npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

packages=(build-essential cmake ninja-build pkg-config ccache
  libboost-dev libmodbus-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  nlohmann-json3-dev libsqlite3-dev libzstd-dev libsodium-dev libpugixml-dev
  libhowardhinnant-date-dev libssl-dev libmosquitto-dev libnats-dev tzdata curl)
# Node.js may come from Debian or from another Debian-format package (e.g. NodeSource's nodejs,
# which bundles npm and conflicts with Debian's npm): only install when the commands are missing.
# Needed to build the web dashboard (and by the interop tests).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
if (( want_test )); then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev socat chromium
    mosquitto nats-server)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if (( want_test )) && [[ -f tests/interop/package.json ]]; then
  if [[ ! -d tests/interop/node_modules ]] || [[ tests/interop/package.json -nt tests/interop/node_modules ]]; then
    echo "deps: npm install in tests/interop" >&2
    (cd tests/interop && npm install --no-audit --no-fund --loglevel=error >/dev/null)
    touch tests/interop/node_modules
  fi
fi

# The web dashboard's build tools and, for the browser test, playwright-core (it drives Debian's
# /usr/bin/chromium; no browser is ever downloaded).
if [[ -f web/package-lock.json ]]; then
  if [[ ! -d web/node_modules ]] || [[ web/package-lock.json -nt web/node_modules ]]; then
    echo "deps: npm ci in web" >&2
    (cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch web/node_modules
  fi
fi
