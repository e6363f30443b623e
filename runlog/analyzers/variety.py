"""Run variety: the same run every day, no long run, no easy days, no cross-training.

EVIDENCE.md, "Variety": each weekly hour of other sports went with fewer injuries (HR 0.85,
Malisoux et al. 2015; moderate/weak); ~80% easy sessions in elites (Seiler 2010) and a long
run of 25-30% of the week (Daniels) are guidelines, not injury evidence.
"""

from __future__ import annotations

import numpy as np

from ..model import Flag, Severity
from .base import Context, Findings

CROSS_SOURCE = "Malisoux et al. 2015, Scand J Med Sci Sports 25:110"
INTENSITY_SOURCE = "Seiler 2010, IJSPP 5:276"
LONG_RUN_SOURCE = "Daniels' Running Formula (coaching guideline)"
#: Fewest recent runs before no_long_run and same_pace say anything.
MIN_RUNS = 5
#: Sports that are not cross-training for a runner.
NOT_CROSS = ("running", "walking", "transition")


def cv(values: np.ndarray) -> float:
    mean = float(values.mean())
    return float(values.std(ddof=0)) / mean if mean > 0 else 0.0


def analyze(ctx: Context) -> Findings:
    t = ctx.thresholds
    recent = ctx.recent_runs[ctx.recent_runs["distance_m"] > 0]
    start, end = ctx.window_start, ctx.as_of
    flags: list[Flag] = []
    distances = recent["distance_m"].to_numpy(dtype=float)
    figure = {"runs": len(recent), "distance_cv": None, "pace_cv": None,
              "longest_to_median": None, "cross_training_sessions": 0}
    if len(distances) >= 2:
        figure["distance_cv"] = round(cv(distances), 4)
    if len(distances) >= t.same_distance_runs and cv(distances) < t.same_distance_cv:
        flags.append(Flag(
            code="variety.same_distance", severity=Severity.WARNING,
            title="The same run again and again",
            message=(f"Your {len(distances)} recent runs barely differ in distance (median "
                     f"{ctx.distance(float(np.median(distances)))}, variation "
                     f"{cv(distances):.1%}). Mix short runs with long runs."),
            date=start, end=end, value=cv(distances), threshold=t.same_distance_cv,
            evidence="guideline", source=LONG_RUN_SOURCE))
    if len(distances) >= MIN_RUNS:
        median = float(np.median(distances))
        longest = float(distances.max())
        figure["longest_to_median"] = round(longest / median, 3)
        if longest < t.long_run_ratio * median:
            flags.append(Flag(
                code="variety.no_long_run", severity=Severity.INFO,
                title="No long run lately",
                message=(f"Your longest recent run ({ctx.distance(longest)}) is "
                         f"{longest / median:.2f} times your median run "
                         f"({ctx.distance(median)}); coaches suggest one run clearly longer "
                         "than the rest, about 25-30% of the week."),
                date=start, end=end, value=longest / median, threshold=t.long_run_ratio,
                evidence="guideline", source=LONG_RUN_SOURCE))
        timed = recent[recent["moving_time_s"] > 0]
        if len(timed) >= MIN_RUNS:
            pace = (timed["moving_time_s"] / timed["distance_m"]).to_numpy(dtype=float)
            figure["pace_cv"] = round(cv(pace), 4)
            if cv(pace) < t.same_pace_cv:
                flags.append(Flag(
                    code="variety.same_pace", severity=Severity.INFO,
                    title="Every run at the same pace",
                    message=(f"The pace of your recent runs varies by only {cv(pace):.1%}: "
                             "no easy days. Elite endurance athletes do about 80% of sessions "
                             "easy."),
                    date=start, end=end, value=cv(pace), threshold=t.same_pace_cv,
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
    return Findings(flags=flags, figures={"variety": figure})
