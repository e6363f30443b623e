"""What the CSV readers share: decoding, the table with line numbers, and cell values.

Rows are read with the ``csv`` module (RFC 4180: a quoted cell may hold delimiters and
newlines), so each row knows the physical line it starts on for error reports. Cell values
are parsed strictly: a value that is not understood raises ``ValueError`` (never a silent
NaN); the caller decides whether that loses the row or only the field.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import vocab

#: Cells that mean "no value" (Garmin writes --, --:--:-- and, since 2024, NaN).
MISSING = frozenset({"", "-", "--", "--:--", "--:--:--", "nan", "n/a", "null", "none"})

#: Delimiters tried on the header row; the one that splits it into the most cells wins.
DELIMITERS = (",", ";", "\t")


#: Years a cell may hold but no activity has; the activity table cannot even store times
#: outside 1677-2262. (Years that are merely implausible, 1970 say, are left to sanity.py.)
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


class RowProblem(ValueError):
    """A row that cannot become an activity. It is reported with its line; the rest counts."""


@dataclass
class Row:
    line: int  # 1-based physical line the row starts on
    cells: list[str]


@dataclass
class Table:
    header: list[str]
    header_line: int
    rows: list[Row]
    #: where reading had to stop (a quoted cell that never closes): the rest is left out
    cut_off: ParseError | None = None


def decode(data: bytes) -> tuple[str, str | None]:
    """The text of a CSV file and, when it was not UTF-8, a note saying what it was read as."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "decoded as UTF-16"
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    # Hand-kept logs saved by Windows spreadsheets are cp1252; the five bytes cp1252 leaves
    # undefined can only be Latin-1.
    try:
        return data.decode("cp1252"), "decoded as cp1252 (not UTF-8)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "decoded as Latin-1 (not UTF-8)"


def clean_name(name: str) -> str:
    """A header cell without BOM, HTML junk (Strava 2020: ``<span ...>Type</span>``) or spaces."""
    name = re.sub(r"<[^>]*>", "", name.replace("\ufeff", ""))
    return re.sub(r"\s+", " ", name).strip()


def _reader(text: str, delimiter: str, *, strict: bool = False) -> Any:  # _csv.reader
    # skipinitialspace: the 2012 Garmin export writes `, "10,20"`; without it the quote after
    # the space would not open a quoted cell.
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True,
                      strict=strict)


def _is_header(cells: list[str]) -> bool:
    return sum(1 for c in cells if c.strip()) >= 2


def _pick_delimiter(text: str) -> str:
    best, best_cells = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        try:
            rows = list(islice(_reader(text, delimiter), 10))
        except csv.Error:
            continue
        header: list[str] = next((r for r in rows if _is_header(r)), [])
        if len(header) > best_cells:
            best, best_cells = delimiter, len(header)
    return best


def read_table(text: str, source: str) -> Table:
    """Split ``text`` into a header and rows, each row with the line it starts on.

    The header is the first row with at least two cells, so a title line above it (the 2012
    Garmin export's ``Aktivitäten von <user>`` and a blank line) is passed over. Blank rows
    are dropped; cells are stripped.
    """
    if "\x00" in text:
        raise ParseError("binary data, not a CSV text file", source, offset=text.index("\x00"))
    delimiter = _pick_delimiter(text)
    rows, stop = _rows(text, delimiter, strict=False)
    if stop is None:
        stop = _unclosed_quote(text, delimiter)
        rows = [r for r in rows if stop is None or r.line < stop[0]]
    if not rows:
        if stop is not None:
            raise ParseError(stop[1], source, line=stop[0])
        raise ParseError("empty CSV file", source)
    at = next((i for i, r in enumerate(rows[:10]) if _is_header(r.cells)), 0)
    header = [clean_name(c) for c in rows[at].cells]
    cut_off = None
    if stop is not None:
        cut_off = ParseError(f"{stop[1]}: the rest of the file is left out", source, line=stop[0])
    return Table(header, rows[at].line, rows[at + 1:], cut_off)


def _rows(text: str, delimiter: str, *, strict: bool) -> tuple[list[Row], tuple[int, str] | None]:
    """The non-blank rows, and (line, reason) of a row the csv module gave up on."""
    reader = _reader(text, delimiter, strict=strict)
    rows: list[Row] = []
    next_line = 1
    try:
        for cells in reader:
            row = Row(next_line, [c.strip() for c in cells])
            next_line = reader.line_num + 1
            if any(row.cells):
                rows.append(row)
    except csv.Error as exc:
        return rows, (next_line, f"CSV syntax: {exc}")
    return rows, None


def _unclosed_quote(text: str, delimiter: str) -> tuple[int, str] | None:
    """(line, reason) of a quoted cell that opens and never closes, or None.

    The lenient reader takes the rest of the file as that one cell; only the strict reader
    tells, by running into the end of the data inside the quotes. (It also refuses a stray
    quote, ``"x"y``, which the lenient reader reads well.)
    """
    _, stop = _rows(text, delimiter, strict=True)
    if stop is not None and "end of data" in stop[1]:
        return stop[0], "quoted cell never closes"
    return None


