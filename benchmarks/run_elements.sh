#!/usr/bin/env bash
# Push cost of every element type (ns per particle per element, 1 core, 10^6 particles).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/release/bin/bench_elements ] || bash scripts/setup.sh
build/release/bin/bench_elements "$@"
