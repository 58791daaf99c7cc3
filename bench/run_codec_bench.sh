#!/bin/sh
# Compression of the block-sparse weight format (see docs/sparse-format.md).
# Builds codec_bench on the host, runs it and writes bench/results/sparse-codec.md.
#   bench/run_codec_bench.sh [seed]
# Environment: BUILD_DIR (default build/codec-bench), RESULTS (default bench/results/sparse-codec.md),
#              JOBS (build parallelism, default 2).
# Exit status: codec_bench's (non-zero when a round trip failed or a ratio is off eta by more than 2%).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/codec-bench}
results=${RESULTS:-bench/results/sparse-codec.md}
seed=${1:-1}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target codec_bench

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"$build/bench/host/codec_bench" "$seed" >"$out" || status=$?
cat "$out"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- engine/src/sparse_codec.cpp runtime/src/common/se_sparse_decode.c runtime/src/common/se_sparse_iter.h bench/host/codec_bench.cpp 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes in the codec or its benchmark)"
fi

mkdir -p "$(dirname "$results")"
{
    echo "# Block-sparse weight coding: compression"
    echo
    echo "- Command: \`bench/run_codec_bench.sh $seed\` (runs \`$build/bench/host/codec_bench $seed\`)"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit"
    echo "- Weights: random int8 (normal, sd 40, clamped to [-127, 127]), blockwise magnitude-pruned in"
    echo "  the coded order (the round(rho * blocks) blocks of lowest L1 norm zeroed). Linear: [C_out = 768,"
    echo "  C_in = 256]. Conv 3x3 64->64: R = 576, OHWI order for b = 2, 4 and [C_out, KH, C_in, KW] for b = 3."
    echo "- ratio = dense bytes / coded bytes, coded = entries * (1 + b); eta = 1 / ((1 - rho)(1 + 1/b)) at the"
    echo "  target rho and at the measured block sparsity; fillers = (255, zeros) entries for gaps > 255 blocks."
    echo "  CSR = int8 value + uint16 column per non-zero + uint32 row pointer per row + 1; COO = int8 value +"
    echo "  uint16 row + uint16 column per non-zero; their ratios are dense / their size (< 1: larger than dense)."
    echo "  stored as: the self-adaptive choice (block-sparse only when smaller than dense)."
    echo "- Exit status: $status"
    echo
    grep -E '^\|' "$out" || true
    echo
    grep -vE '^\||^$' "$out" || true
} >"$results"
exit "$status"
