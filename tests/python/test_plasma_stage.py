"""The plasma_stage element from the CLI: drift -> plasma_stage (custom_blowout) -> drift.

A constant accelerating field lon_field over the stage length ds gives every electron
e |lon_field| ds (the beam is thin: the radial electric field that models the focusing exchanges
e c g r^2/2 with a particle at radius r, ~1e-4 eV here); the reference particle takes the beam's mean energy at the stage exit, so the
reduced diagnostics show the gain in the reference energy and a mean pt near 0.
"""

from __future__ import annotations

import pytest

import numpy as np

from wakeline_helpers import read_openpmd, read_table

MC2_MEV = 0.51099895000
KIN_MEV = 1000.0
EZ = -20.0e9  # V/m: accelerates electrons
STAGE_DS = 0.05

DECK = f"""\
beam.npart = 2000
beam.units = static
beam.kin_energy = {KIN_MEV}
beam.charge = 1.0e-12
beam.particle = electron
beam.distribution = gaussian
beam.lambdaX = 1.0e-6
beam.lambdaY = 1.0e-6
beam.lambdaT = 1.0e-6
beam.lambdaPx = 1.0e-6
beam.lambdaPy = 1.0e-6
beam.lambdaPt = 1.0e-3
beam.seed = 3

lattice.elements = monitor d1 stage d2 monitor
diag.slice_step_diagnostics = true

monitor.type = beam_monitor
monitor.backend = h5

d1.type = drift
d1.ds = 0.1
d2.type = drift_exact
d2.ds = 0.1

stage.type = plasma_stage
stage.ds = {STAGE_DS}
stage.wakefield_model = custom_blowout
stage.lon_field = {EZ}
stage.foc_strength = 1.0e5
stage.bunch_pusher = boris
"""


def test_custom_blowout_stage_gains_e_field_times_length(wakeline, tmp_path):
    wakeline.run_deck(DECK, cwd=tmp_path).assert_ok()
    steps = read_openpmd(tmp_path / "diags" / "openPMD" / "monitor.h5")
    first, last = steps[min(steps)], steps[max(steps)]
    # Mean energies (the entrance reference is the nominal energy, not the sampled beam's mean).
    def mean_gamma(step):
        return step.attributes["gamma_ref"] - np.mean(step["pt"]) * step.attributes["beta_gamma_ref"]

    gain_MeV = (mean_gamma(last) - mean_gamma(first)) * MC2_MEV
    want = abs(EZ) * STAGE_DS / 1e6  # 1 GeV
    assert gain_MeV == pytest.approx(want, rel=1e-6)
    # After the stage the reference is the mean energy.
    assert last.attributes["gamma_ref"] == pytest.approx(mean_gamma(last), rel=1e-12)
    assert last.attributes["s_ref"] == pytest.approx(0.1 + STAGE_DS + 0.1, rel=1e-12)
    # Every particle gains the same: the energy spread in MeV is kept, and the reference follows the
    # beam's mean energy, so pt is centred after the stage.
    assert len(last["id"]) == len(first["id"])
    table = read_table(tmp_path / "diags" / "reduced_beam_characteristics_final.0").iloc[0]
    assert abs(table["mean_pt"]) < 1e-9
    bg0, bg1 = first.attributes["beta_gamma_ref"], last.attributes["beta_gamma_ref"]
    order0, order1 = np.argsort(first["id"]), np.argsort(last["id"])
    de0 = -first["pt"][order0] * bg0 * MC2_MEV
    de1 = -last["pt"][order1] * bg1 * MC2_MEV
    assert np.allclose(de1 - de1.mean(), de0 - de0.mean(), rtol=0, atol=1e-6 * want)


@pytest.mark.parametrize(
    "keys, bad",
    [
        ("stage.length = 0.05", "stage.length"),
        ("stage.ds = 0.05\nstage.wakefield_model = cold_fluid_1d", "stage.wakefield_model"),
        ("stage.ds = 0.05\nstage.density = 1e23\nstage.wakefield_model = quasistatic_2d", "stage.xi_min"),
        ("stage.ds = 0.05\nstage.wakefield_model = custom_blowout\nstage.bunch_pusher = euler", "stage.bunch_pusher"),
        ("stage.ds = 0.05\nstage.wakefield_model = custom_blowout\nstage.lon_feld = 1", "stage.lon_feld"),
        ("stage.ds = 0.05\nstage.density = 1e23", "stage.laser_xi_c"),
    ],
)
def test_bad_stage_keys_exit_2_naming_the_key(wakeline, tmp_path, keys, bad):
    deck = DECK.split("stage.type = plasma_stage")[0] + "stage.type = plasma_stage\n" + keys + "\n"
    result = wakeline.run_deck(deck, cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert bad in result.stderr, result.describe()
    assert not (tmp_path / "diags").exists()


def test_active_plasma_lens_matches_plasma_lens_chromatic(wakeline, tmp_path):
    """The time-integrated lens and the s-based chromatic plasma lens with the same gradient (units = 1,
    k < 0 focuses electrons there) give the same beam sizes after the line."""
    head = DECK.split("stage.type = plasma_stage")[0]
    runs = {}
    for name, element in {
        "apl": "stage.type = active_plasma_lens\nstage.ds = 0.02\nstage.foc_strength = 500\nstage.dt_bunch = 2e-13\n"
        "stage.bunch_pusher = rk4\n",
        "chr": "stage.type = plasma_lens_chromatic\nstage.ds = 0.02\nstage.k = -500\nstage.units = 1\n",
        "drift": "stage.type = drift\nstage.ds = 0.02\n",
    }.items():
        folder = tmp_path / name
        folder.mkdir()
        wakeline.run_deck(head + element, cwd=folder).assert_ok()
        runs[name] = read_table(folder / "diags" / "reduced_beam_characteristics.0").iloc[-1]
    # After the lens the reference of the time-integrated element is the beam's mean energy, so px, py
    # are normalised differently: compare positions after the exact drift d2, which carry the angles.
    for column in ("sigma_x", "sigma_y"):
        assert runs["apl"][column] == pytest.approx(runs["chr"][column], rel=1e-6), column
    # The lens did act: ~1e-2 changes from a drift, far above the 1e-6 agreement.
    for column in ("sigma_x", "sigma_y"):
        assert abs(runs["apl"][column] / runs["drift"][column] - 1.0) > 1e-2, column
