#!/usr/bin/env bash
# DML4J beside pytorch-metric-learning on the benchmark protocol (docs/benchmark.md), on one machine.
#
#   examples/reference/compare.sh accuracy OUTDIR   # ten rows x seeds 0,1,2, both libraries (about 4 hours on 2 cores)
#   examples/reference/compare.sh speed OUTDIR      # triplet, standard, 2 epochs, three runs of each (about 15 minutes)
#   examples/reference/compare.sh resnet18 OUTDIR   # ResNet-18 (small-input stem), triplet, 60 steps, one run of each (about 5 minutes)
#
# Runs alternate between the libraries (per row and seed for accuracy, per run for speed), so a
# change in the machine's load hits both. Stop nothing else; run nothing else. A run already in
# OUTDIR (its .done marker) is skipped, so an interrupted comparison can be started again.
# PML_SRC points at pytorch-metric-learning 2.8.1's src/ tree (unset: the installed package).
# Then: /usr/bin/python3 examples/reference/results_table.py --pml OUTDIR/pml.jsonl --dml4j OUTDIR/dml4j.jsonl
set -euo pipefail
mode=${1:?accuracy, speed or resnet18}
out=$(mkdir -p "${2:?output directory}" && cd "$2" && pwd)
cd "$(dirname "$0")/../.."
seeds=${SEEDS:-0 1 2}
pml() { # split loss seed tag [options...]
  local split=$1 loss=$2 seed=$3 tag=$4; shift 4
  local done="$out/${tag}_pml_${split}_${loss}_$seed.done"
  [ -f "$done" ] && return
  PYTHONPATH=${PML_SRC:-} /usr/bin/python3 examples/reference/pml_protocol.py --loss "$loss" --split "$split" \
    --seed "$seed" "$@" --out "$out/${tag}pml.jsonl" > "$out/${tag}_pml_${split}_${loss}_$seed.log" 2>&1
  touch "$done"
}
dml4j() {
  local split=$1 loss=$2 seed=$3 tag=$4; shift 4
  local done="$out/${tag}_dml4j_${split}_${loss}_$seed.done"
  [ -f "$done" ] && return
  examples/run Benchmark --loss "$loss" --split "$split" --seed "$seed" "$@" \
    --out "$out/${tag}dml4j.jsonl" > "$out/${tag}_dml4j_${split}_${loss}_$seed.log" 2>&1
  touch "$done"
}
examples/run Benchmark --help > /dev/null   # builds once; the runs below reuse the build
export DML4J_SKIP_BUILD=1
case $mode in
  accuracy)
    for seed in $seeds; do
      for split in standard zeroshot; do
        for loss in triplet contrastive multisim arcface center; do
          pml $split $loss $seed "" --epochs 5
          dml4j $split $loss $seed "" --epochs 5
        done
      done
    done ;;
  speed)
    for run in 1 2 3; do
      pml standard triplet 0 "speed$run" --epochs 2
      dml4j standard triplet 0 "speed$run" --epochs 2
    done
    cat "$out"/speed?pml.jsonl > "$out/speed_pml.jsonl"
    cat "$out"/speed?dml4j.jsonl > "$out/speed_dml4j.jsonl" ;;
  resnet18)
    pml standard triplet 0 resnet18 --backbone resnet18 --steps 60
    dml4j standard triplet 0 resnet18 --backbone resnet18 --steps 60 ;;
  *) echo "usage: $0 accuracy|speed|resnet18 OUTDIR" >&2; exit 2 ;;
esac
