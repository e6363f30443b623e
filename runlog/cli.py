"""The ``runlog`` command: parse options, call the Python API, print, map errors to exit codes.

Exit codes: 0 ok, 1 error (nothing readable, bad config), 2 usage, 3 (report and batch, when asked
with --fail-on) a current flag at or above the given severity, 130 interrupted (Ctrl-C).

Standard output carries only what was asked for (the table, the CSV, the report); summaries,
skip lines and progress go to standard error, and ``--quiet`` silences them.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any


def _interrupted_while_starting(signum: int, frame: Any) -> None:
    """SIGINT before a command runs or after it has ended: one line, exit 130."""
    sys.stderr.write("runlog: interrupted\n")
    sys.stderr.flush()
    os._exit(130)


# Ctrl-C while the modules below load ends the command in one line, as it does later (see
# _Main); runlog/__init__.py imports nothing heavy, so this is the command's first moment. The
# previous handler is back once they are loaded. They are click and light modules only: each
# command imports the Python API (pandas and the readers take a good part of a second) when it
# runs, inside _Main's handling of Ctrl-C, so --help, --version and usage errors answer at once
# (tests/test_cli.py checks what they import).
_ON_MAIN_THREAD = threading.current_thread() is threading.main_thread()
_PREVIOUS_SIGINT = (signal.signal(signal.SIGINT, _interrupted_while_starting)
                    if _ON_MAIN_THREAD else None)

import click  # noqa: E402

from . import __version__  # noqa: E402
from .choices import BATCH_FORMATS, SPORTS  # noqa: E402
from .choices import REPORT_FORMATS as FORMATS  # noqa: E402
from .config import find_config, load_settings, parse_day  # noqa: E402
from .errors import DateError, RunlogError  # noqa: E402
from .locations import ENV_VAR, default_path, shown_path, user_store_path  # noqa: E402

if TYPE_CHECKING:
    from .config import Settings
    from .load import Loaded
    from .store import Store

if _ON_MAIN_THREAD:
    # None: the handler was not set from Python; Python's own is the nearest to it.
    signal.signal(signal.SIGINT, _PREVIOUS_SIGINT if _PREVIOUS_SIGINT is not None
                  else signal.default_int_handler)

#: Exit code when a current flag is at or above --fail-on.
EXIT_FLAGGED = 3
#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

#: What the running command has done so far, for the line printed on Ctrl-C.
_PROGRESS: dict[str, Any] = {"store": None}

STORE_HELP = (f"Store file: a cache of parsed files, safe to delete (default: ${ENV_VAR}, else "
              f"{shown_path(user_store_path())}).")
#: batch's --store: a folder of store files, one per athlete, beside the single store.
BATCH_STORE_HELP = (f"Store folder: a cache of parsed files, safe to delete, a store file per "
                    f"athlete (default: 'athletes' beside ${ENV_VAR}, else beside "
                    f"{shown_path(user_store_path())}).")


# click 8.2+ types ParamType as generic, but click 8.1 (which runlog accepts) cannot subscript it.
class _Day(click.ParamType):  # type: ignore[type-arg]
    """A day written YYYY-MM-DD; a real one (2026-11-31 is refused as not a real date)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return parse_day(value)
        except DateError as exc:
            self.fail(str(exc), param, ctx)


class _Main(click.Group):
    """The command group: Ctrl-C anywhere in a command ends it with one line and exit 130."""

    def invoke(self, ctx: click.Context) -> Any:
        _PROGRESS.update(store=None)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo(_interrupted(), err=True)
            ctx.exit(EXIT_INTERRUPTED)


