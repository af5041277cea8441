"""Behaviour of the wakeline command line: options, reproducibility, output folder handling."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from wakeline_helpers import listing, read_openpmd, read_table, set_keys

FIELDS = ("x", "y", "t", "px", "py", "pt", "qm", "weighting", "id")
COMPLETE_DIAGS = {
    "openPMD",
    "openPMD/monitor.h5",
    "reduced_beam_characteristics.0",
    "reduced_beam_characteristics_final.0",
    "ref_particle.0",
    "ref_particle_final.0",
}


def run_in(wakeline, folder: Path, deck: str, *args: str):
    folder.mkdir(parents=True, exist_ok=True)
    return wakeline.run_deck(deck, *args, cwd=folder).assert_ok()


def monitor_data(folder: Path):
    return read_openpmd(folder / "diags" / "openPMD" / "monitor.h5")


def identical(a, b) -> bool:
    """Bit-identical openPMD data: same iterations, same arrays (bytes), same attributes."""
    if sorted(a) != sorted(b):
        return False
    for it in a:
        for f in FIELDS:
            if a[it][f].dtype != b[it][f].dtype or a[it][f].tobytes() != b[it][f].tobytes():
                return False
        if a[it].attributes != b[it].attributes:
            return False
    return True


def test_help(wakeline, tmp_path):
    result = wakeline.run("--help", cwd=tmp_path).assert_ok()
    assert result.stdout.startswith("usage: wakeline")
    for option in ("--example", "--seed", "--threads", "--quiet", "--version"):
        assert option in result.stdout
    assert listing(tmp_path) == set()


def test_version(wakeline, tmp_path):
    result = wakeline.run("--version", cwd=tmp_path).assert_ok()
    assert re.fullmatch(r"wakeline \d+\.\d+\.\d+\S*\n", result.stdout), result.stdout
    assert listing(tmp_path) == set()


@pytest.mark.parametrize(
    "args, named",
    [
        (["--frobnicate"], "--frobnicate"),
        ([], "no deck"),
        (["deck.in", "--threads", "0"], "--threads"),
        (["deck.in", "--seed", "-1"], "--seed"),
        (["deck.in", "--seed"], "--seed"),
        (["--example", "nope"], "nope"),
        (["deck.in", "--example", "fodo"], "not both"),
    ],
)
def test_bad_command_line_is_refused(wakeline, tmp_path, small_deck, args, named):
    (tmp_path / "deck.in").write_text(small_deck)
    result = wakeline.run(*args, cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "command line" in result.stderr and named in result.stderr, result.describe()
    assert listing(tmp_path) == {"deck.in"}


def test_missing_deck_file_is_refused(wakeline, tmp_path):
    result = wakeline.run("nothere.in", cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "nothere.in" in result.stderr
    assert listing(tmp_path) == set()


def test_same_seed_is_bit_identical_other_seed_differs(wakeline, tmp_path, small_deck):
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        run_in(wakeline, tmp_path / name, small_deck, "--seed", seed)
    a, b, c = (monitor_data(tmp_path / n) for n in "abc")
    assert identical(a, b), "two runs with --seed 7 differ"
    first = min(a)
    assert not np.array_equal(a[first]["x"], c[first]["x"]), "--seed 8 gives the same beam as --seed 7"
    # The reduced diagnostics are byte-identical too.
    name = "diags/reduced_beam_characteristics.0"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_seed_option_equals_beam_seed(wakeline, tmp_path, small_deck):
    run_in(wakeline, tmp_path / "key", set_keys(small_deck, {"beam.seed": 11}))
    run_in(wakeline, tmp_path / "option", small_deck, "--seed", "11")
    assert identical(monitor_data(tmp_path / "key"), monitor_data(tmp_path / "option"))


def test_seed_option_overrides_beam_seed(wakeline, tmp_path, small_deck):
    run_in(wakeline, tmp_path / "key", set_keys(small_deck, {"beam.seed": 11}))
    run_in(wakeline, tmp_path / "option", set_keys(small_deck, {"beam.seed": 3}), "--seed", "11")
    assert identical(monitor_data(tmp_path / "key"), monitor_data(tmp_path / "option"))


def test_thread_count_does_not_change_results(wakeline, tmp_path, small_deck):
    # Enough particles for several blocks and moment chunks per thread.
    deck = set_keys(small_deck, {"beam.npart": 20000})
    one = run_in(wakeline, tmp_path / "t1", deck, "--threads", "1", "--seed", "3")
    two = run_in(wakeline, tmp_path / "t2", deck, "--threads", "2", "--seed", "3")
    assert "1 thread(s)" in one.stdout and "2 thread(s)" in two.stdout
    assert identical(monitor_data(tmp_path / "t1"), monitor_data(tmp_path / "t2"))
    for name in ("reduced_beam_characteristics.0", "ref_particle.0", "reduced_beam_characteristics_final.0"):
        assert (tmp_path / "t1" / "diags" / name).read_bytes() == (tmp_path / "t2" / "diags" / name).read_bytes()


def test_quiet_prints_nothing(wakeline, tmp_path, small_deck):
    result = run_in(wakeline, tmp_path, small_deck, "--quiet")
    assert result.stdout == ""
    assert result.stderr == ""
    assert COMPLETE_DIAGS <= listing(tmp_path / "diags")


def test_summary_without_quiet(wakeline, tmp_path, small_deck):
    result = run_in(wakeline, tmp_path, small_deck)
    assert "100 particles" in result.stdout
    assert f"results in {tmp_path.resolve() / 'diags'}" in result.stdout


def test_no_progress_bar_without_tty(wakeline, tmp_path, small_deck):
    result = run_in(wakeline, tmp_path, small_deck)
    assert "\r" not in result.stderr and "\r" not in result.stdout
    assert result.stderr == ""


def test_progress_bar_with_tty(wakeline, tmp_path, small_deck):
    # The counterpart of the test above: on a terminal the bar is drawn with '\r'.
    import pty

    (tmp_path / "deck.in").write_text(small_deck)
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [str(wakeline.executable), "deck.in"],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=slave,
            timeout=60,
        )
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO once the child side is closed and drained
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    assert proc.returncode == 0
    assert b"\r" in b"".join(chunks) and b"100%" in b"".join(chunks)


def test_existing_diags_is_moved_aside(wakeline, tmp_path, small_deck):
    old = tmp_path / "diags"
    old.mkdir()
    (old / "marker.txt").write_text("previous results")
    run_in(wakeline, tmp_path, small_deck)
    moved = [p for p in tmp_path.iterdir() if p.name.startswith("diags.old.")]
    assert len(moved) == 1, sorted(p.name for p in tmp_path.iterdir())
    assert (moved[0] / "marker.txt").read_text() == "previous results"
    new = listing(tmp_path / "diags")
    assert COMPLETE_DIAGS <= new and "marker.txt" not in new
    # No staging folder is left behind.
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]
    # The new results are readable.
    assert len(read_table(tmp_path / "diags" / "reduced_beam_characteristics_final.0")) == 1


def test_second_run_moves_the_first_aside(wakeline, tmp_path, small_deck):
    run_in(wakeline, tmp_path, small_deck, "--seed", "1")
    first = monitor_data(tmp_path)
    run_in(wakeline, tmp_path, small_deck, "--seed", "2")
    moved = [p for p in tmp_path.iterdir() if p.name.startswith("diags.old.")]
    assert len(moved) == 1
    assert identical(read_openpmd(moved[0] / "openPMD" / "monitor.h5"), first)
    assert not identical(monitor_data(tmp_path), first)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["deck.in", "diags", moved[0].name])


def test_override_changes_the_result(wakeline, tmp_path, small_deck):
    # quad1.k=0 turns the quad into a drift: the lattice (drift1 quad1 drift1 = 1.5 m) is then
    # one drift, x_end = x_start + 1.5 px.
    base = run_in(wakeline, tmp_path / "base", small_deck)
    off = run_in(wakeline, tmp_path / "off", small_deck, "quad1.k=0")
    assert base.returncode == off.returncode == 0

    def final_sigma_x(folder: Path) -> float:
        return float(read_table(folder / "diags" / "reduced_beam_characteristics_final.0")["sigma_x"].iloc[0])

    assert final_sigma_x(tmp_path / "base") != pytest.approx(final_sigma_x(tmp_path / "off"), rel=1e-3)
    m = monitor_data(tmp_path / "off")
    start, end = m[min(m)], m[max(m)]
    np.testing.assert_allclose(end["x"], start["x"] + 1.5 * start["px"], rtol=1e-12, atol=1e-18)
    np.testing.assert_array_equal(end["px"], start["px"])


def test_override_wins_over_the_deck_in_any_position(wakeline, tmp_path, small_deck):
    # key=value may come before or after the deck.
    run_in(wakeline, tmp_path / "after", small_deck, "beam.npart=37")
    (tmp_path / "before").mkdir()
    (tmp_path / "before" / "deck.in").write_text(small_deck)
    wakeline.run("beam.npart=37", "deck.in", cwd=tmp_path / "before").assert_ok()
    for folder in ("after", "before"):
        m = monitor_data(tmp_path / folder)
        assert len(m[min(m)]["id"]) == 37


def test_example_runs_in_an_empty_folder(wakeline, tmp_path):
    result = wakeline.run("--example", "fodo", cwd=tmp_path).assert_ok()
    diags = tmp_path.resolve() / "diags"
    assert f"results in {diags}" in result.stdout, result.stdout
    assert COMPLETE_DIAGS <= listing(diags)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diags"]
    m = read_openpmd(diags / "openPMD" / "monitor.h5")
    assert sorted(m) == [1, 27, 53, 79, 105, 131]
    assert len(m[131]["id"]) == 10000


def test_print_example_runs_like_example(wakeline, tmp_path):
    text = wakeline.run("--print-example", "fodo", cwd=tmp_path).assert_ok().stdout
    run_in(wakeline, tmp_path / "deck", text, "beam.npart=500")
    (tmp_path / "builtin").mkdir()
    wakeline.run("--example", "fodo", "beam.npart=500", cwd=tmp_path / "builtin").assert_ok()
    assert identical(monitor_data(tmp_path / "deck"), monitor_data(tmp_path / "builtin"))


def test_interrupted_run_leaves_no_output(wakeline, tmp_path, small_deck):
    import signal
    import time

    deck = set_keys(small_deck, {"beam.npart": 200000, "lattice.periods": 100000})
    (tmp_path / "deck.in").write_text(deck)
    proc = subprocess.Popen([str(wakeline.executable), "deck.in"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGINT, err
    assert "interrupted" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.in"]
