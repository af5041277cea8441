"""Particle losses at a pipe aperture, and element misalignment.

The beam goes through one drift with an elliptical aperture smaller than the beam; a drift is a
simple enough map (x += L px, y += L py per slice) that the test can work out by itself which
particle is lost where, from the positions the first monitor recorded.
"""

from __future__ import annotations

import numpy as np
import pytest

from wakeline_helpers import read_openpmd, read_table, set_keys, weighted_sigma

NPART = 2000
SIGMA = 1.0e-3  # m and rad: beam.lambdaX = lambdaPx = lambdaY = lambdaPy
DRIFT_DS = 1.0
NSLICE = 4
APERTURE = 1.5 * SIGMA  # half-axes of the ellipse, both planes

LOSS_DECK = f"""\
beam.npart = {NPART}
beam.units = static
beam.kin_energy = 2.0e3
beam.charge = 1.0e-9
beam.particle = electron
beam.distribution = gaussian
beam.lambdaX = {SIGMA}
beam.lambdaPx = {SIGMA}
beam.lambdaY = {SIGMA}
beam.lambdaPy = {SIGMA}
beam.lambdaT = 1.0e-3
beam.lambdaPt = 1.0e-3
beam.seed = 5

lattice.elements = monitor pipe monitor

monitor.type = beam_monitor
monitor.backend = h5

pipe.type = drift
pipe.ds = {DRIFT_DS}
pipe.nslice = {NSLICE}
pipe.aperture_x = {APERTURE}
pipe.aperture_y = {APERTURE}
"""


def expected_losses(x0, px0, y0, py0, ds, nslice, ax, ay, dx=0.0, dy=0.0):
    """Tracks the particles through a drift slice by slice, as the code does (x += L px), and
    applies the aperture in the element frame (shifted by dx, dy) at each slice end. Returns the
    s of loss (nan for survivors), the final coordinates and, per particle, the smallest distance
    of (x/ax)^2 + (y/ay)^2 to 1 seen at a check (to leave out particles on the boundary)."""
    L = ds / nslice
    x, y = x0.copy(), y0.copy()
    s_lost = np.full(x.shape, np.nan)
    margin = np.full(x.shape, np.inf)
    for k in range(1, nslice + 1):
        x = x + L * px0
        y = y + L * py0
        r2 = ((x - dx) / ax) ** 2 + ((y - dy) / ay) ** 2
        alive = np.isnan(s_lost)
        margin[alive] = np.minimum(margin[alive], np.abs(r2[alive] - 1.0))
        s_lost[alive & (r2 > 1.0)] = k * L
    return s_lost, x, y, margin


def run_loss_deck(wakeline, cwd, deck):
    wakeline.run_deck(deck, cwd=cwd).assert_ok()
    monitor = read_openpmd(cwd / "diags" / "openPMD" / "monitor.h5")
    lost_file = cwd / "diags" / "openPMD" / "particles_lost.h5"
    assert lost_file.is_file(), "no particles_lost.h5 although the aperture is smaller than the beam"
    lost = read_openpmd(lost_file)
    assert len(lost) == 1, f"particles_lost.h5 should hold one iteration, has {sorted(lost)}"
    (lost_data,) = lost.values()
    first, last = monitor[min(monitor)], monitor[max(monitor)]
    return first, last, lost_data


@pytest.fixture(scope="module")
def loss_folder(wakeline, tmp_path_factory):
    return tmp_path_factory.mktemp("losses")


@pytest.fixture(scope="module")
def loss_run(wakeline, loss_folder):
    return run_loss_deck(wakeline, loss_folder, LOSS_DECK)


def test_lost_file_layout(loss_run):
    _, _, lost = loss_run
    assert "s_lost" in lost.records
    for name in ("x", "y", "t", "px", "py", "pt", "qm", "weighting", "id", "s_lost"):
        assert lost[name].shape == lost["id"].shape, name
    # As in ImpactX: one iteration numbered 0, written at the end of the run (s_ref = end).
    assert lost.iteration == 0
    assert lost.attributes["s_ref"] == pytest.approx(DRIFT_DS)


