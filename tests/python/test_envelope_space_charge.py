"""Envelope space charge from the CLI: algo.track = envelope with algo.space_charge = 2D (KV beam of
current beam.current) or 3D (uniform ellipsoid of charge beam.charge)."""

from __future__ import annotations

import math

import pytest

from wakeline_helpers import read_table, set_keys

# ImpactX's fodo_2d_sc example (a proton FODO cell matched with 0.5 A of 2D space charge), with the
# particle-in-cell keys left in: an envelope run reports them as unused.
FODO_2D_SC = """\
beam.npart = 10000
beam.units = static
beam.kin_energy = 6.7
beam.current = 0.5
beam.particle = proton
beam.distribution = kvdist_from_twiss
beam.alphaX = 2.4685083
beam.alphaY = -beam.alphaX
beam.alphaT = 0.0
beam.betaX = 0.737881
beam.betaY = 0.737881
beam.betaT = 0.5
beam.emittX = 1.0e-6
beam.emittY = beam.emittX
beam.emittT = 1.0e-12
lattice.elements = monitor drift1 quad1 drift2 quad2 drift1 monitor
lattice.nslice = 100
monitor.type = beam_monitor
monitor.backend = h5
drift1.type = drift
drift1.ds = 7.44e-2
quad1.type = quad
quad1.ds = 6.10e-2
quad1.k = -103.12574100336
drift2.type = drift
drift2.ds = 14.88e-2
quad2.type = quad
quad2.ds = 6.10e-2
quad2.k = -quad1.k
algo.track = envelope
algo.particle_shape = 2
algo.space_charge = 2D
algo.poisson_solver = "fft"
amr.n_cell = 32 32 1
geometry.prob_relative = 1.1
"""

# ImpactX's expanding_fft example: a cold 1 nC electron bunch, a sphere of rms radius 0.447 mm in its
# rest frame, whose size doubles over a 6 m drift by its own space charge.
EXPANDING = """\
beam.npart = 10000
beam.units = static
beam.kin_energy = 250.0
beam.charge = 1.0e-9
beam.particle = electron
beam.distribution = kurth6d
beam.lambdaX = 4.472135955e-4
beam.lambdaY = beam.lambdaX
beam.lambdaT = 9.12241869e-7
beam.lambdaPx = 0.0
beam.lambdaPy = 0.0
beam.lambdaPt = 0.0
lattice.elements = monitor drift1 monitor
lattice.nslice = 40
drift1.type = drift
drift1.ds = 6.0
monitor.type = beam_monitor
monitor.backend = h5
algo.particle_shape = 2
algo.space_charge = 3D
algo.poisson_solver = "fft"
amr.max_level = 1
amr.n_cell = 16 16 20
geometry.prob_relative = 1.2 1.1
"""


def first_and_final(path):
    return (read_table(path / "diags" / "reduced_beam_characteristics.0").iloc[0],
            read_table(path / "diags" / "reduced_beam_characteristics_final.0").iloc[-1])


def test_fodo_2d_envelope_stays_matched_with_space_charge(wakeline, tmp_path):
    result = wakeline.run_deck(FODO_2D_SC, cwd=tmp_path).assert_ok()
    assert "algo.particle_shape" in result.stderr  # a notice: the mesh keys are not used
    first, final = first_and_final(tmp_path)
    for col in ("sigma_x", "sigma_y"):
        assert math.isclose(final[col], first[col], rel_tol=1e-3), (col, first[col], final[col])
    assert math.isclose(final["emittance_x"], first["emittance_x"], rel_tol=1e-9)
    assert math.isclose(final["s"], 0.4196, rel_tol=1e-12)

    off = tmp_path / "off"
    off.mkdir()
    wakeline.run_deck(set_keys(FODO_2D_SC, {"algo.space_charge": "false"}), cwd=off).assert_ok()
    first, final = first_and_final(off)
    # The matching was done for 0.5 A: without space charge the envelope is far from periodic.
    assert abs(final["sigma_x"] / first["sigma_x"] - 1.0) > 0.1


