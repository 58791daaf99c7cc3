#!/bin/sh
# Builds the `tinyformer` command in a host Release build folder, for the
# scripts that run it (scripts/search.sh, scripts/pipeline.sh).
#   scripts/build_tinyformer.sh <build folder> [parallel jobs, default 1]
set -eu
cd "$(dirname "$0")/.."
echo "== building tinyformer ($1)"
cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$1" -j "${2:-1}" --target tinyformer
