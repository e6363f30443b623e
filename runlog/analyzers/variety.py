"""Run variety: the same run every day, no long run, no easy days, no cross-training.

EVIDENCE.md, "Variety": each weekly hour of other sports went with fewer injuries (HR 0.85,
Malisoux et al. 2015; moderate/weak); ~80% easy sessions in elites (Seiler 2010) and a long
run of 25-30% of the week (Daniels) are guidelines, not injury evidence. So every variety flag
is a note (info), never louder than a spike, and one dull pattern is one note: when the runs
are all the same distance, that one flag also says what follows from it (no long run, one
pace) instead of three flags saying it three times.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..model import Flag, Severity
from .base import Context, Findings, week_start

CROSS_SOURCE = "Malisoux et al. 2015, Scand J Med Sci Sports 25:110"
INTENSITY_SOURCE = "Seiler 2010, IJSPP 5:276"
LONG_RUN_SOURCE = "Daniels' Running Formula (coaching guideline)"
#: Fewest recent runs before no_long_run and same_pace say anything.
MIN_RUNS = 5
#: Fewest complete weeks with running, inside the window and the history, before no_long_run
#: says anything: one week without a long run is a week, not a pattern.
MIN_LONG_RUN_WEEKS = 2
#: Sports that are not cross-training for a runner. "other" is what runlog could not classify
#: (an unknown activity type): it may well be a run, so it never counts as another sport.
NOT_CROSS = ("running", "walking", "transition", "other")


class LongRunWeek(NamedTuple):
    monday: date
    longest_m: float
    total_m: float

    @property
    def share(self) -> float:
        return self.longest_m / self.total_m


def cv(values: np.ndarray) -> float:
    mean = float(values.mean())
    return float(values.std(ddof=0)) / mean if mean > 0 else 0.0


def complete_weeks(ctx: Context) -> list[date]:
    """Mondays of the Monday-Sunday weeks that lie wholly inside the report window and the
    history (days before the first recorded activity are unknown, not rest)."""
    if ctx.activities.empty:
        return []
    first = max(ctx.window_start, ctx.activities["day"].min())
    monday = week_start(first)
    if monday < first:
        monday += timedelta(days=7)
    mondays = []
    while monday + timedelta(days=6) <= ctx.as_of:
        mondays.append(monday)
        monday += timedelta(days=7)
    return mondays


def long_run_weeks(ctx: Context) -> list[LongRunWeek]:
    """Each recent complete week with running: its longest run and its distance."""
    runs = ctx.runs[ctx.runs["distance_m"] > 0]
    out = []
    for monday in complete_weeks(ctx):
        week = runs[(runs["day"] >= monday) & (runs["day"] <= monday + timedelta(days=6))]
        if len(week):
            out.append(LongRunWeek(monday, float(week["distance_m"].max()),
                                   float(week["distance_m"].sum())))
    return out


def analyze(ctx: Context) -> Findings:
    t = ctx.thresholds
    recent = ctx.recent_runs[ctx.recent_runs["distance_m"] > 0]
    start, end = ctx.window_start, ctx.as_of
    distances = recent["distance_m"].to_numpy(dtype=float)
    figure: dict[str, Any] = {"runs": len(recent), "distance_cv": None, "pace_cv": None,
                              "longest_to_median": None, "long_run_share": None,
                              "cross_training_sessions": 0}
    if len(distances) >= 2:
        figure["distance_cv"] = round(cv(distances), 4)
    same_distance = (len(distances) >= t.same_distance_runs
                     and cv(distances) < t.same_distance_cv)

    no_long_run: list[LongRunWeek] = []
    if len(distances) >= MIN_RUNS:
        figure["longest_to_median"] = round(float(distances.max() / np.median(distances)), 3)
        weeks = long_run_weeks(ctx)
        if weeks:
            figure["long_run_share"] = round(max(w.share for w in weeks), 4)
        if len(weeks) >= MIN_LONG_RUN_WEEKS and all(w.share < t.long_run_share for w in weeks):
            no_long_run = weeks

    pace_cv = None
    timed = recent[recent["moving_time_s"] > 0]
    if len(distances) >= MIN_RUNS and len(timed) >= MIN_RUNS:
        pace = (timed["moving_time_s"] / timed["distance_m"]).to_numpy(dtype=float)
        figure["pace_cv"] = round(cv(pace), 4)
        if cv(pace) < t.same_pace_cv:
            pace_cv = cv(pace)

    flags: list[Flag] = []
    if same_distance:
        flags.append(_same_run(ctx, distances, no_long_run, pace_cv))
    else:
        if no_long_run:
            flags.append(_no_long_run(ctx, no_long_run))
        if pace_cv is not None:
            flags.append(Flag(
                code="variety.same_pace", severity=Severity.INFO,
                title="Every run at the same pace",
                message=(f"The pace of your recent runs varies by only {pace_cv:.1%}: no easy "
                         "days. Elite endurance athletes do about 80% of sessions easy."),
                date=start, end=end, value=pace_cv, threshold=t.same_pace_cv,
                evidence="guideline", source=INTENSITY_SOURCE))

    acts = ctx.activities
    other = acts[~acts["sport"].isin(NOT_CROSS)]
    recent_other = other[other["day"] >= start]
    figure["cross_training_sessions"] = len(recent_other)
    if len(recent) and recent_other.empty and not other.empty:
        flags.append(Flag(
            code="variety.no_cross_training", severity=Severity.INFO,
            title="No cross-training lately",
            message=(f"No sport other than running in the last {ctx.settings.window_days} days, "
                     f"though your history has {len(other)} such session"
                     f"{'' if len(other) == 1 else 's'}. Each weekly hour of "
                     "other sports went with fewer injuries in one study."),
            date=start, end=end, value=0.0, threshold=None,
            evidence="moderate", source=CROSS_SOURCE))
    return Findings(flags=flags, figures={"variety": figure},
                    notes=_unclassified_note(acts))


def _long_run_words(ctx: Context, weeks: list[LongRunWeek]) -> str:
    best = max(weeks, key=lambda w: w.share)
    return (f"in none of your last {len(weeks)} complete weeks of running was one run "
            f"{ctx.thresholds.long_run_share:.0%} of the week (at most {best.share:.1%}: "
            f"{ctx.distance(best.longest_m)} of {ctx.distance(best.total_m)} in the week of "
            f"{best.monday.isoformat()}); coaches suggest a long run of about 25-30% of the "
            "week")


def _no_long_run(ctx: Context, weeks: list[LongRunWeek]) -> Flag:
    best = max(w.share for w in weeks)
    words = _long_run_words(ctx, weeks)
    return Flag(
        code="variety.no_long_run", severity=Severity.INFO,
        title="No long run lately",
        message=f"{words[0].upper()}{words[1:]}.",
        date=weeks[0].monday, end=weeks[-1].monday + timedelta(days=6),
        value=best, threshold=ctx.thresholds.long_run_share,
        evidence="guideline", source=LONG_RUN_SOURCE)


def _same_run(ctx: Context, distances: np.ndarray, no_long_run: list[LongRunWeek],
              pace_cv: float | None) -> Flag:
    """variety.same_distance, saying in the same note what follows from the same run every
    time: no long run, and (when it is so) one pace."""
    t = ctx.thresholds
    spread = cv(distances)
    message = (f"Your {len(distances)} recent runs barely differ in distance (median "
               f"{ctx.distance(float(np.median(distances)))}, variation {spread:.1%}).")
    if no_long_run:
        words = _long_run_words(ctx, no_long_run)
        message += f" So there is no long run: {words}."
    if pace_cv is not None:
        message += f" Their pace barely varies either ({pace_cv:.1%}): no easy days."
    message += " Mix short runs with long runs"
    message += " and easy days with harder ones." if pace_cv is not None else "."
    source = LONG_RUN_SOURCE + (f"; {INTENSITY_SOURCE}" if pace_cv is not None else "")
    return Flag(
        code="variety.same_distance", severity=Severity.INFO,
        title="The same run again and again",
        message=message, date=ctx.window_start, end=ctx.as_of, value=spread,
        threshold=t.same_distance_cv, evidence="guideline", source=source)


def _unclassified_note(acts: pd.DataFrame) -> list[str]:
    """A data note naming the activity types runlog could not classify (sport "other"), and
    how many: they are in no running rule and are not cross-training, so the runner should
    know."""
    other = acts[(acts["sport"] == "other") & (acts["sub_sport"] != "multisport")]
    if other.empty:
        return []
    kinds = other["sub_sport"].fillna("").value_counts()
    named = sorted(((str(k), int(n)) for k, n in kinds.items()), key=lambda kn: (-kn[1], kn[0]))
    listed = ", ".join(f"{repr(k) if k else 'other or no type'}: {n}" for k, n in named)
    count = len(other)
    return [f"runlog could not classify {count} activit{'y' if count == 1 else 'ies'} by "
            f"type ({listed}): {'it counts' if count == 1 else 'they count'} in no running "
            "rule and not as cross-training. Give such rows a type runlog knows (Run, Trail "
            "Run, Walk, Ride, Swim...)."]
