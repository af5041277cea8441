"""wakeline.plot and `wakeline plot`: figures of a run's output folder.

Runs of tests/decks/small.in (particles, with per-slice diagnostics; envelope; file-based
monitors; with an aperture that loses particles) are shared by the tests of this module. The
figures are checked through their data (what a line or a scatter holds, scaled as its axis label
says) and through the PNG files plot_diags and the CLI write.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import wakeline.plot as wp
from wakeline_helpers import SMALL_DECK, monitor_steps, read_openpmd, total_steps

NPART = 100  # tests/decks/small.in

# Independent of the module's own table: what each unit label must mean.
UNIT_FACTORS = {
    "m": 1.0, "mm": 1e3, "µm": 1e6, "nm": 1e9, "pm": 1e12,
    "rad": 1.0, "mrad": 1e3, "µrad": 1e6, "nrad": 1e9,
    "C": 1.0, "nC": 1e9, "pC": 1e12,
    "$10^{-3}$": 1e3, "$10^{-6}$": 1e6, "$10^{-9}$": 1e9,
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

MOMENT_PNGS = {f"moments_{p}.png" for p in wp.DIAG_PRESETS}


# ---------------------------------------------------------------------------- runs


def _run(wakeline, root: Path, *overrides: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    wakeline.run_deck(SMALL_DECK.read_text(), *overrides, "--quiet", cwd=root).assert_ok()
    return root / "diags"


@pytest.fixture(scope="module")
def diags(wakeline, tmp_path_factory) -> Path:
    """Particle tracking with a line per slice in reduced_beam_characteristics.0."""
    return _run(wakeline, tmp_path_factory.mktemp("slices"), "diag.slice_step_diagnostics=true")


@pytest.fixture(scope="module")
def sparse_diags(wakeline, tmp_path_factory) -> Path:
    """The default: the reduced file holds step 0 only."""
    return _run(wakeline, tmp_path_factory.mktemp("sparse"))


@pytest.fixture(scope="module")
def envelope_diags(wakeline, tmp_path_factory) -> Path:
    return _run(wakeline, tmp_path_factory.mktemp("envelope"), "algo.track=envelope",
                "diag.slice_step_diagnostics=true")


@pytest.fixture(scope="module")
def file_based_diags(wakeline, tmp_path_factory) -> Path:
    return _run(wakeline, tmp_path_factory.mktemp("filebased"), "monitor.encoding=f")


@pytest.fixture(scope="module")
def lossy_diags(wakeline, tmp_path_factory) -> Path:
    """An aperture after the first drift removes the particles beyond 1.5 mm."""
    return _run(wakeline, tmp_path_factory.mktemp("lossy"),
                "lattice.elements=monitor drift1 ap quad1 drift1 monitor", "ap.type=aperture",
                "ap.aperture_x=1.5e-3", "ap.aperture_y=1.5e-3", "ap.shape=rectangular")


# ---------------------------------------------------------------------------- helpers


def unit_factor(label: str) -> float:
    """The factor a y label such as '$\\sigma_x$, $\\sigma_y$ [µm]' promises."""
    m = re.search(r"\[([^\]]*)\]\s*$", label)
    return UNIT_FACTORS[m.group(1)] if m else 1.0


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def parse_table(path: Path) -> tuple[list[str], np.ndarray]:
    """The reduced file parsed with Python's own float(), independent of pandas."""
    lines = path.read_text().splitlines()
    return lines[0].split(), np.array([[float(v) for v in line.split()] for line in lines[1:]])


def package_root() -> Path:
    """The folder on sys.path that holds the wakeline package under test."""
    return Path(wp.__file__).absolute().parent.parent


def python_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(package_root())] + ([env["PYTHONPATH"]]
                                                                 if env.get("PYTHONPATH") else []))
    env.update(extra)
    return env


# ---------------------------------------------------------------------------- reading


def test_read_reduced_returns_the_file_exactly(diags):
    header, values = parse_table(diags / "reduced_beam_characteristics.0")
    df = wp.read_reduced(diags)
    assert list(df.columns) == header
    assert len(df) == total_steps(SMALL_DECK.read_text()) + 1  # step 0 and every slice
    np.testing.assert_array_equal(df.to_numpy(dtype=float), values)

    header, values = parse_table(diags / "reduced_beam_characteristics_final.0")
    final = wp.read_reduced(diags, final=True)
    assert list(final.columns) == header
    np.testing.assert_array_equal(final.to_numpy(dtype=float), values)


