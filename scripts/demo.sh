#!/bin/sh
# Builds the Cortex-M7 preset and runs the runtime demo firmware under QEMU
# (mps2-an500, -icount shift=0): a tiny int8 classifier, with the instructions
# each layer took. Also links the stm32f746-profile build, which fails if the
# firmware does not fit 1 MB flash / 320 KB SRAM.
#   scripts/demo.sh                 (build dir build/m7, from `cmake --preset m7`)
#   BUILD_DIR=build/me-m7 scripts/demo.sh
# Exit status: the demo's (0 when every layer ran).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/m7}
if [ "$build" = build/m7 ]; then
    cmake --preset m7 >/dev/null
else
    cmake -S . -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j "${JOBS:-2}" --target runtime_demo runtime_demo_f746
echo
echo "== runtime_demo under QEMU: scripts/run-qemu.sh $build/demo/runtime_demo.elf"
exec scripts/run-qemu.sh "$build/demo/runtime_demo.elf"
