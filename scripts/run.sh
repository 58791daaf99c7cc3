#!/usr/bin/env bash
# The main job: installs what is missing, then
#   1. the runtime demo: cross-builds the int8 runtime for Cortex-M7 and runs a
#      tiny int8 network on the emulated MCU (QEMU mps2-an500), printing what it
#      computed and the instructions each layer took (scripts/demo.sh);
#   2. the pipeline on Fashion-MNIST (Debian's dataset-fashion-mnist): trains a
#      small TinyFormer single path, prunes it blockwise (AGP), quantizes it to
#      int8, exports QDQ ONNX, imports and compiles it with SparseEngine, measures
#      fp32 / int8 accuracy, generates C, builds the STM32F746-profile firmware
#      (fit check) and runs it under QEMU, checking its output against the host
#      bit for bit (scripts/pipeline.sh, docs/pipeline.md). About 3 minutes on
#      2 cores with the settings below; override them through the environment.
# The search (SuperNAS + SparseNAS) that picks the architecture is the next milestone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/demo.sh
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}  # 2 threads on a shared 2-core machine
EPOCHS=${EPOCHS:-4} PRUNE_EPOCHS=${PRUNE_EPOCHS:-2} PRUNE=${PRUNE:-0.6} LIMIT_TRAIN=${LIMIT_TRAIN:-20000} \
    OUT=${OUT:-build/main-job} bash scripts/pipeline.sh
