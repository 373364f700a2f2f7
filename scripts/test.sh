#!/usr/bin/env bash
# Builds and runs every test: the unit and integration tests under ASan+UBSan (clang), the interop tests
# against independent peers (started by the tests on loopback), the libFuzzer targets over
# their committed corpora, and (on a full run) the web dashboard in headless Chromium. Installs its
# own dependencies first.
#   scripts/test.sh            everything
#   scripts/test.sh -R modbus  only ctest tests matching a regex
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test

jobs=$(nproc)
# One clang build instruments everything once with ASan+UBSan (and libFuzzer's coverage), and holds
# both the tests and the fuzz targets: compiling the tree twice (gcc for the tests, clang for the
# fuzzers) took most of the CI time. -O0 with line tables only keeps the compile short.
build=build/ci
echo "== build: tests and libFuzzer targets under ASan+UBSan ($build)"
cmake --preset ci >/dev/null
cmake --build "$build" -j "$jobs"

echo "== fuzz: replay committed corpora, then 10 s of fresh fuzzing per target ($jobs at a time)"
# One fuzz target: replays its corpus, fuzzes 10 s, writes $build/<name>.log and <name>.status.
fuzz_one() {
  local target=$1 build=$2 name corpus work status=ok
  name=$(basename "$target")
  corpus="tests/fuzz/corpus/$name"
  mkdir -p "$corpus"
  work=$(mktemp -d)
  "$target" -max_total_time=10 -timeout=5 -rss_limit_mb=2048 -print_final_stats=0 \
    "$work" "$corpus" >"$build/$name.log" 2>&1 || status=failed
  echo "$status" >"$build/$name.status"
  rm -rf "$work"
}
export -f fuzz_one
targets=()
for target in "$build"/src/*/*_fuzz "$build"/src/*/*/*_fuzz; do
  [[ -x "$target" ]] && targets+=("$target")
done
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$1" "$2"' _ {} "$build"
fuzz_failed=0
for target in "${targets[@]}"; do
  name=$(basename "$target")
  if [[ "$(cat "$build/$name.status" 2>/dev/null)" != ok ]]; then
    echo "FUZZ FAILED: $name (see $build/$name.log)"; tail -30 "$build/$name.log"; fuzz_failed=1
  else
    echo "fuzz ok: $name"
  fi
done

echo "== tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"

if (( $# == 0 )); then
  echo "== browser: the dashboard in Debian's Chromium (screenshots in build/browser-screenshots)"
  (cd web && npm run build >/dev/null)
  node tests/browser/dashboard_test.mjs --gantry "$build/src/gantry" --shots build/browser-screenshots
fi
exit $fuzz_failed
