#!/usr/bin/env bash
# Checks that `pip install .` works on this machine: builds the wheel into a fresh venv (the C++
# core, the extension and the CLI), then imports the package and tracks a small beam from outside
# the repository. Used by .ci/run; needs the Debian packages of scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install -q --upgrade pip
echo "[pip] pip install . (builds the C++ core)"
"$scratch/venv/bin/python" -m pip install -q "$repo"
cd "$scratch"
"$scratch/venv/bin/python" - <<'PY'
import wakeline
from wakeline import ImpactX, distribution, elements

sim = ImpactX()
sim.init_grids()
sim.beam.ref.set_species("electron").set_kin_energy_MeV(100.0)
sim.add_particles(1e-9, distribution.Waterbag(lambdaX=1e-4, lambdaY=1e-4, lambdaT=1e-3, lambdaPx=1e-5,
                                              lambdaPy=1e-5, lambdaPt=1e-4), 1000)
sim.lattice.extend([elements.BeamMonitor("monitor"), elements.Drift(ds=1.0, nslice=4),
                    elements.Quad(ds=0.5, k=2.0), elements.BeamMonitor("monitor")])
sim.track_particles()
assert len(sim.beam) == 1000 and abs(sim.beam.ref.s - 1.5) < 1e-12
print(f"[pip] import wakeline {wakeline.__version__} from {wakeline.__file__}: tracked 1000 particles")
PY
test -f "$scratch/diags/openPMD/monitor.h5"
"$scratch/venv/bin/wakeline" --version
echo "[pip] pip install . works"
