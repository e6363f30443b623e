"""CSV files: which kind a file is, told from its header, and the reader for it.

Kinds read (each in its own module):

* Strava bulk export ``activities.csv``, current, German, 2020 and old layouts
  (:mod:`.csv_strava`, format ``strava-csv``);
* Garmin Connect ``Activities.csv`` in English, Danish, Polish and the German 2012 layout
  (:mod:`.csv_garmin`, format ``garmin-csv``);
* the runlog CSV a runner keeps by hand (:mod:`.csv_runlog`, format ``runlog-csv``; its
  columns are documented there).

Files refused: Strava's gear catalogues (``shoes.csv``, ``bikes.csv``) and FitCSVTool dumps of
FIT files are :class:`~runlog.errors.NotAnActivity`; any other header is
:class:`~runlog.errors.UnsupportedFormat`.

Decoding: UTF-8 with or without BOM, else cp1252/Latin-1 (noted on every activity).
Delimiters: comma, semicolon or tab, whichever splits the header into the most cells. Bad rows
are returned as ParseError items with the line they start on; the other rows still count.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import NotAnActivity, ParseError, UnsupportedFormat
from ..model import Activity
from . import ReadOptions, csv_garmin, csv_runlog, csv_strava
from .csv_common import Table, decode, read_table

TableReader = Callable[[Table, str, ReadOptions], "list[Activity | ParseError]"]

#: Header test -> reader, tried in order (a Strava header also has Garmin-like names).
KINDS: list[tuple[Callable[[list[str]], bool], TableReader]] = [
    (lambda header: csv_strava.layout(header) is not None, csv_strava.read),
    (csv_garmin.matches, csv_garmin.read),
    (csv_runlog.matches, csv_runlog.read),
]

#: How many header cells an "unrecognised header" error names.
HEADER_CELLS_SHOWN = 4


def read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    """Read a CSV file of activities (see the module docstring for the kinds)."""
    try:
        return _read(data, source, options)
    except ParseError:
        raise
    except Exception as exc:  # the reader boundary: nothing but ParseError leaves a reader
        raise ParseError(f"CSV not readable: {type(exc).__name__}: {exc}", source) from exc


def _read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    text, decoding_note = decode(data)
    table = read_table(text, source)
    _refuse_non_activities(table, source)
    for test, reader in KINDS:
        if test(table.header):
            results = reader(table, source, options)
            break
    else:
        shown = ", ".join(repr(name) for name in table.header[:HEADER_CELLS_SHOWN])
        more = ", ..." if len(table.header) > HEADER_CELLS_SHOWN else ""
        raise UnsupportedFormat(f"unrecognised CSV header: {shown}{more} "
                                f"({csv_runlog.what_is_missing(table.header)})", source,
                                line=table.header_line)
    if decoding_note:
        for item in results:
            if isinstance(item, Activity):
                item.note(decoding_note)
    return results


def _refuse_non_activities(table: Table, source: str) -> None:
    header = [name.casefold() for name in table.header]
    if header[:3] == ["type", "local number", "message"]:
        raise NotAnActivity("a FitCSVTool dump of a FIT file; read the .fit itself", source)
    if csv_strava.is_gear_catalogue(table.header):
        raise NotAnActivity("Strava gear catalogue, not activities", source)
