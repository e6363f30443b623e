"""Coach mode: ``runlog batch`` over a generated roster of 24 athletes.

Each athlete's runlog CSV follows one pattern whose worst current flag is known (a steady
history: none; cadence never recorded: info; a weekly jump: warning; a run twice the month's
longest: alert; that plus a worn-out shoe: two alerts). Two folders are broken on purpose. The
same roster runs in this process, in two worker processes, through the CLI and on a Dask
LocalCluster, and every run must write the same bytes.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO
from runlog.batch import (
    Athlete,
    Outcome,
    Roster,
    rank_key,
    read_roster,
    report_names,
    run_batch,
)
from runlog.cli import main
from runlog.errors import ConfigError, RunlogError

AS_OF = date(2026, 3, 1)  # a Sunday: the last full week is the one ending that day
AS_OF_ARG = ["--as-of", AS_OF.isoformat()]

#: pattern -> (worst current flag, top flag code) the pattern is built to give
EXPECTED = {
    "worn_shoe": ("alert", "load.spike"),
    "spike": ("alert", "load.spike"),
    # a +60% week also holds runs over 10% longer than the month's longest: the spike, with
    # moderate evidence, is named before the weak-evidence ramp (issue 11, item 16)
    "ramp": ("warning", ("load.spike", "load.weekly_ramp")),
    # ranked by evidence, the weak-evidence strain note (descriptive) comes before the data
    # note cadence.missing when the history raises one
    "no_cadence": ("info", ("load.strain", "cadence.missing")),
    "steady": (None, None),
}

#: The roster: athlete (folder name) -> pattern. Names test the report file names too:
#: accents, a script with no ASCII letters, the index's own name, and two that differ in case.
ROSTER = {
    "Ada": "spike", "Émile Zola": "spike", "Grace": "spike", "Tomás": "spike",
    "Bo": "worn_shoe", "Kai": "worn_shoe",
    "Chen": "ramp", "Dana": "ramp", "Eli": "ramp", "Fay": "ramp", "Gus": "ramp",
    "Hana": "no_cadence", "Ivo": "no_cadence", "Jo": "no_cadence", "Zoë": "no_cadence",
    "index": "no_cadence",
    "李雷": "steady", "Lu": "steady", "Mo": "steady", "Noor": "steady", "ola": "steady",
    "Ola": "steady",
    "corrupt": "corrupt", "bad config": "bad_config",
}


def write_history(folder: Path, pattern: str, seed: int = 0) -> None:
    """A runlog CSV of runs up to AS_OF, five a week, with varied pace, surface and shoe."""
    folder.mkdir(parents=True, exist_ok=True)
    if pattern == "corrupt":
        (folder / "2026-02-27.fit").write_bytes(b"\x0e\x10garbage, not a FIT file")
        (folder / "2026-02-28.gpx").write_text("<gpx><trk><trkseg><trkpt", encoding="utf-8")
        return
    if pattern == "bad_config":
        (folder / "runlog.toml").write_text('units = "miles"\n', encoding="utf-8")
    if pattern == "worn_shoe":  # shoe A had 600 mi on it before tracking began
        (folder / "runlog.toml").write_text('[[shoes]]\nname = "A"\ninitial_distance = 600\n',
                                            encoding="utf-8")
    rng = random.Random(f"{pattern}-{seed}")
    # A steady history is kept to 8 weeks: strain needs 8 earlier weeks to compare with.
    days = 56 if pattern == "steady" else 84
    lines = ["date,distance,duration,type,surface,shoe,cadence"]
    for back in range(days - 1, -1, -1):
        day = AS_OF - timedelta(days=back)
        if day.weekday() in (0, 4):  # rest on Mondays and Fridays
            continue
        km = (17 + rng.random()) if day.weekday() == 6 else [6, 8, 5, 10, 7, 9][
            day.weekday() % 6] + rng.choice([0, 0.5, 1.0, 1.5])
        if pattern in ("spike", "worn_shoe") and back == 1:
            km = 40.0  # 2.2 times the longest run of the month before
        if pattern == "ramp" and back < 7:
            km *= 1.6
        minutes = km * (4.8 + rng.random() * 1.6)
        cadence = "" if pattern == "no_cadence" else str(176 + rng.randint(-3, 3))
        surface = ("road", "trail", "track", "grass")[day.toordinal() % 4]
        shoe = "AB"[day.toordinal() % 2]
        lines.append(f"{day} 07:00,{km:.1f} km,{int(minutes)}:{int(minutes % 1 * 60):02d},"
                     f"Run,{surface},{shoe},{cadence}")
        if day.weekday() == 2:
            lines.append(f"{day} 18:00,20 km,50:00,Ride,,,")
    (folder / "log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("roster")
    for seed, (name, pattern) in enumerate(ROSTER.items()):
        write_history(root / name, pattern, seed)
    return root


def index(folder: Path) -> dict:
    return json.loads((folder / "index.json").read_text(encoding="utf-8"))


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def baseline(roster: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The roster in this process, one athlete after another, JSON reports, no store."""
    out = tmp_path_factory.mktemp("baseline")
    run_batch(roster, out, fmt="json", as_of=AS_OF, jobs=1)
    return out