def name_key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


class Columns:
    """Column indices by name (case-insensitive); a name may occur more than once."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self._at: dict[str, list[int]] = {}
        for index, name in enumerate(header):
            if name:
                self._at.setdefault(name_key(name), []).append(index)

    def find(self, *names: str, occurrence: int = 0) -> int | None:
        """Index of the first of ``names`` present (its ``occurrence``-th copy), or None."""
        for name in names:
            found = self._at.get(name_key(name), [])
            if len(found) > occurrence:
                return found[occurrence]
        return None

    def has(self, *names: str) -> bool:
        return all(self.find(n) is not None for n in names)

    def label(self, index: int) -> str:
        return self.header[index]


def cell(row: Row, index: int | None) -> str:
    """The stripped text of a cell; empty when the column or the cell is absent."""
    if index is None or index >= len(row.cells):
        return ""
    return row.cells[index]


def is_missing(text: str) -> bool:
    return text.strip().casefold() in MISSING


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_GROUPED = {",": re.compile(r"\d{1,3}(,\d{3})+"), ".": re.compile(r"\d{1,3}(\.\d{3})+")}


def parse_number(text: str, *, decimal_comma: bool = False) -> float | None:
    """A number as exports and spreadsheets write it; None for a missing marker.

    Handles thousands separators (``"1,035"``, ``1.035,5``) and decimal commas. A lone
    separator followed by exactly three digits is ambiguous: ``decimal_comma`` (the file's
    decimal mark, see :func:`uses_decimal_comma`) settles it.
    """
    s = re.sub(r"[\s\u00a0\u202f]", "", text)
    if s.casefold() in MISSING:
        return None
    digits = s.lstrip("+-")
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        if _GROUPED[","].fullmatch(digits) and not decimal_comma:
            s = s.replace(",", "")
        else:
            s = s.replace(",", ".")
    elif "." in s and decimal_comma and _GROUPED["."].fullmatch(digits):
        s = s.replace(".", "")
    if not _PLAIN_NUMBER.fullmatch(s):
        raise ValueError(f"not a number: {text!r}")
    value = float(s)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def uses_decimal_comma(values: Iterable[str], *, default: bool) -> bool:
    """Whether a file's numbers use a decimal comma, judged by the cells that can only be read
    one way (``6,29``, ``3322,9499``); ``default`` when none of them can."""
    comma = point = 0
    for value in values:
        s = value.strip()
        if re.fullmatch(r"-?\d+,(\d{1,2}|\d{4,})", s):
            comma += 1
        elif re.fullmatch(r"-?\d+\.(\d{1,2}|\d{4,})", s):
            point += 1
    if comma == point:
        return default
    return comma > point


def parse_clock(text: str) -> float | None:
    """Seconds from ``H:MM:SS`` (tenths allowed: ``00:00:39.3``) or ``M:SS`` (``1:33``, what
    a spreadsheet leaves of a cut time); None for a missing marker."""
    s = text.strip()
    if s.casefold() in MISSING:
        return None
    parts = s.split(":")
    if len(parts) not in (2, 3) or not all(re.fullmatch(r"\d+", p) for p in parts[:-1]):
        raise ValueError(f"not a time: {text!r}")
    if not re.fullmatch(r"\d{1,2}([.,]\d+)?", parts[-1]):
        raise ValueError(f"not a time: {text!r}")
    seconds = float(parts[-1].replace(",", "."))
    minutes = int(parts[-2])
    hours = int(parts[0]) if len(parts) == 3 else 0
    if seconds >= 60 or (len(parts) == 3 and minutes >= 60):
        raise ValueError(f"not a time: {text!r}")
    return hours * 3600 + minutes * 60 + seconds


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "mär": 3, "mrz": 3, "apr": 4, "may": 5, "mai": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12, "dez": 12,
}
_TIME = (r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?"
         r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?")
_DATE_FORMS = [
    # 2024-03-01, 2024-03-01 07:30, 2014-09-12T16:54:28Z
    re.compile(r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})(?:[T ]\s*" + _TIME
               + r")?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"),
    # 29.05.2022, 15:53:35 (German Strava), 25.05.2012 20:31, 01.03.2024 (a hand-kept log)
    re.compile(r"(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\.(?P<y>\d{4})(?:,?\s+" + _TIME + r")?"),
    # May 29, 2022, 3:53:35 PM (Strava); Jun 7, 2012 6:37 AM
    re.compile(r"(?P<mon>[^\W\d_]+)\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4}),?\s+" + _TIME),
    # 25 Mai 2012 20:31 (Garmin 2012, after its weekday); 29. Mai 2022, 15:53:35
    re.compile(r"(?P<d>\d{1,2})\.?\s+(?P<mon>[^\W\d_]+)\.?\s+(?P<y>\d{4}),?\s+" + _TIME),
]


def parse_datetime(text: str) -> tuple[datetime, bool]:
    """A date and time as the exports write them: (datetime, whether a time of day was given).

    The datetime is naive unless the text carries a zone (``Z``, ``+02:00``). A leading weekday
    (``Fr, 25 Mai 2012 20:31``) is ignored. Month names: English and German.
    """
    s = re.sub(r"\s+", " ", text.strip())
    s = re.sub(r"^[^\W\d_]+\.?, (?=\d|[^\W\d_]+\.? \d)", "", s)
    for form in _DATE_FORMS:
        m = form.fullmatch(s)
        if m:
            stated, has_time = _build_datetime(m.groupdict(), text)
            if not EARLIEST_YEAR <= stated.year <= LATEST_YEAR:
                raise ValueError(f"no activity's date: {text!r}")
            return stated, has_time
    raise ValueError(f"not a date: {text!r}")


def _build_datetime(g: dict[str, str | None], text: str) -> tuple[datetime, bool]:
    if g.get("mon"):
        month = _MONTHS.get(str(g["mon"]).casefold()[:3])
        if month is None:
            raise ValueError(f"unknown month in {text!r}")
    else:
        month = int(str(g["mo"]))
    has_time = g.get("h") is not None
    hour = int(g["h"] or 0)
    ampm = (g.get("ampm") or "").replace(".", "").upper()
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError(f"bad 12-hour time in {text!r}")
        hour = hour % 12 + (12 if ampm == "PM" else 0)
    micro = int(((g.get("f") or "") + "000000")[:6])
    try:
        value = datetime(int(str(g["y"])), month, int(str(g["d"])), hour, int(g["mi"] or 0),
                         int(g["s"] or 0), micro)
    except ValueError as exc:
        raise ValueError(f"not a date: {text!r} ({exc})") from exc
    zone = g.get("tz")
    if zone:
        if zone == "Z":
            value = value.replace(tzinfo=timezone.utc)
        else:
            sign = -1 if zone[0] == "-" else 1
            hours, minutes = int(zone[1:3]), int(zone[-2:])
            value = value.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return value, has_time


def utc(value: datetime) -> pd.Timestamp:
    """A datetime the file states in UTC (naive) or with its own zone, as a UTC timestamp."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return pd.Timestamp(value.astimezone(timezone.utc))


