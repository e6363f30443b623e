"""The runlog CSV: a plain log a runner keeps by hand (format ``runlog-csv``).

- Header row required; column names case-insensitive, surrounding spaces ignored; unknown
  columns are ignored.
- ``date`` (required): ``2024-03-01`` or ``2024-03-01 07:30`` (or ``T`` separator), the
  runner's local time (``options.zone``); date-only rows start at 12:00 local, noted.
- ``distance`` (required unless ``distance_km``/``distance_mi``/``distance_m`` is used): a
  number with a unit: ``10 km``, ``10km``, ``6.2 mi``, ``800 m``, ``5000m``; a bare number is a
  row problem ("distance needs a unit"). Alternatively a ``distance_km``, ``distance_mi`` or
  ``distance_m`` column with bare numbers. Decimal point or comma.
- ``duration`` (optional): ``45:12`` (MM:SS), ``1:02:03`` (H:MM:SS), or ``3600s``/``45min``;
  sets moving_time_s and elapsed_time_s.
- ``cadence`` (optional): steps per minute (both feet), source "runlog csv cadence
  (steps/min)". A run's cadence under 120 (a walk's under 80) counts one foot, as some apps
  show it: it is doubled, source "runlog csv cadence x2 (per foot)".
- ``surface`` (optional): road, trail, track, treadmill, grass, sand (also
  street/asphalt/concrete → road, turf → grass); surface_source "runlog csv"; otherwise
  inferred from type/name.
- ``shoe`` (optional): shoe name, shoe_source "runlog csv".
- ``type`` (optional, default Run): any activity type vocab knows (Run, Trail Run, Walk, Ride,
  Swim, Strength, Yoga...).
- ``name`` (optional), ``avg_hr`` (optional, bpm), ``notes`` (optional, free text: ignored).

A file is recognised as a runlog CSV by a ``date`` column plus a distance column. Example::

    date,distance,duration,type,surface,shoe,cadence,avg_hr,name,notes
    2024-03-01 07:30,10 km,52:10,Run,road,Pegasus 40,172,148,Easy ten,felt good
    2024-03-03,6.2 mi,1:01:30,Trail Run,,Speedgoat 5,,,,
"""

from __future__ import annotations

import re
from datetime import time

from ..errors import ParseError
from ..model import Activity
from . import ReadOptions, vocab
from .csv_common import (
    Columns,
    Row,
    RowProblem,
    Table,
    cell,
    collect,
    is_missing,
    optional,
    parse_clock,
    parse_datetime,
    parse_number,
    set_sport,
    set_start,
)
from .streams import FOOT_SPORTS, cadence_is_per_foot

FORMAT = "runlog-csv"

UNIT_METRES = {"km": 1000.0, "mi": 1609.344, "m": 1.0}
#: How people write the units by hand (a log's "10K", "13.1 miles", "5 kms", "800 metres").
UNIT_SPELLINGS = {
    "km": "km", "k": "km", "kms": "km", "kilometer": "km", "kilometers": "km",
    "kilometre": "km", "kilometres": "km",
    "mi": "mi", "mile": "mi", "miles": "mi",
    "m": "m", "meter": "m", "meters": "m", "metre": "m", "metres": "m",
}
#: Race distances written by name; the marathon is 42.195 km by World Athletics' rules.
NAMED_DISTANCES_M = {"marathon": 42195.0, "half marathon": 21097.5, "half-marathon": 21097.5}
DISTANCE_COLUMNS = ("distance", "distance_km", "distance_mi", "distance_m")
SURFACE_WORDS = {
    "road": "road", "street": "road", "asphalt": "road", "concrete": "road",
    "trail": "trail", "track": "track", "treadmill": "treadmill",
    "grass": "grass", "turf": "grass", "sand": "sand",
}
#: Date-only rows are put at midday, the time least likely to move the run to another day.
DATE_ONLY_TIME = time(12, 0)

_DISTANCE = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)\.?", re.IGNORECASE)
_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*(h|min|s)", re.IGNORECASE)
_DURATION = re.compile(r"(?:\d+(?:[.,]\d+)?\s*(?:h|min|s)\s*)+", re.IGNORECASE)


def matches(header: list[str]) -> bool:
    columns = Columns(header)
    return columns.has("date") and columns.find(*DISTANCE_COLUMNS) is not None


