"""Coach mode: review a roster of athletes in one go, on this machine or on a Dask cluster.

A roster is a folder with one sub-folder per athlete, or a ``roster.toml`` naming each athlete
with their paths and settings. :func:`review_athlete` does one athlete's whole job (load,
analyze, render) and returns what the index needs plus the rendered report; it is a picklable
top-level function, so the same work runs in this process, in a pool of processes, or on Dask
workers. Reports are written here, never by a worker, so they land in the output folder even
when the workers run on other machines. The index ranks athletes by their worst current flag,
then by how many flags they have.

Each athlete has a store file of their own in the store folder, named like their report, so
no two processes reviewing a roster ever write one file. A single store file (the one
``runlog import`` and ``report`` keep) given instead is still used, shared, as before.

A process that dies while reviewing an athlete (killed, out of memory) costs that athlete one
attempt of :data:`ATTEMPTS`: they are reviewed again in a new process (on Dask, the scheduler
retries them on another worker), and listed as failed, with the reason, only when every
attempt died. The other athletes go on.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.process
import os
import re
import signal
import sys
import threading
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .analyzers import DISCLAIMER, Report, analyze
from .clock import machine_timezone
from .config import CONFIG_NAME, Settings, _line_of, load_settings, parse_settings
from .errors import ConfigError, RunlogError, StoreError
from .load import Loaded, _exit_when_orphaned, load
from .model import EVIDENCE_RANK, Severity
from .report import render
from .report.html import CSS
from .store import Store, default_path

ROSTER_NAME = "roster.toml"
INDEX_SCHEMA = "runlog.batch/1"
#: Per-athlete report formats and their file extensions.
REPORT_EXTENSIONS = {"html": ".html", "json": ".json", "markdown": ".md"}
FORMATS = tuple(REPORT_EXTENSIONS)
SEVERITIES = ("alert", "warning", "info")  # worst first
#: The index's own files; no athlete's report may take these names.
INDEX_STEM = "index"
#: Longest file-name stem made from an athlete's name.
MAX_STEM = 60
#: Each athlete's store file in the store folder: the report's name with this extension.
STORE_EXTENSION = ".sqlite"
#: How many times an athlete is tried when the process reviewing them dies.
ATTEMPTS = 2

_ENTRY_KEYS = {"name", "path", "paths"}
_ATHLETES_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*athletes[ \t]*\]\]", re.MULTILINE)

#: matplotlib's pyplot figures and rcParams are process-wide: when a Dask worker runs several
#: athletes in threads, only one of them may draw at a time or the charts' SVG ids and styles
#: mix (and the "identical results" promise breaks).
_RENDER_LOCK = threading.Lock()


# --------------------------------------------------------------------------------------------
# The roster


@dataclass(frozen=True)
class Athlete:
    """One athlete of a roster: their name, where their files are, and their settings.

    ``settings`` are the ones the roster.toml entry gives; otherwise ``config`` names the
    runlog.toml to read (None: the defaults). The file is read by the worker, so a bad one
    fails that athlete only.
    """

    name: str
    paths: tuple[Path, ...]
    settings: Settings | None = None
    config: Path | None = None
    #: why the roster's entry for this athlete could not be read: they fail alone
    problem: str | None = None


@dataclass(frozen=True)
class Roster:
    source: Path  # the folder or roster.toml it was read from
    athletes: tuple[Athlete, ...]


def read_roster(path: str | os.PathLike[str], *, skip: Path | None = None) -> Roster:
    """The athletes of a roster folder (one sub-folder each) or of a roster.toml.

    A folder holding a ``roster.toml`` is read through that file. ``skip`` is a folder that is
    not an athlete even when it sits in the roster folder (the batch's own output folder).
    """
    root = Path(path).expanduser().absolute()
    if root.is_dir() and (root / ROSTER_NAME).is_file():
        return _roster_file(root / ROSTER_NAME)
    if root.is_file():
        return _roster_file(root)
    if not root.is_dir():
        raise RunlogError("no such roster folder or file", str(root))
    skipped = skip.resolve() if skip is not None else None
    athletes = []
    for folder in sorted(root.iterdir(), key=lambda p: p.name):
        if not folder.is_dir() or folder.name.startswith(".") or folder.resolve() == skipped:
            continue
        athletes.append(Athlete(name=folder.name, paths=(folder,),
                                config=_config_beside((folder,))))
    if not athletes:
        raise RunlogError("no athlete folders in the roster (one sub-folder per athlete, or "
                          f"a {ROSTER_NAME})", str(root))
    return Roster(source=root, athletes=tuple(athletes))


def _config_beside(paths: Sequence[Path]) -> Path | None:
    """The runlog.toml ``runlog report`` would use for these paths, but never the working
    folder's: that one belongs to the coach, not to each athlete."""
    for path in paths:
        candidate = (path if path.is_dir() else path.parent) / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _roster_file(path: Path) -> Roster:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", str(path)) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {str(exc).split(' (at ')[0]}", str(path),
                          line=int(found.group(1)) if found else None) from exc
    unknown = sorted(set(data) - {"athletes"})
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown key (a roster has [[athletes]] tables)",
                          str(path), line=_line_of(text, unknown[0]))
    entries = data.get("athletes")
    if not isinstance(entries, list) or not entries or \
            not all(isinstance(e, dict) for e in entries):
        raise ConfigError("athletes: needs at least one [[athletes]] table with a name and "
                          "a path", str(path), line=_line_of(text, "athletes"))
    starts = [m.start() for m in _ATHLETES_HEADER.finditer(text)]
    if len(starts) != len(entries):  # athletes = [{...}] written inline: no blocks to search
        starts = [0] * len(entries)
    ends = starts[1:] + [len(text)]
    athletes: list[Athlete] = []
    seen: set[str] = set()
    for number, (entry, start, end) in enumerate(zip(entries, starts, ends), 1):
        try:
            athlete = _roster_entry(entry, path, text[start:end], text.count("\n", 0, start))
        except ConfigError as exc:  # a typo in one athlete's table fails that athlete alone
            name = entry.get("name")
            name = name.strip() if isinstance(name, str) and name.strip() else \
                f"athletes entry {number} (no name)"
            athlete = Athlete(name=name, paths=(), problem=str(exc))
        if athlete.name in seen:
            raise ConfigError(f"athletes.name: {athlete.name!r} is listed twice", str(path),
                              line=_line_of(text, "name", start))
        seen.add(athlete.name)
        athletes.append(athlete)
    return Roster(source=path, athletes=tuple(athletes))


