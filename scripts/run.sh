#!/usr/bin/env bash
# The main job. For now (the runtime milestone): installs what is missing,
# cross-builds the int8 runtime for Cortex-M7 and runs the demo firmware on the
# emulated MCU (QEMU mps2-an500), which prints what it computed and how many
# instructions each layer took. Later milestones make this the whole pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/demo.sh