def test_read_moments_fills_in_from_final_line_and_monitors(sparse_diags):
    deck = SMALL_DECK.read_text()
    df = wp.read_moments(sparse_diags)
    # step 0 from the reduced file, the monitors' visits, the final line
    expected_steps = sorted({0, total_steps(deck), *monitor_steps(deck)})
    assert df["step"].tolist() == expected_steps
    final = wp.read_reduced(sparse_diags, final=True)
    last = df[df["step"] == final["step"].iloc[0]]
    for col in ("s", "sigma_x", "emittance_y", "beta_x", "charge_C"):
        assert last[col].iloc[0] == final[col].iloc[0], col

    # A monitor visit contributes the moments it stored as attributes.
    first_visit = monitor_steps(deck)[0]
    data = read_openpmd(sparse_diags / "openPMD" / "monitor.h5")[first_visit]
    row = df[df["step"] == first_visit].iloc[0]
    for col in ("sigma_x", "sigma_pt", "alpha_y", "emittance_tn"):
        assert row[col] == data.attributes[col], col


def test_read_monitor_matches_openpmd_api(diags):
    deck = SMALL_DECK.read_text()
    steps = monitor_steps(deck)
    assert wp.list_monitors(diags) == {"monitor": steps}
    reference = read_openpmd(diags / "openPMD" / "monitor.h5")

    df = wp.read_monitor(diags)  # the last visit by default
    assert list(df.columns[:8]) == ["x", "px", "y", "py", "t", "pt", "w", "id"]
    assert len(df) == NPART
    assert df.attrs["iteration"] == steps[-1]
    assert df.attrs["s"] == pytest.approx(1.5)
    ref = reference[steps[-1]]
    for col, key in (("x", "x"), ("px", "px"), ("y", "y"), ("py", "py"), ("t", "t"), ("pt", "pt"),
                     ("w", "weighting"), ("id", "id")):
        np.testing.assert_array_equal(df[col].to_numpy(), ref[key], err_msg=col)

    first = wp.read_monitor(diags / "openPMD" / "monitor.h5", iteration=steps[0])
    np.testing.assert_array_equal(first["x"].to_numpy(), reference[steps[0]]["x"])
    with pytest.raises(wp.DiagnosticsError, match=r"no iteration 999999; iterations present: 1, "):
        wp.read_monitor(diags, iteration=999999)
    with pytest.raises(wp.DiagnosticsError,
                       match=r"no openPMD series 'nosuch'.*series found: monitor"):
        wp.read_monitor(diags, "nosuch")


def test_file_based_series_reads_like_group_based(sparse_diags, file_based_diags):
    """encoding = f writes monitor_<step>.h5 per visit; with the same seed the particles are
    those of the group-based run."""
    steps = monitor_steps(SMALL_DECK.read_text())
    assert wp.list_monitors(file_based_diags) == {"monitor": steps}
    for step in steps:
        a = wp.read_monitor(file_based_diags, iteration=step)
        b = wp.read_monitor(sparse_diags, iteration=step)
        pd.testing.assert_frame_equal(a, b)
        assert Path(a.attrs["file"]).name == f"monitor_{step:06d}.h5"


# ---------------------------------------------------------------------------- figures


def test_plot_moments_lines_hold_the_columns_scaled_as_labelled(diags):
    df = wp.read_moments(diags)
    fig = wp.plot_moments(df, "beam_size")
    axes = fig.axes
    assert len(axes) == len(wp.PRESETS["beam_size"])
    seen = []
    for ax in axes:
        factor = unit_factor(ax.get_ylabel())
        for line in ax.get_lines():
            col = line.get_gid()
            seen.append(col)
            np.testing.assert_array_equal(line.get_xdata(), df["s"].to_numpy())
            np.testing.assert_allclose(line.get_ydata(), df[col].to_numpy() * factor, rtol=1e-14)
        # The prefix is chosen so that the panel's numbers read between 1 and 1000.
        assert 1.0 <= max(np.max(np.abs(line.get_ydata())) for line in ax.get_lines()) < 1000.0
    assert seen == ["sigma_x", "sigma_y", "sigma_t"]
    # sigma_x of this beam is ~1 mm or below: the label must say so, not "m".
    assert unit_factor(axes[0].get_ylabel()) in (1e3, 1e6)
    assert axes[-1].get_xlabel() == "s [m]"