def _roster_entry(entry: dict[str, Any], roster: Path, block: str, lines_before: int
                  ) -> Athlete:
    """One [[athletes]] table; ``block`` is its text, which starts after ``lines_before``
    lines of the file, so errors name the line of this athlete's key."""
    def fail(key: str, reason: str) -> ConfigError:
        line = _line_of(block, key)
        return ConfigError(f"athletes.{key}: {reason}", str(roster),
                           line=None if line is None else line + lines_before)

    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", "every athlete needs a name (a non-empty string)")
    if "athlete" in entry:
        raise fail("athlete", "unknown key (the athlete's name is `name`)")
    if ("path" in entry) == ("paths" in entry):
        raise fail("path", f"{name.strip()!r} needs either path = \"...\" or paths = [...]")
    raw = [entry["path"]] if "path" in entry else entry["paths"]
    key = "path" if "path" in entry else "paths"
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) and p for p in raw):
        raise fail(key, "must be a path, or a non-empty list of paths, relative to the roster")
    paths = tuple((roster.parent / Path(p).expanduser()).absolute() for p in raw)
    given = {k: v for k, v in entry.items() if k not in _ENTRY_KEYS}
    if not given:
        return Athlete(name=name.strip(), paths=paths, config=_config_beside(paths))
    try:
        settings = parse_settings(given, str(roster), block)
    except ConfigError as exc:  # say where in the roster: this athlete's key and line
        line = None if exc.line is None else exc.line + lines_before
        raise ConfigError(f"athletes.{exc.reason}", str(roster), line=line) from None
    return Athlete(name=name.strip(), paths=paths, settings=settings)


# --------------------------------------------------------------------------------------------
# One athlete's work


@dataclass(frozen=True)
class Job:
    """Everything :func:`review_athlete` needs, picklable, so a Dask worker can run it."""

    athlete: Athlete
    as_of: date
    fmt: str
    report: str  # the file name the report will be written under
    store: Path | None = None
    #: The clock of the machine that started the batch, for athletes whose settings name
    #: no timezone: workers elsewhere may keep another clock, and the results must not differ.
    timezone: str = "UTC"
    #: mi or km for every athlete (``batch --units``); None: each athlete's own
    units: str | None = None


