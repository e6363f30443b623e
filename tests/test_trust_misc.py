"""Issue 11, "Flags a runner can trust", items 11-15: surface, hand-log types, per-foot cadence,
cadence at matched pace, and variety noise. Each test is built the way a runner hits it: a
runlog CSV in a folder, ``runlog report DIR --as-of DAY --format json``.

As of Monday 2026-10-05 the report window is 09-08..10-05; its complete weeks are those of
09-14, 09-21 and 09-28; the cadence baseline is 06-10..09-07.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from runlog.cli import main

AS_OF = "2026-10-05"
HEADER = "date,distance,duration,type,surface,shoe,cadence,name"
KM_PER_MI = 1.609344


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "store.sqlite"))
    return CliRunner()


def every(first: str, count: int, step: int = 1) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=step * i)).isoformat() for i in range(count)]


def line(day: str, distance: float, unit: str = "km", *, pace_s_per_km: float = 330.0,
         kind: str = "Run", surface: str = "", shoe: str = "", cadence: str = "",
         name: str = "", time: str = "07:00") -> str:
    """One row of a runlog CSV: ``distance`` in ``unit``, its duration from the pace."""
    km = distance * (KM_PER_MI if unit == "mi" else 1.0)
    seconds = round(km * pace_s_per_km)
    duration = f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return f"{day} {time},{distance:g} {unit},{duration},{kind},{surface},{shoe},{cadence},{name}"


def log(folder: Path, lines: list[str], units: str = "km") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "log.csv").write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    (folder / "runlog.toml").write_text(f'units = "{units}"\ntimezone = "UTC"\n',
                                        encoding="utf-8")
    return folder


def report(runner: CliRunner, folder: Path, as_of: str = AS_OF) -> dict[str, Any]:
    result = runner.invoke(main, ["report", str(folder), "--as-of", as_of, "--format", "json",
                                  "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def activities(runner: CliRunner, folder: Path) -> list[dict[str, Any]]:
    result = runner.invoke(main, ["activities", str(folder), "--format", "json", "--sport",
                                  "all", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def codes(rep: dict[str, Any], prefix: str = "") -> list[str]:
    return [f["code"] for f in rep["flags"] + rep["history"] if f["code"].startswith(prefix)]


def flag(rep: dict[str, Any], code: str) -> dict[str, Any]:
    found = [f for f in rep["flags"] if f["code"] == code]
    assert len(found) == 1, f"expected one {code}, got {codes(rep)}"
    return found[0]


# --- 11: surface.hard / surface.shift on a sliver ------------------------------------------

@pytest.mark.parametrize("units", ["km", "mi"])
def test_item11_a_road_5k_among_unknown_surfaces_says_nothing_about_roads(runner, tmp_path,
                                                                          units):
    # 13 runs of 8 with no surface and one "Road 5k": 5 of 109 known, all of it road
    lines = [line(d, 8, units, name="Morning run") for d in every("2026-09-10", 13, 2)]
    lines.append(line("2026-10-03", 5, units, name="Road 5k"))
    rep = report(runner, log(tmp_path / "sam", lines, units))
    assert "surface.hard" not in codes(rep)
    unknown = flag(rep, "surface.unknown")
    assert unknown["value"] == pytest.approx(104 / 109, abs=1e-4)
    assert unknown["message"].startswith(
        f"95% of your recent running (104.0 {units}) has no known surface. Only 5.0 {units} of "
        f"your recent 109.0 {units} of running (5%) has a known surface, so runlog does not "
        "judge the mix of hard and soft surfaces (it does when more than 50% has one).")


def test_item11_half_the_distance_known_is_not_most(runner, tmp_path):
    # 40 km of road and 40 km unknown: not "most" known, and not over half unknown either,
    # so a data note says why there is no verdict
    lines = [line(d, 8, surface="road") for d in every("2026-09-10", 5, 2)]
    lines += [line(d, 8) for d in every("2026-09-21", 5, 2)]
    rep = report(runner, log(tmp_path / "sam", lines))
    assert not [c for c in codes(rep, "surface.")]
    assert ("Surface mix not judged: only 40.0 km of your recent 80.0 km of running (50%) has "
            "a known surface, so runlog does not judge the mix of hard and soft surfaces (it "
            "does when more than 50% has one)." in rep["data_notes"])


def test_item11_mostly_known_roads_are_judged_and_the_unknown_is_said(runner, tmp_path):
    lines = [line(d, 8, surface="road") for d in every("2026-09-10", 10, 2)]
    lines += [line(d, 8) for d in ("2026-10-01", "2026-10-03")]  # 16 of 96 km unknown
    rep = report(runner, log(tmp_path / "sam", lines))
    hard = flag(rep, "surface.hard")
    assert hard["value"] == 1.0
    assert hard["message"].startswith("100% of your recent running with a known surface was "
                                      "on roads (80.0 km of 80.0 km; 16.0 km has no known "
                                      "surface).")
    assert not [n for n in rep["data_notes"] if n.startswith("Surface mix not judged")]


def test_item11_no_shift_from_a_sliver_of_known_surface(runner, tmp_path):
    # 4 weeks before: 90 km of unknown surface and a "Road 5k"; last 7 days: a trail run
    # and 10 km unknown. Known before: 5 of 95 km, too little to say trail is new.
    lines = [line(d, 15) for d in every("2026-09-02", 6, 4)]
    lines.append(line("2026-09-26", 5, name="Road 5k"))
    lines += [line("2026-10-01", 10), line("2026-10-03", 12, name="Trail run")]
    rep = report(runner, log(tmp_path / "sam", lines))
    assert "surface.shift" not in codes(rep)


@pytest.mark.parametrize("units", ["km", "mi"])
def test_item11_a_shift_says_how_much_surface_is_unknown(runner, tmp_path, units):
    lines = [line(d, 15, units, surface="road") for d in every("2026-09-02", 6, 4)]
    lines.append(line("2026-09-26", 10, units))
    lines += [line("2026-09-30", 8, units, surface="road"), line("2026-10-01", 4, units),
              line("2026-10-03", 12, units, kind="Trail Run")]
    shift = flag(report(runner, log(tmp_path / "sam", lines, units)), "surface.shift")
    assert shift["value"] == pytest.approx(0.6)
    assert shift["message"].startswith(
        f"60% of your running with a known surface in the last 7 days was on trail (12.0 "
        f"{units} of 20.0 {units}), against 0% in the 4 weeks before (0.0 {units} of 90.0 "
        f"{units}); 4.0 {units} in the last 7 days and 10.0 {units} before have no known "
        "surface.")


# --- 12: hand-log types ------------------------------------------------------------------

HAND_TYPES = ["Race", "Long Run", "Easy Run", "Treadmill Run", "Tempo", "Intervals", "Jog",
              "Parkrun"]


def test_item12_hand_log_types_are_runs(runner, tmp_path):
    days = every("2026-09-20", len(HAND_TYPES), 2)
    folder = log(tmp_path / "sam", [line(d, 5, kind=kind) for d, kind in zip(days, HAND_TYPES)])
    by_type = {kind: act for kind, act in zip(HAND_TYPES, activities(runner, folder))}
    assert {act["sport"] for act in by_type.values()} == {"running"}
    assert (by_type["Treadmill Run"]["surface"], by_type["Treadmill Run"]["surface_source"]) \
        == ("treadmill", "runlog csv type")
    # a parkrun course may be grass, trail or paths: nothing says which
    assert by_type["Parkrun"]["surface"] == "unknown"
    assert by_type["Race"]["sub_sport"] == by_type["Parkrun"]["sub_sport"] == "race"
    rep = report(runner, folder)
    assert (rep["summary"]["runs"], rep["summary"]["other_sessions"]) == (8, 0)
    assert not [n for n in rep["data_notes"] if "could not classify" in n]


@pytest.mark.parametrize("kind, sport, surface", [
    ("Fun Run", "running", "unknown"), ("Recovery Run", "running", "unknown"),
    ("Track Workout", "running", "track"), ("10K Race", "running", "unknown"),
    ("Hill Repeats", "running", "unknown"), ("Speed Work", "running", "unknown"),
    ("Trail Race", "running", "trail"), ("Road Race", "running", "road"),
    # a sport's word wins over a kind of run; running in a pool is cross-training
    ("Long Ride", "cycling", "unknown"), ("Easy Spin", "cycling", "unknown"),
    ("Aqua Jogging", "fitness", "unknown"),
])
def test_item12_more_hand_log_types(runner, tmp_path, kind, sport, surface):
    folder = log(tmp_path / "sam", [line("2026-09-20", 5, kind=kind)])
    [act] = activities(runner, folder)
    assert (act["sport"], act["surface"]) == (sport, surface)


@pytest.mark.parametrize("units", ["km", "mi"])
def test_item12_a_race_after_easy_runs_is_a_spike_alert(runner, tmp_path, units):
    lines = [line(d, 8, units, kind="Easy Run") for d in every("2026-09-01", 12, 3)]
    lines.append(line("2026-10-04", 21.1, units, kind="Race", name="Half"))
    rep = report(runner, log(tmp_path / "sam", lines, units))
    spike = flag(rep, "load.spike")
    assert spike["severity"] == "alert"
    assert f"21.1 {units} on 2026-10-04 was 164% longer" in spike["message"]
    assert rep["summary"]["longest_run"] == 21.1
    assert rep["variety"]["cross_training_sessions"] == 0


def test_item12_unknown_types_are_a_data_note_and_no_cross_training(runner, tmp_path):
    lines = [line("2026-08-20", 30, kind="Ride")]
    lines += [line(d, 8) for d in every("2026-09-10", 8, 3)]
    lines += [line("2026-09-12", 3, kind="Breathwork"), line("2026-09-19", 3, kind="Breathwork"),
              line("2026-09-26", 10, kind="Kitesurf")]
    rep = report(runner, log(tmp_path / "sam", lines))
    # the August ride is the history's only other sport: none lately
    assert flag(rep, "variety.no_cross_training")["message"].startswith(
        "No sport other than running in the last 28 days, though your history has 1 such "
        "session.")
    assert rep["variety"]["cross_training_sessions"] == 0
    assert ("runlog could not classify 3 activities by type ('Breathwork': 2, 'Kitesurf': 1): "
            "they count in no running rule and not as cross-training." in
            " ".join(rep["data_notes"]))


# --- 13: per-foot cadence in a runlog CSV -------------------------------------------------

@pytest.mark.parametrize("units", ["km", "mi"])
def test_item13_per_foot_cadence_is_doubled(runner, tmp_path, units):
    cadences = [86, 87, 88, 87, 86, 88]
    lines = [line(d, 8, units, cadence=str(c))
             for d, c in zip(every("2026-09-20", 6, 2), cadences)]
    lines.append(line("2026-10-03", 3, units, kind="Walk", cadence="55"))
    folder = log(tmp_path / "sam", lines, units)
    acts = activities(runner, folder)
    runs = [a for a in acts if a["sport"] == "running"]
    assert [a["cadence_spm"] for a in runs] == [2.0 * c for c in cadences]
    assert {a["cadence_source"] for a in runs} == {"runlog csv cadence x2 (per foot)"}
    assert "cadence 86 counts one foot: doubled" in runs[0]["notes"]
    [walk] = [a for a in acts if a["sport"] == "walking"]
    assert walk["cadence_spm"] == 110.0
    rep = report(runner, folder)
    assert rep["cadence"]["median"] == 174.0
    assert not [c for c in codes(rep, "cadence.") if c in ("cadence.low", "cadence.high")]


def test_item13_a_log_that_changed_watches_keeps_each_row_right(runner, tmp_path):
    # per-foot rows from an app, then steps/min from a watch, in one file
    lines = [line(d, 8, cadence=str(c)) for d, c in zip(every("2026-09-20", 4, 2),
                                                         ["86", "87", "174", "172"])]
    acts = activities(runner, log(tmp_path / "sam", lines))
    assert [a["cadence_spm"] for a in acts] == [172.0, 174.0, 174.0, 172.0]


def test_item13_steps_per_minute_stay_as_they_are(runner, tmp_path):
    folder = log(tmp_path / "sam", [line(d, 8, cadence="172") for d in every("2026-09-20", 3)])
    acts = activities(runner, folder)
    assert {(a["cadence_spm"], a["cadence_source"]) for a in acts} == {
        (172.0, "runlog csv cadence (steps/min)")}


# --- 14: cadence.drop at matched pace ------------------------------------------------------

def cadence_history(before: list[tuple[float, int]], now: list[tuple[float, int]],
                    unit: str = "km") -> list[str]:
    """Runs of 8 km: (pace s/km, cadence) every 4 days from 06-15 for the baseline, every 2
    days from 09-10 in the window."""
    lines = [line(d, 8 if unit == "km" else 5, unit, pace_s_per_km=p, cadence=str(c))
             for d, (p, c) in zip(every("2026-06-15", len(before), 4), before)]
    return lines + [line(d, 8 if unit == "km" else 5, unit, pace_s_per_km=p, cadence=str(c))
                    for d, (p, c) in zip(every("2026-09-10", len(now), 2), now)]


@pytest.mark.parametrize("units, pace", [("km", "6:30/km"), ("mi", "10:28/mi")])
def test_item14_slowing_the_easy_runs_is_not_a_cadence_drop(runner, tmp_path, units, pace):
    # baseline at 5:30/km and 176; the easy runs now 6:30/km and 166 (5.7% lower): cadence
    # falls with pace, and no baseline run was that slow
    lines = cadence_history([(330, 176)] * 20, [(390, 166)] * 10, units)
    rep = report(runner, log(tmp_path / "sam", lines, units))
    assert "cadence.drop" not in codes(rep)
    assert ("Easy-run cadence not compared with your baseline: only 0 of your runs in the 90 "
            f"days before the last 28 were at your recent easy pace of {pace} (within 5%), and "
            "cadence changes with pace; 3 are needed." in rep["data_notes"])


def test_item14_a_drop_at_the_same_pace_is_noted(runner, tmp_path):
    lines = cadence_history([(360, 180)] * 20, [(360, 170)] * 10)
    drop = flag(report(runner, log(tmp_path / "sam", lines)), "cadence.drop")
    assert drop["severity"] == "info"
    assert drop["value"] == pytest.approx(1 - 170 / 180, abs=1e-4)
    assert drop["message"].startswith("Your easy runs lately average 170 steps/min, 5.6% below "
                                      "your own baseline of 180 in the 90 days before, both at "
                                      "6:00/km (within 5%).")


def test_item14_exactly_5_percent_is_not_more_than_5(runner, tmp_path):
    lines = cadence_history([(360, 180)] * 20, [(360, 171)] * 10)  # 1 - 171 / 180 = 5%
    assert "cadence.drop" not in codes(report(runner, log(tmp_path / "sam", lines)))


def test_item14_the_baseline_is_the_runs_at_the_recent_easy_pace(runner, tmp_path):
    # the baseline had fast runs at 178 and easy ones (6:30/km) at 168; the easy runs now are
    # at 167: 0.6% below the easy baseline, though 6% below the fast runs
    before = [(330, 178), (330, 178), (390, 168)] * 6
    lines = cadence_history(before, [(390, 167)] * 10)
    rep = report(runner, log(tmp_path / "sam", lines))
    assert "cadence.drop" not in codes(rep)
    assert not [n for n in rep["data_notes"] if n.startswith("Easy-run cadence")]


# --- 15: variety noise ---------------------------------------------------------------------

def daily_6k(units: str = "km", first: str = "2026-08-24", count: int = 42) -> list[str]:
    six = 6 if units == "km" else 3.7
    return [line(d, six, units, shoe="Pegasus") for d in every(first, count)]


@pytest.mark.parametrize("units", ["km", "mi"])
def test_item15_the_same_6k_every_day_is_one_note(runner, tmp_path, units):
    rep = report(runner, log(tmp_path / "sam", daily_6k(units), units))
    assert codes(rep, "variety.") == ["variety.same_distance"]
    same = flag(rep, "variety.same_distance")
    assert same["severity"] == "info"
    six = "6.0 km" if units == "km" else "3.7 mi"
    assert same["message"] == (
        f"Your 27 recent runs barely differ in distance (median {six}, variation 0.0%). So "
        f"there is no long run: in none of your last 3 complete weeks of running was one run "
        f"25% of the week (at most 14.3%: {six} of {'42.0 km' if units == 'km' else '25.9 mi'} "
        "in the week of 2026-09-14); coaches suggest a long run of about 25-30% of the week. "
        "Their pace barely varies either (0.0%): no easy days. Mix short runs with long runs "
        "and easy days with harder ones.")
    assert {f["severity"] for f in rep["flags"] if f["code"].startswith("variety.")} == {"info"}


def test_item15_a_spike_outranks_the_same_run_in_coach_mode(runner, tmp_path):
    roster = tmp_path / "roster"
    log(roster / "dull", daily_6k())
    spiky = [line(d, 8) for d in every("2026-08-24", 12, 3)]
    spiky.append(line("2026-10-03", 12.56))  # +57% on the longest of the 30 days before
    log(roster / "spiky", spiky)
    out = tmp_path / "out"
    result = runner.invoke(main, ["batch", str(roster), "-o", str(out), "--format", "json",
                                  "--as-of", AS_OF, "--jobs", "1"])
    assert result.exit_code == 0, result.output
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [(a["athlete"], a["worst"]) for a in index["athletes"]] == [
        ("spiky", "warning"), ("dull", "info")]
    spike = json.loads((out / "spiky.json").read_text(encoding="utf-8"))
    assert flag(spike, "load.spike")["severity"] == "warning"


def test_item15_a_long_run_of_a_third_of_the_week_is_a_long_run(runner, tmp_path):
    # Monday, Wednesday, Friday 8 km and Sunday 11.3 km: 32% of each week (longest / median
    # is only 1.41, which the old rule flagged)
    lines = []
    for monday in every("2026-08-31", 5, 7):
        lines += [line(d, 8) for d in every(monday, 3, 2)]
        lines.append(line(every(monday, 2, 6)[1], 11.3))
    rep = report(runner, log(tmp_path / "sam", lines))
    assert "variety.no_long_run" not in codes(rep)
    assert rep["variety"]["long_run_share"] == pytest.approx(11.3 / 35.3, abs=1e-4)


@pytest.mark.parametrize("units", ["km", "mi"])
def test_item15_no_run_a_quarter_of_its_week(runner, tmp_path, units):
    # six runs a week of 5, 6 and 7: the longest is 7 of 36, 19.4%
    lines = []
    for monday in every("2026-08-31", 5, 7):
        lines += [line(d, 5 + i % 3, units, pace_s_per_km=300 + 15 * i)
                  for i, d in enumerate(every(monday, 6))]
    rep = report(runner, log(tmp_path / "sam", lines, units))
    assert codes(rep, "variety.") == ["variety.no_long_run"]
    long_run = flag(rep, "variety.no_long_run")
    assert (long_run["severity"], long_run["value"], long_run["threshold"]) == (
        "info", pytest.approx(7 / 36, abs=1e-4), 0.25)
    assert long_run["message"].startswith(
        f"In none of your last 3 complete weeks of running was one run 25% of the week (at "
        f"most 19.4%: 7.0 {units} of 36.0 {units} in the week of 2026-09-14)")


def _every_other_day() -> list[str]:
    return [line(d, 8) for d in every("2026-08-10", 28, 2)]


def _five_a_week() -> list[str]:
    return [line(d, 6 + 2 * (i % 5 == 4), pace_s_per_km=300 + 20 * (i % 5))
            for w in every("2026-08-10", 8, 7) for i, d in enumerate(every(w, 5))]


def _two_a_day() -> list[str]:
    return [line(d, km, time=t, pace_s_per_km=p)
            for d in every("2026-08-10", 56) if date.fromisoformat(d).weekday() < 5
            for km, t, p in ((10, "07:00", 320), (5, "18:00", 360))]


def _from_last_week() -> list[str]:
    return [line(d, 6) for d in every("2026-09-29", 7)]


def _a_month_off() -> list[str]:
    return [line(d, 6) for d in every("2026-07-20", 40)] + [
        line(d, 6) for d in every("2026-10-01", 4)]


def _with_walks() -> list[str]:
    return [line(d, 8) for d in every("2026-08-10", 24, 3)] + [
        line(d, 3, kind="Walk", pace_s_per_km=700, time="19:00")
        for d in every("2026-08-10", 56)]


@pytest.mark.parametrize("history, expected", [
    # 3-4 runs a week of 8 km: the same run (info), but each is a third of its week
    (_every_other_day, ["variety.same_distance"]),
    # four of 6 km and one of 8 (8 of 32 = 25% of the week), paces 5:00-6:20/km: nothing
    (_five_a_week, []),
    # 10 km and 5 km each weekday: the 10 is 13% of a 75 km week
    (_two_a_day, ["variety.no_long_run"]),
    # one complete week of history: too little for the long run, and only 7 runs
    (_from_last_week, ["variety.same_pace"]),
    # four runs after a month off: nothing to judge
    (_a_month_off, []),
    # walks are neither runs nor cross-training
    (_with_walks, ["variety.same_distance"]),
])
def test_item15_ordinary_lives(runner, tmp_path, history, expected):
    rep = report(runner, log(tmp_path / "sam", history()))
    assert codes(rep, "variety.") == expected
    assert all(f["severity"] == "info" for f in rep["flags"] if f["code"].startswith("variety."))
