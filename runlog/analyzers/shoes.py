"""Shoe mileage against the replacement window, and one shoe carrying all the running.

EVIDENCE.md, "Shoes": the 350-550 mi window is a guideline (American Academy of Podiatric
Sports Medicine); shoes lose cushioning with use (Cook, Kester & Brunet 1985; weak);
alternating two or more pairs went with 39% fewer injuries (Malisoux et al. 2015; moderate).

A run's shoe (:func:`assign_shoes`): the one the run names, else the one configured shoe that
could have carried it. When several could have, the run is *shared*: no pair is credited with
it, each counts it toward an "up to" distance for the replacement window, the one-pair check
leaves it out, and a data note says how many runs could have been which pairs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from ..config import Shoe, shoe_key
from ..model import Flag, Severity
from .base import Context, Findings

WINDOW_SOURCE = "American Academy of Podiatric Sports Medicine (350-500 mi); Cook et al. 1985"
#: A pair not worn for this many days is idle: shown so, with no projection or window flag.
IDLE_DAYS = 90
ROTATION_SOURCE = "Malisoux et al. 2015, Scand J Med Sci Sports 25:110"
#: Weeks of recent use behind a shoe's projected date.
PROJECTION_WEEKS = 4
#: Fewer days of use than this and a weekly rate is a guess: no projected date.
MIN_PROJECTION_DAYS = 7

@dataclass
class ShoeUse:
    name: str
    distance_m: float  # for certain: mileage before tracking + the runs that are this pair's
    runs: int
    first_run: date | None
    last_run: date | None
    status: str  # against distance_up_to_m
    projected_approach_date: date | None
    projected_replace_date: date | None
    configured: bool
    shared_runs: int = 0  # runs that could have been this pair or another
    shared_distance_m: float = 0.0
    shared_with: tuple[str, ...] = ()
    last_possible_run: date | None = None

    @property
    def distance_up_to_m(self) -> float:
        return self.distance_m + self.shared_distance_m


def _covers(shoe: Shoe, day: date) -> bool:
    return not ((shoe.first_used and day < shoe.first_used)
                or (shoe.retired and day > shoe.retired))


def candidates(shoes: tuple[Shoe, ...], day: date, surface: Any) -> list[Shoe]:
    """The configured shoes that could have carried a run naming no shoe: those whose dates
    cover it; of those, for a known surface the shoes whose surfaces list it, else the shoes
    with no surfaces; for an unknown surface the shoes with no surfaces, else the shoes limited
    to surfaces (the run may have been on one of theirs)."""
    covering = [s for s in shoes if _covers(s, day)]
    known = isinstance(surface, str) and surface not in ("", "unknown")
    listing = [s for s in covering if s.surfaces and (not known or surface in s.surfaces)]
    general = [s for s in covering if not s.surfaces]
    first, then = (listing, general) if known else (general, listing)
    return first or then


def assign_shoes(runs: pd.DataFrame, shoes: tuple[Shoe, ...]) -> pd.DataFrame:
    """Each run's ``assigned`` shoe and its ``candidates``.

    A run that names a shoe takes the configured shoe with that name or alias (case, spaces
    and punctuation folded, :func:`runlog.config.shoe_key`), else its own name (one spelling
    for all runs that fold alike). A run naming no shoe takes the one :func:`candidates` shoe;
    with several it is shared: ``assigned`` None, ``candidates`` their names; with none,
    unassigned."""
    by_key: dict[str, str] = {}
    for shoe in shoes:
        for spelling in (shoe.name, *shoe.aliases):
            by_key.setdefault(shoe_key(spelling), shoe.name)
    named = [" ".join(row.split()) if isinstance(row, str) and shoe_key(row) else None
             for row in runs["shoe"]]
    spellings: dict[str, Counter[str]] = {}
    for name in named:
        if name is not None and shoe_key(name) not in by_key:
            spellings.setdefault(shoe_key(name), Counter())[name] += 1
    for key, seen in spellings.items():
        by_key[key] = seen.most_common(1)[0][0]  # ties: the spelling seen first
    assigned: list[str | None] = []
    shared: list[tuple[str, ...]] = []
    for name, day, surface in zip(named, runs["day"], runs["surface"]):
        if name is not None:
            assigned.append(by_key[shoe_key(name)])
            shared.append(())
            continue
        could = [s.name for s in candidates(shoes, day, surface)]
        assigned.append(could[0] if len(could) == 1 else None)
        shared.append(tuple(could) if len(could) > 1 else ())
    return pd.DataFrame({"assigned": pd.Series(assigned, index=runs.index, dtype=object),
                         "candidates": pd.Series(shared, index=runs.index, dtype=object)})


def _weekly_use_m(ctx: Context, shoe: Shoe | None, worn: pd.DataFrame,
                  history_start: date) -> float | None:
    """Metres a week over the days the recent use actually covers: from the latest of the
    projection window's start, the shoe's start (first_used or its first run, the earlier)
    and the history's first day, to as_of. None when that is under MIN_PROJECTION_DAYS."""
    starts = [d for d in (shoe.first_used if shoe else None,
                          worn["day"].min() if len(worn) else None) if d is not None]
    if not starts:
        return None
    start = max(ctx.as_of - timedelta(days=7 * PROJECTION_WEEKS - 1), min(starts),
                history_start)
    covered_days = (ctx.as_of - start).days + 1
    if covered_days < MIN_PROJECTION_DAYS:
        return None
    recent = float(worn.loc[worn["day"] >= start, "distance_m"].fillna(0).sum())
    return recent / covered_days * 7.0


