"""Output options ImpactX decks use: diag.file_prefix, monitor encodings and record switches."""

from __future__ import annotations

import openpmd_api as io

from wakeline_helpers import listing, monitor_steps, read_table, set_keys


def test_prefix_dot_writes_into_the_working_folder(wakeline, tmp_path, small_deck):
    (tmp_path / "keep.txt").write_text("user file")
    wakeline.run_deck(set_keys(small_deck, {"diag.file_prefix": "."}), cwd=tmp_path).assert_ok()
    files = listing(tmp_path)
    assert "reduced_beam_characteristics.0" in files
    assert "openPMD/monitor.h5" in files
    assert "keep.txt" in files  # the working folder is not moved aside
    assert not any(f.startswith(".") for f in files), files  # no staging left behind
    # A second run replaces the files in place.
    wakeline.run_deck(set_keys(small_deck, {"diag.file_prefix": "."}), cwd=tmp_path).assert_ok()
    assert len(read_table(tmp_path / "ref_particle_final.0")) == 1


def test_nested_prefix(wakeline, tmp_path, small_deck):
    wakeline.run_deck(set_keys(small_deck, {"diag.file_prefix": "out/run1"}), cwd=tmp_path).assert_ok()
    assert (tmp_path / "out" / "run1" / "openPMD" / "monitor.h5").is_file()
    assert not any(p.name.startswith(".") for p in (tmp_path / "out").iterdir())


def test_file_based_monitor_is_an_openpmd_series(wakeline, tmp_path, small_deck):
    deck = set_keys(small_deck, {"monitor.encoding": "f"})
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    series = io.Series(str(tmp_path / "diags" / "openPMD" / "monitor_%06T.h5"), io.Access.read_only)
    assert list(series.iterations) == monitor_steps(deck)
    assert series.iteration_encoding == io.Iteration_Encoding.file_based


def test_monitor_without_particles_keeps_moments(wakeline, tmp_path, small_deck):
    deck = set_keys(small_deck, {"monitor.particles": "false"})
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    series = io.Series(str(tmp_path / "diags" / "openPMD" / "monitor.h5"), io.Access.read_only)
    it = series.iterations[monitor_steps(deck)[0]]
    beam = it.particles["beam"]
    assert beam["position"]["x"].shape == [0]
    assert beam.get_attribute("sigma_x") > 0
    deck = set_keys(small_deck, {"monitor.beam_moments": "false"})
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    series = io.Series(str(tmp_path / "diags" / "openPMD" / "monitor.h5"), io.Access.read_only)
    beam = series.iterations[monitor_steps(deck)[0]].particles["beam"]
    assert "sigma_x" not in beam.attributes
    assert "s_ref" in beam.attributes


def test_monitor_writes_lens_invariants(wakeline, tmp_path, small_deck):
    deck = set_keys(small_deck, {"monitor.nonlinear_lens_invariants": "true", "monitor.alpha": 0.0,
                                 "monitor.beta": 1.0, "monitor.tn": 0.0, "monitor.cn": 0.01})
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    series = io.Series(str(tmp_path / "diags" / "openPMD" / "monitor.h5"), io.Access.read_only)
    beam = series.iterations[monitor_steps(deck)[0]].particles["beam"]
    h = beam["H"][io.Record_Component.SCALAR].load_chunk()
    x = beam["position"]["x"].load_chunk()
    px = beam["momentum"]["x"].load_chunk()
    y = beam["position"]["y"].load_chunk()
    py = beam["momentum"]["y"].load_chunk()
    series.flush()
    expected = 0.5 * ((x / 0.01) ** 2 + (px / 0.01) ** 2 + (y / 0.01) ** 2 + (py / 0.01) ** 2)
    assert abs(h - expected).max() <= 1e-9 * abs(expected).max()
    assert "I" in beam


def test_monitor_attributes_carry_impactx_older_names_too(wakeline, tmp_path, small_deck):
    wakeline.run_deck(small_deck, cwd=tmp_path).assert_ok()
    series = io.Series(str(tmp_path / "diags" / "openPMD" / "monitor.h5"), io.Access.read_only)
    beam = series.iterations[monitor_steps(small_deck)[-1]].particles["beam"]
    for new, old in (("mean_x", "x_mean"), ("min_pt", "pt_min"), ("max_y", "y_max"), ("sigma_px", "sig_px")):
        assert beam.get_attribute(old) == beam.get_attribute(new)