# --------------------------------------------------------------------------------------------
# The index and the reports


def test_index_follows_the_contract_and_lists_every_athlete(baseline: Path) -> None:
    data = index(baseline)
    assert data["schema"] == "runlog.batch/1"
    assert data["as_of"] == "2026-03-01"
    assert sorted(a["athlete"] for a in data["athletes"]) == sorted(ROSTER)
    for entry in data["athletes"]:
        assert {"athlete", "status", "worst", "counts", "top_flag", "report",
                "reason"} <= set(entry)
        assert entry["status"] in ("ok", "failed")
        assert entry["worst"] in ("alert", "warning", "info", None)
        assert set(entry["counts"]) == {"alert", "warning", "info"}


def test_each_pattern_gives_its_worst_flag(baseline: Path) -> None:
    for entry in index(baseline)["athletes"]:
        pattern = ROSTER[entry["athlete"]]
        if pattern in ("corrupt", "bad_config"):
            continue
        worst, top = EXPECTED[pattern]
        assert (entry["status"], entry["worst"]) == ("ok", worst), entry["athlete"]
        assert entry["top_flag"] in (top if isinstance(top, tuple) else (top,)), entry["athlete"]
        if pattern == "worn_shoe":
            assert entry["counts"]["alert"] == 2


def test_counts_and_top_flag_are_the_athletes_own_report(baseline: Path) -> None:
    for entry in index(baseline)["athletes"]:
        if entry["status"] != "ok":
            continue
        report = json.loads((baseline / entry["report"]).read_text(encoding="utf-8"))
        assert report["athlete"] == entry["athlete"]
        severities = [f["severity"] for f in report["flags"]]
        assert entry["counts"] == {s: severities.count(s) for s in ("alert", "warning", "info")}
        assert entry["top_flag"] == (report["flags"][0]["code"] if report["flags"] else None)
        full_weeks = [w for w in report["weeks"] if w["complete"]]
        assert entry["last_week"]["week_start"] == full_weeks[-1]["week_start"] == "2026-02-23"
        assert entry["last_week"]["distance"] == full_weeks[-1]["distance"]


def test_ranking_worst_flag_first_then_how_many_failed_last(baseline: Path) -> None:
    athletes = index(baseline)["athletes"]
    order = {"alert": 0, "warning": 1, "info": 2, None: 3}
    keys = [(a["status"] == "failed", order[a["worst"]],
             *(-a["counts"][s] for s in ("alert", "warning", "info")), a["athlete"].casefold())
            for a in athletes]
    assert keys == sorted(keys)
    # the two athletes with two alerts lead; the broken folders close the list
    assert {a["athlete"] for a in athletes[:2]} == {"Bo", "Kai"}
    assert [a["status"] for a in athletes[-2:]] == ["failed", "failed"]
    assert [a["status"] for a in athletes[:-2]] == ["ok"] * (len(ROSTER) - 2)


def test_rank_key_orders_by_worst_then_count_then_name() -> None:
    def ok(name: str, alert: int = 0, warning: int = 0, info: int = 0) -> Outcome:
        return Outcome(name, "ok", counts={"alert": alert, "warning": warning, "info": info})

    outcomes = [ok("quiet"), Outcome("broken", "failed", reason="x"), ok("b", warning=1),
                ok("a", warning=1), ok("many warnings", warning=5, info=9),
                ok("one alert", alert=1), ok("infos", info=7), ok("warned twice", warning=2)]
    ranked = [o.athlete for o in sorted(outcomes, key=rank_key)]
    assert ranked == ["one alert", "many warnings", "warned twice", "a", "b", "infos",
                      "quiet", "broken"]


