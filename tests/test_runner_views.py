"""Issue 15, item 14: what runners look for: totals per week, month and year, one pair's
runs and the shoe each run counts against, idle pairs, how to retire a worn pair, activities
by any sport and by day, and where the store is (and clearing it)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from runlog.cli import main

ROTATION = """units = "km"
timezone = "UTC"

[[shoes]]
name = "Ghost 15"
first_used = 2026-01-01
surfaces = ["road"]

[[shoes]]
name = "Speedcross 6"
aliases = ["Salomon Speedcross 6"]
first_used = 2026-01-01
surfaces = ["trail"]

[[shoes]]
name = "Old Pegasus"
first_used = 2025-01-01
initial_distance = 900
"""


def history(folder: Path) -> Path:
    """Road runs on Tuesdays and Thursdays, trail runs on Sundays, a ride on Saturdays, and
    an old pair last worn in January, from 2026-01-05 to 2026-05-31."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["date,distance,duration,type,surface,shoe"]
    day = date(2026, 1, 5)
    while day <= date(2026, 5, 31):
        if day.weekday() in (1, 3):
            shoe = "Old Pegasus" if day < date(2026, 1, 20) else ""
            rows.append(f"{day} 07:00,8 km,44:00,Run,road,{shoe}")
        elif day.weekday() == 6:
            rows.append(f"{day} 08:00,12 km,1:15:00,Trail Run,trail,")
        elif day.weekday() == 5:
            rows.append(f"{day} 09:00,30 km,1:10:00,Ride,,")
        day += timedelta(days=1)
    (folder / "log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "runlog.toml").write_text(ROTATION, encoding="utf-8")
    return folder


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_activities_show_the_shoe_each_run_counts_against(runner: CliRunner,
                                                          tmp_path: Path) -> None:
    folder = history(tmp_path / "log")
    rows = json.loads(run(runner, "activities", str(folder), "--format", "json", "--quiet"))
    by_day = {r["local_start"][:10]: r["assigned_shoe"] for r in rows}
    assert by_day["2026-01-06"] == "Old Pegasus"  # named in the log
    assert by_day["2026-03-03"] == "Ghost 15"  # a road run: the road pair
    assert by_day["2026-03-08"] == "Speedcross 6"  # a trail run: the trail pair
    assert by_day["2026-03-07"] is None  # the ride
    table = run(runner, "activities", str(folder), "--quiet", "--since", "2026-03-03",
                "--until", "2026-03-03")
    assert "Ghost 15" in table.splitlines()[2]


def test_one_pairs_runs_by_name_alias_or_part(runner: CliRunner, tmp_path: Path) -> None:
    folder = history(tmp_path / "log")
    for asked in ("Speedcross 6", "salomon speedcross 6", "speedcross"):
        out = run(runner, "activities", str(folder), "--format", "csv", "--quiet", "--shoe",
                  asked)
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows and {r["assigned_shoe"] for r in rows} == {"Speedcross 6"}, asked
        assert all(r["surface"] == "trail" for r in rows)
    # every Sunday from 01-11 to 05-31: 21 trail runs
    assert len(rows) == 21


def test_activities_by_any_sport_and_day(runner: CliRunner, tmp_path: Path) -> None:
    folder = history(tmp_path / "log")
    out = run(runner, "activities", str(folder), "--format", "json", "--quiet", "--sport",
              "cycling", "--since", "2026-05-01", "--until", "2026-05-31")
    rides = json.loads(out)
    assert [r["local_start"][:10] for r in rides] == [
        "2026-05-02", "2026-05-09", "2026-05-16", "2026-05-23", "2026-05-30"]
    bad = runner.invoke(main, ["activities", str(folder), "--sport", "dancing"])
    assert bad.exit_code == 2


def test_an_idle_pair_and_how_to_retire_a_worn_one(runner: CliRunner, tmp_path: Path) -> None:
    folder = history(tmp_path / "log")
    report = json.loads(run(runner, "report", str(folder), "--as-of", "2026-05-31",
                            "--format", "json", "--quiet"))
    shoes = {s["name"]: s for s in report["shoes"]}
    # last worn on 01-15, 136 days before: idle, with no projection and no window flag
    assert shoes["Old Pegasus"]["status"] == "idle"
    assert shoes["Old Pegasus"]["projected_replace_date"] is None
    assert not [f for f in report["flags"] if "Old Pegasus" in f["message"]]
    # the same pair worn this week is past the window: the alert says how to retire it
    worn = history(tmp_path / "worn")
    with (worn / "log.csv").open("a", encoding="utf-8") as log:
        log.write("2026-05-30 07:00,5 km,28:00,Run,road,Old Pegasus\n")
    alert = next(f for f in json.loads(run(
        runner, "report", str(worn), "--as-of", "2026-05-31", "--format", "json",
        "--quiet"))["flags"] if f["code"] == "shoe.replace")
    assert 'set retired = 2026-05-31 in its [[shoes]] entry in runlog.toml (name = "Old ' \
           'Pegasus")' in alert["message"]


def test_totals_per_week_month_and_year(runner: CliRunner, tmp_path: Path) -> None:
    folder = history(tmp_path / "log")
    months = json.loads(run(runner, "totals", str(folder), "--format", "json", "--quiet",
                            "--as-of", "2026-05-31"))
    may = next(m for m in months if m["period"] == "2026-05")
    # May 2026: Tuesdays and Thursdays 4 + 4 = 8 road runs of 8 km, 5 Sundays of 12 km: 13
    # runs, 124 km; the month of the report's day is not over
    assert (may["runs"], may["distance"], may["longest_run"], may["complete"]) == (
        13, 124.0, 12.0, False)
    weeks = list(csv.DictReader(io.StringIO(run(
        runner, "totals", str(folder), "--period", "week", "--format", "csv", "--quiet",
        "--as-of", "2026-05-31"))))
    # Tuesday and Thursday 8 km in 44:00, Sunday 12 km in 1:15:00: 163 minutes
    assert weeks[-1] == {"period": "2026-05-25", "runs": "3", "distance": "28.0",
                         "moving_time_s": "9780.0", "longest_run": "12.0",
                         "complete": "True"}
    table = run(runner, "totals", str(folder), "--period", "year", "--quiet", "--as-of",
                "2026-05-31")
    # 21 weeks from Monday 01-05 to Sunday 05-31, three runs each
    assert table.splitlines()[2].split()[:4] == ["2026", "(so", "far)", "63"]


def test_where_the_store_is_and_clearing_it(runner: CliRunner, tmp_path: Path) -> None:
    folder = history(tmp_path / "log")
    store = tmp_path / "store.sqlite"
    assert "no store yet" in run(runner, "store")
    run(runner, "import", str(folder), "--quiet")
    shown = run(runner, "store")
    assert shown.startswith(f"{store} (from $RUNLOG_STORE): 1 file remembered")
    assert "cleared" in run(runner, "store", "--clear") and not store.exists()
    assert (folder / "log.csv").exists()  # the user's files stay
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not a store")
    refused = runner.invoke(main, ["store", "--store", str(photo), "--clear"])
    assert refused.exit_code == 1 and photo.exists()
