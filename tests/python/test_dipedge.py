"""dipedge with the nonlinear (Hwang-Lee) model from the CLI: the edge's offset goes to the beam
or, with modify_ref_part, to the reference orbit."""

from __future__ import annotations

import math

from wakeline_helpers import read_table, set_keys

PSI, RC, GAP = 0.2, 2.0, 0.05
K0 = math.pi**2 / 6

DECK = f"""
beam.npart = 2000
beam.units = static
beam.kin_energy = 800.0
beam.charge = 1.0e-12
beam.particle = proton
beam.distribution = waterbag
beam.lambdaX = 1.0e-4
beam.lambdaY = 1.0e-4
beam.lambdaT = 1.0e-4
beam.lambdaPx = 1.0e-5
beam.lambdaPy = 1.0e-5
beam.lambdaPt = 1.0e-5

lattice.elements = edge_in
diag.slice_step_diagnostics = true

edge_in.type = dipedge
edge_in.psi = {PSI}
edge_in.rc = {RC}
edge_in.g = {GAP}
edge_in.model = nonlinear
edge_in.location = entry
"""


def final_row(wakeline, tmp_path, deck, name):
    folder = tmp_path / name
    folder.mkdir()
    result = wakeline.run_deck(deck, cwd=folder).assert_ok()
    reduced = read_table(folder / "diags" / "reduced_beam_characteristics.0")
    shift = reduced["mean_x"].iloc[-1] - reduced["mean_x"].iloc[0]  # the edge's shift of the centroid
    return shift, read_table(folder / "diags" / "ref_particle.0").iloc[-1], result


def test_nonlinear_edge_shifts_the_beam_or_the_reference(wakeline, tmp_path):
    c3 = GAP**2 / RC * K0 / math.cos(PSI) ** 2
    beam, ref, _ = final_row(wakeline, tmp_path, DECK, "beam")
    assert math.isclose(beam, -c3, rel_tol=1e-2)  # the centroid leaves the orbit
    assert ref["x"] == 0.0

    beam, ref, _ = final_row(wakeline, tmp_path, set_keys(DECK, {"edge_in.modify_ref_part": "true"}), "ref")
    assert abs(beam) < 1e-4 * c3  # the beam stays centred ...
    assert math.isclose(ref["x"], -c3, rel_tol=1e-9)  # ... on a moved reference orbit

    beam, _, _ = final_row(wakeline, tmp_path, set_keys(DECK, {"edge_in.location": "exit"}), "exit")
    assert math.isclose(beam, c3, rel_tol=1e-2)


def test_linear_model_notes_nonlinear_keys(wakeline, tmp_path):
    deck = set_keys(DECK, {"edge_in.model": "linear", "edge_in.K0": "1.0"})
    beam, _, result = final_row(wakeline, tmp_path, deck, "linear")
    assert "edge_in.K0" in result.stderr and "no effect" in result.stderr
    assert abs(beam) < 1e-12


def test_unknown_model_is_refused(wakeline, tmp_path):
    result = wakeline.run_deck(set_keys(DECK, {"edge_in.model": "cubic"}), cwd=tmp_path)
    assert result.returncode == 2
    assert "edge_in.model" in result.stderr and "nonlinear" in result.stderr
