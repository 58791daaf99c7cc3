#!/bin/sh
# Whole-model benchmark on the emulated Cortex-M7: the TinyFormer-300K-shaped
# model (toolkit ArchConfig::tinyformer_300k, synthetic weights), dense and at
# 60% blockwise sparsity. Generates the C with the host build (build/host-release),
# cross-compiles the firmware (build/m7-model-bench), checks the STM32 fits, runs
# it under QEMU with -icount shift=0 and writes bench/results/tinyformer-300k-cortex-m7.md
# with per-layer instructions, peak SRAM and flash.
set -eu
cd "$(dirname "$0")/.."
host=build/host-release
m7=build/m7-model-bench
gen=$PWD/build/model-bench
results=${RESULTS:-bench/results/tinyformer-300k-cortex-m7.md}

cmake --preset host-release >/dev/null
cmake --build --preset host-release --target model_bench_gen
for v in dense sparse60; do
    mkdir -p "$gen/$v"
    "$host/bench/model/model_bench_gen" "$gen/$v" "$v"
done
cmake -S . -B "$m7" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=Release \
    -DTF_CODEGEN_FIRMWARE=OFF -DTF_BENCH_MODEL_ROOT="$gen" >/dev/null
cmake --build "$m7" -j 2 --target model_bench_dense_qemu model_bench_sparse60_qemu
fit() {  # target -> "fits" or the fit check's message
    if out=$(cmake --build "$m7" -j 2 --target "$1" 2>&1); then echo "fits"; else
        echo "$out" | grep -m1 -o "does not fit.*" || echo "build failed"; fi
}
fit_f746=$(fit model_bench_sparse60_stm32f746)
fit_h743=$(fit model_bench_dense_stm32h743)

run() { timeout 600 scripts/run-qemu.sh "$m7/bench/model/model_bench_$1_qemu.elf" >"$gen/$1.out" 2>&1; }
run dense
run sparse60
size_of() {  # elf -> "flash sram" (text+data, data+bss)
    arm-none-eabi-size -A "$1" | awk '/^\.(isr_vector|text|rodata|ARM|init_array|fini_array)/{f+=$2}
        /^\.data/{f+=$2; s+=$2} /^\.bss/{s+=$2} END{print f, s}'
}
div() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { printf "%.*f", p, a / b }'; }
commit=$(git rev-parse --short HEAD)
[ -n "$(git status --porcelain -- runtime engine toolkit bench/model bench/mcu 2>/dev/null)" ] && commit="$commit (uncommitted changes)"

mkdir -p "$(dirname "$results")"
{
    echo "# TinyFormer-300K-shaped model on the emulated Cortex-M7"
    echo
    echo "- Command: \`bench/run_model_bench.sh\`; $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit"
    echo "- Model: toolkit \`ArchConfig::tinyformer_300k()\` (docs/supernet.md), synthetic int8 weights; sparse60 ="
    echo "  60% of the blocks of every conv/linear pruned (block 4 along input channels, 3 along 3x3 kernel widths)."
    echo "- Counts: retired instructions under QEMU mps2-an500 -icount shift=0 (not cycles; see bench/README.md)."
    echo "  Time at 216 MHz assumes 1 instruction per cycle."
    echo "- Fit (linker-script limits): sparse60 on STM32F746 (1 MB flash, 320 KB SRAM): $fit_f746;"
    echo "  dense on STM32H743 (2 MB, 512 KB): $fit_h743"
    echo
    echo "| variant | instructions | ms at 216 MHz | MACs | instr/MAC | flash bytes (ELF) | SRAM bytes (ELF) | arena bytes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for v in dense sparse60; do
        total=$(sed -n 's/^total: \([0-9]*\) instructions/\1/p' "$gen/$v.out")
        macs=$(sed -n 's/^model: .* \([0-9]*\) MACs$/\1/p' "$gen/$v.out")
        arena=$(sed -n 's/^model: .*arena \([0-9]*\) bytes.*/\1/p' "$gen/$v.out")
        set -- $(size_of "$m7/bench/model/model_bench_${v}_qemu.elf")
        echo "| $v | $total | $(div "$total" 216000 1) | $macs | $(div "$total" "$macs" 2) | $1 | $2 | $arena |"
    done
    echo
    echo "## Per layer: instructions, dense vs sparse60"
    echo
    echo "| # | layer | MACs | dense instructions | sparse60 instructions | speedup |"
    echo "| ---: | --- | ---: | ---: | ---: | ---: |"
    paste -d'|' "$gen/dense.out" "$gen/sparse60.out" | sed -n 's/^layer \([0-9]*\) \([^:]*\): \([0-9]*\) MACs, \([0-9]*\) instructions|layer [0-9]* [^:]*: [0-9]* MACs, \([0-9]*\) instructions$/\1 \2 \3 \4 \5/p' |
        while read -r i name macs d s; do
            echo "| $i | $name | $macs | $d | $s | $(div "$d" "$s" 2) |"
        done
    for v in dense sparse60; do
        echo
        echo "## Engine report, $v (bench/model/model_bench_gen)"
        echo
        cat "$gen/$v/report.md"
    done
} >"$results"
echo "== wrote $results"
