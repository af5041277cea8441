"""PALS lattice files through the CLI: lattice.file, --write-pals, and bad PALS input."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from wakeline_helpers import REPO_ROOT, listing, read_openpmd, read_table

PALS_DIR = REPO_ROOT / "examples" / "pals"
EXAMPLES = REPO_ROOT / "tests" / "impactx_examples"
FIELDS = ("x", "y", "t", "px", "py", "pt", "qm", "weighting", "id")


def same_output(a: Path, b: Path) -> None:
    """The two output folders hold the same files with the same numbers, bit for bit."""
    assert listing(a) == listing(b)
    for name in ("reduced_beam_characteristics.0", "reduced_beam_characteristics_final.0",
                 "ref_particle.0", "ref_particle_final.0"):
        if (a / name).exists():
            assert (a / name).read_text() == (b / name).read_text(), name
    for h5 in sorted((a / "openPMD").glob("*.h5")) if (a / "openPMD").is_dir() else []:
        da, db = read_openpmd(h5), read_openpmd(b / "openPMD" / h5.name)
        assert sorted(da) == sorted(db)
        for it in da:
            for f in FIELDS:
                assert da[it][f].tobytes() == db[it][f].tobytes(), (h5.name, it, f)


def without_lattice_list(deck: str) -> str:
    """The deck without lattice.elements (continuation lines included) and lattice.reverse."""
    out, skipping = [], False
    for line in deck.splitlines():
        if skipping:
            skipping = line.rstrip().endswith("\\")
            continue
        if re.match(r"^\s*lattice\.(elements|reverse)\s*=", line):
            skipping = line.rstrip().endswith("\\")
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def test_impactx_pals_example_matches_the_deck(wakeline, tmp_path):
    """ImpactX's examples/pals FODO file, read with lattice.file (relative to the deck), tracks
    exactly as the same lattice written with lattice.elements (Drift -> drift, Quadrupole -> ChrQuad,
    as ImpactX's PALS reader does)."""
    (tmp_path / "pals").mkdir()
    wakeline.run(PALS_DIR / "input_fodo_pals.in", "--quiet", cwd=tmp_path / "pals").assert_ok()
    deck = (PALS_DIR / "input_fodo_pals.in").read_text().replace(
        "lattice.file = fodo.pals.yaml",
        "lattice.elements = drift1 quad1 drift2 quad2 drift3\n"
        "drift1.type = drift\ndrift1.ds = 0.25\n"
        "quad1.type = quad_chromatic\nquad1.ds = 1.0\nquad1.k = 1.0\n"
        "drift2.type = drift\ndrift2.ds = 0.5\n"
        "quad2.type = quad_chromatic\nquad2.ds = 1.0\nquad2.k = -1.0\n"
        "drift3.type = drift\ndrift3.ds = 0.25",
    )
    (tmp_path / "deck").mkdir()
    wakeline.run_deck(deck, "--quiet", cwd=tmp_path / "deck").assert_ok()
    same_output(tmp_path / "pals" / "diags", tmp_path / "deck" / "diags")
    # ImpactX's check of this example: the matched beam comes back to its initial size.
    table = read_table(tmp_path / "pals" / "diags" / "reduced_beam_characteristics.0")
    first, last = table.iloc[0], table.iloc[-1]
    for col in ("sigma_x", "sigma_y", "sigma_t"):
        assert last[col] == pytest.approx(first[col], rel=0.05), col


ROUND_TRIP = ["fodo_chr", "alignment", "aperture", "apochromatic_pl", "cfbend", "dogleg", "exact_cfbend_multipole",
              "exact_quad", "iotalens_sdep_aperture", "kicker", "linear_map", "multipole", "polygon_aperture",
              "positron_channel", "quadrupole_softedge", "rotation", "rotation_xy", "solenoid_softedge",
              "thin_dipole", "fodo_rf", "achromatic_spectrometer"]


@pytest.mark.parametrize("example", ROUND_TRIP)
def test_write_pals_then_lattice_file_tracks_bit_for_bit(wakeline, tmp_path, example):
    """deck --write-pals x.pals.yaml, then the deck with lattice.file = x.pals.yaml: the same output."""
    src = EXAMPLES / example
    decks = sorted(src.glob("*.in"))
    assert decks, example
    work = tmp_path / "work"
    shutil.copytree(src, work)
    deck = work / decks[0].name
    wakeline.run(deck.name, "--quiet", "--write-pals", "lattice.pals.yaml", cwd=work).assert_ok()
    text = (work / "lattice.pals.yaml").read_text()
    assert text.startswith("# PALS lattice written by Wakeline") and "\nPALS:\n" in text

    (work / "orig").mkdir()
    wakeline.run(deck, "--quiet", cwd=work / "orig").assert_ok()
    (work / "pals.in").write_text(without_lattice_list(deck.read_text()) + "lattice.file = lattice.pals.yaml\n")
    (work / "via_pals").mkdir()
    wakeline.run(work / "pals.in", "--quiet", cwd=work / "via_pals").assert_ok()
    same_output(work / "orig" / "diags", work / "via_pals" / "diags")


def test_bad_pals_file_exits_2_naming_the_key(wakeline, tmp_path):
    (tmp_path / "bad.pals.yaml").write_text(
        "PALS:\n  facility:\n    - cell:\n        kind: BeamLine\n        line:\n"
        "          - q1: {kind: Quadrupole, length: 1.0, MagneticMultipoleP: {Kn1: 1.0, Kx2: 3}}\n"
    )
    deck = (PALS_DIR / "input_fodo_pals.in").read_text().replace("fodo.pals.yaml", "bad.pals.yaml")
    result = wakeline.run_deck(deck, cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "bad.pals.yaml:6: 'q1.MagneticMultipoleP.Kx2': unknown parameter" in result.stderr, result.stderr
    assert not (tmp_path / "diags").exists()

    deck = deck + "lattice.elements = d\nd.type = drift\nd.ds = 1\n"
    result = wakeline.run_deck(deck, cwd=tmp_path)
    assert result.returncode == 2
    assert "'lattice.elements': give lattice.elements or lattice.file" in result.stderr, result.stderr