def _interrupted() -> str:
    store = _PROGRESS["store"]
    if store is None:
        return "runlog: interrupted"
    # imported before the store was published (_load): nothing loads now, after Ctrl-C may
    # have cut an import short
    from .output import plural

    # what the store committed, not what was read: a batch of parses cut off by Ctrl-C
    # mid-write is rolled back whole, and is not kept
    files = store.committed_files
    if not files:
        return "runlog: interrupted before any file was read"
    return (f"runlog: interrupted; the {plural(files, 'file')} already read "
            f"{'is' if files == 1 else 'are'} kept in the store")


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("paths", nargs=-1, required=True,
                       type=click.Path(path_type=Path, exists=True)),
        click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
                     help=STORE_HELP),
        click.option("--config", "config_path", type=click.Path(path_type=Path,
                     dir_okay=False), default=None,
                     help="runlog.toml to use (default: the one beside PATH, else ./)."),
        click.option("--athlete", default=None,
                     help="Whose activities these are (wins over runlog.toml's athlete)."),
        click.option("--quiet", "-q", is_flag=True,
                     help="Print no progress, summary or skip lines (errors still show)."),
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
          use_store: bool = True, writing: bool = False) -> Loaded:
    from . import output  # noqa: F401 - before the store is published: see _interrupted
    from .store import Store

    settings = _settings(paths, config_path)
    store = Store(store_path or default_path()) if use_store else None
    try:
        if store is not None and store.read_only and writing:
            raise RunlogError("the store is read-only: nothing can be imported into it (a "
                              "report can still read it); make it writable, or use another "
                              "--store", str(store.path))
        _PROGRESS["store"] = store if store is not None and not store.read_only else None
        return _load_into(paths, settings, store, athlete, quiet, jobs)
    finally:
        if store is not None:
            store.close()


class _Progress:
    """A bar on standard error, on a terminal and without --quiet, that the API's progress
    callback (done, total) moves one step at a time; nothing otherwise."""

    def __init__(self, label: str, quiet: bool, *, show_pos: bool = False) -> None:
        self.label, self.show_pos = label, show_pos
        self.shown = not quiet and sys.stderr.isatty()
        self.bar: Any = None

    def tick(self, done: int, total: int) -> None:
        if not self.shown:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr,
                                         show_pos=self.show_pos)
            self.bar.__enter__()
        self.bar.update(1)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _load_into(paths: tuple[Path, ...], settings: Settings, store: Store | None,
               athlete: str | None, quiet: bool, jobs: int | None) -> Loaded:
    from .load import load
    from .output import plural, printable

    with _Progress("reading", quiet) as progress:
        loaded = load(paths, settings=settings, store=store, athlete=athlete,
                      progress=progress.tick, jobs=jobs)
    if not quiet:
        for problem in loaded.skipped:
            click.echo(f"runlog: skipped {printable(str(problem))}", err=True)
        for problem in loaded.warnings:
            click.echo(f"runlog: left out {printable(str(problem))}", err=True)
        if store is not None and store.read_only and store.unsaved:
            click.echo(f"runlog: the store {store.path} is read-only: "
                       f"{plural(store.unsaved, 'file')} it lacks "
                       f"{'was' if store.unsaved == 1 else 'were'} read but not stored",
                       err=True)
    if loaded.files_read == 0:
        found = "no activity files found" if loaded.files == 0 else "no file could be read"
        raise RunlogError(f"{found} in {', '.join(str(p) for p in paths)}")
    return loaded


def _summary(loaded: Loaded, shown: int) -> str:
    from .output import plural

    return (f"{plural(shown, 'activity')}, {plural(loaded.files, 'file')}, "
            f"{len(loaded.skipped)} skipped")


def _say(text: str, quiet: bool) -> None:
    """A summary line: on standard error, so standard output stays data."""
    if not quiet:
        click.echo(text, err=True)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="runlog")
def main() -> None:
    """Read a runner's watch exports and flag training patterns linked to injuries."""


