"""Everyday use (issue 15): what a runner sees at the command line, driven the way they drive it
(CliRunner, or a real process: Ctrl-C as SIGINT to the process group, cron as ``env -i``)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import runlog
from conftest import EXAMPLES, LOG, REPO, gpx_run, interruptible
from runlog.cli import main
from runlog.config import UNDOCUMENTED, Thresholds, threshold_rules, threshold_table
from runlog.output import display_width
from runlog.store import Store, shown_path, user_store_path

README_PATH = REPO / "README.md"
AS_OF = "2026-11-15"


def runlog_command() -> list[str]:
    return [sys.executable, "-m", "runlog"]


# --- 2. standard output is only data -------------------------------------------------------------


def test_csv_on_stdout_is_only_rows_that_pandas_reads(runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(main, ["activities", str(folder), "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 3 and list(table.columns) == [*runlog.COLUMNS, "assigned_shoe"]
    assert "#" not in result.stdout
    assert result.stderr == "3 activities, 1 file, 0 skipped\n"
    quiet = runner.invoke(main, ["activities", str(folder), "--format", "csv", "--quiet"])
    assert quiet.stdout == result.stdout and quiet.stderr == ""


def test_every_summary_goes_to_stderr(runner: CliRunner, folder: Path, tmp_path: Path) -> None:
    imported = runner.invoke(main, ["import", str(folder)])
    assert imported.exit_code == 0
    assert imported.stdout == ""
    assert imported.stderr.startswith("3 activities from 1 file ")
    listed = runner.invoke(main, ["activities", str(folder), "--format", "json"])
    assert len(json.loads(listed.stdout)) == 3 and "3 activities" in listed.stderr
    out = tmp_path / "r.txt"
    written = runner.invoke(main, ["report", str(folder), "-o", str(out), "--as-of", AS_OF])
    assert written.stdout == "" and written.stderr == f"wrote {out}\n"
    for quiet in (["import", str(folder), "-q"], ["activities", str(folder), "-q"],
                  ["report", str(folder), "-o", str(out), "-q"]):
        assert runner.invoke(main, quiet).stderr == ""


# --- 3. the README's cron recipe, run as cron runs it --------------------------------------------


def cron_recipe() -> str:
    text = README_PATH.read_text(encoding="utf-8")
    return text.split("<!-- cron-recipe", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]


def installed_runlog(home: Path) -> str:
    """What ``command -v runlog`` prints where runlog works: the virtual environment's."""
    found = shutil.which("runlog", path=str(Path(sys.executable).parent))
    if found:
        return found
    wrapper = home / "runlog-wrapper"  # not installed as a script: the same through -m
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m runlog "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def weeks_of_runs(folder: Path, shoe_miles_before: int) -> None:
    """Steady 5 km runs every other day up to today, in one shoe that had covered
    ``shoe_miles_before`` before them (600: past the 550 mi replacement, an alert)."""
    today = date.today()
    rows = ["date,distance,duration,type,surface,shoe,cadence"]
    for back in range(40, -1, -2):
        rows.append(f"{today - timedelta(days=back)} 07:00,5 km,27:00,Run,road,Old Pegasus,175")
    folder.mkdir(parents=True)
    (folder / "log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "runlog.toml").write_text(
        f'[[shoes]]\nname = "Old Pegasus"\nfirst_used = {today - timedelta(days=60)}\n'
        f"initial_distance = {shoe_miles_before}\n", encoding="utf-8")


def run_cron(tmp_path: Path, exports: str) -> tuple[int, list[tuple[list[str], str]], Path]:
    """The README's script, RUNLOG set as it says, run by ``env -i`` with only HOME (cron
    also sets no PATH worth the name); the mails the stub ``mail`` was given."""
    home = tmp_path / exports
    (home / "bin").mkdir(parents=True)
    script = re.sub(r"(?m)^RUNLOG=\S+", f"RUNLOG={installed_runlog(home)}", cron_recipe())
    assert script != cron_recipe()
    (home / "bin" / "runlog-weekly").write_text(script, encoding="utf-8")
    (home / "bin" / "mail").write_text(
        '#!/bin/sh\n{ printf "%s\\n" "$@"; echo "--- body"; cat; } > "$HOME/mail.$$"\n')
    (home / "bin" / "mail").chmod(0o755)
    if exports == "alert":
        weeks_of_runs(home / "exports", 600)
    elif exports == "fine":
        weeks_of_runs(home / "exports", 0)
    else:
        (home / "exports").mkdir()
        (home / "exports" / "junk.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    done = subprocess.run(["env", "-i", f"HOME={home}", "/bin/sh",
                           str(home / "bin" / "runlog-weekly")],
                          capture_output=True, text=True, timeout=300)
    mails = []
    for sent in sorted(home.glob("mail.*")):
        head, body = sent.read_text(encoding="utf-8").split("--- body\n", 1)
        mails.append((head.splitlines(), body))
    return done.returncode, mails, home


