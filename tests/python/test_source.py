"""The source element: a run restarted from a beam monitor's output tracks on identically."""

from __future__ import annotations

import numpy as np
import openpmd_api as io

from wakeline_helpers import set_keys

BEAM = """
beam.npart = 3000
beam.units = static
beam.kin_energy = 250.0
beam.charge = 1.0e-9
beam.particle = proton
beam.distribution = waterbag
beam.lambdaX = 1.0e-3
beam.lambdaY = 2.0e-3
beam.lambdaT = 1.0e-3
beam.lambdaPx = 6.0e-4
beam.lambdaPy = 9.0e-4
beam.lambdaPt = 1.0e-3
algo.space_charge = false
sol.type = solenoid
sol.ds = 1.5
sol.ks = 0.8
q.type = quad
q.ds = 0.5
q.k = 2.0
out.type = beam_monitor
"""


def final_beam(path):
    series = io.Series(str(path), io.Access.read_only)
    it = series.iterations[list(series.iterations)[-1]]
    beam = it.particles["beam"]
    data = {f"{r}_{c}": beam[r][c].load_chunk() for r in ("position", "momentum") for c in ("x", "y", "t")}
    w = beam["weighting"][io.Record_Component.SCALAR].load_chunk()
    series.flush()
    return data, w


def test_restart_from_monitor_output_continues_the_run(wakeline, tmp_path):
    whole = tmp_path / "whole"
    whole.mkdir()
    wakeline.run_deck(BEAM + "lattice.elements = sol q out\n", cwd=whole).assert_ok()

    first = tmp_path / "first"
    first.mkdir()
    wakeline.run_deck(BEAM + "lattice.elements = sol out\n", cwd=first).assert_ok()
    second = tmp_path / "second"
    second.mkdir()
    restart = set_keys(BEAM, {"beam.distribution": "empty"}) + (
        "lattice.elements = src q out\n"
        "src.type = source\n"
        "src.distribution = openPMD\n"
        f"src.openpmd_path = {first}/diags/openPMD/out.h5\n"
    )
    wakeline.run_deck(restart, cwd=second).assert_ok()

    a, wa = final_beam(whole / "diags" / "openPMD" / "out.h5")
    b, wb = final_beam(second / "diags" / "openPMD" / "out.h5")
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=0, atol=1e-15)
    np.testing.assert_allclose(wb, wa, rtol=1e-12)  # the file's bunch charge is carried over


def test_missing_source_file_is_an_input_error(wakeline, tmp_path):
    deck = BEAM + "lattice.elements = src out\nsrc.type = source\nsrc.distribution = openPMD\nsrc.openpmd_path = nope.h5\n"
    result = wakeline.run_deck(deck, cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "src.openpmd_path" in result.stderr and "nope.h5" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.in"]
