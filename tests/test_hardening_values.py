"""Impossible values (issue 6): GPS jumps at impossible speeds, zero or negative durations,
timestamps in 1970 or in the future, a 500 km run, ten kilometres in a minute. Each is left out
or corrected, and counted in the report's data notes: never silently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from garmin_fit_sdk import Encoder, Profile

import runlog
from runlog import sanity
from runlog.cli import main
from runlog.model import Activity, to_frame

AS_OF = "2026-11-15"
#: 2024-11-08T11:33:20Z in FIT seconds.
FIT_START = 1_100_000_000
SEMICIRCLES_PER_DEGREE = 2**31 / 180


def run(day: str, km: float, minutes: float | None, *, sport: str = "running",
        name: str = "") -> Activity:
    seconds = None if minutes is None else minutes * 60
    return Activity(source=f"{name or day}.csv", format="runlog-csv", sport=sport, name=name,
                    start_time=pd.Timestamp(day, tz="UTC"), distance_m=km * 1000,
                    moving_time_s=seconds, elapsed_time_s=seconds,
                    activity_id=name or day)


# --- the rules, one by one --------------------------------------------------------------------


def test_each_impossible_activity_is_left_out_once_with_its_reason() -> None:
    table = to_frame([
        run("1970-01-01 07:00", 10, 50, name="epoch"),
        run("1989-12-31 23:59", 10, 50, name="just before 1990"),
        run("1990-01-01 00:00", 10, 50, name="1990"),
        run("2026-11-01", 500, None, name="500 km"),
        run("2026-11-02", 350, 3000, name="350 km, the most on foot"),
        run("2026-11-02", 600, 3000, sport="cycling", name="600 km ride"),
        run("2026-11-03", 10, 1, name="10 km in a minute"),
        run("2026-11-03", 1970, 1, name="1970 km in a minute"),  # too long and too fast
        run("2026-11-04", 10, 50, name="fine"),
    ])
    screened = sanity.screen(table)
    assert screened.left_out == {sanity.BEFORE_1990: 2, sanity.TOO_LONG: 2,
                                 sanity.TOO_FAST: 1}
    assert sorted(screened.activities["name"]) == [
        "1990", "350 km, the most on foot", "600 km ride", "fine"]


@pytest.mark.parametrize(("minutes", "emptied"), [
    (0, True), (-50, True), (7 * 24 * 60 + 1, True), (7 * 24 * 60, False), (0.5, False)])
def test_impossible_durations_are_emptied_and_counted(minutes: float, emptied: bool) -> None:
    frame = pd.DataFrame([{**to_frame([run("2026-11-04", 0.1, 50)]).iloc[0].to_dict(),
                           "moving_time_s": minutes * 60, "timer_time_s": minutes * 60}])
    screened = sanity.screen(frame)
    assert screened.durations_emptied == int(emptied)
    assert screened.activities["moving_time_s"].isna().iloc[0] == emptied
    assert screened.activities["elapsed_time_s"].iloc[0] == 3000  # a possible one stays
    assert screened.left_out == {}


def test_an_empty_table_screens_to_itself() -> None:
    screened = sanity.screen(to_frame([]))
    assert screened.activities.empty and not screened.left_out


# --- files to report, end to end ---------------------------------------------------------------

LOG = """date,distance,duration,type,name
1970-01-01 07:00,10 km,50:00,Run,epoch run
2099-05-01 07:00,10 km,50:00,Run,future run
2026-11-01 07:00,500 km,50:00,Run,ultra typo
2026-11-02 07:00,10 km,0:00,Run,zero duration
2026-11-03 07:00,10 km,-50:00,Run,negative duration
2026-11-04 07:00,10 km,1:00,Run,ten km in a minute
2026-11-05 07:00,10 km,50:00,Run,normal
2026-11-06 07:00,10 km,5000:00:00,Run,two hundred days
"""

JUMPY_GPX = """<?xml version="1.0"?>
<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk>
<type>running</type><trkseg>
<trkpt lat="52.000" lon="13.0"><time>2026-11-07T07:00:00Z</time></trkpt>
<trkpt lat="52.001" lon="13.0"><time>2026-11-07T07:00:30Z</time></trkpt>
<trkpt lat="10.000" lon="100.0"><time>2026-11-07T07:01:00Z</time></trkpt>
<trkpt lat="52.002" lon="13.0"><time>2026-11-07T07:01:30Z</time></trkpt>
<trkpt lat="52.003" lon="13.0"><time>2026-11-07T07:02:00Z</time></trkpt>
</trkseg></trk></gpx>
"""

NEGATIVE_TCX = """<?xml version="1.0"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
<Activities><Activity Sport="Running"><Id>2026-11-08T07:00:00Z</Id>
<Lap StartTime="2026-11-08T07:00:00Z"><TotalTimeSeconds>-600</TotalTimeSeconds>
<DistanceMeters>-2000</DistanceMeters><Track>
<Trackpoint><Time>2026-11-08T07:00:00Z</Time><DistanceMeters>0</DistanceMeters></Trackpoint>
<Trackpoint><Time>2026-11-08T07:10:00Z</Time><DistanceMeters>2000</DistanceMeters></Trackpoint>
</Track></Lap></Activity></Activities></TrainingCenterDatabase>
"""


def fit_run(first: int, *, jump_at: int | None = None) -> bytes:
    """Two minutes of running north from 46°N 14°E, a point a second, one point in the
    Indian Ocean at ``jump_at``."""
    encoder = Encoder()

    def message(name: str, fields: dict[str, object]) -> None:
        encoder.on_mesg(Profile["mesg_num"][name.upper()], fields)

    message("file_id", {"type": "activity", "manufacturer": "garmin", "product": 3113,
                        "time_created": first})
    for i in range(120):
        lat = 10.0 if i == jump_at else 46.0 + i * 0.00003
        message("record", {"timestamp": first + i, "heart_rate": 150,
                           "position_lat": round(lat * SEMICIRCLES_PER_DEGREE),
                           "position_long": round(14.0 * SEMICIRCLES_PER_DEGREE)})
    message("session", {"timestamp": first + 119, "start_time": first, "sport": "running",
                        "total_elapsed_time": 119.0, "total_timer_time": 119.0})
    return encoder.close()


@pytest.fixture
def implausible(tmp_path: Path) -> Path:
    folder = tmp_path / "athlete"
    folder.mkdir()
    (folder / "log.csv").write_text(LOG)
    (folder / "jumpy.gpx").write_text(JUMPY_GPX)
    (folder / "negative.tcx").write_text(NEGATIVE_TCX)
    (folder / "jumpy.fit").write_bytes(fit_run(FIT_START, jump_at=60))
    (folder / "future.fit").write_bytes(fit_run(0xFFFF_FF00))
    return folder


def test_every_impossible_value_is_counted_in_the_report(implausible: Path,
                                                         tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(implausible), "--format", "json",
                                       "--as-of", AS_OF, "--no-store", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    notes = report["data_notes"]
    # the GPX and TCX runs carry no clock of their own: cut on this machine's (its name varies)
    machine = [n for n in notes if "carry no clock of their own" in n]
    assert len(machine) == 1 and machine[0].startswith("3 activities carry no clock")
    assert [n for n in notes if n not in machine] == [
        "1 activity left out as dated before 1990 (a device's reset clock).",
        "1 activity left out as longer than anyone covers in one go (over 350 km on foot, "
        "1 100 km by bike).",
        "1 activity left out as faster than the sport allows (over 45 km/h for a run).",
        "The duration of 2 activities was zero, negative or over a week and is left empty.",
        "1 activity has no real date and is left out.",  # future.fit: FIT clock past now
        "1 activity after 2026-11-15 is left out.",  # the 2099 row
        "2 GPS points were dropped as impossible jumps.",  # one in the GPX, one in the FIT
        # the 1990s-dated run is screened out; the one left before the 2-year gap is 1 day
        "The return on 2026-11-02 after 723 days without running is not judged: the history "
        "before the break holds only 1 day, too few to know your usual week.",
    ]
    # What stays: normal, zero and 200-day durations (emptied), the GPX, FIT and TCX runs.
    assert report["summary"]["runs"] == 6


def test_the_table_keeps_what_files_say_with_notes(implausible: Path) -> None:
    """The activity table is what the files say (corrections noted per activity); the
    screening is the analyzers' view of it."""
    loaded = runlog.load([implausible])
    table = loaded.activities.set_index("source")
    tcx = table.loc[str(implausible / "negative.tcx")]
    assert tcx["timer_time_s"] != tcx["timer_time_s"]  # NaN: the negative total left out
    assert tcx["distance_m"] == pytest.approx(2000)  # from the trackpoints instead
    assert "negative or week-long total time" in tcx["notes"]
    fit = table.loc[str(implausible / "jumpy.fit")]
    assert fit["gps_jumps"] == 1
    assert "dropped as jumps" in fit["notes"]
    assert [w.line for w in loaded.warnings] == []
    negative = loaded.activities[loaded.activities["name"] == "negative duration"].iloc[0]
    assert "duration '-50:00' not understood" in negative["notes"]
