"""Training load: single-run spikes, weekly ramps, returns after a break, ACWR and strain.

EVIDENCE.md, "Load spikes": the single-run spike against the longest run of the previous 30
days is the strongest signal in the data (Frandsen et al. 2025; moderate). Weekly ramps
(Nielsen et al. 2014; Damsted et al. 2019) and returns after a break (Mujika & Padilla 2000)
are weak evidence. ACWR (Williams et al. 2017) and Foster's strain (1998) are descriptive only.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..model import Flag, Severity
from .base import Context, Findings, week_start

SPIKE_SOURCE = "Frandsen et al. 2025, Br J Sports Med 59:1203"
RAMP_SOURCE = "Nielsen et al. 2014, JOSPT 44:739; Damsted et al. 2019, JOSPT 49:230"
BREAK_SOURCE = "Mujika & Padilla 2000, Sports Med 30:79"
ACWR_SOURCE = "Williams et al. 2017, Br J Sports Med 51:209 (ratio criticised: Impellizzeri 2021)"
STRAIN_SOURCE = "Foster 1998, Med Sci Sports Exerc 30:1164"
#: ACWR needs this many days of history before it means anything (EVIDENCE.md).
ACWR_MIN_DAYS = 28
#: The SD behind monotony is at least this share of the mean daily load.
MONOTONY_SD_FLOOR = 0.10
#: Foster strain is compared with at least this many earlier weeks of the athlete's own.
STRAIN_MIN_WEEKS = 8


def daily_distance(runs: pd.DataFrame, start: date, end: date) -> pd.Series:
    """Running metres per local day from ``start`` to ``end``, rest days as 0."""
    days = pd.date_range(start, end, freq="D").date
    per_day = runs.groupby("day")["distance_m"].sum(min_count=1).fillna(0.0)
    return pd.Series(per_day.reindex(days, fill_value=0.0).to_numpy(), index=days, dtype=float)


def analyze(ctx: Context) -> Findings:
    runs = ctx.runs[ctx.runs["distance_m"].notna()]
    if runs.empty:
        return Findings(figures={"weeks": []})
    flags = _spikes(ctx, runs)
    first_day = runs["day"].min()
    daily = daily_distance(runs, week_start(first_day), ctx.as_of)
    weeks = _weeks(ctx, runs, daily)
    flags += _ramps(ctx, weeks)
    flags += _returns(ctx, runs, daily)
    flags += _acwr(ctx, weeks)
    flags += _strain(ctx, weeks)
    return Findings(flags=flags, figures={"weeks": [_week_dict(ctx, w) for w in weeks]})


def _spikes(ctx: Context, runs: pd.DataFrame) -> list[Flag]:
    t = ctx.thresholds
    flags = []
    # Naive UTC, sorted (prepare() orders by start time).
    times = runs["start_time"].dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    dist = runs["distance_m"].to_numpy(dtype=float)
    lookback = np.timedelta64(t.spike_lookback_days, "D")
    # Runs strictly before each run and no older than the lookback: a slice of the sorted
    # times, so a decade of runs costs one binary search per run, not a scan of them all.
    window_start = np.searchsorted(times, times - lookback, side="left")
    window_end = np.searchsorted(times, times, side="left")
    for i in range(len(runs)):
        if window_end[i] <= window_start[i]:
            continue
        longest = float(dist[window_start[i]:window_end[i]].max())
        if longest <= 0:
            continue
        ratio = dist[i] / longest
        if ratio <= t.spike_ratio:
            continue
        row = runs.iloc[i]
        alert = ratio > t.spike_alert_ratio
        flags.append(Flag(
            code="load.spike", severity=Severity.ALERT if alert else Severity.WARNING,
            title="A run much longer than any in the month before" if alert
            else "A run longer than any in the month before",
            message=(f"{_called(row)}{ctx.distance(dist[i])} on {row['day'].isoformat()} was "
                     f"{ratio - 1:.0%} longer than your longest run in the "
                     f"{t.spike_lookback_days} days before it ({ctx.distance(longest)}). "
                     "In a study of 5,205 runners, runs over 10% longer than the previous "
                     "month's longest went with more injuries."),
            date=row["day"], activity_id=row["activity_id"], value=ratio - 1,
            threshold=(t.spike_alert_ratio if alert else t.spike_ratio) - 1,
            evidence="moderate", source=SPIKE_SOURCE))
    return flags


def _called(row: pd.Series) -> str:
    """The run's own name, quoted, when it has one: "Sunday long run": """
    name = row.get("name")
    return f'"{name}": ' if isinstance(name, str) and name.strip() else ""


