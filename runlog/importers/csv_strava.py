"""Strava bulk export ``activities.csv`` (FORMATS.md sections 1.2 and 1.3).

Four headers are read, all mapped to the current English column names:

* the current title-case layout (79, 94 or 103 columns; ``Elapsed Time``, ``Distance``,
  ``Max Heart Rate``, ``Relative Effort`` and ``Commute`` appear twice: the first
  ``Distance`` is km, the second metres);
* the same in German (``Aktivitäts-ID``, ``Aktivitätsdatum``, ...; day-first dates, decimal
  commas);
* the 2020 header with HTML ``<span ...>Type</span>`` junk (removed by
  :func:`~runlog.importers.csv_common.clean_name`);
* the old (before mid-2019) ``id,date,name,type,...,filename`` layout: ISO dates, metres.

``Activity Date`` is UTC. ``Filename`` is the join key to the activity file; the caller joins.
"""

from __future__ import annotations

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
    parse_datetime,
    parse_number,
    positive,
    set_sport,
    uses_decimal_comma,
    utc,
)
from .streams import FOOT_SPORTS, cadence_is_per_foot

FORMAT = "strava-csv"

# German export header -> English, for the columns read here; names from
# martin-ueding/geo-activity-playground strava-csv-mapping.json and issues #191, #393.
GERMAN_NAMES = {
    "Aktivitäts-ID": "Activity ID",
    "Aktivitätsdatum": "Activity Date",
    "Name der Aktivität": "Activity Name",
    "Aktivitätsart": "Activity Type",
    "Aktivitätsbeschreibung": "Activity Description",
    "Verstrichene Zeit": "Elapsed Time",
    "Distanz": "Distance",
    "Aktivitätsausrüstung": "Activity Gear",
    "Dateiname": "Filename",
    "Bewegungszeit": "Moving Time",
    "Höhenzunahme": "Elevation Gain",
    "Durchschnittliche Trittfrequenz": "Average Cadence",
    "Durchschnittliche Herzfrequenz": "Average Heart Rate",
    "Stoppuhr-Zeit": "Timer Time",
}

# The old layout's lower-case names -> current names. Its distance is metres.
OLD_NAMES = {
    "id": "Activity ID",
    "date": "Activity Date",
    "name": "Activity Name",
    "type": "Activity Type",
    "description": "Activity Description",
    "elapsed_time": "Elapsed Time",
    "distance": "Distance",
    "commute": "Commute",
    "gear": "Activity Gear",
    "filename": "Filename",
}

# Columns whose numbers show the file's decimal mark.
NUMBER_COLUMNS = ("Distance", "Elapsed Time", "Moving Time", "Elevation Gain", "Average Cadence",
                  "Average Heart Rate")


def layout(header: list[str]) -> str | None:
    """"current", "german" or "old" when ``header`` is a Strava activities.csv header."""
    columns = Columns(header)
    if columns.has("Activity ID", "Activity Date"):
        return "current"
    if columns.has("Aktivitäts-ID", "Aktivitätsdatum"):
        return "german"
    if columns.has("id", "date", "type", "elapsed_time", "filename"):
        return "old"
    return None


def is_gear_catalogue(header: list[str]) -> bool:
    """Strava's shoes.csv / bikes.csv (and the old layout's name,brand,model)."""
    columns = Columns(header)
    return (columns.has("Shoe Name") or columns.has("Bike Name")
            or (columns.has("name", "brand", "model") and len(header) <= 5))


def read(table: Table, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    kind = layout(table.header)
    if kind == "german":
        header = [GERMAN_NAMES.get(name, name) for name in table.header]
    elif kind == "old":
        header = [OLD_NAMES.get(name.lower(), name) for name in table.header]
    else:
        header = table.header
    columns = Columns(header)
    samples = (cell(row, columns.find(name, occurrence=n))
               for row in table.rows for name in NUMBER_COLUMNS for n in (0, 1))
    decimal_comma = uses_decimal_comma(samples, default=kind == "german")
    return collect(table, source, lambda row: _activity(row, columns, kind, decimal_comma, source),
                   "Strava activities.csv")


def _activity(row: Row, columns: Columns, kind: str | None, decimal_comma: bool,
              source: str) -> Activity:
    act = Activity(source=source, format=FORMAT)
    when = cell(row, columns.find("Activity Date"))
    if is_missing(when):
        raise RowProblem("no Activity Date")
    try:
        act.start_time = utc(parse_datetime(when)[0])
    except ValueError as exc:
        raise RowProblem(f"Activity Date {when!r} not understood") from exc

    def number(name: str, occurrence: int = 0) -> float | None:
        index = columns.find(name, occurrence=occurrence)
        if index is None:
            return None
        return optional(act, name, cell(row, index),
                        lambda text: parse_number(text, decimal_comma=decimal_comma))

    native_id = cell(row, columns.find("Activity ID"))
    # A spreadsheet round trip turns the id into a float: 12070555079.0
    act.native_id = native_id.removesuffix(".0") or None
    act.name = cell(row, columns.find("Activity Name")) or None
    set_sport(act, cell(row, columns.find("Activity Type")))

    metres = number("Distance", 1)
    if metres is not None:
        act.distance_m, act.distance_source = metres, "strava csv Distance (m)"
    else:
        first = number("Distance")
        if first is not None and kind == "old":
            act.distance_m, act.distance_source = first, "strava csv distance (m)"
        elif first is not None:
            act.distance_m, act.distance_source = first * 1000.0, "strava csv Distance (km)"

    elapsed = number("Elapsed Time", 1)
    act.elapsed_time_s = elapsed if elapsed is not None else number("Elapsed Time")
    act.moving_time_s = number("Moving Time")
    act.timer_time_s = positive(number("Timer Time"))
    act.avg_hr = positive(number("Average Heart Rate"))
    act.elevation_gain_m = number("Elevation Gain")

    if act.sport in FOOT_SPORTS:
        _cadence(act, positive(number("Average Cadence")))
        gear = cell(row, columns.find("Activity Gear"))
        if gear:
            act.shoe, act.shoe_source = gear, "strava activity gear"
    act.surface, act.surface_source = vocab.infer_surface(
        act.sport, act.sub_sport, act.name, sub_sport_origin="strava activity type")
    act.linked_file = cell(row, columns.find("Filename")) or None
    return act


def _cadence(act: Activity, value: float | None) -> None:
    """Strava's run cadence is strides per minute (one foot), so it is doubled; a value that is
    already at step rates (some uploads) is kept as it is."""
    if value is None:
        return
    if cadence_is_per_foot(value, act.sport):
        act.cadence_spm = round(value * 2.0, 1)
        act.cadence_source = "strava csv Average Cadence x2 (per foot)"
    else:
        act.cadence_spm = round(value, 1)
        act.cadence_source = "strava csv Average Cadence (steps/min)"
        act.note("strava Average Cadence already in steps/min: not doubled")
