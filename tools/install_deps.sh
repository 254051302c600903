#!/usr/bin/env bash
# Installs every system package detseq needs on Debian bookworm (run as root; idempotent).
# Why each one is there: see "Dependencies" in README.md.
set -euo pipefail
source "$(dirname "$0")/apt_install.sh"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
packages=(
  build-essential cmake ccache pkg-config
  libtorch-dev libopenblas0-pthread libgloo-dev
  libyaml-cpp-dev libopencv-dev libtbb-dev libspdlog-dev libcli11-dev
  nlohmann-json3-dev libsimdjson-dev libgtest-dev zlib1g-dev libpugixml-dev libjpeg62-turbo-dev
  libprotobuf-dev protobuf-compiler libboost-dev
  dataset-fashion-mnist
  python3-torch python3-torchvision python3-pil python3-venv
)
apt_install_missing "${packages[@]}"
# LibTorch's matrix products go through the libblas.so.3 alternative; make sure it is OpenBLAS
# (the reference BLAS is ~34x slower here).
blas=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/ {print $2}')
case "$blas" in
  *openblas*) ;;
  *) $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu \
       /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ;;
esac
echo "detseq: system packages ready"
