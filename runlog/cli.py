"""The ``runlog`` command: parse options, call the Python API, print, map errors to exit codes.

Exit codes: 0 ok, 1 error (nothing readable, bad config), 2 usage, 3 (report and batch, when asked
with --fail-on) a current flag at or above the given severity.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .analyzers import analyze
from .batch import FORMATS as BATCH_FORMATS
from .batch import default_store_folder, is_single_store, run_batch
from .config import Settings, find_config, load_settings
from .errors import RunlogError
from .load import Loaded, load
from .model import Severity
from .output import printable, to_csv, to_json, to_table
from .report import FORMATS, render
from .store import default_path


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path)),
        click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
                     help="Store file (default: $RUNLOG_STORE, else the user data folder)."),
        click.option("--config", "config_path", type=click.Path(path_type=Path,
                     dir_okay=False), default=None,
                     help="runlog.toml to use (default: the one beside PATH, else ./)."),
        click.option("--athlete", default=None, help="Whose activities these are."),
        click.option("--quiet", "-q", is_flag=True, help="Print no progress or skip lines."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                     help="Processes that parse files (default: one per core)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _settings(paths: tuple[Path, ...], config_path: Path | None) -> Settings:
    return load_settings(config_path or find_config(list(paths)))


def _load(paths: tuple[Path, ...], store_path: Path | None, config_path: Path | None,
          athlete: str | None, quiet: bool, jobs: int | None, *,
          use_store: bool = True) -> Loaded:
    settings = _settings(paths, config_path)
    store = (store_path or default_path()) if use_store else None
    show_progress = not quiet and sys.stderr.isatty()
    bar: Any = None

    def tick(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="reading", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        loaded = load(paths, settings=settings, store=store, athlete=athlete,
                      progress=tick if show_progress else None, jobs=jobs)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if not quiet:
        for problem in loaded.skipped:
            click.echo(f"runlog: skipped {printable(str(problem))}", err=True)
        for problem in loaded.warnings:
            click.echo(f"runlog: left out {printable(str(problem))}", err=True)
    if loaded.files_read == 0:
        found = "no activity files found" if loaded.files == 0 else "no file could be read"
        raise click.ClickException(f"{found} in {', '.join(str(p) for p in paths)}")
    return loaded


def _summary(loaded: Loaded, shown: int) -> str:
    return (f"{shown} activities, {loaded.files} files, {len(loaded.skipped)} skipped")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="runlog")
def main() -> None:
    """Read a runner's watch exports and flag training patterns linked to injuries."""


@main.command("import")
@_common
def import_command(paths: tuple[Path, ...], store_path: Path | None, config_path: Path | None,
                   athlete: str | None, quiet: bool, jobs: int | None) -> None:
    """Read PATHS (files, folders, zips, Strava exports) into the local store.

    Files already in the store (same size and time, or same content) are not parsed again.
    """
    try:
        loaded = _load(paths, store_path, config_path, athlete, quiet, jobs)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    if not quiet:
        click.echo(f"{len(loaded.activities)} activities from {loaded.files_read} files "
                   f"({loaded.parsed} parsed, {loaded.reused} unchanged), "
                   f"{len(loaded.skipped)} skipped")


@main.command("activities")
@_common
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("--sport", type=click.Choice(["running", "all"]), default="all",
              show_default=True, help="Only runs, or every sport.")
@click.option("--units", type=click.Choice(["mi", "km"]), default=None,
              help="Distance unit for the table (default: runlog.toml, else mi).")
@click.option("--no-store", is_flag=True, help="Read the files without using the store.")
def activities_command(paths: tuple[Path, ...], store_path: Path | None,
                       config_path: Path | None, athlete: str | None, quiet: bool,
                       jobs: int | None, fmt: str,
                       sport: str, units: str | None, no_store: bool) -> None:
    """List the activities read from PATHS, normalized."""
    try:
        loaded = _load(paths, store_path, config_path, athlete, quiet, jobs,
                       use_store=not no_store)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    frame = loaded.activities
    if sport == "running":
        frame = frame[frame["sport"] == "running"]
    settings = loaded.settings.with_overrides(units=units)
    if fmt == "json":
        click.echo(to_json(frame), nl=False)
        return
    if fmt == "csv":
        click.echo(to_csv(frame), nl=False)
        click.echo("# " + _summary(loaded, len(frame)))
        return
    click.echo(to_table(frame, settings.units, settings.metres_per_unit), nl=False)
    click.echo(_summary(loaded, len(frame)))


#: Exit code when a current flag is at or above --fail-on.
EXIT_FLAGGED = 3


