"""Turning the activity table into text a person or another program reads.

Formatting only: no analysis here. Used by the ``activities`` command (table, csv, json).
"""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from typing import Any

import pandas as pd

from .model import COLUMNS

#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Characters a terminal acts on rather than shows: C0 and C1 controls (an escape sequence in
#: a name could retitle the window or clear the screen) and bidirectional overrides.
_TERMINAL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return json_value(value.item())
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


#: Columns a listing may carry beyond the table's own (runlog.selection adds the shoe each
#: run counts against).
EXTRA_COLUMNS = ("assigned_shoe",)


def _columns(frame: pd.DataFrame) -> list[str]:
    return list(COLUMNS) + [c for c in EXTRA_COLUMNS if c in frame.columns]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The table as JSON-ready dicts, one per activity, every column."""
    names = _columns(frame)
    out = []
    for row in frame.itertuples(index=False):
        out.append({name: json_value(getattr(row, name)) for name in names})
    return out


def to_json(frame: pd.DataFrame) -> str:
    return json.dumps(records(frame), indent=2, ensure_ascii=False) + "\n"


def safe_cell(value: Any) -> Any:
    """Neutralise text cells a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = _columns(frame)
    writer.writerow(names)
    for record in records(frame):
        row = []
        for name in names:
            value = record[name]
            if isinstance(value, dict):
                value = json.dumps(value, separators=(",", ":"))
            row.append("" if value is None else safe_cell(value))
        writer.writerow(row)
    return buffer.getvalue()


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``, ``1 activity``, ``0 activities``."""
    if count == 1:
        return f"{count} {noun}"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return f"{count} {noun[:-1]}ies"
    return f"{count} {noun}s"


def format_duration(seconds: float | None) -> str:
    """Always hours:minutes:seconds (``0:52:10``, ``0:00:00``): ``52:10`` beside
    ``12:04:00`` reads as twelve hours against fifty-two."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def format_pace(seconds: float | None, metres: float | None, metres_per_unit: float) -> str:
    if not seconds or not metres or math.isnan(seconds) or math.isnan(metres) or metres <= 0:
        return "-"
    per_unit = seconds / (metres / metres_per_unit)
    minutes, secs = divmod(round(per_unit), 60)
    return f"{minutes}:{secs:02d}"


def printable(text: str) -> str:
    """``text`` on one line, without characters a terminal would act on."""
    return _TERMINAL_CONTROL.sub("", " ".join(text.split()))


def _char_width(char: str) -> int:
    """Terminal columns of one character: 2 for wide ones (CJK, most emoji), 0 for combining
    marks and zero-width ones."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if "\ufe00" <= char <= "\ufe0f":  # variation selectors
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (``len`` counts an emoji as one)."""
    return sum(_char_width(c) for c in text)


def _take(text: str, width: int, from_end: bool = False) -> str:
    out: list[str] = []
    used = 0
    for char in reversed(text) if from_end else text:
        used += _char_width(char)
        if used > width:
            break
        out.append(char)
    return "".join(reversed(out) if from_end else out)


def fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns; cut in the middle (``Nike Peg…(blue)``) so that
    names alike at the start (three pairs of one model) stay told apart by their end."""
    if display_width(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    tail = (width - 1) // 3 if width >= 9 else 0
    head = _take(text, width - 1 - tail)
    end = _take(text, tail, from_end=True) if tail else ""
    return head.rstrip() + "…" + end.lstrip()


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` columns (on the left when ``right``)."""
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def _text(value: Any, width: int) -> str:
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    return pad(fit(printable(text), width), width)


def to_table(frame: pd.DataFrame, units: str, metres_per_unit: float) -> str:
    """A fixed-width listing that fits 100 columns: one line per activity."""
    header = (f"{'date':<16} {'sport':<9} {'dist ' + units:>8} {'time':>8} "
              f"{'pace/' + units:>8} {'spm':>4} {'surface':<9} {'shoe':<14} name")
    lines = [header, "-" * len(header)]
    # the shoe a run counts against where it is known, else the one its file names
    assigned = "assigned_shoe" in frame.columns
    row: Any  # a namedtuple pandas makes at run time: its fields hold whatever the cells do
    for row in frame.itertuples(index=False):
        shoe = row.assigned_shoe if assigned and isinstance(row.assigned_shoe, str) else row.shoe
        when = row.local_start
        date = "no date" if pd.isna(when) else pd.Timestamp(when).strftime("%Y-%m-%d %H:%M")
        dist = "-" if pd.isna(row.distance_m) else f"{row.distance_m / metres_per_unit:.2f}"
        moving = row.moving_time_s if not pd.isna(row.moving_time_s) else row.timer_time_s
        cadence = "-" if pd.isna(row.cadence_spm) else f"{row.cadence_spm:.0f}"
        lines.append(
            f"{date:<16} {_text(row.sport, 9)} {dist:>8} {format_duration(moving):>8} "
            f"{format_pace(moving, row.distance_m, metres_per_unit):>8} {cadence:>4} "
            f"{_text(row.surface, 9)} {_text(shoe, 14)} {_text(row.name, 30)}".rstrip()
        )
    return "\n".join(lines) + "\n"


TOTALS_COLUMNS = ("period", "runs", "distance", "moving_time_s", "longest_run", "complete")


def totals_table(rows: list[dict[str, Any]], units: str) -> str:
    """Totals per period, one line each; a period still running is marked "(so far)"."""
    header = (f"{'period':<18} {'runs':>5} {'distance ' + units:>12} {'moving':>10} "
              f"{'longest ' + units:>11}")
    lines = [header, "-" * len(header)]
    for row in rows:
        period = row["period"] + ("" if row["complete"] else " (so far)")
        longest = "-" if row["longest_run"] is None else f"{row['longest_run']:.2f}"
        lines.append(f"{period:<18} {row['runs']:>5} {row['distance']:>12.2f} "
                     f"{format_duration(row['moving_time_s']):>10} {longest:>11}")
    return "\n".join(lines) + "\n"


def totals_csv(rows: list[dict[str, Any]]) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TOTALS_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in TOTALS_COLUMNS])
    return buffer.getvalue()
