"""Surface mix over the report window: hard running, unknown surfaces, sudden shifts.

As of Monday 2026-10-05 the window is 09-08..10-05; surface.shift compares the last 7 days
(09-29..10-05) with the 28 days before them (09-01..09-28).
"""

from __future__ import annotations

from datetime import date

import pytest

from history import only, report, run, unflagged
from runlog.model import Severity

AS_OF = "2026-10-05"


def mix_history(road: float, trail: float, unknown: float = 0.0, key: str = "km") -> list:
    # four road runs of road/4, one trail run, one run of unknown surface, all in the window
    runs = [run(d, **{key: road / 4}) for d in ("2026-09-10", "2026-09-15", "2026-09-20",
                                                "2026-09-25")]
    runs.append(run("2026-09-28", surface="trail", **{key: trail}))
    if unknown:
        runs.append(run("2026-10-01", surface="unknown", **{key: unknown}))
    return runs


@pytest.mark.parametrize("units, key, shown", [
    ("km", "km", ("81% of your recent running with a known surface was on roads (40.0 km of "
                  "49.5 km; 5.0 km has no known surface).")),
    ("mi", "mi", ("81% of your recent running with a known surface was on roads (40.0 mi of "
                  "49.5 mi; 5.0 mi has no known surface).")),
])
def test_hard_surface_just_over_80_percent(units, key, shown):
    # 40 road of 40 + 9.5 known = 80.8%; the 5 unknown do not count either way
    rep = report(mix_history(40, 9.5, unknown=5, key=key), AS_OF, units=units)
    flag = only(rep, "surface.hard")
    assert flag.severity is Severity.WARNING
    assert flag.value == pytest.approx(40 / 49.5)
    assert flag.threshold == pytest.approx(0.80)
    assert (flag.date, flag.end) == (date(2026, 9, 8), date(2026, 10, 5))
    assert flag.message.startswith(shown)
    assert "grass, turf or a track" in flag.message


def test_hard_surface_at_exactly_80_percent_is_flagged():
    # "80%+": 40 road of 50 known
    assert only(report(mix_history(40, 10), AS_OF), "surface.hard").value == pytest.approx(0.8)


def test_hard_surface_just_under_80_percent():
    # 40 road of 50.5 known = 79.2%
    assert unflagged(report(mix_history(40, 10.5), AS_OF), "surface.hard")


def test_hard_surface_ignores_running_before_the_window():
    # a 100 km trail history in August does not soften September's roads
    runs = mix_history(40, 9.5) + [run("2026-08-20", 100, surface="trail")]
    assert only(report(runs, AS_OF), "surface.hard").value == pytest.approx(40 / 49.5)


def test_hard_surface_setting_moves_the_flag():
    assert unflagged(report(mix_history(40, 9.5), AS_OF, hard_share=0.85), "surface.hard")
    assert only(report(mix_history(40, 10.5), AS_OF, hard_share=0.75), "surface.hard")


@pytest.mark.parametrize("units, key", [("km", "km"), ("mi", "mi")])
def test_unknown_surface_just_over_half(units, key):
    # 25.5 unknown of 20 + 4.5 + 25.5 = 50 -> 51%
    rep = report(mix_history(20, 4.5, unknown=25.5, key=key), AS_OF, units=units)
    flag = only(rep, "surface.unknown")
    assert flag.severity is Severity.INFO
    assert (flag.value, flag.threshold) == (pytest.approx(0.51), pytest.approx(0.5))
    assert flag.message.startswith(f"51% of your recent running (25.5 {units}) has no known "
                                   "surface.")
    figure = rep.to_dict()["surfaces"]
    assert figure["unknown_share"] == pytest.approx(0.51)
    assert figure["window"]["unknown"] == pytest.approx(25.5)
    assert figure["window"]["road"] == pytest.approx(20.0)
    assert figure["hard_share"] == pytest.approx(20 / 24.5, abs=1e-4)


