#!/usr/bin/env bash
# Shared by tools/dist_train.sh and tools/dist_test.sh: starts NPROC local `detseq SUBCOMMAND`
# processes with torchrun's environment variables and `--launcher pytorch`:
#   tools/dist_run.sh SUBCOMMAND NPROC [detseq SUBCOMMAND args...]
# Env: DETSEQ (binary, default build/detseq), MASTER_ADDR (127.0.0.1), MASTER_PORT (29500),
#      OMP_NUM_THREADS (default: cores / NPROC, at least 1, so the ranks share the cores; a
#      config's env_cfg.num_threads or --threads still win).
# Every rank logs to its stderr; rank 0 writes the work dir. The script fails if any rank fails.
set -euo pipefail
SCRIPT=${DIST_SCRIPT_NAME:-$0}
SUBCOMMAND=$1
NPROC=$2
shift 2
if ! [[ "$NPROC" =~ ^[1-9][0-9]*$ ]]; then
  echo "$SCRIPT: NPROC must be a positive integer, got '$NPROC'" >&2
  exit 2
fi
DETSEQ=${DETSEQ:-$(dirname "$0")/../build/detseq}
if [[ ! -x "$DETSEQ" ]]; then
  echo "$SCRIPT: detseq binary not found at $DETSEQ (set DETSEQ=/path/to/detseq)" >&2
  exit 2
fi
if [[ -z "${OMP_NUM_THREADS:-}" ]]; then
  cores=$(nproc)
  export OMP_NUM_THREADS=$(( cores / NPROC > 0 ? cores / NPROC : 1 ))
  echo "$SCRIPT: OMP_NUM_THREADS=$OMP_NUM_THREADS per rank ($cores cores / $NPROC processes; set OMP_NUM_THREADS or pass --threads to change)" >&2
fi
export MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
export MASTER_PORT=${MASTER_PORT:-29500}
export WORLD_SIZE=$NPROC
pids=()
for ((rank = 0; rank < NPROC; rank++)); do
  RANK=$rank LOCAL_RANK=$rank "$DETSEQ" "$SUBCOMMAND" --launcher pytorch "$@" &
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