def test_plot_moments_accepts_old_names_one_axes_and_rejects_mixed_units(diags):
    df = wp.read_reduced(diags).rename(columns={"sigma_x": "sig_x", "mean_x": "x_mean"})
    import matplotlib.figure

    fig = matplotlib.figure.Figure()
    ax = fig.add_subplot()
    assert wp.plot_moments(df, ["sigma_x"], ax=ax) is fig  # the new name finds the old column
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), df["sig_x"] * unit_factor(ax.get_ylabel()),
                               rtol=1e-14)
    with pytest.raises(ValueError, match="mixed units"):
        wp.plot_moments(df, ["sigma_x", "alpha_x"])
    with pytest.raises(KeyError, match="no column 'nosuch'"):
        wp.plot_moments(df, ["nosuch"])
    with pytest.raises(ValueError, match="one axes given"):
        wp.plot_moments(df, "twiss", ax=ax)


def test_plot_phasespace_scatter_and_density(diags):
    df = wp.read_monitor(diags)
    fig = wp.plot_phasespace(diags)  # NPART is small: a scatter plot
    planes = [("x", "px"), ("y", "py"), ("t", "pt"), ("x", "y")]
    assert len(fig.axes) == 4
    for ax, (a, b) in zip(fig.axes, planes):
        (dots,) = ax.collections
        xy = dots.get_offsets()
        np.testing.assert_allclose(xy[:, 0], df[a] * unit_factor(ax.get_xlabel()), rtol=1e-14)
        np.testing.assert_allclose(xy[:, 1], df[b] * unit_factor(ax.get_ylabel()), rtol=1e-14)
    assert f"step {df.attrs['iteration']}" in fig.get_suptitle()

    # Density: every particle lands in a bin, counted with its weight.
    fig = wp.plot_phasespace(df, kind="hist", bins=16)
    mesh = fig.axes[0].collections[0]
    assert mesh.get_array().sum() == pytest.approx(df["w"].sum(), rel=1e-12)

    # Plain arrays work too, with unit weights.
    arr = df[["x", "px", "y", "py", "t", "pt"]].to_numpy()
    fig = wp.plot_phasespace(arr, kind="hist", bins=16)
    assert fig.axes[0].collections[0].get_array().sum() == NPART
    with pytest.raises(ValueError, match="missing column"):
        wp.plot_phasespace({"x": [0.0]})


def _check_pngs(paths: list[Path], folder: Path, expected: set[str],
                sizes: dict[str, tuple[int, int]]) -> None:
    assert {p.name for p in paths} == expected
    assert {p.name for p in folder.iterdir()} == expected  # no leftovers from writing
    for p in paths:
        assert p.parent == folder
        assert p.stat().st_size > 5000, p  # an empty canvas compresses far below this
        w, h = png_size(p)
        assert (w, h) == sizes.get(p.name, (w, h)), p


def _size(fig, dpi: int) -> tuple[int, int]:
    w, h = fig.get_size_inches() * dpi
    return round(w), round(h)


def test_plot_diags_writes_every_figure(diags, tmp_path):
    out = tmp_path / "figs"
    dpi = 80
    paths = wp.plot_diags(diags, out, dpi=dpi)
    moments = wp.read_moments(diags)
    sizes = {f"moments_{p}.png": _size(wp.plot_moments(moments, p), dpi) for p in wp.DIAG_PRESETS}
    sizes["phasespace_monitor.png"] = _size(wp.plot_phasespace(diags), dpi)
    _check_pngs(paths, out, MOMENT_PNGS | {"phasespace_monitor.png"}, sizes)

    # Default: DIAG_DIR/plots; the folder a run was started in is accepted as well.
    paths = wp.plot_diags(diags.parent)
    assert all(p.parent == diags / "plots" for p in paths) and len(paths) == len(MOMENT_PNGS) + 1


def test_plot_diags_every_iteration_and_losses(lossy_diags, tmp_path):
    paths = wp.plot_diags(lossy_diags, tmp_path, all_iterations=True)
    steps = wp.list_monitors(lossy_diags)["monitor"]
    expected = MOMENT_PNGS | {f"phasespace_monitor_{s:06d}.png" for s in steps} | {"losses.png"}
    _check_pngs(paths, tmp_path, expected, {})
    lost = wp.read_monitor(lossy_diags, "particles_lost")
    assert 0 < len(lost) < NPART and "s_lost" in lost.columns
    fig = wp.plot_losses(lossy_diags)
    hist_total = sum(p.get_height() for p in fig.axes[0].patches)
    assert hist_total == pytest.approx(lost["w"].sum(), rel=1e-12)


