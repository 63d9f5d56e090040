#!/usr/bin/env bash
# bench/compare.sh: this program against ../shared/anchors/ref_numpy.py (numpy, float64), at the
# same mini-batch size and η, one after the other on this machine; prints seconds per training
# epoch (median over the epochs), the ratio Go/numpy, and the evaluation and start-up times.
#
#   bash bench/compare.sh [epochs]        (default 5 epochs per run)
#
# Needs numpy on this machine (apt-get install python3-numpy libopenblas0-pthread); the project
# itself needs nothing but Go. numpy is run with OpenBLAS, what a pip install gives.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-5}
data=${MNIST_DIR:-../shared/mnist}
anchors=$(dirname "$data")/anchors
py=/usr/bin/python3
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/mnist" .

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# go_run B WORKERS LOG: run the program, each output line stamped with the time it arrived.
go_run() {
  local start now
  start=$(date +%s.%N)
  "$tmp/mnist" -data "$data" -download=false -epochs "$epochs" -batch "$1" -workers "$2" -out "$tmp/out" |
    while IFS= read -r line; do now=$(date +%s.%N); echo "$now $line"; done > "$3"
  echo "$start" > "$3.start"
}
go_epoch() { awk '$2=="epoch" {t=$NF; sub("s$","",t); print t}' "$1" | median; }
go_eval() { awk '$2=="time:" {for (i=1;i<=NF;i++) if ($i=="evaluation") {t=$(i+1); sub("s$","",t); print t}}' "$1"; }
go_first() { awk -v s="$(cat "$1.start")" '$2=="epoch" {printf "%.3f", $1-s; exit}' "$1"; }

# np_run B LOG: numpy's reference at the same settings, one BLAS thread.
np_run() { "$py" "$anchors/ref_numpy.py" --data "$data" --epochs "$epochs" --batch "$1" --lr 0.5 --threads 1 > "$2"; }
np_epoch() { awk '$1=="epoch" {print $4}' "$1" | median; }
np_eval() { awk '$1=="epoch" {print $NF}' "$1" | median; }

workers=$(nproc)
printf '%-34s %10s %10s %8s\n' "setting ($epochs epochs each)" "Go s/ep" "numpy s/ep" "Go/numpy"
for B in 10 100; do
  go_run "$B" "$workers" "$tmp/go$B.log"
  np_run "$B" "$tmp/np$B.log"
  g=$(go_epoch "$tmp/go$B.log"); n=$(np_epoch "$tmp/np$B.log")
  printf '%-34s %10.3f %10.3f %8.2f\n' "B=$B, $workers workers, η=0.5" "$g" "$n" "$(echo "$g / $n" | bc -l)"
done
go_run 10 1 "$tmp/go1.log"
printf '%-34s %10.3f\n' "B=10, 1 worker" "$(go_epoch "$tmp/go1.log")"
printf 'evaluation of 20,000 images (eval + test): Go %.4f s, numpy %.3f s\n' \
  "$(echo "2 * $(go_eval "$tmp/go10.log")" | bc -l)" "$(np_eval "$tmp/np10.log")"
printf 'start to first epoch line (B=10, %d workers): %.3f s\n' "$workers" "$(go_first "$tmp/go10.log")"
