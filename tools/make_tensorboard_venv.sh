#!/usr/bin/env bash
# Creates a Python venv with the `tensorboard` package (default: build/venv-tb), for the test that
# reads detseq's event files with TensorBoard's own reader. Idempotent and safe to run from
# concurrent test processes (flock); exits non-zero when the venv cannot be made (no network, no
# python3-venv), which the test reports as a skip.
set -euo pipefail
dir="${1:-$(dirname "$0")/../build/venv-tb}"
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import tensorboard' 2>/dev/null; then exit 0; fi
rm -rf "$dir"
python3 -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check tensorboard
"$dir/bin/python" -c 'from tensorboard.backend.event_processing import event_accumulator'