@main.command("import")
@_common
def import_command(paths: tuple[Path, ...], store_path: Path | None, config_path: Path | None,
                   athlete: str | None, quiet: bool, jobs: int | None) -> None:
    """Read PATHS (files, folders, zips, Strava exports) into the local store.

    Files already in the store (same size and time, or same content) are not parsed again.
    The store is only a cache of parsed files: deleting it loses nothing but time.
    """
    try:
        loaded = _load(paths, store_path, config_path, athlete, quiet, jobs, writing=True)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    from .output import plural

    _say(f"{plural(len(loaded.activities), 'activity')} from {plural(loaded.files, 'file')} "
         f"({loaded.parsed} parsed now, {loaded.reused} from the store), "
         f"{len(loaded.skipped)} skipped", quiet)


@main.command("activities")
@_common
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("--sport", type=click.Choice(["all", *SPORTS]), default="all",
              show_default=True, help="Only this sport (running, walking, cycling...).")
@click.option("--since", type=_Day(), default=None,
              help="Only activities from this day on, YYYY-MM-DD.")
@click.option("--until", type=_Day(), default=None,
              help="Only activities up to this day, YYYY-MM-DD.")
@click.option("--shoe", default=None,
              help="Only the runs this pair carried or may have carried (name or alias).")
@click.option("--units", type=click.Choice(["mi", "km"]), default=None,
              help="Distance unit for the table (default: runlog.toml, else mi).")
@click.option("--no-store", is_flag=True, help="Read the files without using the store.")
def activities_command(paths: tuple[Path, ...], store_path: Path | None,
                       config_path: Path | None, athlete: str | None, quiet: bool,
                       jobs: int | None, fmt: str, sport: str, since: Any, until: Any,
                       shoe: str | None, units: str | None, no_store: bool) -> None:
    """List the activities read from PATHS, normalized, with the shoe each run counts
    against (assigned_shoe)."""
    from .output import to_csv, to_json, to_table
    from .selection import select

    try:
        loaded = _load(paths, store_path, config_path, athlete, quiet, jobs,
                       use_store=not no_store)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    frame = select(loaded.activities, loaded.settings, sport=sport, since=since, until=until,
                   shoe=shoe)
    settings = loaded.settings.with_overrides(units=units)
    if fmt == "json":
        click.echo(to_json(frame), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(frame), nl=False)
    else:
        click.echo(to_table(frame, settings.units, settings.metres_per_unit), nl=False)
    _say(_summary(loaded, len(frame)), quiet)


#: Report format by the output file's suffix, when --format is not given.
SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
                  ".json": "json", ".txt": "text"}


def _report_format(fmt: str | None, output: Path | None) -> str:
    if fmt is not None:
        return fmt
    if output is None or not output.suffix:
        return "text"
    inferred = SUFFIX_FORMATS.get(output.suffix.lower())
    if inferred is None:
        raise click.UsageError(
            f"cannot tell the report format from {output.name!r}: name the file .html, .md, "
            f".json or .txt, or give --format {'|'.join(FORMATS)}")
    return inferred


@main.command("report")
@_common
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report format (default: from -o FILE's suffix, .html .md .json .txt; "
                   "else text).")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False,
                                                allow_dash=True), default=None,
              help="Write the report to FILE instead of standard output ('-': standard "
                   "output).")
@click.option("--units", type=click.Choice(["mi", "km"]), default=None,
              help="Distance unit (default: runlog.toml, else mi).")
@click.option("--as-of", "as_of", type=_Day(), default=None,
              help="Report as of this day, YYYY-MM-DD (default: today).")
@click.option("--window", type=click.IntRange(min=1), default=None,
              help="Days in the report window (default: runlog.toml, else 28).")
@click.option("--fail-on", type=click.Choice(["info", "warning", "alert"]), default=None,
              help="Exit 3 when a current flag is at least this severe.")
