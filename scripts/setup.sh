#!/usr/bin/env bash
# Installs what Wakeline needs on a fresh Debian machine (idempotent), then builds the release
# preset. Used by scripts/run-example.sh, scripts/run-tests.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { [ -n "${WAKELINE_QUIET_SETUP:-}" ] || echo "[setup] $*"; }

# Debian packages: compilers and build tools, HDF5 (openPMD files), muparser (deck expressions),
# FFTW (space-charge field solves), yaml-cpp (PALS lattices), GoogleTest and Google Benchmark,
# Python with its headers for the venv and the pybind11 module.
packages=(g++ cmake ninja-build pkg-config libhdf5-dev libmuparser-dev libfftw3-dev libyaml-cpp-dev
          libgtest-dev libbenchmark-dev python3 python3-venv python3-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python environment for the tests and the conformance checker.
if ! .venv/bin/python -c "import numpy, pandas, scipy, openpmd_api, pytest, pybind11, matplotlib, h5py, openpmd_viewer, pmd_beamphysics" 2>/dev/null; then
  log "creating the Python venv in .venv"
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements-dev.txt
fi

log "building (cmake --preset release)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
