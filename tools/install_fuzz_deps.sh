#!/usr/bin/env bash
# Optional: what tools/run_fuzzers.sh needs on top of tools/install_deps.sh (Debian bookworm, as
# root; idempotent). clang brings libFuzzer and the sanitizer runtimes (libclang-rt-14-dev). Not
# part of the default build or CI: the normal gcc build replays the committed fuzz inputs in ctest.
set -euo pipefail
source "$(dirname "$0")/apt_install.sh"
packages=(clang libclang-rt-14-dev)
apt_install_missing "${packages[@]}"
echo "detseq: fuzzing tools ready (tools/run_fuzzers.sh)"
