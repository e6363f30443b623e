"""Every real Apple Health and Polar file in ../shared/watch-exports through the whole ingest
path, as its MANIFEST.tsv describes it, with differential checks against the files' own
figures: an Apple workout's distance equals its own total, a Polar run's distance and cadence
equal its summary."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest

import runlog
from conftest import WATCH_EXPORTS

SPORT_OF_KIND = {"run": "running", "walk": "walking"}
METRES = {"km": 1000.0, "mi": 1609.344, "m": 1.0}


def rows() -> list[dict[str, str]]:
    path = WATCH_EXPORTS / "MANIFEST.tsv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = rows()



def test_manifest_lists_every_file(watch_exports: Path) -> None:
    on_disk = {p.relative_to(watch_exports).as_posix() for p in watch_exports.glob("*/*")}
    assert {row["local_name"] for row in ROWS} == on_disk


@pytest.mark.parametrize("row", ROWS, ids=[r["local_name"] for r in ROWS])
def test_every_file_is_read_as_its_kind(watch_exports: Path, row: dict[str, str],
                                         tmp_path: Path) -> None:
    path = watch_exports / row["local_name"]
    loaded = runlog.load([path], settings=runlog.Settings(timezone="UTC"),
                         store=tmp_path / "store.sqlite", jobs=1)
    assert not loaded.skipped, loaded.skipped
    frame = loaded.activities
    assert len(frame) >= 1
    if row["kind"] in SPORT_OF_KIND:
        assert SPORT_OF_KIND[row["kind"]] in set(frame["sport"])
    runs = frame[frame["sport"] == "running"]
    assert (runs["distance_m"] > 0).all()
    assert runs["cadence_spm"].dropna().between(140, 200).all()
    # An unchanged file is not parsed again.
    again = runlog.load([path], settings=runlog.Settings(timezone="UTC"),
                        store=tmp_path / "store.sqlite", jobs=1)
    assert again.parsed == 0 and again.activities.equals(frame)


def _apple_totals(xml: bytes) -> list[float]:
    """Each workout's own distance as the file writes it (attribute or statistic), in metres."""
    out = []
    for block in re.findall(rb"<Workout[\s>].*?(?:</Workout>|/>)", xml, re.S):
        head = block[:block.index(b">")]
        total = re.search(rb'totalDistance="([^"]+)"\s+totalDistanceUnit="([^"]+)"', head)
        if total and float(total.group(1)) > 0:
            out.append(float(total.group(1)) * METRES[total.group(2).decode()])
    return out


def test_apple_distances_equal_the_workouts_own(watch_exports: Path) -> None:
    for path in sorted((watch_exports / "apple").glob("*.xml")):
        frame = runlog.load([path], settings=runlog.Settings(timezone="UTC"),
                            jobs=1).activities
        expected = sorted(_apple_totals(path.read_bytes()))
        got = sorted(frame["distance_m"].dropna().tolist())
        assert got == pytest.approx(expected, rel=0.005), path.name


def test_polar_runs_equal_their_summary(watch_exports: Path) -> None:
    checked = 0
    for path in sorted((watch_exports / "polar").iterdir()):
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                docs = {f"{path}!{n}": json.loads(zf.read(n)) for n in zf.namelist()}
        else:
            docs = {str(path): json.loads(path.read_bytes())}
        frame = runlog.load([path], settings=runlog.Settings(timezone="UTC"), jobs=1).activities
        for act in frame[frame["sport"] == "running"].to_dict("records"):
            (exercise,) = docs[act["source"]]["exercises"]
            assert act["distance_m"] == exercise.get("distanceMeters", exercise.get("distance"))
            cadence = (exercise.get("cadence") or {}).get("avg")
            if cadence:
                assert act["cadence_spm"] == 2 * cadence
            checked += 1
    assert checked == 7
