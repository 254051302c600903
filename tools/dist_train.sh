#!/usr/bin/env bash
# Multi-process training on this machine, as mmdetection's tools/dist_train.sh:
#   tools/dist_train.sh NPROC CONFIG [detseq train args...]
# NPROC `detseq train --launcher pytorch` processes with RANK, LOCAL_RANK, WORLD_SIZE,
# MASTER_ADDR, MASTER_PORT set; environment knobs (DETSEQ, MASTER_PORT, OMP_NUM_THREADS) in
# tools/dist_run.sh.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 NPROC CONFIG [detseq train args...]" >&2
  exit 2
fi
DIST_SCRIPT_NAME=$0 exec "$(dirname "$0")/dist_run.sh" train "$@"