@dataclass(frozen=True)
class Outcome:
    """One athlete's line in the index, and their rendered report (None when failed)."""

    athlete: str
    status: str  # "ok" or "failed"
    report: str | None = None
    reason: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    top_flag: str | None = None
    top_title: str | None = None
    top_evidence: str | None = None
    last_week: dict[str, Any] | None = None
    #: the longest next run that raises no spike, in the athlete's report units
    next_run_max: float | None = None
    units: str | None = None
    latest_activity: str | None = None  # the day of the history's latest activity
    text: str | None = field(default=None, repr=False)

    @property
    def worst(self) -> str | None:
        return next((s for s in SEVERITIES if self.counts[s]), None)

    def to_dict(self) -> dict[str, Any]:
        """The index.json entry (the rendered report stays out)."""
        return {
            "athlete": self.athlete,
            "status": self.status,
            "worst": self.worst,
            "counts": dict(self.counts),
            "top_flag": self.top_flag,
            "report": self.report,
            "reason": self.reason,
            "top_title": self.top_title,
            "top_evidence": self.top_evidence,
            "last_week": self.last_week,
            "next_run_max": self.next_run_max,
            "units": self.units,
            "latest_activity": self.latest_activity,
        }


def review_athlete(job: Job) -> Outcome:
    """Load, analyze and render one athlete. Never raises for the athlete's data: a bad file,
    a bad runlog.toml or a bug meeting odd data makes a failed outcome with the reason."""
    athlete = job.athlete
    if athlete.problem is not None:
        return Outcome(athlete.name, "failed", reason=athlete.problem)
    try:
        settings = athlete.settings or load_settings(athlete.config)
        settings = settings.with_overrides(athlete=athlete.name, units=job.units,
                                           timezone=settings.timezone or job.timezone)
        loaded = load(athlete.paths, settings=settings, store=job.store, athlete=athlete.name)
        if loaded.files_read == 0:
            return Outcome(athlete.name, "failed", reason=_nothing_read(loaded))
        report = analyze(loaded, settings, as_of=job.as_of)
        with _RENDER_LOCK:
            text = render(report, job.fmt, up=(f"{INDEX_STEM}.html", "← All athletes"))
    except RunlogError as exc:
        return Outcome(athlete.name, "failed", reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - one athlete's odd data must not stop the batch
        return Outcome(athlete.name, "failed", reason=f"unexpected {type(exc).__name__}: "
                       f"{exc} (please report this)")
    return _outcome(athlete.name, job.report, report, text)


def _nothing_read(loaded: Loaded) -> str:
    if loaded.skipped:
        more = len(loaded.skipped) - 1
        return (f"no file could be read: {loaded.skipped[0]}"
                + (f" (and {more} more)" if more > 0 else ""))
    if loaded.files == 0:
        return "no activity files found"
    return f"no activities in the {loaded.files} files found"


def _outcome(name: str, report_file: str, report: Report, text: str) -> Outcome:
    counts = {s: sum(1 for f in report.flags if str(f.severity) == s) for s in SEVERITIES}
    top = report.worst
    return Outcome(name, "ok", report=report_file, counts=counts,
                   top_flag=top.code if top else None, top_title=top.title if top else None,
                   top_evidence=top.evidence if top else None,
                   last_week=last_week(report), next_run_max=next_run_max(report),
                   units=report.units,
                   latest_activity=report.figures.get("history", {}).get("latest_day"),
                   text=text)


def next_run_max(report: Report) -> float | None:
    """What a coach tells the athlete this week: the longest next run that raises no spike
    (the report's Next section), None where the history cannot say."""
    run = (report.figures.get("next") or {}).get("run")
    return None if run is None else run["max_distance"]


def last_week(report: Report) -> dict[str, Any] | None:
    """The last full Monday-to-Sunday week up to the report's day: distance (in the report's
    units), the change on the week before, and runs. None before a full week of running."""
    weeks = [w for w in report.figures.get("weeks", []) if w["complete"]]
    if not weeks:
        return None
    week = weeks[-1]
    return {"week_start": week["week_start"], "distance": week["distance"],
            "units": report.units, "change": week["change"], "runs": week["runs"]}


# --------------------------------------------------------------------------------------------
# The batch


@dataclass
class BatchResult:
    """What :func:`run_batch` wrote: the athletes in rank order and where the index is."""

    as_of: date
    outcomes: list[Outcome]
    output_dir: Path
    #: (athlete, why) for each review that died and was tried again in a new process (on this
    #: machine; Dask retries on its own). Not in the index: the outputs are the same.
    retried: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "ok"]

    @property
    def succeeded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "ok"]

    @property
    def worst(self) -> Severity | None:
        levels = [Severity.parse(o.worst) for o in self.outcomes if o.worst]
        return max(levels) if levels else None

    def to_dict(self) -> dict[str, Any]:
        return {"schema": INDEX_SCHEMA, "as_of": self.as_of.isoformat(),
                "athletes": [o.to_dict() for o in self.outcomes]}


