#!/usr/bin/env bash
# The main job: installs what is missing, then
#   1. the runtime demo: cross-builds the int8 runtime for Cortex-M7 and runs a
#      tiny int8 network on the emulated MCU (QEMU mps2-an500), printing what it
#      computed and the instructions each layer took (scripts/demo.sh);
#   2. the whole TinyFormer flow on Fashion-MNIST (Debian's dataset-fashion-mnist)
#      for an STM32F746 (320 KB SRAM, 1 MB flash), quick preset (docs/search.md):
#      search-space analysis, SuperNAS, SparseNAS selection, compression (AGP
#      pruning, int8), firmware C and an HTML report; then the firmware is
#      cross-built, its fit checked by the STM32F746 link, run under QEMU and its
#      output compared with the host interpreter's bit for bit
#      (scripts/search.sh). About 15-20 minutes on 2 cores; OUT (build/main-job)
#      holds the results, and a killed run resumes there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/demo.sh
# OpenMP threads spin briefly before sleeping: most of the speed of spinning on an idle machine,
# without the 4x slow-down of long spins when the cores are shared (docs/training.md).
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
JOBS=${JOBS:-2} OUT=${OUT:-build/main-job} bash scripts/search.sh
