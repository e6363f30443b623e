"""The CSV readers: Strava activities.csv, Garmin Connect Activities.csv, the runlog CSV.

Real files from the corpus first, then small hand-made files, one per quirk, with values
computed by hand in the comments.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runlog.errors import NotAnActivity, ParseError, UnsupportedFormat
from runlog.importers import ReadOptions, reader_for
from runlog.importers.csv import read
from runlog.importers.csv_common import parse_clock, parse_datetime, parse_number
from runlog.model import Activity, to_frame

MILE_M = 1609.344


def read_text(text: str, *, encoding: str = "utf-8", **options: str) -> list[Activity | ParseError]:
    return read(text.encode(encoding), "test.csv", ReadOptions(**options))


def split(results: list[Activity | ParseError]) -> tuple[list[Activity], list[ParseError]]:
    acts = [r for r in results if isinstance(r, Activity)]
    problems = [r for r in results if isinstance(r, ParseError)]
    assert len(acts) + len(problems) == len(results)
    to_frame(acts)  # every result must fit the activity table's schema
    return acts, problems


def make_csv(header: list[str], rows: list[dict[str, str]], *, delimiter: str = ",",
             line_end: str = "\n", quoting: int = csv.QUOTE_MINIMAL) -> str:
    """A CSV text; each row maps column names to cells, ``"Name#2"`` naming a name's second
    column (Strava repeats Distance, Elapsed Time, ...)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=line_end, quoting=quoting)
    writer.writerow(header)
    for values in rows:
        seen: Counter[str] = Counter()
        cells = []
        for name in header:
            seen[name] += 1
            cells.append(values.get(name if seen[name] == 1 else f"{name}#{seen[name]}", ""))
        writer.writerow(cells)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# The corpus


CORPUS_EXPECTATIONS = {
    "martin-ueding__geo-activity-playground__activities.csv": "one run",
    "martin-ueding__geo-activity-playground__shoes.csv": "Strava gear catalogue, not activities",
    "muktihari__fit__activity_multisport.csv":
        "a FitCSVTool dump of a FIT file; read the .fit itself",
}


def test_every_corpus_csv_has_an_expectation(corpus: Path) -> None:
    assert {p.name for p in (corpus / "csv").glob("*.csv")} == set(CORPUS_EXPECTATIONS)


def test_strava_export_activities_csv_gives_its_run(corpus: Path) -> None:
    path = corpus / "csv" / "martin-ueding__geo-activity-playground__activities.csv"
    acts, problems = split(read(path.read_bytes(), path.name, ReadOptions()))
    assert problems == []
    [run] = acts
    assert run.format == "strava-csv"
    assert run.linked_file == "activities/12866632127.fit.gz"
    assert run.native_id == "12070555079"
    assert run.start_time == pd.Timestamp("2022-05-29 15:53:35", tz="UTC")
    assert run.sport == "running" and run.name == "Laufen Landal Park"
    # the second Distance column (metres), not the first (3.32 km)
    assert run.distance_m == pytest.approx(3322.949951171875)
    assert run.distance_source == "strava csv Distance (m)"
    assert (run.elapsed_time_s, run.moving_time_s) == (1428.0, 1411.0)
    assert run.elevation_gain_m == pytest.approx(61.878849029541016)
    # Average Cadence 71.259 strides/min -> 142.5 steps/min
    assert run.cadence_spm == 142.5
    assert run.cadence_source == "strava csv Average Cadence x2 (per foot)"
    assert run.shoe is None and run.avg_hr is None
    assert run.activity_id is None and run.athlete is None


@pytest.mark.parametrize("name", ["martin-ueding__geo-activity-playground__shoes.csv",
                                  "muktihari__fit__activity_multisport.csv"])
def test_corpus_non_activity_csv_is_refused(corpus: Path, name: str) -> None:
    with pytest.raises(NotAnActivity) as info:
        read((corpus / "csv" / name).read_bytes(), name, ReadOptions())
    assert info.value.reason == CORPUS_EXPECTATIONS[name]
    assert info.value.path == name


def test_registry_gives_this_reader() -> None:
    assert reader_for("csv") is read


# --------------------------------------------------------------------------------------------
# Strava activities.csv

STRAVA_HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute",
    "Activity Private Note", "Activity Gear", "Filename", "Athlete Weight", "Bike Weight",
    "Elapsed Time", "Moving Time", "Distance", "Max Speed", "Average Speed", "Elevation Gain",
    "Elevation Loss", "Max Cadence", "Average Cadence", "Max Heart Rate", "Average Heart Rate",
    "Calories", "Relative Effort", "Commute", "Gear", "Total Steps", "Timer Time", "Media",
]

STRAVA_ROWS = [
    {"Activity ID": "7926971219", "Activity Date": "Oct 6, 2022, 11:19:20 PM",
     "Activity Name": "Evening Run", "Activity Type": "Run",
     "Activity Description":
         "Tempo 3x2k\n💪 with [strava://athletes/112095082/9]Anna Example\nlegs \"ok\", mostly",
     "Elapsed Time": "3000", "Distance": "10.02", "Commute": "false",
     "Activity Gear": "Saucony Endorphin Pro 3 Race shoes",
     "Filename": "activities/8474917700.fit.gz", "Elapsed Time#2": "3000.0",
     "Moving Time": "2950.0", "Distance#2": "10021.400390625", "Elevation Gain": "42.5",
     "Average Cadence": "86.4", "Average Heart Rate": "151.2", "Gear": "12090302.0",
     "Commute#2": "0.0"},
    {"Activity ID": "7926971220", "Activity Date": "Oct 8, 2022, 7:00:00 AM",
     "Activity Name": "Morning Ride", "Activity Type": "Ride", "Elapsed Time": "5400",
     "Distance": "40.00", "Activity Gear": "Standert Triebwerk",
     "Filename": "activities/8474917701.fit.gz", "Elapsed Time#2": "5400.0",
     "Moving Time": "5300.0", "Distance#2": "40000.0", "Average Cadence": "85.0"},
    {"Activity ID": "7926971221", "Activity Date": "Oct 9, 2022, 12:05:00 PM",
     "Activity Name": "Gym", "Activity Type": "Weight Training", "Elapsed Time": "1800",
     "Distance": "0.00", "Elapsed Time#2": "1800.0", "Distance#2": "0.0"},
    {"Activity ID": "7926971222", "Activity Date": "yesterday", "Activity Name": "Lost",
     "Activity Type": "Run", "Distance": "5.00", "Distance#2": "5000.0"},
    {"Activity ID": "7926971223", "Activity Date": "Oct 12, 2022, 6:00:00 AM",
     "Activity Name": "Hill repeats", "Activity Type": "Trail Run", "Elapsed Time": "4000",
     "Distance": "12.00", "Activity Gear": "Speedgoat 5", "Filename": "activities/1.gpx",
     "Elapsed Time#2": "4000.0", "Moving Time": "3700.0", "Distance#2": "12000.0",
     "Average Cadence": "80.0", "Timer Time": "3750.0"},
]