def _project(distance_m: float, weekly_m: float | None, target_m: float,
             as_of: date) -> date | None:
    if distance_m >= target_m:
        return None
    if not weekly_m or weekly_m <= 0:
        return None
    days = (target_m - distance_m) / (weekly_m / 7.0)
    if days > 3650:
        return None
    return as_of + timedelta(days=round(days))


def _either(names: tuple[str, ...] | list[str]) -> str:
    if len(names) == 2:
        return f"either {names[0]} or {names[1]}"
    return f"any of {', '.join(names[:-1])} or {names[-1]}"


def _use(ctx: Context, name: str, shoe: Shoe | None, mine: pd.DataFrame,
         maybe: pd.DataFrame, history_start: date) -> ShoeUse:
    approach_m = ctx.thresholds.shoe_approaching_km * 1000
    replace_m = ctx.thresholds.shoe_replace_km * 1000
    initial = shoe.initial_distance_m if shoe else 0.0
    distance = initial + float(mine["distance_m"].fillna(0).sum())
    shared = float(maybe["distance_m"].fillna(0).sum())
    up_to = distance + shared
    worn = pd.concat([mine, maybe]) if len(maybe) else mine
    retired = bool(shoe and shoe.retired and shoe.retired <= ctx.as_of)
    # a retired shoe adds no more distance: it never reaches the window
    weekly = None if retired else _weekly_use_m(ctx, shoe, worn, history_start)
    last_worn = worn["day"].max() if len(worn) else None
    if retired:
        status = "retired"
    elif last_worn is not None and last_worn < ctx.as_of - timedelta(days=IDLE_DAYS):
        status = "idle"  # not worn for months: no projection, no window flag
    elif up_to > replace_m:
        status = "replace"
    elif up_to >= approach_m:
        status = "approaching"
    else:
        status = "ok"
    others = sorted({n for c in maybe["candidates"] for n in c} - {name})
    return ShoeUse(
        name, distance, len(mine), mine["day"].min() if len(mine) else None,
        mine["day"].max() if len(mine) else None, status,
        _project(up_to, weekly, approach_m, ctx.as_of),
        _project(up_to, weekly, replace_m, ctx.as_of), shoe is not None,
        shared_runs=len(maybe), shared_distance_m=shared, shared_with=tuple(others),
        last_possible_run=worn["day"].max() if len(worn) else None)


def _window_flag(ctx: Context, use: ShoeUse) -> Flag | None:
    approach_m = ctx.thresholds.shoe_approaching_km * 1000
    replace_m = ctx.thresholds.shoe_replace_km * 1000
    last = use.last_possible_run
    if use.status not in ("approaching", "replace") or last is None \
            or last < ctx.window_start:
        return None
    name, up_to = use.name, use.distance_up_to_m
    window = f"({ctx.in_units(approach_m):.0f}-{ctx.distance(replace_m, 0)})"
    if use.shared_runs:
        covered = (f"{name} has covered up to {ctx.distance(up_to, 0)} "
                   f"({ctx.distance(use.distance_m, 0)} for certain, plus "
                   f"{ctx.distance(use.shared_distance_m, 0)} in {use.shared_runs} "
                   f"run{'s' if use.shared_runs != 1 else ''} that could have been "
                   f"{_either((name, *use.shared_with))})")
    else:
        covered = f"{name} has covered {ctx.distance(up_to, 0)}"
    if use.status == "replace":
        certain = use.distance_m > replace_m
        return Flag(
            code="shoe.replace", severity=Severity.ALERT,
            title=f"Replace {name}" if certain else f"{name} may be due for replacement",
            message=(f"{covered}, past the {ctx.distance(replace_m, 0)} end of the usual "
                     f"replacement window {window}. Shoes lose cushioning with use. When you "
                     f"stop running in it, set retired = {ctx.as_of.isoformat()} in its "
                     f"[[shoes]] entry in runlog.toml (name = \"{name}\"): its distance "
                     "stays on record and new runs go to your other pairs."),
            date=last, value=ctx.in_units(up_to), threshold=ctx.in_units(replace_m),
            evidence="guideline", source=WINDOW_SOURCE)
    when = use.projected_replace_date
    projection = ""
    if when:
        basis = ("Counting every run it may have carried, it" if use.shared_runs
                 else "At your recent use it")
        projection = (f" {basis} reaches {ctx.distance(replace_m, 0)} around "
                      f"{when.isoformat()}.")
    certain = use.distance_m >= approach_m
    return Flag(
        code="shoe.approaching", severity=Severity.WARNING,
        title=(f"{name} is nearing replacement" if certain
               else f"{name} may be nearing replacement"),
        message=f"{covered}, inside the usual replacement window {window}.{projection}",
        date=last, value=ctx.in_units(up_to), threshold=ctx.in_units(approach_m),
        evidence="guideline", source=WINDOW_SOURCE)


