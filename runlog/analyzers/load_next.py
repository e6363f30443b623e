"""What to do next: the largest run and week that raise no flag (EVIDENCE.md, "What to do
next"), from the same limits as the flags (:mod:`.load_limits`), and the spike rule's ceiling
for each recent day, which the report draws. Limits, not a training plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from .base import Context, week_start
from .load_limits import (
    BREAK_MIN_KNOWN_DAYS,
    WEEKS_JUDGED_FROM_DAY,
    first_monday_from,
    longest_in,
    ramp_limit,
    spike_windows,
    usual_before_break,
)


def no_limits(note: str) -> dict[str, Any]:
    return {"run": None, "week": None, "notes": [note]}


def _end_of_day(ctx: Context, day: date) -> np.datetime64:
    """The last instant of ``day`` on the athlete's clock, as naive UTC: a limit worked out
    for it holds for a run at any time that day."""
    midnight = pd.Timestamp(day + timedelta(days=1)).tz_localize(ctx.zone)
    return midnight.tz_convert("UTC").tz_localize(None).to_datetime64()


def next_limits(ctx: Context, runs: pd.DataFrame, weeks: list[dict[str, Any]],
                comebacks: list[tuple[date, float]], first_day: date) -> dict[str, Any]:
    """The longest run tomorrow and the most next calendar week that raise no spike, jump or
    return flag, in metres (the report converts them), with what each rests on."""
    t = ctx.thresholds
    notes: list[str] = []
    ran = runs[runs["distance_m"] > 0]
    times = ran["start_time"].dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    dist = ran["distance_m"].to_numpy(dtype=float)
    days = ran["day"].tolist()
    if not days:
        return no_limits("No run has a distance over zero yet: no limit can be worked out.")
    tomorrow = ctx.as_of + timedelta(days=1)
    last_run = days[-1]
    # After a break the first run back is judged against the usual run before it.
    usual_week, usual_run, known = usual_before_break(ran, last_run, first_day)
    break_known = known >= BREAK_MIN_KNOWN_DAYS

    def spike_limit(day: date) -> tuple[float | None, int | None]:
        start, end = spike_windows(times, np.array([_end_of_day(ctx, day)]),
                                   t.spike_lookback_days)
        j = longest_in(dist, int(start[0]), int(end[0]))
        return (None, None) if j is None else (t.spike_ratio * float(dist[j]), j)

    run: dict[str, Any] = {"max_distance_m": None, "longest_recent_m": None,
                           "longest_date": None, "until": None, "then_max_distance_m": None,
                           "first_run_back": False}
    spikes_from = first_day + timedelta(days=t.spike_lookback_days)
    limit, j = spike_limit(tomorrow)
    if tomorrow < spikes_from:
        notes.append(f"The history starts on {first_day.isoformat()}: the longest run that "
                     f"raises no spike is known from {spikes_from.isoformat()}.")
        limit = None
    elif j is not None:
        run.update(max_distance_m=limit, longest_recent_m=float(dist[j]),
                   longest_date=days[j].isoformat())
        until = days[j] + timedelta(days=t.spike_lookback_days)
        then, _ = spike_limit(until)
        run.update(until=until.isoformat(), then_max_distance_m=then)
    if (tomorrow - last_run).days - 1 >= t.break_days:
        if break_known and usual_run > 0:
            back = t.spike_ratio * usual_run
            run.update(first_run_back=True, usual_run_m=usual_run,
                       max_distance_m=back if limit is None else min(limit, back))
        elif limit is None:
            notes.append("After a break the history cannot judge (too few days before it), "
                         "no limit for the first run back can be worked out.")
    week = _next_week(ctx, weeks, comebacks, first_day, last_run, usual_week, break_known,
                      notes)
    return {"run": run if run["max_distance_m"] is not None else None, "week": week,
            "notes": notes}


#: Days of the spike-rule picture: each run of the last 6 months against its ceiling.
CEILING_DAYS = 182


def spike_ceiling(ctx: Context, runs: pd.DataFrame, first_day: date) -> list[dict[str, Any]]:
    """For each day of the last :data:`CEILING_DAYS`, the longest run that day could have been
    without a spike (in the report's units; None where the rule does not judge: inside the
    history's first 30 days, or with no run in the 30 days before), from the same windows as
    the flags."""
    t = ctx.thresholds
    ran = runs[runs["distance_m"] > 0]
    times = ran["start_time"].dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    dist = ran["distance_m"].to_numpy(dtype=float)
    first = max(ctx.as_of - timedelta(days=CEILING_DAYS - 1), first_day)
    days = [first + timedelta(days=n) for n in range((ctx.as_of - first).days + 1)]
    if not days:
        return []
    starts, ends = spike_windows(times, np.array([_end_of_day(ctx, d) for d in days]),
                                 t.spike_lookback_days)
    judged_from = first_day + timedelta(days=t.spike_lookback_days)
    out = []
    for day, start, end in zip(days, starts, ends):
        j = longest_in(dist, int(start), int(end)) if day >= judged_from else None
        out.append({"day": day.isoformat(), "max_distance":
                    None if j is None else round(ctx.in_units(t.spike_ratio * dist[j]), 3)})
    return out


def _next_week(ctx: Context, weeks: list[dict[str, Any]], comebacks: list[tuple[date, float]],
               first_day: date, last_run: date, usual_week: float, break_known: bool,
               notes: list[str]) -> dict[str, Any] | None:
    """The most for the next calendar week that raises no weekly-jump or return flag, as if
    nothing more were run before it (said in a note when the week in progress is not over)."""
    t = ctx.thresholds
    monday = week_start(ctx.as_of) + timedelta(days=7)
    so_far = [dict(w) for w in weeks]
    current = so_far[-1]
    if current["week_start"] == week_start(ctx.as_of) and current["days"] < 7:
        current.update(complete=current["week_start"] >= first_day, days=7)
        notes.append(f"Next week's limit counts this week as it stands on "
                     f"{ctx.as_of.isoformat()}: more running before Monday raises it.")
    so_far.append({"week_start": monday, "distance_m": 0.0, "complete": True, "days": 7,
                   "judged": (monday - first_day).days >= WEEKS_JUDGED_FROM_DAY})
    returning = (monday - last_run).days - 1 >= t.break_days and break_known
    if returning:  # a first week back after a break is held to the return rule
        comebacks = [*comebacks, (monday, usual_week)]
    limit = ramp_limit(t, so_far, len(so_far) - 1, comebacks)
    if returning:
        back = t.return_ratio * usual_week
        limit = back if limit is None else min(limit, back)
    if limit is None:
        judged_from = first_monday_from(first_day + timedelta(days=WEEKS_JUDGED_FROM_DAY))
        if monday < judged_from:
            notes.append(f"Weekly jumps are judged from the week of {judged_from.isoformat()}: "
                         "until then no weekly limit applies.")
        else:
            notes.append("This week holds under "
                         f"{ctx.distance(t.weekly_ramp_min_km * 1000)}: the weekly-jump rule "
                         "does not judge the week after it.")
        return None
    return {"week_start": monday.isoformat(), "max_distance_m": limit,
            "first_week_back": returning}
