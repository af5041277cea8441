"""Malformed decks: the CLI refuses them with exit status 2, names the offending key and where it
is, and writes nothing.

The corpus is tests/decks/bad/*.in, each a copy of tests/decks/small.in with one defect. A deck's
header comments say what the test expects:

    # BAD: what is wrong (free text)
    # expect-key: quad1.kk          (one or more; stderr must name every one)
    # expect-line: 29               (optional; stderr must cite DECK:LINE for one of the lines given;
                                     absent where no line applies, e.g. a missing key)
    # expect-text: did you mean     (optional, one or more; stderr must contain each)
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest

from wakeline_helpers import DECKS_DIR, listing, set_keys

BAD_DIR = DECKS_DIR / "bad"
BAD_DECKS = sorted(BAD_DIR.glob("*.in"))

# Known CLI bugs: deck name -> reason. The tests marked with it are expected to fail (strictly,
# so they are noticed when the bug is fixed).


def expectations(deck: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"BAD": [], "expect-key": [], "expect-line": [], "expect-text": []}
    for line in deck.read_text().splitlines():
        m = re.match(r"#\s*(BAD|expect-key|expect-line|expect-text)\s*:\s*(.*\S)", line)
        if m:
            found[m.group(1)].append(m.group(2))
    lines = [n for item in found["expect-line"] for n in item.split()]
    found["expect-line"] = lines
    return found


def run_bad(wakeline, deck: Path, tmp_path: Path):
    shutil.copy(deck, tmp_path / deck.name)
    result = wakeline.run(deck.name, cwd=tmp_path)
    return result


def params():
    return [pytest.param(deck, id=deck.stem) for deck in BAD_DECKS]


def test_corpus_is_present():
    assert len(BAD_DECKS) >= 20, BAD_DECKS


@pytest.mark.parametrize("deck", params())
def test_corpus_deck_is_well_formed(deck: Path):
    """Each deck documents its defect, is the small deck with a one- or two-line change, and its
    expect-line lines really hold one of its expect-keys."""
    exp = expectations(deck)
    assert exp["BAD"], f"{deck.name}: no '# BAD: ...' line saying what is wrong"
    assert exp["expect-key"], f"{deck.name}: no '# expect-key:' line"
    lines = deck.read_text().splitlines()
    for n in exp["expect-line"]:
        text = lines[int(n) - 1]
        assert any(text.startswith(k) for k in exp["expect-key"]), f"{deck.name}:{n} is '{text}'"

    def body(text: str) -> list[str]:
        return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]

    base = body((DECKS_DIR / "small.in").read_text())
    diff = [d for d in difflib.unified_diff(base, body(deck.read_text()), lineterm="", n=0)
            if d[:1] in "+-" and not d.startswith(("+++", "---"))]
    assert 1 <= len(diff) <= 3, f"{deck.name} differs from small.in by more than one defect: {diff}"


def test_small_deck_is_valid(wakeline, tmp_path):
    # The bad decks fail because of their defect, not because the deck they copy is broken.
    shutil.copy(DECKS_DIR / "small.in", tmp_path / "small.in")
    wakeline.run("small.in", cwd=tmp_path).assert_ok()


@pytest.mark.parametrize("deck", params())
def test_bad_deck_is_refused(wakeline, tmp_path, deck: Path):
    exp = expectations(deck)
    result = run_bad(wakeline, deck, tmp_path)
    assert result.returncode == 2, result.describe()
    assert "error" in result.stderr, result.describe()
    for key in exp["expect-key"]:
        assert re.search(rf"(?<![\w.]){re.escape(key)}(?![\w])", result.stderr), (
            f"stderr does not name '{key}'\n" + result.describe()
        )
    for text in exp["expect-text"]:
        assert text in result.stderr, f"stderr lacks '{text}'\n" + result.describe()
    assert "results in" not in result.stdout


@pytest.mark.parametrize("deck", params())
def test_bad_deck_error_names_file_and_line(wakeline, tmp_path, deck: Path):
    exp = expectations(deck)
    result = run_bad(wakeline, deck, tmp_path)
    assert result.returncode == 2, result.describe()
    assert deck.name in result.stderr, "stderr does not name the deck file\n" + result.describe()
    if exp["expect-line"]:
        cited = [f"{deck.name}:{n}" for n in exp["expect-line"]]
        assert any(re.search(rf"{re.escape(c)}(?!\d)", result.stderr) for c in cited), (
            f"stderr cites none of {cited}\n" + result.describe()
        )


@pytest.mark.parametrize("deck", params())
def test_bad_deck_writes_nothing(wakeline, tmp_path, deck: Path):
    result = run_bad(wakeline, deck, tmp_path)
    assert result.returncode == 2, result.describe()
    # Not even a hidden staging folder (.diags.partial.*) may be left behind.
    assert listing(tmp_path) == {deck.name}


# ---------------------------------------------------------------------------- accepted, with notices

INERT_KEYS = {"amr.n_cell": "40 40 32", "amrex.omp_threads": "1"}


def test_inert_amrex_keys_run_with_one_notice_each(wakeline, tmp_path, small_deck):
    deck = set_keys(small_deck, INERT_KEYS)
    lines = deck.splitlines()
    result = wakeline.run_deck(deck, cwd=tmp_path, name="amr.in").assert_ok()
    assert (tmp_path / "diags" / "openPMD" / "monitor.h5").is_file()
    for key in INERT_KEYS:
        notices = [ln for ln in result.stderr.splitlines() if key in ln]
        assert len(notices) == 1, f"expected one notice about {key}\n" + result.describe()
        line_no = next(i + 1 for i, ln in enumerate(lines) if ln.startswith(key))
        assert f"amr.in:{line_no}" in notices[0], notices[0]
    # Nothing else on stderr than those notices.
    assert len(result.stderr.splitlines()) == len(INERT_KEYS), result.describe()


def test_inert_keys_are_silent_with_quiet(wakeline, tmp_path, small_deck):
    result = wakeline.run_deck(set_keys(small_deck, INERT_KEYS), "--quiet", cwd=tmp_path).assert_ok()
    assert result.stderr == "" and result.stdout == ""


# ---------------------------------------------------------------------------- command-line overrides


@pytest.mark.parametrize(
    "override, key",
    [("quad1.k=abc", "quad1.k"), ("quad1.kk=1", "quad1.kk"), ("beam.npart=0", "beam.npart"), ("=5", None)],
)
def test_bad_override_is_refused(wakeline, tmp_path, small_deck, override, key):
    (tmp_path / "small.in").write_text(small_deck)
    result = wakeline.run("small.in", override, cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "command line" in result.stderr, result.describe()
    if key:
        assert f"'{key}'" in result.stderr, result.describe()
    assert listing(tmp_path) == {"small.in"}

