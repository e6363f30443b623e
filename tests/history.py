"""Activity histories built by hand for the analyzer tests.

Every run is described on the athlete's wall clock (day, hour, timezone); ``start_time`` is
the matching UTC instant, so tests can put a run on either side of a week boundary in UTC and
locally. Distances go in as km or mi and are stored in metres, as readers store them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from runlog.analyzers import Report, analyze
from runlog.config import KM_PER_MI, Settings, Shoe, Thresholds
from runlog.model import Activity, Flag, to_frame

TZ = "Europe/Berlin"


def metres(km: float | None = None, mi: float | None = None) -> float | None:
    """``km`` or ``mi`` in metres (None when neither is given)."""
    if km is not None:
        return km * 1000.0
    return None if mi is None else mi * KM_PER_MI * 1000.0


def _local(day: str | date, hour: int, minute: int) -> datetime:
    base = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime(base.year, base.month, base.day, hour, minute)


def activity(
    day: str | date,
    *,
    sport: str = "running",
    km: float | None = None,
    mi: float | None = None,
    minutes: float | None = None,
    tz: str = TZ,
    hour: int = 7,
    minute: int = 0,
    with_local: bool = True,
    **fields: Any,
) -> Activity:
    """Any activity at ``hour:minute`` on ``day`` in ``tz``. ``with_local=False`` leaves
    ``local_start`` empty, so the analyzers fall back to ``settings.timezone``."""
    local = _local(day, hour, minute)
    start = pd.Timestamp(local, tz=tz).tz_convert("UTC")
    distance_m = metres(km, mi)
    fields.setdefault("activity_id", f"{sport}-{local.isoformat()}")
    act = Activity(
        source=f"{sport}-{local.isoformat()}.fit", format="fit", start_time=start, sport=sport,
        distance_m=distance_m, moving_time_s=None if minutes is None else minutes * 60.0,
        local_start=local if with_local else None,
        local_start_source="file" if with_local else None,
        **fields)
    if act.moving_time_s is not None:
        act.elapsed_time_s = act.moving_time_s
    return act


def run(
    day: str | date,
    km: float | None = None,
    *,
    mi: float | None = None,
    pace_s_per_km: float = 330.0,
    cadence: float | None = 172.0,
    surface: str = "road",
    shoe: str | None = None,
    tz: str = TZ,
    hour: int = 7,
    minute: int = 0,
    with_local: bool = True,
    **fields: Any,
) -> Activity:
    """A run of ``km`` (or ``mi``) at ``pace_s_per_km``; ``km=None`` and ``mi=None`` give a
    run with no distance (and no moving time)."""
    act = activity(day, km=km, mi=mi, tz=tz, hour=hour, minute=minute, with_local=with_local,
                   cadence_spm=cadence, surface=surface, shoe=shoe, **fields)
    if act.distance_m is not None:
        act.moving_time_s = act.distance_m / 1000.0 * pace_s_per_km
        act.elapsed_time_s = act.moving_time_s
    if cadence is not None:
        act.cadence_source = "test"
    if shoe is not None:
        act.shoe_source = "test"
    return act


def days(first: str, count: int, every: int = 1) -> list[date]:
    """``count`` days from ``first``, ``every`` days apart."""
    start = date.fromisoformat(first)
    return [start + timedelta(days=every * i) for i in range(count)]


def table(acts: Iterable[Activity]) -> pd.DataFrame:
    return to_frame(list(acts))


def settings(
    units: str = "km",
    timezone: str | None = TZ,
    shoes: Iterable[Shoe] = (),
    window_days: int = 28,
    **thresholds: Any,
) -> Settings:
    """Settings in ``units`` on ``timezone``'s clock, with threshold overrides."""
    return Settings(units=units, timezone=timezone, shoes=tuple(shoes), window_days=window_days,
                    thresholds=replace(Thresholds(), **thresholds))


def report(acts: Iterable[Activity], as_of: str, **kwargs: Any) -> Report:
    """analyze() of ``acts`` as of ``as_of`` with :func:`settings` built from ``kwargs``."""
    return analyze(table(acts), settings(**kwargs), as_of=as_of)


def flags(rep: Report, code: str, *, include_history: bool = False) -> list[Flag]:
    pool = rep.flags + (rep.history if include_history else [])
    return [f for f in pool if f.code == code]


def unflagged(rep: Report, code: str) -> bool:
    """True when ``code`` is neither current nor in the report's history."""
    return not flags(rep, code, include_history=True)


def only(rep: Report, code: str, *, include_history: bool = False) -> Flag:
    """The one flag with ``code``; fails when there are none or several."""
    found = flags(rep, code, include_history=include_history)
    assert len(found) == 1, f"expected one {code}, got {[f.message for f in found]}"
    return found[0]
