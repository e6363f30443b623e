"""Garmin Connect ``Activities.csv`` (the activity list's "Export CSV"; FORMATS.md section 2).

Columns are found by name in English, Danish, Polish and the German 2012 layout (a title line
``Aktivitäten von <user>``, a blank line, leading spaces, decimal commas, ``Fr, 25 Mai 2012
20:31`` dates, a trailing comma). The column set varies per export, so every column but the
activity type and the date is optional.

Two things the file does not say:

* **Where ``Date`` is.** It has no zone: it is read as the athlete's wall clock
  (``options.timezone``).
* **The distance unit.** It follows the user's display setting. ``options.garmin_csv_units``
  settles it; otherwise it is inferred per file from running rows, where stride length
  (metres even in imperial exports) x cadence x time, or steps x stride length, gives metres
  to compare with ``Distance``. Elevation is in feet when the distance is in miles; pool swim
  distances are in metres (yards).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

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
    positive,
    set_sport,
    set_start,
    uses_decimal_comma,
)
from .streams import FOOT_SPORTS

FORMAT = "garmin-csv"

# What each column is called in the export languages seen (EN, DA, PL, DE 2012).
ROLES: dict[str, tuple[str, ...]] = {
    "type": ("Activity Type", "Aktivitetstype", "Typ aktywności", "Aktivitätstyp"),
    "date": ("Date", "Dato", "Data", "Start"),
    "title": ("Title", "Titel", "Tytuł", "Activity Name", "Aktivitätsname"),
    "distance": ("Distance", "Dystans", "Distanz"),
    "time": ("Time", "Tid", "Czas", "Zeit"),
    "moving": ("Moving Time", "Bevægelsestid", "Czas ruchu"),
    "elapsed": ("Elapsed Time", "Forløbet tid", "Upłynęło czasu"),
    "avg_hr": ("Avg HR", "Gns. puls", "Średnie tętno", "Ø HF"),
    "cadence": ("Avg Run Cadence", "Gns. løbekadence", "Średnia kadencja biegu"),
    "stride": ("Avg Stride Length", "Gns. skridtlængde", "Średnia długość kroku"),
    "steps": ("Steps", "Skridt", "Kroki"),
    "ascent": ("Total Ascent", "Elev Gain", "Elevation Gain", "Samlet stigning",
               "Całkowity wznios", "Höhengewinn"),
}

METRES_PER = {"km": 1000.0, "mi": 1609.344}
#: Swim distances are written in the pool unit: metres, or yards for imperial users.
SWIM_METRES_PER = {"km": 1.0, "mi": 0.9144}
FEET_M = 0.3048
#: Estimated metres / Distance must be within this factor of 1000 or 1609 to name the unit.
UNIT_TOLERANCE = 1.2


def matches(header: list[str]) -> bool:
    columns = Columns(header)
    return (columns.find(*ROLES["type"]) is not None and columns.find(*ROLES["date"]) is not None
            and (columns.find(*ROLES["distance"]) is not None
                 or columns.find(*ROLES["time"]) is not None))


@dataclass
class _Pending:
    """A row read but for its distance and ascent, which wait for the file's unit."""

    act: Activity
    distance: float | None = None  # in the file's unit
    ascent: float | None = None  # metres or feet
    stride_m: float | None = None
    cadence_spm: float | None = None
    steps: float | None = None


