"""Shoe mileage against the replacement window, and one shoe carrying all the running.

EVIDENCE.md, "Shoes": the 350-550 mi window is a guideline (American Academy of Podiatric
Sports Medicine); shoes lose cushioning with use (Cook, Kester & Brunet 1985; weak);
alternating two or more pairs went with 39% fewer injuries (Malisoux et al. 2015; moderate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from ..config import Shoe
from ..model import Flag, Severity
from .base import Context, Findings

WINDOW_SOURCE = "American Academy of Podiatric Sports Medicine (350-500 mi); Cook et al. 1985"
ROTATION_SOURCE = "Malisoux et al. 2015, Scand J Med Sci Sports 25:110"
#: Weeks of recent use behind a shoe's projected date.
PROJECTION_WEEKS = 4


@dataclass
class ShoeUse:
    name: str
    distance_m: float
    runs: int
    first_run: date | None
    last_run: date | None
    status: str
    projected_approach_date: date | None
    projected_replace_date: date | None
    configured: bool


def assign_shoes(runs: pd.DataFrame, shoes: tuple[Shoe, ...]) -> pd.Series:
    """Each run's shoe: the one its source names, else the configured shoe whose dates cover
    it and whose surfaces match (the most recently first-used wins), else None."""
    ordered = sorted(shoes, key=lambda s: s.first_used or date.min, reverse=True)
    out = []
    for row in runs.itertuples(index=False):
        if isinstance(row.shoe, str) and row.shoe:
            out.append(row.shoe)
            continue
        chosen = None
        for shoe in ordered:
            if shoe.first_used and row.day < shoe.first_used:
                continue
            if shoe.retired and row.day > shoe.retired:
                continue
            if shoe.surfaces and row.surface not in shoe.surfaces:
                continue
            chosen = shoe.name
            break
        out.append(chosen)
    return pd.Series(out, index=runs.index, dtype=object)


def _project(distance_m: float, weekly_m: float, target_m: float, as_of: date) -> date | None:
    if distance_m >= target_m:
        return None
    if weekly_m <= 0:
        return None
    days = (target_m - distance_m) / (weekly_m / 7.0)
    if days > 3650:
        return None
    return as_of + timedelta(days=round(days))


def analyze(ctx: Context) -> Findings:
    t = ctx.thresholds
    approach_m = t.shoe_approaching_km * 1000
    replace_m = t.shoe_replace_km * 1000
    runs = ctx.runs.assign(assigned=assign_shoes(ctx.runs, ctx.settings.shoes))
    configured = {s.name: s for s in ctx.settings.shoes}
    names = list(configured) + sorted(set(runs["assigned"].dropna()) - set(configured))
    recent_from = ctx.as_of - timedelta(days=7 * PROJECTION_WEEKS - 1)
    uses: list[ShoeUse] = []
    flags: list[Flag] = []
    for name in names:
        mine = runs[runs["assigned"] == name]
        shoe = configured.get(name)
        initial = shoe.initial_distance_m if shoe else 0.0
        distance = initial + float(mine["distance_m"].fillna(0).sum())
        recent = float(mine.loc[mine["day"] >= recent_from, "distance_m"].fillna(0).sum())
        first_run = mine["day"].min() if len(mine) else None
        last_run = mine["day"].max() if len(mine) else None
        retired = bool(shoe and shoe.retired and shoe.retired <= ctx.as_of)
        # a retired shoe adds no more distance: it never reaches the window
        weekly = 0.0 if retired else recent / PROJECTION_WEEKS
        if retired:
            status = "retired"
        elif distance > replace_m:
            status = "replace"
        elif distance >= approach_m:
            status = "approaching"
        else:
            status = "ok"
        uses.append(ShoeUse(name, distance, len(mine), first_run, last_run, status,
                            _project(distance, weekly, approach_m, ctx.as_of),
                            _project(distance, weekly, replace_m, ctx.as_of), shoe is not None))
        in_use = not retired and last_run is not None and last_run >= ctx.window_start
        if not in_use or status not in ("approaching", "replace"):
            continue
        if status == "replace":
            flags.append(Flag(
                code="shoe.replace", severity=Severity.ALERT,
                title=f"Replace {name}",
                message=(f"{name} has covered {ctx.distance(distance, 0)}, past the "
                         f"{ctx.distance(replace_m, 0)} end of the usual replacement window "
                         f"({ctx.in_units(approach_m):.0f}-{ctx.distance(replace_m, 0)}). "
                         "Shoes lose cushioning with use."),
                date=last_run, value=ctx.in_units(distance), threshold=ctx.in_units(replace_m),
                evidence="guideline", source=WINDOW_SOURCE))
        else:
            when = uses[-1].projected_replace_date
            projection = (f" At your recent use it reaches {ctx.distance(replace_m, 0)} around "
                          f"{when.isoformat()}." if when else "")
            flags.append(Flag(
                code="shoe.approaching", severity=Severity.WARNING,
                title=f"{name} is nearing replacement",
                message=(f"{name} has covered {ctx.distance(distance, 0)}, inside the usual "
                         f"replacement window ({ctx.in_units(approach_m):.0f}-"
                         f"{ctx.distance(replace_m, 0)}).{projection}"),
                date=last_run, value=ctx.in_units(distance),
                threshold=ctx.in_units(approach_m), evidence="guideline",
                source=WINDOW_SOURCE))
    flags.extend(_single_shoe(ctx, runs))
    unassigned = runs[runs["assigned"].isna()]
    figures: dict[str, Any] = {
        "shoes": [_shoe_dict(ctx, u) for u in uses],
        "shoe_window": (round(ctx.in_units(approach_m), 1), round(ctx.in_units(replace_m), 1)),
        "shoes_unassigned": {"runs": len(unassigned),
                             "distance": round(ctx.in_units(
                                 float(unassigned["distance_m"].fillna(0).sum())), 2)},
    }
    return Findings(flags=flags, figures=figures)


def _single_shoe(ctx: Context, runs: pd.DataFrame) -> list[Flag]:
    t = ctx.thresholds
    start = ctx.as_of - timedelta(days=7 * t.shoe_single_weeks - 1)
    recent = runs[runs["day"] >= start]
    total = float(recent["distance_m"].fillna(0).sum())
    if total <= 0 or len(recent) < 4:
        return []
    by_shoe = recent.groupby("assigned", dropna=True)["distance_m"].sum()
    if by_shoe.empty:
        return []
    top = str(by_shoe.idxmax())
    share = float(by_shoe.max()) / total
    if share <= t.shoe_single_share:
        return []
    return [Flag(
        code="shoe.single", severity=Severity.INFO,
        title="One pair of shoes carries nearly all your running",
        message=(f"{top} carried {share:.0%} of your running in the last "
                 f"{t.shoe_single_weeks} weeks. Runners who alternated two or more pairs had "
                 "about 39% fewer injuries in one study."),
        date=start, end=ctx.as_of, value=share, threshold=t.shoe_single_share,
        evidence="moderate", source=ROTATION_SOURCE)]


def _shoe_dict(ctx: Context, use: ShoeUse) -> dict[str, Any]:
    return {
        "name": use.name,
        "distance": round(ctx.in_units(use.distance_m), 2),
        "runs": use.runs,
        "first_run": use.first_run.isoformat() if use.first_run else None,
        "last_run": use.last_run.isoformat() if use.last_run else None,
        "status": use.status,
        "projected_approach_date": (use.projected_approach_date.isoformat()
                                    if use.projected_approach_date else None),
        "projected_replace_date": (use.projected_replace_date.isoformat()
                                   if use.projected_replace_date else None),
        "configured": use.configured,
    }
