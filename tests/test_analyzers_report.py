"""The report as a whole: the to_dict() contract, current flags against history, the summary,
and degenerate histories that must give notes, never a crash."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date

import pytest

from history import activity, days, only, report, run, settings, table, unflagged
from runlog.analyzers import DISCLAIMER, analyze
from runlog.load import load
from runlog.model import Severity

AS_OF = "2026-10-05"  # a Monday: the window is 09-08..10-05
#: 10 min/mi in s/km, so a run of n mi takes n x 600 s
TEN_MIN_MILE = 600 / 1.609344

TOP_KEYS = {"schema", "athlete", "as_of", "units", "window", "summary", "flags", "history",
            "shoes", "weeks", "surfaces", "cadence", "skipped"}
FLAG_KEYS = {"code", "severity", "title", "message", "date", "end", "activity_id", "value",
             "threshold", "evidence", "source"}
SHOE_KEYS = {"name", "distance", "runs", "first_run", "last_run", "status",
             "projected_replace_date"}


def summary_history() -> list:
    return [
        run("2026-08-01", mi=4, pace_s_per_km=TEN_MIN_MILE),  # before the window
        run("2026-09-10", mi=5, pace_s_per_km=TEN_MIN_MILE, shoe="Daily"),
        run("2026-09-20", mi=6, pace_s_per_km=TEN_MIN_MILE, shoe="Daily"),
        run("2026-10-01", mi=10, pace_s_per_km=TEN_MIN_MILE, surface="trail"),
        activity("2026-09-25", sport="cycling", km=30, minutes=60),
    ]


def test_report_dict_has_the_contract_keys_and_is_json():
    rep = report(summary_history(), AS_OF, units="mi")
    out = rep.to_dict()
    assert TOP_KEYS <= set(out)
    assert out["schema"] == "runlog.report/1"
    assert (out["as_of"], out["units"]) == ("2026-10-05", "mi")
    assert out["window"] == {"start": "2026-09-08", "end": "2026-10-05"}
    assert {"runs", "distance", "moving_time_s"} <= set(out["summary"])
    assert out["flags"] and all(set(f) == FLAG_KEYS for f in out["flags"] + out["history"])
    assert [s["name"] for s in out["shoes"]] == ["Daily"]
    assert SHOE_KEYS <= set(out["shoes"][0])
    assert out["shoes"][0]["status"] in ("ok", "approaching", "replace", "retired")
    assert all({"week_start", "distance", "runs"} <= set(w) for w in out["weeks"])
    assert out["weeks"][0]["week_start"] == "2026-07-27"  # the Monday of the first run
    assert out["disclaimer"] == DISCLAIMER
    assert json.loads(json.dumps(out)) == out


@pytest.mark.parametrize("units, distance, longest", [
    ("mi", 21.0, 10.0),
    ("km", 33.8, 16.09),  # 21 mi = 33.796 km; 10 mi = 16.093 km
])
def test_summary_counts_the_window_in_the_users_units(units, distance, longest):
    out = report(summary_history(), AS_OF, units=units).to_dict()
    # 5 + 6 + 10 mi in the window at 10 min/mi = 12600 s; the August run is history only
    assert out["summary"] == {"runs": 3, "distance": distance, "moving_time_s": 12600.0,
                              "longest_run": longest, "activities": 4, "other_sessions": 1,
                              "runs_in_history": 4, "first_day": "2026-08-01"}
    weeks = {w["week_start"]: w for w in out["weeks"]}
    assert weeks["2026-09-28"]["runs"] == 1
    assert weeks["2026-09-28"]["distance"] == longest


def test_current_flags_worst_first_and_older_ones_in_history():
    # the history starts on 06-10, so 07-15 has its 30 days before it inside the history
    runs = [run("2026-06-10", 10), run("2026-07-01", 10),
            run("2026-07-15", 25),  # spike on 07-15: history
            run("2026-09-01", 10), run("2026-09-03", 10),  # week of 08-31: 20 km
            run("2026-09-08", 10), run("2026-09-10", 10), run("2026-09-12", 7),  # 27 km
            run("2026-09-20", 12), run("2026-10-01", 25)]  # 25 / 12: +108%, an alert
    rep = report(runs, AS_OF)
    assert rep.worst is not None and rep.worst.code == "load.spike"
    assert rep.worst.severity is Severity.ALERT and rep.worst.date == date(2026, 10, 1)
    severities = [int(f.severity) for f in rep.flags]
    assert severities == sorted(severities, reverse=True)
    assert all(f.last_day >= date(2026, 9, 8) for f in rep.flags)
    # the week of 09-07 began before the window but ends inside it: current
    assert only(rep, "load.weekly_ramp").date == date(2026, 9, 7)
    # 09-20: 12 km is 20% over the 10 km before it; 07-15: 25 km is 150% over 10 km
    assert [(f.date, f.severity) for f in rep.flags if f.code == "load.spike"] == [
        (date(2026, 10, 1), Severity.ALERT), (date(2026, 9, 20), Severity.WARNING)]
    assert [f.date for f in rep.history if f.code == "load.spike"] == [date(2026, 7, 15)]
    dates = [f.date for f in rep.history]
    assert dates == sorted(dates, reverse=True)


def test_as_of_leaves_later_activities_out_with_a_note():
    runs = [run("2026-09-20", 8), run("2026-10-01", 8), run("2026-10-10", 30)]
    rep = report(runs, "2026-10-05")
    assert rep.summary["runs"] == 2
    assert "1 activities after 2026-10-05 are left out." in rep.data_notes
    assert unflagged(rep, "load.spike")


def test_as_of_may_be_a_date_or_a_string():
    frame = table([run("2026-09-20", 8)])
    by_text = analyze(frame, settings(), as_of="2026-10-05")
    by_date = analyze(frame, settings(), as_of=date(2026, 10, 5))
    assert by_text.to_dict() == by_date.to_dict()


def test_athlete_comes_from_settings_or_the_one_athlete_in_the_data():
    frame = table([run("2026-09-20", 8, athlete="ana")])
    assert analyze(frame, settings(), as_of=AS_OF).athlete == "ana"
    named = replace(settings(), athlete="Ana B.")
    assert analyze(frame, named, as_of=AS_OF).to_dict()["athlete"] == "Ana B."


def undated() -> list:
    act = run("2026-09-20", 8)
    act.start_time = None
    act.local_start = None
    return [act, run("2026-09-25", 8)]


def no_distance_runs() -> list:
    return [run(d, None) for d in days("2026-09-20", 4, 3)]


# name -> (activities, codes that must be current, data notes that must be present)
DEGENERATE = {
    "no activities": ([], set(), ["No runs in this history."]),
    "a single run": ([run("2026-10-01", 8)], set(), []),
    "only other sports": ([activity("2026-09-20", sport="cycling", km=40, minutes=90),
                           activity("2026-09-28", sport="swimming", minutes=45)],
                          set(), ["No runs in this history."]),
    "runs with no distance": (no_distance_runs(), set(), ["4 runs have no distance."]),
    "runs with no distance and no cadence": (
        [run(d, None, cadence=None) for d in days("2026-09-20", 4, 3)], {"cadence.missing"},
        ["4 runs have no distance."]),
    "no cadence at all": ([run(d, 8, cadence=None) for d in days("2026-09-20", 4, 3)],
                          {"cadence.missing"}, []),
    "no surface at all": ([run(d, 8, surface="unknown") for d in days("2026-09-20", 4, 3)],
                          {"surface.unknown"}, []),
    "zero-length runs": ([run(d, 0.0) for d in days("2026-09-20", 4, 3)], set(), []),
    "runs as readers leave them (no id, no local start)": (
        [run(d, 8, activity_id=None, with_local=False) for d in days("2026-08-20", 10, 3)]
        + [run("2026-09-20", 10, activity_id=None, with_local=False)], {"load.spike"}, []),
    "a year-long gap": ([run("2025-09-01", 8), run("2026-10-01", 8)], set(), []),
    "nothing in the window": ([run(d, 8) for d in days("2026-06-01", 5, 3)], set(), []),
    "everything after as_of": ([run("2026-11-01", 8)], set(),
                               ["1 activities after 2026-10-05 are left out.",
                                "No runs in this history."]),
    "an undated activity": (undated(), set(),
                            ["1 activities have no real date and are left out."]),
}


@pytest.mark.parametrize("name", list(DEGENERATE))
def test_degenerate_history_gives_notes_not_a_crash(name):
    acts, must_flag, notes = DEGENERATE[name]
    rep = report(acts, AS_OF, units="mi")
    out = rep.to_dict()
    text = json.dumps(out, allow_nan=False)  # no NaN or inf from a division by zero
    assert TOP_KEYS <= set(json.loads(text))
    assert must_flag <= {f.code for f in rep.flags}
    for note in notes:
        assert note in rep.data_notes
    for value in out["summary"].values():
        assert not (isinstance(value, float) and math.isnan(value))


def test_no_runs_gives_empty_figures():
    out = report([], AS_OF).to_dict()
    # nothing to judge, and the report says so: the history is stale (issue 15, item 1)
    assert [f["code"] for f in out["flags"]] == ["data.stale"]
    assert (out["history"], out["shoes"], out["weeks"]) == ([], [], [])
    assert out["summary"]["runs"] == 0 and out["summary"]["first_day"] is None
    assert out["cadence"]["median"] is None
    assert out["surfaces"]["hard_share"] is None and out["surfaces"]["unknown_share"] is None


def test_runs_with_no_distance_still_count_as_runs():
    rep = report(no_distance_runs(), AS_OF)
    assert rep.summary["runs"] == 4 and rep.summary["distance"] == 0.0
    assert rep.to_dict()["weeks"] == []


def test_real_tcx_runs_of_one_runner_give_a_consistent_report(corpus):
    # two runs six days apart from one runner's watch (runpandas fixtures, UTC-3 in the file
    # names), read by runlog itself: TCX cannot say the surface, and carries RunCadence
    names = ["corriporai__runpandas__2020-12-02T06_08_29-300_Running.tcx",
             "corriporai__runpandas__2020-12-08T06_36_12-300_Running.tcx"]
    loaded = load([corpus / "tcx" / n for n in names],
                  settings=settings(units="km", timezone="America/Sao_Paulo"))
    assert not loaded.skipped
    rep = analyze(loaded, as_of="2020-12-08")
    out = rep.to_dict()
    json.dumps(out, allow_nan=False)
    first_m, second_m = loaded.activities["distance_m"].tolist()
    assert out["summary"]["runs"] == 2
    assert out["summary"]["distance"] == pytest.approx((first_m + second_m) / 1000, abs=0.01)
    # Wednesday 12-02 and Tuesday 12-08 fall in consecutive weeks
    assert [(w["week_start"], w["runs"]) for w in out["weeks"]] == [("2020-11-30", 1),
                                                                    ("2020-12-07", 1)]
    assert only(rep, "surface.unknown").value == 1.0
    assert out["cadence"]["runs_with_cadence"] == 2
    assert 170 <= out["cadence"]["median"] <= 190
    assert not [f for f in rep.flags if f.code.startswith("cadence.")]
    assert bool(unflagged(rep, "load.spike")) == (second_m <= 1.1 * first_m)
