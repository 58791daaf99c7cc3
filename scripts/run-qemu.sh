#!/bin/sh
# Runs a Cortex-M7 firmware under QEMU (mps2-an500) the way the tests do:
# semihosting console, main(argc, argv) gets the extra arguments, QEMU exits with
# main's status, -icount shift=0 makes the instruction counter deterministic.
#   scripts/run-qemu.sh build/m7/tests/runtime_tests.elf fixedpoint conv2d
# Ctrl-C stops it.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 <firmware.elf> [args...]" >&2
    exit 2
fi
elf=$1
shift
if [ ! -f "$elf" ]; then
    echo "$0: no such firmware: $elf" >&2
    exit 2
fi
exec "${QEMU:-qemu-system-arm}" -M mps2-an500 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -kernel "$elf" -append "$*"
