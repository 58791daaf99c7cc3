#!/bin/sh
# Training throughput of the C++ trainer (LibTorch) against PyTorch in Python
# (Debian's python3-torch, the same libtorch underneath) on the same model,
# batch, threads and memory format, side by side in one run. The runs
# alternate C++ / Python, REPEATS times each; the table gives the median.
# Builds train_bench, runs it and bench/train/torch_train_bench.py, writes
# bench/results/training-throughput.md.
#   bench/run_train_bench.sh
# Environment: BUILD_DIR (default build/train-bench), RESULTS (default
#   bench/results/training-throughput.md), ARCHS (default "fmnist tinyformer-300k"),
#   BATCH (64), THREADS (2), REPEATS (5), JOBS (build parallelism, 2), GOMP_SPINCOUNT (10000).
# Exit status: 0, or 1 when a run fails or the two models differ in parameter count.
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/train-bench}
results=${RESULTS:-bench/results/training-throughput.md}
archs=${ARCHS:-fmnist tinyformer-300k}
batch=${BATCH:-64}
threads=${THREADS:-2}
repeats=${REPEATS:-5}
python=/usr/bin/python3  # Debian's interpreter: python3-torch is installed for it

"$python" -c 'import torch' 2>/dev/null || {
    echo "run_train_bench: $python cannot import torch: run scripts/setup.sh (it installs python3-torch)" >&2
    exit 1
}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target train_bench

# OpenMP as the project's scripts train (scripts/run.sh): a short spin, then sleep.
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
unset OMP_WAIT_POLICY
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows="$work/rows"
: >"$rows"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for arch in $archs; do
    case $arch in
    tinyformer-300k) iterations=${ITERATIONS_LARGE:-8} ;;
    *) iterations=${ITERATIONS:-40} ;;
    esac
    for format in nchw channels_last; do
        flag=""
        [ "$format" = channels_last ] && flag="--channels-last"
        : >"$work/cpp" && : >"$work/py"
        r=0
        while [ "$r" -lt "$repeats" ]; do
            line=$("$build/bench/train/train_bench" --arch "$arch" --batch "$batch" --threads "$threads" \
                --iterations "$iterations" --layers "$work/$arch.json" $flag)
            echo "$line"
            echo "$line" | awk '{ print $(NF - 3) }' >>"$work/cpp"
            line=$("$python" bench/train/torch_train_bench.py --arch "$arch" --layers "$work/$arch.json" \
                --batch "$batch" --threads "$threads" --iterations "$iterations" $flag)
            echo "$line"
            echo "$line" | awk '{ print $(NF - 3) }' >>"$work/py"
            params=$(echo "$line" | awk '{ print $(NF - 1) }')
            r=$((r + 1))
        done
        cpp=$(median <"$work/cpp")
        py=$(median <"$work/py")
        ratio=$(awk -v a="$cpp" -v b="$py" 'BEGIN { printf "%.2f", a / b }')
        echo "| $arch | $params | $format | $cpp | $py | $ratio |" >>"$rows"
    done
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- toolkit/src/trainer.cpp toolkit/src/model.cpp bench/train 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes in the trainer, the model or this benchmark)"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo unknown)
torch_version=$("$python" -c 'import torch; print(torch.__version__)')
mkdir -p "$(dirname "$results")"
{
    echo "# Training throughput: C++ trainer vs PyTorch in Python"
    echo
    echo "- Command: \`bench/run_train_bench.sh\` (\`$build/bench/train/train_bench\` and"
    echo "  \`bench/train/torch_train_bench.py\`, alternating, $repeats runs each; medians)"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit; host CPU: $cpu ($(nproc) cores)"
    echo "- Python: Debian python3-torch $torch_version; C++: Debian libtorch-dev (the same release)"
    echo "- Step: forward, cross entropy with label smoothing 0.1, backward, AdamW (weight decay on"
    echo "  dim >= 2 tensors), gradients reset to none; random images, batch $batch, $threads threads,"
    echo "  BatchNorm after every convolution, train mode. The Python model is built from the C++ layer"
    echo "  list and must have the same parameter count (checked). OpenMP: GOMP_SPINCOUNT=$GOMP_SPINCOUNT"
    echo "  (a short spin, then sleep), for both."
    echo "- Ratio = C++ img/s / Python img/s (target >= 1.00)."
    echo
    echo "| architecture | parameters | memory format | C++ img/s | Python img/s | ratio |"
    echo "| --- | ---: | --- | ---: | ---: | ---: |"
    cat "$rows"
} >"$results"
cat "$results"
