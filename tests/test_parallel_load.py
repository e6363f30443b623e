"""load() parses files in a pool of processes: the table, the counts, the problems (with their
files, lines and byte offsets) and the store are the same as when one process does it all."""

from __future__ import annotations

import gzip
import importlib
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from garmin_fit_sdk import Encoder, Profile

import runlog
from runlog.errors import ConfigError, NotAnActivity, ParseError, RunlogError, StoreError
from runlog.importers import ReadOptions
from runlog.importers.archives import discover

START = 1_000_000_000  # FIT seconds
#: runlog.load is the function; its module is this.
load_module = importlib.import_module("runlog.load")


def fit_run(day: int, minutes: int = 5) -> bytes:
    encoder = Encoder()
    mesg = Profile["mesg_num"]
    first = START + day * 86_400
    encoder.on_mesg(mesg["FILE_ID"], {"type": "activity", "manufacturer": "garmin",
                                      "product": 3113, "time_created": first})
    for second in range(minutes * 60 + 1):
        encoder.on_mesg(mesg["RECORD"], {"timestamp": first + second, "distance": 3.0 * second,
                                         "speed": 3.0, "heart_rate": 150, "cadence": 85})
    encoder.on_mesg(mesg["SESSION"], {"timestamp": first + minutes * 60, "start_time": first,
                                      "total_elapsed_time": minutes * 60.0,
                                      "total_timer_time": minutes * 60.0, "sport": "running",
                                      "total_distance": 180.0 * minutes})
    return bytes(encoder.close())


def gpx_run(day: int) -> bytes:
    points = "".join(
        f'<trkpt lat="{46 + i * 3e-4:.6f}" lon="14.0"><ele>300</ele>'
        f"<time>2021-06-{day:02d}T07:{i // 60:02d}:{i % 60:02d}Z</time></trkpt>"
        for i in range(0, 600, 5))
    return (f'<?xml version="1.0"?><gpx version="1.1" creator="t" '
            f'xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'
            f"{points}</trkseg></trk></gpx>").encode()


def tcx_run(day: int) -> bytes:
    points = "".join(
        f"<Trackpoint><Time>2021-07-{day:02d}T07:{i // 60:02d}:{i % 60:02d}Z</Time>"
        f"<DistanceMeters>{3.0 * i}</DistanceMeters></Trackpoint>" for i in range(0, 600, 5))
    return (f'<?xml version="1.0"?><TrainingCenterDatabase xmlns="http://www.garmin.com/'
            f'xmlschemas/TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
            f"<Id>2021-07-{day:02d}T07:00:00Z</Id><Lap StartTime=\"2021-07-{day:02d}T07:00:00Z\">"
            f"<TotalTimeSeconds>595</TotalTimeSeconds><DistanceMeters>1785</DistanceMeters>"
            f"<Track>{points}</Track></Lap></Activity></Activities>"
            f"</TrainingCenterDatabase>").encode()


LOG = """date,distance,duration,type,name
2026-10-01 07:30,10 km,52:10,Run,Easy ten
not a date,5 km,25:00,Run,Broken row
2026-10-03 08:00,6.2 mi,1:01:30,Run,Hills
"""


