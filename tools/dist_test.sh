#!/usr/bin/env bash
# Multi-process testing on this machine, as mmdetection's tools/dist_test.sh:
#   tools/dist_test.sh NPROC CONFIG CHECKPOINT [detseq test args...]
# Each rank evaluates its share of test_dataloader; rank 0 gathers the metric and prints it.
# Environment knobs (DETSEQ, MASTER_PORT, OMP_NUM_THREADS) in tools/dist_run.sh.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 NPROC CONFIG CHECKPOINT [detseq test args...]" >&2
  exit 2
fi
DIST_SCRIPT_NAME=$0 exec "$(dirname "$0")/dist_run.sh" test "$@"