def local_to_utc(local: datetime, zone: ZoneInfo) -> tuple[pd.Timestamp, str | None]:
    """A wall-clock time in ``zone`` as UTC, with a note when a clock change makes it doubtful."""
    first = local.replace(tzinfo=zone, fold=0)
    if first.utcoffset() == local.replace(tzinfo=zone, fold=1).utcoffset():
        return utc(first), None
    back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    if back == local:
        note = f"local time {local:%Y-%m-%d %H:%M} occurs twice (clock change): took the first"
    else:
        note = (f"local time {local:%Y-%m-%d %H:%M} does not exist (clock change): "
                f"read with the offset before the change")
    return utc(first), note


def set_sport(act: Activity, activity_type: str) -> None:
    """Sport and sub-sport from an activity type; one vocab does not know is "other", noted."""
    found = vocab.sport_from_type(activity_type)
    if found is None:
        act.sport, act.sub_sport = "other", activity_type or None
        act.note(f"activity type {activity_type!r} not known: sport other")
    else:
        act.sport, act.sub_sport = found


def set_start(act: Activity, stated: datetime, zone: ZoneInfo) -> None:
    """Start from a time the file writes on the athlete's clock (or, rarely, with an offset)."""
    act.local_start = stated.replace(tzinfo=None)
    if stated.tzinfo is not None:
        act.start_time, act.local_start_source = utc(stated), "file (offset)"
        return
    act.local_start_source = "file (local time)"
    act.start_time, clock_note = local_to_utc(act.local_start, zone)
    if clock_note:
        act.note(clock_note)


def optional(act: Activity, label: str, text: str,
             parse: Callable[[str], float | None]) -> float | None:
    """An optional field: a value that cannot be read is left empty and noted on ``act``."""
    try:
        value = parse(text)
    except ValueError:
        act.note(f"{label} {text!r} not understood: left empty")
        return None
    if value is not None and value < 0:
        act.note(f"{label} {text!r} is negative: left empty")
        return None
    return value


def positive(value: float | None) -> float | None:
    """None for 0: exports write 0 where a device recorded nothing (no HR strap, no distance)."""
    return value if value else None


def collect(
    table: Table,
    source: str,
    build: Callable[[Row], Activity],
    what: str,
) -> list[Activity | ParseError]:
    """Build one activity per row; a row that fails becomes a ParseError with its line.

    Raises NotAnActivity for a file without rows and ParseError when no row is usable.
    """
    out: list[Activity | ParseError] = []
    for row in table.rows:
        try:
            out.append(build(row))
        except RowProblem as exc:
            out.append(ParseError(f"row left out: {exc}", source, line=row.line))
    if table.cut_off is not None:
        out.append(table.cut_off)
    if not out:
        raise NotAnActivity(f"{what} with a header and no activity rows", source,
                            line=table.header_line)
    if not any(isinstance(item, Activity) for item in out):
        first = next(item for item in out if isinstance(item, ParseError))
        raise ParseError(f"no usable row in {what} ({len(out)} left out; first: "
                         f"{first.reason.removeprefix('row left out: ')})", source, line=first.line)
    return out