def run_batch(
    roster: Roster | str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    fmt: str = "html",
    as_of: date | str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    store: str | os.PathLike[str] | None = None,
    units: str | None = None,
    config: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """Review every athlete of ``roster``; write their reports, ``index.html`` and
    ``index.json`` into ``output_dir``.

    ``jobs`` processes on this machine (default: one per core), or, with ``scheduler`` (a Dask
    scheduler address), the workers of that cluster: they must see the roster's files (and
    ``store``, a path) at the same paths. ``as_of`` defaults to today on this machine's clock.
    ``store`` is a folder that gets a store file per athlete (see :func:`athlete_stores`);
    None reads every file afresh. ``units`` (mi or km) puts every report and the index in
    one unit; ``config`` is the runlog.toml of athletes who have none of their own (no
    settings in the roster, no runlog.toml beside their files). ``progress`` is called with
    (athletes done, athletes in all) as each review ends.
    """
    if fmt not in REPORT_EXTENSIONS:
        raise ValueError(f"unknown report format {fmt!r}; one of {', '.join(FORMATS)}")
    out = Path(output_dir)
    if not isinstance(roster, Roster):
        roster = read_roster(roster, skip=out)
    timezone = machine_timezone()
    if as_of is None:
        as_of = datetime.now(ZoneInfo(timezone)).date()
    elif isinstance(as_of, str):
        as_of = date.fromisoformat(as_of)
    members = [a if a.settings or a.config or config is None
               else replace(a, config=Path(config)) for a in roster.athletes]
    athletes = [a.name for a in members]
    names = report_names(athletes, REPORT_EXTENSIONS[fmt])
    stores = athlete_stores(store, athletes, create=scheduler is None)
    work = [Job(athlete=a, as_of=as_of, fmt=fmt, report=name, timezone=timezone, store=path,
                units=units) for a, name, path in zip(members, names, stores)]
    retried: list[tuple[str, str]] = []
    tick = progress or (lambda done, total: None)
    if scheduler is not None:
        outcomes = _on_dask(work, scheduler, tick)
    else:
        outcomes = _on_this_machine(work, jobs or cpu_count(), retried, tick)
    result = BatchResult(as_of=as_of, outcomes=sorted(outcomes, key=rank_key), output_dir=out,
                         retried=retried)
    write(result)
    return result


def default_store_folder() -> Path:
    """Coach mode's store folder: ``athletes`` beside the single store that the other
    commands keep (in the user data folder, or beside ``$RUNLOG_STORE``)."""
    return default_path().parent / "athletes"


def is_single_store(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is one store file rather than coach mode's folder of them."""
    return Path(path).expanduser().is_file()


def athlete_stores(store: str | os.PathLike[str] | None, athletes: Sequence[str], *,
                   create: bool = True) -> list[Path | None]:
    """The store each athlete's review reads and writes, in the order given.

    ``store`` is a folder: each athlete gets a file in it named like their report
    (``anna-berg.sqlite``; distinct, and safe whatever the name), so the processes of a batch
    never write the same file. (Two names that collide are told apart by roster order, so a
    reordered roster may swap their files: harmless, as parses are keyed by content; those
    athletes are parsed afresh once.) ``store`` may also be an existing single store file, the
    layout before coach mode had a folder: every athlete then shares it as before (writers
    take turns), and nothing in it is moved or lost. ``create`` makes the folder here (not
    when the workers are other machines).
    """
    if store is None:
        return [None] * len(athletes)
    path = Path(store).expanduser().absolute()
    if is_single_store(path):
        Store(path).close()  # refused here, once, when it is no runlog store
        return [path] * len(athletes)
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store folder: {exc.strerror}",
                             str(path)) from exc
    return [path / name for name in report_names(athletes, STORE_EXTENSION)]


def rank_key(outcome: Outcome) -> tuple[Any, ...]:
    """Worst current flag first; at the same severity, the strongest evidence behind that flag
    (a moderate-evidence spike above a guideline note, however many notes); then the most
    alerts, warnings, infos; failed athletes last; ties by name, so the order never depends on
    which worker finished first."""
    worst = SEVERITIES.index(outcome.worst) if outcome.worst else len(SEVERITIES)
    evidence = EVIDENCE_RANK.get(outcome.top_evidence or "", 0)
    return (outcome.status != "ok", worst, -evidence,
            *(-outcome.counts[s] for s in SEVERITIES), outcome.athlete.casefold(),
            outcome.athlete)


def cpu_count() -> int:
    """Cores this process may use (a container or taskset may allow fewer than the machine
    has)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _on_this_machine(work: list[Job], jobs: int, retried: list[tuple[str, str]],
                     tick: Callable[[int, int], None]) -> list[Outcome]:
    if jobs <= 1 or len(work) <= 1:
        outcomes = []
        for job in work:
            outcomes.append(review_athlete(job))
            tick(len(outcomes), len(work))
        return outcomes
    with _Workers(min(jobs, len(work))) as workers:
        return workers.review(work, retried, tick)


class _Workers:
    """Processes that review one athlete at a time each, for as long as there is work.

    Each process is fed one job at a time, so when one dies (killed, out of memory) this
    process knows whose review died with it: that athlete alone is queued again, for a new
    process, up to :data:`ATTEMPTS` times, and the others go on. (A ProcessPoolExecutor
    breaks as a whole when one of its processes dies, failing every athlete in flight.)
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.context = _process_context()
        self.live: list[_Worker] = []

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        # Done: each process is told to stop. Interrupted (Ctrl-C) or failed: each is stopped
        # at once; a review cut short leaves its store whole (every write is a transaction).
        for worker in self.live:
            if kind is None:
                worker.stop()
            else:
                worker.process.terminate()
        for worker in self.live:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.live.clear()

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(theirs,), daemon=True,
                                       name="runlog-batch-worker")
        with _without_sigint():
            process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self.live.append(worker)
        return worker

    def _forget(self, worker: _Worker) -> None:
        self.live.remove(worker)
        worker.connection.close()

    def review(self, work: list[Job], retried: list[tuple[str, str]],
               tick: Callable[[int, int], None]) -> list[Outcome]:
        """Each job's outcome, in the jobs' order; (athlete, why) appended to ``retried`` for
        each review tried again."""
        queue = deque(range(len(work)))
        tries = [0] * len(work)
        outcomes: dict[int, Outcome] = {}
        idle = [self._start() for _ in range(self.size)]
        busy: dict[_Worker, int] = {}
        while len(outcomes) < len(work):
            while idle and queue:
                worker, index = idle.pop(), queue.popleft()
                try:
                    worker.connection.send(work[index])
                except OSError:  # it died waiting for work: no try lost, a new one takes it
                    worker.ended()
                    self._forget(worker)
                    queue.appendleft(index)
                    idle.append(self._start())
                    continue
                tries[index] += 1
                busy[worker] = index
            ready = set(multiprocessing.connection.wait(
                [w.connection for w in busy] + [w.process.sentinel for w in busy]))
            for worker in [w for w in busy if {w.connection, w.process.sentinel} & ready]:
                index = busy.pop(worker)
                try:
                    outcomes[index] = worker.connection.recv()
                    tick(len(outcomes), len(work))
                except (EOFError, OSError):  # it died before it could answer
                    why = worker.ended()
                    self._forget(worker)
                    name = work[index].athlete.name
                    if tries[index] < ATTEMPTS:
                        retried.append((name, why))
                        queue.append(index)
                    else:
                        outcomes[index] = Outcome(
                            name, "failed", reason=f"its worker process died {tries[index]} "
                            f"times while reviewing this athlete (the last: {why})")
                        tick(len(outcomes), len(work))
                    if queue:
                        idle.append(self._start())
                else:
                    idle.append(worker)
        return [outcomes[index] for index in range(len(work))]


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: multiprocessing.connection.Connection

    def stop(self) -> None:
        try:
            self.connection.send(None)
        except OSError:  # it is gone already
            pass

    def ended(self) -> str:
        """How the process ended, in words, once it has."""
        self.process.join(timeout=10)
        code = self.process.exitcode
        if code is None:  # it closed its end but lives on: end it
            self.process.kill()
            self.process.join()
            return "it stopped answering"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"it exited with code {code}"


