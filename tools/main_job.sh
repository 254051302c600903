#!/usr/bin/env bash
# Main job (README command 1, after the build): shows that `detseq train` yields a detector that
# works on images it never saw.
#   1. make the held-out benchmark (`detseq make-dataset fashion-mnist`): detection scenes of
#      Fashion-MNIST *train* items for training, scenes of unseen *t10k* items for val, and
#      single-item images (train items only) for backbone pre-training;
#   2. pre-train the backbone on item classification (configs/recipes/plainconv_fmnist_items_cls.yaml,
#      shortened), as detectors start from an ImageNet backbone;
#   3. train a small Pix2Seq on the train scenes from that backbone;
#   4. evaluate it on the held-out val scenes with `detseq test --show-dir`, and again with
#      test-time augmentation (`--tta`: 3 scales x 2 flips, the config's tta_model / tta_pipeline),
#   5. plot the training log with `detseq plot-logs`, and print the held-out AP and where
#      everything is.
#
#   bash tools/main_job.sh            run from anywhere; paths are relative to the repo root
#
# Rerunning is safe: the data sets and finished trainings are reused (only test and plot run
# again), an interrupted training resumes from its last checkpoint. Environment knobs:
#   DETSEQ_BIN=build/detseq   the binary       MAIN_JOB_FRESH=1  delete the work dir and retrain
#   MAIN_JOB_THREADS=<nproc>  LibTorch threads MAIN_JOB_WORK_DIR=work_dirs/main_job
#   DETSEQ_FMNIST_ROOT=data/fmnist_scenes_128/, DETSEQ_FMNIST_ITEMS_ROOT=data/fmnist_items_64/
#                             where the generated data sets live
set -euo pipefail

die() {
  echo "main_job: error: $*" >&2
  exit 1
}
trap 'die "step failed (line $LINENO): $BASH_COMMAND"' ERR

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BIN="${DETSEQ_BIN:-build/detseq}"
PRETRAIN_CONFIG="configs/recipes/plainconv_fmnist_items_cls_quickstart.yaml"
CONFIG="configs/recipes/pix2seq_plainconv_fmnist128_quickstart.yaml"
WORK="${MAIN_JOB_WORK_DIR:-work_dirs/main_job}"
THREADS="${MAIN_JOB_THREADS:-$(nproc)}"
export DETSEQ_FMNIST_ROOT="${DETSEQ_FMNIST_ROOT:-data/fmnist_scenes_128/}"
export DETSEQ_FMNIST_ITEMS_ROOT="${DETSEQ_FMNIST_ITEMS_ROOT:-data/fmnist_items_64/}"
DATA="${DETSEQ_FMNIST_ROOT%/}"
ITEMS="${DETSEQ_FMNIST_ITEMS_ROOT%/}"

[[ -x "$BIN" ]] || die "no detseq binary at '$BIN' — build it first: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2 --target detseq (or set DETSEQ_BIN)"
for c in "$PRETRAIN_CONFIG" "$CONFIG"; do [[ -f "$c" ]] || die "config missing: $c"; done
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "MAIN_JOB_THREADS must be a positive integer, got '$THREADS'"

if [[ "${MAIN_JOB_FRESH:-0}" == 1 ]]; then
  echo "main_job: MAIN_JOB_FRESH=1: removing $WORK"
  rm -rf "$WORK"
fi
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"  # absolute, so the summary paths work from anywhere
COMMON=(--cfg-options "env_cfg.num_threads=$THREADS")

# The last epoch's checkpoint of CONFIG in DIR (it marks a finished run: the configs' checkpoint
# interval divides max_epochs).
final_checkpoint() {
  local epochs
  epochs="$("$BIN" print-config "$1" | sed -n 's/^  max_epochs: *\([0-9][0-9]*\).*/\1/p' | head -n 1)"
  [[ -n "$epochs" ]] || die "could not read train_cfg.max_epochs from $1"
  echo "$2/epoch_${epochs}.pth"
}

# train CONFIG DIR [--cfg-options ...]: reuses a finished run, resumes an interrupted one.
train() {
  local config="$1" dir="$2" ckpt
  shift 2
  ckpt="$(final_checkpoint "$config" "$dir")"
  if [[ -f "$ckpt" ]]; then
    echo "main_job: $ckpt exists: training already finished (MAIN_JOB_FRESH=1 retrains)"
  elif [[ -f "$dir/last_checkpoint" ]]; then
    echo "main_job: resuming the interrupted run from $(cat "$dir/last_checkpoint")"
    "$BIN" train "$config" --work-dir "$dir" --resume auto "$@"
  else
    "$BIN" train "$config" --work-dir "$dir" "$@"
  fi
  [[ -f "$ckpt" ]] || die "training ended without writing $ckpt (see the log above)"
}

start=$SECONDS
echo "== 1/6 make-dataset: held-out Fashion-MNIST scenes -> $DATA, pre-training items -> $ITEMS"
# The options the configs' headers document; an identical finished data set is reused.
"$BIN" make-dataset fashion-mnist --out "$DATA" --size 128 --objects 1-4 --scale 24-64 --train 4000 --val 500
"$BIN" make-dataset fashion-mnist --out "$ITEMS" --size 64 --objects 1 --scale 24-64 --train 20000 --val 1000
data_s=$((SECONDS - start))

