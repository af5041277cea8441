"""Space charge from the CLI: the 2D model against the envelope equation, and how decks are read."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from wakeline_helpers import C_LIGHT, Q_E, listing, read_table, set_keys

M_P = 1.67262192369e-27
EPS0 = 8.8541878128e-12

KINETIC_MEV, CURRENT_A, SIGMA0, LENGTH = 10.0, 0.01, 1.0e-3, 5.0

DECK_2D = f"""
beam.npart = 20000
beam.units = static
beam.kin_energy = {KINETIC_MEV}
beam.current = {CURRENT_A}
beam.particle = proton
beam.distribution = kvdist
beam.lambdaX = {SIGMA0}
beam.lambdaY = {SIGMA0}
beam.lambdaT = 1.0e-3
beam.lambdaPx = 0.0
beam.lambdaPy = 0.0
beam.lambdaPt = 0.0

lattice.elements = drift1
lattice.nslice = 200
drift1.type = drift
drift1.ds = {LENGTH}

algo.space_charge = 2D
algo.particle_shape = 2
amr.n_cell = 64 64 1
geometry.prob_relative = 1.1
diag.slice_step_diagnostics = true
"""


def cold_round_beam_envelope():
    """sigma(s) of the cold round beam of DECK_2D: sigma'' = K/(4 sigma), K = 2 I/(I0 (beta gamma)^3)."""
    gamma = 1.0 + KINETIC_MEV * 1e6 * Q_E / (M_P * C_LIGHT**2)
    bg = math.sqrt(gamma**2 - 1.0)
    i0 = 4.0 * math.pi * EPS0 * M_P * C_LIGHT**3 / Q_E
    perveance = 2.0 * CURRENT_A / (i0 * bg**3)
    return solve_ivp(lambda s, u: [u[1], perveance / (4.0 * u[0])], (0.0, LENGTH), [SIGMA0, 0.0],
                     rtol=1e-10, atol=1e-14, dense_output=True)


def test_2d_cold_beam_follows_the_envelope_equation(wakeline, tmp_path):
    """A cold, uniform round beam expands as sigma'' = K/(4 sigma), K = 2 I/(I0 (beta gamma)^3)."""
    wakeline.run_deck(DECK_2D, cwd=tmp_path).assert_ok()
    table = read_table(tmp_path / "diags" / "reduced_beam_characteristics.0")
    sol = cold_round_beam_envelope()
    s = table["s"].to_numpy()
    expected = sol.sol(s)[0]
    assert expected[-1] > 1.5 * SIGMA0  # a strong effect
    np.testing.assert_allclose(table["sigma_x"], expected, rtol=0.01)
    np.testing.assert_allclose(table["sigma_y"], expected, rtol=0.01)
    # The field of a uniform beam is linear: the emittance stays (nearly) zero.
    assert table["emittance_x"].iloc[-1] < 0.02 * SIGMA0 * (sol.sol(LENGTH)[1])


def test_multigrid_is_solved_with_fft_and_says_so(wakeline, tmp_path):
    deck = set_keys(DECK_2D, {"algo.poisson_solver": "multigrid", "lattice.nslice": 5})
    result = wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    assert "algo.poisson_solver" in result.stderr and "FFT" in result.stderr


def test_flat_beam_stops_the_run_without_output(wakeline, tmp_path):
    deck = set_keys(DECK_2D, {"beam.lambdaY": 0.0, "lattice.nslice": 5})
    result = wakeline.run_deck(deck, cwd=tmp_path)
    assert result.returncode == 1
    assert "flat in y" in result.stderr
    assert not (tmp_path / "diags").exists() or not listing(tmp_path / "diags")


def test_space_charge_in_reference_orbit_mode_is_refused(wakeline, tmp_path):
    deck = set_keys(DECK_2D, {"algo.track": "reference_orbit"})
    result = wakeline.run_deck(deck, cwd=tmp_path)
    assert result.returncode == 2 and "algo.space_charge" in result.stderr


def test_2p5d_long_uniform_bunch_equals_the_2d_beam(wakeline, tmp_path):
    """A long bunch with a flat line density lambda = Q/(beta L_z) expands like the 2D beam of
    current I = lambda beta c, except in the few per cent of particles at the ends."""
    sigma_t = 1.0  # kvdist: t uniform over +-sqrt(3) sigma_t
    charge = CURRENT_A * 2.0 * math.sqrt(3.0) * sigma_t / C_LIGHT
    deck = set_keys(DECK_2D.replace(f"beam.current = {CURRENT_A}\n", ""),
                    {"algo.space_charge": "2p5D", "beam.charge": charge, "beam.lambdaT": sigma_t,
                     "amr.n_cell": "64 64 1", "algo.space_charge.num_longitudinal_bins": 50})
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    table = read_table(tmp_path / "diags" / "reduced_beam_characteristics.0")
    sol = cold_round_beam_envelope()
    expected = sol.sol(table["s"].to_numpy())[0]
    np.testing.assert_allclose(table["sigma_x"], expected, rtol=0.01)
    # The ends of the bunch, where the line density falls, are pushed outwards along the bunch.
    assert table["sigma_t"].iloc[-1] > table["sigma_t"].iloc[0]
    # Without the longitudinal kick the bunch length changes only by the drift of a cold beam.
    wakeline.run_deck(set_keys(deck, {"algo.space_charge.apply_longitudinal_kick": "false"}),
                      cwd=tmp_path).assert_ok()
    flat = read_table(tmp_path / "diags" / "reduced_beam_characteristics.0")
    assert abs(flat["sigma_t"].iloc[-1] / flat["sigma_t"].iloc[0] - 1.0) < 1e-6


DECK_GAUSS = """
beam.npart = 20000
beam.units = static
beam.kin_energy = 250.0
beam.charge = 1.0e-9
beam.particle = electron
beam.distribution = gaussian
beam.lambdaX = 4.472135955e-4
beam.lambdaY = beam.lambdaX
beam.lambdaT = 9.12241869e-7
beam.lambdaPx = 0.0
beam.lambdaPy = 0.0
beam.lambdaPt = 0.0

