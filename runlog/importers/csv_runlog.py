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

A file is recognised as a runlog CSV by a ``date`` column plus a distance column. Column names
may also be German, French, Spanish or Dutch (:data:`LOCALIZED_COLUMNS`: ``Datum``, ``Art``,
``Distanz in km``, ``Dauer``...; a unit after a distance's name, ``in km``, ``(km)``, ``en
km``, makes it ``distance_km``), and a localized log's dates may be day-first
(``01.03.2024``, ``01/03/2024``, ``01-03-2024``). Example::

    date,distance,duration,type,surface,shoe,cadence,avg_hr,name,notes
    2024-03-01 07:30,10 km,52:10,Run,road,Pegasus 40,172,148,Easy ten,felt good
    2024-03-03,6.2 mi,1:01:30,Trail Run,,Speedgoat 5,,,,
"""

from __future__ import annotations

import re
from datetime import time

from ..errors import ParseError
from ..model import Activity
from . import ReadOptions, csv_garmin, vocab
from .csv_common import (
    Columns,
    Row,
    RowProblem,
    Table,
    cell,
    collect,
    is_missing,
    name_key,
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
    # German, French, Spanish, Dutch
    "straße": "road", "strasse": "road", "laufband": "treadmill",
    "bahn": "track", "tartanbahn": "track", "gras": "grass", "rasen": "grass",
    "waldweg": "trail", "gelände": "trail", "route": "road", "bitume": "road",
    "piste": "track", "tapis": "treadmill", "tapis de course": "treadmill",
    "herbe": "grass", "sable": "sand", "sentier": "trail", "chemin": "trail",
    "carretera": "road", "asfalto": "road", "pista": "track", "cinta": "treadmill",
    "césped": "grass", "cesped": "grass", "hierba": "grass", "arena": "sand",
    "sendero": "trail", "montaña": "trail", "weg": "road", "asfalt": "road",
    "baan": "track", "atletiekbaan": "track", "loopband": "treadmill", "zand": "sand",
    "bos": "trail", "onverhard": "trail",
}
#: Date-only rows are put at midday, the time least likely to move the run to another day.
DATE_ONLY_TIME = time(12, 0)

_DISTANCE = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)\.?", re.IGNORECASE)
_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*(h|min|s)", re.IGNORECASE)
_DURATION = re.compile(r"(?:\d+(?:[.,]\d+)?\s*(?:h|min|s)\s*)+", re.IGNORECASE)


#: Column names of hand-kept logs in German, French, Spanish and Dutch, by the runlog name
#: they stand for (compared as Columns compares: case and spacing aside).
LOCALIZED_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("datum", "date", "jour", "fecha", "día", "dia"),
    "distance": ("distanz", "strecke", "entfernung", "distance", "distancia", "afstand"),
    # a column named after its unit holds bare numbers in it
    "distance_km": ("km", "kilometer", "kilometers", "kilomètres", "kilometres",
                    "kilómetros", "kilometros"),
    "duration": ("dauer", "zeit", "laufzeit", "durée", "duree", "temps", "duración",
                 "duracion", "tiempo", "duur", "tijd"),
    "type": ("art", "typ", "sportart", "aktivität", "aktivitaet", "sport", "activité",
             "activite", "tipo", "deporte", "actividad", "soort", "activiteit"),
    "surface": ("untergrund", "belag", "boden", "terrain", "revêtement", "revetement",
                "superficie", "terreno", "ondergrond"),
    "shoe": ("schuh", "schuhe", "laufschuh", "chaussure", "chaussures", "zapatilla",
             "zapatillas", "zapato", "zapatos", "schoen", "schoenen"),
    "cadence": ("kadenz", "schrittfrequenz", "cadence", "cadencia", "cadans",
                "pasfrequentie"),
    "avg_hr": ("puls", "herzfrequenz", "hf", "ø puls", "durchschnittspuls", "fc",
               "fc moyenne", "fréquence cardiaque", "frecuencia cardiaca", "fc media",
               "pulso", "pulsaciones", "hartslag", "gem. hartslag", "gemiddelde hartslag"),
    "name": ("name", "titel", "bezeichnung", "nom", "titre", "nombre", "título", "titulo",
             "naam"),
    "notes": ("notizen", "notiz", "bemerkung", "bemerkungen", "kommentar", "remarques",
              "remarque", "commentaire", "notas", "nota", "comentario", "notities",
              "opmerking", "opmerkingen"),
}
_LOCALIZED = {name_key(alias): runlog for runlog, aliases in LOCALIZED_COLUMNS.items()
              for alias in aliases}
#: "Distanz in km", "Distance (km)", "Distancia en km", "Afstand [km]", "Strecke km".
_NAME_WITH_UNIT = re.compile(r"(?P<name>.+?)\s*(?:\(|\[)?\s*(?:in|en|em)?\s*"
                             r"(?P<unit>km|mi|m|meter|metern|mètres|metros|meters)\s*[)\]]?",
                             re.IGNORECASE)
_UNIT_NAMES = {"km": "km", "mi": "mi", "m": "m", "meter": "m", "metern": "m", "mètres": "m",
               "metros": "m", "meters": "m"}
#: A localized log's dates: day first (01/03/2024, 01-03-2024), with an optional time.
_DAY_FIRST = re.compile(r"(?P<d>\d{1,2})[/-](?P<mo>\d{1,2})[/-](?P<y>\d{4})(?P<rest>.*)")


#: The column names of the runlog CSV itself.
COLUMN_NAMES = frozenset({"date", *DISTANCE_COLUMNS, "duration", "type", "surface", "shoe",
                          "cadence", "avg_hr", "name", "notes"})


def runlog_header(header: list[str]) -> tuple[list[str], bool]:
    """The header with localized column names as runlog's own, and whether any was."""
    out = []
    localized = False
    for name in header:
        key = name_key(name)
        if key in _LOCALIZED and key not in COLUMN_NAMES:
            out.append(_LOCALIZED[key])
            localized = True
            continue
        m = _NAME_WITH_UNIT.fullmatch(key)
        if m and key not in COLUMN_NAMES:
            base = _LOCALIZED.get(name_key(m["name"]), name_key(m["name"]))
            if base == "distance":
                out.append(f"distance_{_UNIT_NAMES[m['unit'].casefold()]}")
                localized = localized or name_key(m["name"]) != "distance"
                continue
        out.append(name)
    return out, localized


