"""Synchrotron radiation in bends from the CLI: ISR (algo.isr*) and 1D steady-state CSR
(algo.csr*), against ImpactX's examples and the analytic formulas (docs/user-guide/radiation.md)."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from wakeline_helpers import read_openpmd, read_table, set_keys

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "cases"

# CODATA 2018
R_E = 2.8179403262e-15  # classical electron radius, m
LAMBDA_C = 3.8615926796e-13  # reduced Compton wavelength of the electron, m

# ImpactX's examples/incoherent_synchrotron/input_bend_isr.in (reference/impactx.md 7.4(6)):
# 100 GeV electrons, a cold Gaussian beam, a 0.1 m exact bend of radius 10 m in 25 slices.
BEND_ISR = """
beam.npart = 100000
beam.units = static
beam.kin_energy = 100.0e3
beam.charge = 1.0e-12
beam.particle = electron
beam.distribution = gaussian
beam.lambdaX = 1.0e-4
beam.lambdaY = beam.lambdaX
beam.lambdaT = 1.0e-4
beam.lambdaPx = 0.0
beam.lambdaPy = 0.0
beam.lambdaPt = 0.0
beam.muxpx = 0.0
beam.muypy = 0.0
beam.mutpt = 0.0
lattice.elements = monitor bend monitor
lattice.nslice = 25
monitor.type = beam_monitor
monitor.backend = h5
bend.type = sbend_exact
bend.ds = 0.1
bend.phi = 0.5729577951308232
algo.space_charge = false
algo.isr = true
diag.slice_step_diagnostics = true
"""
DS, RC, GAMMA = 0.1, 10.0, 195696.117901
MEAN_PT = 2.0 / 3.0 * R_E * DS * GAMMA**3 / RC**2
VAR_PT = 55.0 / (24.0 * math.sqrt(3.0)) * LAMBDA_C * R_E * DS * GAMMA**5 / RC**3


def final_row(folder: Path):
    return read_table(folder / "diags" / "reduced_beam_characteristics.0").iloc[-1]


def run_in(wakeline, tmp_path: Path, name: str, deck: str, *args: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    wakeline.run_deck(deck, *args, cwd=folder).assert_ok()
    return folder


def test_isr_bend_mean_loss_and_spread_match_the_formulas(wakeline, tmp_path):
    row = final_row(run_in(wakeline, tmp_path, "isr", BEND_ISR))
    # ImpactX's rtol: 10/sqrt(1e4). The formulas hold for ds << the loss length; here the beam
    # loses 1.4 %, which lowers the mean loss by ~1.5 % and the variance by ~4 %.
    assert row["mean_pt"] == pytest.approx(MEAN_PT, rel=0.1)
    assert row["sigma_pt"] ** 2 == pytest.approx(VAR_PT, rel=0.1)
    assert row["mean_pt"] == pytest.approx(MEAN_PT, rel=0.03)
    assert row["sigma_pt"] ** 2 == pytest.approx(VAR_PT, rel=0.07)


def test_isr_higher_orders_reduce_loss_and_spread_by_the_quantum_factors(wakeline, tmp_path):
    rows = {o: final_row(run_in(wakeline, tmp_path, f"o{o}", BEND_ISR, f"algo.isr_order={o}"))
            for o in (1, 2, 3)}
    chi = GAMMA**2 / RC * LAMBDA_C  # 1.48e-3
    g2 = 1.0 - 55.0 * math.sqrt(3.0) / 16.0 * chi
    h1 = 55.0 / (16.0 * math.sqrt(3.0)) * chi
    h2 = h1 - 28.0 * chi**2
    g3, h3 = g2 + 48.0 * chi**2, h2 + 14245.0 * math.sqrt(3.0) / 64.0 * chi**3
    # The same random numbers in every run: the ratios carry almost no sampling noise.
    for o, g, h in ((2, g2, h2), (3, g3, h3)):
        assert rows[o]["mean_pt"] / rows[1]["mean_pt"] == pytest.approx(g, rel=1e-3)
        assert (rows[o]["sigma_pt"] / rows[1]["sigma_pt"]) ** 2 == pytest.approx(h / h1, rel=2e-3)


def test_isr_run_is_bit_identical_at_1_and_2_threads(wakeline, tmp_path):
    one = run_in(wakeline, tmp_path, "t1", BEND_ISR, "--threads", "1")
    two = run_in(wakeline, tmp_path, "t2", BEND_ISR, "--threads", "2")
    a = read_openpmd(one / "diags" / "openPMD" / "monitor.h5")
    b = read_openpmd(two / "diags" / "openPMD" / "monitor.h5")
    last = max(a)
    for name in ("x", "px", "t", "pt", "id"):
        assert np.array_equal(a[last][name], b[last][name]), name
    assert a[last]["pt"].std() > 1e-3  # the beam did radiate
    other = run_in(wakeline, tmp_path, "seed", BEND_ISR, "--seed", "2")
    other_pt = read_openpmd(other / "diags" / "openPMD" / "monitor.h5")[last]["pt"]
    assert not np.array_equal(other_pt, a[last]["pt"])


def test_isr_on_ref_part_the_reference_loses_the_mean_energy(wakeline, tmp_path):
    folder = run_in(wakeline, tmp_path, "ref", set_keys(BEND_ISR, {"algo.isr_on_ref_part": "true"}))
    ref = read_table(folder / "diags" / "ref_particle.0")
    loss = 1.0 - ref["gamma"].iloc[-1] / ref["gamma"].iloc[0]
    assert loss == pytest.approx(MEAN_PT, rel=0.05)  # ImpactX's analysis_bend_isr_ref.py: rel 0.1
    row = final_row(folder)
    assert abs(row["mean_pt"]) < 0.01 * MEAN_PT  # the beam stays centred on the reference
    assert row["sigma_pt"] ** 2 == pytest.approx(VAR_PT, rel=0.1)
    assert ref["s"].iloc[-1] == pytest.approx(DS, rel=1e-12)


def test_isr_and_csr_need_particle_tracking(wakeline, tmp_path):
    for key in ("algo.isr", "algo.csr"):
        for track in ("envelope", "reference_orbit"):
            deck = set_keys(BEND_ISR, {"algo.isr": "false", key: "true", "algo.track": track})
            result = wakeline.run_deck(deck, cwd=tmp_path)
            assert result.returncode != 0
            assert f"'{key}'" in result.stderr and "particles" in result.stderr


def test_bad_radiation_values_name_the_key(wakeline, tmp_path):
    for key, value in (("algo.isr_order", "4"), ("algo.csr_bins", "1")):
        result = wakeline.run_deck(set_keys(BEND_ISR, {key: value}), cwd=tmp_path)
        assert result.returncode != 0 and f"'{key}'" in result.stderr


# ImpactX's examples/chicane/input_chicane_csr.in is the conformance chicane deck with a Gaussian
# beam and CSR on; ImpactX finds +19 % horizontal emittance (1.0198e-10 -> 1.2136e-10 m).
def chicane_csr_deck() -> str:
    deck = (CONFORMANCE / "chicane" / "input_chicane.in").read_text()
    return set_keys(deck, {"beam.distribution": "gaussian", "algo.csr": "true", "algo.csr_bins": 150})


@pytest.mark.skipif(not (CONFORMANCE / "chicane").is_dir(), reason="conformance cases not present")
def test_chicane_with_csr_grows_the_horizontal_emittance_as_impactx(wakeline, tmp_path):
    start = time.monotonic()
    with_csr = read_table(run_in(wakeline, tmp_path, "csr", chicane_csr_deck()) / "diags" /
                          "reduced_beam_characteristics.0")
    assert time.monotonic() - start < 20.0
    without = read_table(run_in(wakeline, tmp_path, "nocsr", set_keys(chicane_csr_deck(), {"algo.csr": "false"})) /
                         "diags" / "reduced_beam_characteristics.0")
    growth = with_csr["emittance_x"].iloc[-1] / with_csr["emittance_x"].iloc[0] - 1.0
    assert 0.10 < growth < 0.30
    assert without["emittance_x"].iloc[-1] / without["emittance_x"].iloc[0] - 1.0 < 0.01
    # ImpactX's final values, with its tolerance 8.1/sqrt(1e4).
    final = with_csr.iloc[-1]
    assert final["emittance_x"] == pytest.approx(1.2135933108429935e-10, rel=0.081)
    assert final["sigma_t"] == pytest.approx(1.9976426324802290e-05, rel=0.081)
    assert final["emittance_t"] == pytest.approx(3.870603e-09, rel=0.081)
    # CSR acts in the bends only: the beam's mean energy drops there and nowhere else.
    drop = with_csr["mean_pt"].diff().fillna(0.0).to_numpy()
    assert with_csr["mean_pt"].iloc[-1] > without["mean_pt"].iloc[-1] + 1e-6  # pt > 0: energy lost
    differs = np.abs(drop - without["mean_pt"].diff().fillna(0.0).to_numpy()) > 1e-12
    assert np.count_nonzero(differs) == 4 * 25  # the 4 bends' 25 slices each