@click.option("--no-store", is_flag=True, help="Read the files without using the store.")
def report_command(paths: tuple[Path, ...], store_path: Path | None, config_path: Path | None,
                   athlete: str | None, quiet: bool, jobs: int | None, fmt: str | None,
                   output: Path | None,
                   units: str | None, as_of: Any, window: int | None, fail_on: str | None,
                   no_store: bool) -> None:
    """Report the injury-risk flags for the activities under PATHS.

    Exit codes: 0 report written, 1 error, 2 usage, 3 report written and a current flag is
    at or above --fail-on, 130 interrupted (Ctrl-C).
    """
    if output is not None and str(output) == "-":
        output = None
    fmt = _report_format(fmt, output)
    from .analyzers import analyze
    from .model import Severity
    from .report import render

    try:
        loaded = _load(paths, store_path, config_path, athlete, quiet, jobs,
                       use_store=not no_store)
        settings = loaded.settings.with_overrides(units=units, window_days=window)
        result = analyze(loaded, settings, as_of=as_of)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    colour = (output is None and fmt == "text" and sys.stdout.isatty()
              and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb")
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


@main.command("totals")
@_common
@click.option("--period", type=click.Choice(["week", "month", "year"]), default="month",
              show_default=True, help="Totals per calendar week, month or year.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("--units", type=click.Choice(["mi", "km"]), default=None,
              help="Distance unit (default: runlog.toml, else mi).")
@click.option("--as-of", "as_of", type=_Day(), default=None,
              help="Count up to this day, YYYY-MM-DD (default: today).")
@click.option("--no-store", is_flag=True, help="Read the files without using the store.")
def totals_command(paths: tuple[Path, ...], store_path: Path | None, config_path: Path | None,
                   athlete: str | None, quiet: bool, jobs: int | None, period: str, fmt: str,
                   units: str | None, as_of: Any, no_store: bool) -> None:
    """Running totals of the activities under PATHS per week, month or year: runs,
    distance, moving time and the longest run, as a report counts them."""
    from .analyzers import analyze
    from .output import totals_csv, totals_table

    try:
        loaded = _load(paths, store_path, config_path, athlete, quiet, jobs,
                       use_store=not no_store)
        result = analyze(loaded, loaded.settings.with_overrides(units=units), as_of=as_of)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = result.totals(period)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2), nl=False)
        click.echo()
    elif fmt == "csv":
        click.echo(totals_csv(rows), nl=False)
    else:
        click.echo(totals_table(rows, result.units), nl=False)


@main.command("store")
@click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
              help=STORE_HELP)
@click.option("--clear", "clear_it", is_flag=True,
              help="Delete the store (a cache: the next import parses every file again).")
def store_command(store_path: Path | None, clear_it: bool) -> None:
    """Show where the store is and what it holds, or clear it with --clear.

    The store is only a cache of parsed files: nothing of yours is in it, and your files are
    never touched.
    """
    from .output import plural
    from .store import clear, describe

    path = store_path or default_path()
    try:
        if clear_it:
            freed = clear(path)
            click.echo(f"cleared {path} ({freed / 1e6:.1f} MB)" if freed
                       else f"no store at {path}: nothing to clear")
            return
        info = describe(path)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    where = "from $" + ENV_VAR if os.environ.get(ENV_VAR) and store_path is None else (
        "from --store" if store_path is not None else "the default")
    if not info["exists"] or info["files"] is None or info["parses"] is None:
        click.echo(f"{path} ({where}): no store yet; the first import makes it")
        return
    click.echo(f"{path} ({where}): {plural(info['files'], 'file')} remembered, "
               f"{plural(info['parses'], 'parse')} stored, {info['bytes'] / 1e6:.1f} MB")


@main.command("batch")
@click.argument("roster", type=click.Path(path_type=Path, exists=True))
@click.option("--output-dir", "-o", type=click.Path(path_type=Path, file_okay=False),
              default=Path("runlog-batch"), show_default=True,
              help="Folder for index.html, index.json and one report per athlete.")
@click.option("--format", "fmt", type=click.Choice(BATCH_FORMATS), default="html",
              show_default=True, help="Format of each athlete's report.")
@click.option("--as-of", "as_of", type=_Day(), default=None,
              help="Report as of this day, YYYY-MM-DD (default: today).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Athletes reviewed at once, in separate processes (default: all cores).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on this Dask scheduler (tcp://host:8786) instead of local processes; "
                   "needs runlog[dask], and the roster at the same path on every worker.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "alert"]), default=None,
              help="Exit 3 when any athlete has a current flag at least this severe.")