def test_strava_current_layout_reads_each_row_by_column_name() -> None:
    (run, ride, gym, trail), _ = split(read_text(make_csv(STRAVA_HEADER, STRAVA_ROWS)))
    assert run.start_time == pd.Timestamp("2022-10-06 23:19:20", tz="UTC")
    assert run.distance_m == 10021.400390625 and run.distance_source == "strava csv Distance (m)"
    assert (run.elapsed_time_s, run.moving_time_s) == (3000.0, 2950.0)
    assert run.avg_hr == 151.2 and run.elevation_gain_m == 42.5
    assert run.cadence_spm == 172.8  # 86.4 strides/min x 2
    assert run.shoe == "Saucony Endorphin Pro 3 Race shoes"
    assert run.shoe_source == "strava activity gear"
    assert run.linked_file == "activities/8474917700.fit.gz"
    assert run.native_id == "7926971219"
    assert (run.surface, run.surface_source) == ("unknown", None)

    # a ride names a bike in Activity Gear, and its cadence is pedal rpm
    assert ride.sport == "cycling" and ride.distance_m == 40000.0
    assert ride.shoe is None and ride.cadence_spm is None

    # a manual entry with no file is still an activity
    assert gym.sport == "strength" and gym.linked_file is None
    assert gym.distance_m == 0.0 and gym.elapsed_time_s == 1800.0

    assert (trail.sport, trail.sub_sport) == ("running", "trail")
    assert (trail.surface, trail.surface_source) == ("trail", "strava activity type")
    assert trail.timer_time_s == 3750.0 and trail.cadence_spm == 160.0


def test_strava_bad_date_row_is_reported_with_its_line_after_a_multiline_description() -> None:
    # line 1 header; row 1 spans lines 2-4 (two newlines in its description); rows 2 and 3 are
    # lines 5 and 6; the bad row is line 7.
    results = read_text(make_csv(STRAVA_HEADER, STRAVA_ROWS))
    _, [problem] = split(results)
    assert problem.line == 7
    assert problem.reason == "row left out: Activity Date 'yesterday' not understood"
    assert problem.path == "test.csv"
    assert [type(r).__name__ for r in results] == ["Activity"] * 3 + ["ParseError", "Activity"]


def test_strava_columns_are_found_by_name_not_position() -> None:
    # Reorder the columns (a stable sort keeps repeated names in their order: km before m).
    order = sorted(range(len(STRAVA_HEADER)), key=lambda i: STRAVA_HEADER[i])
    header = [STRAVA_HEADER[i] for i in order]
    shuffled, _ = split(read_text(make_csv(header, STRAVA_ROWS)))
    original, _ = split(read_text(make_csv(STRAVA_HEADER, STRAVA_ROWS)))
    assert header[0] != STRAVA_HEADER[0]
    assert [a.to_record() for a in shuffled] == [a.to_record() for a in original]


@pytest.mark.parametrize(("activity_type", "sport", "surface"), [
    ("Run", "running", "unknown"), ("Trail Run", "running", "trail"),
    ("Virtual Run", "running", "treadmill"), ("Walk", "walking", "unknown"),
    ("Hike", "hiking", "unknown"), ("Ride", "cycling", "unknown"),
    ("Virtual Ride", "cycling", "unknown"), ("Swim", "swimming", "unknown"),
    ("Workout", "fitness", "unknown"), ("Weight Training", "strength", "unknown"),
    ("Yoga", "yoga", "unknown"),
])
def test_strava_activity_types(activity_type: str, sport: str, surface: str) -> None:
    text = make_csv(STRAVA_HEADER, [{"Activity Date": "Mar 10, 2021, 7:12:34 AM",
                                     "Activity Type": activity_type, "Activity Name": "x"}])
    [act] = split(read_text(text))[0]
    assert (act.sport, act.surface) == (sport, surface)
    assert act.start_time == pd.Timestamp("2021-03-10 07:12:34", tz="UTC")


def test_strava_unknown_activity_type_is_other_and_noted() -> None:
    text = make_csv(STRAVA_HEADER, [{"Activity Date": "Mar 10, 2021, 7:12:34 AM",
                                     "Activity Type": "Kitesurf"}])
    [act] = split(read_text(text))[0]
    assert (act.sport, act.sub_sport) == ("other", "Kitesurf")
    assert "activity type 'Kitesurf' not known: sport other" in act.notes


GERMAN_HEADER = [
    "Aktivitäts-ID", "Aktivitätsdatum", "Name der Aktivität", "Aktivitätsart",
    "Aktivitätsbeschreibung", "Verstrichene Zeit", "Distanz", "Max. Herzfrequenz",
    "Relative Leistung", "Pendeln", "Hinweis zur Privatsphäre für Aktivitäten",
    "Aktivitätsausrüstung", "Dateiname", "Sportlergewicht", "Fahrradgewicht",
    "Verstrichene Zeit", "Bewegungszeit", "Distanz", "Höchstgeschw.",
    "Durchschnittliche Geschwindigkeit", "Höhenzunahme", "Höhenunterschied",
    "Max. Tritt-/Schrittfrequenz", "Durchschnittliche Trittfrequenz", "Max. Herzfrequenz",
    "Durchschnittliche Herzfrequenz", "Kalorien",
]


