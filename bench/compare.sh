#!/usr/bin/env bash
# bench/compare.sh: this program against ../shared/anchors/ref_numpy.py (numpy, float64) and,
# when PyTorch is installed, ref_torch.py (float32), at the same mini-batch size and η, on this
# machine, in two states: idle, and with another program holding one core (a shell busy loop
# that this script starts and ends).
#
#   bash bench/compare.sh [rounds] [epochs]      (default 5 rounds of 3 epochs per run)
#
# The runs are interleaved, round after round: in each round every program runs once at each
# setting, so that a change in what else runs on the machine falls on all of them alike, not on
# one block of runs. Each run gives its median seconds per training epoch; the table gives the
# median over the rounds. "Go 1 worker" is -workers 1; "Go default" is the program without the
# flag (it chooses between 1 worker and one per CPU by timing, train.go and parallel.go).
#
# Needs numpy on this machine (apt-get install python3-numpy libopenblas0-pthread; PyTorch:
# python3-torch); the project itself needs nothing but Go. numpy is run with OpenBLAS, what a pip
# install gives, with the kernel of this CPU's family, as a pip install's OpenBLAS picks it:
# Debian's build does not know every CPU (on an AVX-512 Intel it falls back to its slow Prescott
# kernel, 2.5 times slower at these shapes), so OPENBLAS_CORETYPE is set to SkylakeX (AVX-512
# Intel), Zen (AMD with AVX2) or Haswell (other AVX2), and OPENBLAS_L2_SIZE unset; the kernel in
# use is printed at the top.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
epochs=${2:-3}
data=${MNIST_DIR:-../shared/mnist}
anchors=$(dirname "$data")/anchors
py=/usr/bin/python3
blas=/usr/lib/x86_64-linux-gnu/openblas-pthread
export LD_LIBRARY_PATH=$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
tmp=$(mktemp -d)
busy=
trap '[ -n "$busy" ] && kill "$busy" 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/mnist" .

flags=$(grep -m1 '^flags' /proc/cpuinfo)
case "$(grep -m1 vendor_id /proc/cpuinfo)" in
  *AMD*) family=Zen ;;
  *) if [[ $flags == *avx512f* ]]; then family=SkylakeX; else family=Haswell; fi ;;
esac
[[ $flags == *avx2* ]] || family=  # older CPUs: let OpenBLAS choose
pyenv() {
  if [ -n "$family" ]; then env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$family" "$@"
  else env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; fi
}
have_torch=no
if pyenv "$py" -c 'import torch' 2>/dev/null; then have_torch=yes; fi

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs; $(go version | cut -d' ' -f3)"
echo "numpy $(pyenv "$py" -c 'import numpy; print(numpy.__version__)'), OpenBLAS kernel $(pyenv "$py" -c "
import ctypes
l = ctypes.CDLL('$blas/libopenblas.so.0'); l.openblas_get_corename.restype = ctypes.c_char_p
print(l.openblas_get_corename().decode())"); PyTorch: $have_torch"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); $rounds rounds of $epochs epochs per run"

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# go_run B WORKERS LOG: run the program (WORKERS "default": without -workers), each output line
# stamped with the time it arrived.
go_run() {
  local start now flags=()
  if [ "$2" != default ]; then flags=(-workers "$2"); fi
  start=$(date +%s.%N)
  "$tmp/mnist" -data "$data" -download=false -epochs "$epochs" -batch "$1" "${flags[@]}" -out "$tmp/out" |
    while IFS= read -r line; do now=$(date +%s.%N); echo "$now $line"; done > "$3"
  echo "$start" > "$3.start"
}
go_epoch() { awk '$2=="epoch" {t=$NF; sub("s$","",t); print t}' "$1" | median; }
go_eval() { awk '$2=="time:" {for (i=1;i<=NF;i++) if ($i=="evaluation") {t=$(i+1); sub("s$","",t); print t}}' "$1"; }
go_first() { awk -v s="$(cat "$1.start")" '$2=="epoch" {printf "%.3f", $1-s; exit}' "$1"; }

