"""ImpactX's output layout, read back with openPMD-api and pandas after a FODO run.

One run of the FODO cell (ImpactX's examples/fodo, 2000 particles) is shared by the tests of
this module; each test checks one property of what it wrote under diags/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wakeline_helpers import (
    M_E,
    M_E_MEV,
    Q_E,
    monitor_steps,
    parse_deck,
    read_openpmd,
    read_table,
    total_steps,
    weighted_sigma,
)

NPART = 2000
CHARGE = 1.0e-9  # C
KIN_ENERGY = 2.0e3  # MeV

# ImpactX's examples/fodo (as `wakeline --print-example fodo` prints it), with 2000 particles.
FODO_DECK = f"""\
beam.npart = {NPART}
beam.units = static
beam.kin_energy = {KIN_ENERGY}          # MeV
beam.charge = {CHARGE}             # C
beam.particle = electron
beam.distribution = waterbag_from_twiss
beam.alphaX = -1.5905003499999992
beam.alphaY = -beam.alphaX
beam.alphaT = 0.0
beam.betaX = 2.8216194100262637
beam.betaY = beam.betaX
beam.betaT = 0.5
beam.emittX = 2e-09
beam.emittY = beam.emittX
beam.emittT = 2e-06

lattice.elements = monitor drift1 monitor quad1 monitor drift2 monitor quad2 monitor drift3 monitor
lattice.nslice = 25

monitor.type = beam_monitor
monitor.backend = h5

drift1.type = drift
drift1.ds = 0.25

quad1.type = quad
quad1.ds = 1.0
quad1.k = 1.0

drift2.type = drift
drift2.ds = 0.5

quad2.type = quad
quad2.ds = 1.0
quad2.k = -1.0

drift3.type = drift
drift3.ds = 0.25

