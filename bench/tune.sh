#!/usr/bin/env bash
# bench/tune.sh: the sweep behind the default settings (docs/defaults.md). Trains 100 epochs
# for each setting and seed, two runs at a time on one worker each,
# and prints the evaluation accuracy at epoch 100 and its best over the run. The test set is not
# looked at here: the defaults are chosen on the evaluation split.
#
#   bash bench/tune.sh            (about 8 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${MNIST_DIR:-../shared/mnist}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/mnist" .

settings=(
  "-lr 0.5 -decay 0.03 -lambda 5"
  "-lr 0.5 -decay 0.05 -lambda 5"
  "-lr 0.5 -decay 0.02 -lambda 5"
  "-lr 1 -decay 0.05 -lambda 5"
  "-lr 0.5 -decay 0.03 -lambda 2"
  "-lr 0.5 -decay 0.03 -lambda 10"
  "-lr 0.25 -decay 0.03 -lambda 5"
  "-lr 0.1 -decay 0 -lambda 0"
)
one() { # one SETTING SEED
  local log="$tmp/$(echo "$1 $2" | tr ' .' '__').log"
  # shellcheck disable=SC2086
  "$tmp/mnist" -data "$data" -download=false -workers 1 -epochs 100 -seed "$2" -out "$tmp/out$$$RANDOM" $1 > "$log"
  printf '%-32s seed %s  eval acc at 100: %s  best: %s\n' "$1" "$2" \
    "$(awk '$1=="epoch" && $2 ~ /^100\// {print $12}' "$log")" \
    "$(awk '$1=="epoch" {print $12}' "$log" | sort -g | tail -1)"
}
for s in "${settings[@]}"; do
  for seed in 1 2 3; do
    one "$s" "$seed" &
    [ "$(jobs -r | wc -l)" -ge 2 ] && wait -n
  done
done
wait