def test_strava_german_header_with_day_first_dates_and_decimal_commas() -> None:
    text = make_csv(GERMAN_HEADER, [
        {"Aktivitäts-ID": "12070555079", "Aktivitätsdatum": "29.05.2022, 15:53:35",
         "Name der Aktivität": "Laufen Landal Park", "Aktivitätsart": "Lauf",
         "Verstrichene Zeit": "1428", "Distanz": "3,32", "Aktivitätsausrüstung": "Pegasus 39",
         "Dateiname": "activities/12866632127.fit.gz", "Verstrichene Zeit#2": "1428,0",
         "Bewegungszeit": "1411,0", "Distanz#2": "3322,949951171875",
         "Höhenzunahme": "61,878849029541016", "Durchschnittliche Trittfrequenz": "71,25",
         "Durchschnittliche Herzfrequenz": "140,5", "Kalorien": "1.035"},
        {"Aktivitäts-ID": "12070555080", "Aktivitätsdatum": "3.06.2022, 07:05:00",
         "Aktivitätsart": "Lauf", "Distanz": "10,50"},
    ])
    (run, short), _ = split(read_text(text))
    assert run.start_time == pd.Timestamp("2022-05-29 15:53:35", tz="UTC")
    assert run.distance_m == pytest.approx(3322.949951171875)
    assert (run.elapsed_time_s, run.moving_time_s) == (1428.0, 1411.0)
    assert run.elevation_gain_m == pytest.approx(61.878849029541016)
    assert run.avg_hr == 140.5 and run.cadence_spm == 142.5
    assert run.sport == "running" and run.shoe == "Pegasus 39"
    assert run.linked_file == "activities/12866632127.fit.gz"
    # the 3rd of June, not the 6th of March; only the km column: 10,50 km
    assert short.start_time == pd.Timestamp("2022-06-03 07:05:00", tz="UTC")
    assert short.distance_m == pytest.approx(10500.0)
    assert short.distance_source == "strava csv Distance (km)"


def test_strava_2020_header_with_html_junk_crlf_and_spreadsheet_damage() -> None:
    junk = ('<span class="translation_missing" title="translation missing: en-US.lib.export.'
            'portability_exporter.activities.horton_values.{}">{}</span>')
    header = ["Activity ID", "Activity Date", "Activity Name", "Activity Type",
              "Activity Description", "Elapsed Time", "Distance", "Relative Effort", "Commute",
              "Activity Gear", "Filename", "Elapsed Time", "Moving Time", "Distance",
              "Elevation Gain", "Average Cadence", "Average Heart Rate", "Relative Effort",
              "Commute", junk.format("type", "Type"), junk.format("start_time", "Start Time")]
    text = make_csv(header, [
        {"Activity ID": "2987876185", "Activity Date": "Dec 24, 2019, 9:15:00 AM",
         "Activity Name": "Xmas run", "Activity Type": "Run", "Elapsed Time": "1560",
         "Distance": "5.01", "Commute": "FALSE", "Filename": "activities/3184653380.fit.gz",
         "Elapsed Time#2": "1560.0", "Moving Time": "1500.0", "Distance#2": "5012.60009766",
         "Elevation Gain": "63.40000153", "Average Cadence": "82.59999847",
         "Average Heart Rate": "149.30000305", "Commute#2": "FALSE"},
    ], line_end="\r\n")
    assert "\r\n" in text and "<span" in text
    [run] = split(read_text(text))[0]
    assert run.distance_m == pytest.approx(5012.60009766)
    assert run.elevation_gain_m == pytest.approx(63.40000153)
    assert run.cadence_spm == 165.2  # 82.59999847 x 2, rounded to 0.1
    assert run.avg_hr == pytest.approx(149.30000305)
    assert run.linked_file == "activities/3184653380.fit.gz"


def test_strava_old_layout_has_iso_dates_and_metres() -> None:
    text = ("id,date,name,type,description,elapsed_time,distance,commute,gear,filename\n"
            "326763668,2014-09-12 16:54:28,Lunch Run,Run,,2718,8046.7,false,Brooks Ghost 7,"
            "activities/326763668.gpx\n"
            "1836776031,2018-09-12 15:02:23,Evening Ride,Ride,,783,3681.0,true,Merida,"
            "activities/1836776031.gpx\n")
    (run, ride), _ = split(read_text(text))
    assert run.start_time == pd.Timestamp("2014-09-12 16:54:28", tz="UTC")
    assert run.distance_m == 8046.7 and run.elapsed_time_s == 2718.0
    assert run.shoe == "Brooks Ghost 7" and run.native_id == "326763668"
    assert run.linked_file == "activities/326763668.gpx"
    assert ride.distance_m == 3681.0 and ride.shoe is None


def test_strava_2019_layout_with_one_distance_column_in_km() -> None:
    text = ("Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,"
            "Elapsed Time,Distance,Commute,Activity Gear,Filename\n"
            '1836776031,"Sep 12, 2018, 3:02:23 PM",Evening Run,Run,,783,3.68,true,,'
            "activities/1836776031.gpx\n")
    [run] = split(read_text(text))[0]
    assert run.distance_m == pytest.approx(3680.0)
    assert run.distance_source == "strava csv Distance (km)"
    assert run.start_time == pd.Timestamp("2018-09-12 15:02:23", tz="UTC")


def test_strava_cadence_already_in_steps_is_not_doubled() -> None:
    text = make_csv(STRAVA_HEADER, [{"Activity Date": "Mar 10, 2021, 7:12:34 AM",
                                     "Activity Type": "Run", "Average Cadence": "172.0"}])
    [run] = split(read_text(text))[0]
    assert run.cadence_spm == 172.0
    assert run.cadence_source == "strava csv Average Cadence (steps/min)"
    assert "strava Average Cadence already in steps/min: not doubled" in run.notes


def test_strava_bad_optional_value_is_left_empty_and_noted() -> None:
    text = make_csv(STRAVA_HEADER, [{"Activity Date": "Mar 10, 2021, 7:12:34 AM",
                                     "Activity Type": "Run", "Average Heart Rate": "high",
                                     "Moving Time": "-5"}])
    [run] = split(read_text(text))[0]
    assert run.avg_hr is None and run.moving_time_s is None
    assert "Average Heart Rate 'high' not understood: left empty" in run.notes
    assert "Moving Time '-5' is negative: left empty" in run.notes


@pytest.mark.parametrize("text", [
    "Bike Name,Bike Brand,Bike Model,Bike Default Sport Types\nMerida,Merida,Scultura,Ride\n",
    "Shoe Name,Shoe Brand,Shoe Model,Shoe Default Sport Types\nGhost,Brooks,Ghost 15,Run\n",
    "name,brand,model\nGhost,Brooks,Ghost 7\n",
])
def test_strava_gear_catalogues_are_not_activities(text: str) -> None:
    with pytest.raises(NotAnActivity, match="Strava gear catalogue, not activities"):
        read_text(text)


