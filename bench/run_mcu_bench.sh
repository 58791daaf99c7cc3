#!/bin/sh
# Kernel benchmarks on the emulated Cortex-M7 (see bench/README.md).
# Builds the m7 preset (build/m7), runs the kernel_bench firmware under QEMU
# mps2-an500 with -icount shift=0 (deterministic instruction counts) and writes
# bench/results/kernels-cortex-m7.md.
#   bench/run_mcu_bench.sh                 every family
#   bench/run_mcu_bench.sh conv softmax    some families (names in bench/mcu/bench_families.h)
# Environment: BUILD_DIR (default build/m7), RESULTS (default bench/results/kernels-cortex-m7.md),
#              JOBS (build parallelism, default 2).
# Exit status: the firmware's (non-zero when a kernel call failed).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/m7}
results=${RESULTS:-bench/results/kernels-cortex-m7.md}

if [ "$build" = build/m7 ]; then
    cmake --preset m7 >/dev/null
else
    cmake -S . -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j "${JOBS:-2}" --target kernel_bench

elf=$build/bench/mcu/kernel_bench.elf
qemu_cmd="qemu-system-arm -M mps2-an500 -nographic -monitor none -serial none -semihosting-config enable=on,target=native -icount shift=0 -kernel $elf -append \"$*\""
echo "== $qemu_cmd"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
timeout 600 scripts/run-qemu.sh "$elf" "$@" >"$out" 2>&1 || status=$?
cat "$out"

cache=$build/CMakeCache.txt
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$cache"; }
build_type=$(cache_value CMAKE_BUILD_TYPE)
build_type_upper=$(echo "$build_type" | tr '[:lower:]' '[:upper:]')
flags="$(cache_value CMAKE_C_FLAGS) $(cache_value "CMAKE_C_FLAGS_$build_type_upper")"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- runtime bench 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes in runtime/ or bench/)"
fi

mkdir -p "$(dirname "$results")"
{
    echo "# Kernel benchmarks, emulated Cortex-M7"
    echo
    echo "- Command: \`bench/run_mcu_bench.sh $*\`, i.e. \`$qemu_cmd\`"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit"
    echo "- Toolchain: $(arm-none-eabi-gcc --version | head -n 1); $(qemu-system-arm --version | head -n 1)"
    echo "- Build: $build_type, flags \`$(echo "$flags" | tr -s ' ')\`"
    echo "- Counts: retired instructions (SysTick under -icount shift=0, 1 tick = 40 instructions, +-40 per"
    echo "  measurement, identical run to run). Not cycles: QEMU models no pipeline, caches or wait states."
    echo "  Baselines: CMSIS-NN figures measured the same way (shared/notes/anchors.md). ratio < 1: fewer"
    echo "  instructions than the baseline."
    echo "- Firmware exit status: $status"
    echo
    grep -E '^\|' "$out" || true
    echo
    grep -vE '^\||^$' "$out" || true
} >"$results"
echo "== wrote $results"
exit "$status"