def _weeks(ctx: Context, runs: pd.DataFrame, daily: pd.Series) -> list[dict[str, Any]]:
    runs_by_week = runs.groupby(runs["day"].map(week_start)).size()
    time_by_week = runs.groupby(runs["day"].map(week_start))["moving_time_s"].sum()
    out: list[dict[str, Any]] = []
    first_monday = daily.index[0]  # daily starts on a Monday: week k is days 7k..7k+6
    values = daily.to_numpy()
    for k in range((len(values) + 6) // 7):
        monday = first_monday + timedelta(days=7 * k)
        week_values = values[7 * k: 7 * k + 7]
        end_i = 7 * k + len(week_values) - 1
        total = float(week_values.sum())
        complete = len(week_values) == 7
        monotony = strain = None
        if complete and total > 0:
            # sample SD, as in Foster's monotony: 6 equal runs and a rest day give ~2.3
            # Seven near-equal days make the SD tend to 0 and monotony explode; a floor of
            # 10% of the mean caps monotony at 10 (Foster's values run about 1-3).
            mean = float(week_values.mean())
            sd = max(float(np.std(week_values, ddof=1)), MONOTONY_SD_FLOOR * mean)
            if sd > 0:
                monotony = mean / sd
                strain = total / 1000.0 * monotony
        acwr = None
        if end_i + 1 >= ACWR_MIN_DAYS + 7:
            chronic = float(values[end_i - 34:end_i - 6].sum()) / 4.0
            if chronic > 0:
                acwr = float(values[end_i - 6:end_i + 1].sum()) / chronic
        out.append({
            "week_start": monday, "distance_m": total,
            "runs": int(runs_by_week.get(monday, 0)),
            "moving_time_s": float(time_by_week.get(monday, 0.0) or 0.0),
            "complete": complete, "monotony": monotony, "strain": strain, "acwr": acwr,
            "change": None,
        })
    for prev, week in itertools.pairwise(out):
        if prev["distance_m"] > 0:
            week["change"] = week["distance_m"] / prev["distance_m"] - 1
    return out


def _ramps(ctx: Context, weeks: list[dict[str, Any]]) -> list[Flag]:
    t = ctx.thresholds
    flags = []
    for prev, week in itertools.pairwise(weeks):
        if prev["distance_m"] < t.weekly_ramp_min_km * 1000 or week["change"] is None:
            continue
        # compare ratios: the change (ratio - 1) of an exact +30% week rounds up past 0.30
        if week["distance_m"] / prev["distance_m"] <= 1 + t.weekly_ramp:
            continue
        monday = week["week_start"]
        sunday = monday + timedelta(days=6)
        so_far = "" if week["complete"] else " so far"
        flags.append(Flag(
            code="load.weekly_ramp", severity=Severity.WARNING,
            title="Weekly distance jumped",
            message=(f"The week of {monday.isoformat()} had {ctx.distance(week['distance_m'])}"
                     f"{so_far}, {week['change']:.0%} more than the week before "
                     f"({ctx.distance(prev['distance_m'])}). Jumps over 30% went with more "
                     "injuries in novice runners; the evidence is weak."),
            date=monday, end=min(sunday, ctx.as_of), value=week["change"],
            threshold=t.weekly_ramp, evidence="weak", source=RAMP_SOURCE))
    return flags


def _returns(ctx: Context, runs: pd.DataFrame, daily: pd.Series) -> list[Flag]:
    t = ctx.thresholds
    run_days = sorted(set(runs["day"]))
    flags = []
    for last, first_back in itertools.pairwise(run_days):
        gap = (first_back - last).days - 1
        if gap < t.break_days:
            continue
        before = daily[(daily.index > last - timedelta(days=28)) & (daily.index <= last)]
        baseline = float(before.sum()) / 4.0
        if baseline <= 0:
            continue
        week_end = min(first_back + timedelta(days=6), ctx.as_of)
        back = float(daily[(daily.index >= first_back) & (daily.index <= week_end)].sum())
        ratio = back / baseline
        if ratio <= t.return_ratio:
            continue
        flags.append(Flag(
            code="load.return_after_break", severity=Severity.WARNING,
            title="A quick return after a break",
            message=(f"After {gap} days without running, the first week back "
                     f"({first_back.isoformat()} on) had {ctx.distance(back)}, {ratio:.0%} of "
                     f"your weekly average before the break ({ctx.distance(baseline)}). Fitness "
                     "gained recently fades after about 4 weeks off; build back gradually."),
            date=first_back, end=week_end, value=ratio, threshold=t.return_ratio,
            evidence="weak", source=BREAK_SOURCE))
    return flags


def _acwr(ctx: Context, weeks: list[dict[str, Any]]) -> list[Flag]:
    t = ctx.thresholds
    flags = []
    for week in weeks:
        if week["acwr"] is None or week["acwr"] <= t.acwr_high:
            continue
        monday = week["week_start"]
        flags.append(Flag(
            code="load.acwr", severity=Severity.INFO,
            title="Last week far above the month before",
            message=(f"The week of {monday.isoformat()} had {week['acwr']:.2f} times your "
                     "average week of the four before it (acute:chronic ratio). Descriptive "
                     "only: in runners this ratio has not been shown to predict injury."),
            date=monday, end=min(monday + timedelta(days=6), ctx.as_of), value=week["acwr"],
            threshold=t.acwr_high, evidence="weak", source=ACWR_SOURCE))
    return flags


def _strain(ctx: Context, weeks: list[dict[str, Any]]) -> list[Flag]:
    t = ctx.thresholds
    flags = []
    history: list[tuple[date, float]] = []
    for week in weeks:
        if week["strain"] is None:
            continue
        monday = week["week_start"]
        earlier = [s for d, s in history if d >= monday - timedelta(days=t.strain_history_days)]
        history.append((monday, week["strain"]))
        if len(earlier) < STRAIN_MIN_WEEKS:
            continue
        limit = float(np.percentile(earlier, t.strain_percentile))
        if week["strain"] <= limit:
            continue
        flags.append(Flag(
            code="load.strain", severity=Severity.INFO,
            title="A week of unusually high strain for you",
            message=(f"Training strain (weekly load x monotony) in the week of "
                     f"{monday.isoformat()} was {week['strain']:.0f}, above your own "
                     f"{t.strain_percentile:.0f}th percentile of the previous months "
                     f"({limit:.0f})."),
            date=monday, end=monday + timedelta(days=6), value=week["strain"],
            threshold=limit, evidence="weak", source=STRAIN_SOURCE))
    return flags


def _week_dict(ctx: Context, week: dict[str, Any]) -> dict[str, Any]:
    def rnd(value: float | None, digits: int = 3) -> float | None:
        return None if value is None else round(float(value), digits)

    return {
        "week_start": week["week_start"].isoformat(),
        "distance": round(ctx.in_units(week["distance_m"]), 2),
        "runs": week["runs"],
        "moving_time_s": round(week["moving_time_s"], 1),
        "change": rnd(week["change"]),
        "complete": week["complete"],
        "acwr": rnd(week["acwr"]),
        "monotony": rnd(week["monotony"]),
        "strain": rnd(week["strain"], 1),
    }
