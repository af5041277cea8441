"""Shared fixtures of the Python test suite: running the wakeline CLI (helpers that read decks and
outputs are in wakeline_helpers.py).

The CLI is found through the environment variable WAKELINE_CLI (CTest sets it); without it, the
release build of this checkout (build/release/bin/wakeline) is used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from wakeline_helpers import REPO_ROOT, SMALL_DECK

DEFAULT_CLI = REPO_ROOT / "build" / "release" / "bin" / "wakeline"

# A run of a small deck takes well under a second; anything near this is a hang.
RUN_TIMEOUT_S = 60


def cli_path() -> Path:
    env = os.environ.get("WAKELINE_CLI")
    path = Path(env) if env else DEFAULT_CLI
    if not path.is_absolute():
        # CTest passes an absolute path; a relative one is taken from the repository root.
        path = REPO_ROOT / path
    return path


def python_package_dir() -> Path:
    """The `wakeline` package assembled by the build beside the CLI (<build>/python)."""
    return cli_path().parent.parent / "python"


# The Python tests import the package of the build under test, even where another one is installed.
if python_package_dir().is_dir():
    sys.path.insert(0, str(python_package_dir()))


@dataclass
class Result:
    """The outcome of one CLI run."""

    args: list[str]
    cwd: Path
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"wakeline {' '.join(self.args)} (in {self.cwd}) exited {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )

    def assert_ok(self) -> "Result":
        assert self.returncode == 0, self.describe()
        return self


class Wakeline:
    """Runs the CLI with stdin closed, output captured (so stdout/stderr are not TTYs)."""

    def __init__(self, executable: Path):
        self.executable = executable

    def run(self, *args: str | os.PathLike, cwd: Path, **popen) -> Result:
        argv = [str(a) for a in args]
        proc = subprocess.run(
            [str(self.executable), *argv],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            **popen,
        )
        return Result(argv, Path(cwd), proc.returncode, proc.stdout, proc.stderr)

    def run_deck(self, text: str, *args: str, cwd: Path, name: str = "deck.in") -> Result:
        """Writes `text` as `cwd/name` and runs it."""
        (cwd / name).write_text(text)
        return self.run(name, *args, cwd=cwd)


@pytest.fixture(scope="session")
def wakeline() -> Wakeline:
    exe = cli_path()
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        pytest.fail(f"wakeline CLI not found at {exe}: build it, or set WAKELINE_CLI")
    return Wakeline(exe)


@pytest.fixture(scope="session")
def small_deck() -> str:
    """The text of tests/decks/small.in, a small valid deck (drift-quad-drift, 100 particles)."""
    return SMALL_DECK.read_text()
