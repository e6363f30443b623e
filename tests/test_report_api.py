"""Issue 15, item 14: what runners look for: totals per month and year, and a public way to
render a report from Python (``report.render``, a notebook's ``_repr_html_``)."""

from __future__ import annotations

import html
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import runlog
from conftest import EXAMPLES
from runlog.cli import main


def write_log(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "log.csv").write_text("date,distance,duration,type\n" + "\n".join(rows) + "\n",
                                    encoding="utf-8")
    (folder / "runlog.toml").write_text('units = "km"\ntimezone = "UTC"\n', encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def sam() -> runlog.Report:
    return runlog.analyze(runlog.load([EXAMPLES / "watch-folder"]), as_of="2026-11-15")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_render_is_what_the_command_prints(sam: runlog.Report, fmt: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "s.sqlite"))
    printed = CliRunner().invoke(main, ["report", str(EXAMPLES / "watch-folder"), "--as-of",
                                        "2026-11-15", "--format", fmt, "--quiet"])
    assert printed.exit_code == 0
    assert sam.render(fmt) == printed.stdout


def test_a_notebook_shows_the_html_report_in_its_own_frame(sam: runlog.Report) -> None:
    shown = sam._repr_html_()
    assert shown.startswith("<iframe ") and shown.endswith("></iframe>")
    page = html.unescape(shown.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert page == sam.render("html")


def test_totals_by_month_and_year_hand_computed(tmp_path: Path) -> None:
    # 10 km on 2025-12-30 and 31, then 5 km every day of January 2026, and 8 km on Feb 1-3.
    rows = [f"2025-12-{d} 07:00,10 km,50:00,Run" for d in (30, 31)]
    rows += [f"{date(2026, 1, 1) + timedelta(days=d)} 07:00,5 km,25:00,Run" for d in range(31)]
    rows += [f"2026-02-0{d} 07:00,8 km,40:00,Run" for d in (1, 2, 3)]
    rows += ["2026-01-15 18:00,20 km,40:00,Ride"]
    report = runlog.analyze(runlog.load([write_log(tmp_path / "log", rows)]),
                            as_of="2026-02-03")
    totals = report.to_dict()["totals"]
    assert [(m["period"], m["runs"], m["distance"], m["moving_time_s"], m["complete"])
            for m in totals["months"]] == [
        ("2025-12", 2, 20.0, 6000.0, True), ("2026-01", 31, 155.0, 46500.0, True),
        ("2026-02", 3, 24.0, 7200.0, False)]
    assert [(y["period"], y["runs"], y["distance"], y["complete"]) for y in totals["years"]] \
        == [("2025", 2, 20.0, True), ("2026", 34, 179.0, False)]
    text = " ".join(report.render("text").split())
    assert "2026-02 (so far) 3 24.0 2:00:00" in text
    assert "2025 2 20.0 1:40:00" in text


def test_totals_in_json_through_the_command(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "s.sqlite"))
    folder = write_log(tmp_path / "log", ["2026-03-01,6.2 mi,1:00:00,Run"])
    out = CliRunner().invoke(main, ["report", str(folder), "--as-of", "2026-03-02",
                                    "--format", "json", "--units", "mi", "--quiet"])
    months = json.loads(out.stdout)["totals"]["months"]
    assert months == [{"period": "2026-03", "runs": 1, "distance": 6.2,
                       "moving_time_s": 3600.0, "longest_run": 6.2, "complete": False}]