def test_particles_are_conserved(loss_run):
    first, last, lost = loss_run
    n0 = len(first["id"])
    assert n0 == NPART
    # A sizeable fraction is lost (1.5 sigma aperture), and not all.
    assert 0.1 * NPART < len(lost["id"]) < 0.9 * NPART
    assert len(last["id"]) + len(lost["id"]) == n0
    ids = np.concatenate([last["id"], lost["id"]])
    assert np.array_equal(np.sort(ids), np.sort(first["id"])), "alive and lost ids do not partition the beam"
    # Lost particles keep their charge: weighting sums to the initial charge.
    total_w = last["weighting"].sum() + lost["weighting"].sum()
    assert total_w == pytest.approx(first["weighting"].sum(), rel=1e-12)


def test_final_diagnostics_count_survivors_only(loss_run, loss_folder):
    _, last, _ = loss_run
    final = read_table(loss_folder / "diags" / "reduced_beam_characteristics_final.0").iloc[0]
    assert final["charge_C"] == pytest.approx(-1.0e-9 * len(last["id"]) / NPART, rel=1e-12)
    assert final["sigma_x"] == pytest.approx(weighted_sigma(last["x"], last["weighting"]), rel=1e-9)


def test_s_lost_is_a_slice_end_of_the_drift(loss_run):
    _, _, lost = loss_run
    s = lost["s_lost"]
    # The drift runs from s = 0 (the monitor before it is thin) to s = DRIFT_DS.
    assert (s > 0.0).all() and (s <= DRIFT_DS + 1e-12).all()
    slice_ends = DRIFT_DS * np.arange(1, NSLICE + 1) / NSLICE
    distance = np.abs(s[:, None] - slice_ends[None, :]).min(axis=1)
    assert (distance < 1e-12).all(), np.unique(s)
    # The beam grows along the drift, so particles are lost at more than one slice end.
    assert len(np.unique(np.round(s, 12))) > 1


def test_lost_particles_were_outside_the_aperture(loss_run):
    _, _, lost = loss_run
    r2 = (lost["x"] / APERTURE) ** 2 + (lost["y"] / APERTURE) ** 2
    assert (r2 > 1.0).all(), f"{np.count_nonzero(r2 <= 1.0)} lost particles inside the aperture"


def test_survivors_are_inside_the_aperture(loss_run):
    _, last, _ = loss_run
    r2 = (last["x"] / APERTURE) ** 2 + (last["y"] / APERTURE) ** 2
    assert (r2 <= 1.0).all()


