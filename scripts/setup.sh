#!/usr/bin/env bash
# Installs every Debian package TinyFormer needs (build, tests, cross build,
# emulator, training, ONNX, data). Idempotent: when everything is installed it
# only checks and returns in about a second.
set -euo pipefail

PACKAGES=(
  # host build and tests
  build-essential cmake ninja-build pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev            # libFuzzer targets
  # Cortex-M7 cross build and the emulated board
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi qemu-system-arm
  # engine and toolkit
  libonnx-dev libprotobuf-dev protobuf-compiler
  libtorch-dev libopenblas-dev libopenblas0-openmp
  nlohmann-json3-dev libcli11-dev libsqlite3-dev libfmt-dev libzip-dev
  # data (zero-download default) and reports
  dataset-fashion-mnist gnuplot-nox
  # side-by-side training peer for the toolkit benchmarks
  python3-torch
)

if [ -r /etc/os-release ]; then
  . /etc/os-release
  if [ "${ID:-}" != "debian" ] || [ "${VERSION_ID:-}" != "12" ]; then
    echo "setup: note: made for Debian 12, this is ${PRETTY_NAME:-unknown}; trying anyway" >&2
  fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi

echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