def test_a_broken_athlete_is_isolated_with_the_reason(baseline: Path) -> None:
    by_name = {a["athlete"]: a for a in index(baseline)["athletes"]}
    corrupt, bad_config = by_name["corrupt"], by_name["bad config"]
    assert corrupt["status"] == bad_config["status"] == "failed"
    assert corrupt["report"] is None and corrupt["worst"] is None
    assert corrupt["reason"].startswith("no file could be read: ")
    assert "2026-02-27.fit" in corrupt["reason"] and "(and 1 more)" in corrupt["reason"]
    assert "units: must be 'mi' or 'km'" in bad_config["reason"]
    assert "runlog.toml" in bad_config["reason"] and "line 1" in bad_config["reason"]
    assert sum(a["status"] == "ok" for a in by_name.values()) == len(ROSTER) - 2


def test_report_files_are_safe_distinct_and_all_written(baseline: Path) -> None:
    entries = {a["athlete"]: a["report"] for a in index(baseline)["athletes"]}
    assert entries["Émile Zola"] == "emile-zola.json"
    assert entries["index"] == "index-2.json"  # index.json is the index's
    assert {entries["ola"], entries["Ola"]} == {"ola.json", "ola-2.json"}
    assert re.fullmatch(r"athlete-[0-9a-f]{8}\.json", entries["李雷"])
    written = {p.name for p in baseline.iterdir()}
    reports = {r for r in entries.values() if r is not None}
    assert written == reports | {"index.json", "index.html"}


@pytest.mark.parametrize(("names", "expected"), [
    (["../../etc/passwd", "a/b\\c", ".hidden", "CON.txt"],
     ["etc-passwd.md", "a-b-c.md", "hidden.md", "con-txt.md"]),
    (["Anna", "anna", "ANNA", "anna-2"], ["anna.md", "anna-2.md", "anna-3.md", "anna-2-2.md"]),
    (["index", "Index.html", ""], ["index-2.md", "index-html.md",
                                   "athlete-e3b0c442.md"]),
])
def test_report_names(names: list[str], expected: list[str]) -> None:
    assert report_names(names, ".md") == expected


# --------------------------------------------------------------------------------------------
# The same bytes, however it runs


def test_two_processes_through_the_cli_write_the_same_bytes(
        roster: Path, baseline: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(roster), "-o", str(out), "--format",
                                       "json", "--jobs", "2", "--store",
                                       str(tmp_path / "stores"), *AS_OF_ARG])
    assert result.exit_code == 0, result.output
    assert files(out) == files(baseline)
    assert result.stderr.splitlines()[-1] == (
        f"wrote {out / 'index.html'}: 24 athletes, 2 could not be reviewed")
    assert "runlog: corrupt: no file could be read" in result.stderr


def dask_cluster():  # type: ignore[no-untyped-def]
    try:
        from dask.distributed import LocalCluster
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("dask[distributed] is not installed in CI")
        pytest.skip("dask[distributed] is not installed")
    # threads in this process: two athletes at once, sharing matplotlib
    return LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                        dashboard_address=None)


def test_a_dask_cluster_writes_the_same_bytes(roster: Path, baseline: Path,
                                               tmp_path: Path) -> None:
    with dask_cluster() as cluster:
        result = CliRunner().invoke(main, ["batch", str(roster), "-o", str(tmp_path / "out"),
                                           "--format", "json", "--scheduler",
                                           cluster.scheduler_address, "--store",
                                           str(tmp_path / "dask-stores"), *AS_OF_ARG])
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "out") == files(baseline)


def test_the_index_page(baseline: Path) -> None:
    page = (baseline / "index.html").read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<script" not in page and "http" not in page  # self-contained: nothing fetched
    assert "24 athletes: 6 with an alert, 5 with a warning at worst, 5 with information " \
           "only, 6 with no current flags, 2 could not be reviewed." in page
    ranked = index(baseline)["athletes"]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', page)
    assert links == [(a["report"], a["athlete"]) for a in ranked if a["status"] == "ok"]
    bo = page.split('data-athlete="Bo"', 1)[1].split("</li>", 1)[0]
    week = ranked[0]["last_week"] if ranked[0]["athlete"] == "Bo" else ranked[1]["last_week"]
    assert "A run much longer than any in the month before" in bo and "(load.spike)" in bo
    assert "2 alerts, 1 warning" in bo
    assert (f"Week of 2026-02-23: {week['distance']:.1f} mi ({week['change']:+.0%} on the "
            "week before), 5 runs.") in bo
    assert "Could not be reviewed: no file could be read" in page