def test_strava_header_without_rows_is_not_an_activity() -> None:
    with pytest.raises(NotAnActivity, match="no activity rows"):
        read_text(make_csv(STRAVA_HEADER, []))


# --------------------------------------------------------------------------------------------
# Garmin Connect Activities.csv

GARMIN_HEADER = [
    "Activity Type", "Date", "Favorite", "Title", "Distance", "Calories", "Time", "Avg HR",
    "Max HR", "Aerobic TE", "Avg Run Cadence", "Max Run Cadence", "Avg Pace", "Best Pace",
    "Total Ascent", "Total Descent", "Avg Stride Length", "Avg Vertical Ratio",
    "Avg Vertical Oscillation", "Avg Ground Contact Time", "Training Stress Score®", "Grit",
    "Flow", "Avg. Swolf", "Avg Stroke Rate", "Total Reps", "Min Temp", "Decompression",
    "Best Lap Time", "Number of Laps", "Max Temp", "Moving Time", "Elapsed Time",
    "Min Elevation", "Max Elevation",
]

GARMIN_METRIC_ROWS = [
    # stride x cadence x moving time = 1.18 x 170 / 60 x 3000 s = 10030 m for 10.02: km
    {"Activity Type": "Running", "Date": "2024-03-01 07:30:12", "Favorite": "false",
     "Title": "Easy run", "Distance": "10.02", "Calories": "1,035", "Time": "00:50:06",
     "Avg HR": "148", "Max HR": "165", "Avg Run Cadence": "170", "Avg Pace": "5:00",
     "Total Ascent": "85", "Avg Stride Length": "1.18", "Moving Time": "00:50:00",
     "Elapsed Time": "00:52:30.5", "Min Elevation": "--"},
    # 1.16 x 172 / 60 x 2400 s = 7980.8 m for 8.00: km
    {"Activity Type": "Treadmill Running", "Date": "2024-03-02 18:00:00", "Favorite": "false",
     "Title": "Intervals", "Distance": "8.00", "Time": "00:40:00", "Avg HR": "155",
     "Avg Run Cadence": "172", "Total Ascent": "--", "Avg Stride Length": "1.16",
     "Moving Time": "00:40:00", "Elapsed Time": "00:41:00"},
    {"Activity Type": "Strength Training", "Date": "2024-03-03 09:00:00", "Title": "Gym",
     "Distance": "0.00", "Time": "00:45:00", "Avg HR": "110", "Avg Run Cadence": "--",
     "Avg Stride Length": "0.0", "Moving Time": "--:--:--", "Elapsed Time": "00:45:00"},
    {"Activity Type": "Pool Swimming", "Date": "2024-03-04 06:30:00", "Title": "Pool",
     "Distance": "1,500", "Time": "00:35:00", "Avg HR": "NaN", "Moving Time": "00:35:00",
     "Elapsed Time": "00:36:00"},
    {"Activity Type": "Running", "Date": "NOT-A-DATE", "Title": "Broken", "Distance": "5.00"},
    {"Activity Type": "Cycling", "Date": "2024-03-06 10:00:00", "Title": "Ride",
     "Distance": "40.50", "Time": "01:30:00", "Avg HR": "0", "Total Ascent": "1,393",
     "Moving Time": "01:28:00", "Elapsed Time": "01:35:00"},
]


def test_garmin_metric_export_with_stride_length_is_read_in_km() -> None:
    text = make_csv(GARMIN_HEADER, GARMIN_METRIC_ROWS, quoting=csv.QUOTE_ALL)
    (run, treadmill, gym, swim, ride), [problem] = split(read_text(text))
    assert run.format == "garmin-csv" and run.name == "Easy run"
    assert run.distance_m == pytest.approx(10020.0)
    assert run.distance_source == "garmin csv Distance (km, inferred)"
    assert "distance unit inferred as km from stride length x cadence" in run.notes
    assert (run.timer_time_s, run.moving_time_s, run.elapsed_time_s) == (3006.0, 3000.0, 3150.5)
    assert run.avg_hr == 148.0 and run.elevation_gain_m == 85.0
    assert run.cadence_spm == 170.0  # already steps/min: not doubled
    assert run.cadence_source == "garmin csv Avg Run Cadence (steps/min)"
    assert run.local_start == datetime(2024, 3, 1, 7, 30, 12)
    assert run.local_start_source == "file (local time)"

    assert (treadmill.sub_sport, treadmill.surface) == ("treadmill", "treadmill")
    assert treadmill.surface_source == "garmin activity type"
    assert treadmill.elevation_gain_m is None

    # 0.00 km and 0.0 stride mean "nothing recorded"; --:--:-- is missing
    assert gym.sport == "strength" and gym.distance_m is None and gym.cadence_spm is None
    assert gym.moving_time_s == 2700.0  # taken from Time, noted
    assert "moving time taken from Time (timer time)" in gym.notes

    # pool swims are written in metres, with a thousands separator
    assert swim.distance_m == 1500.0 and swim.distance_source == "garmin csv Distance (m, swimming)"
    assert swim.avg_hr is None  # NaN

    assert ride.distance_m == pytest.approx(40500.0) and ride.elevation_gain_m == 1393.0
    assert ride.avg_hr is None  # 0 means no HR strap

    assert problem.line == 6 and "date 'NOT-A-DATE' not understood" in problem.reason


IMPERIAL_ROWS = [
    # 1.18 x 170 / 60 x 3000 s = 10030 m for 6.22: 1612 m per unit: miles
    {"Activity Type": "Running", "Date": "2024-06-01 06:00:00", "Title": "Morning Run",
     "Distance": "6.22", "Time": "00:50:00", "Avg Run Cadence": "170", "Avg Pace": "8:02",
     "Total Ascent": "328", "Avg Stride Length": "1.18", "Moving Time": "00:50:00",
     "Elapsed Time": "00:50:00", "Min Elevation": "383", "Max Elevation": "489"},
    # 1.19 x 168 / 60 x 1500 s = 4998 m for 3.10: 1612 m per unit
    {"Activity Type": "Running", "Date": "2024-06-02 06:00:00", "Title": "Shakeout",
     "Distance": "3.10", "Time": "00:25:00", "Avg Run Cadence": "168",
     "Avg Stride Length": "1.19", "Moving Time": "00:25:00", "Elapsed Time": "00:25:00"},
    {"Activity Type": "Cycling", "Date": "2024-06-03 06:00:00", "Title": "Ride",
     "Distance": "20.00", "Time": "01:00:00", "Total Ascent": "1,000"},
]


