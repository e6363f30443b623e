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

Here the batch as a whole (:func:`run_batch`) and where each athlete's store is; the roster
is read in :mod:`.roster`, one athlete reviewed in :mod:`.review`, the reviews run in
:mod:`.workers`, and the index written in :mod:`.index`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..choices import BATCH_FORMATS as FORMATS
from ..choices import BATCH_REPORT_EXTENSIONS as REPORT_EXTENSIONS
from ..clock import machine_timezone
from ..errors import StoreError
from ..store import Store, default_path
from .index import BatchResult, Outcome, rank_key, report_names, write
from .review import Job, review_athlete
from .roster import Athlete, Roster, read_roster
from .workers import ATTEMPTS as ATTEMPTS
from .workers import cpu_count, on_dask, on_this_machine

#: Each athlete's store file in the store folder: the report's name with this extension.
STORE_EXTENSION = ".sqlite"


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
        outcomes = on_dask(work, scheduler, tick)
    else:
        outcomes = on_this_machine(work, jobs or cpu_count(), retried, tick)
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
