"""Issue 11, "Flags a runner can trust": the load flags on histories written the way a user
keeps them (a runlog CSV and a runlog.toml in a folder) and read the way a user reads them
(``runlog report DIR --as-of DAY --format json``).

Items 1-5 of the issue each have a test named after them; "ordinary lives" are steady runners
who must get no load flag at all; the last tests prove the rules still fire when they should.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from runlog.cli import main

KM_PER_MI = 1.609344

Row = tuple[str, float] | tuple[str, float, str]  # (day or "day HH:MM", distance[, type])


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "store.sqlite"))


def every(first: str, last: str, step: int, distance: float, at: str = "07:00") -> list[Row]:
    """``distance`` every ``step`` days from ``first`` to ``last``."""
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    rows: list[Row] = []
    while day <= end:
        rows.append((f"{day.isoformat()} {at}", distance))
        day += timedelta(days=step)
    return rows


def weekly(first_monday: str, weeks: int, plan: dict[int, float], at: str = "07:00"
           ) -> list[Row]:
    """``plan`` (weekday, 0 = Monday -> distance) for ``weeks`` weeks from ``first_monday``."""
    monday = date.fromisoformat(first_monday)
    return [(f"{(monday + timedelta(days=7 * w + wd)).isoformat()} {at}", dist)
            for w in range(weeks) for wd, dist in sorted(plan.items())]


def write_log(folder: Path, rows: list[Row], units: str = "km",
              timezone: str = "Europe/Berlin") -> Path:
    """A runlog CSV (distances in ``units``, 5:30 per km) and a runlog.toml in ``folder``."""
    folder.mkdir()
    lines = ["date,distance,duration,type"]
    for when, distance, *kind in rows:
        when = when if " " in when else f"{when} 07:00"
        seconds = round(distance * (KM_PER_MI if units == "mi" else 1.0) * 330)
        duration = f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        lines.append(f"{when},{distance:g} {units},{duration},{kind[0] if kind else 'Run'}")
    (folder / "log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "runlog.toml").write_text(f'units = "{units}"\ntimezone = "{timezone}"\n',
                                        encoding="utf-8")
    return folder


def runlog_report(folder: Path, as_of: str) -> dict:
    result = CliRunner().invoke(main, ["report", str(folder), "--as-of", as_of, "--format",
                                       "json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def load_flags(out: dict, code: str = "load.") -> list[dict]:
    """Flags whose code starts with ``code``, current and history."""
    return [f for f in out["flags"] + out["history"] if f["code"].startswith(code)]


def week(out: dict, monday: str) -> dict:
    return next(w for w in out["weeks"] if w["week_start"] == monday)


# --- item 1: rhythm read as a ramp ----------------------------------------------------------

def test_item1_every_other_day_is_not_a_ramp(tmp_path):
    # 10 km every other day from Tuesday 09-01: Monday weeks alternate 3 and 4 runs (30 and
    # 40 km), +33% every fortnight over the week before but +14% over the mean of the four
    # weeks before it (35 km): a rhythm, not a ramp
    out = runlog_report(write_log(tmp_path / "log", every("2026-09-01", "2026-10-19", 2, 10)),
                        "2026-10-20")
    assert load_flags(out) == []
    changes = {w["week_start"]: w["change"] for w in out["weeks"]}
    assert changes["2026-09-14"] == pytest.approx(-0.25)
    assert changes["2026-09-21"] == pytest.approx(1 / 3, abs=1e-3)
    assert [w["distance"] for w in out["weeks"][1:-1]] == [40, 30, 40, 30, 40, 30]


def test_item1_a_jump_over_the_week_before_and_the_mean_is_still_a_jump(tmp_path):
    # the same rhythm, then 60 km in the week of 10-12: +50% over the week before (40 km)
    # and +71% over the mean of the four before it (35 km)
    rows = every("2026-09-01", "2026-10-11", 2, 10) + [
        ("2026-10-12", 15), ("2026-10-14", 15), ("2026-10-16", 15), ("2026-10-18", 15)]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-10-18")
    ramp = load_flags(out, "load.weekly_ramp")
    assert [(f["date"], f["value"]) for f in ramp] == [("2026-10-12", pytest.approx(0.5))]
    assert ("The week of 2026-10-12 had 60.0 km, 50% more than the week before (40.0 km). "
            "Your average week over the 4 weeks before it was 35.0 km.") in ramp[0]["message"]


# --- item 2: a history's first days ---------------------------------------------------------

def test_item2_second_run_of_a_history_is_not_a_spike(tmp_path):
    out = runlog_report(write_log(tmp_path / "log", [("2026-11-02", 5), ("2026-11-03", 8)]),
                        "2026-11-05")
    assert load_flags(out) == []
    assert ("The history starts on 2026-11-02 and days before it are unknown: load spikes are "
            "judged from 2026-12-02, weekly jumps and the acute:chronic ratio from the week of "
            "2026-12-07.") in out["data_notes"]


def test_item2_the_first_30_days_raise_no_spike_ramp_or_ratio(tmp_path):
    # a new runner building fast: 3, 5, 8, 12 km... then weeks that double; nothing is judged
    # until the history covers the reference, and then the spike rule judges again
    rows = [("2026-11-02", 3), ("2026-11-04", 5), ("2026-11-07", 8), ("2026-11-08", 12),
            ("2026-11-10", 12), ("2026-11-12", 12), ("2026-11-14", 16), ("2026-11-15", 20),
            ("2026-11-17", 20), ("2026-11-19", 20), ("2026-11-21", 20), ("2026-11-22", 20),
            ("2026-11-24", 10), ("2026-11-26", 10), ("2026-11-29", 20)]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-12-01")
    assert load_flags(out) == []
    assert all(w["acwr"] is None for w in out["weeks"])
    assert any(n.startswith("The history starts on 2026-11-02") for n in out["data_notes"])
    # 12-03 is 31 days after the first: 25 km against the longest of the 30 days before (20)
    later = runlog_report(write_log(tmp_path / "later", rows + [("2026-12-03", 25)]),
                          "2026-12-03")
    assert [(f["code"], f["date"], f["value"]) for f in load_flags(later)] == [
        ("load.spike", "2026-12-03", pytest.approx(1.25))]


def test_item2_first_days_count_any_sport(tmp_path):
    # a ride starts the history on 10-01: on 11-02 the 30 days before the run are known, and
    # 8 km after 5 km (+60%) is a spike; without the ride it would not be judged yet
    rows = [("2026-10-01", 30, "Ride"), ("2026-10-31", 5), ("2026-11-02", 8)]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-11-03")
    assert [(f["code"], f["value"]) for f in load_flags(out)] == [
        ("load.spike", pytest.approx(1.6))]


def test_item2_a_log_starting_on_a_saturday_has_no_first_ramp(tmp_path):
    # 9 km on Saturday 09-05, then 3 x 10 km a week: the first full week is not +233% over
    # a week whose Monday to Friday are unknown
    rows = [("2026-09-05", 9)] + weekly("2026-09-07", 3, {1: 10, 3: 10, 5: 10})
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-09-27")
    assert load_flags(out) == []
    first, second = out["weeks"][:2]
    assert (first["week_start"], first["complete"], first["monotony"]) == (
        "2026-08-31", False, None)
    assert (second["complete"], second["change"]) == (True, None)
    assert out["weeks"][2]["change"] == 0.0


def test_item2_a_break_early_in_the_history_is_measured_on_the_days_known(tmp_path):
    # 10 km on 8 of the 13 days from Tuesday 09-01 (80 km: 43.1 km a week), 15 days off,
    # then 2 x 10 km in the first week back: 46% of the usual week, not 100% of a usual week
    # that counted the 15 days before the history as rest (80 / 4 = 20 km)
    rows = [(d, 10) for d in ("2026-09-01", "2026-09-03", "2026-09-05", "2026-09-06",
                              "2026-09-08", "2026-09-10", "2026-09-12", "2026-09-13")]
    rows += [("2026-09-29", 10), ("2026-10-02", 10)]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-10-06")
    assert load_flags(out) == []
    # ... and the same return at the old volume is flagged against 43.1 km a week
    rows += [("2026-09-30", 10), ("2026-10-01", 10), ("2026-10-04", 10)]
    back = runlog_report(write_log(tmp_path / "back", rows), "2026-10-06")
    flag, = load_flags(back)
    assert flag["code"] == "load.return_after_break"
    assert flag["value"] == pytest.approx(50 / (80 / 13 * 7), abs=1e-4)
    assert "had 50.0 km, 116% of your weekly average before the break (43.1 km)" in \
        flag["message"]


def test_item2_a_return_too_early_to_judge_says_so(tmp_path):
    # three runs, 20 days off, then 12 km: 3 days of history before the break say nothing
    # about a usual week, and the report says so instead of flagging
    rows = [("2026-09-01", 8), ("2026-09-02", 8), ("2026-09-03", 8), ("2026-09-24", 12)]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-09-25")
    assert load_flags(out) == []
    assert ("The return on 2026-09-24 after 20 days without running is not judged: the "
            "history before the break holds only 3 days, too few to know your usual week."
            ) in out["data_notes"]


def test_item2_acwr_needs_the_28_days_before_its_week_inside_the_history(tmp_path):
    # from Saturday 09-05, 4 x 10 km a week; the week of 09-28 would set 09-28..10-04
    # against 08-31..09-27, which starts before the history: no ratio before the week of
    # 10-05 (09-07..10-04: 160 km, 40 a week), whose 64 km give 1.6
    rows = [("2026-09-05", 10), ("2026-09-06", 10)]
    rows += weekly("2026-09-07", 4, {1: 10, 3: 10, 5: 10, 6: 10})
    rows += weekly("2026-10-05", 1, {1: 16, 3: 16, 5: 16, 6: 16})
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-10-11")
    assert [w["acwr"] for w in out["weeks"]] == [None, None, None, None, None, 1.6]
    assert [(f["code"], f["date"]) for f in load_flags(out, "load.acwr")] == [
        ("load.acwr", "2026-10-05")]


# --- item 3: straight back into the long run --------------------------------------------------

LONG_RUN_WEEKS = weekly("2026-06-01", 10, {1: 8, 3: 8, 5: 8, 6: 16})  # to Sunday 08-09


def test_item3_straight_back_into_the_long_run_is_flagged(tmp_path):
    # 36 days off after 08-09, then the old 16 km long run: twice the usual run before the
    # break (8 km, the median of the 28 days before it), 40% of the usual week
    rows = LONG_RUN_WEEKS + [("2026-09-15", 16)]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-09-16")
    flag, = load_flags(out)
    assert (flag["code"], flag["severity"], flag["date"]) == (
        "load.return_after_break", "warning", "2026-09-15")
    assert (flag["value"], flag["threshold"]) == (pytest.approx(2.0), pytest.approx(1.1))
    assert flag["activity_id"]
    assert flag["message"].startswith(
        "After 36 days without running, your first run back, 16.0 km on 2026-09-15, was "
        "100% longer than your usual run before the break (8.0 km).")


def test_item3_a_careful_comeback_is_judged_run_by_run(tmp_path):
    # 5 km first (under the usual 8 km: not flagged), then the 16 km two days later, which
    # the spike rule judges against the 5 km: +220%, an alert like any such jump
    rows = LONG_RUN_WEEKS + [("2026-09-15", 5), ("2026-09-17", 16)]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-09-18")
    assert [(f["code"], f["date"], f["severity"], f["value"]) for f in load_flags(out)] == [
        ("load.spike", "2026-09-17", "alert", pytest.approx(3.2))]
    # a usual run first and nothing more is fine
    gentle = runlog_report(write_log(tmp_path / "gentle", LONG_RUN_WEEKS + [("2026-09-15", 8)]),
                           "2026-09-20")
    assert load_flags(gentle) == []


def test_item3_a_shorter_break_back_into_the_long_run_is_flagged_once(tmp_path):
    # 20 days off: the 30 days before 08-30 still hold the 16 km of 08-09, so no spike; the
    # first run back is still twice the usual run
    out = runlog_report(write_log(tmp_path / "log", LONG_RUN_WEEKS + [("2026-08-30", 16)]),
                        "2026-08-31")
    assert [(f["code"], f["value"]) for f in load_flags(out)] == [
        ("load.return_after_break", pytest.approx(2.0))]


# --- item 4: strain from one extra equal day ------------------------------------------------

SIX_DAYS = weekly("2026-06-01", 10, {d: 8 for d in range(6)})  # to Sunday 08-09


def test_item4_a_seventh_equal_day_adds_its_load_not_a_multiplier(tmp_path):
    rows = SIX_DAYS + weekly("2026-08-10", 1, {d: 8 for d in range(7)})
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-08-16")
    six, seven = week(out, "2026-08-03"), week(out, "2026-08-10")
    # 6 equal runs and a rest day: 6 / sqrt(7) = 2.27 (EVIDENCE.md); 48 km x 2.27 = 108.8
    assert six["monotony"] == pytest.approx(6 / np.sqrt(7), abs=1e-3)
    assert six["strain"] == pytest.approx(48 * 6 / np.sqrt(7), abs=0.05)
    # 7 equal days: 56 km, monotony stays 2.27, strain rises with the load (x 7/6), not x5
    assert 1 <= seven["monotony"] <= 3
    assert seven["strain"] / six["strain"] == pytest.approx(7 / 6, abs=0.01)
    strain = load_flags(out, "load.strain")
    assert all(f["value"] < 130 for f in strain)


def test_item4_a_bigger_week_with_a_long_run_scores_above_a_normal_week(tmp_path):
    # the week of 08-10: 5 x 8 km and a 28 km run, 68 km (+42%): strain above the usual 108.8
    rows = SIX_DAYS + weekly("2026-08-10", 1, {0: 8, 1: 8, 2: 8, 3: 8, 4: 8, 5: 28})
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-08-16")
    normal, bigger = week(out, "2026-08-03"), week(out, "2026-08-10")
    assert bigger["strain"] > normal["strain"] * 1.3
    assert 1 <= bigger["monotony"] <= 3
    codes = {f["code"] for f in load_flags(out) if f["date"] >= "2026-08-10"}
    assert {"load.strain", "load.weekly_ramp", "load.spike"} <= codes


def test_item4_steady_six_days_give_no_strain_flag(tmp_path):
    # the same week over and over is never above its own 90th percentile
    rows = weekly("2026-03-02", 26, {0: 8, 1: 8, 2: 8, 4: 8, 5: 8, 6: 8})
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-08-30")
    assert load_flags(out) == []


# --- item 5: a week in progress ---------------------------------------------------------------

STEADY_FOUR = weekly("2026-08-03", 8, {1: 10, 3: 10, 5: 10, 6: 10})  # 40 km, to 09-27


def test_item5_a_week_just_begun_is_not_judged_as_a_whole_one(tmp_path):
    # a big week (64 km, 1.6 times the four before), then Monday 10-05 with nothing yet:
    # the ratio belongs to the week of 09-28; the week of 10-05 is not "-100%"
    rows = STEADY_FOUR + weekly("2026-09-28", 1, {1: 16, 3: 16, 5: 16, 6: 16})
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-10-05")
    current = week(out, "2026-10-05")
    assert (current["distance"], current["complete"], current["change"], current["acwr"]) == (
        0.0, False, None, None)
    acwr = load_flags(out, "load.acwr")
    assert [(f["date"], f["value"]) for f in acwr] == [("2026-09-28", pytest.approx(1.6))]
    assert not any("2026-10-05" in f["message"] for f in load_flags(out))
    # mid-week, part of a week is not compared with a whole one
    mid = runlog_report(write_log(tmp_path / "mid", STEADY_FOUR + [("2026-09-29", 10)]),
                        "2026-09-30")
    assert week(mid, "2026-09-28")["change"] is None
    assert load_flags(mid) == []


def test_item5_a_week_already_a_jump_says_so_far(tmp_path):
    # by Wednesday 09-30 the week holds 66 km: already more than 30% over the whole week
    # before (40 km) and the mean of the four before it (40 km), and 1.65 times the chronic
    # load, whatever Thursday to Sunday bring
    rows = STEADY_FOUR + [("2026-09-28", 22), ("2026-09-29", 22), ("2026-09-30", 22)]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-09-30")
    ramp, = load_flags(out, "load.weekly_ramp")
    assert (ramp["date"], ramp["end"], ramp["value"]) == (
        "2026-09-28", "2026-09-30", pytest.approx(0.65))
    assert ramp["message"].startswith(
        "The week of 2026-09-28 had 66.0 km so far, 65% more than the week before (40.0 km).")
    acwr, = load_flags(out, "load.acwr")
    assert (acwr["date"], acwr["end"], acwr["value"]) == (
        "2026-09-28", "2026-09-30", pytest.approx(1.65))
    assert "times your average week of the four before it so far" in acwr["message"]
    assert (week(out, "2026-09-28")["change"], week(out, "2026-09-28")["acwr"]) == (None, None)


# --- ordinary lives: steady runners get no load flag, now or in their history ---------------

def five_a_week(first_monday: str, weeks: int, distance: float) -> list[Row]:
    return weekly(first_monday, weeks, {0: distance, 1: distance, 3: distance, 4: distance,
                                        6: distance})


def three_to_five_a_week() -> list[Row]:
    # 3, 4, 5, 4 runs of 9 km, over and over
    plans = [{1: 9, 3: 9, 5: 9}, {0: 9, 2: 9, 4: 9, 6: 9}, {0: 9, 1: 9, 3: 9, 4: 9, 6: 9},
             {1: 9, 2: 9, 4: 9, 5: 9}]
    return [row for i in range(24)
            for row in weekly((date(2026, 3, 2) + timedelta(weeks=i)).isoformat(), 1,
                              plans[i % 4])]


def two_runs_some_days() -> list[Row]:
    # 10 km Tuesday, Thursday and Saturday; Wednesday twice 5 km (to work and back)
    return (weekly("2026-03-02", 26, {1: 10, 3: 10, 5: 10})
            + weekly("2026-03-02", 26, {2: 5}, at="07:30")
            + weekly("2026-03-02", 26, {2: 5}, at="18:30"))


def a_month_off() -> list[Row]:
    # 5 x 8 km a week to Sunday 06-28, 31 days off, then back with fewer runs of the usual
    # length: 3, 3, then 3 and a 6 km, 4 and a 6 km, and 5 runs again
    return (five_a_week("2026-03-02", 17, 8)
            + weekly("2026-07-27", 2, {1: 8, 3: 8, 6: 8})
            + weekly("2026-08-10", 1, {1: 8, 3: 8, 5: 6, 6: 8})
            + weekly("2026-08-17", 1, {0: 8, 1: 8, 3: 8, 5: 6, 6: 8})
            + five_a_week("2026-08-24", 5, 8))


def a_month_off_back_every_third_day() -> list[Row]:
    # 5 x 8 km a week to 06-28, a month off, then 5 km every third day: weeks of 10 and 15 km,
    # "+50%" week on week, all far under the 40 km week before the break
    return five_a_week("2026-03-02", 17, 8) + every("2026-07-29", "2026-09-27", 3, 5)


ORDINARY_LIVES = {
    "every other day": (lambda: every("2026-03-01", "2026-09-27", 2, 10), "km",
                        "Europe/Berlin"),
    "every other day in miles": (lambda: every("2026-03-01", "2026-09-27", 2, 6.2), "mi",
                                 "Europe/Berlin"),
    # weeks of 3, 2 and 2 runs: the 3-run week is +50% over the week before and +33% over
    # the mean of the four before it, but no more than the 3-run week three weeks before
    "every third day in miles": (lambda: every("2026-03-01", "2026-09-27", 3, 6.2), "mi",
                                 "Europe/Berlin"),
    "5 a week": (lambda: five_a_week("2026-03-02", 30, 8), "km", "Europe/Berlin"),
    "5 a week in miles": (lambda: five_a_week("2026-03-02", 30, 5), "mi", "Europe/Berlin"),
    "3 to 5 runs a week": (three_to_five_a_week, "km", "Europe/Berlin"),
    "two runs some days": (two_runs_some_days, "km", "Europe/Berlin"),
    "a month off": (a_month_off, "km", "Europe/Berlin"),
    "a month off, back every third day": (a_month_off_back_every_third_day, "km",
                                          "Europe/Berlin"),
    # late evening and early morning runs, far east and far west of UTC
    "every other day, Auckland": (
        lambda: every("2026-03-01", "2026-09-27", 2, 10, at="05:30"), "km",
        "Pacific/Auckland"),
    "every other day, Los Angeles": (
        lambda: every("2026-03-01", "2026-09-27", 2, 10, at="21:45"), "mi",
        "America/Los_Angeles"),
    "5 a week, Auckland late": (
        lambda: weekly("2026-03-02", 30, {0: 8, 1: 8, 3: 8, 4: 8, 6: 8}, at="23:30"), "km",
        "Pacific/Auckland"),
    "5 a week, Los Angeles early": (
        lambda: weekly("2026-03-02", 30, {0: 5, 1: 5, 3: 5, 4: 5, 6: 5}, at="00:15"), "mi",
        "America/Los_Angeles"),
}


@pytest.mark.parametrize("life", list(ORDINARY_LIVES))
@pytest.mark.parametrize("as_of", ["2026-09-27", "2026-09-30"])  # a Sunday, a Wednesday
def test_ordinary_lives_get_no_load_flag(tmp_path, life, as_of):
    rows, units, timezone = ORDINARY_LIVES[life]
    out = runlog_report(write_log(tmp_path / "log", rows(), units, timezone), as_of)
    assert load_flags(out) == [], [f["message"] for f in load_flags(out)]
    assert all(w["monotony"] is None or w["monotony"] <= 3 for w in out["weeks"])


@pytest.mark.parametrize("as_of", ["2026-09-23", "2026-09-27", "2026-09-30"])
def test_ordinary_lives_a_history_starting_last_week(tmp_path, as_of):
    # a runner who started logging on Wednesday 09-23, with runs of 5 to 12 km
    rows = [("2026-09-23", 5), ("2026-09-25", 8), ("2026-09-27", 12), ("2026-09-29", 6),
            ("2026-09-30", 10)]
    out = runlog_report(write_log(tmp_path / "log", [r for r in rows if r[0] <= as_of]),
                        as_of)
    assert load_flags(out) == []
    assert any(n.startswith("The history starts on 2026-09-23") for n in out["data_notes"])


# --- the rules still fire when they should ----------------------------------------------------

def test_a_real_40_percent_week_over_a_steady_base_is_a_jump(tmp_path):
    # 5 x 8 km a week for 8 weeks (40 km), then 7 x 8 km (56 km): +40% over the week before
    # and over the mean of the four before it; no run is longer than 8 km
    rows = five_a_week("2026-08-03", 8, 8) + weekly("2026-09-28", 1, {d: 8 for d in range(7)})
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-10-04")
    ramp, = load_flags(out, "load.weekly_ramp")
    assert (ramp["date"], ramp["end"], ramp["value"], ramp["threshold"]) == (
        "2026-09-28", "2026-10-04", pytest.approx(0.4), pytest.approx(0.3))
    assert ramp["message"].startswith(
        "The week of 2026-09-28 had 56.0 km, 40% more than the week before (40.0 km). "
        "Your average week over the 4 weeks before it was 40.0 km.")
    assert week(out, "2026-09-28")["change"] == pytest.approx(0.4)
    assert not load_flags(out, "load.spike")


def test_a_spike_after_30_days_of_history_is_flagged(tmp_path):
    # 8 km every other day from 08-01; 9.2 km on 09-02, 32 days in: +15% over 8 km
    rows = every("2026-08-01", "2026-08-31", 2, 8) + [("2026-09-02", 9.2)]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-09-03")
    spike, = load_flags(out)
    assert (spike["code"], spike["severity"], spike["date"]) == (
        "load.spike", "warning", "2026-09-02")
    assert spike["value"] == pytest.approx(1.15)
    assert spike["message"].startswith(
        "9.2 km on 2026-09-02 was 15% longer than your longest run in the 30 days before it "
        "(8.0 km).")


def test_a_careless_return_at_the_old_week_is_flagged(tmp_path):
    # 5 x 8 km a week to 06-28, 20 days off, then 5 x 8 km again from Saturday 07-18:
    # 40 km in the first seven days back, 100% of the usual 40 km
    rows = five_a_week("2026-03-02", 17, 8) + every("2026-07-18", "2026-07-24", 1, 8)[:5]
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-07-26")
    flag, = load_flags(out, "load.return_after_break")
    assert (flag["date"], flag["end"]) == ("2026-07-18", "2026-07-24")
    assert flag["value"] == pytest.approx(1.0)
    assert flag["message"].startswith(
        "After 19 days without running, the first week back (2026-07-18 on) had 40.0 km, "
        "100% of your weekly average before the break (40.0 km).")
    # four days in, 32 km is already 80% of the usual week: flagged, "so far"
    early = runlog_report(write_log(tmp_path / "early", rows[:-1]), "2026-07-21")
    flag, = load_flags(early, "load.return_after_break")
    assert (flag["end"], flag["value"]) == ("2026-07-21", pytest.approx(0.8))
    assert "had 32.0 km so far, 80% of your weekly average before the break" in flag["message"]


def test_building_back_to_the_old_week_within_a_month_is_still_a_jump(tmp_path):
    # 5 x 8 km a week to 06-28, a month off, then 3 x 8 km (24 km) and the week after
    # 5 x 8 km (40 km, +67%): past the 75% of the usual week a return allows, so a weekly
    # jump, as for anyone (the seven days from the first run back also raise the return flag)
    rows = (five_a_week("2026-03-02", 17, 8) + weekly("2026-07-27", 1, {1: 8, 3: 8, 6: 8})
            + five_a_week("2026-08-03", 1, 8))
    out = runlog_report(write_log(tmp_path / "log", rows), "2026-08-09")
    assert [f["date"] for f in load_flags(out, "load.weekly_ramp")] == ["2026-08-03"]