@contextmanager
def _without_sigint() -> Iterator[None]:
    """Ctrl-C ignored while a worker starts: a forked one keeps ignoring it, and a spawned
    Python installs no KeyboardInterrupt handler when it starts with it ignored. Ctrl-C
    reaches every process in the terminal's group; only the batch's own process should
    answer it (stopping the workers), not each worker with a traceback of its own."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _serve(connection: multiprocessing.connection.Connection) -> None:
    """A worker: review each job sent until told to stop (None) or the batch is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A batch killed with SIGKILL cannot stop its workers (and a forked worker holds copies
    # of the pipes' other ends, so it would wait for work for ever): each leaves on its own.
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True,
                     name="runlog-parent-watch").start()
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        outcome = review_athlete(job)
        try:
            connection.send(outcome)
        except OSError:
            return


def _process_context() -> multiprocessing.context.BaseContext:
    """fork where it is safe, else spawn. A forked worker starts at once with runlog already
    imported (spawn imports pandas and matplotlib again in each, about 2 s); but a fork of a
    process with other threads (a Dask client, a notebook kernel) can inherit a held lock and
    hang, and macOS forbids fork after some system calls."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _on_dask(work: list[Job], address: str, tick: Callable[[int, int], None]
             ) -> list[Outcome]:
    try:
        from dask.distributed import Client
        from distributed.comm import resolve_address
    except ImportError:
        raise RunlogError("--scheduler needs Dask's distributed scheduler, which is not "
                          "installed: pip install 'runlog[dask]'") from None
    try:
        # checked first: a Client that fails on a malformed address prints a traceback later
        resolve_address(address)
        client = Client(address, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise RunlogError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    with client:
        # pure=False: the same job run again must read the files again, not reuse a result
        # the cluster still holds from an earlier batch. A worker that dies mid-review is
        # the scheduler's to handle: it gives the athlete to another worker, up to its
        # allowed-failures (the README's scheduler command makes that two tries in all).
        futures = client.map(review_athlete, work, pure=False)
        return _gather(work, futures, tick)


def _gather(work: list[Job], futures: Iterable[Future[Outcome] | Any],
            tick: Callable[[int, int], None] = lambda done, total: None) -> list[Outcome]:
    """Each job's outcome; a job the cluster gave up on fails alone."""
    outcomes = []
    for job, future in zip(work, futures):
        try:
            outcomes.append(future.result())
        except Exception as exc:  # noqa: BLE001 - the others' results still count
            if type(exc).__name__ == "KilledWorker":  # its message names Dask's task key
                reason = ("its Dask worker died each time it reviewed this athlete "
                          "(KilledWorker: the scheduler's allowed-failures were used up)")
            else:
                reason = f"its Dask worker failed: {type(exc).__name__}: {exc}"
            outcomes.append(Outcome(job.athlete.name, "failed", reason=reason))
        tick(len(outcomes), len(work))
    return outcomes


