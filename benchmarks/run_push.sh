#!/usr/bin/env bash
# Push throughput of a 50-element linear line, 10^6 particles, 1 and 2 threads.
# Prints Google Benchmark's table; items_per_second = particle-elements per second.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/release/bin/bench_push ] || bash scripts/setup.sh
build/release/bin/bench_push --benchmark_repetitions="${REPS:-3}" --benchmark_report_aggregates_only=true "$@"
