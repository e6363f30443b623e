"""One athlete's work: load their files, analyze, render the report. :func:`review_athlete`
is a picklable top-level function over a picklable :class:`Job`, so the same work runs in
this process, in a worker process, or on a Dask worker."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..analyzers import analyze
from ..config import load_settings
from ..errors import RunlogError
from ..load import Loaded, load
from ..model import Report
from ..report import render
from .index import INDEX_STEM, SEVERITIES, Outcome
from .roster import Athlete

#: matplotlib's pyplot figures and rcParams are process-wide: when a Dask worker runs several
#: athletes in threads, only one of them may draw at a time or the charts' SVG ids and styles
#: mix (and the "identical results" promise breaks).
_RENDER_LOCK = threading.Lock()


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
