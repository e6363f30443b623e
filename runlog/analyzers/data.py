"""The history itself: its span, and whether it still reaches the report's window.

A history whose latest run is older than the window looks, to every other rule, like a runner
who did nothing risky: "no current flags". For a weekly cron job "all fine" and "the export
stopped a month ago" must not read the same, so a stale history is a current warning that
``--fail-on`` acts on.
"""

from __future__ import annotations

from typing import Any

from ..model import Flag, Severity
from .base import Context, Findings

STALE_SOURCE = "runlog: the dates of the history itself"


def analyze(ctx: Context) -> Findings:
    acts, runs = ctx.activities, ctx.runs
    first = acts["day"].min() if len(acts) else None
    latest = acts["day"].max() if len(acts) else None
    latest_run = runs["day"].max() if len(runs) else None
    figure = {"first_day": first.isoformat() if first else None,
              "latest_day": latest.isoformat() if latest else None,
              "latest_run": latest_run.isoformat() if latest_run else None}
    flags = []
    if latest_run is None or latest_run < ctx.window_start:
        days = ctx.settings.window_days
        if latest_run is None:
            said = "This history holds no run up to " + ctx.as_of.isoformat()
        else:
            ago = (ctx.as_of - latest_run).days
            said = (f"The latest run in this history is from {latest_run.isoformat()}, "
                    f"{ago} days before {ctx.as_of.isoformat()}")
        flags.append(Flag(
            code="data.stale", severity=Severity.WARNING,
            title=f"No runs in the last {days} days",
            message=(f"{said}, so no flag can speak of recent training. If you have been "
                     "running, the export or the watch's sync may have stopped: export again."),
            date=ctx.window_start, end=ctx.as_of, evidence="data", source=STALE_SOURCE))
    return Findings(flags=flags, figures={"history": figure, "totals": totals(ctx)})


def totals(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """Running per calendar month and year on the athlete's clock (distance in the report's
    units): what runners compare with their own logs. The period holding the report's day is
    marked incomplete."""
    runs = ctx.runs
    out: dict[str, list[dict[str, Any]]] = {"months": [], "years": []}
    if not len(runs):
        return out
    for key, label in (("months", "%Y-%m"), ("years", "%Y")):
        period = [day.strftime(label) for day in runs["day"]]
        current = ctx.as_of.strftime(label)
        grouped = runs.assign(period=period).groupby("period", sort=True)
        for name, group in grouped:
            out[key].append({
                "period": name, "runs": len(group),
                "distance": round(ctx.in_units(float(group["distance_m"].fillna(0).sum())), 2),
                "moving_time_s": round(float(group["moving_time_s"].fillna(0).sum()), 1),
                "longest_run": round(ctx.in_units(float(group["distance_m"].max())), 2)
                if group["distance_m"].notna().any() else None,
                "complete": name != current})
    return out
