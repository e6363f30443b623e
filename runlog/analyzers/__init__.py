"""Analyzers: from the activity table to flags and the figures a report draws.

Each analyzer is a plain function ``(ctx: Context) -> Findings`` registered in
:data:`ANALYZERS`; none of them opens a file. :func:`analyze` runs them all and sorts the flags
into current ones (dated inside the report window) and history.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import Any

from .. import sanity
from ..config import Settings, parse_day
from ..errors import DateError
from ..model import DISCLAIMER, EVIDENCE_RANK, PREVIOUS_INJURY_NOTE, Flag, Report
from . import cadence, data, injuries, load, shoes, surface, variety
from .base import Context, Findings, prepare

# Report and its wording live in the model, where the renderers read them too; importing them
# from here, as callers always have, still works.
__all__ = ["ANALYZERS", "DISCLAIMER", "PREVIOUS_INJURY_NOTE", "Report", "analyze"]

Analyzer = Callable[[Context], Findings]

#: Name -> analyzer; a report runs them in this order.
ANALYZERS: dict[str, Analyzer] = {
    "shoes": shoes.analyze,
    "load": load.analyze,
    "surface": surface.analyze,
    "cadence": cadence.analyze,
    "variety": variety.analyze,
    "data": data.analyze,
    "injuries": injuries.analyze,
}


def severity_order(flag: Flag) -> tuple[int, int, str, str]:
    """Worst first; at equal severity, the stronger evidence first (a moderate-evidence spike
    before a guideline note), then by day and code."""
    return (-int(flag.severity), -EVIDENCE_RANK[flag.evidence], flag.date.isoformat(),
            flag.code)


def run_all(ctx: Context) -> tuple[list[Flag], dict[str, Any], list[str]]:
    flags: list[Flag] = []
    figures: dict[str, Any] = {}
    notes: list[str] = []
    for analyzer in ANALYZERS.values():
        found = analyzer(ctx)
        flags.extend(found.flags)
        figures.update(found.figures)
        notes.extend(found.notes)
    return flags, figures, notes


def analyze(
    activities: Any,
    settings: Settings | None = None,
    as_of: date | str | None = None,
) -> Report:
    """Flags and figures for a history (the activity table, or what :func:`runlog.load`
    returned). ``as_of`` defaults to today on the athlete's clock."""
    skipped: list[dict[str, str]] = []
    left_out: list[dict[str, str]] = []
    if hasattr(activities, "activities") and hasattr(activities, "skipped"):
        settings = settings or activities.settings
        skipped = [_problem(p) for p in activities.skipped]
        left_out = [_problem(p) for p in getattr(activities, "warnings", [])]
        activities = activities.activities
    settings = settings or Settings()
    if isinstance(as_of, str):
        as_of = parse_day(as_of, "as_of")
    elif as_of is not None and not isinstance(as_of, date):
        raise DateError(f"as_of must be a date or a string YYYY-MM-DD, not {as_of!r}")
    screened = sanity.screen(activities)
    ctx, counts = prepare(screened.activities, settings, as_of)
    flags, figures, analyzer_notes = run_all(ctx)
    figures.update(injuries.history(ctx, flags))
    figures["next"] = _next(ctx, figures)
    current = sorted((f for f in flags if f.last_day >= ctx.window_start), key=severity_order)
    history = sorted((f for f in flags if f.last_day < ctx.window_start),
                     key=lambda f: (f.date, f.code), reverse=True)
    athletes = sorted({a for a in activities["athlete"].dropna()}) if len(activities) else []
    return Report(
        athlete=settings.athlete or (athletes[0] if len(athletes) == 1 else None),
        as_of=ctx.as_of, units=settings.units, window_start=ctx.window_start,
        flags=current, history=history, figures=figures, summary=_summary(ctx),
        data_notes=_data_notes(ctx, counts, skipped, left_out, screened) + analyzer_notes,
        skipped=skipped, left_out=left_out)


def _next(ctx: Context, figures: dict[str, Any]) -> dict[str, Any]:
    """What to do next (EVIDENCE.md): the load limits in the report's units, and the shoes
    due, from the figures the flags came from."""
    limits = figures.get("next_load") or {"run": None, "week": None, "notes": []}

    def units(metres: float | None) -> float | None:
        return None if metres is None else round(ctx.in_units(metres), 2)

    run = limits["run"]
    week = limits["week"]
    shoes = [{"name": sh["name"], "replace_by": sh["projected_replace_date"]
              or (ctx.as_of.isoformat() if sh["status"] == "replace" else None),
              "status": sh["status"]}
             for sh in figures.get("shoes", []) if sh["status"] in ("approaching", "replace")]
    return {
        "run": None if run is None else {
            "max_distance": units(run["max_distance_m"]),
            "longest_recent": units(run["longest_recent_m"]),
            "longest_date": run["longest_date"], "until": run["until"],
            "then_max_distance": units(run["then_max_distance_m"]),
            "first_run_back": run["first_run_back"],
            "usual_run": units(run.get("usual_run_m"))},
        "week": None if week is None else {
            "week_start": week["week_start"], "max_distance": units(week["max_distance_m"]),
            "first_week_back": week["first_week_back"]},
        "shoes": shoes,
        "notes": list(limits["notes"]),
    }