# --------------------------------------------------------------------------------------------
# Files


def report_names(athletes: Sequence[str], extension: str) -> list[str]:
    """A safe, distinct file name for each athlete's report, in the order given.

    Names become lower-case ASCII words joined by ``-`` (no separators, dots or ``..``, so
    nothing escapes the output folder); names with no ASCII letters or digits get a short
    hash instead; a name that would repeat another (ignoring case, as macOS and Windows do) or
    the index's own gets ``-2``, ``-3``...
    """
    used = {INDEX_STEM}
    names = []
    for athlete in athletes:
        ascii_name = unicodedata.normalize("NFKD", athlete).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_STEM].strip("-")
        if not stem:
            stem = "athlete-" + hashlib.sha256(athlete.encode("utf-8")).hexdigest()[:8]
        candidate, n = stem, 2
        while candidate in used:
            candidate, n = f"{stem}-{n}", n + 1
        used.add(candidate)
        names.append(candidate + extension)
    return names


def write(result: BatchResult) -> None:
    """Each report, then index.json and index.html, into the result's output folder."""
    out = result.output_dir
    try:
        out.mkdir(parents=True, exist_ok=True)
        for outcome in result.outcomes:
            if outcome.report is not None and outcome.text is not None:
                (out / outcome.report).write_text(outcome.text, encoding="utf-8")
        (out / f"{INDEX_STEM}.json").write_text(
            json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8")
        (out / f"{INDEX_STEM}.html").write_text(index_html(result), encoding="utf-8")
    except OSError as exc:
        raise RunlogError(f"cannot write the batch output: {exc.strerror}",
                          exc.filename or str(out)) from exc


# --------------------------------------------------------------------------------------------
# The index page

#: Added to the report's stylesheet: a ranked list, colour-coded like the report's flags.
INDEX_CSS = """
ol.roster { list-style: none; padding: 0; margin: 0; }
.flag.none { border-color: #2e7d32; } .none .sev { color: #2e7d32; }
.flag.failed { border-color: #555; } .failed .sev { color: #555; }
.roster a { font-weight: 700; } .roster p { overflow-wrap: anywhere; }
"""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 or word == "info" else "s")