def test_garmin_imperial_export_is_inferred_as_miles_with_elevation_in_feet() -> None:
    text = make_csv(GARMIN_HEADER, IMPERIAL_ROWS, quoting=csv.QUOTE_ALL)
    (run, shakeout, ride), _ = split(read_text(text))
    assert run.distance_m == pytest.approx(6.22 * MILE_M)  # 10010.12 m
    assert run.distance_source == "garmin csv Distance (mi, inferred)"
    assert run.elevation_gain_m == pytest.approx(328 * 0.3048)  # 99.97 m
    assert shakeout.distance_m == pytest.approx(3.10 * MILE_M)
    # the unit is the file's: the ride, with no stride of its own, is in miles too
    assert ride.distance_m == pytest.approx(20 * MILE_M)
    assert ride.elevation_gain_m == pytest.approx(304.8)
    for act in (run, shakeout, ride):
        assert "distance unit inferred as mi from stride length x cadence" in act.notes


def test_garmin_distance_unit_setting_wins_over_inference() -> None:
    text = make_csv(GARMIN_HEADER, IMPERIAL_ROWS)
    (run, _, _), _ = split(read_text(text, garmin_csv_units="km"))
    assert run.distance_m == pytest.approx(6220.0) and run.elevation_gain_m == 328.0
    assert run.distance_source == "garmin csv Distance (km, from settings)"
    assert not any("distance unit" in note for note in run.notes)


def test_garmin_distance_unit_setting_used_when_nothing_to_infer_from() -> None:
    text = ("Activity Type,Date,Title,Distance,Time,Total Ascent\n"
            "Running,2024-06-01 06:00:00,Run,5.00,00:45:00,100\n")
    [run] = split(read_text(text, garmin_csv_units="mi"))[0]
    assert run.distance_m == pytest.approx(5 * MILE_M)
    assert run.elevation_gain_m == pytest.approx(30.48)


def test_garmin_distance_unit_assumed_km_when_nothing_tells() -> None:
    text = ("Activity Type,Date,Title,Distance,Time\n"
            "Running,2024-06-01 06:00:00,Run,5.00,00:25:00\n")
    [run] = split(read_text(text))[0]
    assert run.distance_m == pytest.approx(5000.0)
    assert run.distance_source == "garmin csv Distance (km, assumed)"
    assert "distance unit assumed km (nothing in the file to check it against)" in run.notes


def test_garmin_distance_unit_inferred_from_steps_and_stride() -> None:
    # 4,237 steps x 1.18 m = 4999.7 m for 5.00: km
    text = ("Activity Type,Date,Title,Distance,Time,Steps,Avg Stride Length\n"
            'Running,2025-01-05 08:00:00,Run,5.00,00:27:00,"4,237",1.18\n')
    [run] = split(read_text(text))[0]
    assert run.distance_m == pytest.approx(5000.0)
    assert "distance unit inferred as km from steps x stride length" in run.notes


def test_garmin_stride_that_fits_neither_unit_falls_back_to_km_with_a_note() -> None:
    # a stride written in feet: 3.87 x 170 / 60 x 1500 s = 16447 m for 5.00 -> 3289 per unit
    text = ("Activity Type,Date,Title,Distance,Time,Avg Run Cadence,Avg Stride Length\n"
            "Running,2025-01-05 08:00:00,Run,5.00,00:25:00,170,3.87\n")
    [run] = split(read_text(text))[0]
    assert run.distance_m == pytest.approx(5000.0)
    assert "distance unit assumed km (stride length x cadence fit neither km nor mi)" in run.notes


def test_garmin_danish_export() -> None:
    # 1.19 x 168 / 60 x 2250 s = 7497 m for 7,50: km
    text = ("Aktivitetstype,Dato,Favorit,Titel,Distance,Kalorier,Tid,Gns. puls,Maks. puls,"
            "Gns. løbekadence,Gns. skridtlængde,Samlet stigning,Bevægelsestid,Forløbet tid\n"
            'Løb,2024-05-10 17:45:00,Nej,"Aarhus løb","7,50","520","00:37:30","150","170",'
            '"168","1,19","45","00:37:30","00:38:10"\n')
    [run] = split(read_text(text, timezone="Europe/Copenhagen"))[0]
    assert run.sport == "running" and run.name == "Aarhus løb"
    assert run.distance_m == pytest.approx(7500.0)
    assert "distance unit inferred as km from stride length x cadence" in run.notes
    assert (run.moving_time_s, run.elapsed_time_s, run.avg_hr) == (2250.0, 2290.0, 150.0)
    assert run.cadence_spm == 168.0 and run.elevation_gain_m == 45.0
    assert run.start_time == pd.Timestamp("2024-05-10 15:45:00", tz="UTC")  # CEST is UTC+2


def test_garmin_polish_export() -> None:
    # 1.00 x 166 / 60 x 1800 s = 4980 m for 5.00: km
    text = ("Typ aktywności,Data,Ulubiony,Tytuł,Dystans,Kalorie,Czas,Średnie tętno,"
            "Maksymalne tętno,Średnia kadencja biegu,Średnia długość kroku,Całkowity wznios,"
            "Czas ruchu,Upłynęło czasu\n"
            'Bieganie,2026-01-02 10:00:00,false,"Bieg","5.00","400","00:30:00","155","175",'
            '"166","1.00","--","00:30:00","00:31:00"\n'
            'Trening siłowy,2026-01-03 10:00:00,false,"Siła","0.00","200","00:34:46","--","--",'
            '"--","--","--","--:--:--","00:35:00"\n')
    (run, gym), _ = split(read_text(text))
    assert run.sport == "running" and run.name == "Bieg"
    assert run.distance_m == pytest.approx(5000.0) and run.cadence_spm == 166.0
    assert (run.moving_time_s, run.elapsed_time_s) == (1800.0, 1860.0)
    assert gym.sport == "strength" and gym.distance_m is None
    assert gym.timer_time_s == 2086.0 and gym.avg_hr is None


