"""Reports on the sample athletes: golden text and Markdown, deterministic HTML, JSON equal
to the API's Report.to_dict(), and --fail-on exit codes through a real subprocess.

Regenerate the golden files after an intended change with RUNLOG_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import runlog
from conftest import EXAMPLES
from runlog.cli import main
from runlog.report import render

GOLDEN = Path(__file__).parent / "golden"
AS_OF = "2026-11-15"
ATHLETES = {"alex": EXAMPLES / "strava-export", "sam": EXAMPLES / "watch-folder"}


@pytest.fixture(scope="module")
def reports() -> dict[str, runlog.Report]:
    return {name: runlog.analyze(runlog.load([path]), as_of=AS_OF)
            for name, path in ATHLETES.items()}


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("markdown", "md")])
@pytest.mark.parametrize("athlete", sorted(ATHLETES))
def test_golden(reports: dict[str, runlog.Report], athlete: str, fmt: str, suffix: str) -> None:
    rendered = render(reports[athlete], fmt)
    path = GOLDEN / f"{athlete}.{suffix}"
    if os.environ.get("RUNLOG_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def test_text_fits_80_columns(reports: dict[str, runlog.Report]) -> None:
    for report in reports.values():
        assert max(len(line) for line in render(report, "text").splitlines()) <= 80


def test_examples_raise_the_flags_they_were_built_to_raise(
        reports: dict[str, runlog.Report]) -> None:
    alex = {f.code for f in reports["alex"].flags}
    assert {"shoe.replace", "shoe.single", "cadence.low", "surface.hard",
            "variety.same_distance", "variety.no_cross_training"} <= alex
    # the same run every day is one note, which also says there is no long run and one pace
    same = next(f for f in reports["alex"].flags if f.code == "variety.same_distance")
    assert "So there is no long run" in same.message and "no easy days" in same.message
    assert not alex & {"variety.no_long_run", "variety.same_pace"}
    assert not alex & {"load.spike", "load.return_after_break", "cadence.missing",
                       "surface.unknown", "shoe.approaching"}
    sam = {f.code for f in reports["sam"].flags}
    assert {"load.spike", "shoe.approaching"} <= sam
    assert not sam & {"shoe.replace", "cadence.low", "surface.hard", "variety.same_distance",
                      "variety.no_long_run", "variety.same_pace", "variety.no_cross_training",
                      "cadence.missing", "surface.unknown"}
    assert "load.return_after_break" in {f.code for f in reports["sam"].history}
    spike = next(f for f in reports["sam"].flags if f.code == "load.spike")
    assert str(spike.severity) == "alert" and spike.date.isoformat() == "2026-11-08"


def test_html_is_deterministic_and_json_equals_the_api(
        reports: dict[str, runlog.Report], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "store.sqlite"))
    runner = CliRunner()
    html = [runner.invoke(main, ["report", str(ATHLETES["sam"]), "--as-of", AS_OF, "--format",
                                 "html", "-o", str(tmp_path / f"{i}.html")])
            for i in range(2)]
    assert all(r.exit_code == 0 for r in html)
    assert (tmp_path / "0.html").read_bytes() == (tmp_path / "1.html").read_bytes()
    result = runner.invoke(main, ["report", str(ATHLETES["alex"]), "--as-of", AS_OF,
                                  "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(json.dumps(reports["alex"].to_dict()))


@pytest.mark.parametrize("fail_on,code", [("alert", 3), ("warning", 3), ("info", 3)])
def test_fail_on_exit_codes_through_a_subprocess(tmp_path: Path, fail_on: str,
                                                 code: int) -> None:
    env = {**os.environ, "RUNLOG_STORE": str(tmp_path / "s.sqlite")}
    args = [sys.executable, "-m", "runlog", "report", str(ATHLETES["alex"]), "--as-of", AS_OF,
            "--format", "json", "-o", str(tmp_path / "r.json"), "--quiet"]
    done = subprocess.run(args + ["--fail-on", fail_on], capture_output=True, text=True,
                          env=env, timeout=180)
    assert done.returncode == code, done.stderr
    assert json.loads((tmp_path / "r.json").read_text())["flags"]
    plain = subprocess.run(args, capture_output=True, text=True, env=env, timeout=180)
    assert plain.returncode == 0


def test_fail_on_below_the_worst_current_flag_exits_0(tmp_path: Path) -> None:
    # Three months of daily trail runs cycling 5/6/7/12 km, cadence on one run in three, a
    # ride each week: as of 2026-10-28 the only current flag is cadence.missing (info).
    calm = tmp_path / "calm"
    calm.mkdir()
    rows = ["date,distance,duration,type,surface,cadence"]
    for i in range(89):
        km = (5, 6, 7, 12)[i % 4]
        day = (pd.Timestamp("2026-08-01 07:00") + pd.Timedelta(days=i)).strftime("%Y-%m-%d %H:%M")
        rows.append(f"{day},{km} km,{km * (5 + i % 3)}:00,Run,trail,{176 if i % 3 == 0 else ''}")
        if i % 7 == 3:
            rows.append(f"{day[:10]} 18:00,20 km,45:00,Ride,,")
    (calm / "log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = {**os.environ, "RUNLOG_STORE": str(tmp_path / "s.sqlite")}
    done = subprocess.run(
        [sys.executable, "-m", "runlog", "report", str(calm), "--as-of", "2026-10-28",
         "--fail-on", "warning", "--format", "json"], capture_output=True, text=True, env=env,
        timeout=180)
    flags = json.loads(done.stdout)["flags"]
    assert [f["code"] for f in flags] == ["cadence.missing"]
    assert done.returncode == 0, done.stderr
    info = subprocess.run(
        [sys.executable, "-m", "runlog", "report", str(calm), "--as-of", "2026-10-28",
         "--fail-on", "info", "--quiet"], capture_output=True, text=True, env=env, timeout=180)
    assert info.returncode == 3
