"""Issue 13: "Next", the limits a runner acts on: the longest next run that raises no spike,
the most for next week that raises no jump, the shoes due. Hand-computed histories, and the
consistency the issue asks for: a run (or a week) at 99% of a limit raises no new flag, at
102% it does, through the same `runlog report` a user runs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from runlog.cli import main

KM_PER_MI = 1.609344


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNLOG_STORE", str(tmp_path / "store.sqlite"))


def write(folder: Path, rows: list[tuple[date, float]], units: str = "km",
          extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["date,distance,duration,type"]
    for day, distance in rows:
        minutes = distance * (KM_PER_MI if units == "mi" else 1.0) * 5.5
        lines.append(f"{day} 07:00,{distance:.3f} {units},{int(minutes)}:"
                     f"{int(minutes % 1 * 60):02d},Run")
    (folder / "log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "runlog.toml").write_text(f'units = "{units}"\ntimezone = "Europe/Berlin"\n'
                                        + extra, encoding="utf-8")
    return folder


def report(folder: Path, as_of: date) -> dict:
    result = CliRunner().invoke(main, ["report", str(folder), "--as-of", as_of.isoformat(),
                                       "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def codes(out: dict, code: str) -> list[str]:
    return sorted(f["date"] for f in out["flags"] + out["history"] if f["code"] == code)


AS_OF = date(2026, 11, 15)  # a Sunday


def steady(km: float, long_km: float, long_day: date) -> list[tuple[date, float]]:
    """``km`` every other day for 90 days up to AS_OF, and ``long_km`` on ``long_day``."""
    rows = [(AS_OF - timedelta(days=n), km) for n in range(90, 0, -2)]
    return sorted([r for r in rows if r[0] != long_day] + [(long_day, long_km)])


@pytest.mark.parametrize("units,km,long_km", [("km", 8.0, 10.0), ("mi", 5.0, 6.0)])
def test_next_run_hand_computed(tmp_path: Path, units: str, km: float, long_km: float) -> None:
    long_day = AS_OF - timedelta(days=6)  # 2026-11-09, in the 30 days before tomorrow
    out = report(write(tmp_path / "a", steady(km, long_km, long_day), units), AS_OF)
    run = out["next"]["run"]
    assert run["max_distance"] == pytest.approx(1.1 * long_km, abs=0.01)
    assert (run["longest_recent"], run["longest_date"]) == (pytest.approx(long_km),
                                                            "2026-11-09")
    # the long run leaves the 30 days on 12-09; the every-other-day runs stay
    assert run["until"] == "2026-12-09"
    assert run["then_max_distance"] == pytest.approx(1.1 * km, abs=0.01)
    text = CliRunner().invoke(main, ["report", str(tmp_path / "a"), "--as-of",
                                     AS_OF.isoformat(), "--quiet"]).stdout
    flat = " ".join(text.split())
    assert (f"Next run: keep it under {1.1 * long_km:.1f} {units} (your longest in 30 days: "
            f"{long_km:.1f} {units} on 2026-11-09). From 2026-12-09 the limit falls to "
            f"{1.1 * km:.1f} {units} unless you run longer before.") in flat
    assert text.index("Next\n----") < text.index("Current flags")


def test_the_day_the_ceiling_drops(tmp_path: Path) -> None:
    long_day = AS_OF - timedelta(days=6)  # 10 km on 11-09 among 8 km every other day
    rows = steady(8.0, 10.0, long_day) + [(AS_OF + timedelta(days=n), 8.0)
                                          for n in range(1, 23, 2)]  # to 12-07
    folder = write(tmp_path / "a", rows)
    said = report(folder, AS_OF)["next"]["run"]
    before = report(folder, date(2026, 12, 7))["next"]["run"]  # tomorrow 12-08: still seen
    after = report(folder, date(2026, 12, 8))["next"]["run"]  # tomorrow 12-09: gone
    assert said["until"] == "2026-12-09"
    assert before["max_distance"] == pytest.approx(11.0)
    assert after["max_distance"] == pytest.approx(8.8) == said["then_max_distance"]


def test_a_short_history_says_so_instead_of_a_number(tmp_path: Path) -> None:
    rows = [(AS_OF - timedelta(days=n), 8.0) for n in (9, 7, 5, 3, 1)]
    out = report(write(tmp_path / "a", rows), AS_OF)
    assert out["next"]["run"] is None and out["next"]["week"] is None
    notes = " ".join(out["next"]["notes"])
    assert "The history starts on 2026-11-06" in notes and "known from 2026-12-06" in notes
    assert "Weekly jumps are judged from the week of" in notes


def test_after_a_break_the_first_run_back_is_held_to_the_usual_run(tmp_path: Path) -> None:
    # 8 km (and a 16 km Sunday) to 10-25, then nothing: tomorrow is 20 days without running
    rows = [(date(2026, 8, 3) + timedelta(days=n), 16.0 if n % 7 == 6 else 8.0)
            for n in range(84) if n % 7 in (1, 3, 6)]
    out = report(write(tmp_path / "a", rows), AS_OF)
    run = out["next"]["run"]
    assert run["first_run_back"] is True and run["usual_run"] == pytest.approx(8.0)
    assert run["max_distance"] == pytest.approx(8.8)
    assert out["next"]["week"]["first_week_back"] is True
    # 75% of the usual week before the break (8 + 8 + 16 = 32 km)
    assert out["next"]["week"]["max_distance"] == pytest.approx(24.0)


HISTORIES = {
    "every other day, km": (lambda: steady(8.0, 10.0, AS_OF - timedelta(days=6)), "km"),
    "every other day, mi": (lambda: steady(5.0, 6.2, AS_OF - timedelta(days=20)), "mi"),
    "five a week with a long run": (lambda: [
        (AS_OF - timedelta(days=n), 15.0 if (AS_OF - timedelta(days=n)).weekday() == 6
         else 7.0) for n in range(120, -1, -1)
        if (AS_OF - timedelta(days=n)).weekday() in (0, 1, 3, 4, 6)], "km"),
}


@pytest.mark.parametrize("name", list(HISTORIES))
@pytest.mark.parametrize("share,flagged", [(0.99, False), (1.02, True)])
def test_a_run_at_the_limit(tmp_path: Path, name: str, share: float, flagged: bool) -> None:
    rows, units = HISTORIES[name]
    rows = rows()
    limit = report(write(tmp_path / "a", rows, units), AS_OF)["next"]["run"]["max_distance"]
    tomorrow = AS_OF + timedelta(days=1)
    out = report(write(tmp_path / "b", [*rows, (tomorrow, share * limit)], units), tomorrow)
    assert (tomorrow.isoformat() in codes(out, "load.spike")) is flagged


@pytest.mark.parametrize("name", list(HISTORIES))
@pytest.mark.parametrize("share,flagged", [(0.99, False), (1.02, True)])
def test_a_week_at_the_limit(tmp_path: Path, name: str, share: float, flagged: bool) -> None:
    rows, units = HISTORIES[name]
    rows = rows()
    nxt = report(write(tmp_path / "a", rows, units), AS_OF)["next"]
    monday = date.fromisoformat(nxt["week"]["week_start"])
    # the week spread over seven equal runs, each under the run limit (no spike in the way)
    each = share * nxt["week"]["max_distance"] / 7
    assert each < nxt["run"]["max_distance"]
    week = [(monday + timedelta(days=d), each) for d in range(7)]
    out = report(write(tmp_path / "b", rows + week, units), monday + timedelta(days=6))
    assert (monday.isoformat() in codes(out, "load.weekly_ramp")) is flagged
    assert not [d for d in codes(out, "load.spike") if d >= monday.isoformat()]


def test_next_in_every_format_and_the_picture_in_html(tmp_path: Path) -> None:
    folder = write(tmp_path / "a", steady(8.0, 10.0, AS_OF - timedelta(days=6)),
                   extra='[[injuries]]\ndate = 2026-10-01\narea = "<b>knee</b>"\n')
    for fmt, needle in (("markdown", "## Next"), ("text", "Next\n----")):
        shown = CliRunner().invoke(main, ["report", str(folder), "--as-of", AS_OF.isoformat(),
                                          "--format", fmt, "--quiet"]).stdout
        assert needle in shown and "Next run: keep it under 11.0 km" in " ".join(shown.split())
    page = CliRunner().invoke(main, ["report", str(folder), "--as-of", AS_OF.isoformat(),
                                     "--format", "html", "--quiet"]).stdout
    assert '<figure id="chart-spike_ceiling">' in page
    assert "the next-run limit, 11.0 km, at the right edge" in page
    assert "<b>knee</b>" not in page and "&lt;b&gt;knee&lt;/b&gt;" in page


def test_coach_index_carries_each_athletes_next_run_limit(tmp_path: Path) -> None:
    """Issue 13, item 2 (and issue 15, item 8): index.json and index.html give each athlete's
    next-run limit in their own units and their latest activity; each report links back."""
    roster = tmp_path / "roster"
    write(roster / "Ann", steady(8.0, 10.0, AS_OF - timedelta(days=6)))
    write(roster / "Ben", steady(5.0, 6.0, AS_OF - timedelta(days=6)), "mi")
    write(roster / "Cy", [(AS_OF - timedelta(days=n), 8.0) for n in (5, 3, 1)])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(roster), "-o", str(out), "--as-of",
                                       AS_OF.isoformat(), "--jobs", "1", "--store",
                                       str(tmp_path / "stores")])
    assert result.exit_code == 0, result.output
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    by_name = {a["athlete"]: a for a in index["athletes"]}
    assert (by_name["Ann"]["next_run_max"], by_name["Ann"]["units"]) == (11.0, "km")
    assert (by_name["Ben"]["next_run_max"], by_name["Ben"]["units"]) == (6.6, "mi")
    assert by_name["Cy"]["next_run_max"] is None  # a history of five days cannot say
    assert by_name["Ann"]["latest_activity"] == "2026-11-13"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Next run under 11.0 km." in page and "Next run under 6.6 mi." in page
    assert "Next run: no limit yet (too little history)." in page
    ann = (out / by_name["Ann"]["report"]).read_text(encoding="utf-8")
    assert '<p class="up"><a href="index.html">← All athletes</a></p>' in ann
