"""The command line, end to end: CliRunner for exact output, and a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import runlog
from conftest import EXAMPLES
from runlog.cli import main
from runlog.output import records
from runlog.selection import select


def test_every_command_has_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for name, command in main.commands.items():
        assert command.help, f"{name} has no help text"
        sub = runner.invoke(main, [name, "--help"])
        assert sub.exit_code == 0 and "Usage:" in sub.output


def test_activities_table_then_summary_on_stderr(runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(main, ["activities", str(folder)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["date", "sport", "dist"]
    assert lines[2].startswith("2026-10-01 07:30 running      10.00  0:52:10     5:13  172 road")
    assert len(lines) == 5
    assert result.stderr == "3 activities, 1 file, 0 skipped\n"


def test_activities_json_equals_the_api_table(runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(main, ["activities", str(folder), "--format", "json"])
    assert result.exit_code == 0
    loaded = runlog.load([folder])
    assert json.loads(result.stdout) == json.loads(
        json.dumps(records(select(loaded.activities, loaded.settings))))
    # the table's columns, and the shoe each run counts against
    assert list(json.loads(result.stdout)[0]) == [*runlog.COLUMNS, "assigned_shoe"]


def test_activities_csv_neutralises_formulas_and_is_only_data(
        runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(main, ["activities", str(folder), "--format", "csv", "--sport",
                                  "running"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("activity_id,athlete,source,format,start_time")
    assert "'=HYPERLINK" in result.stdout
    assert len(lines) == 3
    assert result.stderr == "2 activities, 1 file, 0 skipped\n"


def test_bad_file_is_named_on_stderr_and_the_rest_go_on(runner: CliRunner,
                                                        folder: Path) -> None:
    (folder / "junk.gpx").write_text("<gpx><trk>", encoding="utf-8")
    result = runner.invoke(main, ["activities", str(folder)])
    assert result.exit_code == 0
    assert f"runlog: skipped {folder / 'junk.gpx'}:" in result.stderr
    assert result.stderr.splitlines()[-1] == "3 activities, 2 files, 1 skipped"


def test_nothing_readable_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "junk.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(main, ["activities", str(tmp_path / "junk.csv")])
    assert result.exit_code == 1
    assert "no file could be read" in result.stderr
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(main, ["activities", str(tmp_path / "empty")])
    assert empty.exit_code == 1
    assert "no activity files found" in empty.stderr


def test_usage_error_exits_2(runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(main, ["activities", str(folder), "--format", "xml"])
    assert result.exit_code == 2


def test_import_then_import_again_parses_nothing(runner: CliRunner, folder: Path) -> None:
    first = runner.invoke(main, ["import", str(folder)])
    assert first.exit_code == 0
    assert first.stdout == ""
    assert first.stderr == "3 activities from 1 file (1 parsed now, 0 from the store), 0 skipped\n"
    second = runner.invoke(main, ["import", str(folder)])
    assert second.stderr == "3 activities from 1 file (0 parsed now, 1 from the store), 0 skipped\n"


def test_bad_config_is_one_line_naming_key_and_line(runner: CliRunner, folder: Path) -> None:
    (folder / "runlog.toml").write_text('units = "km"\nspeed = 3\n', encoding="utf-8")
    result = runner.invoke(main, ["activities", str(folder)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {folder / 'runlog.toml'}: speed: unknown key "
                                     "(at line 2)")


def test_real_subprocess(tmp_path: Path, folder: Path) -> None:
    env = {**os.environ, "RUNLOG_STORE": str(tmp_path / "s.sqlite")}
    done = subprocess.run([sys.executable, "-m", "runlog", "activities", str(folder), "--format",
                           "json"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 3
    (tmp_path / "junk.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "runlog", "activities",
                          str(tmp_path / "junk.csv")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr


#: What --help, --version and usage errors must not import: the data stack and the readers
#: take a good part of a second to load, and a user asking for help waits for all of it.
HEAVY_MODULES = ("pandas", "numpy", "matplotlib", "fitparse", "gpxpy", "runlog.importers",
                 "runlog.analyzers", "runlog.report", "runlog.store", "runlog.load",
                 "runlog.batch")


@pytest.mark.parametrize(("args", "exit_code"), [
    (["--help"], 0),
    (["--version"], 0),
    (["report", "--help"], 0),
    (["batch", "--help"], 0),
    (["import"], 2),  # missing PATHS
    (["activities", ".", "--bogus"], 2),
    (["activities", ".", "--sport", "surfing"], 2),
    (["report", ".", "--as-of", "2026-02-30"], 2),
    (["totals", ".", "--jobs", "0"], 2),
])
def test_help_version_and_usage_errors_import_nothing_heavy(
        args: list[str], exit_code: int) -> None:
    # -X importtime lists on stderr every module the real command imported
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "runlog", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == exit_code, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "click" in imported  # the listing is there to be read
    heavy = sorted(name for name in imported
                   if any(name == top or name.startswith(top + ".") for top in HEAVY_MODULES))
    assert heavy == [], f"runlog {' '.join(args)} imported {', '.join(heavy[:12])}"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_the_command_starts_no_blas_threads(tmp_path: Path) -> None:
    """numpy's OpenBLAS would start a thread per core as the command loads it (and slow its
    start-up on a busy machine): the command asks it for none."""
    count_threads_at_exit = (
        "import atexit, os, sys; atexit.register(lambda: print('threads', "
        "len(os.listdir('/proc/self/task')), file=sys.stderr)); "
        "sys.argv[0] = 'runlog'; from runlog.cli import run; run()")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    (tmp_path / "empty").mkdir()
    done = subprocess.run([sys.executable, "-c", count_threads_at_exit, "import",
                           str(tmp_path / "empty"), "--store", str(tmp_path / "s.sqlite")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and "no activity files found" in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1] == "threads 1", done.stderr


def _run_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run runlog with stdout on a pseudo-terminal; what it printed."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "runlog", *args], stdout=follower,
                            stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["RUNLOG_STORE"] = str(tmp_path / "s.sqlite")
    args = ["report", str(EXAMPLES / "strava-export"), "--as-of", "2026-11-15"]
    coloured = _run_on_a_terminal(args, env)
    assert "\x1b[" in coloured and "runlog report" in coloured
    plain = _run_on_a_terminal(args, {**env, "NO_COLOR": "1"})
    assert "\x1b[" not in plain and "runlog report" in plain
    piped = subprocess.run([sys.executable, "-m", "runlog", *args], capture_output=True,
                           text=True, env=env, timeout=120)
    assert "\x1b[" not in piped.stdout


def test_jobs_choose_the_parsing_processes_and_change_nothing(runner: CliRunner) -> None:
    watch = EXAMPLES / "watch-folder"
    outputs = []
    for jobs in ("1", "2"):
        result = runner.invoke(main, ["activities", str(watch), "--no-store", "--format",
                                      "json", "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0])) > 10
    refused = runner.invoke(main, ["import", str(watch), "--jobs", "0"])
    assert refused.exit_code == 2 and "--jobs" in refused.stderr


def test_skip_lines_carry_no_terminal_control(runner: CliRunner, folder: Path) -> None:
    (folder / "junk\x1b[2J.gpx").write_text("<gpx><trk>\x1b]0;pwned\x07", encoding="utf-8")
    result = runner.invoke(main, ["activities", str(folder)])
    assert result.exit_code == 0
    skipped = [line for line in result.stderr.splitlines() if line.startswith("runlog: skipped")]
    assert len(skipped) == 1 and "junk" in skipped[0]
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