def test_garmin_german_2012_export_with_title_line_leading_spaces_and_decimal_comma() -> None:
    text = ("Aktivitäten von max.mustermann\n"
            "\n"
            "Favorit, Aktivitätsname, Aktivitätstyp, Course, Start, Zeit, Distanz, "
            "Höhengewinn, Ø Geschw(Ø Pace), Ø HF, Max. HF, Kalorien,\n"
            ' false, "Abendlauf", "Laufen", "", "Fr, 25 Mai 2012 20:31", "48:12", "10,20",'
            ' "85", "4:44", "151", "172", "1.035",\n'
            ' false, "Bahn", "Laufen", "", "So, 27 Mai 2012 09:05", "1:02:03", "12,00", "--",'
            ' "5:10", "--", "--", "800",\n'
            ' false, "Kaputt", "Laufen", "", "Mo, 32 Mai 2012 09:05", "1:02:03", "12,00", "--",'
            ' "5:10", "--", "--", "800",\n')
    (evening, track), [problem] = split(read_text(text, timezone="Europe/Berlin"))
    assert evening.local_start == datetime(2012, 5, 25, 20, 31)
    assert evening.start_time == pd.Timestamp("2012-05-25 18:31", tz="UTC")
    assert evening.distance_m == pytest.approx(10200.0)
    assert evening.timer_time_s == 2892.0  # 48:12
    assert (evening.avg_hr, evening.elevation_gain_m) == (151.0, 85.0)
    assert "distance unit assumed km (nothing in the file to check it against)" in evening.notes
    assert track.timer_time_s == 3723.0  # 1:02:03
    assert (track.surface, track.surface_source) == ("track", "activity name")
    assert problem.line == 6 and "'Mo, 32 Mai 2012 09:05' not understood" in problem.reason


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_garmin_unquoted_export(delimiter: str) -> None:
    # 1.14 x 175 / 60 x 1500 s = 4987.5 m for 5.02 (5,02 in the semicolon file): km
    decimal = "." if delimiter == "," else ","
    header = ["Activity Type", "Date", "Favorite", "Title", "Distance", "Calories", "Time",
              "Avg HR", "Avg Run Cadence", "Avg Stride Length", "Moving Time", "Elapsed Time"]
    row = ["Running", "2025-02-01 08:00:00", "FALSE", "Park run", f"5{decimal}02", "350",
           "00:25:10", "160", "175", f"1{decimal}14", "00:25:00", "00:25:30"]
    text = delimiter.join(header) + "\n" + delimiter.join(row) + "\n"
    assert '"' not in text
    [run] = split(read_text(text))[0]
    assert run.distance_m == pytest.approx(5020.0)
    assert (run.timer_time_s, run.moving_time_s, run.elapsed_time_s) == (1510.0, 1500.0, 1530.0)
    assert "distance unit inferred as km from stride length x cadence" in run.notes


def test_garmin_spreadsheet_damage_cut_time_and_false() -> None:
    text = ("Activity Type,Date,Favorite,Title,Distance,Time,Avg HR\n"
            "Running,2025-02-01 08:00:00,FALSE,Strides,0.30,1:33,63.40000153\n")
    [run] = split(read_text(text))[0]
    assert run.timer_time_s == 93.0  # 1:33 read as M:SS
    assert run.avg_hr == pytest.approx(63.40000153)


def test_garmin_bad_optional_value_is_left_empty_and_noted() -> None:
    text = ("Activity Type,Date,Title,Distance,Time,Avg HR\n"
            "Running,2025-02-01 08:00:00,Run,5.00,00:25:00,abc\n")
    [run] = split(read_text(text))[0]
    assert run.avg_hr is None
    assert "Avg HR 'abc' not understood: left empty" in run.notes
    assert run.distance_m == pytest.approx(5000.0)


def test_garmin_date_is_local_time_in_the_athletes_zone() -> None:
    text = ("Activity Type,Date,Title,Distance,Time\n"
            "Running,2024-03-01 07:30:12,Run,5.00,00:25:00\n")
    [run] = split(read_text(text, timezone="America/New_York"))[0]
    assert run.local_start == datetime(2024, 3, 1, 7, 30, 12)
    assert run.start_time == pd.Timestamp("2024-03-01 12:30:12", tz="UTC")  # EST is UTC-5


@pytest.mark.parametrize(("local", "utc", "note"), [
    ("2023-10-29 02:30:00", "2023-10-29 00:30:00", "occurs twice (clock change): took the first"),
    ("2023-03-26 02:30:00", "2023-03-26 01:30:00", "does not exist (clock change)"),
])
def test_garmin_local_time_at_a_clock_change_is_noted(local: str, utc: str, note: str) -> None:
    text = f"Activity Type,Date,Title,Distance,Time\nRunning,{local},Run,5.00,00:25:00\n"
    [run] = split(read_text(text, timezone="Europe/Berlin"))[0]
    assert run.start_time == pd.Timestamp(utc, tz="UTC")
    assert any(note in n for n in run.notes)


# --------------------------------------------------------------------------------------------
# The runlog CSV

RUNLOG_FILE = (
    "Date , Distance ,Duration,Type,Surface,Shoe,Cadence,Avg_HR,Name,Notes,Weather\n"
    '2024-03-01 07:30,10 km,52:10,Run,Asphalt,Pegasus 40,172,148,Easy ten,"felt good, windy",sun\n'
    "2024-03-02T18:00,6.2 mi,1:01:30,Trail Run,,Speedgoat 5,,,Hills,,\n"
    "2024-03-03,800 m,3600s,Walk,turf,,,,,,\n"
    "2024-03-04 06:00,5000m,45min,Run,,,,,Track session,,\n"
    '2024-03-05 06:00,"10,5 km",1h 5min,Ride,,,90,,,,\n'
)


