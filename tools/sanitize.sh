#!/usr/bin/env bash
# Builds detseq with sanitizers in its own build folder and runs tests there.
#   tools/sanitize.sh [address,undefined]   -> build-asan/, the whole suite under ASan + UBSan
#   tools/sanitize.sh thread                -> build-tsan/, the data loader and runner tests under TSan
# Extra arguments go to ctest (e.g. -R Config), or with thread to the two gtest executables
# (e.g. --gtest_filter=DataLoader.*). JOBS=N sets the parallelism (default: nproc).
# Suppressions for LibTorch / OpenMP internals, one reason per line: tools/sanitizers/*.supp.
# thread also builds Debian's own oneTBB source with -fsanitize=thread (build-tsan/onetbb, once):
# the loader's parallel_for hands tasks to TBB's workers inside libtbb, and an uninstrumented libtbb
# hides those hand-offs from TSan, which then reports false races in the inlined partitioner code.
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

extra=()
if [[ "$mode" == thread ]]; then
  tbb_prefix=$build/onetbb/install
  if [[ ! -f $tbb_prefix/lib/cmake/TBB/TBBConfig.cmake ]]; then
    tbb_src=$build/onetbb/src
    if [[ ! -d $tbb_src ]]; then
      # The same oneTBB version as libtbb-dev, from Debian's source archive (deb-src added if absent).
      version=$(dpkg-query -W -f='${Version}' libtbb-dev)
      if ! apt-get source --print-uris "onetbb=$version" >/dev/null 2>&1; then
        printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
          >/etc/apt/sources.list.d/detseq-deb-src.sources
        apt-get update -qq
      fi
      command -v dpkg-source >/dev/null || apt-get install -y -qq dpkg-dev
      mkdir -p "$build/onetbb"
      (cd "$build/onetbb" && apt-get source --download-only -qq "onetbb=$version" &&
        dpkg-source -x --no-check onetbb_*.dsc src >/dev/null)
    fi
    # TBB_STRICT off: GCC's -Wtsan warns that TSan does not model atomic_thread_fence (TBB's own
    # sanitizer CI uses clang); a warning, not a reason to give up the instrumented build.
    cmake -S "$tbb_src" -B "$build/onetbb/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_SANITIZE=thread \
      -DTBB_STRICT=OFF -DCMAKE_CXX_FLAGS=-Wno-tsan \
      -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DCMAKE_INSTALL_PREFIX="$tbb_prefix"
    cmake --build "$build/onetbb/build" -j"$jobs" --target install
  fi
  extra+=(-DTBB_DIR="$tbb_prefix/lib/cmake/TBB")
fi

# RelWithDebInfo: sanitizer reports need line numbers; -O2 keeps the suite's run time bearable.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDETSEQ_SANITIZE="$mode" "${extra[@]}"

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
