"""Picking activities out of the table: by sport, by day, and by the pair of shoes runlog
counts each run against (what ``runlog activities --shoe`` lists)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from .analyzers.base import prepare
from .analyzers.shoes import assign_shoes
from .config import Settings, shoe_key

#: The column :func:`select` adds: the pair a run counts against, "A or B" when several
#: pairs could have carried it, empty for other sports and for runs no pair covers.
ASSIGNED = "assigned_shoe"


def select(activities: pd.DataFrame, settings: Settings, *, sport: str | None = None,
           since: date | None = None, until: date | None = None,
           shoe: str | None = None) -> pd.DataFrame:
    """The activities of ``sport`` (None or "all": every sport) whose day on the athlete's
    clock is from ``since`` to ``until``, each with :data:`ASSIGNED`; with ``shoe``, only the
    runs that pair carried or may have carried (its name or an alias; case, spaces and
    punctuation aside). The same assignment as the shoe figures of a report."""
    ctx, _ = prepare(activities, settings, date.max)
    frame = ctx.activities
    runs = frame[frame["sport"] == "running"]
    assignment = assign_shoes(runs, settings.shoes)
    names = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for index, assigned, could in zip(assignment.index, assignment["assigned"],
                                      assignment["candidates"]):
        names[index] = assigned if assigned is not None else (
            " or ".join(could) if could else None)
    frame = frame.assign(**{ASSIGNED: names})
    keep = pd.Series(True, index=frame.index)
    if sport not in (None, "all"):
        keep &= frame["sport"] == sport
    if since is not None:
        keep &= frame["day"] >= since
    if until is not None:
        keep &= frame["day"] <= until
    if shoe is not None:
        keep &= pd.Series([isinstance(a, str) and any(_names(n, shoe, settings)
                                                      for n in a.split(" or "))
                           for a in frame[ASSIGNED]], index=frame.index)
    return frame[keep].drop(columns=["day"]).reset_index(drop=True)


def _names(assigned: str, asked: str, settings: Settings) -> bool:
    """Whether ``asked`` names the pair ``assigned``: all of its name or an alias, or a part
    of them ("speedcross" for "Salomon Speedcross 6"), case, spaces and punctuation aside."""
    key = shoe_key(asked)
    if not key:
        return False
    spellings = {shoe_key(assigned)}
    for configured in settings.shoes:
        if configured.name == assigned:
            spellings |= {shoe_key(alias) for alias in configured.aliases}
    return any(key in spelling for spelling in spellings)