def test_html_reports_locally_and_on_dask_threads(roster: Path, tmp_path: Path) -> None:
    """Charts drawn by two threads of one Dask worker come out as drawn one at a time."""
    some = Roster(roster, tuple(a for a in read_roster(roster).athletes
                                if a.name in ("Bo", "Chen", "Lu")))
    run_batch(some, tmp_path / "local", fmt="html", as_of=AS_OF, jobs=1)
    with dask_cluster() as cluster:
        run_batch(some, tmp_path / "dask", fmt="html", as_of=AS_OF,
                  scheduler=cluster.scheduler_address)
    local = files(tmp_path / "local")
    assert sorted(local) == ["bo.html", "chen.html", "index.html", "index.json", "lu.html"]
    assert local == files(tmp_path / "dask")
    assert local["bo.html"].startswith(b"<!DOCTYPE html>")
    assert local["bo.html"].count(b'src="data:image/svg+xml;base64,') >= 3  # the charts


def test_names_are_escaped_in_the_index(tmp_path: Path) -> None:
    write_history(tmp_path / "<b>Sam & Co", "spike")
    run_batch(tmp_path, tmp_path / "out", fmt="json", as_of=AS_OF, jobs=1)
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<b>" not in page and "&lt;b&gt;Sam &amp; Co" in page
    assert index(tmp_path / "out")["athletes"][0]["report"] == "b-sam-co.json"


# --------------------------------------------------------------------------------------------
# roster.toml


def test_roster_toml_names_paths_and_settings(roster: Path, tmp_path: Path) -> None:
    (tmp_path / "roster.toml").write_text(f"""\
# the coach's roster
[[athletes]]
name = "../../Ada"
path = "{(roster / 'Ada').as_posix()}"
units = "km"

[[athletes]]
name = "Bo"
paths = ["{os.path.relpath(roster / 'Bo', tmp_path)}"]

[[athletes]]
name = "Nobody"
path = "not-there"
""", encoding="utf-8")
    result = run_batch(tmp_path / "roster.toml", tmp_path / "out", fmt="json", as_of=AS_OF,
                       jobs=1)
    by_name = {o.athlete: o for o in result.outcomes}
    assert by_name["../../Ada"].report == "ada.json"
    assert by_name["../../Ada"].last_week["units"] == "km"  # the entry's settings
    assert by_name["Bo"].counts["alert"] == 2  # Bo's own runlog.toml (the worn shoe) applies
    assert by_name["Nobody"].status == "failed"
    assert "no such file or folder" in by_name["Nobody"].reason
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "ada.json", "bo.json", "index.html", "index.json"]
    # a folder that holds a roster.toml is read through it
    assert [a.name for a in read_roster(tmp_path).athletes] == ["../../Ada", "Bo", "Nobody"]


@pytest.mark.parametrize(("text", "message", "line"), [
    ('[[athletes]]\nname = "A"\npath = "a"\n[[athletes]]\nname = "A"\npath = "b"\n',
     "'A' is listed twice", 5),
    ('coach = "Pat"\n[[athletes]]\nname = "A"\npath = "a"\n', "coach: unknown key", 1),
    ('[[athletes]\n', "not valid TOML", 1),
    ("", "athletes: needs at least one [[athletes]] table", None),
])
def test_roster_toml_errors_name_the_key_and_line(tmp_path: Path, text: str, message: str,
                                                  line: int | None) -> None:
    path = tmp_path / "roster.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_roster(path)
    assert message in str(caught.value)
    assert caught.value.line == line
    assert caught.value.path == str(path)