def make_folder(root: Path) -> Path:
    """Every kind, gzipped and not, a copy under another name, a cut FIT file, a CSV with a
    bad row, and files that cannot be read at all."""
    folder = root / "athlete"
    (folder / "watch").mkdir(parents=True)
    for day in range(1, 5):
        (folder / "watch" / f"run-{day}.fit").write_bytes(fit_run(day))
        (folder / "watch" / f"run-{day}.gpx").write_bytes(gpx_run(day))
        (folder / "watch" / f"run-{day}.tcx").write_bytes(tcx_run(day))
    (folder / "watch" / "copy-of-run-1.fit").write_bytes(fit_run(1))
    (folder / "watch" / "run-9.fit.gz").write_bytes(gzip.compress(fit_run(9), mtime=0))
    cut = fit_run(10)
    (folder / "watch" / "cut.fit").write_bytes(cut[: len(cut) // 2])
    (folder / "log.csv").write_text(LOG, encoding="utf-8")
    (folder / "nonsense.csv").write_text("what,ever\n1,2\n", encoding="utf-8")
    (folder / "empty.fit").write_bytes(b"")
    (folder / "broken.gpx.gz").write_bytes(b"\x1f\x8b not gzip")
    return folder


def account(loaded: runlog.Loaded) -> dict[str, Any]:
    return {
        "counts": (loaded.files, loaded.files_read, loaded.parsed, loaded.reused,
                   loaded.ignored),
        "skipped": [(type(e).__name__, str(e), e.path, e.offset, e.line)
                    for e in loaded.skipped],
        "warnings": [(type(e).__name__, str(e), e.path, e.offset, e.line)
                     for e in loaded.warnings],
    }


def store_rows(path: Path) -> dict[str, list[Any]]:
    with sqlite3.connect(path) as db:
        return {
            "files": sorted(db.execute("SELECT * FROM files")),
            "parses": sorted(db.execute(
                "SELECT content_hash, options_key, kind, ok, payload FROM parses")),
        }


def test_a_pool_gives_what_one_process_gives(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    serial = runlog.load([folder], store=tmp_path / "serial.sqlite", jobs=1)
    pooled = runlog.load([folder], store=tmp_path / "pooled.sqlite", jobs=2)
    assert len(serial.activities) >= 15 and serial.skipped and serial.warnings
    assert serial.reused == 1  # the copy of run 1: the same bytes, parsed once
    assert pooled.activities.equals(serial.activities)
    assert account(pooled) == account(serial)
    assert store_rows(tmp_path / "pooled.sqlite") == store_rows(tmp_path / "serial.sqlite")
    without_store = runlog.load([folder], jobs=2)
    assert without_store.activities.equals(runlog.load([folder], jobs=1).activities)

    again = runlog.load([folder], store=tmp_path / "pooled.sqlite", jobs=2)
    assert (again.parsed, again.reused) == (0, serial.parsed + serial.reused)
    assert again.activities.equals(serial.activities)
    assert account(again)["skipped"] == account(serial)["skipped"]


def test_touched_and_copied_files_are_not_parsed_again_in_a_pool(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    store = tmp_path / "store.sqlite"
    first = runlog.load([folder], store=store, jobs=2)
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in (folder / "watch").iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    loaded = runlog.load([copy], store=store, jobs=2)
    assert loaded.parsed == 0
    assert loaded.reused == len(list(copy.iterdir()))
    assert set(loaded.activities["source"]).isdisjoint(set(first.activities["source"]))


def test_the_pool_reads_what_this_process_reads(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    items = discover([folder]).items
    assert len(items) >= load_module.SERIAL_BELOW
    options = ReadOptions()
    with load_module._Parser(2, options, set()) as parser:
        assert parser.pool is not None
        pooled = list(parser.map(items))
    with load_module._Parser(1, options, set()) as parser:
        assert parser.pool is None
        here = list(parser.map(items))
    assert [h for h, _ in pooled] == [h for h, _ in here]
    assert [plain(p) for _, p in pooled] == [plain(p) for _, p in here]


def plain(parsed: Any) -> Any:
    """A parse result as comparable values: activities as records, errors as their text."""
    if isinstance(parsed, list):
        return [plain(entry) for entry in parsed]
    if isinstance(parsed, ParseError):
        return type(parsed).__name__, str(parsed), parsed.offset, parsed.line
    return parsed.to_record()


def test_progress_counts_every_file_in_a_pool(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    seen: list[tuple[int, int]] = []
    loaded = runlog.load([folder], jobs=2, progress=lambda done, total: seen.append(
        (done, total)))
    assert seen == [(i, loaded.files) for i in range(loaded.files)]


@pytest.mark.parametrize("jobs", [0, -1])
def test_jobs_must_be_positive(tmp_path: Path, jobs: int) -> None:
    with pytest.raises(ValueError, match="jobs must be 1 or more"):
        runlog.load([tmp_path], jobs=jobs)


@pytest.mark.parametrize("error", [
    RunlogError("r", "a.fit", offset=1, line=2),
    ParseError("cut", "x.fit", offset=1234),
    NotAnActivity("a course", "archive.zip!c.fit", line=7),
    StoreError("locked", "store.sqlite"),
    ConfigError("bad key", None, line=3),
])
def test_errors_cross_process_boundaries_whole(error: RunlogError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert (back.reason, back.path, back.offset, back.line, str(back)) == (
        error.reason, error.path, error.offset, error.line, str(error))