def matches(header: list[str]) -> bool:
    # A Garmin Connect export in a language its reader does not know (German "Aktivitätstyp,
    # Datum, ..., Distanz") is no hand-kept log: refused as an unknown header, not misread.
    if Columns(header).find(*csv_garmin.ROLES["type"]) is not None:
        return False
    columns = Columns(runlog_header(header)[0])
    return columns.has("date") and columns.find(*DISTANCE_COLUMNS) is not None


def what_is_missing(header: list[str]) -> str:
    """What a header lacks to be a runlog CSV, for the error that refuses it."""
    columns = Columns(runlog_header(header)[0])
    lacking = [what for what, present in (
        ("a date column", columns.has("date")),
        ("a distance column (distance with its unit, or distance_km, distance_mi, "
         "distance_m)", columns.find(*DISTANCE_COLUMNS) is not None)) if not present]
    return (f"a runlog CSV needs {' and '.join(lacking)}; German, French, Spanish and "
            f"Dutch column names are read too")


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
    header, localized = runlog_header(table.header)
    columns = Columns(header)
    return collect(table, source,
                   lambda row: _activity(row, columns, source, options, localized),
                   "runlog CSV")


def _activity(row: Row, columns: Columns, source: str, options: ReadOptions,
              localized: bool = False) -> Activity:
    act = Activity(source=source, format=FORMAT)

    def text(name: str) -> str:
        return cell(row, columns.find(name))

    _start(act, text("date"), options, day_first=localized)
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


def _start(act: Activity, text: str, options: ReadOptions, *, day_first: bool = False) -> None:
    if is_missing(text):
        raise RowProblem("no date")
    day_month = _DAY_FIRST.fullmatch(text.strip()) if day_first else None
    if day_month:
        text = (f"{day_month['y']}-{int(day_month['mo']):02d}-{int(day_month['d']):02d}"
                f"{day_month['rest']}")
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
