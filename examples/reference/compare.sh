#!/usr/bin/env bash
# DML4J beside pytorch-metric-learning on the benchmark protocol (docs/benchmark.md), on one machine.
#
#   examples/reference/compare.sh accuracy OUTDIR   # ten rows x seeds 0,1,2, both libraries (about 4 hours on 2 cores)
#   examples/reference/compare.sh speed OUTDIR      # triplet, standard, 2 epochs, three runs of each (about 15 minutes)
#
# Runs alternate between the libraries (per row and seed for accuracy, per run for speed), so a
# change in the machine's load hits both. Stop nothing else; run nothing else. A run already in
# OUTDIR (its .done marker) is skipped, so an interrupted comparison can be started again.
# PML_SRC points at pytorch-metric-learning 2.8.1's src/ tree (unset: the installed package).
# Then: /usr/bin/python3 examples/reference/results_table.py --pml OUTDIR/pml.jsonl --dml4j OUTDIR/dml4j.jsonl
set -euo pipefail
mode=${1:?accuracy or speed}
out=$(mkdir -p "${2:?output directory}" && cd "$2" && pwd)
cd "$(dirname "$0")/../.."
seeds=${SEEDS:-0 1 2}
pml() { # split loss seed epochs tag
  local done="$out/$5_pml_$1_$2_$3.done"
  [ -f "$done" ] && return
  PYTHONPATH=${PML_SRC:-} /usr/bin/python3 examples/reference/pml_protocol.py --loss "$2" --split "$1" \
    --epochs "$4" --seed "$3" --out "$out/$5pml.jsonl" > "$out/$5_pml_$1_$2_$3.log" 2>&1
  touch "$done"
}
dml4j() {
  local done="$out/$5_dml4j_$1_$2_$3.done"
  [ -f "$done" ] && return
  examples/run Benchmark --loss "$2" --split "$1" --epochs "$4" --seed "$3" \
    --out "$out/$5dml4j.jsonl" > "$out/$5_dml4j_$1_$2_$3.log" 2>&1
  touch "$done"
}
examples/run Benchmark --help > /dev/null   # builds once; the runs below reuse the build
export DML4J_SKIP_BUILD=1
case $mode in
  accuracy)
    for seed in $seeds; do
      for split in standard zeroshot; do
        for loss in triplet contrastive multisim arcface center; do
          pml $split $loss $seed 5 ""
          dml4j $split $loss $seed 5 ""
        done
      done
    done ;;
  speed)
    for run in 1 2 3; do
      pml standard triplet 0 2 "speed$run"
      dml4j standard triplet 0 2 "speed$run"
    done
    cat "$out"/speed?pml.jsonl > "$out/speed_pml.jsonl"
    cat "$out"/speed?dml4j.jsonl > "$out/speed_dml4j.jsonl" ;;
  *) echo "usage: $0 accuracy|speed OUTDIR" >&2; exit 2 ;;
esac