PRETRAIN_WORK="$WORK/pretrain"
echo "== 2/6 pre-train the backbone: $PRETRAIN_CONFIG -> $PRETRAIN_WORK ($THREADS threads)"
train "$PRETRAIN_CONFIG" "$PRETRAIN_WORK" "${COMMON[@]}"
BACKBONE="$(final_checkpoint "$PRETRAIN_CONFIG" "$PRETRAIN_WORK")"
pretrain_s=$((SECONDS - start - data_s))

echo "== 3/6 train Pix2Seq: $CONFIG -> $WORK (backbone from $BACKBONE)"
FINAL_CKPT="$(final_checkpoint "$CONFIG" "$WORK")"
COMMON+=("model.backbone.init_cfg.checkpoint=$BACKBONE")
train "$CONFIG" "$WORK" "${COMMON[@]}"
train_s=$((SECONDS - start - data_s - pretrain_s))

echo "== 4/6 test: $FINAL_CKPT on the held-out val scenes ($DATA/val), drawing predictions"
SHOW="$WORK/show"
TEST_WORK="$WORK/test"
rm -rf "$SHOW" "$TEST_WORK"  # the pictures and metrics of this run only
"$BIN" test "$CONFIG" "$FINAL_CKPT" --work-dir "$TEST_WORK" --show-dir "$SHOW" --threads "$THREADS" \
  --out "$WORK/results.json" "${COMMON[@]}"
METRICS="$(find "$TEST_WORK" -name metrics.json | head -n 1)"
[[ -n "$METRICS" ]] || die "detseq test wrote no metrics.json under $TEST_WORK"
test_s=$((SECONDS - start - data_s - pretrain_s - train_s))

echo "== 5/6 test with test-time augmentation (--tta): the same checkpoint, 6 views per image"
TTA_WORK="$WORK/test_tta"
rm -rf "$TTA_WORK"
"$BIN" test "$CONFIG" "$FINAL_CKPT" --work-dir "$TTA_WORK" --tta --threads "$THREADS" "${COMMON[@]}"
TTA_METRICS="$(find "$TTA_WORK" -name metrics.json | head -n 1)"
[[ -n "$TTA_METRICS" ]] || die "detseq test --tta wrote no metrics.json under $TTA_WORK"
tta_s=$((SECONDS - start - data_s - pretrain_s - train_s - test_s))

echo "== 6/6 plot-logs"
# One scalars.json per training session (a resumed run adds one), oldest first.
mapfile -t LOGS < <(find "$WORK" -mindepth 3 -maxdepth 3 -path '*/vis_data/scalars.json' \
  -not -path "$TEST_WORK/*" -not -path "$PRETRAIN_WORK/*" | sort)
((${#LOGS[@]} > 0)) || die "no training log (*/vis_data/scalars.json) under $WORK"
PLOT="$WORK/curves.png"
"$BIN" plot-logs "${LOGS[@]}" --keys loss lr bbox_mAP --out "$PLOT"

# The held-out numbers, from the metrics file `detseq test` wrote.
metric() { sed -n "s/^ *\"coco\/$1\": *\([-0-9.eE+]*\).*/\1/p" "${2:-$METRICS}" | head -n 1; }
AP="$(metric bbox_mAP)" AP50="$(metric bbox_mAP_50)" AP75="$(metric bbox_mAP_75)"
[[ -n "$AP" && -n "$AP50" && -n "$AP75" ]] || die "could not read the AP from $METRICS"
printf -v AP '%.3f' "$AP"
printf -v AP50 '%.3f' "$AP50"
printf -v AP75 '%.3f' "$AP75"
TTA_AP="$(metric bbox_mAP "$TTA_METRICS")" TTA_AP50="$(metric bbox_mAP_50 "$TTA_METRICS")"
[[ -n "$TTA_AP" && -n "$TTA_AP50" ]] || die "could not read the AP from $TTA_METRICS"
printf -v TTA_AP '%.3f' "$TTA_AP"
printf -v TTA_AP50 '%.3f' "$TTA_AP50"

cat <<EOF

main_job: done (data ${data_s}s, pre-train ${pretrain_s}s, train ${train_s}s, test ${test_s}s, test --tta ${tta_s}s)
  held-out AP    ${AP}  (AP50 ${AP50}, AP75 ${AP75}) on the $(find "$DATA/val" -type f | wc -l) val scenes: Fashion-MNIST items never trained on
  with --tta     ${TTA_AP}  (AP50 ${TTA_AP50}): 3 scales x 2 flips, fused ($TTA_METRICS)
  checkpoint     $FINAL_CKPT
  metrics JSON   $METRICS
  detections     $WORK/results.json (COCO results format)
  log plot       $PLOT
  training log   ${LOGS[-1]}
  drawn images   $SHOW/  ($(find "$SHOW" -type f | wc -l) files: ground truth | predictions)
  backbone       $BACKBONE (pre-trained on single train items)
EOF
