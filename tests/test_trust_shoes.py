"""Issue 11, "Flags a runner can trust", items 6-10: shoes, as a runner meets them.

Each test writes a runlog CSV and a runlog.toml into a folder and reads
``runlog report DIR --as-of DAY --format json``. As of Monday 2026-10-05 the report window
(28 days) runs from 2026-09-08; shoe.single looks at the 8 weeks from 2026-08-11.
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
HEADER = "date,distance,duration,type,surface,shoe"


def row(day: str | date, distance: str = "10 km", *, type: str = "Run", surface: str = "",
        shoe: str = "") -> str:
    return f"{day},{distance},50:00,{type},{surface},{shoe}"


def every(first: str, count: int, step: int = 1) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=step * i)).isoformat() for i in range(count)]


def report(tmp_path: Path, rows: list[str], toml: str, as_of: str = AS_OF) -> dict[str, Any]:
    folder = tmp_path / "athlete"
    folder.mkdir(exist_ok=True)
    (folder / "runs.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    (folder / "runlog.toml").write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(folder), "--as-of", as_of, "--format",
                                       "json", "--no-store", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def shoes(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in out["shoes"]}


def codes(out: dict[str, Any]) -> list[str]:
    return [f["code"] for f in out["flags"] if f["code"].startswith("shoe.")]


def flag(out: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [f for f in out["flags"] if f["code"] == code]
    return found


def notes_with(out: dict[str, Any], text: str) -> list[str]:
    return [n for n in out["data_notes"] if text in n]


# --- item 6: a general shoe and a trail shoe, the more specific match wins ---------------

@pytest.mark.parametrize("trail_first_used", ["2026-09-01", "2026-08-01", "2026-09-05"])
def test_item6_trail_runs_go_to_the_trail_shoe_whatever_the_first_used_order(
        tmp_path: Path, trail_first_used: str) -> None:
    toml = f"""units = "km"
[[shoes]]
name = "Daily"
first_used = 2026-09-01

[[shoes]]
name = "Speedgoat"
first_used = {trail_first_used}
surfaces = ["trail"]
"""
    rows = ([row(d, "12 km", surface="trail") for d in every("2026-09-10", 4, 7)]
            + [row(d, "8 km", type="Trail Run") for d in every("2026-09-12", 3, 7)]
            + [row(d, "10 km", surface="road") for d in every("2026-09-09", 5, 5)]
            + [row(d, "6 km") for d in every("2026-09-11", 2, 9)])  # unknown surface
    out = report(tmp_path, rows, toml)
    by = shoes(out)
    assert (by["Speedgoat"]["runs"], by["Speedgoat"]["distance"]) == (7, 72.0)
    # road and unknown-surface runs: the general shoe (the trail shoe is for trail)
    assert (by["Daily"]["runs"], by["Daily"]["distance"]) == (7, 62.0)
    assert by["Speedgoat"]["shared_runs"] == by["Daily"]["shared_runs"] == 0
    assert out["shoes_unassigned"]["runs"] == 0
    assert not notes_with(out, "could have been")


# --- item 7: spelling, aliases, and a configured shoe that matched no run ----------------

PEGASUS = """units = "mi"
[[shoes]]
name = "Pegasus 40"
first_used = 2026-08-01
initial_distance = 400
"""


@pytest.mark.parametrize("spelling", ["pegasus 40", "PEGASUS-40", " Pegasus  40 ",
                                      "Pegasus_40"])
def test_item7_case_spacing_and_hyphens_fold_into_the_configured_shoe(
        tmp_path: Path, spelling: str) -> None:
    rows = [row(d, "5 mi", shoe=f'"{spelling}"') for d in every("2026-09-08", 11, 2)]
    out = report(tmp_path, rows, PEGASUS)
    (shoe,) = out["shoes"]  # one shoe, shown under its configured name
    assert (shoe["name"], shoe["configured"], shoe["runs"]) == ("Pegasus 40", True, 11)
    assert shoe["distance"] == pytest.approx(455.0)  # 400 before tracking + 11 x 5
    assert shoe["status"] == "approaching"
    assert flag(out, "shoe.approaching")["value"] == pytest.approx(455.0)
    assert not notes_with(out, "matched no run")


def test_item7_strava_gear_name_needs_an_alias_and_the_mismatch_is_noted(
        tmp_path: Path) -> None:
    rows = [row(d, "5 mi", shoe="Nike Pegasus 40") for d in every("2026-09-08", 11, 2)]
    out = report(tmp_path, rows, PEGASUS)
    by = shoes(out)
    # not merged by guesswork: a longer name may be another pair
    assert (by["Pegasus 40"]["runs"], by["Pegasus 40"]["distance"]) == (0, 400.0)
    assert (by["Nike Pegasus 40"]["runs"], by["Nike Pegasus 40"]["configured"]) == (11, False)
    (note,) = notes_with(out, "matched no run")
    assert note.startswith("Pegasus 40 in runlog.toml matched no run")
    assert '"Nike Pegasus 40"' in note and "aliases" in note

    out = report(tmp_path, rows, PEGASUS + 'aliases = ["Nike Pegasus 40"]\n')
    (shoe,) = out["shoes"]
    assert (shoe["name"], shoe["runs"], shoe["distance"]) == ("Pegasus 40", 11, 455.0)
    assert codes(out) == ["shoe.approaching", "shoe.single"]
    assert not notes_with(out, "matched no run")


def test_item7_the_next_model_is_another_shoe(tmp_path: Path) -> None:
    rows = [row(d, "5 mi", shoe="Pegasus 41") for d in every("2026-09-08", 11, 2)]
    out = report(tmp_path, rows, PEGASUS)
    by = shoes(out)
    assert (by["Pegasus 40"]["runs"], by["Pegasus 41"]["runs"]) == (0, 11)
    (note,) = notes_with(out, "matched no run")
    assert "Pegasus 41" not in note  # no alias suggested for another model


def test_item7_a_named_run_takes_the_configured_identity(tmp_path: Path) -> None:
    toml = """units = "km"
