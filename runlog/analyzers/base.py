"""What every analyzer shares: the context it gets, the findings it returns, the day and week
arithmetic on the athlete's clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from ..clock import machine_timezone
from ..config import Settings, Thresholds
from ..model import Flag


@dataclass(frozen=True)
class Context:
    """What every analyzer gets: the history up to the as-of day, settings and the window."""

    settings: Settings
    as_of: date
    activities: pd.DataFrame  # every sport up to as_of, sorted, with a local `day` column
    zone: ZoneInfo

    @property
    def thresholds(self) -> Thresholds:
        return self.settings.thresholds

    @property
    def window_start(self) -> date:
        return self.as_of - timedelta(days=self.settings.window_days - 1)

    @property
    def runs(self) -> pd.DataFrame:
        return self.activities[self.activities["sport"] == "running"]

    @property
    def recent_runs(self) -> pd.DataFrame:
        runs = self.runs
        return runs[runs["day"] >= self.window_start]

    def in_units(self, metres: float) -> float:
        return float(metres) / self.settings.metres_per_unit

    def distance(self, metres: float, digits: int = 1) -> str:
        return f"{self.in_units(metres):.{digits}f} {self.settings.units}"


@dataclass
class Findings:
    flags: list[Flag] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    #: Plain sentences for the report's "Data notes": what this analyzer could not judge, or
    #: guessed, and why (a history too short for a rule, names that matched no shoe...).
    notes: list[str] = field(default_factory=list)



def prepare(activities: pd.DataFrame, settings: Settings, as_of: date | None
            ) -> tuple[Context, dict[str, int]]:
    """Add the athlete's local day to each activity; keep what happened up to ``as_of``."""
    zone = ZoneInfo(settings.timezone or machine_timezone())
    frame = activities.copy()
    notes = {"activities": len(frame), "without_date": 0, "after_as_of": 0}
    frame = frame[frame["start_time"].notna()]
    notes["without_date"] = notes["activities"] - len(frame)
    local = frame["local_start"]
    fallback = frame["start_time"].dt.tz_convert(zone).dt.tz_localize(None)
    local = local.where(local.notna(), fallback)
    frame = frame.assign(day=[ts.date() for ts in local])
    if as_of is None:
        as_of = pd.Timestamp.now(tz=zone).date()
    before = len(frame)
    frame = frame[frame["day"] <= as_of]
    notes["after_as_of"] = before - len(frame)
    frame = frame.sort_values(["start_time", "activity_id"], kind="stable").reset_index(drop=True)
    return Context(settings=settings, as_of=as_of, activities=frame, zone=zone), notes


def week_start(day: date) -> date:
    """Weeks run Monday to Sunday on the athlete's clock."""
    return day - timedelta(days=day.weekday())


