"""Cadence against the 170-190 steps/min guidance, drops from the runner's own baseline, and
missing cadence.

EVIDENCE.md, "Cadence": the band is the product's guidance (~180 in elites, Daniels);
stepping 5-10% faster lowers knee loading (Heiderscheit et al. 2011), each +1 step/min went
with 5% lower bone-stress-injury risk (Kliethermes et al. 2021). Injury evidence overall: weak.
Measured on moving time, walking samples (< 140 spm) left out, median and share in band.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..model import Flag, Severity
from ..output import format_pace
from ..stats import weighted_median
from .base import Context, Findings

SOURCE = "Heiderscheit et al. 2011, Med Sci Sports Exerc 43:296; Kliethermes et al. 2021"
#: The baseline for cadence.drop: easy runs in this many days before the report window.
BASELINE_DAYS = 90
#: Fewest runs with cadence on each side of a cadence.drop comparison.
MIN_RUNS = 3


def pooled(runs: pd.DataFrame, walking_spm: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(steps/min values, seconds) over runs: their histograms without the walking bins
    (below ``walking_spm``), or one value per run where a source gave only an average
    (weighted by its moving time)."""
    values: list[float] = []
    weights: list[float] = []
    row: Any  # a namedtuple pandas makes at run time: its fields hold whatever the cells do
    for row in runs.itertuples(index=False):
        hist = row.cadence_histogram
        if isinstance(hist, dict) and hist:
            for spm, seconds in hist.items():
                if float(spm) < walking_spm:
                    continue
                values.append(float(spm))
                weights.append(float(seconds))
        elif not pd.isna(row.cadence_spm):
            seconds = row.moving_time_s if not pd.isna(row.moving_time_s) else 1.0
            values.append(float(row.cadence_spm))
            weights.append(float(seconds) or 1.0)
    return np.array(values, dtype=float), np.array(weights, dtype=float)


def analyze(ctx: Context) -> Findings:
    t = ctx.thresholds
    recent = ctx.recent_runs
    with_cadence = recent[recent["cadence_spm"].notna()]
    flags: list[Flag] = []
    start, end = ctx.window_start, ctx.as_of
    figure: dict[str, Any] = {"runs": len(recent), "runs_with_cadence": len(with_cadence),
                              "median": None, "share_in_band": None,
                              "band": [t.cadence_low_spm, t.cadence_high_spm], "histogram": {}}
    if len(recent) and len(with_cadence) * 2 < len(recent):
        flags.append(Flag(
            code="cadence.missing", severity=Severity.INFO,
            title="Recent runs carry no cadence",
            message=(f"{len(recent) - len(with_cadence)} of your {len(recent)} recent runs have "
                     "no cadence, so cadence flags rest on the rest (or on none)."),
            date=start, end=end, value=len(with_cadence) / len(recent), threshold=0.5,
            evidence="data", source="runlog data coverage"))
    values, weights = pooled(with_cadence, t.walking_cadence_spm)
    if len(values):
        median = weighted_median(values, weights)
        in_band = weights[(values >= t.cadence_low_spm) & (values <= t.cadence_high_spm)].sum()
        share = float(in_band / weights.sum()) if weights.sum() > 0 else None
        hist: dict[int, float] = {}
        for v, w in zip(np.round(values).astype(int).tolist(), weights.tolist()):
            hist[v] = hist.get(v, 0.0) + w
        figure.update(median=round(median, 1),
                      share_in_band=None if share is None else round(share, 4),
                      histogram={str(k): round(v, 1) for k, v in sorted(hist.items())})
        band_note = "" if share is None else f" ({share:.0%} of running time in the band)"
        if median < t.cadence_low_spm:
            flags.append(Flag(
                code="cadence.low", severity=Severity.WARNING,
                title="Low running cadence",
                message=(f"Your recent median cadence is {median:.0f} steps/min, below the "
                         f"{t.cadence_low_spm:.0f}-{t.cadence_high_spm:.0f} guidance"
                         f"{band_note}. Stepping 5-10% quicker lowers knee loading; cadence "
                         "also rises with speed and falls with leg length."),
                date=start, end=end, value=median, threshold=t.cadence_low_spm,
                evidence="weak", source=SOURCE))
        elif median > t.cadence_high_spm:
            flags.append(Flag(
                code="cadence.high", severity=Severity.INFO,
                title="High running cadence",
                message=(f"Your recent median cadence is {median:.0f} steps/min, above the "
                         f"{t.cadence_low_spm:.0f}-{t.cadence_high_spm:.0f} guidance"
                         f"{band_note}. Not a risk in itself; check the watch's reading."),
                date=start, end=end, value=median, threshold=t.cadence_high_spm,
                evidence="weak", source=SOURCE))
    drop_flags, notes = _drop(ctx)
    return Findings(flags=flags + drop_flags, figures={"cadence": figure}, notes=notes)


