#!/bin/sh
# The whole TinyFormer flow for an MCU (docs/search.md): `tinyformer search`
# (search-space analysis, SuperNAS, SparseNAS selection, compression, int8,
# firmware C, report), then the firmware cross-built for Cortex-M7, its fit in
# the STM32F746 checked by the linker, run under QEMU and its output compared
# with the host interpreter's bit for bit (scripts/firmware_check.sh), then the
# report rebuilt with the firmware's per-layer instructions.
#   scripts/search.sh                                   # Fashion-MNIST, quick preset, STM32F746
#   OUT=build/cifar DATASET=cifar10 DATA=../shared/datasets/cifar-10-batches-bin scripts/search.sh --config c.json
# Extra arguments go to `tinyformer search`. A killed run resumes where it
# stopped when started again with the same OUT and arguments.
# Environment (defaults): DATASET=fashion-mnist DATA= (Debian's Fashion-MNIST) TARGET=stm32f746 PRESET=quick
#   SEED=1 THREADS=2 OUT=build/search HOST_BUILD=build/cli-host M7_BUILD=build/cli-m7 JOBS=1
set -eu
cd "$(dirname "$0")/.."
dataset=${DATASET:-fashion-mnist}
target=${TARGET:-stm32f746}
preset=${PRESET:-quick}
out=${OUT:-build/search}
case $out in /*) ;; *) out=$PWD/$out ;; esac
host=${HOST_BUILD:-build/cli-host}
m7=${M7_BUILD:-build/cli-m7}
jobs=${JOBS:-1}

sh scripts/build_tinyformer.sh "$host" "$jobs"
mkdir -p "$out"

set -- search --dataset "$dataset" --target "$target" --preset "$preset" --seed "${SEED:-1}" \
    --threads "${THREADS:-2}" --out "$out" ${DATA:+--data "$DATA"} "$@"
echo "== $host/cli/tinyformer $*"
rm -f "$out/search.json" "$out/expected_output.txt"
start=$(date +%s)
"$host/cli/tinyformer" "$@" | tee "$out/search.log"
# (sh has no pipefail: search.json is written last, so its absence means the run failed.)
if [ ! -f "$out/search.json" ]; then
    echo "== tinyformer search failed" >&2
    exit 1
fi
echo "== search: $(($(date +%s) - start)) s"

M7_BUILD=$m7 JOBS=$jobs scripts/firmware_check.sh "$out" tinyformer_search
"$host/cli/tinyformer" report --out "$out" --qemu-output "$out/qemu.out"
echo "== figures ($out/search.log; the report: $out/report.html)"
grep -E "^(int8 accuracy|peak SRAM|fits |DOES NOT FIT)" "$out/search.log"
echo "== total: $(($(date +%s) - start)) s"
