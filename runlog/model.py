"""The activity table: its columns, their units, and the record readers fill in; and what
analysis hands the renderers: :class:`Flag` and :class:`Report`.

Every importer returns :class:`Activity` records; :func:`to_frame` turns them into the one
normalized table (a plain pandas DataFrame) whose schema is :data:`COLUMNS`. Units are SI
inside: metres, seconds, steps per minute, beats per minute. The analyzers fill a
:class:`Report` and the renderers read it; both depend on it here, neither on the other.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import date as date_type
from datetime import datetime
from html import escape
from typing import Any, NamedTuple

import pandas as pd

from .choices import SPORTS as SPORTS
from .choices import SURFACES as SURFACES
from .errors import RunlogError


class Column(NamedTuple):
    dtype: str  # "str", "float", "int", "utc", "local", "object"
    unit: str
    description: str


#: The activity table, column by column. Order here is the order in the table.
COLUMNS: dict[str, Column] = {
    "activity_id": Column("str", "", "stable id: content hash of the source plus the index in it"),
    "athlete": Column("str", "", "whose activity (folder name, config or --athlete)"),
    "source": Column("str", "", "file path; inside an archive 'archive.zip!member'"),
    "format": Column("str", "", "fit, gpx, tcx, strava-csv, garmin-csv, runlog-csv, "
                     "apple-health, polar"),
    "start_time": Column("utc", "UTC", "start of the activity"),
    "local_start": Column("local", "athlete's clock", "start on the athlete's wall clock"),
    "local_start_source": Column("str", "", "file (FIT local_timestamp, offset), config, machine"),
    "sport": Column("str", "", "running, walking, hiking, cycling, swimming, strength, ..."),
    "sub_sport": Column("str", "", "finer kind as the source names it (trail, treadmill, ...)"),
    "name": Column("str", "", "the activity's title"),
    "distance_m": Column("float", "m", "total distance"),
    "distance_source": Column("str", "", "where distance_m comes from (session, laps, track, csv)"),
    "moving_time_s": Column("float", "s", "time in motion: pauses and stops excluded"),
    "elapsed_time_s": Column("float", "s", "wall-clock time from start to end"),
    "timer_time_s": Column("float", "s", "the device's timer time (pauses excluded)"),
    "cadence_spm": Column("float", "steps/min", "median over moving running samples"),
    "cadence_source": Column("str", "", "field and conversion the cadence came from"),
    "cadence_histogram": Column("object", "s per step/min", "{spm: seconds} over moving samples"),
    "avg_hr": Column("float", "bpm", "average heart rate"),
    "elevation_gain_m": Column("float", "m", "total ascent"),
    "surface": Column("str", "", "road, trail, track, treadmill, grass, sand or unknown"),
    "surface_source": Column("str", "", "where the surface came from"),
    "shoe": Column("str", "", "shoe name"),
    "shoe_source": Column("str", "", "where the shoe came from"),
    "device": Column("str", "", "manufacturer/product or the app that wrote the file"),
    "gps_jumps": Column("int", "", "track points dropped as impossible jumps"),
    "notes": Column("str", "", "what was corrected, inferred or merged, '; '-separated"),
}

HARD_SURFACES = frozenset({"road"})
SOFT_SURFACES = frozenset({"trail", "track", "treadmill", "grass", "sand"})


@dataclass(slots=True)
class Activity:
    """One activity as a reader found it. Readers fill what their file says."""

    source: str
    format: str
    start_time: pd.Timestamp | None = None
    sport: str = "other"
    sub_sport: str | None = None
    name: str | None = None
    distance_m: float | None = None
    distance_source: str | None = None
    moving_time_s: float | None = None
    elapsed_time_s: float | None = None
    timer_time_s: float | None = None
    cadence_spm: float | None = None
    cadence_source: str | None = None
    cadence_histogram: dict[int, float] = field(default_factory=dict)
    avg_hr: float | None = None
    elevation_gain_m: float | None = None
    surface: str = "unknown"
    surface_source: str | None = None
    shoe: str | None = None
    shoe_source: str | None = None
    local_start: datetime | None = None
    local_start_source: str | None = None
    device: str | None = None
    gps_jumps: int = 0
    notes: list[str] = field(default_factory=list)
    activity_id: str | None = None
    athlete: str | None = None
    #: the id the producing service gave it (Strava Activity ID, Garmin activity id)
    native_id: str | None = None
    #: Strava export join key: the file this CSV row points to (not a table column)
    linked_file: str | None = None

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def to_record(self) -> dict[str, Any]:
        """A JSON-friendly dict of every field (timestamps as ISO strings)."""
        # Every field is a plain value but these two containers: copied, not deep-copied
        # (dataclasses.asdict recursed through them, a fifth of a stored file's cost).
        out = {name: getattr(self, name) for name in _ACTIVITY_FIELDS}
        out["notes"] = list(self.notes)
        if self.start_time is not None:
            out["start_time"] = pd.Timestamp(self.start_time).isoformat()
        if self.local_start is not None:
            out["local_start"] = pd.Timestamp(self.local_start).isoformat()
        out["cadence_histogram"] = {str(k): v for k, v in self.cadence_histogram.items()}
        return out

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Activity:
        data = dict(record)
        known = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        if data.get("start_time"):
            data["start_time"] = pd.Timestamp(data["start_time"])
        if data.get("local_start"):
            data["local_start"] = pd.Timestamp(data["local_start"]).to_pydatetime()
        data["cadence_histogram"] = {
            int(k): float(v) for k, v in (data.get("cadence_histogram") or {}).items()
        }
        data["notes"] = list(data.get("notes") or [])
        return cls(**data)


#: Activity's field names, in order.
_ACTIVITY_FIELDS = tuple(f.name for f in dataclasses.fields(Activity))


def empty_frame() -> pd.DataFrame:
    return to_frame([])


def to_frame(activities: list[Activity]) -> pd.DataFrame:
    """Build the activity table from records, sorted by start time, schema-checked."""
    rows = []
    for act in activities:
        row = {}
        for name in COLUMNS:
            value = getattr(act, name)
            if name == "notes":
                value = "; ".join(value) if value else None
            row[name] = value
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for name, col in COLUMNS.items():
        if col.dtype == "float":
            frame[name] = pd.to_numeric(frame[name], errors="raise").astype("float64")
        elif col.dtype == "int":
            frame[name] = frame[name].fillna(0).astype("int64")
        elif col.dtype == "utc":
            frame[name] = pd.to_datetime(frame[name], utc=True).astype("datetime64[ns, UTC]")
        elif col.dtype == "local":
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
        elif col.dtype == "str":
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    frame = frame.sort_values(["start_time", "source"], kind="stable", na_position="last")
    frame = frame.reset_index(drop=True)
    validate(frame)
    return frame


def validate(frame: pd.DataFrame) -> None:
    """Raise RunlogError if ``frame`` does not follow :data:`COLUMNS`."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise RunlogError(f"activity table lacks columns: {', '.join(missing)}")
    if len(frame) and str(frame["start_time"].dtype) != "datetime64[ns, UTC]":
        raise RunlogError(f"start_time must be UTC datetimes, not {frame['start_time'].dtype}")
    bad_sport = set(frame["sport"].dropna()) - set(SPORTS)
    if bad_sport:
        raise RunlogError(f"unknown sport values: {sorted(bad_sport)}")
    bad_surface = set(frame["surface"].dropna()) - set(SURFACES)
    if bad_surface:
        raise RunlogError(f"unknown surface values: {sorted(bad_surface)}")
    for name in ("distance_m", "moving_time_s", "elapsed_time_s", "timer_time_s"):
        negative = frame[name] < 0
        if negative.any():
            raise RunlogError(f"{name} is negative for {int(negative.sum())} activities")


