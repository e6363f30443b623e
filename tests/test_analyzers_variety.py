"""Run variety over the report window: the same distance, no long run, the same pace, no
cross-training. As of Monday 2026-10-05 the window is 09-08..10-05."""

from __future__ import annotations

from datetime import date

import pytest

from history import activity, days, only, report, run, unflagged
from runlog.model import Severity

AS_OF = "2026-10-05"


def spread(low: float, high: float, key: str = "km", count: int = 8) -> list:
    # half the runs at `low`, half at `high`: mean (low + high) / 2, SD (high - low) / 2
    when = days("2026-09-10", count, 3)
    return [run(d, **{key: low if i % 2 else high}) for i, d in enumerate(when)]


@pytest.mark.parametrize("units", ["km", "mi"])
def test_same_distance_just_under_cv_0_10(units):
    # 4 x 9.2 and 4 x 10.8: mean 10, SD 0.8, CV 0.08
    rep = report(spread(9.2, 10.8, key=units), AS_OF, units=units)
    flag = only(rep, "variety.same_distance")
    assert flag.severity is Severity.INFO  # a guideline: a note, never louder than a spike
    assert (flag.value, flag.threshold) == (pytest.approx(0.08), 0.10)
    assert (flag.date, flag.end) == (date(2026, 9, 8), date(2026, 10, 5))
    assert flag.message.startswith(f"Your 8 recent runs barely differ in distance (median "
                                   f"10.0 {units}, variation 8.0%).")
    assert rep.to_dict()["variety"]["distance_cv"] == pytest.approx(0.08)


def test_same_distance_just_over_cv_0_10():
    assert unflagged(report(spread(8.9, 11.1), AS_OF), "variety.same_distance")  # CV 0.11


def test_same_distance_needs_eight_runs():
    assert unflagged(report(spread(9.2, 10.8, count=7), AS_OF), "variety.same_distance")


def test_same_distance_settings_move_the_flag():
    assert unflagged(report(spread(9.2, 10.8), AS_OF, same_distance_runs=9),
                     "variety.same_distance")
    assert only(report(spread(8.9, 11.1), AS_OF, same_distance_cv=0.12),
                "variety.same_distance").value == pytest.approx(0.11)


def long_run_history(longest: float, key: str = "km") -> list:
    # runs every 4 days from 09-10 (8 km) and one longer run on 10-01
    return [run(d, **{key: 8}) for d in days("2026-09-10", 4, 4)] + [
        run("2026-10-01", **{key: longest})]


def weeks_of(longest: float, key: str = "km", others: float = 6.0) -> list:
    # the three complete weeks of the window (09-14..10-04), each with four runs of `others`
    # (Monday to Thursday) and one of `longest` (Saturday)
    runs = []
    for monday in days("2026-09-14", 3, 7):
        runs += [run(d, **{key: others}) for d in days(monday.isoformat(), 4)]
        runs.append(run(days(monday.isoformat(), 2, 5)[1], **{key: longest}))
    return runs


@pytest.mark.parametrize("units", ["km", "mi"])
def test_no_long_run_just_under_a_quarter_of_every_week(units):
    # 7.9 of 4 x 6 + 7.9 = 31.9: 24.8% of each week
    rep = report(weeks_of(7.9, units), AS_OF, units=units)
    flag = only(rep, "variety.no_long_run")
    assert flag.severity is Severity.INFO
    assert (flag.value, flag.threshold) == (pytest.approx(7.9 / 31.9), 0.25)
    assert (flag.date, flag.end) == (date(2026, 9, 14), date(2026, 10, 4))
    assert flag.message.startswith(
        f"In none of your last 3 complete weeks of running was one run 25% of the week (at "
        f"most 24.8%: 7.9 {units} of 31.9 {units} in the week of 2026-09-14); coaches suggest a "
        "long run of about 25-30% of the week.")
    assert rep.to_dict()["variety"]["long_run_share"] == pytest.approx(0.2476, abs=1e-4)


@pytest.mark.parametrize("longest", [8.0, 8.1])  # 25.0% and 25.2% of the week
def test_a_run_of_a_quarter_of_the_week_is_a_long_run(longest):
    assert unflagged(report(weeks_of(longest), AS_OF), "variety.no_long_run")


def test_one_week_with_a_long_run_is_enough():
    runs = weeks_of(7.9)
    runs[-1] = run("2026-10-03", 12)  # 12 of 36 km in the last week
    assert unflagged(report(runs, AS_OF), "variety.no_long_run")


