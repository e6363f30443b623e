"""Cadence against the 170-190 steps/min band, time-weighted; drops from the runner's own
easy-run baseline; runs without cadence.

As of Monday 2026-10-05 the window is 09-08..10-05; the cadence.drop baseline is the 90 days
before it (06-10..09-07).
"""

from __future__ import annotations

from datetime import date

import pytest

from history import days, only, report, run, unflagged
from runlog.model import Severity

AS_OF = "2026-10-05"


def steady(cadence: float | None, count: int = 3) -> list:
    return [run(d, 8, cadence=cadence) for d in days("2026-09-20", count, 4)]


@pytest.mark.parametrize("units", ["km", "mi"])
def test_cadence_just_under_170_is_low(units):
    rep = report(steady(169.4), AS_OF, units=units)
    flag = only(rep, "cadence.low")
    assert flag.severity is Severity.WARNING
    assert (flag.value, flag.threshold) == (pytest.approx(169.4), 170.0)
    assert (flag.date, flag.end) == (date(2026, 9, 8), date(2026, 10, 5))
    # steps/min are the same in either unit system
    assert flag.message.startswith("Your recent median cadence is 169 steps/min, below the "
                                   "170-190 guidance (0% of running time in the band).")


def test_cadence_just_over_170_is_not_low():
    rep = report(steady(170.4), AS_OF)
    assert unflagged(rep, "cadence.low") and unflagged(rep, "cadence.high")
    assert rep.to_dict()["cadence"]["share_in_band"] == 1.0


def test_cadence_median_is_weighted_by_moving_time():
    # 10 km at 166 (3300 s), 4 km at 175 (1320 s), 5 km at 176 (1650 s): half of 6270 s is
    # 3135 s, inside the 166 spm run. The median of the three runs would be 175.
    runs = [run("2026-09-20", 10, cadence=166), run("2026-09-24", 4, cadence=175),
            run("2026-09-28", 5, cadence=176)]
    flag = only(report(runs, AS_OF), "cadence.low")
    assert flag.value == 166.0
    assert "(47% of running time in the band)" in flag.message  # 2970 / 6270 s


def test_cadence_pools_histograms_and_plain_averages():
    hist = {160: 600.0, 172: 1200.0, 178: 600.0}
    runs = [run("2026-09-20", 8, cadence=172, cadence_histogram=dict(hist)),
            run("2026-09-24", 8, cadence=172, cadence_histogram=dict(hist)),
            # an average only (a CSV): counts with its 600 s of moving time (1 km at 600 s/km)
            run("2026-09-28", 1, cadence=165, pace_s_per_km=600)]
    figure = report(runs, AS_OF).to_dict()["cadence"]
    # 160: 1200 s, 165: 600 s, 172: 2400 s, 178: 1200 s; half of 5400 s falls in 172;
    # in the band: 3600 / 5400 s
    assert figure == {"runs": 3, "runs_with_cadence": 3, "median": 172.0,
                      "share_in_band": 0.6667, "band": [170.0, 190.0],
                      "histogram": {"160": 1200.0, "165": 600.0, "172": 2400.0,
                                    "178": 1200.0}}


@pytest.mark.parametrize("units", ["km", "mi"])
def test_cadence_high_just_over_190(units):
    flag = only(report(steady(190.6), AS_OF, units=units), "cadence.high")
    assert flag.severity is Severity.INFO
    assert (flag.value, flag.threshold) == (pytest.approx(190.6), 190.0)
    assert flag.message.startswith("Your recent median cadence is 191 steps/min, above the "
                                   "170-190 guidance")


def test_cadence_just_under_190_is_not_high():
    assert unflagged(report(steady(189.6), AS_OF), "cadence.high")


def test_cadence_band_settings_move_the_flags():
    assert unflagged(report(steady(169.4), AS_OF, cadence_low_spm=165.0), "cadence.low")
    flag = only(report(steady(187.0), AS_OF, cadence_high_spm=185.0), "cadence.high")
    assert "above the 170-185 guidance" in flag.message


def test_walking_cadence_setting_drops_walking_bins():
    # 1500 s at 150 and 900 s at 172: the median is 150, unless 150 counts as walking
    runs = [run("2026-09-20", 8, cadence=150, cadence_histogram={150: 1500.0, 172: 900.0})]
    assert only(report(runs, AS_OF), "cadence.low").value == 150.0
    rep = report(runs, AS_OF, walking_cadence_spm=155.0)
    assert unflagged(rep, "cadence.low")
    assert rep.to_dict()["cadence"]["median"] == 172.0


