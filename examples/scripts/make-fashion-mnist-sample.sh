#!/usr/bin/env bash
# Regenerates examples/src/main/resources/fashion-mnist-sample/: a class-balanced sample of
# Fashion-MNIST (300 train images per class from the train file, 100 per class from the test
# file, seed 0), written as the four standard gzip IDX files.
#
# Usage: examples/scripts/make-fashion-mnist-sample.sh [source-dir] [output-dir]
#   source-dir  the four published files (default /usr/share/datasets/fashion-mnist,
#               from `apt-get install dataset-fashion-mnist`); their SHA-256 is checked
#   output-dir  default examples/src/main/resources/fashion-mnist-sample
# Needs Java 17+ and Maven; run from anywhere.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source_dir="$(realpath "${1:-/usr/share/datasets/fashion-mnist}")"
out_dir="$(realpath -m "${2:-$root/examples/src/main/resources/fashion-mnist-sample}")"

cd "$root"
mvn -B -q -DskipTests compile
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
mvn -B -q dependency:build-classpath -Dmdep.includeScope=compile -Dmdep.outputFile="$cp_file"
java -cp "target/classes:$(cat "$cp_file")" examples/scripts/MakeFashionMnistSample.java "$source_dir" "$out_dir"
