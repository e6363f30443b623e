"""Training load: single-run spikes, weekly ramps, returns after a break, ACWR and strain.

EVIDENCE.md, "Load spikes": the single-run spike against the longest run of the previous 30
days is the strongest signal in the data (Frandsen et al. 2025; moderate). Weekly ramps
(Nielsen et al. 2014; Damsted et al. 2019) and returns after a break (Mujika & Padilla 2000)
are weak evidence. ACWR (Williams et al. 2017) and Foster's strain (1998) are descriptive only.

Days before the first recorded activity (of any sport) are unknown, not rest ("A history has a
first day"): each rule judges only what its whole reference span covers, and the findings say
in a note when the history is too short for a rule instead of flagging. A week still running
on the as-of day is judged only on what it already holds: it is flagged when its distance so
far is already a jump over the full weeks it is compared with (the rest of the week can only
add to it), and its flags say "so far". The weeks figure leaves `change` and `acwr` empty for
such a week rather than set part of a week against whole ones.

Here the flags and the weeks figure; how far each rule lets a run or a week go is in
:mod:`.load_limits`, and what to do next (the largest run and week that raise no flag) in
:mod:`.load_next`.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..model import Flag, Severity
from .base import Context, Findings, week_start
from .load_limits import (
    BREAK_MIN_KNOWN_DAYS,
    FLOAT_TOLERANCE,
    RAMP_MEAN_WEEKS,
    WEEKS_JUDGED_FROM_DAY,
    first_monday_from,
    longest_in,
    ramp_limit,
    spike_windows,
    usual_before_break,
)
from .load_next import CEILING_DAYS, next_limits, no_limits, spike_ceiling

SPIKE_SOURCE = "Frandsen et al. 2025, Br J Sports Med 59:1203"
RAMP_SOURCE = "Nielsen et al. 2014, JOSPT 44:739; Damsted et al. 2019, JOSPT 49:230"
BREAK_SOURCE = "Mujika & Padilla 2000, Sports Med 30:79"
ACWR_SOURCE = "Williams et al. 2017, Br J Sports Med 51:209 (ratio criticised: Impellizzeri 2021)"
STRAIN_SOURCE = "Foster 1998, Med Sci Sports Exerc 30:1164"
#: The acute:chronic ratio sets a week against the 28 days before it, so it needs those 28
#: days inside the history: 35 days in all (EVIDENCE.md, "A history has a first day").
ACWR_CHRONIC_DAYS = 28
#: Monotony never exceeds that of six equal runs and a rest day, 6 / sqrt(7) = 2.27
#: (EVIDENCE.md: "never let one extra equal day multiply it").
MONOTONY_CAP: float = 6 / np.sqrt(7)
#: Foster strain is compared with at least this many earlier weeks of the athlete's own.
STRAIN_MIN_WEEKS = 8


def daily_distance(runs: pd.DataFrame, start: date, end: date) -> pd.Series:
    """Running metres per local day from ``start`` to ``end``, rest days as 0."""
    days = pd.date_range(start, end, freq="D").date
    per_day = runs.groupby("day")["distance_m"].sum(min_count=1).fillna(0.0)
    return pd.Series(per_day.reindex(days, fill_value=0.0).to_numpy(), index=days, dtype=float)


def monotony(daily_m: np.ndarray) -> float | None:
    """Foster's monotony (mean daily load / SD of daily load, rest days as 0) of one week,
    with distance as the load; None for a week without running.

    Foster's SD stands for the easy and rest days that break a monotonous week. With distance
    as the load a long run raises the SD as much as a rest day does, so his formula scores a
    week with a long run as varied and its strain as low: 5 x 8 km plus 28 km (+42%) gave 77
    against 109 for 6 x 8 km. Only days lighter than the week's average day count here (the
    downside deviation, with the sample SD's n - 1); days above it add load, not variety.
    Seven equal days have no lighter day, and monotony would be infinite (an SD floor of 10%
    of the mean made it 10 and strain x5 for one extra equal day): it is capped at six equal
    runs and a rest day, 6 / sqrt(7) = 2.27, inside Foster's 1-3 range, so a seventh equal
    day adds its load and no more (EVIDENCE.md, "Monotony and strain")."""
    mean = float(daily_m.mean())
    if mean <= 0:
        return None
    lighter = np.minimum(daily_m - mean, 0.0)
    sd = float(np.sqrt((lighter ** 2).sum() / (len(daily_m) - 1)))
    return MONOTONY_CAP if sd <= 0 else min(mean / sd, MONOTONY_CAP)


def analyze(ctx: Context) -> Findings:
    runs = ctx.runs[ctx.runs["distance_m"].notna()]
    if runs.empty:
        return Findings(figures={"weeks": [], "next_load": no_limits(
            "There are no runs with a distance yet: no limit can be worked out.")})
    first_day: date = ctx.activities["day"].min()  # the history's first day, any sport
    daily = daily_distance(runs, week_start(first_day), ctx.as_of)
    weeks = _weeks(ctx, runs, daily, first_day)
    spikes = _spikes(ctx, runs, first_day)
    spiked = {_run_key(f.date, f.activity_id) for f in spikes}
    returns, unjudged, comebacks = _returns(ctx, runs, daily, first_day, spiked)
    flags = (spikes + _ramps(ctx, weeks, comebacks) + returns + _acwr(ctx, weeks)
             + _strain(ctx, weeks))
    first_run_week = week_start(runs["day"].min())
    shown = [_week_dict(ctx, w) for w in weeks if w["week_start"] >= first_run_week]
    return Findings(flags=flags, figures={
        "weeks": shown, "next_load": next_limits(ctx, runs, weeks, comebacks, first_day),
        "spike_ceiling": spike_ceiling(ctx, runs, first_day),
        "ceiling_runs": [{"day": d.isoformat(), "distance": round(ctx.in_units(m), 3),
                          "activity_id": a} for d, m, a in zip(runs["day"], runs["distance_m"],
                                                               runs["activity_id"])
                         if d >= ctx.as_of - timedelta(days=CEILING_DAYS - 1)]},
        notes=_short_history(ctx, first_day) + unjudged)


def _short_history(ctx: Context, first_day: date) -> list[str]:
    """A note when the history is still too short for a rule to judge the as-of day."""
    spikes_from = first_day + timedelta(days=ctx.thresholds.spike_lookback_days)
    weeks_from = first_monday_from(first_day + timedelta(days=WEEKS_JUDGED_FROM_DAY))
    if ctx.as_of >= max(spikes_from, weeks_from):
        return []
    return [f"The history starts on {first_day.isoformat()} and days before it are unknown: "
            f"load spikes are judged from {spikes_from.isoformat()}, weekly jumps and the "
            f"acute:chronic ratio from the week of {weeks_from.isoformat()}."]


def _spikes(ctx: Context, runs: pd.DataFrame, first_day: date) -> list[Flag]:
    t = ctx.thresholds
    flags = []
    # Naive UTC, sorted (prepare() orders by start time).
    times = runs["start_time"].dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    dist = runs["distance_m"].to_numpy(dtype=float)
    run_days = runs["day"].tolist()
    # The whole 30 days before a run must be inside the history: before that, "the longest
    # run of the month before" would be the longest of the few days known.
    judged_from = first_day + timedelta(days=t.spike_lookback_days)
    window_start, window_end = spike_windows(times, times, t.spike_lookback_days)
    for i in range(len(runs)):
        # an empty month before a run follows a break: _returns() judges that run
        if run_days[i] < judged_from:
            continue
        j = longest_in(dist, window_start[i], window_end[i])
        if j is None:
            continue
        longest = float(dist[j])
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
            # the run's ratio to the longest, as the config's spike_ratio is written (1.10)
            date=row["day"], activity_id=row["activity_id"], value=ratio,
            threshold=t.spike_alert_ratio if alert else t.spike_ratio,
            evidence="moderate", source=SPIKE_SOURCE))
    return flags


def _run_key(day: date, activity_id: Any) -> tuple[date, str | None]:
    """A run's day and id, the id None when a reader left it empty (None or NaN)."""
    return day, activity_id if isinstance(activity_id, str) else None