def read(table: Table, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    columns = Columns(table.header)
    at = {role: columns.find(*names) for role, names in ROLES.items()}
    legacy_german = columns.find("Aktivitätstyp") is not None
    samples = (cell(row, at[role]) for row in table.rows
               for role in ("distance", "ascent", "stride", "avg_hr"))
    decimal_comma = uses_decimal_comma(samples, default=legacy_german)
    pending: list[_Pending] = []

    def build(row: Row) -> Activity:
        item = _read_row(row, at, columns, decimal_comma, source, options)
        pending.append(item)
        return item.act

    results = collect(table, source, build, "Garmin Connect Activities.csv")
    unit = _distance_unit(pending, options)
    for item in pending:
        _apply_unit(item, unit)
    return results


def _read_row(row: Row, at: dict[str, int | None], columns: Columns, decimal_comma: bool,
              source: str, options: ReadOptions) -> _Pending:
    act = Activity(source=source, format=FORMAT)
    when = cell(row, at["date"])
    if is_missing(when):
        raise RowProblem("no date")
    try:
        stated, _ = parse_datetime(when)
    except ValueError as exc:
        raise RowProblem(f"date {when!r} not understood") from exc
    set_start(act, stated, options.zone)

    def number(text: str) -> float | None:
        return parse_number(text, decimal_comma=decimal_comma)

    def value(role: str, parse: Callable[[str], float | None] = number) -> float | None:
        index = at[role]
        if index is None:
            return None
        return optional(act, columns.label(index), cell(row, index), parse)

    act.name = cell(row, at["title"]) or None
    set_sport(act, cell(row, at["type"]))

    act.timer_time_s = positive(value("time", parse_clock))
    act.moving_time_s = positive(value("moving", parse_clock))
    act.elapsed_time_s = positive(value("elapsed", parse_clock))
    moving_in_file = act.moving_time_s is not None
    _times_from_timer(act)
    act.avg_hr = positive(value("avg_hr"))

    item = _Pending(act, distance=positive(value("distance")), ascent=value("ascent"))
    if act.sport in FOOT_SPORTS:
        item.cadence_spm = positive(value("cadence"))
        item.stride_m = positive(value("stride"))
        item.steps = positive(value("steps"))
        if item.cadence_spm is not None:
            act.cadence_spm = round(item.cadence_spm, 1)
            act.cadence_source = "garmin csv Avg Run Cadence (steps/min)"
        elif item.steps is not None and at["cadence"] is None:
            _cadence_from_steps(act, item.steps, moving_in_file)
    act.surface, act.surface_source = vocab.infer_surface(
        act.sport, act.sub_sport, act.name, sub_sport_origin="garmin activity type")
    return item


#: Steps over time outside this range (steps/min) count something else than the activity.
STEPS_CADENCE_RANGE = (40.0, 260.0)


def _cadence_from_steps(act: Activity, steps: float, moving_in_file: bool) -> None:
    """Exports without an Avg Run Cadence column still have Steps (FORMATS.md section 11):
    steps ÷ Moving Time (else Time) in minutes is steps/min, both feet, walking included."""
    seconds = act.moving_time_s if moving_in_file else act.timer_time_s
    if not seconds:
        return
    cadence = steps / (seconds / 60.0)
    low, high = STEPS_CADENCE_RANGE
    how = "moving time" if moving_in_file else "time"
    if not low <= cadence <= high:
        act.note(f"Steps ÷ {how} gives {cadence:.0f} steps/min: not used as the cadence")
        return
    act.cadence_spm = round(cadence, 1)
    act.cadence_source = f"garmin csv steps ÷ {how}"


def _times_from_timer(act: Activity) -> None:
    """Exports whose column set lacks Moving or Elapsed Time still have Time (timer time):
    the closest stand-in, noted."""
    if act.timer_time_s is None:
        return
    filled = []
    if act.moving_time_s is None:
        act.moving_time_s = act.timer_time_s
        filled.append("moving")
    if act.elapsed_time_s is None:
        act.elapsed_time_s = act.timer_time_s
        filled.append("elapsed")
    if filled:
        act.note(f"{' and '.join(filled)} time taken from Time (timer time)")


@dataclass(frozen=True)
class _Unit:
    name: str  # "km" or "mi"
    how: str  # "from settings", "inferred", "assumed"
    note: str | None = None  # what every activity of the file is told


def _distance_unit(rows: list[_Pending], options: ReadOptions) -> _Unit:
    """The file's distance unit: from the settings, or inferred from its running rows."""
    if options.garmin_csv_units:
        return _Unit(options.garmin_csv_units, "from settings")
    checks: dict[str, list[float]] = {"stride length x cadence": [], "steps x stride length": []}
    for row in rows:
        act = row.act
        if not row.distance or not row.stride_m or act.sport not in FOOT_SPORTS:
            continue
        seconds = act.moving_time_s or act.timer_time_s or act.elapsed_time_s
        if row.cadence_spm and seconds:
            metres = row.stride_m * row.cadence_spm / 60.0 * seconds
            checks["stride length x cadence"].append(metres / row.distance)
        if row.steps:
            checks["steps x stride length"].append(row.steps * row.stride_m / row.distance)
    tried = [how for how, ratios in checks.items() if ratios]
    for how in tried:
        ratio = statistics.median(checks[how])
        for unit, metres in METRES_PER.items():
            if abs(math.log(ratio / metres)) < math.log(UNIT_TOLERANCE):
                return _Unit(unit, "inferred", f"distance unit inferred as {unit} from {how}")
    if tried:
        return _Unit("km", "assumed", f"distance unit assumed km ({' and '.join(tried)} "
                                      f"fit neither km nor mi)")
    return _Unit("km", "assumed",
                 "distance unit assumed km (nothing in the file to check it against)")


def _apply_unit(row: _Pending, unit: _Unit) -> None:
    act = row.act
    if row.distance is not None:
        if act.sport == "swimming":
            pool_unit = "m" if unit.name == "km" else "yd"
            act.distance_m = row.distance * SWIM_METRES_PER[unit.name]
            act.distance_source = f"garmin csv Distance ({pool_unit}, swimming)"
        else:
            act.distance_m = row.distance * METRES_PER[unit.name]
            act.distance_source = f"garmin csv Distance ({unit.name}, {unit.how})"
    if row.ascent is not None:
        act.elevation_gain_m = row.ascent * (FEET_M if unit.name == "mi" else 1.0)
    if unit.note:
        act.note(unit.note)