def test_fodo_2d_envelope_scales_with_the_current(wakeline, tmp_path):
    # Twice the current over-defocuses: the beam at the end is larger than the matched one.
    wakeline.run_deck(set_keys(FODO_2D_SC, {"beam.current": 1.0}), cwd=tmp_path).assert_ok()
    first, final = first_and_final(tmp_path)
    assert final["sigma_x"] > 1.01 * first["sigma_x"]


def test_expanding_3d_envelope_doubles_its_size(wakeline, tmp_path):
    deck = set_keys(EXPANDING, {"algo.track": "envelope"})
    result = wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    assert "warning" not in result.stderr  # an upright bunch: no correlation to neglect
    first, final = first_and_final(tmp_path)
    # Kick-then-drift in 40 slices is a first-order splitting: 2.020 here; the Coulomb explosion of
    # a uniform sphere gives 1.99992 (tests/cpp/test_envelope_space_charge.cpp).
    for col in ("sigma_x", "sigma_y", "sigma_t"):
        assert math.isclose(final[col] / first[col], 2.0, rel_tol=0.015), (col, final[col] / first[col])
    fine = tmp_path / "fine"
    fine.mkdir()
    wakeline.run_deck(set_keys(deck, {"lattice.nslice": 400}), cwd=fine).assert_ok()
    first, final = first_and_final(fine)
    for col in ("sigma_x", "sigma_y", "sigma_t"):
        assert math.isclose(final[col] / first[col], 2.0, rel_tol=0.002), (col, final[col] / first[col])


def test_expanding_3d_envelope_agrees_with_the_particle_run(wakeline, tmp_path):
    wakeline.run_deck(set_keys(EXPANDING, {"algo.track": "envelope"}), cwd=tmp_path).assert_ok()
    _, envelope = first_and_final(tmp_path)
    particles = tmp_path / "particles"
    particles.mkdir()
    wakeline.run_deck(EXPANDING, cwd=particles).assert_ok()
    _, sampled = first_and_final(particles)
    # Particle-in-cell (10^4 particles, a 16x16x20 mesh) against the uniform-ellipsoid model: the
    # Kurth bunch is uniform in space, so both see the same field up to noise and mesh (about 1.986
    # vs 2.020 times the initial size).
    for col in ("sigma_x", "sigma_y", "sigma_t"):
        assert math.isclose(envelope[col], sampled[col], rel_tol=0.03), (col, envelope[col], sampled[col])


def test_3d_envelope_warns_once_about_correlations(wakeline, tmp_path):
    # A flat bunch rolled by 30 degrees has <xy> != 0, which the 3D model neglects.
    deck = set_keys(EXPANDING, {"algo.track": "envelope", "beam.lambdaY": "2 * beam.lambdaX",
                                "lattice.elements": "monitor roll drift1 monitor",
                                "roll.type": "plane_xyrotation", "roll.angle": 30.0})
    result = wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, result.stderr
    assert "<xy> = <yt> = <tx> = 0" in warnings[0]


@pytest.mark.parametrize(
    ("deck", "changes", "key"),
    [
        (FODO_2D_SC, {"beam.current": 0.0}, "beam.current"),
        (FODO_2D_SC, {"beam.current": -0.5}, "beam.current"),
        (EXPANDING, {"algo.track": "envelope", "beam.charge": 0.0}, "beam.charge"),
    ],
)
def test_envelope_space_charge_needs_its_intensity(wakeline, tmp_path, deck, changes, key):
    result = wakeline.run_deck(set_keys(deck, changes), cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert f"'{key}'" in result.stderr


@pytest.mark.parametrize(
    ("deck", "key"),
    [(FODO_2D_SC, "beam.current"), (set_keys(EXPANDING, {"algo.track": "envelope"}), "beam.charge")],
)
def test_envelope_space_charge_without_its_intensity_key(wakeline, tmp_path, deck, key):
    text = "\n".join(line for line in deck.splitlines() if not line.startswith(key)) + "\n"
    result = wakeline.run_deck(text, cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert f"'{key}'" in result.stderr


def test_envelope_space_charge_does_not_need_mesh_keys(wakeline, tmp_path):
    mesh = ("algo.particle_shape", "algo.poisson_solver", "amr.", "geometry.")
    text = "\n".join(line for line in FODO_2D_SC.splitlines() if not line.startswith(mesh)) + "\n"
    wakeline.run_deck(text, cwd=tmp_path).assert_ok()
