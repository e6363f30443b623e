"""Training load: single-run spikes, weekly ramps on the athlete's clock, returns after a
break, the acute:chronic ratio and Foster's strain, on hand-computed histories."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from history import activity, days, only, report, run, unflagged
from runlog.analyzers import load
from runlog.model import Severity

LA = "America/Los_Angeles"


def known_from(day: str) -> list:
    """A ride on ``day``: the history starts there. Days before a history's first activity
    are unknown, and a rule judges only what its whole reference span covers."""
    return [activity(day, sport="cycling", km=30, minutes=60)]


#: Most histories below are known from June, so every reference span is inside them.
KNOWN = known_from("2026-06-01")


# --- load.spike: against the longest run of the 30 days before (Frandsen et al. 2025) -------

def spike_history(new: float, key: str = "km") -> list:
    # longest of the 30 days before 2026-10-01 is the 10 (km or mi) run of 09-10
    return KNOWN + [run("2026-09-10", **{key: 10}), run("2026-09-20", **{key: 8}),
                    run("2026-10-01", **{key: new})]


@pytest.mark.parametrize("units, key, new, text", [
    # 11.2 / 10 = 1.12: 12% over, more than 10%
    ("km", "km", 11.2, ("11.2 km on 2026-10-01 was 12% longer than your longest run in the "
                        "30 days before it (10.0 km).")),
    ("mi", "mi", 11.2, ("11.2 mi on 2026-10-01 was 12% longer than your longest run in the "
                        "30 days before it (10.0 mi).")),
])
def test_spike_just_over_10_percent_is_a_warning(units, key, new, text):
    rep = report(spike_history(new, key), "2026-10-05", units=units)
    flag = only(rep, "load.spike")
    assert flag.severity is Severity.WARNING
    # value and threshold as the config writes spike_ratio: 1.12 times the longest, over 1.10
    assert flag.value == pytest.approx(1.12)
    assert flag.threshold == pytest.approx(1.10)
    assert flag.date == date(2026, 10, 1)
    assert flag.activity_id == "running-2026-10-01T07:00:00"
    assert flag.message.startswith(text)


@pytest.mark.parametrize("new", [10.9, 11.0])  # +9% and exactly +10%: not more than 10%
def test_spike_just_under_10_percent_is_not_flagged(new):
    assert unflagged(report(spike_history(new), "2026-10-05"), "load.spike")


def test_spike_over_100_percent_is_an_alert():
    rep = report(spike_history(20.5), "2026-10-05")  # 20.5 / 10 = 2.05: +105%
    flag = only(rep, "load.spike")
    assert flag.severity is Severity.ALERT
    assert (flag.value, flag.threshold) == (pytest.approx(2.05), pytest.approx(2.0))
    assert "was 105% longer" in flag.message


def test_spike_just_under_100_percent_stays_a_warning():
    flag = only(report(spike_history(19.5), "2026-10-05"), "load.spike")  # +95%
    assert flag.severity is Severity.WARNING


def test_spike_looks_back_30_days_only():
    # a 20 km run 31 days before 10-01 no longer counts: 12 km is 20% over the 10 km of 09-10
    early = KNOWN + [run("2026-08-31", 20), run("2026-09-10", 10), run("2026-10-01", 12)]
    assert only(report(early, "2026-10-05"), "load.spike").value == pytest.approx(1.2)
    # 29 days before, it still does: 12 km is shorter than 20 km
    inside = KNOWN + [run("2026-09-02", 20), run("2026-09-10", 10), run("2026-10-01", 12)]
    assert unflagged(report(inside, "2026-10-05"), "load.spike")


def test_first_run_after_a_month_off_has_nothing_to_compare():
    # no run in the 30 days before: no reference, no spike (return_after_break covers this)
    assert unflagged(report([run("2026-08-01", 5), run("2026-10-01", 15)], "2026-10-05"),
                     "load.spike")


def test_spike_settings_move_the_flag():
    assert unflagged(report(spike_history(11.2), "2026-10-05", spike_ratio=1.25), "load.spike")
    flag = only(report(spike_history(10.9), "2026-10-05", spike_ratio=1.05), "load.spike")
    assert (flag.value, flag.threshold) == (pytest.approx(1.09), pytest.approx(1.05))
    alert = only(report(spike_history(16), "2026-10-05", spike_alert_ratio=1.5), "load.spike")
    assert alert.severity is Severity.ALERT  # +60% over a +50% alert setting


# --- load.weekly_ramp: week over week, Monday to Sunday on the athlete's clock -------------

def ramp_history(third: float, key: str = "km", first: float = 10) -> list:
    # week of 09-21: first + 10; week of 09-28: 10 + 10 + third
    return KNOWN + [run("2026-09-22", **{key: first}), run("2026-09-24", **{key: 10}),
                    run("2026-09-29", **{key: 10}), run("2026-10-01", **{key: 10}),
                    run("2026-10-03", **{key: third})]


@pytest.mark.parametrize("units, key, shown", [
    # 20 -> 26.2: +31%
    ("km", "km", "The week of 2026-09-28 had 26.2 km, 31% more than the week before (20.0 km)."),
    ("mi", "mi", "The week of 2026-09-28 had 26.2 mi, 31% more than the week before (20.0 mi)."),
])
def test_weekly_ramp_just_over_30_percent(units, key, shown):
    rep = report(ramp_history(6.2, key), "2026-10-04", units=units)
    flag = only(rep, "load.weekly_ramp")
    assert flag.severity is Severity.WARNING
    assert (flag.value, flag.threshold) == (pytest.approx(0.31), pytest.approx(0.30))
    assert (flag.date, flag.end) == (date(2026, 9, 28), date(2026, 10, 4))
    assert flag.message.startswith(shown)
    weeks = rep.to_dict()["weeks"]
    assert [(w["week_start"], w["distance"], w["runs"]) for w in weeks] == [
        ("2026-09-21", 20.0, 2), ("2026-09-28", 26.2, 3)]
    assert weeks[1]["change"] == pytest.approx(0.31)


def test_weekly_ramp_just_under_30_percent():
    assert unflagged(report(ramp_history(5.8), "2026-10-04"), "load.weekly_ramp")  # 25.8: +29%


@pytest.mark.parametrize("key", ["km", "mi"])
def test_weekly_ramp_of_exactly_30_percent_is_not_flagged(key):
    # 20 -> 26 is +30%, not more than 30% (26 / 20 - 1 is 0.30000000000000004 in floats)
    rep = report(ramp_history(6.0, key), "2026-10-04", units=key)
    assert unflagged(rep, "load.weekly_ramp")
    assert rep.to_dict()["weeks"][1]["change"] == 0.3


def test_weekly_ramp_ignores_a_tiny_week_before():
    # 9.5 + 0 km is under the 10 km floor: 9.5 -> 20 km (+111%) says nothing
    tiny = KNOWN + [run("2026-09-22", 9.5), run("2026-09-29", 10), run("2026-10-01", 10)]
    assert unflagged(report(tiny, "2026-10-04"), "load.weekly_ramp")
    # ... unless the floor is lowered
    flag = only(report(tiny, "2026-10-04", weekly_ramp_min_km=5.0), "load.weekly_ramp")
    assert flag.value == pytest.approx(20 / 9.5 - 1)


def test_weekly_ramp_in_a_week_still_running_says_so_far():
    rep = report(ramp_history(6.2), "2026-10-03")  # Saturday: the week is not over
    flag = only(rep, "load.weekly_ramp")
    assert "26.2 km so far, 31% more" in flag.message
    assert flag.end == date(2026, 10, 3)


def test_weekly_ramp_setting_moves_the_flag():
    assert unflagged(report(ramp_history(6.2), "2026-10-04", weekly_ramp=0.35), "load.weekly_ramp")
    flag = only(report(ramp_history(5.8), "2026-10-04", weekly_ramp=0.25), "load.weekly_ramp")
    assert flag.threshold == pytest.approx(0.25)


def sunday_night_history(with_local: bool) -> list:
    # Los Angeles: week of 09-21 has 20 km; week of 09-28 has 10 + 10 + a 7 km run at 23:30
    # on Sunday 10-04, which is 06:30 on Monday 10-05 in UTC (PDT is UTC-7)
    runs = [run(d, 10, tz=LA, with_local=with_local)
            for d in ("2026-09-22", "2026-09-24", "2026-09-29", "2026-10-01")]
    return KNOWN + runs + [run("2026-10-04", 7, tz=LA, hour=23, minute=30,
                               with_local=with_local)]


@pytest.mark.parametrize("with_local, timezone", [
    (True, "UTC"),  # local_start decides, whatever the settings say
    (False, LA),  # no local_start: settings.timezone decides
])
def test_sunday_night_run_belongs_to_its_local_week(with_local, timezone):
    rep = report(sunday_night_history(with_local), "2026-10-05", timezone=timezone)
    weeks = [(w["week_start"], w["distance"]) for w in rep.to_dict()["weeks"]]
    assert weeks == [("2026-09-21", 20.0), ("2026-09-28", 27.0), ("2026-10-05", 0.0)]
    assert only(rep, "load.weekly_ramp").value == pytest.approx(0.35)  # 27 / 20


def test_sunday_night_run_on_a_utc_clock_moves_to_monday():
    rep = report(sunday_night_history(with_local=False), "2026-10-05", timezone="UTC")
    weeks = [(w["week_start"], w["distance"]) for w in rep.to_dict()["weeks"]]
    assert weeks == [("2026-09-21", 20.0), ("2026-09-28", 20.0), ("2026-10-05", 7.0)]
    assert unflagged(rep, "load.weekly_ramp")


@pytest.mark.parametrize("with_local", [True, False])
def test_monday_after_midnight_in_berlin_starts_the_new_week(with_local):
    # 00:30 on Monday 09-28 in Berlin is 22:30 on Sunday 09-27 in UTC (CEST is UTC+2)
    runs = KNOWN + [run(d, 10, with_local=with_local) for d in ("2026-09-22", "2026-09-24",
                                                                "2026-09-30", "2026-10-02")]
    runs.append(run("2026-09-28", 7, hour=0, minute=30, with_local=with_local))
    rep = report(runs, "2026-10-04", timezone="Europe/Berlin")
    weeks = [(w["week_start"], w["distance"]) for w in rep.to_dict()["weeks"]]
    assert weeks == [("2026-09-21", 20.0), ("2026-09-28", 27.0)]
    assert only(rep, "load.weekly_ramp").value == pytest.approx(0.35)
    if not with_local:
        utc = report(runs, "2026-10-04", timezone="UTC")
        assert [w["distance"] for w in utc.to_dict()["weeks"]] == [27.0, 20.0]
        assert unflagged(utc, "load.weekly_ramp")


# --- load.return_after_break: 14+ days off, first week back over 75% of before ------------

BEFORE_BREAK = ["2026-08-03", "2026-08-06", "2026-08-10", "2026-08-13",
                "2026-08-17", "2026-08-20", "2026-08-24", "2026-08-27"]


def break_history(second_back: float, key: str = "km", first_back: str = "2026-09-11",
                  each: float = 10, first: float = 8) -> list:
    # 8 runs of `each` in the 28 days up to 08-27: weekly average 8 x each / 4 = 2 x each.
    # 09-11 is 15 days after 08-27: 14 days without running.
    runs = KNOWN + [run(d, **{key: each}) for d in BEFORE_BREAK]
    return runs + [run(first_back, **{key: first}), run("2026-09-14", **{key: second_back})]


@pytest.mark.parametrize("units, key, each, first, second, shown", [
    # 8 + 7.2 = 15.2 km of 20 km a week = 76%
    ("km", "km", 10, 8, 7.2, ("the first week back (2026-09-11 on) had 15.2 km, 76% of your "
                              "weekly average before the break (20.0 km).")),
    # 4 + 3.6 = 7.6 mi of 10 mi a week = 76%
    ("mi", "mi", 5, 4, 3.6, ("the first week back (2026-09-11 on) had 7.6 mi, 76% of your "
                             "weekly average before the break (10.0 mi).")),
])
def test_return_after_break_just_over_75_percent(units, key, each, first, second, shown):
    rep = report(break_history(second, key, each=each, first=first), "2026-09-20",
                 units=units)
    flag = only(rep, "load.return_after_break")
    assert flag.severity is Severity.WARNING
    assert (flag.value, flag.threshold) == (pytest.approx(0.76), pytest.approx(0.75))
    assert (flag.date, flag.end) == (date(2026, 9, 11), date(2026, 9, 17))
    assert flag.message.startswith("After 14 days without running, " + shown)


def test_return_after_break_just_under_75_percent():
    # 8 + 6.8 = 14.8 km of 20 km = 74%
    assert unflagged(report(break_history(6.8), "2026-09-20"), "load.return_after_break")


def test_thirteen_days_off_is_not_a_break():
    # 09-10 is 14 days after 08-27: 13 days without running
    rep = report(break_history(12, first_back="2026-09-10"), "2026-09-20")
    assert unflagged(rep, "load.return_after_break")


def test_return_after_break_settings_move_the_flag():
    assert unflagged(report(break_history(7.2), "2026-09-20", return_ratio=0.8),
                     "load.return_after_break")
    assert unflagged(report(break_history(7.2), "2026-09-20", break_days=15),
                     "load.return_after_break")
    flag = only(report(break_history(6.8), "2026-09-20", return_ratio=0.7),
                "load.return_after_break")
    assert flag.value == pytest.approx(0.74)


# --- load.acwr: last 7 days / mean week of days 8-35, descriptive only ---------------------

def weekly_runs(first_monday: str, weeks: int, weekdays: tuple[int, ...], km: float) -> list:
    """``km`` on each of ``weekdays`` (0 = Monday) of ``weeks`` weeks."""
    return [run(monday + timedelta(days=wd), km)
            for monday in days(first_monday, weeks, 7) for wd in weekdays]


def acwr_history(acute_third: float) -> list:
    # a ride on Friday 08-28 starts the history, so the week of 09-28 is 31 days in and its
    # 28 days before (08-31..09-27) are inside it; four weeks from Monday 08-31 with 10 km
    # on Tuesday and Thursday: the chronic load is 80 km / 4 = 20 km a week; the week of
    # 09-28 has 10 + 10 + acute_third
    return known_from("2026-08-28") + weekly_runs("2026-08-31", 4, (1, 3), 10) + [
        run("2026-09-29", 10), run("2026-10-01", 10), run("2026-10-03", acute_third)]


def weekly_acwr(rep) -> list:
    return [w["acwr"] for w in rep.to_dict()["weeks"]]


@pytest.mark.parametrize("units", ["km", "mi"])
def test_acwr_just_over_1_5_is_info_only(units):
    rep = report(acwr_history(10.4), "2026-10-04", units=units)  # 30.4 / 20 = 1.52
    flag = only(rep, "load.acwr")
    assert flag.severity is Severity.INFO
    assert (flag.value, flag.threshold) == (pytest.approx(1.52), pytest.approx(1.5))
    assert (flag.date, flag.end) == (date(2026, 9, 28), date(2026, 10, 4))
    assert "1.52 times your average week" in flag.message
    assert "Descriptive only" in flag.message
    # 28 days of chronic load plus the acute week are needed: only the fifth week has one
    assert weekly_acwr(rep) == [None, None, None, None, 1.52]


def test_acwr_just_under_1_5():
    assert unflagged(report(acwr_history(9.6), "2026-10-04"), "load.acwr")  # 29.6 / 20 = 1.48


def test_acwr_setting_moves_the_flag():
    assert unflagged(report(acwr_history(10.4), "2026-10-04", acwr_high=1.6), "load.acwr")
    assert only(report(acwr_history(9.6), "2026-10-04", acwr_high=1.4),
                "load.acwr").value == pytest.approx(1.48)


def test_acwr_of_a_week_in_progress_is_left_empty_in_the_weeks():
    # as of Thursday 10-08 the week of 10-05 holds nothing yet: no ratio for it in the weeks
    # (the old figure, 0.6, set the last seven days, mostly the week before, under its name);
    # the week of 09-28 is whole: (10 + 10 + 12) / 20 = 1.6
    rep = report(acwr_history(12), "2026-10-08")
    assert weekly_acwr(rep) == [None, None, None, None, 1.6, None]
    assert only(rep, "load.acwr").date == date(2026, 9, 28)


def test_acwr_of_a_week_in_progress_is_flagged_on_its_days_so_far():
    # as of Wednesday 10-07, 36 km since Monday against the four weeks before (09-07..10-04:
    # 6 x 10 + 10 + 10 + 9 = 89 km, 22.25 a week): 1.62 so far, which the rest of the week
    # can only raise
    runs = acwr_history(9) + [run("2026-10-05", 18), run("2026-10-07", 18)]
    rep = report(runs, "2026-10-07")
    flag = only(rep, "load.acwr")
    assert (flag.date, flag.end) == (date(2026, 10, 5), date(2026, 10, 7))
    assert flag.value == pytest.approx(36 / 22.25)
    assert "of the four before it so far" in flag.message
    assert weekly_acwr(rep)[-1] is None


def test_acwr_needs_28_days_before_the_week():
    # the week of 09-21 would set 09-21..09-27 against 08-24..09-20, which starts before the
    # history does (08-28): no ratio, and no flag for its 20 km over 15 km a week; as of
    # 10-01 the week of 09-28 is still running and holds 20 km, 1.0 times the chronic load
    rep = report(acwr_history(30), "2026-10-01")
    assert weekly_acwr(rep) == [None] * 5
    assert unflagged(rep, "load.acwr")


# --- load.strain: Foster's weekly load x monotony against the athlete's own history --------

# Three equal runs of d km in a week (Mon, Wed, Fri; rest days 0): mean 3d/7; only the four
# rest days are lighter than the average day, each by 3d/7: SD sqrt(4 x 9d^2/49 / 6) =
# d sqrt(6)/7, monotony 3/sqrt(6) = 1.22474, strain 3d x 1.22474 = 3.67423 d.
STRAIN_PER_KM = 9 / np.sqrt(6)


def strain_history(last_each: float, earlier_weeks: int = 8) -> list:
    # weeks from 08-03 with 3 x 10, 3 x 11, ... km; then the week of 09-28 with 3 x last_each
    first = date(2026, 9, 28) - timedelta(days=7 * earlier_weeks)
    runs = []
    for k, monday in enumerate(days(first.isoformat(), earlier_weeks, 7)):
        runs += weekly_runs(monday.isoformat(), 1, (0, 2, 4), 10 + k)
    return runs + weekly_runs("2026-09-28", 1, (0, 2, 4), last_each)


def test_monotony_of_six_equal_runs_and_a_rest_day_is_about_2_3():
    # EVIDENCE.md: 6 equal runs and a rest day give ~2.3 (mean 6/7 x d, sample SD
    # d x sqrt(6/49) -> 6 / sqrt(7) = 2.268)
    rep = report(weekly_runs("2026-09-28", 1, (0, 1, 2, 3, 4, 5), 8), "2026-10-04")
    week = rep.to_dict()["weeks"][0]
    assert week["monotony"] == pytest.approx(6 / np.sqrt(7), abs=1e-3)
    assert week["strain"] == pytest.approx(48 * 6 / np.sqrt(7), abs=0.05)  # 108.9


@pytest.mark.parametrize("units", ["km", "mi"])  # strain is in km-based load units in both
def test_strain_just_over_the_90th_percentile(units):
    # earlier strains 3.67423 x [10..17]; numpy's 90th percentile: position 0.9 x 7 = 6.3,
    # 16 + 0.3 x (17 - 16) = 16.3 -> 59.890. The last week: 3.67423 x 16.4 = 60.257
    # (the percentile alone: no margin over the median week)
    rep = report(strain_history(16.4), "2026-10-04", units=units, strain_min_rise=0.0)
    flag = only(rep, "load.strain")
    assert flag.severity is Severity.INFO
    assert flag.value == pytest.approx(STRAIN_PER_KM * 16.4)
    assert flag.threshold == pytest.approx(STRAIN_PER_KM * 16.3)
    assert (flag.date, flag.end) == (date(2026, 9, 28), date(2026, 10, 4))
    assert "was 60, above your own 90th percentile of the previous months and 0% above your " \
        "usual week (60)" in flag.message


def test_strain_must_also_be_well_above_the_usual_week():
    # The median earlier week is 13.5 (strain 49.60); +25% makes 16.875 (62.00), above the
    # 90th percentile (59.89): 16.4 is steady noise, 16.9 (62.09) is flagged.
    assert unflagged(report(strain_history(16.4), "2026-10-04"), "load.strain")
    flag = only(report(strain_history(16.9), "2026-10-04"), "load.strain")
    assert flag.threshold == pytest.approx(STRAIN_PER_KM * 13.5 * 1.25)


def test_strain_just_under_the_90th_percentile():
    assert unflagged(report(strain_history(16.2), "2026-10-04"), "load.strain")  # 59.52 < 59.89


def test_strain_needs_eight_earlier_weeks():
    assert unflagged(report(strain_history(30, earlier_weeks=7), "2026-10-04"), "load.strain")


def test_strain_setting_moves_the_flag():
    # the 100th percentile is the earlier maximum, 3.67423 x 17 = 62.46
    assert unflagged(report(strain_history(16.4), "2026-10-04", strain_percentile=100.0,
                            strain_min_rise=0.0), "load.strain")
    # 50th percentile: 13.5 x 3.67423 = 49.60 < 3.67423 x 14
    flag = only(report(strain_history(14), "2026-10-04", strain_percentile=50.0,
                       strain_min_rise=0.0), "load.strain")
    assert flag.threshold == pytest.approx(STRAIN_PER_KM * 13.5)


@pytest.mark.parametrize("week, expected", [
    ([8, 8, 8, 8, 8, 8, 0], 6 / np.sqrt(7)),  # Foster's 2.27; downside SD alone gives 2.45
    ([8] * 7, 6 / np.sqrt(7)),  # no lighter day: the cap, not infinity
    ([8, 8, 8, 8, 8, 28, 0], 6 / np.sqrt(7)),  # a long run is load, not variety (Foster: 1.13)
    ([10, 0, 10, 0, 10, 0, 0], 3 / np.sqrt(6)),  # 4 rest days 30/7 below the mean
    ([0] * 7, None),
])
def test_monotony_counts_the_lighter_days_and_stays_in_foster_range(week, expected):
    value = load.monotony(np.array(week, dtype=float) * 1000)
    assert value == (None if expected is None else pytest.approx(expected))


def test_a_break_is_a_stretch_of_break_days_without_running():
    daily = np.array([5, 0, 0, 0, 5, 0, 0, 0, 0], dtype=float)
    assert load.resting(daily, 3).tolist() == [False, True, True, True, False,
                                               True, True, True, True]
    assert not load.resting(daily, 5).any()
