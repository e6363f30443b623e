"""Apple Health exports: every shape of FORMATS.md section 9, through discovery and load()."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from apple_export import (
    DTD_V12_BROKEN,
    PHONE_DEVICE,
    export_xml,
    metadata,
    record,
    route_gpx,
    route_reference,
    statistic,
    straight_line,
    workout,
    write_export,
)

import runlog
from runlog.errors import NotAnActivity, ParseError
from runlog.importers import ReadOptions, apple
from runlog.importers.archives import discover

UTC = runlog.Settings(timezone="UTC")

S, E = "2023-07-14 07:00:00 +0100", "2023-07-14 07:52:00 +0100"


def load(*paths: Path) -> runlog.Loaded:
    return runlog.load(list(paths), settings=UTC, jobs=1)


def ios16_run(*extra: str, start: str = S, end: str = E, source: str = "Anna’s Apple Watch",
              device: str | None = None) -> str:
    """A current (v12+) Watch run: totals as workout-level statistics, one WorkoutActivity
    repeating them, and the metadata block written twice."""
    stats = "\n".join([
        statistic("DistanceWalkingRunning", start, end, total=10.02, unit="km"),
        statistic("StepCount", start, end, total=8250),
        statistic("HeartRate", start, end, average=152.0, unit="count/min"),
    ])
    meta = metadata(indoor="0", ascended_cm=6575)
    activity = (f'  <WorkoutActivity uuid="A1" startDate="{start}" endDate="{end}" '
                f'duration="50" durationUnit="min">\n{meta}\n{stats}\n  </WorkoutActivity>')
    kwargs = {"device": device} if device else {}
    return workout("Running", start, end, 50, meta, activity, stats, meta, *extra,
                   source=source, **kwargs)


def test_ios16_run_reads_its_own_statistics_once(tmp_path: Path) -> None:
    xml = write_export(tmp_path / "apple_health_export", export_xml(ios16_run()))
    loaded = load(xml)
    assert not loaded.skipped and not loaded.warnings
    (run,) = loaded.activities.to_dict("records")
    assert run["format"] == "apple-health" and run["sport"] == "running"
    # The workout's own 10.02 km: not added to the WorkoutActivity's copy.
    assert run["distance_m"] == pytest.approx(10020.0)
    assert run["distance_source"] == "apple WorkoutStatistics DistanceWalkingRunning (km)"
    assert run["moving_time_s"] == 3000.0 and run["elapsed_time_s"] == 3120.0
    # steps ÷ duration is already steps/min: 8250 / 50.
    assert run["cadence_spm"] == 165.0
    assert run["cadence_source"] == "apple WorkoutStatistics StepCount ÷ duration (steps/min)"
    assert run["avg_hr"] == 152.0 and run["elevation_gain_m"] == pytest.approx(65.75)
    assert run["surface"] == "unknown"  # HKIndoorWorkout 0 says outdoors, not which surface
    # 06:00 UTC is 08:00 in Paris in July, though the export wrote +0100 (its own offset).
    assert run["start_time"] == pd.Timestamp("2023-07-14 06:00", tz="UTC")
    assert run["local_start"] == pd.Timestamp("2023-07-14 08:00")
    assert run["local_start_source"] == "file (HKTimeZone)"


def test_treadmill_run_under_a_broken_v12_dtd_takes_the_watch_steps_only(tmp_path: Path
                                                                         ) -> None:
    start, end = "2022-11-02 18:00:00 +0100", "2022-11-02 18:40:00 +0100"
    run = workout("Running", start, end, 40, metadata(indoor="1"),
                  statistic("DistanceWalkingRunning", start, end, total=4.0, unit="mi"))
    steps = [
        # the Watch: 10 records of 4 minutes, 680 steps each; one more half inside
        *(record("StepCount", f"2022-11-02 18:{m:02d}:00 +0100",
                 f"2022-11-02 18:{m + 4:02d}:00 +0100", 680) for m in range(0, 40, 4)),
        record("StepCount", "2022-11-02 18:38:00 +0100", "2022-11-02 18:42:00 +0100", 100),
        # the iPhone in a pocket counts the same steps again: never added
        record("StepCount", "2022-11-02 18:00:00 +0100", "2022-11-02 18:40:00 +0100", 6000,
               source="Anna’s iPhone", device=PHONE_DEVICE),
        # a Watch record outside the run
        record("StepCount", "2022-11-02 12:00:00 +0100", "2022-11-02 12:10:00 +0100", 900),
    ]
    xml = write_export(tmp_path / "x", export_xml(*steps, run, dtd=DTD_V12_BROKEN))
    loaded = load(xml)
    assert not loaded.skipped, loaded.skipped
    (act,) = loaded.activities.to_dict("records")
    assert act["sub_sport"] == "treadmill" and act["surface"] == "treadmill"
    assert act["distance_m"] == pytest.approx(4 * 1609.344)
    # (10 x 680 + 100 x 2/4 within the run) / 40 min
    assert act["cadence_spm"] == pytest.approx((6800 + 50) / 40, abs=0.1)
    assert act["cadence_source"] == "apple Watch StepCount records ÷ duration (steps/min)"


def test_iphone_and_watch_recording_one_session_is_one_activity(tmp_path: Path) -> None:
    phone = workout("Running", "2023-07-14 07:00:20 +0100", "2023-07-14 07:51:40 +0100", 51,
                    statistic("DistanceWalkingRunning", S, E, total=9.7, unit="km"),
                    source="Anna’s iPhone", device=PHONE_DEVICE)
    xml = write_export(tmp_path / "x", export_xml(phone, ios16_run()))
    (act,) = load(xml).activities.to_dict("records")
    assert act["device"] == "Anna’s Apple Watch"
    assert act["distance_m"] == pytest.approx(10020.0)
    assert "the same session recorded by Anna’s iPhone left out" in act["notes"]


def test_interval_workout_sums_its_steps_only_when_it_has_no_total(tmp_path: Path) -> None:
    def step(i: int, km: float) -> str:
        a, b = f"2023-05-02 18:{10 * i:02d}:00 +0200", f"2023-05-02 18:{10 * i + 9:02d}:00 +0200"
        return (f'  <WorkoutActivity uuid="S{i}" startDate="{a}" endDate="{b}" duration="9" '
                f'durationUnit="min">\n'
                f'{statistic("DistanceWalkingRunning", a, b, total=km, unit="km")}\n'
                "  </WorkoutActivity>")
    start, end = "2023-05-02 18:00:00 +0200", "2023-05-02 18:30:00 +0200"
    parts = [step(0, 1.5), step(1, 2.5), step(2, 1.6)]
    without_total = workout("Running", start, end, 27, metadata(), *parts)
    with_total = workout("Running", "2023-05-03 18:00:00 +0200", "2023-05-03 18:30:00 +0200", 27,
                         metadata(), *parts,
                         statistic("DistanceWalkingRunning", start, end, total=5.6, unit="km"))
    frame = load(write_export(tmp_path / "x", export_xml(without_total, with_total))).activities
    assert frame["distance_m"].tolist() == pytest.approx([5600.0, 5600.0])
    assert frame["distance_source"].tolist() == [
        "apple WorkoutActivity DistanceWalkingRunning (sum of 3)",
        "apple WorkoutStatistics DistanceWalkingRunning (km)"]


def test_old_export_totals_as_attributes_and_inline_route(tmp_path: Path) -> None:
    start, end = "2016-11-14 07:25:41 -0700", "2016-11-14 07:30:52 -0700"
    locations = "\n".join(
        f'   <Location date="2016-11-14 07:{25 + i // 60:02d}:{(44 + i) % 60:02d} -0700" '
        f'latitude="{37.7777 + i * 0.00003:.5f}" longitude="-122.426" altitude="{21 + i % 3}" '
        'horizontalAccuracy="2.4" verticalAccuracy="1.6" course="-1" speed="2.48"/>'
        for i in range(300))
    route = (f'  <WorkoutRoute sourceName="Simon’s iPhone" startDate="{start}" endDate="{end}">\n'
             f"{locations}\n  </WorkoutRoute>")
    old = workout("Running", start, end, 5.19412346680959, metadata("America/Los_Angeles"),
                  route, totals='totalDistance="0.4971749504535062" totalDistanceUnit="mi" '
                  'totalEnergyBurned="48.7" totalEnergyBurnedUnit="kcal" ')
    (act,) = load(write_export(tmp_path / "x", export_xml(old))).activities.to_dict("records")
    assert act["distance_m"] == pytest.approx(800.1255, abs=0.01)
    assert act["distance_source"] == "apple Workout totalDistance (mi)"
    assert act["moving_time_s"] == pytest.approx(311.647, abs=0.01)
    assert act["local_start"] == pd.Timestamp("2016-11-14 06:25:41")  # PST, not the -0700


def test_route_files_belong_to_their_workout_and_never_are_activities(tmp_path: Path) -> None:
    start, end = "2024-01-10 08:00:00 +0100", "2024-01-10 08:20:00 +0100"
    # A third-party app's run: duration only; its route gives the distance.
    run = workout("Running", start, end, 20, metadata(),
                  route_reference("/workout-routes/route_2024-01-10_8.20am.gpx", start, end),
                  source="Strava", device="")
    missing_start = "2024-01-11 08:00:00 +0100"
    missing = workout("Running", missing_start, "2024-01-11 08:30:00 +0100", 30, metadata(),
                      statistic("DistanceWalkingRunning", S, E, total=5.0, unit="km"),
                      route_reference("/workout-routes/route_2024-01-11_8.30am.gpx",
                                      missing_start, "2024-01-11 08:30:00 +0100"))
    routes = {"/workout-routes/route_2024-01-10_8.20am.gpx":
              route_gpx("2024-01-10T07:00:05", straight_line(1000, 3.0))}
    folder = tmp_path / "apple_health_export"
    write_export(folder, export_xml(run, missing), routes)
    found = discover([folder])
    assert [i.kind for i in found.items] == ["apple-health"]
    assert found.ignored >= 2  # the route and the ECG; the clinical XML is no activity
    loaded = load(folder)
    assert not loaded.skipped and not loaded.warnings
    first, second = loaded.activities.to_dict("records")
    assert first["distance_m"] == pytest.approx(2997.0, rel=0.01)
    assert first["distance_source"] == "route route_2024-01-10_8.20am.gpx track"
    assert second["distance_m"] == 5000.0
    assert second["notes"] == ("route file /workout-routes/route_2024-01-11_8.30am.gpx is "
                               "missing from the export")


def test_a_route_file_of_other_times_or_named_twice_is_a_note(tmp_path: Path) -> None:
    ref = "/workout-routes/route_2024-01-10_8.20am.gpx"
    one = workout("Running", "2024-01-10 08:00:00 +0100", "2024-01-10 08:20:00 +0100", 20,
                  metadata(), route_reference(ref, S, E))
    two = workout("Walking", "2024-01-10 08:20:10 +0100", "2024-01-10 08:20:50 +0100", 0.6,
                  metadata(), route_reference(ref, S, E))
    late = workout("Running", "2024-01-12 08:00:00 +0100", "2024-01-12 08:20:00 +0100", 20,
                   metadata(), route_reference("/workout-routes/late.gpx", S, E))
    routes = {ref: route_gpx("2024-01-10T07:00:05", straight_line(100)),
              "/workout-routes/late.gpx": route_gpx("2024-01-13T07:00:05", straight_line(100))}
    loaded = load(write_export(tmp_path / "x", export_xml(one, two, late), routes))
    notes = loaded.activities["notes"].tolist()
    assert notes[0] == notes[1] == f"route file {ref} is named by another workout too: not used"
    assert notes[2] == "route file /workout-routes/late.gpx was recorded at other times: not used"
    assert loaded.activities["distance_m"].isna().all()


def test_a_route_the_export_names_otherwise_is_joined_by_its_times(tmp_path: Path) -> None:
    start, end = "2024-01-10 08:00:00 +0100", "2024-01-10 08:20:00 +0100"
    named = workout("Running", start, end, 20, metadata(),
                    route_reference("/workout-routes/route_2024-01-10_8.20am.gpx", start, end),
                    source="Strava", device="")
    unnamed_start, unnamed_end = "2024-01-12 18:00:00 +0100", "2024-01-12 18:10:00 +0100"
    unnamed = workout("Running", unnamed_start, unnamed_end, 10, metadata(),
                      f'  <WorkoutRoute sourceName="Anna" startDate="{unnamed_start}" '
                      f'endDate="{unnamed_end}"/>', source="Nike Run Club", device="")
    routes = {
        # the file the first workout names was written under another name
        "/workout-routes/route_2024-01-10_8.20am 2.gpx":
            route_gpx("2024-01-10T07:00:05", straight_line(1000, 3.0)),
        "/workout-routes/route_2024-01-12_6.10pm.gpx":
            route_gpx("2024-01-12T17:00:02", straight_line(500, 3.0)),
        "/workout-routes/route_2023-05-01_7.00am.gpx":  # nobody's
            route_gpx("2023-05-01T05:30:00", straight_line(500, 3.0)),
    }
    frame = load(write_export(tmp_path / "x", export_xml(named, unnamed), routes)).activities
    first, second = frame.to_dict("records")
    assert first["distance_m"] == pytest.approx(2997.0, rel=0.01)
    assert first["notes"] == (
        "route file /workout-routes/route_2024-01-10_8.20am.gpx is missing from the export; "
        "route file /workout-routes/route_2024-01-10_8.20am 2.gpx joined by its times")
    assert second["distance_m"] == pytest.approx(1497.0, rel=0.01)
    assert len(frame) == 2


def test_zip_with_localized_names_is_read_in_place(tmp_path: Path) -> None:
    start, end = "2024-01-10 08:00:00 +0100", "2024-01-10 08:20:00 +0100"
    ref = "/workout-routes/route_2024-01-10_8.20am.gpx"
    run = workout("Running", start, end, 20, metadata(), route_reference(ref, start, end),
                  source="Nike Run Club", device="")
    archive = tmp_path / "exportación.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("apple_health_export/exportar.xml", export_xml(run))
        zf.writestr("apple_health_export/export_cda.xml", b"<ClinicalDocument/>")
        zf.writestr("apple_health_export" + ref, route_gpx("2024-01-10T07:00:05",
                                                          straight_line(600, 3.0)))
        zf.writestr("apple_health_export/electrocardiograms/ecg.csv", b"Name,Anna\n")
    found = discover([archive])
    assert [(i.kind, i.member) for i in found.items] == [
        ("apple-health", "apple_health_export/exportar.xml")]
    before = archive.stat().st_mtime_ns
    loaded = load(archive)
    assert not loaded.skipped and not loaded.warnings
    (act,) = loaded.activities.to_dict("records")
    assert act["source"] == f"{archive}!apple_health_export/exportar.xml"
    assert act["distance_m"] == pytest.approx(1797.0, rel=0.01)
    assert archive.stat().st_mtime_ns == before


def test_localized_xml_alone_is_sniffed_and_other_xml_refused(tmp_path: Path) -> None:
    xml = tmp_path / "导出.xml"
    xml.write_bytes(export_xml(ios16_run()))
    other = tmp_path / "notes.xml"
    other.write_bytes(b"<?xml version='1.0'?><notes/>")
    assert [i.kind for i in discover([xml]).items] == ["apple-health"]
    (problem,) = discover([other]).problems
    assert "not a file runlog reads" in problem.reason and problem.path == str(other)
    assert len(load(xml).activities) == 1


@pytest.mark.parametrize("dtd", [
    '<!DOCTYPE HealthData [\n<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;">\n]>\n',
    '<!DOCTYPE HealthData [\n<!-- HealthKit Export Version: 14 -->\n<!ENTITY x SYSTEM '
    '"file:///etc/passwd">\n]>\n',
    '<!DOCTYPE HealthData SYSTEM "http://example.com/health.dtd">\n',
])
def test_entities_and_external_dtds_stay_refused(tmp_path: Path, dtd: str) -> None:
    xml = tmp_path / "export.xml"
    xml.write_bytes(export_xml(ios16_run(), dtd=dtd))
    loaded = load(xml)
    (problem,) = loaded.skipped
    assert problem.path == str(xml) and "not allowed" in problem.reason
    assert loaded.activities.empty


def test_an_entity_reference_in_a_workout_expands_nothing(tmp_path: Path) -> None:
    bad = ios16_run().replace('sourceVersion="9.1"', 'sourceVersion="&lol;"', 1)
    good = ios16_run(start="2023-07-15 07:00:00 +0100", end="2023-07-15 07:52:00 +0100")
    xml = tmp_path / "export.xml"
    xml.write_bytes(export_xml(bad, good))
    loaded = load(xml)
    (warning,) = loaded.warnings
    assert "undefined entity" in warning.reason and warning.offset is not None
    assert len(loaded.activities) == 1


def test_a_file_with_no_workouts_is_not_an_activity(tmp_path: Path) -> None:
    xml = tmp_path / "export.xml"
    xml.write_bytes(export_xml(record("StepCount", S, E, 100)))
    (problem,) = load(xml).skipped
    assert isinstance(problem, NotAnActivity)
    assert "no workouts" in problem.reason


def test_reader_on_bytes_gives_a_clear_error_for_a_truncated_dtd() -> None:
    with pytest.raises(ParseError, match="never closed") as info:
        apple.read(b'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ELEMENT x EMPTY>\n',
                   "export.xml", ReadOptions())
    assert info.value.line == 2


# --- the real samples ----------------------------------------------------------------------------



def test_dogsheep_run_reads_as_its_workout_says(watch_exports: Path) -> None:
    for name in ("dogsheep__healthkit-to-sqlite__tests_export.xml",
                 "dogsheep__healthkit-to-sqlite__zip_export.xml"):
        loaded = load(watch_exports / "apple" / name)
        assert not loaded.skipped
        (run,) = loaded.activities.to_dict("records")
        assert run["sport"] == "running"
        assert run["distance_m"] == pytest.approx(0.4971749504535062 * 1609.344)
        assert run["moving_time_s"] == pytest.approx(5.19412346680959 * 60)
        assert run["local_start"] == datetime(2016, 11, 14, 6, 25, 41)
    route_note = loaded.activities["notes"].iloc[0]
    assert "route_2019-06-11_3.00pm.gpx is missing" in route_note


def test_opendroid_walks_and_manual_workouts(watch_exports: Path) -> None:
    loaded = load(watch_exports / "apple" / "opendroid__hk__sampleexport-2.xml")
    assert not loaded.skipped and not loaded.warnings
    frame = loaded.activities
    assert frame["sport"].tolist() == ["walking", "fitness", "walking", "walking", "walking"]
    watch = frame[frame["device"] == "DonorOne's Apple Watch"]
    assert watch["distance_m"].tolist() == pytest.approx(
        [2.169559267617529 * 1609.344, 7.818211779985165 * 1609.344])
    # Lose It! writes 0 mi for a manual entry: no distance, not a zero-metre walk.
    assert frame[frame["device"] == "Lose It!"]["distance_m"].isna().all()


# --- read as a stream ----------------------------------------------------------------------------


def test_a_stream_in_any_chunks_reads_as_the_whole_file() -> None:
    steps = [record("StepCount", f"2022-11-02 18:{m:02d}:00 +0100",
                    f"2022-11-02 18:{m + 4:02d}:00 +0100", 680) for m in range(0, 40, 4)]
    old = workout("Running", "2022-11-02 18:00:00 +0100", "2022-11-02 18:40:00 +0100", 40,
                  metadata(), totals='totalDistance="8" totalDistanceUnit="km" ')
    data = export_xml(*steps[:5], ios16_run(), *steps[5:], old, dtd=DTD_V12_BROKEN)
    whole = [a.to_record() for a in apple.read(data, "export.xml", ReadOptions())]
    assert whole[1]["cadence_spm"] == 170.0  # 6,800 Watch steps in 40 min
    for size in (1, 7, 100, 4096):
        chunks = (data[i:i + size] for i in range(0, len(data), size))
        streamed = apple.read_stream(chunks, "export.xml", ReadOptions())
        assert [a.to_record() for a in streamed] == whole, size


def test_a_zipped_export_is_streamed_and_bounded_by_its_ratio(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    padding = record("HeartRate", S, E, 72, unit="count/min") * 200_000  # ~90 MB of records
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("apple_health_export/export.xml", export_xml(padding, ios16_run()))
    (problem,) = load(archive).skipped
    assert "decompression bomb" in problem.reason  # repetitive past 200:1 is refused
    assert problem.path == f"{archive}!apple_health_export/export.xml"
