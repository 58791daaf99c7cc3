#!/bin/sh
# The end-to-end pipeline (docs/pipeline.md): trains, prunes, quantizes and
# compiles a model on Fashion-MNIST with `tinyformer pipeline`, cross-builds the
# generated C into Cortex-M7 firmware (qemu layout, and the STM32F746 profile as
# the fit check), runs it under QEMU and checks that its `output:` line equals
# the host interpreter's (expected_output.txt), bit for bit.
#   scripts/pipeline.sh                        # small defaults (below): about 10 minutes on 2 cores
#   EPOCHS=5 PRUNE=0.6 LIMIT_TRAIN=0 scripts/pipeline.sh --seed 3
# Extra arguments go to `tinyformer pipeline`. Environment (defaults):
#   ARCH=fmnist EPOCHS=2 PRUNE_EPOCHS=$EPOCHS PRUNE=0.5 BLOCK=4 THREADS=2 DATA= (Debian's Fashion-MNIST)
#   DENSE_BELOW=1024 for fmnist, 0 otherwise (layers with fewer weights stay dense, --dense-below)
#   LIMIT_TRAIN=10000 LIMIT_TEST=0 (0: every image) BATCH=128
#   OUT=build/pipeline HOST_BUILD=build/cli-host M7_BUILD=build/cli-m7 JOBS=1
set -eu
cd "$(dirname "$0")/.."
arch=${ARCH:-fmnist}
epochs=${EPOCHS:-2}
prune_epochs=${PRUNE_EPOCHS:-$epochs}
prune=${PRUNE:-0.5}
block=${BLOCK:-4}
if [ "$arch" = fmnist ]; then dense_below=${DENSE_BELOW:-1024}; else dense_below=${DENSE_BELOW:-0}; fi
threads=${THREADS:-2}
limit_train=${LIMIT_TRAIN:-10000}
limit_test=${LIMIT_TEST:-0}
batch=${BATCH:-128}
out=${OUT:-build/pipeline}
case $out in /*) ;; *) out=$PWD/$out ;; esac  # an absolute OUT stays as given
host=${HOST_BUILD:-build/cli-host}
m7=${M7_BUILD:-build/cli-m7}
jobs=${JOBS:-1}

sh scripts/build_tinyformer.sh "$host" "$jobs"
mkdir -p "$out"

set -- pipeline --dataset fashion-mnist --arch "$arch" --epochs "$epochs" --prune "$prune" --block "$block" \
    --dense-below "$dense_below" --threads "$threads" --limit-train "$limit_train" --limit-test "$limit_test" --batch-size "$batch" \
    --out "$out" ${DATA:+--data "$DATA"} "$@"
if [ "$prune" != "0" ]; then set -- "$@" --prune-epochs "$prune_epochs"; fi
echo "== $host/cli/tinyformer $*"
rm -f "$out/summary.json" "$out/expected_output.txt"
"$host/cli/tinyformer" "$@" | tee "$out/pipeline.log"
# (sh has no pipefail: the summary is written last, so its absence means the run failed.)
if [ ! -f "$out/summary.json" ]; then
    echo "== tinyformer pipeline failed" >&2
    exit 1
fi

M7_BUILD=$m7 JOBS=$jobs scripts/firmware_check.sh "$out" "tinyformer_$arch"
grep -E "^(fp32 accuracy|int8 accuracy|pruned blocks|peak SRAM)" "$out/pipeline.log"
