"""How far each load rule lets a run or a week go: the spike rule's month before a run, the
weekly-jump limit, the usual week and run before a break. The flags (:mod:`.load`) and the
"Next" limits (:mod:`.load_next`) both come from here, so a limit shown is never one the
flags would not keep (EVIDENCE.md, "What to do next")."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from .base import week_start

#: A weekly jump is also measured against the mean of this many weeks before it, whole and
#: inside the history (EVIDENCE.md, "Rhythm is not a ramp").
RAMP_MEAN_WEEKS = 4
#: The weekly rules (jump, ratio) judge a week only when it starts this many days or more
#: into the history. By then the four weeks before it are whole and inside the history, and
#: like the spike rule's month, a history's first 30 days are reference only: no rule judges
#: them (issue 11: a history's first 30 days raise no spike, ramp or ratio).
WEEKS_JUDGED_FROM_DAY = 30
#: The usual week before a break is the mean over up to this many days before it...
BREAK_BASELINE_DAYS = 28
#: ... of which at least this many must be inside the history to say what is usual.
BREAK_MIN_KNOWN_DAYS = 7
#: Loads equal up to float noise are equal, never "above" (the same distances summed in
#: another order can differ in the last bits).
FLOAT_TOLERANCE = 1e-9


def first_monday_from(day: date) -> date:
    """``day`` when it is a Monday, else the Monday after it."""
    return day if day.weekday() == 0 else week_start(day) + timedelta(days=7)


def spike_windows(times: np.ndarray, when: np.ndarray, lookback_days: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """For each instant in ``when``, the slice of the sorted run ``times`` (naive UTC) a run
    then is compared with: runs strictly before it and no older than the lookback. One binary
    search each, so a decade of runs is not scanned once per run. The flags and the "Next"
    limits both use it."""
    lookback = np.timedelta64(lookback_days, "D")
    return (np.searchsorted(times, when - lookback, side="left"),
            np.searchsorted(times, when, side="left"))


def longest_in(dist: np.ndarray, start: int, end: int) -> int | None:
    """The index of the longest run of ``dist[start:end]`` (the latest of equals: it stays
    longest the longest), None when there is none longer than 0."""
    if end <= start:
        return None
    window = dist[start:end]
    longest = float(window.max())
    if not longest > 0:
        return None
    return start + int(np.flatnonzero(window == longest)[-1])


def _building_back_limit(monday: date, comebacks: list[tuple[date, float]],
                         return_ratio: float) -> float:
    """In the 4 weeks after a return from a break, a week may hold up to what the return rule
    allows (75% of the usual week before the break) without being a jump: building back.
    After a month off, 5 km every third day makes weeks of 10 and 15 km, "+50%" over a week
    that was itself a restart; the return rule and the spike rule judge those weeks. 0 when
    the week follows no return."""
    return max((return_ratio * usual_week for first_back, usual_week in comebacks
                if first_back <= monday + timedelta(days=6)
                and monday < first_back + timedelta(days=BREAK_BASELINE_DAYS)), default=0.0)


def ramp_limit(t: Any, weeks: list[dict[str, Any]], k: int,
               comebacks: list[tuple[date, float]]) -> float | None:
    """The most week ``k`` may hold without a weekly-jump flag (metres); None when the rule
    does not judge that week. The flag and the "Next" week limit both come from here.

    Rhythm is not a ramp (EVIDENCE.md): every other day alternates 3- and 4-run weeks, +33%
    over the week before but only +14% over the mean of the weeks before it. A jump is over
    the ramp above the week before *and* above the mean of the four weeks before it, all whole
    and inside the history: with fewer the mean cannot tell a rhythm from a ramp (a log
    started last week, 3 runs then 4, is "+33%" over both). A jump also carries more than the
    biggest of those four weeks, as a spike is longer than the longest run of the month
    before: a run every third day gives weeks of 3, 2 and 2 runs, and its 3-run week is +33%
    over a four-week mean of 2.25 runs, a load carried three weeks before. +30% exactly is
    not over 30%."""
    if k < RAMP_MEAN_WEEKS:
        return None
    week, prev = weeks[k], weeks[k - 1]
    reference = weeks[k - RAMP_MEAN_WEEKS:k]
    if not week["judged"] or not all(w["complete"] for w in reference) \
            or prev["distance_m"] < t.weekly_ramp_min_km * 1000:
        return None
    earlier = [w["distance_m"] for w in reference]
    limit: float = max((1 + t.weekly_ramp) * prev["distance_m"],
                (1 + t.weekly_ramp) * float(np.mean(earlier)), *earlier)
    return max(limit * (1 + FLOAT_TOLERANCE),
               _building_back_limit(week["week_start"], comebacks, t.return_ratio))


def usual_before_break(ran: pd.DataFrame, last: date, first_day: date
                       ) -> tuple[float, float, int]:
    """The usual week (metres, over the days of the 28 before and including ``last`` that are
    inside the history, scaled to a week: days before the history are unknown, not rest),
    the usual run (their median), and how many days are known."""
    since = max(last - timedelta(days=BREAK_BASELINE_DAYS - 1), first_day)
    known_days = (last - since).days + 1
    before = ran[(ran["day"] >= since) & (ran["day"] <= last)]["distance_m"]
    if before.empty:
        return 0.0, 0.0, known_days
    return float(before.sum()) / known_days * 7, float(before.median()), known_days