@click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
              help=BATCH_STORE_HELP)
@click.option("--units", type=click.Choice(["mi", "km"]), default=None,
              help="One distance unit for every report and the index (default: each "
                   "athlete's own).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False,
              exists=True), default=None,
              help="runlog.toml for athletes with none of their own (no runlog.toml beside "
                   "their files, no settings in roster.toml).")
@click.option("--quiet", "-q", is_flag=True, help="Print no progress or summary lines.")
def batch_command(roster: Path, output_dir: Path, fmt: str, as_of: Any, jobs: int | None,
                  scheduler: str | None, fail_on: str | None, store_path: Path | None,
                  units: str | None, config_path: Path | None, quiet: bool) -> None:
    """Review a ROSTER of athletes: a folder with one sub-folder per athlete (each may hold
    its own runlog.toml), or a roster.toml listing them.

    Writes each athlete's report and an index ranking them by their worst current flag.
    Exit codes: 0 done, 1 error or no athlete could be reviewed, 2 usage, 3 done and an
    athlete has a current flag at or above --fail-on, 130 interrupted (Ctrl-C).
    """
    if jobs is not None and scheduler is not None:
        raise click.UsageError("--jobs and --scheduler exclude each other: the Dask cluster "
                               "decides how many athletes run at once")
    from .batch import default_store_folder, run_batch
    from .model import Severity

    store = store_path or default_store_folder()
    try:
        with _Progress("reviewing athletes", quiet, show_pos=True) as progress:
            result = run_batch(roster, output_dir, fmt=fmt, as_of=as_of, jobs=jobs,
                               scheduler=scheduler, store=store, units=units,
                               config=config_path, progress=progress.tick)
    except RunlogError as exc:
        raise click.ClickException(str(exc)) from exc
    if not quiet:
        _batch_summary(result, store, output_dir)
    if not result.succeeded:
        raise click.ClickException("no athlete could be reviewed")
    if fail_on and result.worst is not None and result.worst >= Severity.parse(fail_on):
        sys.exit(EXIT_FLAGGED)


def _batch_summary(result: Any, store: Path, output_dir: Path) -> None:
    """What a batch did, on stderr: a shared store, retried and failed athletes, the index."""
    from .batch import is_single_store
    from .output import plural

    if is_single_store(store):  # said once it was found to be a store
        click.echo(f"runlog: {store} is a single store file: every athlete shares it, as "
                   "before; give --store a folder to keep one file per athlete", err=True)
    for athlete, why in result.retried:
        click.echo(f"runlog: {athlete}: the process reviewing them ended ({why}); "
                   "reviewed again", err=True)
    for outcome in result.failed:
        click.echo(f"runlog: {outcome.athlete}: {outcome.reason}", err=True)
    units = sorted({o.units for o in result.succeeded if o.units})
    if len(units) > 1:
        click.echo("runlog: the athletes' reports use different units (mi and km); give "
                   "--units to put every report and the index in one", err=True)
    click.echo(f"wrote {output_dir / 'index.html'}: {plural(len(result.outcomes), 'athlete')}, "
               f"{len(result.failed)} could not be reviewed", err=True)


def run() -> None:
    """The ``runlog`` command (the console script and ``python -m runlog``)."""
    # numpy's OpenBLAS starts a thread per core as it loads, and they spin a while: on two busy
    # cores that made an import 50-100 ms slower to start. runlog does no linear algebra, and
    # the pool's processes parse in parallel already. A value the user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        main(prog_name="runlog")
    finally:
        # Ctrl-C while Python shuts down (the pool's processes leaving): the same one line.
        if _ON_MAIN_THREAD:
            signal.signal(signal.SIGINT, _interrupted_while_starting)


if __name__ == "__main__":  # pragma: no cover
    run()