def _week_line(week: dict[str, Any] | None) -> str:
    if week is None:
        return "No full week of running yet."
    change = "-" if week["change"] is None else f"{week['change']:+.0%}"
    return (f"Week of {week['week_start']}: {week['distance']:.1f} {week['units']} "
            f"({change} on the week before), {_plural(week['runs'], 'run')}.")


def _next_line(outcome: Outcome) -> str:
    """The next-run limit and how fresh the data is, in the index's words."""
    limit = ("Next run: no limit yet (too little history)." if outcome.next_run_max is None
             else f"Next run under {outcome.next_run_max:.1f} {outcome.units}.")
    latest = f" Latest activity {outcome.latest_activity}." if outcome.latest_activity else ""
    return limit + latest


def _index_item(outcome: Outcome) -> str:
    if outcome.status != "ok":
        return (f'<li class="flag failed"><p><span class="sev">failed</span> '
                f"<strong>{escape(outcome.athlete)}</strong></p>"
                f"<p>Could not be reviewed: {escape(outcome.reason or '')}</p></li>")
    level = outcome.worst or "none"
    counts = ", ".join(_plural(outcome.counts[s], s) for s in SEVERITIES if outcome.counts[s])
    href = escape(quote(outcome.report or ""))
    headline = outcome.top_title or "No current flags"
    return (f'<li class="flag {level}" data-athlete="{escape(outcome.athlete)}">'
            f'<p><span class="sev">{"ok" if level == "none" else level}</span> '
            f'<a href="{href}">{escape(outcome.athlete)}</a>'
            + (f' <span class="meta">{escape(counts)}</span>' if counts else "") + "</p>"
            f"<p>{escape(headline)}"
            + (f' <span class="meta">({escape(outcome.top_flag)})</span>'
               if outcome.top_flag else "") + "</p>"
            f'<p class="meta">{escape(_week_line(outcome.last_week))} '
            f"{escape(_next_line(outcome))}</p></li>")


#: How the index's opening line counts athletes by their worst current flag.
_TALLY = {"alert": "with an alert", "warning": "with a warning at worst",
          "info": "with information only", None: "with no current flags"}


def _tally(result: BatchResult) -> str:
    worst = [o.worst for o in result.succeeded]
    parts = [f"{worst.count(level)} {words}" for level, words in _TALLY.items()
             if level in worst]
    if result.failed:
        parts.append(f"{len(result.failed)} could not be reviewed")
    return (f"{_plural(len(result.outcomes), 'athlete')}: " + ", ".join(parts) + ". "
            "Each name opens that athlete's own report.")


def index_title(result: BatchResult) -> str:
    return f"runlog roster, as of {result.as_of.isoformat()}"


def index_html(result: BatchResult) -> str:
    """The index page: self-contained, every string escaped, readable on a phone."""
    items = "\n".join(_index_item(o) for o in result.outcomes)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(index_title(result))}</title>\n<style>{CSS}{INDEX_CSS}</style>\n"
        "</head>\n<body>\n<main>\n"
        f"<h1>{escape(index_title(result))}</h1>\n<p>{escape(_tally(result))}</p>\n"
        f'<ol class="roster">\n{items}\n</ol>\n'
        f"<h2>About these flags</h2>\n<p>{escape(DISCLAIMER)}</p>\n"
        "</main>\n</body>\n</html>\n")


__all__ = [
    "FORMATS",
    "Athlete",
    "BatchResult",
    "Job",
    "Outcome",
    "Roster",
    "read_roster",
    "review_athlete",
    "run_batch",
]
