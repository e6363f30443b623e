"""The whole ingest path: discovery, the store, and reuse of earlier parses."""

from __future__ import annotations

import gzip
import hashlib
import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import runlog
from runlog.errors import ParseError, StoreError
from runlog.load import _wall_clock
from runlog.store import SCHEMA_VERSION, Store

LOG = """date,distance,duration,type,surface,shoe,cadence,name
2026-10-01 07:30,10 km,52:10,Run,road,Pegasus 40,172,Easy ten
2026-10-03 08:00,6.2 mi,1:01:30,Trail Run,,Speedgoat 5,,Hills
2026-10-04 18:00,30 km,1:00:00,Ride,,,,Commute
"""


def make_folder(root: Path) -> Path:
    folder = root / "alex"
    (folder / "2025").mkdir(parents=True)
    (folder / "log.csv").write_text(LOG, encoding="utf-8")
    (folder / "2025" / "old.csv.gz").write_bytes(gzip.compress(
        b"date,distance,duration\n2025-05-01 07:00,5 km,25:00\n", mtime=0))
    (folder / "broken.csv").write_text("nonsense,header\n1,2\n", encoding="utf-8")
    return folder


def digest(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_load_reads_every_file_and_names_the_bad_one(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    loaded = runlog.load([folder])
    frame = loaded.activities
    assert list(frame["sport"]) == ["running", "running", "running", "cycling"]
    assert frame["distance_m"].tolist()[1:3] == [10_000.0, pytest.approx(9977.93, abs=0.01)]
    assert set(frame["athlete"]) == {"alex"}
    assert loaded.files == 3 and loaded.files_read == 2
    (bad,) = loaded.skipped
    assert bad.path == str(folder / "broken.csv")
    assert "unrecognised CSV header" in str(bad)
    assert all(frame["activity_id"].str.len() > 16)
    assert frame["activity_id"].is_unique


def test_second_import_parses_no_file_again(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    store_path = tmp_path / "store.sqlite"
    first = runlog.load([folder], store=store_path)
    assert (first.parsed, first.reused) == (3, 0)
    second = runlog.load([folder], store=store_path)
    assert (second.parsed, second.reused) == (0, 3)
    assert second.activities.equals(first.activities)
    assert [str(p) for p in second.skipped] == [str(p) for p in first.skipped]


def test_touched_file_is_recognised_by_content(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    store_path = tmp_path / "store.sqlite"
    runlog.load([folder], store=store_path)
    log = folder / "log.csv"
    os.utime(log, ns=(1, 1))
    again = runlog.load([folder], store=store_path)
    assert (again.parsed, again.reused) == (0, 3)
    log.write_text(LOG.replace("Easy ten", "Easy 10"), encoding="utf-8")
    changed = runlog.load([folder], store=store_path)
    assert changed.parsed == 1
    assert "Easy 10" in set(changed.activities["name"])


def test_same_bytes_elsewhere_are_not_parsed_twice(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    store_path = tmp_path / "store.sqlite"
    runlog.load([folder], store=store_path)
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "same.csv").write_bytes((folder / "log.csv").read_bytes())
    loaded = runlog.load([copy], store=store_path)
    assert (loaded.parsed, loaded.reused) == (0, 1)
    assert set(loaded.activities["source"]) == {str(copy / "same.csv")}


def test_source_files_are_byte_identical_after_loading(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    before = digest(folder)
    runlog.load([folder], store=tmp_path / "store.sqlite")
    assert digest(folder) == before


def test_store_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    with pytest.raises(StoreError, match="schema version 999") as info:
        Store(path)
    assert str(path) in str(info.value)
    assert SCHEMA_VERSION != 999


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE x (y)")
    with pytest.raises(StoreError, match="not a runlog store"):
        Store(path)


def test_configured_timezone_sets_the_local_clock(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    (folder / "runlog.toml").write_text('timezone = "America/New_York"\nathlete = "Alex"\n')
    loaded = runlog.load([folder])
    first = loaded.activities.iloc[1]
    # 07:30 in New York on 1 October 2026 (EDT, UTC-4) is 11:30 UTC.
    assert first["start_time"].isoformat() == "2026-10-01T11:30:00+00:00"
    assert str(first["local_start"]) == "2026-10-01 07:30:00"
    assert set(loaded.activities["athlete"]) == {"Alex"}


def _as_data(parsed: object) -> object:
    """A stored parse as plain data: refusals compare by what they say."""
    if isinstance(parsed, ParseError):
        return (type(parsed).__name__, str(parsed), parsed.offset, parsed.line)
    assert isinstance(parsed, list)
    return [_as_data(entry) if isinstance(entry, ParseError) else entry.to_record()
            for entry in parsed]


def test_many_parses_at_once_are_each_parse_as_get_gives_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Store.get_many, a re-import's one look-up for all its unchanged files."""
    store_path = tmp_path / "store.sqlite"
    runlog.load([make_folder(tmp_path)], store=store_path)
    with sqlite3.connect(store_path) as db:
        rows = db.execute("SELECT content_hash, options_key, kind, ok FROM parses").fetchall()
    assert len(rows) == 3 and {ok for *_, ok in rows} == {0, 1}  # two runs' logs, a refusal
    key = rows[0][1]
    pairs = [(content_hash, kind) for content_hash, _, kind, _ in rows]
    monkeypatch.setattr(Store, "_HASHES_PER_QUERY", 2)  # more hashes than one query takes
    with Store(store_path) as store:
        unknown = [("0" * 64, "csv"), (pairs[0][0], "gpx")]
        many = store.get_many([*pairs, *unknown], key)
        assert sorted(many) == sorted(pairs)
        for content_hash, kind in pairs:
            assert _as_data(many[(content_hash, kind)]) == _as_data(
                store.get(content_hash, key, kind))
        assert store.get_many(pairs, "other reader options") == {}
        assert store.get_many([], key) == {}
    # a row that cannot be decoded is left out: that file is parsed again
    with sqlite3.connect(store_path) as db:
        db.execute("UPDATE parses SET payload='{' WHERE content_hash=?", (pairs[0][0],))
    with Store(store_path) as store:
        assert sorted(store.get_many(pairs, key)) == sorted(pairs[1:])


ZONES = ["Europe/Ljubljana", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
         "Pacific/Chatham", "America/Santiago", "UTC"]


@settings(max_examples=300, deadline=None)
@given(seconds=st.integers(-2_000_000_000, 4_200_000_000), microseconds=st.integers(0, 999_999),
       zone=st.sampled_from(ZONES))
@example(seconds=1793511000, microseconds=0, zone="America/New_York")  # 01:30 EDT, 1 Nov 2026
@example(seconds=1793514600, microseconds=0, zone="America/New_York")  # 01:30 EST, an hour on
@example(seconds=1775315700, microseconds=0, zone="Australia/Lord_Howe")  # half-hour fold
def test_the_wall_clock_is_the_one_pandas_gives(seconds: int, microseconds: int,
                                                 zone: str) -> None:
    from zoneinfo import ZoneInfo

    start = pd.Timestamp(seconds * 10**9 + microseconds * 1000, tz="UTC")
    theirs = start.tz_convert(ZoneInfo(zone)).tz_localize(None).to_pydatetime()
    ours = _wall_clock(start, ZoneInfo(zone))
    assert (ours, ours.fold, ours.tzinfo) == (theirs, theirs.fold, None)