def _problem(problem: Any) -> dict[str, str]:
    where = problem.where()
    return {"path": str(problem.path), "reason": problem.reason + (f" (at {where})" if where
                                                                    else "")}


def _summary(ctx: Context) -> dict[str, Any]:
    recent = ctx.recent_runs
    acts = ctx.activities[ctx.activities["day"] >= ctx.window_start]
    distance = float(recent["distance_m"].fillna(0).sum())
    longest = float(recent["distance_m"].max()) if recent["distance_m"].notna().any() else 0.0
    return {
        "runs": len(recent),
        "distance": round(ctx.in_units(distance), 2),
        "moving_time_s": round(float(recent["moving_time_s"].fillna(0).sum()), 1),
        "longest_run": round(ctx.in_units(longest), 2),
        "activities": len(acts),
        "other_sessions": int((acts["sport"] != "running").sum()),
        "runs_in_history": len(ctx.runs),
        "first_day": ctx.activities["day"].min().isoformat() if len(ctx.activities) else None,
    }


def _data_notes(ctx: Context, counts: dict[str, int], skipped: list[dict[str, str]],
                left_out: list[dict[str, str]], screened: sanity.Screened) -> list[str]:
    notes = [f"{_activities(n)} left out as {reason}." for reason, n in screened.left_out.items()]
    if screened.durations_emptied:
        notes.append(f"The duration of {_activities(screened.durations_emptied)} was zero, "
                     "negative or over a week and is left empty.")
    if counts["without_date"]:
        n = counts["without_date"]
        notes.append(f"{_activities(n)} {'has' if n == 1 else 'have'} no real date and "
                     f"{'is' if n == 1 else 'are'} left out.")
    if counts["after_as_of"]:
        n = counts["after_as_of"]
        notes.append(f"{_activities(n)} after {ctx.as_of.isoformat()} "
                     f"{'is' if n == 1 else 'are'} left out.")
    runs = ctx.runs
    if len(runs) and runs["distance_m"].isna().any():
        n = int(runs["distance_m"].isna().sum())
        notes.append(f"{n} run has no distance." if n == 1 else f"{n} runs have no distance.")
    jumps = int(ctx.activities["gps_jumps"].sum()) if len(ctx.activities) else 0
    if jumps:
        notes.append(f"{jumps} GPS points were dropped as impossible jumps.")
    if skipped:
        notes.append(f"{_count(len(skipped), 'file')} could not be read (listed under skipped).")
    if left_out:
        notes.append(f"{_count(len(left_out), 'part')} of files left out, and so in no flag "
                     "(each is listed here, under left out in JSON).")
    notes += _weekly_totals(ctx)
    notes += _machine_clock(ctx)
    if not len(runs):
        notes.append("No runs in this history.")
    return notes


def _activities(count: int) -> str:
    return f"{count} activity" if count == 1 else f"{count} activities"


def _count(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


#: A hand log whose rows are all whole weeks apart, this long on average, reads like weekly
#: totals: runlog would take each row for one run (and one 40 km "run" a week).
WEEKLY_TOTALS_MIN_ROWS = 4
WEEKLY_TOTALS_MEDIAN_M = 25_000.0


def _weekly_totals(ctx: Context) -> list[str]:
    """A note for each hand-kept CSV that looks like one row per week, not one per run."""
    notes = []
    acts = ctx.activities
    logs = acts[acts["format"] == "runlog-csv"] if len(acts) else acts
    for source, rows in logs.groupby("source", sort=True):
        days = sorted(set(rows["day"]))
        if len(days) < WEEKLY_TOTALS_MIN_ROWS or len(days) != len(rows):
            continue
        gaps = [(b - a).days for a, b in itertools.pairwise(days)]
        median = float(rows["distance_m"].median())
        if all(g % 7 == 0 for g in gaps) and median >= WEEKLY_TOTALS_MEDIAN_M:
            notes.append(
                f"{source}: its {len(rows)} rows are whole weeks apart and {ctx.distance(median)} "
                "long on average. If they are weekly totals, runlog reads each as one run: "
                "log one row per run for the flags to mean anything.")
    return notes


def _machine_clock(ctx: Context) -> list[str]:
    """Where days and weeks were cut on this machine's clock, because nothing said whose."""
    if ctx.settings.timezone or not len(ctx.activities):
        return []
    on_machine = int((ctx.activities["local_start_source"] == "machine timezone").sum())
    if not on_machine:
        return []
    return [f"{_activities(on_machine)} carry no clock of their own: their days and weeks "
            f"follow this computer's time zone ({ctx.zone.key}). Set timezone in runlog.toml "
            "to the athlete's if it differs."]
