"""Issue 13, item 3: the runner's own injury log in runlog.toml (and per athlete in
roster.toml): a recent injury is a current note; each injury lists the flags before it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from runlog.cli import main

# Six weeks of 8 km Monday to Friday, from Monday 2026-01-05, then a 20 km run on Saturday
# 2026-02-21: a +150% spike (alert).
START = date(2026, 1, 5)
SPIKE_DAY = date(2026, 2, 21)


def history() -> list[str]:
    rows = [f"{START + timedelta(weeks=w, days=d)} 07:00,8 km,45:00,Run"
            for w in range(7) for d in range(5)]
    rows.append(f"{SPIKE_DAY} 07:00,20 km,2:00:00,Run")
    return rows


def athlete(folder: Path, injuries: str, rows: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "log.csv").write_text("date,distance,duration,type\n"
                                    + "\n".join(rows or history()) + "\n", encoding="utf-8")
    (folder / "runlog.toml").write_text('units = "km"\ntimezone = "UTC"\n' + injuries,
                                        encoding="utf-8")
    return folder


def report(folder: Path, as_of: str, tmp_path: Path) -> dict:
    result = CliRunner(env={"RUNLOG_STORE": str(tmp_path / "s.sqlite")}).invoke(
        main, ["report", str(folder), "--as-of", as_of, "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_injury_ten_days_after_a_spike_lists_it(tmp_path: Path) -> None:
    folder = athlete(tmp_path / "a", '[[injuries]]\ndate = 2026-03-03\narea = "left knee"\n'
                                     'days_off = 10\nnote = "after the long run"\n')
    got = report(folder, "2026-03-20", tmp_path)
    [injury] = got["injuries"]
    assert injury["date"] == "2026-03-03" and injury["area"] == "left knee"
    assert injury["days_off"] == 10 and injury["note"] == "after the long run"
    assert {"code": "load.spike", "date": "2026-02-21", "severity": "alert"} in \
        injury["preceded_by"]
    assert got["injury_precursors"]["load.spike"] == 1
    [recent] = [f for f in got["flags"] if f["code"] == "injury.recent"]
    assert recent["severity"] == "info" and recent["evidence"] == "strong"
    assert "left knee" in recent["title"] and "Saragiotto" in recent["source"]
    text = CliRunner(env={"RUNLOG_STORE": str(tmp_path / "s.sqlite")}).invoke(
        main, ["report", str(folder), "--as-of", "2026-03-20", "--quiet"]).stdout
    flat = " ".join(text.split())
    assert "2026-03-03 left knee, 10 days off (after the long run): in the 6 weeks before: " \
           in flat
    assert "load.spike on 2026-02-21 (alert)" in flat
    assert "load.spike came before 1 of your 1 logged injury" in flat
    # what the data lacks is no training pattern
    assert not {"cadence.missing", "surface.unknown"} & {f["code"] for f in
                                                         injury["preceded_by"]}


def test_flags_after_the_injury_or_too_long_before_are_not_listed(tmp_path: Path) -> None:
    # The spike on 02-21 is 43 days before 04-05: outside the 6 weeks.
    folder = athlete(tmp_path / "a", '[[injuries]]\ndate = 2026-04-05\narea = "hip"\n')
    rows = history() + [f"{SPIKE_DAY + timedelta(days=d)} 07:00,8 km,45:00,Run"
                        for d in range(2, 50, 2)]
    got = report(athlete(tmp_path / "a", '[[injuries]]\ndate = 2026-04-05\narea = "hip"\n',
                         rows), "2026-04-10", tmp_path)
    assert folder.exists()
    [injury] = got["injuries"]
    assert "load.spike" not in {f["code"] for f in injury["preceded_by"]}


def test_an_injury_older_than_twelve_months_raises_no_current_flag(tmp_path: Path) -> None:
    folder = athlete(tmp_path / "a", '[[injuries]]\ndate = 2025-02-01\narea = "shin"\n')
    got = report(folder, "2026-03-01", tmp_path)
    assert "injury.recent" not in {f["code"] for f in got["flags"]}
    assert [f["code"] for f in got["history"] if f["code"] == "injury.recent"] == \
        ["injury.recent"]
    assert got["injuries"][0]["preceded_by"] == []


def test_an_injury_after_the_report_day_is_not_there_yet(tmp_path: Path) -> None:
    folder = athlete(tmp_path / "a", '[[injuries]]\ndate = 2026-12-01\narea = "shin"\n')
    got = report(folder, "2026-03-01", tmp_path)
    assert got["injuries"] == []
    assert "injury.recent" not in {f["code"] for f in got["flags"] + got["history"]}


@pytest.mark.parametrize("entry,key,line", [
    ('[[injuries]]\ndate = 2026-03-02\narea = "knee"\n\n[[injuries]]\ndate = 2026-04-01\n'
     'area = "shin"\ndays_off = "ten"\n', "injuries.days_off", 10),
    ('[[injuries]]\narea = "knee"\n', "injuries.date", None),
    ('[[injuries]]\ndate = 2026-03-02\narea = ""\n', "injuries.area", 5),
    ('[[injuries]]\ndate = 2026-03-02\narea = "knee"\nseverity = 3\n', "injuries.severity", 6),
    ('[[injuries]]\ndate = "March"\narea = "knee"\n', "injuries.date", 4),
])
def test_errors_in_the_injury_log_name_the_key_and_line(tmp_path: Path, entry: str, key: str,
                                                        line: int | None) -> None:
    folder = athlete(tmp_path / "a", entry)
    result = CliRunner(env={"RUNLOG_STORE": str(tmp_path / "s.sqlite")}).invoke(
        main, ["report", str(folder), "--as-of", "2026-03-20", "--quiet"])
    assert result.exit_code == 1
    message = result.output.strip().splitlines()[-1]
    assert key in message and "runlog.toml" in message
    if line is not None:
        assert f"line {line}" in message


def test_an_athletes_injuries_in_roster_toml(tmp_path: Path) -> None:
    athlete(tmp_path / "ann", "")
    (tmp_path / "roster.toml").write_text(
        '[[athletes]]\nname = "Ann"\npath = "ann"\nunits = "km"\n\n'
        '[[athletes.injuries]]\ndate = 2026-03-03\narea = "left knee"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "roster.toml"), "-o", str(out),
                                       "--as-of", "2026-03-20", "--format", "json",
                                       "--jobs", "1", "--store", str(tmp_path / "s.sqlite")])
    assert result.exit_code == 0, result.output
    entry = json.loads((out / "index.json").read_text(encoding="utf-8"))["athletes"][0]
    got = json.loads((out / entry["report"]).read_text(encoding="utf-8"))
    assert [i["area"] for i in got["injuries"]] == ["left knee"]
