"""Joining Strava rows to their files, and merging the same run exported twice."""

from __future__ import annotations

import pandas as pd

from runlog.importers.merge import join_strava_rows, merge_duplicates
from runlog.model import Activity


def act(source: str, fmt: str, start: str, distance: float | None, **kw) -> Activity:
    return Activity(source=source, format=fmt, start_time=pd.Timestamp(start, tz="UTC"),
                    distance_m=distance, sport=kw.pop("sport", "running"), **kw)


def test_fit_and_strava_copy_of_one_run_become_one_richest_kept() -> None:
    fit = act("watch/run.fit", "fit", "2024-05-01 07:00:00", 10_020.0, cadence_spm=172.0,
              avg_hr=150.0)
    gpx = act("strava/run.gpx", "gpx", "2024-05-01 07:00:40", 10_150.0, name="Morning Run",
              shoe="Pegasus", shoe_source="strava activity gear")
    other = act("watch/next.fit", "fit", "2024-05-01 07:03:00", 10_000.0)
    merged = merge_duplicates([gpx, fit, other])
    assert len(merged) == 2
    kept = next(m for m in merged if m.source == "watch/run.fit")
    assert kept.shoe == "Pegasus"
    assert kept.name == "Morning Run"
    assert kept.cadence_spm == 172.0
    assert "merged with strava/run.gpx" in kept.notes


def test_runs_far_apart_in_distance_are_not_merged() -> None:
    a = act("a.fit", "fit", "2024-05-01 07:00:00", 5_000.0)
    b = act("b.fit", "fit", "2024-05-01 07:00:10", 10_000.0)
    assert len(merge_duplicates([a, b])) == 2


def test_a_ride_and_a_run_at_the_same_time_are_not_merged() -> None:
    a = act("a.fit", "fit", "2024-05-01 07:00:00", 5_000.0)
    b = act("b.fit", "fit", "2024-05-01 07:00:00", 5_000.0, sport="cycling")
    assert len(merge_duplicates([a, b])) == 2


def test_strava_row_gives_its_file_name_type_and_gear() -> None:
    row = act("exp/activities.csv", "strava-csv", "2024-05-01 07:00:00", 10_000.0,
              name="Trail fun", sub_sport="trail", shoe="Speedcross",
              shoe_source="strava activity gear", native_id="111",
              linked_file="activities/222.fit.gz")
    manual = act("exp/activities.csv", "strava-csv", "2024-05-02 07:00:00", 5_000.0,
                 name="Treadmill", native_id="112")
    fit = act("exp/activities/222.fit.gz", "fit", "2024-05-01 07:00:01", 10_100.0)
    out = join_strava_rows([row, manual], {"exp/activities/222.fit.gz": [fit]},
                           lambda r: "exp/" + r.linked_file if r.linked_file else None)
    assert len(out) == 2
    assert manual in out and fit in out
    assert fit.name == "Trail fun"
    assert fit.shoe == "Speedcross"
    assert fit.sub_sport == "trail"
    assert fit.surface == "trail" and fit.surface_source == "strava activity type"
    assert fit.native_id == "111"
    assert fit.distance_m == 10_100.0  # the file's total wins


def test_strava_row_whose_file_is_missing_stands_alone_with_a_note() -> None:
    row = act("exp/activities.csv", "strava-csv", "2024-05-01 07:00:00", 10_000.0,
              linked_file="activities/9.fit.gz")
    out = join_strava_rows([row], {}, lambda r: "exp/" + r.linked_file)
    assert out == [row]
    assert any("not read" in n for n in row.notes)
