#!/bin/sh
# Cross-builds the C that `tinyformer pipeline` emitted (OUT/c) with
# firmware/model_main.c into Cortex-M7 firmware (cli/firmware/CMakeLists.txt):
# the roomy QEMU layout, and the STM32F746 profile, which only links when the
# model fits its 1 MB flash and 320 KB SRAM. Runs the QEMU firmware on the
# emulated mps2-an500 and fails unless its `output:` line equals
# OUT/expected_output.txt (the host interpreter's bytes) byte for byte.
# Prints the instructions per inference (QEMU -icount: deterministic).
#   scripts/firmware_check.sh OUT MODEL_NAME       # MODEL_NAME: tinyformer_<arch>, as the pipeline named it
# Environment: M7_BUILD (default build/cli-m7), JOBS (1), CLOCK_MHZ (216, for the ms figure).
set -eu
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 OUT MODEL_NAME" >&2; exit 2; }
out=$(cd "$1" && pwd) name=$2
m7=${M7_BUILD:-build/cli-m7}
jobs=${JOBS:-1}
[ -f "$out/c/model.c" ] && [ -f "$out/expected_output.txt" ] || {
    echo "firmware_check: '$out' has no c/model.c or expected_output.txt: run tinyformer pipeline --out $out first" >&2
    exit 1
}

echo "== cross-building the firmware ($m7)"
cmake -S . -B "$m7" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=Release \
    -DTF_CODEGEN_FIRMWARE=OFF -DTF_PIPELINE_MODEL_DIR="$out/c" -DTF_PIPELINE_MODEL_NAME="$name" >/dev/null
cmake --build "$m7" -j "$jobs" --target pipeline_model_qemu
if fit=$(cmake --build "$m7" -j "$jobs" --target pipeline_model_stm32f746 2>&1); then
    fit=$(echo "$fit" | grep -m1 -o "model .* fits target .*" || echo "fits STM32F746")
else
    echo "$fit" | tail -20
    echo "== the model does not fit the STM32F746" >&2
    exit 1
fi
echo "$fit"

echo "== running the firmware under QEMU"
timeout 1200 scripts/run-qemu.sh "$m7/cli/firmware/pipeline_model_qemu.elf" >"$out/qemu.out" 2>&1 || {
    cat "$out/qemu.out"
    echo "== the firmware failed under QEMU" >&2
    exit 1
}
mcu=$(sed -n 's/^\(output:.*[^ ]\) *$/\1/p' "$out/qemu.out")
expected=$(sed -n 's/^\(output:.*[^ ]\) *$/\1/p' "$out/expected_output.txt")
instructions=$(sed -n 's/^total: \([0-9]*\) instructions/\1/p' "$out/qemu.out")
echo "MCU      $mcu"
echo "expected $expected"
if [ -z "$mcu" ] || [ "$mcu" != "$expected" ]; then
    echo "== MISMATCH: the firmware's output differs from the host interpreter's" >&2
    exit 1
fi
echo "== host interpreter and Cortex-M7 firmware agree bit for bit"
echo "MCU instructions per inference (QEMU -icount): $instructions"
awk -v n="$instructions" -v mhz="${CLOCK_MHZ:-216}" \
    'BEGIN { printf "ms at %d MHz (1 instruction per cycle): %.1f\n", mhz, n / (mhz * 1000) }'
