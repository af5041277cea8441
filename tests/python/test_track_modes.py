"""algo.track = envelope and reference_orbit from the CLI."""

from __future__ import annotations

import math

import numpy as np

from wakeline_helpers import listing, read_table, set_keys


def test_envelope_run_writes_moments_without_particles(wakeline, tmp_path, small_deck):
    deck = set_keys(small_deck, {"algo.track": "envelope", "diag.slice_step_diagnostics": "true"})
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    reduced = read_table(tmp_path / "diags" / "reduced_beam_characteristics.0")
    particles = tmp_path / "particles"
    particles.mkdir()
    wakeline.run_deck(set_keys(small_deck, {"diag.slice_step_diagnostics": "true", "beam.npart": 20000}),
                      cwd=particles).assert_ok()
    sampled = read_table(particles / "diags" / "reduced_beam_characteristics.0")
    assert len(reduced) == len(sampled)
    # The envelope carries the exact second moments; the sampled beam agrees within sampling noise.
    for col in ("sigma_x", "sigma_y", "sigma_t", "emittance_x", "emittance_y"):
        np.testing.assert_allclose(reduced[col], sampled[col], rtol=0.05)
    assert reduced["min_x"].isna().all()  # no particles, no extrema
    assert "openPMD/monitor.h5" not in listing(tmp_path)


def test_envelope_initial_sigma_is_exact(wakeline, tmp_path, small_deck):
    wakeline.run_deck(set_keys(small_deck, {"algo.track": "envelope"}), cwd=tmp_path).assert_ok()
    row = read_table(tmp_path / "diags" / "reduced_beam_characteristics.0").iloc[0]
    keys = {k.strip(): v for k, v in (line.split("=", 1) for line in small_deck.splitlines() if "=" in line and not line.startswith("#"))}
    lam = float(keys["beam.lambdaX"].split("#")[0])
    mu = float(keys.get("beam.muxpx", "0").split("#")[0])
    assert math.isclose(row["sigma_x"], lam / math.sqrt(1 - mu * mu), rel_tol=1e-12)


def test_reference_orbit_run_writes_reference_files_only(wakeline, tmp_path, small_deck):
    deck = set_keys(small_deck, {"algo.track": "reference_orbit", "diag.slice_step_diagnostics": "true"})
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    files = listing(tmp_path / "diags")
    assert "ref_particle.0" in files and "ref_particle_final.0" in files
    assert not any(f.startswith("reduced_beam_characteristics") for f in files)
    ref = read_table(tmp_path / "diags" / "ref_particle_final.0")
    normal = tmp_path / "normal"
    normal.mkdir()
    wakeline.run_deck(small_deck, cwd=normal).assert_ok()
    assert ref["s"].iloc[0] == read_table(normal / "diags" / "ref_particle_final.0")["s"].iloc[0]


def test_optics_option_reports_the_fodo_tune(wakeline, tmp_path):
    result = wakeline.run("--optics", "--example", "fodo", cwd=tmp_path).assert_ok()
    assert "phase advance = 67.767" in result.stdout
    table = read_table(tmp_path / "diags" / "optics.txt")
    assert list(table.columns[:3]) == ["s", "beta_x", "alpha_x"]
    assert math.isclose(table["beta_x"].iloc[0], 2.8216194, rel_tol=1e-6)
    assert math.isclose(table["beta_x"].iloc[-1], table["beta_x"].iloc[0], rel_tol=1e-9)  # periodic
    assert math.isclose(table["s"].iloc[-1], 3.0, rel_tol=1e-12)
    rows = (tmp_path / "diags" / "transfer_map.txt").read_text().split("\n")
    assert len([r for r in rows if r.strip()]) == 6
    assert not (tmp_path / "diags" / "reduced_beam_characteristics.0").exists()  # nothing tracked
