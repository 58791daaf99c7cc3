#!/bin/sh
# Activation arena per memory planner against the lower bound, and time per plan
# (see engine/include/tinyformer/engine/memory_planner.h).
# Builds planner_bench on the host, runs it and writes bench/results/memory-planner.md.
#   bench/run_planner_bench.sh
# Environment: BUILD_DIR (default build/planner-bench), RESULTS (default bench/results/memory-planner.md),
#              JOBS (build parallelism, default 2).
# Exit status: planner_bench's (non-zero when a best plan is more than 10% above the lower bound).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/planner-bench}
results=${RESULTS:-bench/results/memory-planner.md}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target planner_bench

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"$build/bench/host/planner_bench" >"$out" || status=$?
cat "$out"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- engine/src/memory_planner.cpp engine/src/head_tail_planner.cpp engine/src/lifetime_planner.cpp bench/host/planner_bench.cpp 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes in the planners or their benchmark)"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo unknown)

mkdir -p "$(dirname "$results")"
{
    echo "# Memory planner: activation arena vs the lower bound"
    echo
    echo "- Command: \`bench/run_planner_bench.sh\` (runs \`$build/bench/host/planner_bench\`)"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit; host CPU: $cpu ($(nproc) cores, shared)"
    echo "- Graphs (bench/host/planner_bench.cpp): int8 activations, op k at step k, every op's inputs and"
    echo "  output live at its step (no in-place ops). Scratch: conv 3x3 im2col of two pixels as int16"
    echo "  (2 * C_in * 9 * 2 B); attention a query row at a time, per head one row of int32 scores and int8"
    echo "  probabilities + the softmax exp cache (heads * tokens * 5 + 1056 B); scaled LayerNorm one int16"
    echo "  row (2 * C B); SeqPool int32 token weights + exp cache. 1x1 convs, depthwise, FC: none."
    echo "  TinyFormer: 32x32x3 -> DoT1 (conv3x3 s2, 256 tokens x 44, 2 heads) -> DoT2 (conv3x3 s2, 64 tokens"
    echo "  x 192, 4 heads); each DoT = downsample, m MobileNetV2 blocks (expansion 4, residual), t transformer"
    echo "  modules (conv3x3, conv1x1, pre-LN encoder with MLP ratio 2 and two residuals, conv1x1, conv3x3);"
    echo "  SeqPool, FC 512, FC 10."
    echo "- Lower bound: max over steps of the sum of aligned sizes live at that step. Arena columns give bytes"
    echo "  and (ratio to the lower bound). best = plan_best (ties: head-tail, head-tail-stack, greedy-by-size)."
    echo "- Time: median wall-clock microseconds per call on the host (plan_best = 3 planners + validation of"
    echo "  each plan + lower bound)."
    echo "- Exit status: $status"
    echo
    grep -E '^\|' "$out" || true
    echo
    grep -vE '^\||^$' "$out" || true
} >"$results"
exit "$status"