# py_run SCRIPT B LOG [ARGS]: a reference script at the same settings, one BLAS thread.
py_run() { pyenv "$py" "$anchors/$1" --data "$data" --epochs "$epochs" --batch "$2" --lr 0.5 --threads 1 "${@:4}" > "$3"; }
py_epoch() { awk '$1=="epoch" {print $4}' "$1" | median; }
py_eval() { awk '$1=="epoch" {print $NF}' "$1" | median; }

# One round: every program once at each B, the order of the programs turning from round to
# round. Results go to $tmp/STATE.PROGRAM.B, one line per round.
round() {
  local state=$1 r=$2 progs=(go1 godef numpy) p B i
  if [ "$have_torch" = yes ]; then progs+=(torch); fi
  for B in 10 100; do
    for ((i = 0; i < ${#progs[@]}; i++)); do
      p=${progs[$(((i + r) % ${#progs[@]}))]}
      case $p in
      go1) go_run "$B" 1 "$tmp/log"; go_epoch "$tmp/log" >> "$tmp/$state.$p.$B" ;;
      godef)
        go_run "$B" default "$tmp/log"; go_epoch "$tmp/log" >> "$tmp/$state.$p.$B"
        if [ "$state$B" = idle10 ]; then cp "$tmp/log" "$tmp/godef10.log"; cp "$tmp/log.start" "$tmp/godef10.log.start"; fi ;;
      numpy)
        py_run ref_numpy.py "$B" "$tmp/log"; py_epoch "$tmp/log" >> "$tmp/$state.$p.$B"
        if [ "$state$B" = idle10 ]; then cp "$tmp/log" "$tmp/np10.log"; fi ;;
      torch) py_run ref_torch.py "$B" "$tmp/log" --dtype float32; py_epoch "$tmp/log" >> "$tmp/$state.$p.$B" ;;
      esac
    done
  done
}

for ((r = 0; r < rounds; r++)); do round idle "$r"; done
# Another program holds one core: a shell busy loop, bounded in time in case this script dies.
timeout 3600 sh -c 'while :; do :; done' &
busy=$!
for ((r = 0; r < rounds; r++)); do round busy "$r"; done
kill "$busy"
busy=

med() { if [ -s "$tmp/$1" ]; then median < "$tmp/$1"; else echo nan; fi; }
echo
printf '%-28s %4s %9s %9s %9s %9s %9s' "state of the machine" B "Go 1 w" "Go def" "def/1 w" numpy "def/numpy"
if [ "$have_torch" = yes ]; then printf ' %9s' "torch f32"; fi
echo
for state in idle busy; do
  for B in 10 100; do
    g1=$(med "$state.go1.$B"); gd=$(med "$state.godef.$B"); n=$(med "$state.numpy.$B")
    label="idle"
    if [ "$state" = busy ]; then label="busy loop on one core"; fi
    printf '%-28s %4d %9.3f %9.3f %9.2f %9.3f %9.2f' "$label" "$B" "$g1" "$gd" "$(echo "$gd / $g1" | bc -l)" "$n" "$(echo "$gd / $n" | bc -l)"
    if [ "$have_torch" = yes ]; then printf ' %9.3f' "$(med "$state.torch.$B")"; fi
    echo
  done
done
echo "(seconds per training epoch, median over $rounds rounds; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
# How noisy it was: the fastest and slowest round of each cell.
span() { if [ -s "$tmp/$1" ]; then sort -g "$tmp/$1" | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.3f-%.3f", lo, hi}'; else echo nan; fi; }
echo "range over the rounds (fastest-slowest):"
for state in idle busy; do
  for B in 10 100; do
    printf '  %-5s B=%-4d Go 1 w %s, Go def %s, numpy %s' "$state" "$B" "$(span "$state.go1.$B")" "$(span "$state.godef.$B")" "$(span "$state.numpy.$B")"
    if [ "$have_torch" = yes ]; then printf ', torch %s' "$(span "$state.torch.$B")"; fi
    echo
  done
done
printf 'evaluation of 20,000 images (eval + test), idle: Go default %.4f s, numpy %.3f s\n' \
  "$(echo "2 * $(go_eval "$tmp/godef10.log")" | bc -l)" "$(py_eval "$tmp/np10.log")"
printf 'start to first epoch line (B=10, Go default, idle): %.3f s\n' "$(go_first "$tmp/godef10.log")"