algo.space_charge = false
diag.slice_step_diagnostics = true
"""

# The lattice length: the sum of the thick elements' ds.
LATTICE_LENGTH = 0.25 + 1.0 + 0.5 + 1.0 + 0.25

REDUCED_COLUMNS = (
    "step period s mean_x min_x max_x mean_y min_y max_y mean_t min_t max_t sigma_x sigma_y sigma_t "
    "mean_px min_px max_px mean_py min_py max_py mean_pt min_pt max_pt sigma_px sigma_py sigma_pt "
    "emittance_x emittance_y emittance_t alpha_x alpha_y alpha_t beta_x beta_y beta_t "
    "dispersion_x dispersion_px dispersion_y dispersion_py emittance_xn emittance_yn emittance_tn "
    "charge_C"
).split()
REF_COLUMNS = "step s beta gamma beta_gamma x y z t px py pz pt".split()

SPECIES_ATTRIBUTES = (
    "s_ref gamma_ref beta_ref beta_gamma_ref pt_ref mass_ref charge_ref x_ref y_ref z_ref t_ref "
    "px_ref py_ref pz_ref sigma_x sigma_y sigma_t sigma_px sigma_py sigma_pt emittance_x "
    "emittance_y emittance_t alpha_x alpha_y beta_x beta_y charge_C"
).split()


@pytest.fixture(scope="module")
def fodo_run(wakeline, tmp_path_factory) -> Path:
    """Runs FODO_DECK once in its own temporary folder; returns that folder."""
    cwd = tmp_path_factory.mktemp("fodo")
    wakeline.run_deck(FODO_DECK, cwd=cwd, name="fodo.in").assert_ok()
    return cwd


@pytest.fixture(scope="module")
def monitor(fodo_run):
    return read_openpmd(fodo_run / "diags" / "openPMD" / "monitor.h5")


@pytest.fixture(scope="module")
def reduced(fodo_run):
    return read_table(fodo_run / "diags" / "reduced_beam_characteristics.0")


@pytest.fixture(scope="module")
def ref_particle(fodo_run):
    return read_table(fodo_run / "diags" / "ref_particle.0")


def test_expected_monitor_steps_from_deck():
    # Guards the helper the iteration test relies on: 6 monitors (one slice each) around five
    # thick elements of 25 slices: the monitors sit at steps 1, 1+1+25, ... .
    assert monitor_steps(FODO_DECK) == [1, 27, 53, 79, 105, 131]
    assert total_steps(FODO_DECK) == 6 + 5 * 25


def test_monitor_file_opens_with_openpmd_api(fodo_run):
    import openpmd_api as io

    series = io.Series(str(fodo_run / "diags" / "openPMD" / "monitor.h5"), io.Access.read_only)
    try:
        assert series.iteration_encoding == io.Iteration_Encoding.group_based
        assert len(series.iterations) > 0
    finally:
        series.close()


def test_iterations_are_global_slice_steps(monitor):
    # A monitor writes the iteration numbered by the global slice step of its own slice:
    # the first monitor, at the start of the lattice, writes iteration 1.
    assert sorted(monitor) == monitor_steps(FODO_DECK)


def test_iteration_time_is_s(monitor):
    # ImpactX stores the reference s as the iteration's time.
    for data in monitor.values():
        assert data.time == pytest.approx(data.attributes["s_ref"], abs=1e-12)


def test_species_records(monitor):
    for data in monitor.values():
        for record in ("position", "momentum"):
            assert sorted(data.records[record]) == ["t", "x", "y"], (data.iteration, record)
        for record in ("qm", "weighting", "id"):
            assert record in data.records, sorted(data.records)
        assert "s_lost" not in data.records  # only in particles_lost.h5


def test_species_attributes(monitor):
    for data in monitor.values():
        missing = [a for a in SPECIES_ATTRIBUTES if a not in data.attributes]
        assert not missing, f"iteration {data.iteration} lacks {missing}"


def test_particle_count_and_ids(monitor):
    for data in monitor.values():
        for name in ("x", "y", "t", "px", "py", "pt", "qm", "weighting", "id"):
            assert data[name].shape == (NPART,), (data.iteration, name)
        # No losses in this lattice: every particle, ids 1..N.
        assert np.array_equal(np.sort(data["id"]), np.arange(1, NPART + 1))


def test_qm_is_electron_charge_over_mass(monitor):
    for data in monitor.values():
        np.testing.assert_allclose(data["qm"], -Q_E / M_E, rtol=1e-12)


def test_weighting_gives_bunch_charge(monitor):
    for data in monitor.values():
        w = data["weighting"]
        # Every macroparticle carries beam.charge / N.
        np.testing.assert_allclose(w * Q_E * NPART, CHARGE, rtol=1e-12)
        assert w.sum() * Q_E == pytest.approx(CHARGE, rel=1e-12)


def test_reference_at_the_end(monitor):
    last = monitor[max(monitor)]
    a = last.attributes
    gamma = 1.0 + KIN_ENERGY / M_E_MEV
    assert a["s_ref"] == pytest.approx(LATTICE_LENGTH, abs=1e-12)
    assert a["s_ref"] == pytest.approx(3.0, abs=1e-12)
    assert a["gamma_ref"] == pytest.approx(3914.902, abs=5e-4)
    assert a["gamma_ref"] == pytest.approx(gamma, rel=1e-12)
    assert a["beta_gamma_ref"] == pytest.approx(np.sqrt(gamma**2 - 1.0), rel=1e-12)
    assert a["beta_ref"] == pytest.approx(np.sqrt(1.0 - 1.0 / gamma**2), rel=1e-12)
    assert a["pt_ref"] == pytest.approx(-gamma, rel=1e-12)
    assert a["mass_ref"] == pytest.approx(M_E, rel=1e-12)
    assert a["charge_ref"] == pytest.approx(-Q_E, rel=1e-12)
    first = monitor[min(monitor)]
    assert first.attributes["s_ref"] == 0.0


def test_species_sigma_attributes_match_the_data(monitor):
    for data in monitor.values():
        w = data["weighting"]
        for coord in ("x", "y", "t", "px", "py", "pt"):
            assert data.attributes[f"sigma_{coord}"] == pytest.approx(
                weighted_sigma(data[coord], w), rel=1e-9
            ), (data.iteration, coord)


def test_reduced_table_layout(reduced):
    assert list(reduced.columns) == REDUCED_COLUMNS
    # diag.slice_step_diagnostics = true: the initial row (step 0) and one row per slice.
    n = total_steps(FODO_DECK)
    assert list(reduced["step"]) == list(range(0, n + 1))
    assert reduced["s"].iloc[0] == 0.0
    assert reduced["s"].iloc[-1] == pytest.approx(LATTICE_LENGTH, abs=1e-12)
    assert (np.diff(reduced["s"]) >= 0).all()


def test_ref_particle_table_layout(ref_particle, reduced):
    assert list(ref_particle.columns) == REF_COLUMNS
    assert list(ref_particle["step"]) == list(reduced["step"])
    np.testing.assert_array_equal(ref_particle["s"], reduced["s"])
    gamma = 1.0 + KIN_ENERGY / M_E_MEV
    np.testing.assert_allclose(ref_particle["gamma"], gamma, rtol=1e-12)
    # A straight lattice: z follows s.
    np.testing.assert_allclose(ref_particle["z"], ref_particle["s"], atol=1e-12)


def test_reduced_minima_and_maxima_are_real(reduced):
    # ImpactX's reduced diagnostics had min_* and max_* equal to the means; here they are
    # extrema, so they strictly bracket the mean of a beam with spread.
    for c in ("x", "y", "t", "px", "py", "pt"):
        assert (reduced[f"min_{c}"] < reduced[f"mean_{c}"]).all(), c
        assert (reduced[f"mean_{c}"] < reduced[f"max_{c}"]).all(), c


def test_reduced_matches_the_openpmd_data(reduced, monitor):
    rows = reduced.set_index("step")
    for step, data in monitor.items():
        row = rows.loc[step]
        assert row["s"] == pytest.approx(data.attributes["s_ref"], abs=1e-12)
        w = data["weighting"]
        for c in ("x", "y", "t", "px", "py", "pt"):
            assert row[f"sigma_{c}"] == pytest.approx(weighted_sigma(data[c], w), rel=1e-9), (step, c)
            assert row[f"mean_{c}"] == pytest.approx(np.average(data[c], weights=w), rel=1e-9, abs=1e-15)
            assert row[f"min_{c}"] == pytest.approx(data[c].min(), rel=1e-14), (step, c)
            assert row[f"max_{c}"] == pytest.approx(data[c].max(), rel=1e-14), (step, c)
        assert row["charge_C"] == pytest.approx(-CHARGE, rel=1e-12)


def test_final_files_have_one_row(fodo_run, reduced, ref_particle):
    diags = fodo_run / "diags"
    reduced_final = read_table(diags / "reduced_beam_characteristics_final.0")
    ref_final = read_table(diags / "ref_particle_final.0")
    assert list(reduced_final.columns) == REDUCED_COLUMNS
    assert list(ref_final.columns) == REF_COLUMNS
    assert len(reduced_final) == 1 and len(ref_final) == 1
    # The final row is the state at the end: the same as the last per-slice row.
    np.testing.assert_array_equal(reduced_final.iloc[0].to_numpy(), reduced.iloc[-1].to_numpy())
    np.testing.assert_array_equal(ref_final.iloc[0].to_numpy(), ref_particle.iloc[-1].to_numpy())


def test_without_slice_step_diagnostics(wakeline, tmp_path):
    # Off (the default), as in ImpactX the per-step tables hold the initial state (step 0) only,
    # and the _final tables the state at the end.
    deck = FODO_DECK.replace("diag.slice_step_diagnostics = true", "diag.slice_step_diagnostics = false")
    assert parse_deck(deck)["diag.slice_step_diagnostics"] == "false"
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    reduced = read_table(tmp_path / "diags" / "reduced_beam_characteristics.0")
    assert list(reduced.columns) == REDUCED_COLUMNS
    assert list(reduced["step"]) == [0]
    assert list(read_table(tmp_path / "diags" / "ref_particle.0")["step"]) == [0]
    final = read_table(tmp_path / "diags" / "reduced_beam_characteristics_final.0")
    assert final["step"].iloc[0] == total_steps(deck)