def test_unknown_surface_just_under_half():
    # 24.5 unknown of 20 + 5.5 + 24.5 = 50 -> 49%
    assert unflagged(report(mix_history(20, 5.5, unknown=24.5), AS_OF), "surface.unknown")


def test_unknown_surface_setting_moves_the_flag():
    assert unflagged(report(mix_history(20, 4.5, unknown=25.5), AS_OF, unknown_share=0.6),
                     "surface.unknown")
    assert only(report(mix_history(20, 5.5, unknown=24.5), AS_OF, unknown_share=0.4),
                "surface.unknown")


def test_all_unknown_gives_the_unknown_note_and_no_hard_flag():
    runs = [run(d, 8, surface="unknown") for d in ("2026-09-20", "2026-09-25", "2026-10-01")]
    rep = report(runs, AS_OF)
    assert only(rep, "surface.unknown").value == pytest.approx(1.0)
    assert unflagged(rep, "surface.hard")
    assert rep.to_dict()["surfaces"]["hard_share"] is None


def shift_history(trail_before: float, trail_last: float, road_last: float,
                  key: str = "km") -> list:
    # previous 4 weeks (09-01..09-28): 90 km of road and some trail; last 7 days: both
    runs = [run(d, **{key: 15}) for d in ("2026-09-02", "2026-09-06", "2026-09-10", "2026-09-14",
                                 "2026-09-18", "2026-09-22")]
    if trail_before:
        runs.append(run("2026-09-26", surface="trail", **{key: trail_before}))
    return runs + [run("2026-10-01", **{key: road_last}),
                   run("2026-10-03", surface="trail", **{key: trail_last})]


@pytest.mark.parametrize("units", ["km", "mi"])
def test_shift_to_trail_just_over_half_of_the_last_week(units):
    # before: 9 of 99 = 9.1% trail; last 7 days: 11 of 21 = 52.4% trail
    rep = report(shift_history(9, 11, 10, key=units), AS_OF, units=units)
    flag = only(rep, "surface.shift")
    assert flag.severity is Severity.INFO
    assert flag.title == "A sudden shift to trail"
    assert (flag.value, flag.threshold) == (pytest.approx(11 / 21), pytest.approx(0.5))
    assert (flag.date, flag.end) == (date(2026, 9, 29), date(2026, 10, 5))
    assert flag.message.startswith(
        f"52% of your running with a known surface in the last 7 days was on trail (11.0 "
        f"{units} of 21.0 {units}), against 9% in the 4 weeks before (9.0 {units} of 99.0 "
        f"{units}); 0.0 {units} in the last 7 days and 0.0 {units} before have no known "
        "surface.")


def test_no_shift_when_trail_was_already_familiar():
    # before: 11 of 101 = 10.9% trail, not under 10%
    assert unflagged(report(shift_history(11, 11, 10), AS_OF), "surface.shift")


def test_no_shift_when_trail_is_under_half_of_the_last_week():
    # last 7 days: 10 of 20.5 = 48.8% trail
    assert unflagged(report(shift_history(9, 10, 10.5), AS_OF), "surface.shift")


def test_shift_settings_move_the_flag():
    assert unflagged(report(shift_history(9, 11, 10), AS_OF, shift_after_share=0.55),
                     "surface.shift")
    assert only(report(shift_history(11, 11, 10), AS_OF, shift_before_share=0.12),
                "surface.shift")


def test_weekly_surface_figure_follows_local_weeks():
    # 23:30 on Sunday 09-27 in Los Angeles is Monday in UTC; the figure keeps it in 09-21
    runs = [run("2026-09-27", 10, surface="trail", tz="America/Los_Angeles", hour=23,
                minute=30), run("2026-09-29", 5)]
    rep = report(runs, AS_OF, timezone="America/Los_Angeles")
    weeks = {w["week_start"]: w for w in rep.to_dict()["surfaces"]["weeks"]}
    assert len(weeks) == 12
    assert (weeks["2026-09-21"]["trail"], weeks["2026-09-28"]["trail"]) == (10.0, 0.0)
    assert weeks["2026-09-28"]["road"] == 5.0
