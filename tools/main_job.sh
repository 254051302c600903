#!/usr/bin/env bash
# Main job (README command 1, after the build): train a small Pix2Seq on the 8 bundled COCO images
# (tests/data/coco_tiny8), evaluate the checkpoint with `detseq test --show-dir`, plot the
# training log with `detseq plot-logs`, and print where the results are.
#
#   bash tools/main_job.sh            run from anywhere; paths are relative to the repo root
#
# Rerunning is safe: a finished run is reused (only test and plot run again), an interrupted one
# resumes from its last checkpoint. Environment knobs:
#   DETSEQ_BIN=build/detseq   the binary       MAIN_JOB_FRESH=1  delete the work dir and retrain
#   MAIN_JOB_THREADS=<nproc>  LibTorch threads MAIN_JOB_WORK_DIR=work_dirs/main_job
set -euo pipefail

die() {
  echo "main_job: error: $*" >&2
  exit 1
}
trap 'die "step failed (line $LINENO): $BASH_COMMAND"' ERR

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BIN="${DETSEQ_BIN:-build/detseq}"
CONFIG="configs/recipes/pix2seq_r18_tiny8_quickstart.yaml"
WORK="${MAIN_JOB_WORK_DIR:-work_dirs/main_job}"
THREADS="${MAIN_JOB_THREADS:-$(nproc)}"
DATA="tests/data/coco_tiny8"

[[ -x "$BIN" ]] || die "no detseq binary at '$BIN' — build it first: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2 --target detseq (or set DETSEQ_BIN)"
[[ -f "$DATA/annotations/instances.json" ]] || die "bundled data missing: $DATA/annotations/instances.json (is this a complete checkout?)"
[[ -f "$CONFIG" ]] || die "config missing: $CONFIG"
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "MAIN_JOB_THREADS must be a positive integer, got '$THREADS'"

if [[ "${MAIN_JOB_FRESH:-0}" == 1 ]]; then
  echo "main_job: MAIN_JOB_FRESH=1: removing $WORK"
  rm -rf "$WORK"
fi
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"  # absolute, so the summary paths work from anywhere

# The last epoch's checkpoint marks a finished run (the config's checkpoint interval divides it).
MAX_EPOCHS="$("$BIN" print-config "$CONFIG" | sed -n 's/^  max_epochs: *\([0-9][0-9]*\).*/\1/p' | head -n 1)"
[[ -n "$MAX_EPOCHS" ]] || die "could not read train_cfg.max_epochs from $CONFIG"
FINAL_CKPT="$WORK/epoch_${MAX_EPOCHS}.pth"
COMMON=(--cfg-options "env_cfg.num_threads=$THREADS")

start=$SECONDS
echo "== 1/3 train: $CONFIG -> $WORK ($MAX_EPOCHS epochs, $THREADS threads)"
if [[ -f "$FINAL_CKPT" ]]; then
  echo "main_job: $FINAL_CKPT exists: training already finished (MAIN_JOB_FRESH=1 retrains)"
elif [[ -f "$WORK/last_checkpoint" ]]; then
  echo "main_job: resuming the interrupted run from $(cat "$WORK/last_checkpoint")"
  "$BIN" train "$CONFIG" --work-dir "$WORK" --resume auto "${COMMON[@]}"
else
  "$BIN" train "$CONFIG" --work-dir "$WORK" "${COMMON[@]}"
fi
[[ -f "$FINAL_CKPT" ]] || die "training ended without writing $FINAL_CKPT (see the log above)"
train_s=$((SECONDS - start))

echo "== 2/3 test: $FINAL_CKPT on $DATA, drawing predictions"
SHOW="$WORK/show"
TEST_WORK="$WORK/test"
rm -rf "$SHOW" "$TEST_WORK"  # the pictures and metrics of this run only
"$BIN" test "$CONFIG" "$FINAL_CKPT" --work-dir "$TEST_WORK" --show-dir "$SHOW" --threads "$THREADS" \
  --out "$WORK/results.json" "${COMMON[@]}"
METRICS="$(find "$TEST_WORK" -name metrics.json | head -n 1)"
[[ -n "$METRICS" ]] || die "detseq test wrote no metrics.json under $TEST_WORK"
test_s=$((SECONDS - start - train_s))

echo "== 3/3 plot-logs"
# One scalars.json per training session (a resumed run adds one), oldest first.
mapfile -t LOGS < <(find "$WORK" -mindepth 3 -maxdepth 3 -path '*/vis_data/scalars.json' \
  -not -path "$TEST_WORK/*" | sort)
((${#LOGS[@]} > 0)) || die "no training log (*/vis_data/scalars.json) under $WORK"
PLOT="$WORK/curves.png"
"$BIN" plot-logs "${LOGS[@]}" --keys loss lr bbox_mAP --out "$PLOT"

cat <<EOF

main_job: done (train ${train_s}s, test ${test_s}s)
  checkpoint     $FINAL_CKPT
  metrics JSON   $METRICS
  detections     $WORK/results.json (COCO results format)
  log plot       $PLOT
  training log   ${LOGS[-1]}
  drawn images   $SHOW/  ($(find "$SHOW" -type f | wc -l) files: ground truth | predictions)
EOF
