#!/usr/bin/env bash
# Launch NPROC local training processes with torchrun-style environment variables:
#   tools/dist_train.sh NPROC CONFIG [detseq train args...]
# Env: DETSEQ (binary, default build/detseq), MASTER_ADDR (127.0.0.1), MASTER_PORT (29500),
#      OMP/threads: set env_cfg.num_threads in the config (e.g. cores / NPROC).
# Every rank logs to its stderr; rank 0 writes the work dir. The script fails if any rank fails.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 NPROC CONFIG [detseq train args...]" >&2
  exit 2
fi
NPROC=$1
CONFIG=$2
shift 2
if ! [[ "$NPROC" =~ ^[1-9][0-9]*$ ]]; then
  echo "$0: NPROC must be a positive integer, got '$NPROC'" >&2
  exit 2
fi
DETSEQ=${DETSEQ:-$(dirname "$0")/../build/detseq}
if [[ ! -x "$DETSEQ" ]]; then
  echo "$0: detseq binary not found at $DETSEQ (set DETSEQ=/path/to/detseq)" >&2
  exit 2
fi
export MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
export MASTER_PORT=${MASTER_PORT:-29500}
export WORLD_SIZE=$NPROC
pids=()
for ((rank = 0; rank < NPROC; rank++)); do
  RANK=$rank LOCAL_RANK=$rank "$DETSEQ" train "$CONFIG" "$@" &
  pids+=($!)
done
# If one rank fails, stop the others (they would wait for it forever).
status=0
for pid in "${pids[@]}"; do
  if ! wait "$pid"; then
    status=1
    for other in "${pids[@]}"; do kill "$other" 2>/dev/null || true; done
  fi
done
exit $status
