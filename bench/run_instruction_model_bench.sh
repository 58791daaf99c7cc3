#!/bin/sh
# Fits the engine's instruction model (engine/instruction_model.h) to the
# emulated Cortex-M7: generates calibration and held-out models (toolkit
# architectures from the search spaces and the TinyFormer-300K shape, dense and
# blockwise sparse, synthetic weights) with the host build, cross-compiles one
# firmware each (build/m7-instruction-model), runs them under QEMU with
# -icount shift=0, fits one linear model per kernel class and writes
#   engine/src/instruction_coefficients.inc   (the coefficients the engine compiles in)
#   bench/results/instruction-model.md        (coefficients, per-class and per-model error)
# then rebuilds the host tools with the new coefficients.
set -eu
cd "$(dirname "$0")/.."
host=build/host-release
m7=build/m7-instruction-model
root=$PWD/build/instruction-model
results=${RESULTS:-bench/results/instruction-model.md}
jobs=${JOBS:-2}

cmake --preset host-release >/dev/null
cmake --build --preset host-release --target instruction_model_bench
rm -rf "$root" && mkdir -p "$root"
"$host/bench/instruction_model/instruction_model_bench" gen "$root"
cmake -S . -B "$m7" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=Release \
    -DTF_CODEGEN_FIRMWARE=OFF -DTF_BENCH_INSTRUCTION_ROOT="$root" >/dev/null
cmake --build "$m7" -j "$jobs" --target instruction_model_firmware
cut -f1 "$root/models.tsv" | while read -r model; do
    timeout 600 scripts/run-qemu.sh "$m7/bench/instruction_model/instruction_${model}_qemu.elf" >"$root/$model.out" 2>&1
    echo "$model: $(grep '^total:' "$root/$model.out")"
done
table=$root/table.md
"$host/bench/instruction_model/instruction_model_bench" fit "$root" engine/src/instruction_coefficients.inc "$table"
commit=$(git rev-parse --short HEAD)
[ -n "$(git status --porcelain -- runtime engine/src/instruction_model.cpp toolkit bench/instruction_model 2>/dev/null)" ] &&
    commit="$commit (uncommitted changes)"
{
    echo "# Instruction model: estimated vs measured instructions on the emulated Cortex-M7"
    echo
    echo "- Command: \`bench/run_instruction_model_bench.sh\`; $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit"
    echo "- Measured: per-layer retired instructions of each model's firmware under QEMU mps2-an500"
    echo "  -icount shift=0 (SysTick, 40-instruction resolution), DSP kernels, -O3 (bench/README.md)."
    echo "- Models: toolkit architectures with synthetic weights (bench/instruction_model/instruction_model_bench.cpp):"
    echo "  the TinyFormer-300K shape dense and at 50/80/90% blockwise sparsity, and single paths drawn from the"
    echo "  CIFAR-10 and Fashion-MNIST search spaces (paper-sized and the quick preset's small dims) with"
    echo "  per-layer sparsity drawn from {0, 30, 50, 70, 90}%, each with its dense twin, and single-op graphs"
    echo "  for the kernels no architecture runs (softmax, global average pool). \"fit\" models calibrate;"
    echo "  \"holdout\" models (other draws, other shapes) only check. Estimate = sum over features of coefficient x feature"
    echo "  (engine/instruction_model.h: work = MACs the SIMD loops execute, outputs, inputs, extra = a per-kernel"
    echo "  loop count, tail = MACs done one at a time, table = exp-cache entries a call may fill, calls), one"
    echo "  non-negative least-squares fit of the relative error per kernel class; the cost per exp-cache entry"
    echo "  comes from the softmax graphs (full fills) and bounds attention and SeqPool, which fill less."
    echo "- Error = (estimated - measured) / measured. Per layer it is largest on small layers whose cost"
    echo "  depends on data (SeqPool's and attention's exp-cache fill, bounded from above) or on per-call set-up;"
    echo "  the per-model totals below are what a latency bound uses."
    echo
    cat "$table"
} >"$results"
echo "== wrote $results and engine/src/instruction_coefficients.inc"
cmake --build --preset host-release --target instruction_model_bench tinyformer