def analyze(ctx: Context) -> Findings:
    shoes = ctx.settings.shoes
    runs = ctx.runs
    runs = runs.join(assign_shoes(runs, shoes))
    configured = {s.name: s for s in shoes}
    names = list(configured) + sorted(set(runs["assigned"].dropna()) - set(configured))
    history_start = ctx.activities["day"].min() if len(ctx.activities) else ctx.as_of
    uses: list[ShoeUse] = []
    flags: list[Flag] = []
    for name in names:
        mine = runs[runs["assigned"] == name]
        maybe = runs[runs["candidates"].map(lambda c, n=name: n in c)]
        uses.append(_use(ctx, name, configured.get(name), mine, maybe, history_start))
        flag = _window_flag(ctx, uses[-1])
        if flag:
            flags.append(flag)
    flags.extend(_single_shoe(ctx, runs))
    unassigned = runs[runs["assigned"].isna() & (runs["candidates"].map(len) == 0)]
    figures: dict[str, Any] = {
        "shoes": [_shoe_dict(ctx, u) for u in uses],
        "shoe_window": (round(ctx.in_units(ctx.thresholds.shoe_approaching_km * 1000), 1),
                        round(ctx.in_units(ctx.thresholds.shoe_replace_km * 1000), 1)),
        "shoes_unassigned": {"runs": len(unassigned),
                             "distance": round(ctx.in_units(
                                 float(unassigned["distance_m"].fillna(0).sum())), 2)},
    }
    notes = _shared_notes(ctx, runs) + _unmatched_notes(ctx, runs, shoes, uses)
    return Findings(flags=flags, figures=figures, notes=notes)


def _shared_notes(ctx: Context, runs: pd.DataFrame) -> list[str]:
    groups: dict[tuple[str, ...], list[float]] = {}
    for could, distance in zip(runs["candidates"], runs["distance_m"]):
        if could:
            groups.setdefault(could, []).append(0.0 if pd.isna(distance) else float(distance))
    notes = []
    for could, distances in groups.items():
        n = len(distances)
        these = (f"{n} runs ({ctx.distance(sum(distances))}) name" if n != 1
                 else f"1 run ({ctx.distance(sum(distances))}) names")
        notes.append(
            f"{these} no shoe and could have been {_either(could)}: credited to no pair, "
            "counted in each one's \"up to\" distance for the replacement window, and left "
            "out of the one-pair check. Name the shoe in the runs, or set retired or surfaces "
            "in runlog.toml.")
    return notes


def _unmatched_notes(ctx: Context, runs: pd.DataFrame, shoes: tuple[Shoe, ...],
                     uses: list[ShoeUse]) -> list[str]:
    """A configured shoe no run named or could have used: most often a spelling the runs
    do not share ("Pegasus 40" against Strava's "Nike Pegasus 40")."""
    if runs.empty:
        return []
    first_run = runs["day"].min()
    counted = {u.name for u in uses if u.runs or u.shared_runs}
    unconfigured = [u.name for u in uses if not u.configured]
    notes = []
    for shoe in shoes:
        if shoe.name in counted or (shoe.retired and shoe.retired < first_run) \
                or (shoe.first_used and shoe.first_used > ctx.as_of):
            continue
        keys = {shoe_key(s) for s in (shoe.name, *shoe.aliases)}
        alike = [n for n in unconfigured
                 if any(k in shoe_key(n) or shoe_key(n) in k for k in keys)]
        note = (f"{shoe.name} in runlog.toml matched no run: no run names it"
                f"{' or an alias' if shoe.aliases else ''}, and no run without a shoe falls "
                f"in its dates{' and surfaces' if shoe.surfaces else ''}.")
        if alike:
            listed = ", ".join(f'"{n}"' for n in alike)
            note += (f" Runs name {listed}: if that is this pair, add it to the pair's "
                     "aliases in runlog.toml.")
        notes.append(note)
    return notes


def _single_shoe(ctx: Context, runs: pd.DataFrame) -> list[Flag]:
    """One pair's share of all recent running. Only runs that are a pair's for certain count
    for it; shared and unassigned runs stay in the total, so a rotation runlog cannot tell
    apart never reads as one pair carrying everything."""
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
    """The report's shoe entry. ``distance`` and ``runs`` are the pair's for certain; runs it
    may have carried with other pairs are ``shared_runs`` (``shared_distance``, with
    ``shared_with``), and ``status`` and the projected dates count them: ``distance_up_to``."""
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
        "shared_runs": use.shared_runs,
        "shared_distance": round(ctx.in_units(use.shared_distance_m), 2),
        "distance_up_to": round(ctx.in_units(use.distance_up_to_m), 2),
        "shared_with": list(use.shared_with),
    }
