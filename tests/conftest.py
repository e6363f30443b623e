"""Shared fixtures. The real-file corpus lives beside the repository in ../shared/corpus."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
WATCH_EXPORTS = REPO.parent / "shared" / "watch-exports"
EXAMPLES = REPO / "examples"


def manifest() -> list[dict[str, str]]:
    """Rows of corpus/MANIFEST.tsv (empty when the corpus is not beside the repo)."""
    path = CORPUS / "MANIFEST.tsv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="session")
def watch_exports() -> Path:
    """../shared/watch-exports: Apple Health and Polar samples, apart from the corpus."""
    if not WATCH_EXPORTS.is_dir():
        if os.environ.get("CI"):
            pytest.fail("../shared/watch-exports is missing in CI")
        pytest.skip("../shared/watch-exports is not beside the repository")
    return WATCH_EXPORTS


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail("../shared/corpus is missing in CI")
        pytest.skip("../shared/corpus is not beside the repository")
    return CORPUS


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CliRunner with a store of the test's own and no NO_COLOR from the environment."""
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return CliRunner()



def interruptible(command: list[str]) -> list[str]:
    """``command``, started with Ctrl-C as at a terminal. A process started in the background
    by a shell without job control (a CI runner's script, ``cmd &``) begins with SIGINT
    ignored, Python keeps it ignored, and a test's SIGINT would never arrive: this restores
    the default, then execs the command (exec keeps a default disposition)."""
    import sys

    restore = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
               "os.execv(sys.argv[1], sys.argv[1:])")
    return [sys.executable, "-c", restore, *command]