def test_plot_diags_envelope_run(envelope_diags, tmp_path):
    assert not any((envelope_diags / "openPMD").glob("*.h5"))
    paths = wp.plot_diags(envelope_diags, tmp_path)
    _check_pngs(paths, tmp_path, MOMENT_PNGS, {})
    fig = wp.plot_moments(envelope_diags, "beam_size")
    reduced = wp.read_reduced(envelope_diags)
    line = fig.axes[0].get_lines()[0]
    factor = unit_factor(fig.axes[0].get_ylabel())
    np.testing.assert_allclose(line.get_ydata(), reduced["sigma_x"] * factor, rtol=1e-14)


def test_missing_or_empty_folder_names_the_path(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(wp.DiagnosticsError, match=re.escape(str(missing)) + ": no such folder"):
        wp.plot_diags(missing)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(wp.DiagnosticsError,
                       match=re.escape(str(empty)) + ": no run output found; expected "
                             "reduced_beam_characteristics.0"):
        wp.read_moments(empty)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "reduced_beam_characteristics.0").write_text("")
    with pytest.raises(wp.DiagnosticsError, match="empty file"):
        wp.read_reduced(broken)
    assert not (empty / "plots").exists() and not (missing / "plots").exists()


def test_import_leaves_the_backend_alone():
    """Importing wakeline.plot must not switch an interactive user's backend (only the command
    line selects Agg)."""
    code = ("import matplotlib; matplotlib.use('svg'); import wakeline.plot; "
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], env=python_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "svg"


# ---------------------------------------------------------------------------- command lines


def test_python_module_entry_point(diags, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "wakeline.plot", str(diags), "-o", str(out)],
                          env=python_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    listed = [Path(line) for line in proc.stdout.splitlines()]
    assert {p.name for p in listed} == MOMENT_PNGS | {"phasespace_monitor.png"}
    assert all(p.is_file() for p in listed)

    bad = tmp_path / "no_such_diags"
    proc = subprocess.run([sys.executable, "-m", "wakeline.plot", str(bad)], env=python_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "error" in proc.stderr


def test_wakeline_plot_cli(wakeline, diags, tmp_path):
    env = python_env(WAKELINE_PYTHON=sys.executable)
    res = wakeline.run("plot", diags, "-o", tmp_path / "png", "--quiet", cwd=tmp_path, env=env)
    assert res.returncode == 0, res.describe()
    assert res.stdout == ""
    written = {p.name for p in (tmp_path / "png").iterdir()}
    assert written == MOMENT_PNGS | {"phasespace_monitor.png"}

    res = wakeline.run("plot", tmp_path / "missing", cwd=tmp_path, env=env)
    assert res.returncode == 2, res.describe()
    assert str(tmp_path / "missing") in res.stderr

    res = wakeline.run("plot", "--help", cwd=tmp_path, env=env)
    assert res.returncode == 0 and res.stdout.startswith("usage: wakeline plot"), res.describe()


def test_wakeline_plot_cli_without_python_or_matplotlib(wakeline, diags, tmp_path):
    res = wakeline.run("plot", diags, cwd=tmp_path,
                       env=python_env(WAKELINE_PYTHON=str(tmp_path / "no-python3")))
    assert res.returncode == 2, res.describe()
    assert "no-python3" in res.stderr and "WAKELINE_PYTHON" in res.stderr

    # A matplotlib that cannot be imported, ahead of the real one on the path.
    fake = tmp_path / "fake"
    (fake / "matplotlib").mkdir(parents=True)
    (fake / "matplotlib" / "__init__.py").write_text("raise ImportError('matplotlib is broken')\n")
    env = python_env(WAKELINE_PYTHON=sys.executable)
    env["PYTHONPATH"] = f"{fake}{os.pathsep}{env['PYTHONPATH']}"
    res = wakeline.run("plot", diags, cwd=tmp_path, env=env)
    assert res.returncode == 2, res.describe()
    assert "matplotlib" in res.stderr and "pip install matplotlib" in res.stderr


def test_wakeline_plot_finds_the_package_beside_the_executable(wakeline, diags, tmp_path):
    """The CLI puts <bin>/../python on PYTHONPATH: a copy of the executable in tmp/bin and of
    plot.py in tmp/python/wakeline (a namespace package: plot.py needs nothing else of the
    package) must work with no PYTHONPATH at all."""
    (tmp_path / "bin").mkdir()
    exe = tmp_path / "bin" / "wakeline"
    shutil.copy2(wakeline.executable, exe)
    (tmp_path / "python" / "wakeline").mkdir(parents=True)
    shutil.copy2(wp.__file__, tmp_path / "python" / "wakeline" / "plot.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["WAKELINE_PYTHON"] = sys.executable
    proc = subprocess.run([str(exe), "plot", str(diags), "-o", str(tmp_path / "png"), "-q"],
                          env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "png" / "moments_beam_size.png").is_file()