@main.command("report")
@_common
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Report format.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the report to FILE instead of standard output.")
@click.option("--units", type=click.Choice(["mi", "km"]), default=None,
              help="Distance unit (default: runlog.toml, else mi).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Report as of this day, YYYY-MM-DD (default: today).")
@click.option("--window", type=click.IntRange(min=1), default=None,
              help="Days in the report window (default: runlog.toml, else 28).")
@click.option("--fail-on", type=click.Choice(["info", "warning", "alert"]), default=None,
              help="Exit 3 when a current flag is at least this severe.")
@click.option("--no-store", is_flag=True, help="Read the files without using the store.")
def report_command(paths: tuple[Path, ...], store_path: Path | None, config_path: Path | None,
                   athlete: str | None, quiet: bool, jobs: int | None, fmt: str,
                   output: Path | None,
                   units: str | None, as_of: Any, window: int | None, fail_on: str | None,
                   no_store: bool) -> None:
    """Report the injury-risk flags for the activities under PATHS.

    Exit codes: 0 report written, 1 error, 2 usage, 3 report written and a current flag is
    at or above --fail-on.
    """
    try:
        loaded = _load(paths, store_path, config_path, athlete, quiet, jobs,
                       use_store=not no_store)
        settings = loaded.settings.with_overrides(units=units, window_days=window)
        result = analyze(loaded, settings, as_of=as_of.date() if as_of else None)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    colour = (output is None and fmt == "text" and sys.stdout.isatty()
              and "NO_COLOR" not in os.environ)
    rendered = render(result, fmt, colour=colour)
    if output is None:
        click.echo(rendered, nl=False)
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
        if not quiet:
            click.echo(f"wrote {output}", err=True)
    if fail_on and result.flags and result.flags[0].severity >= Severity.parse(fail_on):
        sys.exit(EXIT_FLAGGED)


@main.command("batch")
@click.argument("roster", type=click.Path(path_type=Path, exists=True))
@click.option("--output-dir", "-o", type=click.Path(path_type=Path, file_okay=False),
              default=Path("runlog-batch"), show_default=True,
              help="Folder for index.html, index.json and one report per athlete.")
@click.option("--format", "fmt", type=click.Choice(BATCH_FORMATS), default="html",
              show_default=True, help="Format of each athlete's report.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Report as of this day, YYYY-MM-DD (default: today).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Athletes reviewed at once, in separate processes (default: all cores).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on this Dask scheduler (tcp://host:8786) instead of local processes; "
                   "needs runlog[dask], and the roster at the same path on every worker.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "alert"]), default=None,
              help="Exit 3 when any athlete has a current flag at least this severe.")
@click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
              help="Store folder, one file per athlete (default: 'athletes' beside the "
                   "single store: $RUNLOG_STORE's folder, else the user data folder).")
def batch_command(roster: Path, output_dir: Path, fmt: str, as_of: Any, jobs: int | None,
                  scheduler: str | None, fail_on: str | None, store_path: Path | None) -> None:
    """Review a ROSTER of athletes: a folder with one sub-folder per athlete (each may hold
    its own runlog.toml), or a roster.toml listing them.

    Writes each athlete's report and an index ranking them by their worst current flag.
    Exit codes: 0 done, 1 error or no athlete could be reviewed, 2 usage, 3 done and an
    athlete has a current flag at or above --fail-on.
    """
    if jobs is not None and scheduler is not None:
        raise click.UsageError("--jobs and --scheduler exclude each other: the Dask cluster "
                               "decides how many athletes run at once")
    store = store_path or default_store_folder()
    try:
        result = run_batch(roster, output_dir, fmt=fmt, as_of=as_of.date() if as_of else None,
                           jobs=jobs, scheduler=scheduler, store=store)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    if is_single_store(store):  # said once it was found to be a store
        click.echo(f"runlog: {store} is a single store file: every athlete shares it, as "
                   "before; give --store a folder to keep one file per athlete", err=True)
    for athlete, why in result.retried:
        click.echo(f"runlog: {athlete}: the process reviewing them ended ({why}); "
                   "reviewed again", err=True)
    for outcome in result.failed:
        click.echo(f"runlog: {outcome.athlete}: {outcome.reason}", err=True)
    click.echo(f"wrote {output_dir / 'index.html'}: {len(result.outcomes)} athletes, "
               f"{len(result.failed)} could not be reviewed", err=True)
    if not result.succeeded:
        raise click.ClickException("no athlete could be reviewed")
    if fail_on and result.worst is not None and result.worst >= Severity.parse(fail_on):
        sys.exit(EXIT_FLAGGED)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