@pytest.mark.skipif(sys.platform == "win32", reason="cron and sh are POSIX")
def test_cron_recipe_mails_on_an_alert_and_on_a_failure_and_not_otherwise(
        tmp_path: Path) -> None:
    code, mails, home = run_cron(tmp_path, "alert")
    assert code == 0
    assert len(mails) == 1
    args, body = mails[0]
    assert args == ["-s", "runlog: an alert this week", "me@example.org"]
    assert "[ALERT] Replace Old Pegasus" in body
    assert (home / "runlog-report.html").read_text(encoding="utf-8").lstrip().lower() \
        .startswith("<!doctype html")

    code, mails, _ = run_cron(tmp_path, "broken")
    assert code == 1
    assert len(mails) == 1
    args, body = mails[0]
    assert args[:2] == ["-s", "runlog: import failed"]
    assert "no file could be read" in body and "Traceback" not in body

    code, mails, home = run_cron(tmp_path, "fine")
    assert code == 0, mails
    assert mails == []
    assert (home / "runlog-report.html").exists()


# --- 4. Ctrl-C -----------------------------------------------------------------------------------


def gpx(day: int, minutes: int) -> str:
    return gpx_run(datetime(2026, 1, 1, 7, tzinfo=timezone.utc) + timedelta(days=day), minutes)


