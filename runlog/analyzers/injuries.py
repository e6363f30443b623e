"""The runner's own injury log (``[[injuries]]`` in runlog.toml): a recent injury is a note,
and each injury is shown with the flags of the weeks before it.

EVIDENCE.md, "Previous injury": injury in the previous 12 months was the main risk factor in 5
of 8 cohorts (Saragiotto et al. 2014); strong evidence. What came before each logged injury is
counted, never turned into a personal risk score or a prediction.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from ..model import Flag, Severity
from .base import Context, Findings

SOURCE = ("Saragiotto et al. 2014, Sports Med 44:1153; van der Worp et al. 2015, PLoS ONE "
          "10:e0114937")
#: An injury counts as recent for 12 months (Saragiotto et al.: "the previous 12 months").
RECENT_DAYS = 365
#: The flags of these many days before an injury are listed with it.
BEFORE_DAYS = 42
#: Flags about the data (its coverage, its dates) or the log itself are not training that
#: came before an injury.
NOT_TRAINING = ("injury.", "data.", "cadence.missing", "surface.unknown")


def analyze(ctx: Context) -> Findings:
    flags = []
    for injury in ctx.settings.injuries:
        if injury.date > ctx.as_of:
            continue
        ends = injury.date + timedelta(days=RECENT_DAYS - 1)
        off = f", {injury.days_off} days off" if injury.days_off is not None else ""
        flags.append(Flag(
            code="injury.recent", severity=Severity.INFO,
            title=f"An injury in the last 12 months: {injury.area}",
            message=(f"You logged an injury ({injury.area}{off}) on {injury.date.isoformat()}. "
                     "An injury in the previous 12 months is the strongest known risk factor "
                     "for the next one: build back gradually, and see a professional if it "
                     "returns."),
            date=injury.date, end=min(ends, ctx.as_of), evidence="strong", source=SOURCE))
    return Findings(flags=flags)


def history(ctx: Context, flags: list[Flag]) -> dict[str, Any]:
    """Each logged injury up to the report's day with the training flags of the
    :data:`BEFORE_DAYS` days before it, and how many injuries each flag code came before."""
    training = [f for f in flags
                if not f.code.startswith(NOT_TRAINING) and f.evidence != "data"]
    entries = []
    before: Counter[str] = Counter()
    for injury in ctx.settings.injuries:
        if injury.date > ctx.as_of:
            continue
        start = injury.date - timedelta(days=BEFORE_DAYS)
        found = sorted((f for f in training if start <= f.date <= injury.date),
                       key=lambda f: (f.date, f.code))
        entries.append({
            "date": injury.date.isoformat(), "area": injury.area, "days_off": injury.days_off,
            "note": injury.note,
            "preceded_by": [{"code": f.code, "date": f.date.isoformat(),
                             "severity": str(f.severity)} for f in found]})
        before.update({f.code for f in found})
    return {"injuries": entries,
            "injury_precursors": {code: before[code] for code in sorted(before)}}