class Severity(enum.IntEnum):
    """How much a flag asks for attention; ordered info < warning < alert."""

    INFO = 1
    WARNING = 2
    ALERT = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (info, warning or alert)") from None


#: How strong the evidence behind a flag is (EVIDENCE.md); "data" marks a flag about the
#: history itself (its dates), which rests on no study.
EVIDENCE_LEVELS = ("strong", "moderate", "weak", "guideline", "data")
#: Stronger evidence ranks higher: at equal severity, the flag with the stronger study behind
#: it is listed (and ranked in coach mode) first.
EVIDENCE_RANK = {level: len(EVIDENCE_LEVELS) - i for i, level in enumerate(EVIDENCE_LEVELS)}


@dataclass(frozen=True)
class Flag:
    """One finding: a pattern that went with more injuries in studies of runners.

    ``date`` is the day it concerns; ``end`` is set when it concerns a range (``date`` to
    ``end``). ``value`` and ``threshold`` are in the units named by the message.
    """

    code: str
    severity: Severity
    title: str
    message: str
    date: date_type
    evidence: str
    source: str
    end: date_type | None = None
    activity_id: str | None = None
    value: float | None = None
    threshold: float | None = None

    def __post_init__(self) -> None:
        if self.evidence not in EVIDENCE_LEVELS:
            raise ValueError(f"evidence must be one of {EVIDENCE_LEVELS}, not {self.evidence!r}")

    @property
    def last_day(self) -> date_type:
        return self.end or self.date

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "title": self.title,
            "message": self.message,
            "date": self.date.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "activity_id": self.activity_id,
            "value": None if self.value is None else round(float(self.value), 4),
            "threshold": None if self.threshold is None else round(float(self.threshold), 4),
            "evidence": self.evidence,
            "source": self.source,
        }


