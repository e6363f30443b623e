"""From paths to the activity table: discover files, read them (or reuse the store), join a
Strava export's rows to their files, merge duplicates, and fill the athlete's clock.

Files are parsed in a pool of processes (one per core unless told otherwise); this process
alone talks to the store (SQLite has one writer), and takes the results in the files' order,
so the table, the counts and the store are the same whatever the number of processes.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import pandas as pd

from .clock import machine_timezone
from .config import CONFIG_NAME, Settings, find_config, load_settings
from .errors import ParseError, PathNotFound, RunlogError
from .importers import (
    STREAMED_KINDS,
    ReadOptions,
    reader_for,
    stream_reader_for,
)
from .importers.archives import Item, discover, linked_source
from .importers.merge import join_strava_rows, merge_duplicates
from .model import Activity, to_frame
from .store import Store, default_path

#: Called before each file is read with (files done, files in all).
Progress = Callable[[int, int], None]
#: Fewer files than this to parse are parsed in this process: starting a pool costs more.
SERIAL_BELOW = 8
#: What reading one file gives: its content hash (None when it could not be read), and its
#: parse: activities and parts left out, the reader's refusal, or None when not parsed
#: because the store holds the parse of these bytes.
_Parsed = tuple["str | None", "list[Activity | ParseError] | ParseError | None"]


@dataclass
class Loaded:
    """What :func:`load` found: the activity table and an account of every file."""

    activities: pd.DataFrame
    settings: Settings
    skipped: list[ParseError] = field(default_factory=list)  # files that could not be read
    warnings: list[ParseError] = field(default_factory=list)  # parts of files left out
    files: int = 0  # files found to read
    files_read: int = 0  # files that gave at least one activity
    parsed: int = 0  # files parsed this time
    reused: int = 0  # files whose parse came from the store
    ignored: int = 0  # files passed over on purpose (unknown kinds, export side files)


def load(
    paths: Sequence[str | os.PathLike[str]],
    *,
    settings: Settings | None = None,
    store: Store | str | os.PathLike[str] | None = None,
    athlete: str | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> Loaded:
    """Read every activity under ``paths`` into one table.

    ``settings`` default to the ``runlog.toml`` found beside the paths (or none); ``store``
    is a :class:`Store` or a path to one, to reuse earlier parses (None: read everything).
    ``jobs``: processes that parse files (None: one per core, but this process only when it
    is itself a pool's worker or runs other threads; 1: this process only); the result does
    not depend on it. Asked for with other threads running, the pool's processes are spawned
    (the calling script then needs the ``if __name__ == "__main__":`` guard).

    ``athlete`` names the runner (it wins over ``runlog.toml``'s). A path that does not exist
    raises :class:`~runlog.errors.PathNotFound`; paths whose own ``runlog.toml`` files name
    different athletes raise a :class:`~runlog.errors.RunlogError` (unless ``athlete`` is
    given). A read-only store is only read: what it lacks is parsed and not stored.
    """
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be 1 or more, not {jobs}")
    path_list = [Path(p) for p in paths]
    for path in path_list:
        if not os.path.lexists(path):
            raise PathNotFound("no such file or folder", str(path))
    if settings is None:
        settings = load_settings(find_config(path_list))
    if athlete:
        settings = replace(settings, athlete=athlete)
    else:
        _one_athlete(path_list)
    timezone = settings.timezone or machine_timezone()
    options = ReadOptions(timezone=timezone, garmin_csv_units=settings.garmin_csv_units)
    owns_store = store is not None and not isinstance(store, Store)
    db = store if store is None or isinstance(store, Store) else Store(store)
    try:
        found = discover(path_list)
        result = Loaded(activities=pd.DataFrame(), settings=settings,
                        skipped=list(found.problems), files=len(found.items),
                        ignored=found.ignored)
        by_source: dict[str, list[Activity]] = {}
        strava_rows: list[Activity] = []
        reads = _read_all(found.items, options, db, result, jobs)
        writes: AbstractContextManager[None] = db.deferred() if db is not None else nullcontext()
        try:
            with writes:
                _collect(reads, found.items, result, by_source, strava_rows, progress)
        finally:
            # Stops the parsing pool now, also when interrupted (Ctrl-C): the pending
            # files are cancelled, and what was read is stored by ``writes``.
            reads.close()
    finally:
        if owns_store and db is not None:
            db.close()

    joined = join_strava_rows(strava_rows, by_source, _linked_source)
    merged = merge_duplicates(joined)
    who = athlete or settings.athlete or _athlete_from(path_list)
    zone = ZoneInfo(timezone)
    tz_origin = "config timezone" if settings.timezone else "machine timezone"
    for act in merged:
        act.athlete = who
        if act.local_start is None and act.start_time is not None:
            act.local_start = _wall_clock(act.start_time, zone)
            act.local_start_source = tz_origin
    result.activities = to_frame(merged)
    return result


def _wall_clock(start: pd.Timestamp, zone: ZoneInfo) -> datetime:
    """``start`` on the clock of ``zone``, naive. Asked of zoneinfo itself: pandas' tz_convert
    gives the same clock (tests/test_load.py compares them) at six times the cost, some 30 ms
    of a re-import of 3,000 unchanged files."""
    return start.to_pydatetime().astimezone(zone).replace(tzinfo=None, fold=0)


def _collect(reads: Iterator[tuple[Item, list[Activity]]], items: list[Item], result: Loaded,
             by_source: dict[str, list[Activity]], strava_rows: list[Activity],
             progress: Progress | None) -> None:
    """Each file's activities: Strava's CSV rows apart (they are joined to their files)."""
    for done, (item, activities) in enumerate(reads):
        if progress is not None:
            progress(done, len(items))
        if not activities:
            continue
        result.files_read += 1
        strava_rows.extend(a for a in activities if a.format == "strava-csv")
        others = [a for a in activities if a.format != "strava-csv"]
        if others:
            by_source[item.source] = others


def _linked_source(row: Activity) -> str | None:
    if not row.linked_file:
        return None
    base = row.source[: -len(PurePosixPath(row.source.replace("!", "/")).name)]
    if base.endswith("!"):
        return base + row.linked_file.lstrip("/")
    return linked_source(base.rstrip("/\\") or ".", row.linked_file)


def _one_athlete(paths: list[Path]) -> None:
    """Refuse paths whose own runlog.toml files name different athletes: one history is one
    runner's (``athlete`` given to :func:`load` reads them as that one runner's)."""
    if len(paths) < 2:
        return
    names: dict[str, list[str]] = {}
    for path in paths:
        folder = path if path.is_dir() else path.parent
        config = folder / CONFIG_NAME
        if config.is_file():
            name = load_settings(config).athlete
            if name:
                names.setdefault(name, []).append(str(path))
    if len(names) > 1:
        whose = "; ".join(f"{name}: {', '.join(where)}" for name, where in names.items())
        raise RunlogError(f"these paths hold different athletes' activities ({whose}); read "
                          "one athlete at a time, or name one athlete (--athlete) to read them "
                          "as one runner's history")


def _athlete_from(paths: list[Path]) -> str | None:
    if len(paths) != 1:
        return None
    path = paths[0].resolve()
    return path.name if path.is_dir() else path.stem


def _read_all(items: list[Item], options: ReadOptions, store: Store | None, result: Loaded,
              jobs: int | None) -> Generator[tuple[Item, list[Activity]], None, None]:
    """Each item with its activities, in order: from the store when these bytes were parsed
    before (an unchanged file is not even read), else read and parsed, in a pool of
    processes when there are enough files for one to pay off."""
    key = options.cache_key()
    known = store.fingerprints() if store is not None else {}
    stored = store.parsed(key) if store is not None else set()
    # every unchanged file's parse in a few queries, not a round trip each
    unchanged = {index: (known[item.fingerprint], item.kind) for index, item in enumerate(items)
                 if item.fingerprint in known}
    kept = store.get_many(unchanged.values(), key) if store is not None else {}
    reused: dict[int, list[Activity | ParseError] | ParseError] = {}
    handed_out: set[tuple[str, str]] = set()
    todo: list[Item] = []
    for index, item in enumerate(items):
        pair = unchanged.get(index)
        earlier_parse = kept.get(pair) if pair is not None else None
        if pair is None or earlier_parse is None:
            todo.append(item)
            continue
        # a copy for a second file with these bytes: _accept names the activities after
        # their file
        reused[index] = copy.deepcopy(earlier_parse) if pair in handed_out else earlier_parse
        handed_out.add(pair)
    if jobs is None:
        jobs = _default_jobs()
    # A pool costs more than it saves on a few files.
    workers = min(jobs, len(todo)) if len(todo) >= SERIAL_BELOW else 1
    # Parses stored in this run: the store may hold them back a while (Store.deferred).
    this_run: dict[tuple[str, str], list[Activity | ParseError] | ParseError] = {}
    with _Parser(workers, options, stored) as parser:
        fresh = parser.map(todo)
        for index, item in enumerate(items):
            if index in reused:
                result.reused += 1
                yield item, _accept(item, reused[index], known[item.fingerprint], result)
                continue
            content_hash, parsed = next(fresh)
            if content_hash is None:  # the file could not even be read
                yield item, _accept(item, parsed, "", result)  # type: ignore[arg-type]
                continue
            from_store = None
            if store is not None:
                earlier = this_run.get((content_hash, item.kind))
                # a copy (_accept names the activities after this file; it changes nothing else
                # before every file is read)
                from_store = (copy.deepcopy(earlier) if earlier is not None
                              else store.get(content_hash, key, item.kind))
            if from_store is not None:  # the same bytes under another name, or touched
                store.remember_file(item.fingerprint, content_hash)  # type: ignore[union-attr]
                result.reused += 1
                parsed = from_store
            else:
                if parsed is None:  # the pool thought the store had it: parse it here
                    parsed = _work(item, options, frozenset())[1]
                result.parsed += 1
                if store is not None:
                    store.put(item.fingerprint, content_hash, key, item.kind, parsed)  # type: ignore[arg-type]
                    this_run[(content_hash, item.kind)] = parsed  # type: ignore[assignment]
            yield item, _accept(item, parsed, content_hash, result)  # type: ignore[arg-type]


class _Parser:
    """Reads and parses files with :func:`_work`: in a pool of ``workers`` processes, or in
    this process for one worker (or when this process may not start others)."""

    def __init__(self, workers: int, options: ReadOptions,
                 stored: set[tuple[str, str]]) -> None:
        self.options = options
        self.stored = frozenset(stored)
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        if workers > 1 and not multiprocessing.current_process().daemon:
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=_start_method(),
                                            initializer=_start_worker,
                                            initargs=(options, self.stored))

    def __enter__(self) -> _Parser:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def map(self, items: list[Item]) -> Iterator[_Parsed]:
        """The :func:`_work` result of each item, in the items' order."""
        if self.pool is None:
            return map(partial(_work, options=self.options, stored=self.stored), items)
        # Chunks of a few files: fewer round trips, and still an even share per process.
        chunk = max(1, min(16, len(items) // (self.workers * 8)))
        return self.pool.map(_work_in_worker, items, chunksize=chunk)


def _default_jobs() -> int:
    """One process per core, unless this process is a worker of someone's pool (coach mode
    reviews athletes side by side: each worker already has its share of the cores) or runs
    other threads (a notebook kernel, a Dask client: see :func:`_start_method`)."""
    if multiprocessing.parent_process() is not None or threading.active_count() > 1:
        return 1
    return os.cpu_count() or 1


def _start_method() -> multiprocessing.context.BaseContext:
    """fork when this process has no other thread: the workers start at once, runlog already
    imported. A fork of a process with threads (a notebook kernel, a Dask client) may copy a
    lock some thread holds and hang, so then spawn (a second or two more per worker)."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


#: What a pool process was started with: the reader options and the parses the store holds.
_WORKER_STATE: dict[str, tuple[ReadOptions, frozenset[tuple[str, str]]]] = {}


#: How often a pool process checks that the import it works for is still alive (s).
_PARENT_CHECK_S = 0.5


def _start_worker(options: ReadOptions, stored: frozenset[tuple[str, str]]) -> None:
    _WORKER_STATE["args"] = (options, stored)
    # Ctrl-C reaches the whole process group: the import (the parent) stops the pool and
    # says so in one line; a worker printing its own KeyboardInterrupt traceback would not.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What is alive now (runlog, pandas, numpy: some hundred thousand objects) lives as long
    # as the worker: kept out of the collector's full passes, which otherwise scan it all
    # again every few files (a fifth of the parsing time, benchmarks/ measured).
    gc.freeze()
    # A parent killed with SIGKILL cannot shut its pool down, and its workers would wait for
    # work for ever: each one leaves as soon as it is orphaned.
    parent = os.getppid()
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True,
                     name="runlog-parent-watch").start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_S)
    os._exit(0)


def _work_in_worker(item: Item) -> _Parsed:
    return _work(item, *_WORKER_STATE["args"])


def _work(item: Item, options: ReadOptions, stored: frozenset[tuple[str, str]]) -> _Parsed:
    """Read one file, hash it, and parse it unless the store holds these bytes' parse."""
    if item.kind in STREAMED_KINDS:
        return _work_streamed(item, options)
    try:
        data = item.read_bytes()
    except ParseError as exc:
        return None, exc
    content_hash = hashlib.sha256(data).hexdigest()
    if (content_hash, item.kind) in stored:
        return content_hash, None
    return content_hash, _parse(item, data, options)


def _work_streamed(item: Item, options: ReadOptions) -> _Parsed:
    """Hash and parse in one pass over a file too big to hold (an Apple Health export):
    its chunks go through the hash and the reader, and none is kept."""
    digest = hashlib.sha256()
    failed: list[ParseError] = []

    def chunks() -> Iterator[bytes]:
        try:
            for chunk in item.chunks():
                digest.update(chunk)
                yield chunk
        except ParseError as exc:
            failed.append(exc)
            raise

    try:
        parsed: list[Activity | ParseError] | ParseError = stream_reader_for(item.kind)(
            chunks(), item.source, options)
    except ParseError as exc:
        if failed:  # the file itself could not be read
            return None, failed[0]
        parsed = exc
    except Exception as exc:  # noqa: BLE001 - a reader bug is reported as that file's refusal
        parsed = ParseError(f"unexpected {type(exc).__name__} while reading: {exc} "
                            "(please report this file)", item.source)
    return digest.hexdigest(), parsed


def _accept(item: Item, parsed: list[Activity | ParseError] | ParseError, content_hash: str,
            result: Loaded) -> list[Activity]:
    """The activities of one file, named after it; its refusal or left-out parts noted."""
    if isinstance(parsed, ParseError):
        parsed.path = item.source
        result.skipped.append(parsed)
        return []
    out: list[Activity] = []
    for index, entry in enumerate(parsed):
        if isinstance(entry, ParseError):
            entry.path = item.source
            result.warnings.append(entry)
            continue
        entry.source = item.source
        entry.activity_id = f"{content_hash[:16]}-{index}"
        out.append(entry)
    return out


def _parse(item: Item, data: bytes, options: ReadOptions
           ) -> list[Activity | ParseError] | ParseError:
    """The reader's result, or its refusal; a reader bug never stops the other files."""
    try:
        return reader_for(item.kind)(data, item.source, options)
    except ParseError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - a reader bug is reported as that file's refusal
        return ParseError(f"unexpected {type(exc).__name__} while reading: {exc} "
                          "(please report this file)", item.source)


__all__ = ["Loaded", "default_path", "load"]