def test_runlog_csv_every_column() -> None:
    easy, hills, walk, track, ride = split(read_text(RUNLOG_FILE, timezone="Europe/Berlin"))[0]
    assert easy.format == "runlog-csv"
    assert easy.local_start == datetime(2024, 3, 1, 7, 30)
    assert easy.start_time == pd.Timestamp("2024-03-01 06:30", tz="UTC")  # CET is UTC+1
    assert easy.distance_m == 10000.0 and easy.distance_source == "runlog csv distance"
    assert easy.moving_time_s == easy.elapsed_time_s == 3130.0  # 52:10
    assert (easy.sport, easy.surface, easy.surface_source) == ("running", "road", "runlog csv")
    assert (easy.shoe, easy.shoe_source) == ("Pegasus 40", "runlog csv")
    assert (easy.cadence_spm, easy.cadence_source) == (172.0, "runlog csv cadence (steps/min)")
    assert easy.avg_hr == 148.0 and easy.name == "Easy ten"
    assert easy.notes == []  # the notes column and the unknown Weather column are ignored

    assert hills.start_time == pd.Timestamp("2024-03-02 17:00", tz="UTC")
    assert hills.distance_m == pytest.approx(6.2 * MILE_M)  # 9977.93 m
    assert hills.moving_time_s == 3690.0  # 1:01:30
    assert (hills.sub_sport, hills.surface, hills.surface_source) == (
        "trail", "trail", "runlog csv type")

    assert walk.local_start == datetime(2024, 3, 3, 12, 0)
    assert "no start time: 12:00 local assumed" in walk.notes
    assert (walk.sport, walk.distance_m, walk.moving_time_s) == ("walking", 800.0, 3600.0)
    assert walk.surface == "grass"  # turf

    assert (track.distance_m, track.moving_time_s) == (5000.0, 2700.0)
    assert (track.surface, track.surface_source) == ("track", "activity name")

    assert ride.sport == "cycling" and ride.distance_m == pytest.approx(10500.0)
    assert ride.moving_time_s == 3900.0 and ride.cadence_spm is None
    assert "cadence left out: steps/min mean nothing for cycling" in ride.notes


def test_runlog_csv_distance_columns_with_bare_numbers() -> None:
    text = ("date,distance_km,distance_mi,distance_m\n"
            '2024-04-01,"12,5",,\n'
            "2024-04-02,,3.1,\n"
            "2024-04-03,,,400\n")
    km, mi, m = split(read_text(text))[0]
    assert (km.distance_m, km.distance_source) == (12500.0, "runlog csv distance_km")
    assert mi.distance_m == pytest.approx(3.1 * MILE_M)
    assert m.distance_m == 400.0


def test_runlog_csv_row_problems_are_reported_with_their_lines() -> None:
    text = ("date,distance,avg_hr,duration\n"
            "2024-03-01,10 km,150,50:00\n"
            "2024-03-02,10,150,\n"
            "yesterday,5 km,,\n"
            "2024-03-04,,,\n"
            "2024-03-05,5 km,fast,forever\n"
            "2024-13-01,5 km,,\n"
            "2024-03-07,5 furlongs,,\n")
    (good, noted), problems = split(read_text(text))
    assert [(p.line, p.reason) for p in problems] == [
        (3, "row left out: distance '10' needs a unit (km, mi or m)"),
        (4, "row left out: date 'yesterday' not understood"),
        (5, "row left out: no distance"),
        (7, "row left out: date '2024-13-01' not understood"),
        (8, "row left out: distance '5 furlongs' not understood"),
    ]
    assert good.distance_m == 10000.0 and good.avg_hr == 150.0
    assert noted.avg_hr is None and noted.moving_time_s is None
    assert "avg_hr 'fast' not understood: left empty" in noted.notes
    assert "duration 'forever' not understood: left empty" in noted.notes


def test_runlog_csv_with_no_usable_row_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        read_text("date,distance\n2024-03-01,10\n2024-03-02,5\n")
    assert not isinstance(info.value, NotAnActivity)
    assert info.value.line == 2
    assert "no usable row in runlog CSV (2 left out; first: distance '10' needs a unit" in str(
        info.value)


def test_runlog_csv_latin1_file() -> None:
    text = "date;distance;shoe;name\n2024-03-01;10 km;Brooks Glycerin Ü;Straße am Fluß\n"
    [run] = split(read_text(text, encoding="cp1252"))[0]
    assert run.shoe == "Brooks Glycerin Ü" and run.name == "Straße am Fluß"
    assert "decoded as cp1252 (not UTF-8)" in run.notes
    assert (run.surface, run.surface_source) == ("road", "activity name")


def test_runlog_csv_semicolons_decimal_commas_crlf_and_bom() -> None:
    text = "\ufeffdate;distance;duration\r\n2024-03-01 07:00;10,5 km;52:10\r\n"
    [run] = split(read_text(text))[0]
    assert run.distance_m == pytest.approx(10500.0) and run.moving_time_s == 3130.0
    assert run.notes == []


def test_runlog_csv_utf16_file() -> None:
    text = "\ufeffdate\tdistance\n2024-03-01\t10 km\n"
    [run] = split(read_text(text, encoding="utf-16-le"))[0]
    assert run.distance_m == 10000.0 and "decoded as UTF-16" in run.notes


def test_runlog_csv_unclosed_quote_loses_only_the_rest_of_the_file() -> None:
    text = ('date,distance,name\n2024-03-01,10 km,ok\n2024-03-02,5 km,"broken\n'
            "2024-03-03,5 km,x\n")
    [run], [problem] = split(read_text(text))
    assert run.name == "ok"
    assert problem.line == 3 and "quoted cell never closes" in problem.reason


def test_runlog_csv_unknown_surface_is_inferred_and_noted() -> None:
    text = "date,distance,surface,name\n2024-03-01,10 km,cobbles,Beach loop\n"
    [run] = split(read_text(text))[0]
    assert (run.surface, run.surface_source) == ("sand", "activity name")
    assert "surface 'cobbles' not known: inferred instead" in run.notes


def test_cell_over_the_csv_size_limit_loses_only_the_rest_of_the_file() -> None:
    text = ('date,distance,name\n2024-03-01,10 km,ok\n2024-03-02,5 km,"broken\n'
            + ("x" * 99 + "\n") * 2000)
    [run], [problem] = split(read_text(text))
    assert run.name == "ok" and problem.line == 3
    assert "field larger than field limit" in problem.reason


SHOE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).map(
    str.strip).filter(bool)
RUNLOG_ROW = st.fixed_dictionaries({
    "start": st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)),
    "date_only": st.booleans(),
    "hundredths": st.integers(min_value=0, max_value=10_000_00),
    "unit": st.sampled_from(["km", "mi", "m"]),
    "space": st.sampled_from(["", " "]),
    "comma": st.booleans(),
    "duration_s": st.one_of(st.none(), st.integers(min_value=1, max_value=30 * 3600)),
    "duration_form": st.sampled_from(["clock", "s", "min"]),
    "type": st.sampled_from(["Run", "Trail Run", "Walk", "Hike", "Treadmill", "Track Run"]),
    "surface": st.one_of(st.none(), st.sampled_from(["road", "trail", "track", "treadmill",
                                                      "grass", "sand"])),
    "shoe": st.one_of(st.none(), SHOE),
    "cadence": st.one_of(st.none(), st.integers(min_value=120, max_value=220)),
    "avg_hr": st.one_of(st.none(), st.integers(min_value=60, max_value=210)),
})


