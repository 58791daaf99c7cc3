#!/bin/sh
# SuperNAS's search-space analysis (Alg. 1) and adjustment (eqs. 1-3) on small / normal / large spaces:
# the paper's Fig. 9(a), plus the time per resource evaluation (docs/search.md).
# Builds search_space_bench on the host, runs it and writes bench/results/search-space-analysis.md.
#   bench/run_search_space_bench.sh
# Environment: BUILD_DIR (default build/search-space-bench), RESULTS (default
#              bench/results/search-space-analysis.md), SAMPLES (per analysis, default 100),
#              ROUNDS (analyses per space, the first included, default 2), SEED (default 1),
#              JOBS (build parallelism, default 2).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/search-space-bench}
results=${RESULTS:-bench/results/search-space-analysis.md}
samples=${SAMPLES:-100}
rounds=${ROUNDS:-2}
seed=${SEED:-1}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target search_space_bench

out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
"$build/bench/host/search_space_bench" --samples "$samples" --rounds "$rounds" --seed "$seed" >"$out"
elapsed=$(( $(date +%s) - start ))
cat "$out"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- toolkit/src/search_space.cpp toolkit/src/resources.cpp toolkit/src/architecture.cpp bench/host/search_space_bench.cpp 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes in the search space, the resource model or the benchmark)"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo unknown)

mkdir -p "$(dirname "$results")"
{
    echo "# Search-space analysis (Alg. 1) and adjustment (eqs. 1-3): the paper's Fig. 9(a)"
    echo
    echo "- Command: \`SAMPLES=$samples ROUNDS=$rounds SEED=$seed bench/run_search_space_bench.sh\`"
    echo "  (runs \`$build/bench/host/search_space_bench --samples $samples --rounds $rounds --seed $seed\`, ${elapsed} s)"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit; host CPU: $cpu ($(nproc) cores, shared)"
    echo "- Each sample: a random c_sup (dims, heads, module counts, last linear) and a random c_spa (choice"
    echo "  modules, per prunable layer sparsity {0, .4, .5, .6, .7, .8} and block {2, 4}, 3 for 3x3 convs),"
    echo "  costed by build_engine_graph + engine::compile (docs/search.md). Fits: arena + 20 KB <= SRAM,"
    echo "  constants + 96 KB <= flash. Accepted: fits and 0.8 L_m <= effective parameters <= 2.8 L_m with"
    echo "  L_m = 327680 (the SRAM in bytes). Probability = accepted / fits. Round r > 1 analyzes the space"
    echo "  eqs. 1-3 made from round r-1 (seed + r - 1); a space stops at probability >= 0.9."
    echo "- Dense params: the sampled single paths' parameter counts before pruning, over all samples."
    echo "- \"probability, N = dense params\": the same samples counted with N = the dense parameter count"
    echo "  instead of the effective one (another reading of the paper's ParamsEval; docs/search.md)."
    echo "- Evaluation time: wall clock on this shared machine; ms per eval in the big table includes the"
    echo "  large models that dominate."
    echo
    sed -e 's/^Time per/## Time per/' -e 's/^Fig. 9(a):/## Fig. 9(a):/' "$out"
} >"$results"
