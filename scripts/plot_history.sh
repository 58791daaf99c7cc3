#!/bin/sh
# Accuracy vs epoch of a pipeline run (its history.csv, written by
# `tinyformer pipeline`) as an SVG plot, with gnuplot (scripts/setup.sh
# installs gnuplot-nox). Dense epochs, then the AGP pruning epochs numbered on.
#   scripts/plot_history.sh RUN/history.csv OUT.svg "title"
set -eu
[ $# -eq 3 ] || { echo "usage: $0 history.csv out.svg title" >&2; exit 2; }
history=$1 out=$2 title=$3
[ -r "$history" ] || { echo "plot_history: cannot read '$history'" >&2; exit 1; }
head -1 "$history" | grep -q '^phase,epoch,train_loss,train_accuracy,validation_loss,validation_accuracy' || {
    echo "plot_history: '$history' is not a pipeline history.csv (unexpected header)" >&2
    exit 1
}
command -v gnuplot >/dev/null || { echo "plot_history: gnuplot not found: run scripts/setup.sh" >&2; exit 1; }

data=$(mktemp)
trap 'rm -f "$data"' EXIT
# x = running epoch over both phases; columns: x, train %, validation % (or ?), phase
awk -F, 'NR > 1 { x++; v = ($6 == "") ? "?" : 100 * $6; printf "%d %.3f %s %s\n", x, 100 * $4, v, $1 }' \
    "$history" >"$data"
dense=$(awk '$4 == "dense"' "$data" | wc -l)

gnuplot <<EOF
set terminal svg size 720,420 dynamic font "sans,12" background rgb "white"
set output "$out"
set title "$title"
set xlabel "epoch (dense 1-$dense, then AGP pruning to the final sparsity)"
set ylabel "top-1 accuracy (%)"
set key bottom right
set grid
set datafile missing "?"
set arrow from $dense + 0.5, graph 0 to $dense + 0.5, graph 1 nohead dashtype 2 lc rgb "gray"
plot "$data" using 1:2 with linespoints pt 7 ps 0.6 lw 2 title "training (augmented, running)", \
     "$data" using 1:3 with linespoints pt 5 ps 0.6 lw 2 title "validation (held out)"
EOF
echo "plot_history: wrote $out"
