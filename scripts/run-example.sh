#!/usr/bin/env bash
# Sets up and builds Wakeline if needed, then runs the built-in FODO example end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p runs/fodo
cd runs/fodo
../../build/release/bin/wakeline --print-example fodo > fodo.in
../../build/release/bin/wakeline fodo.in "$@"
echo "deck: $(pwd)/fodo.in"