def _easy(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs at or slower than the median pace of the runs given."""
    timed = runs[(runs["distance_m"] > 0) & (runs["moving_time_s"] > 0)]
    if timed.empty:
        return timed
    speed = timed["distance_m"] / timed["moving_time_s"]
    return timed[speed <= speed.median()]


def _speed(runs: pd.DataFrame) -> pd.Series:
    return runs["distance_m"] / runs["moving_time_s"]


def _drop(ctx: Context) -> tuple[list[Flag], list[str]]:
    """Easy runs of the window against the runner's own runs at the same pace before it.

    Cadence rises with speed (van Oeveren et al. 2017), so slowing the easy runs lowers it
    with no fatigue at all: only runs within ``cadence_pace_band`` of the recent easy pace
    are compared, and when the baseline has too few of them the report says so.
    """
    t = ctx.thresholds
    runs = ctx.runs[ctx.runs["cadence_spm"].notna()]
    runs = runs[(runs["distance_m"] > 0) & (runs["moving_time_s"] > 0)]
    base_start = ctx.window_start - timedelta(days=BASELINE_DAYS)
    span = runs[runs["day"] >= base_start]
    easy = _easy(span)
    before_all = span[span["day"] < ctx.window_start]
    now_all = easy[easy["day"] >= ctx.window_start]
    if len(before_all) < MIN_RUNS or len(now_all) < MIN_RUNS:
        return [], []
    easy_speed = float(_speed(now_all).median())

    def at_easy_pace(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(_speed(frame) / easy_speed - 1).abs() <= t.cadence_pace_band]

    before, now = at_easy_pace(before_all), at_easy_pace(now_all)
    pace = format_pace(1.0, easy_speed, ctx.settings.metres_per_unit)
    pace_words = f"{pace}/{ctx.settings.units} (within {t.cadence_pace_band:.0%})"
    if len(now) < MIN_RUNS:
        return [], [
            f"Easy-run cadence not compared with your baseline: only {len(now)} of your recent "
            f"easy runs were near their typical pace of {pace_words}, and cadence changes "
            f"with pace; {MIN_RUNS} are needed."]
    if len(before) < MIN_RUNS:
        return [], [
            f"Easy-run cadence not compared with your baseline: only {len(before)} of your "
            f"runs in the {BASELINE_DAYS} days before the last {ctx.settings.window_days} were "
            f"at your recent easy pace of {pace_words}, and cadence changes with pace; "
            f"{MIN_RUNS} are needed."]
    baseline = float(before["cadence_spm"].median())
    current = float(now["cadence_spm"].median())
    drop = 1 - current / baseline
    # "More than 5%": a drop of exactly the threshold (up to float noise) is not flagged.
    if round(drop, 9) <= t.cadence_drop:
        return [], []
    return [Flag(
        code="cadence.drop", severity=Severity.INFO,
        title="Easy-run cadence below your usual",
        message=(f"Your easy runs lately average {current:.0f} steps/min, {drop:.1%} below "
                 f"your own baseline of {baseline:.0f} in the {BASELINE_DAYS} days before, "
                 f"both at {pace_words}. A drop at the same pace can come with fatigue or a "
                 "niggle."),
        date=ctx.window_start, end=ctx.as_of, value=drop, threshold=t.cadence_drop,
        evidence="weak", source=SOURCE)], []
