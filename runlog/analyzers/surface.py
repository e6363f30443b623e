"""Surface mix: hard against soft, unknown surfaces, and sudden shifts.

EVIDENCE.md, "Surface": grass lowers rearfoot peak pressure 9-17% against asphalt and
concrete (Tessutti et al. 2012); no injury outcome shows hard surfaces are worse (weak).
Reports always say how much distance has an unknown surface.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd

from ..model import HARD_SURFACES, SURFACES, Flag, Severity
from .base import Context, Findings, week_start

SOURCE = "Tessutti et al. 2012, J Sports Sci 30:1545; Mitchell et al. 2023"
#: Weeks of surface mix shown in the report.
FIGURE_WEEKS = 12


def mix(runs: pd.DataFrame) -> dict[str, float]:
    """Metres per surface (every surface listed, unknown included)."""
    totals = runs.groupby("surface")["distance_m"].sum()
    return {s: float(totals.get(s, 0.0)) for s in SURFACES}


def analyze(ctx: Context) -> Findings:
    t = ctx.thresholds
    recent = ctx.recent_runs[ctx.recent_runs["distance_m"].notna()]
    by_surface = mix(recent)
    total = sum(by_surface.values())
    unknown = by_surface["unknown"]
    known = total - unknown
    hard = sum(v for s, v in by_surface.items() if s in HARD_SURFACES)
    flags: list[Flag] = []
    notes: list[str] = []
    start, end = ctx.window_start, ctx.as_of
    judged = _judged(known, total, t.surface_known_share)
    if judged and hard / known >= t.hard_share:
        flags.append(Flag(
            code="surface.hard", severity=Severity.WARNING,
            title="Nearly all your running is on hard surfaces",
            message=(f"{hard / known:.0%} of your recent running with a known surface was on "
                     f"roads ({ctx.distance(hard)} of {ctx.distance(known)}; "
                     f"{ctx.distance(unknown)} has no known surface). Consider switching some "
                     "runs to grass, turf or a track: softer surfaces lower impact loading, "
                     "though no study has shown fewer injuries."),
            date=start, end=end, value=hard / known, threshold=t.hard_share,
            evidence="weak", source=SOURCE))
    not_judged = ""
    if known > 0 and not judged:
        not_judged = (f"only {ctx.distance(known)} of your recent {ctx.distance(total)} of "
                      f"running ({known / total:.0%}) has a known surface, so runlog does not "
                      "judge the mix of hard and soft surfaces (it does when more than "
                      f"{t.surface_known_share:.0%} has one)")
    if total > 0 and unknown / total > t.unknown_share:
        flags.append(Flag(
            code="surface.unknown", severity=Severity.INFO,
            title="Most recent running has no known surface",
            message=(f"{unknown / total:.0%} of your recent running ({ctx.distance(unknown)}) "
                     "has no known surface. "
                     + (f"{not_judged[0].upper()}{not_judged[1:]}. " if not_judged else "")
                     + "Name runs (trail, track, treadmill), set the activity type, or fill "
                     "the surface column of your runlog CSV."),
            date=start, end=end, value=unknown / total, threshold=t.unknown_share,
            evidence="data", source="runlog data coverage"))
    elif not_judged:
        notes.append(f"Surface mix not judged: {not_judged}.")
    flags += _shift(ctx)
    return Findings(flags=flags, notes=notes, figures={
        "surfaces": {
            "window": {s: round(ctx.in_units(v), 2) for s, v in by_surface.items()},
            "hard_share": None if known <= 0 else round(hard / known, 4),
            "unknown_share": None if total <= 0 else round(unknown / total, 4),
            "weeks": _weekly(ctx),
        }})


def _judged(known: float, total: float, known_share: float) -> bool:
    """Whether enough of the distance has a known surface to say what the mix is: a few
    kilometres named "Road 5k" among a hundred of unknown surface say nothing about the rest."""
    return total > 0 and known > 0 and known / total > known_share


def _shift(ctx: Context) -> list[Flag]:
    t = ctx.thresholds
    runs = ctx.runs[ctx.runs["distance_m"].notna()]
    last_start = ctx.as_of - timedelta(days=6)
    before_start = last_start - timedelta(days=28)
    last = mix(runs[runs["day"] >= last_start])
    before = mix(runs[(runs["day"] >= before_start) & (runs["day"] < last_start)])
    last_unknown, before_unknown = last["unknown"], before["unknown"]
    last_total = sum(last.values()) - last_unknown
    before_total = sum(before.values()) - before_unknown
    if not (_judged(last_total, last_total + last_unknown, t.surface_known_share)
            and _judged(before_total, before_total + before_unknown, t.surface_known_share)):
        return []
    flags = []
    for surface in SURFACES:
        if surface == "unknown":
            continue
        was, now = before[surface] / before_total, last[surface] / last_total
        if was < t.shift_before_share and now > t.shift_after_share:
            flags.append(Flag(
                code="surface.shift", severity=Severity.INFO,
                title=f"A sudden shift to {surface}",
                message=(f"{now:.0%} of your running with a known surface in the last 7 days "
                         f"was on {surface} ({ctx.distance(last[surface])} of "
                         f"{ctx.distance(last_total)}), against {was:.0%} in the 4 weeks "
                         f"before ({ctx.distance(before[surface])} of "
                         f"{ctx.distance(before_total)}); {ctx.distance(last_unknown)} in the "
                         f"last 7 days and {ctx.distance(before_unknown)} before have no known "
                         "surface. Unfamiliar terrain loads the legs differently: ease into "
                         "it."),
                date=last_start, end=ctx.as_of, value=now, threshold=t.shift_after_share,
                evidence="weak", source=SOURCE))
    return flags


def _weekly(ctx: Context) -> list[dict[str, Any]]:
    first = week_start(ctx.as_of) - timedelta(days=7 * (FIGURE_WEEKS - 1))
    runs = ctx.runs[(ctx.runs["day"] >= first) & ctx.runs["distance_m"].notna()]
    out = []
    for k in range(FIGURE_WEEKS):
        monday = first + timedelta(days=7 * k)
        week = runs[(runs["day"] >= monday) & (runs["day"] < monday + timedelta(days=7))]
        out.append({"week_start": monday.isoformat(),
                    **{s: round(ctx.in_units(v), 2) for s, v in mix(week).items()}})
    return out