def _duration_text(seconds: int, form: str) -> str:
    if form == "s":
        return f"{seconds}s"
    if form == "min" and seconds % 60 == 0:
        return f"{seconds // 60}min"
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(RUNLOG_ROW, min_size=1, max_size=6), delimiter=st.sampled_from([",", ";"]))
def test_runlog_csv_round_trip(rows: list[dict], delimiter: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["date", "distance", "duration", "type", "surface", "shoe", "cadence",
                     "avg_hr"])
    for row in rows:
        number = f"{row['hundredths'] / 100:.2f}"
        number = number.replace(".", ",") if row["comma"] else number
        date = (f"{row['start']:%Y-%m-%d}" if row["date_only"]
                else f"{row['start']:%Y-%m-%d %H:%M}")
        duration = ("" if row["duration_s"] is None
                    else _duration_text(row["duration_s"], row["duration_form"]))
        writer.writerow([date, f"{number}{row['space']}{row['unit']}", duration, row["type"],
                         row["surface"] or "", row["shoe"] or "", row["cadence"] or "",
                         row["avg_hr"] or ""])
    acts, problems = split(read(buf.getvalue().encode(), "log.csv",
                                ReadOptions(timezone="Europe/Berlin")))
    assert problems == []
    assert len(acts) == len(rows)
    factor = {"km": 1000.0, "mi": MILE_M, "m": 1.0}
    for act, row in zip(acts, rows):
        start = row["start"].replace(hour=12, minute=0) if row["date_only"] else row["start"]
        assert act.local_start == start
        assert act.distance_m == pytest.approx(row["hundredths"] / 100 * factor[row["unit"]])
        assert act.moving_time_s == act.elapsed_time_s == row["duration_s"]
        assert act.sport in ("running", "walking", "hiking")
        if row["surface"]:
            assert (act.surface, act.surface_source) == (row["surface"], "runlog csv")
        assert act.shoe == row["shoe"]
        assert act.cadence_spm == row["cadence"]
        assert act.avg_hr == row["avg_hr"]


# --------------------------------------------------------------------------------------------
# Which kind a file is, and what is refused


def test_unknown_header_is_unsupported_naming_its_first_cells() -> None:
    with pytest.raises(UnsupportedFormat) as info:
        read_text("foo,bar,baz,qux,quux\n1,2,3,4,5\n")
    assert info.value.reason == "unrecognised CSV header: 'foo', 'bar', 'baz', 'qux', ..."


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty CSV file"),
    (b" \r\n\n", "empty CSV file"),
    (b"PK\x03\x04\x00\x00binary", "binary data, not a CSV text file"),
])
def test_unreadable_input_is_a_parse_error(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        read(data, "junk.csv", ReadOptions())
    assert info.value.reason == reason and info.value.path == "junk.csv"


VALID_FILES = [make_csv(STRAVA_HEADER, STRAVA_ROWS),
               make_csv(GARMIN_HEADER, GARMIN_METRIC_ROWS, quoting=csv.QUOTE_ALL),
               RUNLOG_FILE]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.sampled_from(range(len(VALID_FILES))), at=st.floats(0, 1),
       cut=st.integers(0, 40), insert=st.text(max_size=12))
def test_damaged_files_give_activities_or_parse_errors_only(which: int, at: float, cut: int,
                                                            insert: str) -> None:
    text = VALID_FILES[which]
    pos = int(at * len(text))
    damaged = text[:pos] + insert + text[pos + cut:]
    try:
        results = read(damaged.encode("utf-8", "surrogatepass"), "damaged.csv", ReadOptions())
    except ParseError:
        return
    split(results)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_parse_errors_only(data: bytes) -> None:
    try:
        split(read(data, "random.csv", ReadOptions()))
    except ParseError:
        pass


# --------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize(("text", "decimal_comma", "value"), [
    ("6.29", False, 6.29), ("1,035", False, 1035.0), ("1,035", True, 1.035),
    ("1.035", True, 1035.0), ("10,20", False, 10.2), ("1.234,5", False, 1234.5),
    ("1,234.5", True, 1234.5), ("6449.39990234375", False, 6449.39990234375),
    ("--", False, None), ("NaN", False, None), ("", False, None), (" 12 ", False, 12.0),
])
def test_parse_number(text: str, decimal_comma: bool, value: float | None) -> None:
    assert parse_number(text, decimal_comma=decimal_comma) == value


@pytest.mark.parametrize("text", ["abc", "1_000", "inf", "1e400", "1.2.3", "FALSE"])
def test_parse_number_refuses_junk(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(("text", "seconds"), [
    ("00:50:06", 3006.0), ("00:00:39.3", 39.3), ("1:33", 93.0), ("45:12", 2712.0),
    ("1:02:03", 3723.0), ("100:00:00", 360000.0), ("--:--:--", None),
])
def test_parse_clock(text: str, seconds: float | None) -> None:
    assert parse_clock(text) == pytest.approx(seconds) if seconds else parse_clock(text) is None


@pytest.mark.parametrize("text", ["1:60", "1:75:00", "12", "a:bc", "1::2"])
def test_parse_clock_refuses_junk(text: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("May 29, 2022, 3:53:35 PM", datetime(2022, 5, 29, 15, 53, 35)),
    ("Oct 6, 2022, 12:19:20 AM", datetime(2022, 10, 6, 0, 19, 20)),
    ("29.05.2022, 15:53:35", datetime(2022, 5, 29, 15, 53, 35)),
    ("Fr, 25 Mai 2012 20:31", datetime(2012, 5, 25, 20, 31)),
    ("29. Dez. 2021, 07:00:00", datetime(2021, 12, 29, 7, 0)),
    ("2014-09-12 16:54:28", datetime(2014, 9, 12, 16, 54, 28)),
    ("2024-03-01T07:30", datetime(2024, 3, 1, 7, 30)),
])
def test_parse_datetime(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == (expected, True)