[[shoes]]
name = "Ghost 15"
aliases = ["Brooks Ghost 15 (blue)"]
first_used = 2026-01-01
retired = 2026-10-01
initial_distance = 900
"""
    rows = [row(d, shoe="brooks ghost 15 blue") for d in every("2026-09-10", 3, 5)]
    out = report(tmp_path, rows, toml)
    (shoe,) = out["shoes"]
    assert (shoe["name"], shoe["status"], shoe["runs"], shoe["distance"]) == (
        "Ghost 15", "retired", 3, 930.0)
    assert codes(out) == []  # retired: no replacement flag


def test_item7_unconfigured_spellings_are_one_shoe(tmp_path: Path) -> None:
    rows = ([row(d, shoe="Kinvara 14") for d in every("2026-09-08", 3, 3)]
            + [row("2026-09-30", shoe="kinvara-14"), row("2026-10-01", shoe=" Kinvara  14")])
    out = report(tmp_path, rows, 'units = "km"\n')
    (shoe,) = out["shoes"]
    assert (shoe["name"], shoe["runs"], shoe["configured"]) == ("Kinvara 14", 5, False)


# --- item 8: runs of unknown surface and surface-limited shoes ---------------------------

def test_item8_plain_runs_go_to_the_only_road_shoe(tmp_path: Path) -> None:
    toml = """units = "km"
[[shoes]]
name = "Road"
first_used = 2026-09-01
surfaces = ["road", "track"]
"""
    rows = ([row(d) for d in every("2026-09-08", 10, 2)]  # plain Run: unknown surface
            + [row("2026-09-09", "5 km", surface="track"),
               row("2026-09-13", "15 km", surface="trail")])  # trail: not this shoe's
    out = report(tmp_path, rows, toml)
    (shoe,) = out["shoes"]
    assert (shoe["runs"], shoe["distance"], shoe["shared_runs"]) == (11, 105.0, 0)
    assert out["shoes_unassigned"] == {"runs": 1, "distance": 15.0}
    assert "surface.unknown" in [f["code"] for f in out["flags"]]


def test_item8_a_general_shoe_comes_before_a_surface_limited_one(tmp_path: Path) -> None:
    toml = """units = "km"
[[shoes]]
name = "Daily"
first_used = 2026-09-01

[[shoes]]
name = "Track spikes"
first_used = 2026-09-01
surfaces = ["track"]
"""
    rows = [row(d) for d in every("2026-09-08", 4, 3)] + [row("2026-09-10", surface="track")]
    by = shoes(report(tmp_path, rows, toml))
    assert (by["Daily"]["runs"], by["Track spikes"]["runs"]) == (4, 1)


def test_item8_two_surface_limited_shoes_share_the_unknown_runs(tmp_path: Path) -> None:
    toml = """units = "km"
