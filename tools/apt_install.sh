#!/usr/bin/env bash
# Sourced by tools/install_deps.sh and tools/install_fuzz_deps.sh: installs the Debian packages
# given as arguments that are not installed yet (one apt-get run; sudo when not root).
apt_install_missing() {
  local sudo="" missing=() p
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}