@pytest.mark.parametrize("units", ["km", "mi"])
def test_cadence_missing_on_most_recent_runs(units):
    runs = steady(175, count=2) + [run(d, 8, cadence=None) for d in days("2026-09-10", 3, 2)]
    flag = only(report(runs, AS_OF, units=units), "cadence.missing")
    assert flag.severity is Severity.INFO
    assert (flag.value, flag.threshold) == (pytest.approx(0.4), 0.5)
    assert flag.message.startswith("3 of your 5 recent runs have no cadence")


def test_cadence_on_three_of_five_runs_is_enough():
    runs = steady(175, count=3) + [run(d, 8, cadence=None) for d in days("2026-09-10", 2, 2)]
    assert unflagged(report(runs, AS_OF), "cadence.missing")


def test_no_cadence_at_all():
    rep = report(steady(None), AS_OF)
    assert only(rep, "cadence.missing").value == 0.0
    assert not [f for f in rep.flags if f.code in ("cadence.low", "cadence.high")]
    figure = rep.to_dict()["cadence"]
    assert (figure["runs_with_cadence"], figure["median"], figure["histogram"]) == (0, None, {})


# --- cadence.drop: easy runs against the runner's own baseline -------------------------------

def drop_history(easy_now: float, fast_now: float = 182.0) -> list:
    # baseline (before 09-08): 3 easy runs at 180. In the window: 3 easy runs and 4 fast ones.
    # Median speed of the 10 runs is the easy pace, so "easy" means the 6 runs at 360 s/km.
    before = [run(d, 8, cadence=180, pace_s_per_km=360) for d in days("2026-08-01", 3, 7)]
    easy = [run(d, 8, cadence=easy_now, pace_s_per_km=360) for d in days("2026-09-10", 3, 7)]
    fast = [run(d, 8, cadence=fast_now, pace_s_per_km=270, hour=18)
            for d in days("2026-09-12", 4, 5)]
    return before + easy + fast


@pytest.mark.parametrize("units, pace", [("km", "6:00/km"), ("mi", "9:39/mi")])
def test_cadence_drop_just_over_5_percent(units, pace):
    # 1 - 170.2 / 180 = 5.44%, the baseline runs at the easy runs' pace (360 s/km)
    flag = only(report(drop_history(170.2), AS_OF, units=units), "cadence.drop")
    assert flag.severity is Severity.INFO
    assert (flag.value, flag.threshold) == (pytest.approx(1 - 170.2 / 180), 0.05)
    assert flag.message.startswith("Your easy runs lately average 170 steps/min, 5.4% below "
                                   "your own baseline of 180 in the 90 days before, both at "
                                   f"{pace} (within 5%).")


def test_cadence_drop_of_exactly_5_percent_is_not_more_than_5():
    assert unflagged(report(drop_history(171), AS_OF), "cadence.drop")  # 1 - 171 / 180


def test_cadence_drop_compares_at_the_same_pace():
    # the same 3 baseline runs at 360 s/km, but the easy runs now at 400 s/km (11% slower):
    # no baseline run at that pace, so a 6% lower cadence is not a drop, and a note says why
    runs = drop_history(180)[:3] + [run(d, 8, cadence=169, pace_s_per_km=400)
                                    for d in days("2026-09-10", 3, 7)]
    rep = report(runs, AS_OF)
    assert unflagged(rep, "cadence.drop")
    assert ("Easy-run cadence not compared with your baseline: only 0 of your runs in the 90 "
            "days before the last 28 were at your recent easy pace of 6:40/km (within 5%)"
            in " ".join(rep.data_notes))


def test_cadence_drop_just_under_5_percent():
    assert unflagged(report(drop_history(171.5), AS_OF), "cadence.drop")  # 4.7%


def test_cadence_drop_leaves_fast_runs_out():
    # with the 4 fast runs at 160 the window's median would be 160 (an 11% drop); the easy
    # runs alone are at 171.5 (4.7%)
    assert unflagged(report(drop_history(171.5, fast_now=160), AS_OF), "cadence.drop")


def test_cadence_drop_needs_a_baseline():
    runs = drop_history(160)[1:]  # two baseline runs only
    assert unflagged(report(runs, AS_OF), "cadence.drop")


def test_cadence_drop_setting_moves_the_flag():
    assert unflagged(report(drop_history(170.2), AS_OF, cadence_drop=0.06), "cadence.drop")
    assert only(report(drop_history(171.5), AS_OF, cadence_drop=0.04), "cadence.drop")
