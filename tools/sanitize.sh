#!/usr/bin/env bash
# Builds detseq with sanitizers in its own build folder and runs tests there.
#   tools/sanitize.sh [address,undefined]   -> build-asan/, the whole suite under ASan + UBSan
#   tools/sanitize.sh thread                -> build-tsan/, the data loader and runner tests under TSan
# Extra arguments go to ctest (e.g. -R Config), or with thread to the two gtest executables
# (e.g. --gtest_filter=DataLoader.*). JOBS=N sets the parallelism (default: nproc).
# Suppressions for LibTorch / TBB / OpenMP internals, one reason per line: tools/sanitizers/*.supp.
set -euo pipefail
mode=${1:-address,undefined}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
supp=$root/tools/sanitizers
jobs=${JOBS:-$(nproc)}

case "$mode" in
  address,undefined | undefined,address | address | undefined) build=$root/build-asan ;;
  thread) build=$root/build-tsan ;;
  *)
    echo "usage: tools/sanitize.sh [address,undefined|thread] [ctest args...]" >&2
    exit 2
    ;;
esac

# RelWithDebInfo: sanitizer reports need line numbers; -O2 keeps the suite's run time bearable.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDETSEQ_SANITIZE="$mode"

# halt_on_error: a report fails the test instead of scrolling by.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:strict_init_order=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp"

if [[ "$mode" == thread ]]; then
  # The multi-threaded parts: the TBB data loader and the runner (loops, hooks, checkpoints).
  cmake --build "$build" -j"$jobs" --target test_loader test_engine
  "$build/tests/test_loader" "$@"
  "$build/tests/test_engine" --gtest_filter='-*DeathTest*' "$@"
else
  cmake --build "$build" -j"$jobs"
  ctest --test-dir "$build" --output-on-failure -j"$jobs" "$@"
fi
