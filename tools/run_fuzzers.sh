#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang + ASan/UBSan) in build-fuzz/ and runs them.
#   tools/run_fuzzers.sh [SECONDS_PER_TARGET=600] [TARGETS="config checkpoint coco_json voc"] [PARALLEL=2]
# Needs clang (tools/install_fuzz_deps.sh; not part of tools/install_deps.sh). Each target starts
# from its committed seeds (tests/fuzz/corpus/<target>) and grows a scratch corpus in
# build-fuzz/corpus/<target>; a crash is written to build-fuzz/crashes/<target>/. Commit crash inputs
# to tests/fuzz/crashes/<target>/ once fixed: test_fuzz (ctest) replays them in the normal build.
set -euo pipefail
seconds=${1:-600}
targets=${2:-"config checkpoint coco_json voc"}
parallel=${3:-2}
cd "$(dirname "$0")/.."
command -v clang++ >/dev/null || { echo "run_fuzzers.sh: clang++ not found (apt-get install clang)" >&2; exit 2; }
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DDETSEQ_FUZZ=ON \
  -DDETSEQ_BUILD_TESTS=OFF -DDETSEQ_USE_PCH=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build build-fuzz -j2 --target $(printf 'fuzz_%s ' $targets)

export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"

run_one() {
  local t=$1
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/crashes/$t"
  # Leak checks stay on; 2 GB RSS and 1 GB per allocation count as "exhausts memory". Fork mode
  # keeps fuzzing after a finding, so one run collects all of them.
  nice -n 10 "build-fuzz/fuzz_$t" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" -fork=1 -ignore_crashes=1 \
    -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -max_len=65536 \
    -artifact_prefix="build-fuzz/crashes/$t/" -print_final_stats=1 >"build-fuzz/fuzz_$t.log" 2>&1 || true
  echo "== $t: $(grep -E '^#[0-9]+' "build-fuzz/fuzz_$t.log" | tail -1)"
  ls "build-fuzz/crashes/$t" | sed "s|^|   finding: build-fuzz/crashes/$t/|"
}

running=0
for t in $targets; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then wait -n; running=$((running - 1)); fi
done
wait