def stored_files(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute("SELECT count(*) FROM files").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX process groups")
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(300):
        (inbox / f"{n:03d}.gpx").write_text(gpx(n, 20 + n % 15))
    # moments: while Python loads runlog, while the pool starts, while files are stored
    moments: list[float | str] = [0.1, 0.3, 0.6, 1.0, "stored"]
    seen_reading = 0
    for round_, moment in enumerate(moments):
        store = tmp_path / f"store{round_}.sqlite"
        proc = subprocess.Popen(interruptible([*runlog_command(), "import", str(inbox),
                                               "--store", str(store)]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        if moment == "stored":
            deadline = time.monotonic() + 60
            while stored_files(store) == 0 and time.monotonic() < deadline \
                    and proc.poll() is None:
                time.sleep(0.02)
        else:
            time.sleep(float(moment))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        assert "Traceback" not in err
        assert out == ""
        if proc.returncode == 0:  # it finished first: nothing to interrupt
            continue
        if proc.returncode == -signal.SIGINT:
            # the signal came in the last instant of the interpreter's exit, after its work
            # and summary, when Python has handed SIGINT back to the system: killed by it, a
            # shell's status 130 too; still no traceback, and the import was whole
            lines = err.splitlines()
            assert len(lines) == 1 and " activities from " in lines[0], err
            assert stored_files(store) == 300
            continue
        assert proc.returncode == 130, (moment, err)
        lines = err.splitlines()
        assert lines[-1].startswith("runlog: interrupted"), (moment, err)
        # one line; or the import's summary, when the signal came as Python was leaving
        assert len(lines) == 1 or (len(lines) == 2 and " activities from " in lines[0]), err
        found = re.search(r"the (\d+) files? already read (is|are) kept in the store", err)
        if found:
            seen_reading += 1
            kept = int(found.group(1))
            assert stored_files(store) == kept
            again = subprocess.run([*runlog_command(), "import", str(inbox), "--store",
                                    str(store)], capture_output=True, text=True, timeout=300)
            assert again.returncode == 0
            assert f"({300 - kept} parsed now, {kept} from the store)" in again.stderr
    assert seen_reading >= 1


def test_ctrl_c_during_a_report_is_exit_130(runner: CliRunner, folder: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import runlog.analyzers

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    # the command imports the API when it runs (runlog/cli.py): patched where it comes from
    monkeypatch.setattr(runlog.analyzers, "analyze", interrupted)
    result = runner.invoke(main, ["report", str(folder)])
    assert result.exit_code == 130
    assert result.stderr == "runlog: interrupted; the 1 file already read is kept in the store\n"


def test_ctrl_c_in_coach_mode_is_exit_130(runner: CliRunner, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import runlog.batch

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runlog.batch, "run_batch", interrupted)
    (tmp_path / "roster" / "anna").mkdir(parents=True)
    result = runner.invoke(main, ["batch", str(tmp_path / "roster"), "-o",
                                  str(tmp_path / "out")])
    assert result.exit_code == 130
    assert result.stderr == "runlog: interrupted\n"


# --- 6. output options ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "starts"), [
    ("report.html", "<!doctype html"), ("report.htm", "<!doctype html"),
    ("report.md", "# runlog report"), ("report.markdown", "# runlog report"),
    ("report.json", "{"), ("report.txt", "runlog report"), ("report", "runlog report")])
def test_output_format_follows_the_suffix(runner: CliRunner, folder: Path, tmp_path: Path,
                                          name: str, starts: str) -> None:
    out = tmp_path / name
    result = runner.invoke(main, ["report", str(folder), "-o", str(out), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").lstrip().lower().startswith(starts)


def test_format_wins_over_the_suffix_and_dash_is_stdout(
        runner: CliRunner, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.html"
    given = runner.invoke(main, ["report", str(folder), "-o", str(out), "--format", "markdown",
                                 "--as-of", AS_OF])
    assert given.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# runlog")
    monkeypatch.chdir(tmp_path)
    dash = runner.invoke(main, ["report", str(folder), "-o", "-", "--as-of", AS_OF])
    assert dash.exit_code == 0 and dash.stdout.startswith("runlog report")
    assert not (tmp_path / "-").exists()
    unknown = runner.invoke(main, ["report", str(folder), "-o", "report.pdf"])
    assert unknown.exit_code == 2 and "--format" in unknown.stderr
    assert not (tmp_path / "report.pdf").exists()


# --- 7. store errors -----------------------------------------------------------------------------


def test_help_and_readme_say_where_the_store_lives_and_what_it_is(runner: CliRunner) -> None:
    for command in ("import", "report", "activities", "batch"):
        shown = " ".join(runner.invoke(main, [command, "--help"]).stdout.split())
        assert "a cache of parsed files, safe to delete" in shown
        assert shown_path(user_store_path()) in shown
    readme = README_PATH.read_text(encoding="utf-8")
    assert "~/.local/share/runlog/store.sqlite" in readme and "only a cache" in readme


def test_a_photo_given_as_store_is_not_advised_deleted(runner: CliRunner, folder: Path,
                                                        tmp_path: Path) -> None:
    photo = tmp_path / "holiday.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 40)
    before = photo.read_bytes()
    result = runner.invoke(main, ["report", str(folder), "--store", str(photo)])
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "not a runlog store" in message and str(photo) in message
    assert "delete" not in message and "remove" not in message
    assert photo.read_bytes() == before


def test_a_folder_given_as_store_is_named_as_one(runner: CliRunner, folder: Path,
                                                 tmp_path: Path) -> None:
    result = runner.invoke(main, ["report", str(folder), "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert "this is a folder; the store is a file" in result.stderr
    assert "delete" not in result.stderr


def test_a_damaged_store_is_a_cache_safe_to_delete(runner: CliRunner, folder: Path,
                                                   tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    assert runner.invoke(main, ["import", str(folder)]).exit_code == 0
    store.write_bytes(store.read_bytes()[:100])
    result = runner.invoke(main, ["report", str(folder)])
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "cannot be read" in message and "only a cache of parsed files" in message
    assert "safe to delete" in message and "nothing of yours is in it" in message


def test_a_store_of_a_newer_runlog_says_upgrade(runner: CliRunner, folder: Path,
                                                tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    assert runner.invoke(main, ["import", str(folder)]).exit_code == 0
    with sqlite3.connect(store) as db:
        db.execute("UPDATE meta SET value='7' WHERE key='schema_version'")
    result = runner.invoke(main, ["report", str(folder)])
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "a newer runlog wrote it: upgrade runlog" in message
    assert "delete it," not in message


def make_read_only(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Take write permission away. root writes whatever the mode says, so for root the store
    is also reported not writable, as it is to anyone else."""
    path.chmod(0o444)
    if os.geteuid() == 0:
        import runlog.store as store_module

        real = os.access

        def access(target: object, mode: int) -> bool:
            if mode == os.W_OK and Path(str(target)) == path:
                return False
            return real(target, mode)  # type: ignore[arg-type]

        monkeypatch.setattr(store_module.os, "access", access)


def test_a_read_only_store_still_serves_a_report(runner: CliRunner, folder: Path,
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store.sqlite"
    assert runner.invoke(main, ["import", str(folder)]).exit_code == 0
    (folder / "more.csv").write_text("date,distance\n2026-10-10 07:00,8 km\n", encoding="utf-8")
    expected = runner.invoke(main, ["report", str(folder), "--as-of", AS_OF, "--no-store"])
    make_read_only(store, monkeypatch)
    before = store.read_bytes()
    try:
        result = runner.invoke(main, ["report", str(folder), "--as-of", AS_OF])
        assert result.exit_code == 0, result.output
        assert result.stdout == expected.stdout
        assert "read-only" in result.stderr and "1 file it lacks" in result.stderr
        assert "remove" not in result.stderr and "cannot be read" not in result.stderr
        refused = runner.invoke(main, ["import", str(folder)])
        assert refused.exit_code == 1
        assert "the store is read-only: nothing can be imported into it" in refused.stderr
        assert store.read_bytes() == before
        with Store(store) as opened:
            assert opened.read_only
    finally:
        store.chmod(0o644)


# --- 9. names ------------------------------------------------------------------------------------


def test_athlete_option_wins_over_runlog_toml(runner: CliRunner, folder: Path) -> None:
    (folder / "runlog.toml").write_text('athlete = "Sam"\nunits = "km"\n', encoding="utf-8")
    result = runner.invoke(main, ["report", str(folder), "--athlete", "Bob", "--as-of", AS_OF])
    assert result.stdout.startswith(f"runlog report for Bob, as of {AS_OF}\n")
    as_json = runner.invoke(main, ["report", str(folder), "--athlete", "Bob", "--format",
                                   "json", "--as-of", AS_OF])
    assert json.loads(as_json.stdout)["athlete"] == "Bob"


def test_a_long_file_stem_keeps_the_title_within_80_columns(runner: CliRunner,
                                                            tmp_path: Path) -> None:
    long = tmp_path / ("activities_export_from_the_watch_app_of_a_runner_called_sam_"
                       "2026_11_15_final_v2.csv")
    long.write_text(LOG, encoding="utf-8")
    result = runner.invoke(main, ["report", str(long), "--as-of", AS_OF])
    title = result.stdout.splitlines()[0]
    assert display_width(title) <= 80
    assert title.startswith("runlog report for activities_export") and \
        title.endswith(f"final_v2, as of {AS_OF}")


def test_two_athletes_in_one_report_are_refused_unless_one_is_named(
        runner: CliRunner, tmp_path: Path) -> None:
    for name in ("anna", "ben"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "log.csv").write_text(LOG, encoding="utf-8")
        (tmp_path / name / "runlog.toml").write_text(f'athlete = "{name.title()}"\n')
    paths = [str(tmp_path / "anna"), str(tmp_path / "ben")]
    result = runner.invoke(main, ["report", *paths, "--as-of", AS_OF])
    assert result.exit_code == 1
    assert "different athletes' activities (Anna: " in result.stderr
    with pytest.raises(runlog.RunlogError, match="different athletes"):
        runlog.load(paths)
    named = runner.invoke(main, ["report", *paths, "--athlete", "Anna", "--as-of", AS_OF])
    assert named.exit_code == 0 and named.stdout.startswith("runlog report for Anna,")


# --- 10. settings --------------------------------------------------------------------------------


def test_readme_lists_every_threshold_as_the_code_defines_it() -> None:
    """The table is generated; RUNLOG_UPDATE_README=1 rewrites it after a threshold changes."""
    text = README_PATH.read_text(encoding="utf-8")
    start = text.index("<!-- thresholds-table")
    start = text.index("-->\n", start) + len("-->\n")
    end = text.index("<!-- end of thresholds-table -->")
    if os.environ.get("RUNLOG_UPDATE_README"):
        text = text[:start] + threshold_table() + text[end:]
        README_PATH.write_text(text, encoding="utf-8")
        end = start + len(threshold_table())
    assert text[start:end] == threshold_table()
    for name, (_default, rule) in threshold_rules().items():
        assert f"`{name}`" in text[start:end] and rule.meaning and rule.unit


def test_every_threshold_has_its_rule() -> None:
    assert len(threshold_rules()) == len(Thresholds.__dataclass_fields__) >= 26
    for name, (default, rule) in threshold_rules().items():
        assert rule is not UNDOCUMENTED, f"give {name} its rule: field = _rule(default, ...)"
        assert rule.allows(default), name


@pytest.mark.parametrize(("toml", "words"), [
    ("[thresholds]\nspike_raito = 1.2\n", "did you mean 'spike_ratio'?"),
    ("[thresholds]\ncadence_low = 165\n", "did you mean 'cadence_low_spm'?"),
    ("[thresholds]\nshoe_replace_miles = 500\n", "did you mean 'shoe_replace_mi'?"),
    ('unit = "km"\n', "did you mean 'units'?"),
    ('[[shoes]]\nname = "A"\nfirst_use = 2026-01-01\n', "did you mean 'first_used'?"),
    ("[thresholds]\nspike_ratio = 0\n", "spike_ratio: must be over 1"),
    ("[thresholds]\nspike_ratio = 1\n", "spike_ratio: must be over 1"),
    ("[thresholds]\nacwr_high = 0.9\n", "acwr_high: must be over 1"),
    ("[thresholds]\nbreak_days = 0\n", "break_days: must be at least 1"),
    ("[thresholds]\nstrain_percentile = 150\n", "must be between 0 and 100"),
    ("[thresholds]\nhard_share = 1.5\n", "hard_share: must be over 0, at most 1"),
    ("[thresholds]\nspike_alert_ratio = 1.05\n", "spike_ratio must be below spike_alert_ratio"),
    ("[thresholds]\ncadence_low_spm = 200\n", "cadence_low_spm must be below cadence_high"),
    ("[thresholds]\nshoe_approaching_mi = 600\n", "shoe_approaching_km must be below"),
])
def test_settings_say_what_is_wrong(runner: CliRunner, folder: Path, toml: str,
                                    words: str) -> None:
    (folder / "runlog.toml").write_text(toml, encoding="utf-8")
    result = runner.invoke(main, ["report", str(folder), "--as-of", AS_OF])
    assert result.exit_code == 1
    assert words in result.stderr, result.stderr
    assert "(at line" in result.stderr


# --- 11. dates and paths -------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "words"), [
    ("2026-11-31", "'2026-11-31' is not a real date (November 2026 has 30 days)"),
    ("2026-02-29", "February 2026 has 28 days"),
    ("2026/11/15", "'2026/11/15' is not a date written YYYY-MM-DD"),
    ("15.11.2026", "YYYY-MM-DD"),
])
def test_as_of_that_is_not_a_real_date_is_a_usage_error(runner: CliRunner, folder: Path,
                                                        day: str, words: str) -> None:
    result = runner.invoke(main, ["report", str(folder), "--as-of", day])
    assert result.exit_code == 2
    assert words in result.stderr and "%Y" not in result.stderr


def test_the_api_names_a_bad_date_with_a_runlog_error() -> None:
    loaded = runlog.load([EXAMPLES / "watch-folder"])
    with pytest.raises(runlog.DateError) as info:
        runlog.analyze(loaded, as_of="2026/11/15")
    assert isinstance(info.value, runlog.RunlogError)
    assert "as_of '2026/11/15' is not a date written YYYY-MM-DD" in str(info.value)
    with pytest.raises(runlog.RunlogError, match="not a real date"):
        runlog.analyze(loaded, as_of="2026-11-31")


def test_a_mistyped_path_among_several_is_a_usage_error(runner: CliRunner, folder: Path,
                                                        tmp_path: Path) -> None:
    typo = tmp_path / "exprots"
    for command in ("import", "activities", "report"):
        result = runner.invoke(main, [command, str(folder), str(typo)])
        assert result.exit_code == 2
        assert str(typo) in result.stderr and "does not exist" in result.stderr


def test_load_names_a_path_that_does_not_exist(tmp_path: Path, folder: Path) -> None:
    with pytest.raises(runlog.PathNotFound) as info:
        runlog.load(["nope"])
    assert isinstance(info.value, runlog.RunlogError)
    assert str(info.value) == "nope: no such file or folder"
    with pytest.raises(runlog.RunlogError, match="exprots: no such file"):
        runlog.load([folder, tmp_path / "exprots"])


# --- 12. output hygiene --------------------------------------------------------------------------


def test_one_activity_and_one_file_are_singular(runner: CliRunner, tmp_path: Path) -> None:
    log = tmp_path / "one.csv"
    log.write_text("date,distance,duration\n2026-10-01 07:00,10 km,52:10\n", encoding="utf-8")
    listed = runner.invoke(main, ["activities", str(log)])
    assert listed.stderr == "1 activity, 1 file, 0 skipped\n"
    imported = runner.invoke(main, ["import", str(log)])
    assert imported.stderr == "1 activity from 1 file (0 parsed now, 1 from the store), " \
                              "0 skipped\n"


def test_import_counts_add_up(runner: CliRunner, folder: Path) -> None:
    (folder / "junk.gpx").write_text("<gpx><trk>", encoding="utf-8")
    first = runner.invoke(main, ["import", str(folder), "--quiet"])
    assert first.exit_code == 0 and first.stderr == ""
    result = runner.invoke(main, ["import", str(folder)])
    assert result.stderr.splitlines()[-1] == ("3 activities from 2 files (0 parsed now, 2 from "
                                              "the store), 1 skipped")
    (folder / "more.csv").write_text("date,distance\n2026-10-10 07:00,8 km\n", encoding="utf-8")
    more = runner.invoke(main, ["import", str(folder), "--quiet"])
    assert more.exit_code == 0
    last = runner.invoke(main, ["import", str(folder)]).stderr.splitlines()[-1]
    assert last == "4 activities from 3 files (0 parsed now, 3 from the store), 1 skipped"


def test_durations_are_always_hours_minutes_seconds(runner: CliRunner, folder: Path) -> None:
    table = runner.invoke(main, ["activities", str(folder)]).stdout.splitlines()
    assert " 0:52:10 " in table[2] and " 1:01:30 " in table[3]
    report = runner.invoke(main, ["report", str(folder), "--as-of", "2026-12-31"]).stdout
    assert "0 runs, 0.0 km, 0:00:00 moving" in report


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_dumb_terminal_gets_no_colour(tmp_path: Path) -> None:
    from test_cli import _run_on_a_terminal

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["RUNLOG_STORE"] = str(tmp_path / "s.sqlite")
    args = ["report", str(EXAMPLES / "strava-export"), "--as-of", AS_OF]
    assert "\x1b[" in _run_on_a_terminal(args, {**env, "TERM": "xterm-256color"})
    plain = _run_on_a_terminal(args, {**env, "TERM": "dumb"})
    assert "\x1b[" not in plain and "[ALERT]" in plain


SHOES = ["Nike Pegasus 40 (blue) 👟", "Nike Pegasus 40 (red)",
         "Nike Pegasus 40 (green trail edition, the one with the very long name)"]


@pytest.fixture
def three_pairs(tmp_path: Path) -> Path:
    rows = ["date,distance,duration,type,surface,shoe,cadence"]
    first = date(2026, 8, 1)
    for i in range(100):
        rows.append(f"{first + timedelta(days=i)} 07:00,{8 + i % 5} km,{45 + i % 7}:00,Run,"
                    f"road,{SHOES[i % 3]},165")
    path = tmp_path / "runner"
    path.mkdir()
    (path / "log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_long_and_emoji_shoe_names_keep_the_columns(runner: CliRunner,
                                                    three_pairs: Path) -> None:
    report = runner.invoke(main, ["report", str(three_pairs), "--as-of", "2026-11-08"]).stdout
    assert max(display_width(line) for line in report.splitlines()) <= 80
    shoes = report.split("\nShoes\n-----\n", 1)[1].split("\n\n", 1)[0].splitlines()
    rows = [line for line in shoes[2:] if line.startswith("Nike")]
    assert len(rows) == 3 and len({row.split("  ")[0] for row in rows}) == 3
    distance_ends = {display_width(row[: row.index(" 2026-")]) for row in rows}
    assert len(distance_ends) == 1, rows  # the columns after the name line up
    table = runner.invoke(main, ["activities", str(three_pairs)]).stdout.splitlines()
    shoe_cells = {line.split(" road      ", 1)[1].rstrip() for line in table[2:5]}
    assert len(shoe_cells) == 3 and all(display_width(c) <= 14 for c in shoe_cells)
