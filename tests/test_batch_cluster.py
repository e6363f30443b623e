"""Coach mode's stores (issue 16): a store file per athlete, named like their report.

The roster is test_batch.py's, plus "Heavy", an athlete with a few hundred GPX files. Every
batch must write the bytes of an undisturbed one, and every athlete's store must pass
SQLite's integrity check.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_batch import AS_OF, AS_OF_ARG, ROSTER, files, write_history

from runlog.batch import read_roster, report_names, run_batch
from runlog.cli import main
from runlog.store import Store

HEAVY_RUNS = 240


def gpx(start: datetime, minutes: int) -> str:
    """A run of ``minutes``, a point every 5 s heading north-east."""
    points = "".join(
        f'<trkpt lat="{47.99 + i * 0.00012:.6f}" lon="{7.84 + i * 0.00005:.6f}">'
        f"<time>{start + timedelta(seconds=5 * i):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
        for i in range(minutes * 12))
    return ('<?xml version="1.0"?><gpx version="1.1" creator="t" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'
            f"{points}</trkseg></trk></gpx>")


def write_heavy(folder: Path) -> None:
    """Two or three short runs a day for the 12 weeks before AS_OF, one GPX file each."""
    folder.mkdir(parents=True)
    end = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 6, tzinfo=timezone.utc)
    for n in range(HEAVY_RUNS):
        start = end - timedelta(hours=8 * n + 1)
        (folder / f"{n:03d}.gpx").write_text(gpx(start, 20 + n % 17), encoding="utf-8")


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("roster")
    for seed, (name, pattern) in enumerate(ROSTER.items()):
        write_history(root / name, pattern, seed)
    write_heavy(root / "Heavy")
    return root


@pytest.fixture(scope="module")
def baseline(roster: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The undisturbed batch: this process, one athlete after another, no store."""
    out = tmp_path_factory.mktemp("baseline")
    run_batch(roster, out, fmt="json", as_of=AS_OF, jobs=1)
    return out


def batch_command(roster: Path, out: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "runlog", "batch", str(roster), "-o", str(out), "--format",
            "json", *AS_OF_ARG, *options]


def check_stores(folder: Path) -> list[str]:
    """Every store in ``folder`` opens and passes SQLite's integrity check; their names."""
    names = sorted(p.name for p in folder.glob("*.sqlite"))
    for name in names:
        Store(folder / name).close()
        with sqlite3.connect(folder / name) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",), name
    return names


def store_names(roster: Path) -> list[str]:
    """The store file each athlete of the roster gets, in the roster's order."""
    return report_names([a.name for a in read_roster(roster).athletes], ".sqlite")


# --------------------------------------------------------------------------------------------
# A store per athlete


def test_each_athlete_has_a_store_of_their_own(roster: Path, baseline: Path,
                                               tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    for run in ("cold", "warm"):
        out = tmp_path / run
        done = CliRunner().invoke(main, ["batch", str(roster), "-o", str(out), "--format",
                                         "json", "--jobs", "2", "--store", str(stores),
                                         *AS_OF_ARG])
        assert done.exit_code == 0, done.output
        assert files(out) == files(baseline), run
    names = dict(zip([a.name for a in read_roster(roster).athletes], store_names(roster)))
    # "bad config" fails before anything is read: no store
    assert check_stores(stores) == sorted(n for a, n in names.items() if a != "bad config")
    assert names["index"] == "index-2.sqlite" and names["Émile Zola"] == "emile-zola.sqlite"
    assert {names["ola"], names["Ola"]} == {"ola.sqlite", "ola-2.sqlite"}
    for athlete, name in names.items():
        if athlete == "bad config":
            continue
        with sqlite3.connect(stores / name) as db:
            paths = {Path(p) for (p,) in db.execute("SELECT path FROM files")}
        assert paths and all(p.parent == roster / athlete for p in paths), athlete
    with sqlite3.connect(stores / names["Heavy"]) as db:
        assert db.execute("SELECT count(*) FROM parses").fetchone() == (HEAVY_RUNS,)


def test_the_default_store_folder_is_beside_the_single_store(tmp_path: Path) -> None:
    write_history(tmp_path / "roster" / "Lu", "steady")
    single = tmp_path / "data" / "store.sqlite"
    done = CliRunner().invoke(main, ["batch", str(tmp_path / "roster"), "-o",
                                     str(tmp_path / "out"), "--jobs", "1", *AS_OF_ARG],
                              env={"RUNLOG_STORE": str(single)})
    assert done.exit_code == 0, done.output
    assert check_stores(tmp_path / "data" / "athletes") == ["lu.sqlite"]
    assert not single.exists()


def test_a_single_store_file_is_still_read_and_nothing_in_it_lost(
        roster: Path, baseline: Path, tmp_path: Path) -> None:
    """A store file from before (runlog import, or a batch of an older runlog) given to batch
    is used as it was: shared by every athlete, what it held kept."""
    single = tmp_path / "store.sqlite"
    imported = CliRunner().invoke(main, ["import", str(roster / "Ada"), "--store", str(single),
                                         "--quiet"])
    assert imported.exit_code == 0, imported.output
    with sqlite3.connect(single) as db:
        before = set(db.execute("SELECT * FROM files"))
    done = CliRunner().invoke(main, ["batch", str(roster), "-o", str(tmp_path / "out"),
                                     "--format", "json", "--jobs", "2", "--store", str(single),
                                     *AS_OF_ARG])
    assert done.exit_code == 0, done.output
    assert done.stderr.startswith(
        f"runlog: {single} is a single store file: every athlete shares it, as before; give "
        "--store a folder to keep one file per athlete\n")
    assert files(tmp_path / "out") == files(baseline)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == ["out"]  # no folder made
    with sqlite3.connect(single) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        after = set(db.execute("SELECT * FROM files"))
    assert before < after
    # a file each, Heavy's many and corrupt's two; "bad config" fails before reading any
    assert len(after) == HEAVY_RUNS + len(ROSTER) - 1 + 1


def test_a_store_file_that_is_no_store_is_refused_before_any_work(tmp_path: Path) -> None:
    write_history(tmp_path / "roster" / "Lu", "steady")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a store\n" * 100, encoding="utf-8")
    done = CliRunner().invoke(main, ["batch", str(tmp_path / "roster"), "-o",
                                     str(tmp_path / "out"), "--store", str(notes), *AS_OF_ARG])
    assert done.exit_code == 1
    assert done.stderr.splitlines()[-1].startswith(f"Error: {notes}: the store cannot be read")
    assert not (tmp_path / "out").exists()
    assert notes.read_text(encoding="utf-8") == "not a store\n" * 100
