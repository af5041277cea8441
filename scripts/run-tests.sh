#!/usr/bin/env bash
# Sets up and builds Wakeline if needed, then runs the whole test suite through CTest:
# GoogleTest (C++), pytest (CLI, openPMD output, malformed decks) and the ImpactX conformance
# cases in ../shared/conformance.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --preset release -j 2 "$@"