def test_losses_agree_with_drift_transport(loss_run):
    first, last, lost = loss_run
    order = np.argsort(first["id"])
    ids0 = first["id"][order]
    x0, px0, y0, py0 = (first[c][order] for c in ("x", "px", "y", "py"))
    s_expected, x_end, y_end, margin = expected_losses(x0, px0, y0, py0, DRIFT_DS, NSLICE, APERTURE, APERTURE)
    clear = margin > 1e-9  # leave out particles within rounding of the boundary (normally none)
    assert clear.mean() > 0.99

    index = np.searchsorted(ids0, lost["id"])
    expected_lost = set(ids0[~np.isnan(s_expected) & clear])
    actual_lost = set(lost["id"][clear[index]])
    assert actual_lost == expected_lost, (
        f"lost but should survive: {sorted(actual_lost - expected_lost)[:10]}; "
        f"survived but should be lost: {sorted(expected_lost - actual_lost)[:10]}"
    )
    sel = clear[index]
    np.testing.assert_allclose(lost["s_lost"][sel], s_expected[index][sel], atol=1e-12)
    # Coordinates at loss: x = x0 + s_lost px0, momenta unchanged.
    np.testing.assert_allclose(lost["x"], x0[index] + lost["s_lost"] * px0[index], rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(lost["y"], y0[index] + lost["s_lost"] * py0[index], rtol=1e-12, atol=1e-18)
    np.testing.assert_array_equal(lost["px"], px0[index])
    np.testing.assert_array_equal(lost["py"], py0[index])
    # Survivors went the whole drift.
    alive_index = np.searchsorted(ids0, last["id"])
    np.testing.assert_allclose(last["x"], x_end[alive_index], rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(last["y"], y_end[alive_index], rtol=1e-12, atol=1e-18)


def test_aperture_of_a_misaligned_drift_is_in_the_element_frame(wakeline, tmp_path):
    # With pipe.dx the ellipse is centred at x = dx: a particle is lost when
    # ((x - dx)/ax)^2 + (y/ay)^2 > 1; its recorded coordinates are in the lab frame.
    dx = 0.5 * SIGMA
    deck = set_keys(LOSS_DECK, {"pipe.dx": dx})
    first, last, lost = run_loss_deck(wakeline, tmp_path, deck)
    order = np.argsort(first["id"])
    ids0 = first["id"][order]
    x0, px0, y0, py0 = (first[c][order] for c in ("x", "px", "y", "py"))
    s_expected, _, _, margin = expected_losses(x0, px0, y0, py0, DRIFT_DS, NSLICE, APERTURE, APERTURE, dx=dx)
    clear = margin > 1e-9
    index = np.searchsorted(ids0, lost["id"])
    assert set(lost["id"][clear[index]]) == set(ids0[~np.isnan(s_expected) & clear])
    assert (((lost["x"] - dx) / APERTURE) ** 2 + (lost["y"] / APERTURE) ** 2 > 1.0).all()
    assert (((last["x"] - dx) / APERTURE) ** 2 + (last["y"] / APERTURE) ** 2 <= 1.0).all()


QUAD_DECK = f"""\
beam.npart = 500
beam.units = static
beam.kin_energy = 2.0e3
beam.charge = 1.0e-9
beam.particle = electron
beam.distribution = gaussian
beam.lambdaX = 1.0e-3
beam.lambdaPx = 1.0e-4
beam.lambdaY = 1.0e-3
beam.lambdaPy = 1.0e-4
beam.lambdaT = 1.0e-3
beam.lambdaPt = 1.0e-3
beam.seed = 9

lattice.elements = monitor quad1 monitor
lattice.nslice = 3

monitor.type = beam_monitor
monitor.backend = h5

quad1.type = quad
quad1.ds = 0.5
quad1.k = 2.0
"""


def test_misaligned_quad_equals_shifted_beam(wakeline, tmp_path):
    # A quad displaced by dx acts on x - dx and puts the offset back afterwards. The same
    # particles (same seed) shifted by -dx through an aligned quad, then shifted back by +dx,
    # must end where the misaligned quad puts them.
    dx = 2.0e-4
    k, length = 2.0, 0.5
    runs = {}
    for name, keys in {"misaligned": {"quad1.dx": dx}, "shifted": {"beam.meanX": -dx}, "aligned": {}}.items():
        cwd = tmp_path / name
        cwd.mkdir()
        wakeline.run_deck(set_keys(QUAD_DECK, keys), cwd=cwd).assert_ok()
        monitor = read_openpmd(cwd / "diags" / "openPMD" / "monitor.h5")
        runs[name] = monitor[max(monitor)]
    fa, fb, fc = runs["misaligned"], runs["shifted"], runs["aligned"]
    np.testing.assert_array_equal(fa["id"], fb["id"])
    np.testing.assert_allclose(fa["x"], fb["x"] + dx, rtol=0, atol=1e-15)
    for c in ("px", "y", "py", "t", "pt"):
        np.testing.assert_allclose(fa[c], fb[c], rtol=1e-14, atol=1e-18, err_msg=c)
    # Against the aligned quad, the displacement kicks every particle by the same
    # px_a - px_c = w sin(w L) dx (w = sqrt(k)): x -> c x + s px acts on x - dx.
    w = np.sqrt(k)
    np.testing.assert_allclose(fa["px"] - fc["px"], w * np.sin(w * length) * dx, rtol=1e-9)
    np.testing.assert_allclose(fa["x"] - fc["x"], (1.0 - np.cos(w * length)) * dx, rtol=1e-9)