# --- what analysis hands the renderers ---------------------------------------------------------

DISCLAIMER = (
    "These flags describe patterns that, in studies of groups of runners, went with more "
    "injuries. They are not a diagnosis and do not predict that you will be injured. Pain that "
    "persists, shoots down the legs, or stops you standing straight needs a doctor."
)
#: EVIDENCE.md, "Wording": said once in every report, beside the disclaimer.
PREVIOUS_INJURY_NOTE = ("Previous injury is the strongest known risk factor and is not in "
                        "watch data.")

REPORT_SCHEMA = "runlog.report/1"
#: "Next" of a report whose analyzers worked nothing out (no figures at all)
_NO_NEXT: dict[str, Any] = {"run": None, "week": None, "shoes": [], "notes": []}


@dataclass
class Report:
    """What runlog has to say about one athlete's history as of one day."""

    athlete: str | None
    as_of: date_type
    units: str
    window_start: date_type
    flags: list[Flag]  # current: dated inside the window, worst first
    history: list[Flag]  # older flags, newest first
    figures: dict[str, Any]
    summary: dict[str, Any]
    data_notes: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    #: parts of files left out (a CSV row whose distance was not understood...)
    left_out: list[dict[str, str]] = field(default_factory=list)

    @property
    def worst(self) -> Flag | None:
        return self.flags[0] if self.flags else None

    def totals(self, period: str = "month") -> list[dict[str, Any]]:
        """Running per calendar ``period`` (week, month or year), oldest first: ``period``,
        ``runs``, ``distance`` (the report's units), ``moving_time_s``, ``longest_run``,
        ``complete``."""
        if period == "week":
            return [{"period": w["week_start"], "runs": w["runs"], "distance": w["distance"],
                     "moving_time_s": w["moving_time_s"], "longest_run": w.get("longest_run"),
                     "complete": w["complete"]} for w in self.figures.get("weeks", [])]
        if period not in ("month", "year"):
            raise ValueError(f"unknown period {period!r}: week, month or year")
        return list(self.figures.get("totals", {}).get(f"{period}s", []))

    @property
    def next(self) -> dict[str, Any]:
        """What to do next: the longest run and the most for next week that raise no flag,
        and the shoes due (the report's "Next" section; JSON ``next``)."""
        found: dict[str, Any] = self.figures.get("next", _NO_NEXT)
        return found

    def render(self, fmt: str = "text") -> str:
        """The report as ``text``, ``markdown``, ``html`` (one self-contained page) or
        ``json``: the same bytes ``runlog report --format FMT`` prints."""
        from .report import render

        return render(self, fmt)

    def _repr_html_(self) -> str:
        """A notebook shows the HTML report in a frame of its own, so its styles stay in it."""
        page = self.render("html")
        return (f'<iframe title="{escape(self.title)}" srcdoc="{escape(page)}" '
                'style="width: 100%; height: 40rem; border: 1px solid #ddd"></iframe>')

    @property
    def title(self) -> str:
        who = f" for {self.athlete}" if self.athlete else ""
        return f"runlog report{who}, as of {self.as_of.isoformat()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "athlete": self.athlete,
            "as_of": self.as_of.isoformat(),
            "units": self.units,
            "window": {"start": self.window_start.isoformat(), "end": self.as_of.isoformat()},
            "summary": self.summary,
            "flags": [f.to_dict() for f in self.flags],
            "history": [f.to_dict() for f in self.history],
            "shoes": self.figures.get("shoes", []),
            "shoes_unassigned": self.figures.get("shoes_unassigned", {}),
            "weeks": self.figures.get("weeks", []),
            "surfaces": self.figures.get("surfaces", {}),
            "cadence": self.figures.get("cadence", {}),
            "variety": self.figures.get("variety", {}),
            "history_span": self.figures.get("history", {}),
            "totals": self.figures.get("totals", {"months": [], "years": []}),
            "next": self.next,
            "spike_ceiling": self.figures.get("spike_ceiling", []),
            "injuries": self.figures.get("injuries", []),
            "injury_precursors": self.figures.get("injury_precursors", {}),
            "data_notes": list(self.data_notes),
            "skipped": list(self.skipped),
            "left_out": list(self.left_out),
            "disclaimer": DISCLAIMER,
            "note": PREVIOUS_INJURY_NOTE,
        }