def _called(row: pd.Series) -> str:
    """The run's own name, quoted, when it has one: "Sunday long run": """
    name = row.get("name")
    return f'"{name}": ' if isinstance(name, str) and name.strip() else ""


def resting(daily_m: np.ndarray, break_days: int) -> np.ndarray:
    """True on each day of a break: a stretch of at least ``break_days`` without running."""
    out = np.zeros(len(daily_m), dtype=bool)
    start = None
    for i, metres in enumerate(np.append(daily_m, 1.0)):  # a run after the end closes a stretch
        if metres <= 0:
            start = i if start is None else start
            continue
        if start is not None and i - start >= break_days:
            out[start:i] = True
        start = None
    return out


def _weeks(ctx: Context, runs: pd.DataFrame, daily: pd.Series, first_day: date
           ) -> list[dict[str, Any]]:
    by_week = runs.groupby(runs["day"].map(week_start))
    runs_by_week = by_week.size()
    time_by_week = by_week["moving_time_s"].sum()
    longest_by_week = by_week["distance_m"].max()
    out: list[dict[str, Any]] = []
    first_monday = daily.index[0]  # daily starts on a Monday: week k is days 7k..7k+6
    values = daily.to_numpy()
    # Breaks over the known days only (days of the history before its first run make one
    # too: no ratio over them); the days of the first week before the history are unknown.
    known_from = (first_day - first_monday).days
    breaks = np.zeros(len(values), dtype=bool)
    breaks[known_from:] = resting(values[known_from:], ctx.thresholds.break_days)
    for k in range((len(values) + 6) // 7):
        monday = first_monday + timedelta(days=7 * k)
        week_values = values[7 * k: 7 * k + 7]
        total = float(week_values.sum())
        # Complete: all seven days are over and inside the history. The first week of a
        # history that starts after its Monday holds unknown days: it is no reference.
        complete = len(week_values) == 7 and monday >= first_day
        week_monotony = monotony(week_values) if complete else None
        strain = None if week_monotony is None else total / 1000.0 * week_monotony
        # The chronic load: the mean week of the 28 days before this one, all inside the
        # history. Over any day of a break it would only restate that the runner rested (a
        # gentle comeback is "1.95 times" the month before): return_after_break judges the
        # return against the usual week before the break instead.
        judged = (monday - first_day).days >= WEEKS_JUDGED_FROM_DAY
        chronic = None
        if judged:
            span = slice(7 * k - ACWR_CHRONIC_DAYS, 7 * k)
            if values[span].sum() > 0 and not breaks[span].any():
                chronic = float(values[span].sum()) / (ACWR_CHRONIC_DAYS / 7)
        out.append({
            "week_start": monday, "distance_m": total,
            "runs": int(runs_by_week.get(monday, 0)),
            "moving_time_s": float(time_by_week.get(monday, 0.0) or 0.0),
            "longest_m": float(longest_by_week.get(monday, 0.0) or 0.0),
            "complete": complete, "days": len(week_values), "judged": judged,
            "chronic_m": chronic,
            "monotony": week_monotony, "strain": strain,
            "acwr": total / chronic if complete and chronic else None, "change": None,
        })
    for prev, week in itertools.pairwise(out):
        if week["complete"] and prev["complete"] and prev["distance_m"] > 0:
            week["change"] = week["distance_m"] / prev["distance_m"] - 1
    return out


def _so_far(week: dict[str, Any]) -> str:
    return "" if week["days"] == 7 else " so far"


def _ramps(ctx: Context, weeks: list[dict[str, Any]],
           comebacks: list[tuple[date, float]]) -> list[Flag]:
    t = ctx.thresholds
    flags = []
    for k in range(RAMP_MEAN_WEEKS, len(weeks)):
        week, prev = weeks[k], weeks[k - 1]
        limit = ramp_limit(t, weeks, k, comebacks)
        if limit is None or week["distance_m"] <= limit:
            continue
        usual = float(np.mean([w["distance_m"] for w in weeks[k - RAMP_MEAN_WEEKS:k]]))
        ratio = week["distance_m"] / prev["distance_m"]
        monday = week["week_start"]
        sunday = monday + timedelta(days=6)
        mean_text = (f"Your average week over the {RAMP_MEAN_WEEKS} weeks before it was "
                     f"{ctx.distance(usual)}. ")
        flags.append(Flag(
            code="load.weekly_ramp", severity=Severity.WARNING,
            title="Weekly distance jumped",
            message=(f"The week of {monday.isoformat()} had {ctx.distance(week['distance_m'])}"
                     f"{_so_far(week)}, {ratio - 1:.0%} more than the week before "
                     f"({ctx.distance(prev['distance_m'])}). {mean_text}Jumps over 30% went "
                     "with more injuries in novice runners; the evidence is weak."),
            date=monday, end=min(sunday, ctx.as_of), value=ratio - 1,
            threshold=t.weekly_ramp, evidence="weak", source=RAMP_SOURCE))
    return flags


def _returns(ctx: Context, runs: pd.DataFrame, daily: pd.Series, first_day: date,
             spiked: set[tuple[date, str | None]]
             ) -> tuple[list[Flag], list[str], list[tuple[date, float]]]:
    """Flags for returns after a break, notes on returns the history cannot judge, and each
    judged return's first day with the usual week before its break (metres)."""
    t = ctx.thresholds
    ran = runs[runs["distance_m"] > 0]
    flags: list[Flag] = []
    notes: list[str] = []
    comebacks: list[tuple[date, float]] = []
    for last, first_back in itertools.pairwise(sorted(set(ran["day"]))):
        gap = (first_back - last).days - 1
        if gap < t.break_days:
            continue
        usual_week, usual_run, known_days = usual_before_break(ran, last, first_day)
        if known_days < BREAK_MIN_KNOWN_DAYS:
            notes.append(f"The return on {first_back.isoformat()} after {gap} days without "
                         f"running is not judged: the history before the break holds only "
                         f"{known_days} day{'' if known_days == 1 else 's'}, too few to know "
                         "your usual week.")
            continue
        comebacks.append((first_back, usual_week))
        week_end = min(first_back + timedelta(days=6), ctx.as_of)
        back = float(daily[(daily.index >= first_back) & (daily.index <= week_end)].sum())
        share = back / usual_week
        so_far = "" if week_end == first_back + timedelta(days=6) else " so far"
        if share > t.return_ratio:
            flags.append(Flag(
                code="load.return_after_break", severity=Severity.WARNING,
                title="A quick return after a break",
                message=(f"After {gap} days without running, the first week back "
                         f"({first_back.isoformat()} on) had {ctx.distance(back)}{so_far}, "
                         f"{share:.0%} of your weekly average before the break "
                         f"({ctx.distance(usual_week)}). Fitness gained recently fades after "
                         "about 4 weeks off; build back gradually."),
                date=first_back, end=week_end, value=share, threshold=t.return_ratio,
                evidence="weak", source=BREAK_SOURCE))
            continue
        # Straight back into the long run: the first run back is judged as the spike rule
        # judges any run (EVIDENCE.md: it "also catches the first long run back after a
        # break, because the 30-day reference shrinks while resting"). After 30 days off the
        # reference is empty, and a first week back weighed as a whole lets one long run
        # through (16 km after 36 days off is 40% of an 8/8/8/16 week). A reference shrunk to
        # nothing would make any run back a spike, the gentlest jog included, so the first
        # run back is set against your usual run before the break (the median of the same
        # days) with the spike rule's margin: the old long run straight away is flagged, a
        # usual run or less is not. Against the old long run instead, a runner whose every
        # run is 10 km would be flagged for coming back with one. One flag per return (the
        # week's, when it is over); a first run back that already raised load.spike is left
        # to that flag, whose evidence is stronger.
        first_runs = ran[ran["day"] == first_back]
        row = first_runs.loc[first_runs["distance_m"].idxmax()]
        ratio = float(row["distance_m"]) / usual_run
        if ratio <= t.spike_ratio or _run_key(first_back, row["activity_id"]) in spiked:
            continue
        flags.append(Flag(
            code="load.return_after_break", severity=Severity.WARNING,
            title="A long first run after a break",
            message=(f"After {gap} days without running, your first run back, "
                     f"{_called(row)}{ctx.distance(row['distance_m'])} on "
                     f"{first_back.isoformat()}, was {ratio - 1:.0%} longer than your usual "
                     f"run before the break ({ctx.distance(usual_run)}). Fitness gained "
                     "recently fades after about 4 weeks off; build back gradually."),
            date=first_back, activity_id=row["activity_id"], value=ratio,
            threshold=t.spike_ratio, evidence="weak", source=BREAK_SOURCE))
    return flags, notes, comebacks


def _acwr(ctx: Context, weeks: list[dict[str, Any]]) -> list[Flag]:
    t = ctx.thresholds
    flags = []
    for week in weeks:
        if not week["chronic_m"]:
            continue
        # a week still running: its distance so far (the ratio can only grow until Sunday)
        ratio = week["distance_m"] / week["chronic_m"]
        if ratio <= t.acwr_high:
            continue
        monday = week["week_start"]
        flags.append(Flag(
            code="load.acwr", severity=Severity.INFO,
            title="Last week far above the month before",
            message=(f"The week of {monday.isoformat()} had {ratio:.2f} times your average "
                     f"week of the four before it{_so_far(week)} (acute:chronic ratio). "
                     "Descriptive only: in runners this ratio has not been shown to predict "
                     "injury."),
            date=monday, end=min(monday + timedelta(days=6), ctx.as_of), value=ratio,
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
        # Above the runner's own 90th percentile, and well above their usual week: one week in
        # ten tops its own 90th percentile by construction, and noise is no signal.
        limit = max(float(np.percentile(earlier, t.strain_percentile)),
                    float(np.median(earlier)) * (1 + t.strain_min_rise))
        if week["strain"] <= limit * (1 + FLOAT_TOLERANCE):
            continue
        flags.append(Flag(
            code="load.strain", severity=Severity.INFO,
            title="A week of unusually high strain for you",
            message=(f"Training strain (weekly load x monotony) in the week of "
                     f"{monday.isoformat()} was {week['strain']:.0f}, above your own "
                     f"{t.strain_percentile:.0f}th percentile of the previous months and "
                     f"{t.strain_min_rise:.0%} above your usual week ({limit:.0f})."),
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
        "longest_run": round(ctx.in_units(week["longest_m"]), 2),
        "change": rnd(week["change"]),
        "complete": week["complete"],
        "acwr": rnd(week["acwr"]),
        "monotony": rnd(week["monotony"]),
        "strain": rnd(week["strain"], 1),
    }