def test_a_long_run_of_a_third_of_the_week_is_not_missing():
    # was flagged when the rule tested longest / median (11.3 / 8 = 1.41 < 1.5): three runs
    # of 8 km and one of 11.3 each week, 11.3 of 35.3 = 32% of the week
    runs = []
    for monday in days("2026-09-14", 3, 7):
        runs += [run(d, 8) for d in days(monday.isoformat(), 3, 2)]
        runs.append(run(days(monday.isoformat(), 2, 6)[1], 11.3))
    assert unflagged(report(runs, AS_OF), "variety.no_long_run")


def test_no_long_run_needs_five_runs():
    runs = long_run_history(8)[1:]  # four runs of 8 km
    assert unflagged(report(runs, AS_OF), "variety.no_long_run")


def test_no_long_run_needs_two_complete_weeks_of_history():
    # the history starts on Monday 09-28: one complete week (09-28..10-04) only
    runs = [run(d, 6) for d in days("2026-09-28", 7)]
    assert unflagged(report(runs, AS_OF), "variety.no_long_run")


def test_long_run_setting_moves_the_flag():
    assert unflagged(report(weeks_of(7.9), AS_OF, long_run_share=0.24), "variety.no_long_run")
    assert only(report(weeks_of(8.1), AS_OF, long_run_share=0.26), "variety.no_long_run")


def pace_history(paces: list[float]) -> list:
    # distances differ so only the pace is the same
    when = days("2026-09-10", len(paces), 4)
    return [run(d, 6 + 2 * i, pace_s_per_km=p) for i, (d, p) in enumerate(zip(when, paces))]


@pytest.mark.parametrize("units", ["km", "mi"])
def test_same_pace_just_under_cv_0_05(units):
    # 300..340 s/km: mean 320, SD sqrt((400 + 100 + 0 + 100 + 400) / 5) = 14.14, CV 0.0442
    rep = report(pace_history([300, 310, 320, 330, 340]), AS_OF, units=units)
    flag = only(rep, "variety.same_pace")
    assert flag.severity is Severity.INFO
    assert (flag.value, flag.threshold) == (pytest.approx(0.0442, abs=1e-4), 0.05)
    assert flag.message.startswith("The pace of your recent runs varies by only 4.4%: no easy "
                                   "days.")


def test_same_pace_just_over_cv_0_05():
    # 290..350 s/km: SD sqrt((900 + 225 + 0 + 225 + 900) / 5) = 21.2, CV 0.0663
    rep = report(pace_history([290, 305, 320, 335, 350]), AS_OF)
    assert unflagged(rep, "variety.same_pace")
    assert rep.to_dict()["variety"]["pace_cv"] == pytest.approx(0.0663, abs=1e-4)


def test_same_pace_setting_moves_the_flag():
    assert unflagged(report(pace_history([300, 310, 320, 330, 340]), AS_OF, same_pace_cv=0.04),
                     "variety.same_pace")


def test_runs_without_moving_time_do_not_make_a_pace():
    runs = pace_history([300, 310, 320, 330, 340])
    for act in runs:
        act.moving_time_s = None
    rep = report(runs, AS_OF)
    assert unflagged(rep, "variety.same_pace")
    assert rep.to_dict()["variety"]["pace_cv"] is None


@pytest.mark.parametrize("units", ["km", "mi"])
def test_no_cross_training_in_a_history_that_has_some(units):
    runs = long_run_history(16) + [activity("2026-08-20", sport="cycling", km=30, minutes=60)]
    rep = report(runs, AS_OF, units=units)
    flag = only(rep, "variety.no_cross_training")
    assert flag.severity is Severity.INFO
    assert flag.evidence == "moderate"
    assert flag.message.startswith("No sport other than running in the last 28 days, though "
                                   "your history has 1 such session.")
    assert rep.to_dict()["variety"]["cross_training_sessions"] == 0


def test_recent_cross_training_is_not_flagged():
    runs = long_run_history(16) + [activity("2026-09-20", sport="swimming", minutes=40)]
    rep = report(runs, AS_OF)
    assert unflagged(rep, "variety.no_cross_training")
    assert rep.to_dict()["variety"]["cross_training_sessions"] == 1


def test_walking_is_not_cross_training():
    # only walks besides running: the history records no other sport, so nothing to miss
    runs = long_run_history(16) + [activity("2026-08-20", sport="walking", km=5)]
    assert unflagged(report(runs, AS_OF), "variety.no_cross_training")


def test_window_setting_moves_the_cross_training_flag():
    runs = long_run_history(16) + [activity("2026-08-20", sport="cycling", km=30, minutes=60)]
    # a 60-day window (from 08-07) takes in the ride of 08-20
    assert unflagged(report(runs, AS_OF, window_days=60), "variety.no_cross_training")
