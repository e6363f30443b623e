"""ruff over the package, the tests, the examples script and the benchmarks (rules in
pyproject.toml): a lint gate that can fail."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_ruff_finds_nothing() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "runlog",
                           "tests", "examples", "benchmarks"], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