[[shoes]]
name = "Road"
first_used = 2026-09-01
surfaces = ["road"]

[[shoes]]
name = "Trail"
first_used = 2026-09-01
surfaces = ["trail"]
"""
    rows = [row(d) for d in every("2026-09-08", 3, 3)] + [row("2026-09-20", surface="road")]
    out = report(tmp_path, rows, toml)
    by = shoes(out)
    assert (by["Road"]["runs"], by["Road"]["shared_runs"], by["Trail"]["shared_runs"]) == (
        1, 3, 3)
    assert notes_with(out, "3 runs (30.0 km) name no shoe and could have been either Road "
                           "or Trail")


# --- item 9: two pairs in rotation ------------------------------------------------------

ROTATION = """units = "{units}"
[[shoes]]
name = "Ghost 15"
first_used = 2026-07-01
initial_distance = {ghost}

[[shoes]]
name = "Pegasus 40"
first_used = 2026-08-01
"""


@pytest.mark.parametrize("units, ghost, each, shared, up_to, approach", [
    ("mi", 330, "2 mi", 36.0, 366.0, 350.0),
    ("km", 540, "2 km", 36.0, 576.0, 563.27),
])
def test_item9_runs_two_pairs_could_have_carried_are_shared(
        tmp_path: Path, units: str, ghost: float, each: str, shared: float, up_to: float,
        approach: float) -> None:
    rows = [row(d, each) for d in every("2026-08-14", 18, 3)]  # 08-14 .. 10-04, no shoe
    out = report(tmp_path, rows, ROTATION.format(units=units, ghost=ghost))
    assert "shoe.single" not in codes(out)  # nothing says one pair carried it all
    by = shoes(out)
    for name, other, initial in [("Ghost 15", "Pegasus 40", ghost), ("Pegasus 40", "Ghost 15", 0)]:
        assert (by[name]["runs"], by[name]["distance"]) == (0, initial)  # nothing as fact
        assert (by[name]["shared_runs"], by[name]["shared_distance"]) == (18, shared)
        assert by[name]["shared_with"] == [other]
        assert by[name]["distance_up_to"] == pytest.approx(initial + shared)
    assert out["shoes_unassigned"]["runs"] == 0
    (note,) = notes_with(out, "could have been")
    assert note.startswith(f"18 runs ({shared:.1f} {units}) name no shoe and could have been "
                           "either Ghost 15 or Pegasus 40")
    # the replacement window counts every run Ghost 15 may have carried, and says so
    warning = flag(out, "shoe.approaching")
    assert warning["title"] == "Ghost 15 may be nearing replacement"
    assert warning["value"] == pytest.approx(up_to)
    assert warning["threshold"] == pytest.approx(approach, abs=0.01)
    assert warning["message"].startswith(
        f"Ghost 15 has covered up to {up_to:.0f} {units} ({ghost} {units} for certain, plus "
        f"{shared:.0f} {units} in 18 runs that could have been either Ghost 15 or "
        "Pegasus 40)")
    assert by["Ghost 15"]["status"] == "approaching"
    assert by["Pegasus 40"]["status"] == "ok"


def test_item9_shared_runs_are_not_evidence_for_shoe_single(tmp_path: Path) -> None:
    # 3 named runs in Pegasus, 15 shared: Pegasus is the only pair credited, not 100%
    rows = ([row(d, "2 mi", shoe="Pegasus 40") for d in every("2026-09-01", 3, 2)]
            + [row(d, "2 mi") for d in every("2026-08-14", 15, 3)])
    out = report(tmp_path, rows, ROTATION.format(units="mi", ghost=0))
    assert "shoe.single" not in codes(out)
    assert shoes(out)["Pegasus 40"]["runs"] == 3


def test_item9_rotation_named_by_strava_gear_works(tmp_path: Path) -> None:
    toml = """units = "mi"
[[shoes]]
name = "Pegasus 40"
aliases = ["Nike Pegasus 40"]
first_used = 2026-07-01

