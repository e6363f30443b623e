"""Polar Flow training sessions, both schemas (FORMATS.md section 10), alone and in the
account export zip."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

import runlog
from runlog.errors import NotAnActivity, ParseError
from runlog.importers import ReadOptions, polar
from runlog.importers.archives import discover

UTC = runlog.Settings(timezone="UTC")


def old_session(*, offset: int | None = 120, sport: str = "RUNNING") -> dict:
    """exportVersion 1.8: strides/min cadence, samples on one 1 Hz timeline, a reading left
    out where the sensor had none."""
    seconds = 600
    start = datetime(2023, 6, 3, 9, 0, 0)

    def at(i: int) -> str:
        return (start + pd.Timedelta(seconds=i)).isoformat(timespec="milliseconds")

    session = {
        "exportVersion": "1.8", "name": "Laufen", "startTime": at(0), "stopTime": at(seconds),
        "duration": "PT600.5S", "distance": 1800.0, "averageHeartRate": 150,
        "exercises": [{
            "startTime": at(0), "stopTime": at(seconds), "duration": "PT600.5S",
            "distance": 1800.0, "sport": sport,
            "heartRate": {"min": 120, "avg": 150, "max": 170},
            "cadence": {"avg": 88, "max": 95}, "speed": {"avg": 10.8, "max": 12.0},
            "samples": {
                "heartRate": [{"dateTime": at(i)} if i % 50 == 0 else
                              {"dateTime": at(i), "value": 150} for i in range(seconds)],
                "cadence": [{"dateTime": at(i), "value": 86 + i % 5} for i in range(seconds)],
                "speed": [{"dateTime": at(i), "value": 10.8} for i in range(seconds)],
                "distance": [{"dateTime": at(i), "value": 3.0 * i} for i in range(seconds)],
                "recordedRoute": [{"dateTime": at(i), "latitude": 60.17 + i * 2.7e-5,
                                   "longitude": 24.94, "altitude": 10 + i % 4}
                                  for i in range(seconds + 30)],
            },
        }],
    }
    if offset is not None:
        session["timeZoneOffset"] = offset
        session["exercises"][0]["timezoneOffset"] = offset
    return session


def new_session_text(*, hr: int = 0, sport_id: str = "1") -> str:
    """The new schema as Polar writes it: dropouts as bare NaN tokens and "NaN" strings."""
    n = 300
    distance = ", ".join("NaN" if i == 7 else f"{2.9 * i:.1f}" for i in range(n))
    cadence = ", ".join('"NaN"' if i == 9 else str(84 + i % 3) for i in range(n))
    heart = ", ".join(str(hr) for _ in range(n))
    points = ", ".join(f'{{"latitude": {47.0 + i * 2.6e-5:.6f}, "longitude": 8.0, '
                       f'"elapsedMillis": {i * 1000}}}' for i in range(n))
    return f"""{{"identifier": {{"id": "abc"}}, "startTime": "2025-08-16T17:12:22",
 "stopTime": "2025-08-16T17:17:30", "name": "Running", "durationMillis": 300000,
 "distanceMeters": 870.5, "hrMax": {hr}, "hrAvg": {hr}, "timezoneOffsetMinutes": -420,
 "application": {{"name": "Polar Flow"}}, "sport": {{"id": "{sport_id}"}},
 "product": {{"modelName": "Polar Pacer Pro"}},
 "exercises": [{{"identifier": {{"id": "1"}}, "startTime": "2025-08-16T17:12:22",
   "stopTime": "2025-08-16T17:17:30", "durationMillis": 300000, "distanceMeters": 870.5,
   "timezoneOffsetMinutes": -420, "sport": {{"id": "{sport_id}"}},
   "statistics": {{"statistics": [{{"type": "STATISTICS_TYPE_CADENCE", "avg": 85, "max": 90}}]}},
   "samples": {{"samples": [
     {{"type": "DISTANCE", "intervalMillis": 1000, "values": [{distance}]}},
     {{"type": "CADENCE", "intervalMillis": 1000, "values": [{cadence}]}},
     {{"type": "HEART_RATE", "intervalMillis": 1000, "values": [{heart}]}}]}},
   "routes": {{"route": {{"wayPoints": [{points}]}}}}}}]}}"""


def read(data: bytes, name: str = "training-session.json") -> list:
    return polar.read(data, name, ReadOptions(timezone="Europe/Helsinki"))


def test_old_schema_run() -> None:
    (act,) = read(json.dumps(old_session()).encode())
    assert act.sport == "running" and act.format == "polar"
    assert act.distance_m == 1800.0 and act.distance_source == "polar session distance"
    assert act.cadence_spm == 176.0  # 88 strides/min, one foot
    assert act.cadence_source == "polar exercise cadence avg x2 (per foot)"
    assert sum(act.cadence_histogram.values()) > 500 and min(act.cadence_histogram) >= 170
    assert act.moving_time_s == 600.5 and act.avg_hr == 150.0
    assert act.start_time == pd.Timestamp("2023-06-03 07:00", tz="UTC")
    assert act.local_start == datetime(2023, 6, 3, 9, 0)
    assert act.local_start_source == "file (time offset)"
    assert act.elevation_gain_m is not None


def test_old_schema_without_offset_says_so() -> None:
    (act,) = read(json.dumps(old_session(offset=None)).encode())
    # read in the settings' zone (Helsinki, +3 in June), and said
    assert act.start_time == pd.Timestamp("2023-06-03 06:00", tz="UTC")
    assert act.local_start is None
    assert any("no time zone offset" in n for n in act.notes)


def test_new_schema_with_nan_tokens_and_no_heart_rate_sensor() -> None:
    (act,) = read(new_session_text().encode())
    assert act.sport == "running" and act.device == "Polar Pacer Pro"
    assert act.distance_m == 870.5
    assert act.cadence_spm == 170.0 and act.cadence_histogram
    assert act.avg_hr is None  # hrAvg 0: no sensor worn, not a heart at rest
    assert act.moving_time_s == 300.0
    assert act.start_time == pd.Timestamp("2025-08-17 00:12:22", tz="UTC")
    assert act.local_start == datetime(2025, 8, 16, 17, 12, 22)


def test_treadmill_and_other_sports_by_id() -> None:
    (tread,) = read(new_session_text(sport_id="17", hr=140).encode())
    assert (tread.sport, tread.surface, tread.avg_hr) == ("running", "treadmill", 140.0)
    (other,) = read(new_session_text(sport_id="83").encode())
    assert other.sport == "other" and other.cadence_spm is None
    (unknown,) = read(new_session_text(sport_id="999").encode())
    assert unknown.sport == "other" and "Polar sport id 999" in unknown.notes[0]


def test_not_json_names_the_file_and_where() -> None:
    with pytest.raises(ParseError) as info:
        read(b'{"exercises": [\n  {"sport": RUNNING}]}', "training-session-x.json")
    error = info.value
    assert str(error).startswith("training-session-x.json: not a Polar JSON file")
    assert error.line == 2 and error.offset == 28


def test_json_nested_too_deep_is_refused_by_name() -> None:
    with pytest.raises(ParseError, match="nested too deep"):
        read(b"[" * 200_000 + b"]" * 200_000, "deep.json")


@pytest.mark.parametrize("data", [
    b'{"exportVersion": "1.8", "date": "2023-02-06", "summaries": [], "samples": {"steps": []}}',
    b'[1, 2, 3]',
    b'{"username": "anna"}',
])
def test_daily_activity_and_other_json_are_not_workouts(data: bytes) -> None:
    with pytest.raises(NotAnActivity):
        read(data, "activity-2023-02-06.json")


def test_account_export_zip(tmp_path: Path) -> None:
    archive = tmp_path / "polar-user-data-export_1f2e.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("training-session-2025-08-16T17:12:22-abc-def.json", new_session_text())
        zf.writestr("training/1/training-session-2023-06-03-7575-e8d1.json",
                    json.dumps(old_session()))
        zf.writestr("activity-2023-06-03-ad5.json", b'{"date": "2023-06-03", "summaries": []}')
        zf.writestr("account-data-1f2e.json", b'{"username": "anna"}')
        zf.writestr("sleep_result_1.json", b"[]")
    found = discover([archive])
    assert [i.kind for i in found.items] == ["polar", "polar"] and found.ignored == 3
    loaded = runlog.load([archive], settings=UTC, jobs=1)
    assert not loaded.skipped and len(loaded.activities) == 2
    assert loaded.activities["distance_m"].tolist() == [1800.0, 870.5]


# --- the real samples ----------------------------------------------------------------------------



def test_each_polar_sample_equals_its_own_summary(watch_exports: Path) -> None:
    runs = 0
    for path in sorted((watch_exports / "polar").iterdir()):
        loaded = runlog.load([path], settings=UTC, jobs=1)
        assert not loaded.skipped, loaded.skipped
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                docs = {f"{path}!{n}": json.loads(zf.read(n)) for n in zf.namelist()}
        else:
            docs = {str(path): json.loads(path.read_bytes())}
        for act in loaded.activities.to_dict("records"):
            doc = docs[act["source"]]
            exercise = doc["exercises"][0]
            if act["sport"] != "running":
                continue
            runs += 1
            assert act["distance_m"] == exercise["distanceMeters"]
            stats = {s["type"]: s for s in exercise.get("statistics", {}).get("statistics", [])}
            cadence = stats.get("STATISTICS_TYPE_CADENCE", {}).get("avg")
            assert act["cadence_spm"] == (2 * cadence if cadence else None) or (
                cadence is None and pd.isna(act["cadence_spm"]))
    assert runs == 2 + 5  # the two runs alone, and the zip's five


def test_old_schema_sample_is_other_indoor_with_heart_rate(watch_exports: Path) -> None:
    name = "mawa00006__PolarHearbeatFixer__training-session-2023-02-06.json"
    path = watch_exports / "polar" / name
    (act,) = runlog.load([path], settings=UTC, jobs=1).activities.to_dict("records")
    assert act["sport"] == "other" and act["avg_hr"] == 116.0
    assert act["moving_time_s"] == 7374.0 and act["name"] == "Sonstige Indoor-Sportart"
