#!/usr/bin/env bash
# Optional: what tools/run_fuzzers.sh needs on top of tools/install_deps.sh (Debian bookworm, as
# root; idempotent). clang brings libFuzzer and the sanitizer runtimes (libclang-rt-14-dev). Not
# part of the default build or CI: the normal gcc build replays the committed fuzz inputs in ctest.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
packages=(clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "detseq: fuzzing tools ready (tools/run_fuzzers.sh)"
