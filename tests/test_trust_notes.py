"""Issue 11, items 16-18, and issue 15, item 1: what a report says about its own data, and
how coach mode ranks. Each test writes a hand-kept runlog CSV (and runlog.toml) the way a user
would and runs ``runlog report`` or ``runlog batch``."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import runlog
from runlog.cli import main
from runlog.importers.csv_runlog import parse_distance


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "store.sqlite"))
    return CliRunner()


def write_log(folder: Path, rows: list[str], toml: str | None = 'timezone = "UTC"\n') -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "log.csv").write_text("date,distance,duration,type\n" + "\n".join(rows) + "\n",
                                    encoding="utf-8")
    if toml is not None:
        (folder / "runlog.toml").write_text(toml, encoding="utf-8")
    return folder


def report_json(runner: CliRunner, folder: Path, as_of: str, *more: str) -> dict:
    result = runner.invoke(main, ["report", str(folder), "--as-of", as_of, "--format", "json",
                                  "--quiet", *more])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def steady(start: date, days: int, km: float = 8.0) -> list[str]:
    return [f"{start + timedelta(days=d)} 07:00,{km} km,45:00,Run" for d in range(0, days, 2)]


# Item 17 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("written,metres", [
    ("10K", 10_000.0), ("5k", 5_000.0), ("13.1 miles", 13.1 * 1609.344),
    ("1 mile", 1609.344), ("800 metres", 800.0), ("3 kms", 3000.0), ("Half Marathon", 21097.5),
    ("marathon", 42195.0), ("10 km", 10_000.0), ("6,2 mi", 6.2 * 1609.344),
])
def test_item17_distances_as_people_write_them(written: str, metres: float) -> None:
    assert parse_distance(written) == pytest.approx(metres)


def test_item17_rows_left_out_are_in_every_report_format(runner: CliRunner,
                                                         tmp_path: Path) -> None:
    folder = write_log(tmp_path / "log", [
        "2026-11-01,10K,50:00,Run", "2026-11-02,8 furlongs,40:00,Run",
        "2026-11-03,about ten,50:00,Run", "2026-11-04,8 km,40:00,Run"])
    report = report_json(runner, folder, "2026-11-05")
    assert [(r["path"].endswith("log.csv"), r["reason"]) for r in report["left_out"]] == [
        (True, "row left out: distance '8 furlongs' not understood (at line 3)"),
        (True, "row left out: distance 'about ten' not understood (at line 4)")]
    assert any("2 parts of files" in note and "in no flag" in note
               for note in report["data_notes"])
    assert report["summary"]["runs"] == 2  # 10K and 8 km were read
    for fmt, needle in (("text", "'8 furlongs'"), ("markdown", "'8 furlongs'"),
                        ("html", "&#x27;8 furlongs&#x27;")):
        shown = runner.invoke(main, ["report", str(folder), "--as-of", "2026-11-05",
                                     "--format", fmt, "--quiet"])
        assert needle in shown.stdout, fmt


def test_item17_a_log_of_weekly_totals_is_noticed(runner: CliRunner, tmp_path: Path) -> None:
    start = date(2026, 6, 7)  # Sundays
    folder = write_log(tmp_path / "weekly", [
        f"{start + timedelta(weeks=w)},{40 + w % 3} km,3:40:00,Run" for w in range(12)])
    notes = report_json(runner, folder, "2026-08-30")["data_notes"]
    weekly = [n for n in notes if "weekly totals" in n]
    assert len(weekly) == 1 and "12 rows are whole weeks apart" in weekly[0]


def test_item17_a_weekly_long_run_among_daily_runs_is_not_weekly_totals(
        runner: CliRunner, tmp_path: Path) -> None:
    start = date(2026, 6, 7)
    rows = [f"{start + timedelta(weeks=w)},30 km,3:00:00,Run" for w in range(12)]
    rows += [f"{start + timedelta(weeks=w, days=2)},8 km,45:00,Run" for w in range(12)]
    notes = report_json(runner, write_log(tmp_path / "l", rows), "2026-08-30")["data_notes"]
    assert not [n for n in notes if "weekly totals" in n]


# Item 18 ------------------------------------------------------------------------------------
GPX = ('<?xml version="1.0"?><gpx version="1.1" creator="t" '
       'xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>{}'
       '</trkseg></trk></gpx>')


def gpx_run(day: date) -> str:
    points = "".join(f'<trkpt lat="{46 + i * 0.0003:.5f}" lon="14.0"><time>{day}T07:'
                     f'{i // 6:02d}:{i % 6 * 10:02d}Z</time></trkpt>' for i in range(180))
    return GPX.format(points)


def test_item18_days_cut_on_the_machine_clock_are_said(runner: CliRunner, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    folder = tmp_path / "gpx"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.gpx").write_text(gpx_run(date(2026, 11, 1 + n)), encoding="utf-8")
    notes = report_json(runner, folder, "2026-11-05")["data_notes"]
    said = [n for n in notes if "time zone" in n]
    assert len(said) == 1
    assert said[0].startswith("3 activities carry no clock of their own")
    assert "Set timezone in runlog.toml" in said[0]
    # With the athlete's zone set, nothing to say.
    (folder / "runlog.toml").write_text('timezone = "Asia/Tokyo"\n', encoding="utf-8")
    notes = report_json(runner, folder, "2026-11-05")["data_notes"]
    assert not [n for n in notes if "time zone" in n]


def test_item18_a_hand_log_keeps_its_own_clock(runner: CliRunner, tmp_path: Path) -> None:
    folder = write_log(tmp_path / "log", steady(date(2026, 10, 1), 30), toml=None)
    notes = report_json(runner, folder, "2026-10-30")["data_notes"]
    assert not [n for n in notes if "time zone" in n]


# Issue 15, item 1: stale data -----------------------------------------------------------
def test_stale_history_is_a_current_warning_that_fail_on_acts_on(runner: CliRunner,
                                                                  tmp_path: Path) -> None:
    folder = write_log(tmp_path / "log", steady(date(2026, 8, 1), 60))
    report = report_json(runner, folder, "2026-11-15")
    stale = [f for f in report["flags"] if f["code"] == "data.stale"]
    assert len(stale) == 1 and stale[0]["severity"] == "warning"
    assert "2026-09-28" in stale[0]["message"] and "48 days before 2026-11-15" in \
        stale[0]["message"]
    assert report["history_span"] == {"first_day": "2026-08-01", "latest_day": "2026-09-28",
                                      "latest_run": "2026-09-28"}
    text = runner.invoke(main, ["report", str(folder), "--as-of", "2026-11-15", "--quiet",
                                "--fail-on", "warning"])
    assert text.exit_code == 3
    assert "History: 2026-08-01 to 2026-09-28." in " ".join(text.stdout.split())


def test_a_current_history_is_not_stale(runner: CliRunner, tmp_path: Path) -> None:
    folder = write_log(tmp_path / "log", steady(date(2026, 8, 1), 60))
    report = report_json(runner, folder, "2026-10-10")
    assert "data.stale" not in {f["code"] for f in report["flags"] + report["history"]}


def test_stale_through_a_real_process_exits_3_for_cron(tmp_path: Path) -> None:
    folder = write_log(tmp_path / "log", steady(date(2024, 1, 1), 30))
    done = subprocess.run([sys.executable, "-m", "runlog", "report", str(folder), "--no-store",
                           "--quiet", "--fail-on", "warning"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 3, done.stderr
    assert "No runs in the last 28 days" in done.stdout


# Item 16 ------------------------------------------------------------------------------------
def test_item16_flags_of_equal_severity_list_the_stronger_evidence_first(tmp_path: Path) -> None:
    # Six weeks of 8 km Monday to Friday, then a week with a 15 km Saturday run as well: a
    # +38% week (weak evidence, dated Monday) and an +88% spike (moderate, dated Saturday).
    monday = date(2026, 8, 3)
    rows = [f"{monday + timedelta(weeks=w, days=d)} 07:00,8 km,45:00,Run"
            for w in range(7) for d in range(5)]
    rows.append(f"{monday + timedelta(weeks=6, days=5)} 07:00,15 km,1:30:00,Run")
    folder = write_log(tmp_path / "one", rows)
    report = runlog.analyze(runlog.load([folder]), as_of=monday + timedelta(weeks=6, days=6))
    warnings = [(f.code, f.evidence) for f in report.flags if str(f.severity) == "warning"]
    assert warnings[:2] == [("load.spike", "moderate"), ("load.weekly_ramp", "weak")]


def test_item16_coach_ranks_a_spike_above_guideline_notes(tmp_path: Path) -> None:
    start = date(2026, 8, 1)
    roster = tmp_path / "roster"
    # Ann: the same 6 km daily, many notes, no spike. Ben: varied runs, one +57% spike.
    write_log(roster / "Ann", [f"{start + timedelta(days=d)} 07:00,6 km,33:00,Run"
                               for d in range(76)])
    ben = [f"{start + timedelta(days=d)} 07:00,{(6, 8, 10, 7)[d % 4]} km,"
           f"{(33, 48, 62, 40)[d % 4]}:00,Run" for d in range(75) if d % 7 != 3]
    ben.append(f"{start + timedelta(days=75)} 07:00,15.7 km,1:35:00,Run")
    write_log(roster / "Ben", ben)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(roster), "-o", str(out), "--as-of",
                                       str(start + timedelta(days=76)), "--jobs", "1",
                                       "--store", str(tmp_path / "store.sqlite")])
    assert result.exit_code == 0, result.output
    athletes = json.loads((out / "index.json").read_text(encoding="utf-8"))["athletes"]
    by_name = {a["athlete"]: a for a in athletes}
    assert by_name["Ben"]["top_flag"] == "load.spike"
    assert by_name["Ben"]["top_evidence"] == "moderate"
    assert athletes[0]["athlete"] == "Ben"