[[shoes]]
name = "Kinvara 14"
aliases = ["Saucony Kinvara 14"]
first_used = 2026-07-01
"""
    gear = ["Nike Pegasus 40", "Saucony Kinvara 14"]
    rows = [row(d, "4 mi", shoe=gear[i % 2]) for i, d in enumerate(every("2026-08-14", 18, 3))]
    out = report(tmp_path, rows, toml)
    by = shoes(out)
    assert (by["Pegasus 40"]["runs"], by["Kinvara 14"]["runs"]) == (9, 9)
    assert by["Pegasus 40"]["distance"] == by["Kinvara 14"]["distance"] == 36.0
    assert by["Pegasus 40"]["shared_runs"] == 0
    assert codes(out) == [] and not notes_with(out, "could have been")


def test_item9_one_pair_named_in_every_run_still_gets_shoe_single(tmp_path: Path) -> None:
    rows = [row(d, "4 mi", shoe="Pegasus 40") for d in every("2026-08-14", 18, 3)]
    out = report(tmp_path, rows, ROTATION.format(units="mi", ghost=0))
    single = flag(out, "shoe.single")
    assert single["message"].startswith("Pegasus 40 carried 100% of your running")


def test_item9_a_retired_pair_then_a_new_one_is_not_a_rotation(tmp_path: Path) -> None:
    toml = """units = "mi"
[[shoes]]
name = "Old"
first_used = 2026-01-01
retired = 2026-09-14
initial_distance = 500

[[shoes]]
name = "New"
first_used = 2026-09-15
"""
    rows = [row(d, "4 mi") for d in every("2026-08-20", 16, 3)]  # 08-20 .. 10-04
    out = report(tmp_path, rows, toml)
    by = shoes(out)
    assert (by["Old"]["runs"], by["Old"]["status"]) == (9, "retired")  # 08-20 .. 09-13
    assert (by["New"]["runs"], by["New"]["distance"]) == (7, 28.0)  # 09-16 .. 10-04
    assert by["Old"]["shared_runs"] == by["New"]["shared_runs"] == 0
    assert not notes_with(out, "could have been")


# --- item 10: the projected date over the days the history and the shoe cover ------------

NEW_SHOE = """units = "km"
[[shoes]]
name = "New"
{first_used}
initial_distance = 500
"""


@pytest.mark.parametrize("first_used, first_run", [
    ("first_used = 2026-09-29", "2026-09-29"),  # the shoe is one week old
    ("first_used = 2026-01-01", "2026-09-29"),  # the history is one week old
    ("", "2026-09-29"),  # no first_used: the shoe's first run
])
def test_item10_projection_uses_the_days_actually_covered(
        tmp_path: Path, first_used: str, first_run: str) -> None:
    rows = [row(d, "10 km", shoe="New") for d in every(first_run, 7)]  # 09-29 .. 10-05
    out = report(tmp_path, rows, NEW_SHOE.format(first_used=first_used))
    (shoe,) = out["shoes"]
    # 570 km now, 70 km in 7 days = 10 km a day; 885.1392 km is 315.1392 km away: 31.5 days
    # -> 32 days after 2026-10-05 (28 days over 4 weeks said 126 days: 2027-02-08)
    assert shoe["distance"] == pytest.approx(570.0)
    assert shoe["projected_replace_date"] == "2026-11-06"
    assert "around 2026-11-06" in flag(out, "shoe.approaching")["message"]


def test_item10_history_starts_mid_window_for_an_older_shoe(tmp_path: Path) -> None:
    # runs from 09-21 (15 days to 10-05), 3 x 15 km = 45 km: 21 km a week;
    # 500 + 45 = 545 km; 563.2704 km is 18.2704 km away = 6.09 days -> 10-11
    rows = [row(d, "15 km") for d in every("2026-09-21", 3, 7)]
    out = report(tmp_path, rows, NEW_SHOE.format(first_used="first_used = 2026-01-01"))
    (shoe,) = out["shoes"]
    assert shoe["projected_approach_date"] == "2026-10-11"


def test_item10_a_shoe_under_a_week_old_gets_no_date(tmp_path: Path) -> None:
    rows = [row(d, "10 km") for d in every("2026-09-01", 10, 3)] + [
        row(d, "10 km", shoe="New") for d in every("2026-10-02", 4)]
    out = report(tmp_path, rows, NEW_SHOE.format(first_used="first_used = 2026-10-02"))
    shoe = shoes(out)["New"]
    assert (shoe["runs"], shoe["projected_replace_date"]) == (4, None)