def parse_distance(text: str) -> float:
    """Metres from ``10 km``, ``6.2 mi``, ``800 m``, ``5000m`` (decimal point or comma), and
    as people write them by hand: ``10K``, ``13.1 miles``, ``800 metres``, ``Half marathon``."""
    named = NAMED_DISTANCES_M.get(" ".join(text.casefold().split()))
    if named is not None:
        return named
    m = _DISTANCE.fullmatch(text.strip())
    if m and m[2].casefold() in UNIT_SPELLINGS:
        return float(m[1].replace(",", ".")) * UNIT_METRES[UNIT_SPELLINGS[m[2].casefold()]]
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text.strip()):
        raise RowProblem(f"distance {text!r} needs a unit (km, mi or m)")
    raise RowProblem(f"distance {text!r} not understood")


def parse_duration(text: str) -> float | None:
    """Seconds from ``45:12`` (MM:SS), ``1:02:03`` (H:MM:SS), ``3600s``, ``45min``, ``1h 5min``."""
    s = text.strip()
    if ":" in s or s.casefold() in ("", "--"):
        return parse_clock(s)
    if not _DURATION.fullmatch(s):
        raise ValueError(f"not a duration: {text!r}")
    factor = {"h": 3600.0, "min": 60.0, "s": 1.0}
    return sum(float(n.replace(",", ".")) * factor[u.lower()]
               for n, u in _DURATION_PART.findall(s))


def read(table: Table, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    columns = Columns(table.header)
    return collect(table, source, lambda row: _activity(row, columns, source, options),
                   "runlog CSV")


def _activity(row: Row, columns: Columns, source: str, options: ReadOptions) -> Activity:
    act = Activity(source=source, format=FORMAT)

    def text(name: str) -> str:
        return cell(row, columns.find(name))

    _start(act, text("date"), options)
    act.distance_m, act.distance_source = _distance(row, columns)

    set_sport(act, text("type") or "Run")
    act.name = text("name") or None

    duration = optional(act, "duration", text("duration"), parse_duration)
    act.moving_time_s = act.elapsed_time_s = duration
    act.avg_hr = optional(act, "avg_hr", text("avg_hr"), parse_number) or None
    cadence = optional(act, "cadence", text("cadence"), parse_number) or None
    if cadence is not None and act.sport not in FOOT_SPORTS:
        act.note(f"cadence left out: steps/min mean nothing for {act.sport}")
    elif cadence is not None and cadence_is_per_foot(cadence, act.sport):
        # a log copied from an app that shows one foot (86 where a watch shows 172), the
        # stream readers' test on the row's own value: one row is one activity
        act.cadence_spm = round(cadence * 2.0, 1)
        act.cadence_source = "runlog csv cadence x2 (per foot)"
        act.note(f"cadence {cadence:g} counts one foot: doubled")
    elif cadence is not None:
        act.cadence_spm, act.cadence_source = cadence, "runlog csv cadence (steps/min)"
    shoe = text("shoe")
    if shoe:
        act.shoe, act.shoe_source = shoe, "runlog csv"

    surface = text("surface")
    stated = SURFACE_WORDS.get(surface.casefold())
    if stated:
        act.surface, act.surface_source = stated, "runlog csv"
    else:
        if surface:
            act.note(f"surface {surface!r} not known: inferred instead")
        act.surface, act.surface_source = vocab.infer_surface(
            act.sport, act.sub_sport, act.name, sub_sport_origin="runlog csv type")
    return act


def _start(act: Activity, text: str, options: ReadOptions) -> None:
    if is_missing(text):
        raise RowProblem("no date")
    try:
        stated, has_time = parse_datetime(text)
    except ValueError as exc:
        raise RowProblem(f"date {text!r} not understood") from exc
    if not has_time:
        stated = stated.replace(hour=DATE_ONLY_TIME.hour, minute=DATE_ONLY_TIME.minute)
        act.note("no start time: 12:00 local assumed")
    set_start(act, stated, options.zone)


def _distance(row: Row, columns: Columns) -> tuple[float, str]:
    for name in DISTANCE_COLUMNS:
        value = cell(row, columns.find(name))
        if is_missing(value):
            continue
        if name == "distance":
            return parse_distance(value), "runlog csv distance"
        unit = name.removeprefix("distance_")
        try:
            number = parse_number(value, decimal_comma=True)
        except ValueError as exc:
            raise RowProblem(f"{name} {value!r} not understood") from exc
        if number is None or number < 0:
            raise RowProblem(f"{name} {value!r} not understood")
        return number * UNIT_METRES[unit], f"runlog csv {name}"
    raise RowProblem("no distance")