@pytest.mark.parametrize(("entry", "failed", "message", "line"), [
    ('[[athletes]]\nname = "B"\npath = "b"\nunit = "km"\n', "B",
     "athletes.unit: unknown key", 9),
    ('[[athletes]]\nname = "B"\npath = "b"\nunits = "miles"\n', "B",
     "athletes.units: must be 'mi' or 'km'", 9),
    ('[[athletes]]\nname = "B"\n', "B", "athletes.path: 'B' needs either path", None),
    ('[[athletes]]\nname = "B"\npath = "b"\nathlete = "C"\n', "B", "athletes.athlete:", 9),
    ('[[athletes]]\npath = "b"\n', "athletes entry 2 (no name)", "athletes.name:", None),
])
def test_a_typo_in_one_athletes_table_fails_that_athlete_alone(
        tmp_path: Path, entry: str, failed: str, message: str, line: int | None) -> None:
    """Issue 15, item 8: the rest of the roster is reviewed; the athlete whose table has the
    typo is listed as failed with the key and line, as a bad runlog.toml is."""
    write_history(tmp_path / "a", "steady")
    roster = tmp_path / "roster.toml"
    roster.write_text('[[athletes]]\nname = "A"\npath = "a"\nunits = "km"\n\n' + entry,
                      encoding="utf-8")
    result = run_batch(roster, tmp_path / "out", fmt="json", as_of=AS_OF, jobs=1)
    by_name = {o.athlete: o for o in result.outcomes}
    assert by_name["A"].status == "ok"
    assert by_name[failed].status == "failed" and message in by_name[failed].reason
    assert str(roster) in by_name[failed].reason
    if line is not None:
        assert f"line {line}" in by_name[failed].reason


# --------------------------------------------------------------------------------------------
# The command: exit codes and errors


def test_fail_on_exits_3_in_a_real_process_without_importing_dask(roster: Path,
                                                                  tmp_path: Path) -> None:
    small = tmp_path / "roster"
    for name in ("Chen", "Lu"):  # a warning at worst, and nothing
        write_history(small / name, ROSTER[name])
    env = {**os.environ, "RUNLOG_STORE": str(tmp_path / "store.sqlite")}
    command = [sys.executable, "-X", "importtime", "-m", "runlog", "batch", str(small), "-o",
               str(tmp_path / "out"), "--format", "json", "--jobs", "1", "--fail-on",
               "warning", *AS_OF_ARG]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=120, check=False)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "wrote " in done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "runlog.batch" in imported and "dask" not in imported
    assert [a["athlete"] for a in index(tmp_path / "out")["athletes"]] == ["Chen", "Lu"]

    again = CliRunner().invoke(main, ["batch", str(small), "-o", str(tmp_path / "out"),
                                      "--format", "json", "--fail-on", "alert", *AS_OF_ARG],
                               env=env)
    assert again.exit_code == 0, again.output


def test_exit_1_when_no_athlete_could_be_reviewed(tmp_path: Path) -> None:
    write_history(tmp_path / "roster" / "corrupt", "corrupt")
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "roster"), "-o",
                                       str(tmp_path / "out"), "--format", "json", "--store",
                                       str(tmp_path / "stores"), *AS_OF_ARG])
    assert result.exit_code == 1
    assert "Error: no athlete could be reviewed" in result.stderr
    assert index(tmp_path / "out")["athletes"][0]["status"] == "failed"  # written anyway


def test_exit_1_for_an_empty_roster_and_2_for_usage(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(main, ["batch", str(tmp_path)])
    assert empty.exit_code == 1
    assert "no athlete folders in the roster" in empty.stderr
    both = runner.invoke(main, ["batch", str(tmp_path), "--jobs", "2", "--scheduler",
                                "tcp://127.0.0.1:8786"])
    assert both.exit_code == 2
    assert "--jobs and --scheduler exclude each other" in both.stderr
    assert runner.invoke(main, ["batch", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(main, ["batch", str(tmp_path), "--jobs", "0"]).exit_code == 2


def test_scheduler_without_dask_says_how_to_install_it(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    write_history(tmp_path / "roster" / "Lu", "steady")
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if missing
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "roster"), "-o",
                                       str(tmp_path / "out"), "--scheduler",
                                       "tcp://127.0.0.1:8786", *AS_OF_ARG])
    assert result.exit_code == 1
    assert "pip install 'runlog[dask]'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_malformed_scheduler_address_is_an_error(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    write_history(tmp_path / "roster" / "Lu", "steady")
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "roster"), "-o",
                                       str(tmp_path / "out"), "--scheduler", "tcp://nohost"])
    assert result.exit_code == 1
    assert result.stderr == ("Error: cannot reach the Dask scheduler at tcp://nohost: missing "
                             "port number in address 'nohost'\n")


