"""Shared fixtures. The real-file corpus lives beside the repository in ../shared/corpus."""

from __future__ import annotations

import csv
import os
from datetime import datetime, timedelta
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


def gpx_run(start: datetime, minutes: int, *, step_s: int = 10, lat: float = 46.0,
            lon: float = 14.0, dlat: float = 0.0003, dlon: float = 0.0) -> str:
    """A GPX run from ``start``, ``minutes`` long: a point every ``step_s`` seconds, moving
    ``dlat``/``dlon`` degrees a point (north by default, about 3.3 m/s)."""
    points = "".join(
        f'<trkpt lat="{lat + i * dlat:.6f}" lon="{lon + i * dlon:.6f}">'
        f"<time>{start + timedelta(seconds=step_s * i):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
        for i in range(minutes * 60 // step_s))
    return ('<?xml version="1.0"?><gpx version="1.1" creator="t" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'
            f"{points}</trkseg></trk></gpx>")


LOG = """date,distance,duration,type,surface,shoe,cadence,name
2026-10-01 07:30,10 km,52:10,Run,road,Pegasus 40,172,=HYPERLINK("x")
2026-10-03 08:00,6.2 mi,1:01:30,Trail Run,,Speedgoat 5,,Hills
2026-10-04 18:00,30 km,1:00:00,Ride,,,,Commute
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A runner's folder: a runlog CSV of two runs and a ride, and a runlog.toml."""
    path = tmp_path / "sam"
    path.mkdir()
    (path / "log.csv").write_text(LOG, encoding="utf-8")
    (path / "runlog.toml").write_text('units = "km"\ntimezone = "UTC"\n', encoding="utf-8")
    return path


def live_processes() -> dict[int, tuple[int, int]]:
    """Every live process (zombies waiting to be reaped are not) with its parent and its
    session, from /proc."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z":
                out[int(entry.name)] = (int(fields[1]), int(fields[3]))
    return out
