"""Values no watch records: caught in one place, before analysis, and counted for the report.

Readers keep what a file says, and some files say impossible things: a clock reset to 1970, a
500 km "run" (metres typed as kilometres), a duration of zero or of minus fifty minutes, ten
kilometres in a minute. :func:`screen` returns the activity table without the activities that
cannot be true and with impossible durations emptied, and counts each kind, so the report's
data notes can say what was left out. (GPS jumps inside a track are dropped by the readers,
see :mod:`runlog.importers.streams`, and counted in the ``gps_jumps`` column; activities dated
after the report's day are left out, and counted, by the analyzers.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .importers.streams import DEFAULT_MAX_SPEED_MPS, MAX_SPEED_MPS
from .importers.xmltools import EARLIEST_PLAUSIBLE

#: The longest distance one activity may cover, by sport (m). The 24-hour running record is
#: 319.6 km (Sorokin, 2022) and the 24-hour cycling record 1 026 km (Strasser, 2021);
#: multi-day races are recorded a stage at a time.
MAX_DISTANCE_M = {"running": 350_000.0, "walking": 350_000.0, "hiking": 350_000.0,
                  "cycling": 1_100_000.0, "swimming": 120_000.0}
DEFAULT_MAX_DISTANCE_M = 2_000_000.0
#: No single activity lasts a week.
MAX_DURATION_S = 7 * 86_400.0
DURATIONS = ("moving_time_s", "timer_time_s", "elapsed_time_s")

#: Why an activity is left out, as the data notes say it.
BEFORE_1990 = "dated before 1990 (a device's reset clock)"
TOO_LONG = "longer than anyone covers in one go (over 350 km on foot, 1 100 km by bike)"
TOO_FAST = "faster than the sport allows (over 45 km/h for a run)"


@dataclass
class Screened:
    """The activity table as the analyzers should see it, and what was changed on the way."""

    activities: pd.DataFrame
    #: reason -> number of activities left out for it
    left_out: dict[str, int] = field(default_factory=dict)
    #: activities whose zero, negative or week-long durations were emptied
    durations_emptied: int = 0


def screen(activities: pd.DataFrame) -> Screened:
    """Leave out activities that cannot be true and empty durations that cannot be; count both."""
    frame = activities.copy()
    if frame.empty:
        return Screened(frame)
    durations = frame[list(DURATIONS)]
    impossible = (durations <= 0) | (durations > MAX_DURATION_S)
    frame[list(DURATIONS)] = durations.mask(impossible)

    # The best time to divide by: moving time, else the timer's, else elapsed.
    time_s = frame["moving_time_s"].fillna(frame["timer_time_s"]).fillna(
        frame["elapsed_time_s"])
    max_speed = frame["sport"].map(MAX_SPEED_MPS).fillna(DEFAULT_MAX_SPEED_MPS)
    max_distance = frame["sport"].map(MAX_DISTANCE_M).fillna(DEFAULT_MAX_DISTANCE_M)
    reasons = {
        BEFORE_1990: frame["start_time"].notna() & (frame["start_time"] < EARLIEST_PLAUSIBLE),
        TOO_LONG: frame["distance_m"] > max_distance,
        TOO_FAST: frame["distance_m"] > max_speed * time_s,
    }
    kept = pd.Series(True, index=frame.index)
    left_out: dict[str, int] = {}
    for reason, hit in reasons.items():
        hit = hit.fillna(False).astype(bool) & kept  # each activity counted once
        if hit.any():
            left_out[reason] = int(hit.sum())
            kept &= ~hit
    emptied = int((impossible.any(axis=1) & kept).sum())
    return Screened(frame[kept].reset_index(drop=True), left_out, emptied)