def test_an_output_folder_inside_the_roster_is_no_athlete(tmp_path: Path) -> None:
    write_history(tmp_path / "Lu", "steady")
    (tmp_path / "reports").mkdir()
    (tmp_path / ".git").mkdir()
    roster = read_roster(tmp_path, skip=tmp_path / "reports")
    assert roster.athletes == (Athlete("Lu", (tmp_path / "Lu",)),)
    with pytest.raises(RunlogError, match="no such roster"):
        read_roster(tmp_path / "nope")


# --------------------------------------------------------------------------------------------
# Issue 15, item 8: what a coach running a long roster needs from the command

def mixed_roster(tmp_path: Path) -> Path:
    roster = tmp_path / "roster"
    write_history(roster / "Ann", "steady")
    (roster / "Ann" / "runlog.toml").write_text('units = "km"\n', encoding="utf-8")
    write_history(roster / "Ben", "steady")  # no runlog.toml: --config applies
    return roster


def test_batch_units_put_every_athlete_in_one_unit(tmp_path: Path) -> None:
    roster = mixed_roster(tmp_path)
    mixed = CliRunner().invoke(main, ["batch", str(roster), "-o", str(tmp_path / "a"),
                                      "--as-of", AS_OF.isoformat(), "--jobs", "1",
                                      "--format", "json"])
    assert mixed.exit_code == 0, mixed.output
    units = {a["athlete"]: a["units"] for a in index(tmp_path / "a")["athletes"]}
    assert units == {"Ann": "km", "Ben": "mi"}
    assert "different units (mi and km); give --units" in mixed.stderr
    one = CliRunner().invoke(main, ["batch", str(roster), "-o", str(tmp_path / "b"),
                                    "--as-of", AS_OF.isoformat(), "--jobs", "1", "--units",
                                    "km", "--format", "json"])
    assert one.exit_code == 0 and "different units" not in one.stderr
    entries = index(tmp_path / "b")["athletes"]
    assert {a["units"] for a in entries} == {"km"}
    ben = next(a for a in entries if a["athlete"] == "Ben")
    report = json.loads((tmp_path / "b" / ben["report"]).read_text(encoding="utf-8"))
    assert report["units"] == "km" and ben["last_week"]["units"] == "km"


def test_batch_config_is_for_athletes_without_their_own(tmp_path: Path) -> None:
    roster = mixed_roster(tmp_path)
    config = tmp_path / "coach.toml"
    config.write_text('units = "km"\n[thresholds]\nspike_ratio = 1.05\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(roster), "-o", str(tmp_path / "out"),
                                       "--as-of", AS_OF.isoformat(), "--jobs", "1",
                                       "--config", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    units = {a["athlete"]: a["units"] for a in index(tmp_path / "out")["athletes"]}
    assert units == {"Ann": "km", "Ben": "km"}
    assert "different units" not in result.stderr


def test_batch_quiet_prints_nothing_but_keeps_exit_codes(tmp_path: Path) -> None:
    roster = mixed_roster(tmp_path)
    write_history(roster / "corrupt", "corrupt")
    result = CliRunner().invoke(main, ["batch", str(roster), "-o", str(tmp_path / "out"),
                                       "--as-of", AS_OF.isoformat(), "--jobs", "1", "--quiet",
                                       "--fail-on", "info"])
    assert (result.stdout, result.stderr) == ("", "")
    assert result.exit_code in (0, 3)
    loud = CliRunner().invoke(main, ["batch", str(roster), "-o", str(tmp_path / "out2"),
                                     "--as-of", AS_OF.isoformat(), "--jobs", "1"])
    assert "runlog: corrupt: no file could be read" in loud.stderr


def test_batch_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal, a bar counts athletes as they are reviewed; through a pipe, none."""
    import pty

    roster = mixed_roster(tmp_path)
    command = [sys.executable, "-m", "runlog", "batch", str(roster), "-o", str(tmp_path / "o"),
               "--as-of", AS_OF.isoformat(), "--jobs", "1"]
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=terminal, timeout=300,
                              env={**os.environ, "RUNLOG_STORE": str(tmp_path / "s")})
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert done.returncode == 0
    assert b"reviewing athletes" in shown and b"2/2" in shown
    piped = subprocess.run(command, capture_output=True, timeout=300,
                           env={**os.environ, "RUNLOG_STORE": str(tmp_path / "s")})
    assert b"reviewing athletes" not in piped.stderr