lattice.elements = drift1
lattice.nslice = 20
drift1.type = drift
drift1.ds = 6.0

algo.particle_shape = 2
amr.n_cell = 32 32 32
geometry.prob_relative = 1.0
"""


def test_gauss3d_and_the_pic_model_expand_a_gaussian_bunch_alike(wakeline, tmp_path):
    """Over 1.5 m the cold Gaussian bunch stays nearly Gaussian: the analytic Gauss3D field and the
    64^3 cloud-in-cell PIC field give the same growth of the sizes. (Further on, the bunch leaves
    the Gaussian shape and the rms-equivalent Gaussian field differs from the real one by a few %.)"""
    growth = {}
    for model in ("3D", "Gauss3D"):
        folder = tmp_path / model
        folder.mkdir()
        deck = set_keys(DECK_GAUSS, {"algo.space_charge": model, "amr.n_cell": "64 64 64",
                                     "algo.particle_shape": 1, "drift1.ds": 1.5, "lattice.nslice": 10})
        wakeline.run_deck(deck, cwd=folder).assert_ok()
        first = read_table(folder / "diags" / "reduced_beam_characteristics.0").iloc[0]
        last = read_table(folder / "diags" / "reduced_beam_characteristics_final.0").iloc[-1]
        growth[model] = {c: last[c] / first[c] - 1.0 for c in ("sigma_x", "sigma_y", "sigma_t")}
    assert growth["Gauss3D"]["sigma_x"] > 0.05  # a clear effect
    for col in ("sigma_x", "sigma_y", "sigma_t"):
        assert math.isclose(growth["Gauss3D"][col], growth["3D"][col], rel_tol=0.03), col


def test_gauss2p5d_runs_and_its_keys_are_read(wakeline, tmp_path):
    deck = set_keys(DECK_GAUSS, {"algo.space_charge": "Gauss2p5D", "algo.space_charge.gauss_charge_z_bins": 65,
                                 "algo.space_charge.gauss_nint": 51, "lattice.nslice": 4})
    result = wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    assert "gauss" not in result.stderr  # no 'has no effect' notice for its keys
    final = read_table(tmp_path / "diags" / "reduced_beam_characteristics_final.0").iloc[-1]
    assert final["sigma_x"] > 1.1 * 4.472135955e-4


@pytest.mark.parametrize("model", ["3D", "2p5D", "Gauss3D", "Gauss2p5D"])
def test_space_charge_runs_are_bit_identical_at_any_thread_count(wakeline, tmp_path, model):
    """The deposit sums in fixed point, other sums run in order, and the FFT plans are remembered
    (or estimated), so a run with space charge gives the same bits with 1 and 2 threads."""
    deck = set_keys(DECK_GAUSS, {"algo.space_charge": model, "lattice.nslice": 5, "beam.npart": 5000,
                                 "diag.slice_step_diagnostics": "true", "amr.n_cell": "32 32 16"})
    plans = [("measured", str(tmp_path / "wisdom")), ("estimated", "")] if model == "3D" else [("", "")]
    for label, wisdom in plans:
        env = dict(os.environ, WAKELINE_FFTW_WISDOM=wisdom)
        outputs = []
        for threads in ("1", "2"):
            folder = tmp_path / f"{label}{threads}"
            folder.mkdir()
            (folder / "deck.in").write_text(deck)
            wakeline.run("deck.in", "--threads", threads, cwd=folder, env=env).assert_ok()
            outputs.append((folder / "diags" / "reduced_beam_characteristics.0").read_text())
        assert outputs[0] == outputs[1], label
    if model == "3D":
        assert (tmp_path / "wisdom").exists()  # the measured plans were remembered
