#!/usr/bin/env bash
# Runs every test: the host Release build, the host AddressSanitizer +
# UndefinedBehaviorSanitizer build, and the Cortex-M7 cross build under QEMU
# (mps2-an500), and the libFuzzer targets (clang) for a short bounded run each.
# Installs what is missing first (scripts/setup.sh).
# Usage: scripts/test.sh [preset...]   (default: host-release host-asan m7 fuzz)
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || exit 1

presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(host-release host-asan m7 fuzz)

failed=()
for preset in "${presets[@]}"; do
  echo "=== ${preset}: configure, build, test"
  if ! cmake --preset "$preset" >/dev/null; then failed+=("$preset (configure)"); continue; fi
  if ! cmake --build --preset "$preset"; then failed+=("$preset (build)"); continue; fi
  if ! ctest --preset "$preset"; then failed+=("$preset (tests)"); fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all presets passed: ${presets[*]}"
