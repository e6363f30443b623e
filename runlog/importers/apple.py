"""Apple Health export (iPhone Health app → "Export All Health Data"): one activity per
``<Workout>`` of the main XML (FORMATS.md section 9).

The main XML is mostly one-line ``<Record>``\\ s (millions of them in a real export); the
workouts are a few thousand small blocks among them. So the file is not parsed as one tree:
its internal DTD is skipped unparsed (v12's is malformed) after checking it declares no
entity, each ``<Workout>`` block is found by a byte search and parsed alone, and the Watch's
step records are read by pattern only when some foot workout lacks its own step count.

What a workout gives:

* sport from ``workoutActivityType``; ``HKIndoorWorkout`` = 1 makes a run a treadmill run;
* distance from the workout's ``totalDistance`` (exports up to v11), else its own
  ``WorkoutStatistics`` (``DistanceWalkingRunning``, ``DistanceCycling``...), in the unit it
  states; never the ``WorkoutActivity`` copies added to it;
* moving time from ``duration`` (pauses excluded), elapsed time from the dates;
* cadence: the workout's ``StepCount`` statistic ÷ duration (iOS 16+), else the Watch's own
  step records overlapping it, prorated (the iPhone's would add its own count of the same
  steps);
* heart rate from the ``HeartRate`` statistic, elevation gain from ``HKElevationAscended``;
* local time: the instant in ``HKTimeZone`` (the written offset is the exporting phone's);
* its route (``FileReference`` to ``workout-routes/*.gpx`` beside the XML, or 2016-era inline
  ``<Location>``\\ s): distance and ascent when the workout lacks them, GPS jumps; a missing
  route file, or one whose times are not the workout's, is a note.

A session that the iPhone and the Watch both recorded is one activity, the Watch's.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, XMLParser
from xml.etree.ElementTree import ParseError as XmlSyntaxError
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import ReadOptions, reader_boundary, streams, vocab, xmltools

FORMAT = "apple-health"

#: Bytes at the start of a file that tell an Apple Health export: the document type or root.
SNIFF_BYTES = 4096
#: A route file is read up to this size (a 1 Hz route of 10 hours is about 2 MB).
MAX_ROUTE_BYTES = 64 << 20
#: Two workouts of one sport whose starts and ends are this close are one session (s).
SAME_SESSION_S = 120.0
#: A route whose points start or end further than this outside its workout is another's (s).
ROUTE_SLACK_S = 300.0

_TYPE_PREFIX = "HKWorkoutActivityType"
_SPORTS: dict[str, tuple[str, str | None]] = {
    "Running": ("running", None),
    "Walking": ("walking", None),
    "Hiking": ("hiking", None),
    "Cycling": ("cycling", None),
    "HandCycling": ("cycling", "hand cycling"),
    "Swimming": ("swimming", None),
    "TraditionalStrengthTraining": ("strength", None),
    "FunctionalStrengthTraining": ("strength", "functional"),
    "CoreTraining": ("strength", "core"),
    "Rowing": ("rowing", None),
    "PaddleSports": ("paddling", None),
    "CrossCountrySkiing": ("skiing", "cross country"),
    "DownhillSkiing": ("skiing", "downhill"),
    "Snowboarding": ("skiing", "snowboarding"),
    "Yoga": ("yoga", None),
    "Pilates": ("fitness", "pilates"),
    "CrossTraining": ("fitness", "cross training"),
    "MixedCardio": ("fitness", "mixed cardio"),
    "HighIntensityIntervalTraining": ("fitness", "hiit"),
    "Elliptical": ("fitness", "elliptical"),
    "StairClimbing": ("fitness", "stair climbing"),
    "Stairs": ("fitness", "stairs"),
    "Dance": ("fitness", "dance"),
    "Other": ("other", None),
}
#: The workout-level statistic that holds a sport's distance.
_DISTANCE_STATISTIC = {
    "running": "HKQuantityTypeIdentifierDistanceWalkingRunning",
    "walking": "HKQuantityTypeIdentifierDistanceWalkingRunning",
    "hiking": "HKQuantityTypeIdentifierDistanceWalkingRunning",
    "cycling": "HKQuantityTypeIdentifierDistanceCycling",
    "swimming": "HKQuantityTypeIdentifierDistanceSwimming",
    "skiing": "HKQuantityTypeIdentifierDistanceDownhillSnowSports",
}
_STEPS = "HKQuantityTypeIdentifierStepCount"
_HEART_RATE = "HKQuantityTypeIdentifierHeartRate"
_METRES_PER = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "yd": 0.9144, "ft": 0.3048,
               "cm": 0.01, "mm": 0.001, "in": 0.0254}
_SECONDS_PER = {"min": 60.0, "s": 1.0, "sec": 1.0, "hr": 3600.0, "h": 3600.0, "ms": 0.001,
                "d": 86400.0}

_DOCTYPE = re.compile(rb"<!DOCTYPE\s+HealthData\b")
_DTD_END = re.compile(rb"\]\s*>")
_ROOT = re.compile(rb"<HealthData[\s>/]")
_START_TAG = re.compile(rb"""<Workout(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_ATTRIBUTE = re.compile(rb'([A-Za-z_][\w.-]*)\s*=\s*"([^"]*)"')
_TAG_REACH = 8192
_STEP_RECORD = b'"' + _STEPS.encode() + b'"'
#: A step record as real exports write it, on one line, attributes in this order.
_STEP_LINE = re.compile(
    rb'<Record type="HKQuantityTypeIdentifierStepCount" sourceName="([^"]*)"'
    rb'(?: sourceVersion="[^"]*")?(?: device="([^"]*)")? unit="[^"]*"'
    rb'(?: creationDate="[^"]*")? startDate="([^"]*)" endDate="([^"]*)" value="([^"]*)"')
_APPLE_TIME = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ?([+-]\d\d):?(\d\d)")


def sniff(head: bytes) -> bool:
    """True when the first bytes of a file are those of an Apple Health export's main XML
    (whatever its localized name: export.xml, exportar.xml, 导出.xml...)."""
    head = head[:SNIFF_BYTES]
    return bool(_DOCTYPE.search(head) or _ROOT.search(head))


def read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    """The workouts of an Apple Health export's main XML."""
    with reader_boundary("Apple Health export", source):
        return _read(data, source, options)


# --- the document around the workouts ----------------------------------------------------------


def body_start(data: bytes, source: str) -> int:
    """Where the ``<HealthData>`` root starts, after checking the prolog: the internal DTD is
    skipped unparsed, and refused when it declares an entity or points outside the file."""
    if data.startswith(codecs.BOM_UTF8):
        start = 3
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ParseError("an Apple Health export in UTF-16 is not read (Apple writes UTF-8)",
                         source, offset=0)
    else:
        start = 0
    root = _ROOT.search(data, start)
    doctype = data.find(b"<!DOCTYPE", start, root.start() if root else None)
    if doctype >= 0:
        open_subset = data.find(b"[", doctype)
        declaration_end = data.find(b">", doctype)
        head = data[doctype:open_subset if 0 <= open_subset < declaration_end
                    else declaration_end]
        if b"SYSTEM" in head or b"PUBLIC" in head:
            raise ParseError("XML document type declarations (<!DOCTYPE>) that point outside "
                             "the file are not allowed", source, line=_line(data, doctype))
        end = declaration_end + 1
        if 0 <= open_subset < declaration_end:
            closing = _DTD_END.search(data, open_subset)
            if closing is None:
                raise ParseError("the document type declaration is never closed", source,
                                 line=_line(data, doctype))
            end = closing.end()
            subset = data[open_subset:end]
            entity = subset.find(b"<!ENTITY")
            if entity >= 0:
                raise ParseError("XML entity declarations are not allowed", source,
                                 line=_line(data, open_subset + entity))
        root = _ROOT.search(data, end)
    if root is None:
        raise NotAnActivity("not an Apple Health export (no <HealthData> element)", source)
    # Nothing after the DTD may declare anything: a second DOCTYPE or an ENTITY is hostile.
    later = data.find(b"<!ENTITY", root.start())
    if later >= 0:
        raise ParseError("XML entity declarations are not allowed", source,
                         line=_line(data, later))
    return root.start()


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse_block(block: bytes) -> Element:
    parser = XMLParser()
    parser.feed(block)
    return parser.close()


# --- times and quantities -------------------------------------------------------------------


def apple_time(text: str | None) -> pd.Timestamp | None:
    """``2016-11-14 07:25:41 -0700`` as a UTC timestamp (the offset is the exporter's)."""
    if not text:
        return None
    match = _APPLE_TIME.match(text.strip())
    if match is None:
        return None
    day, clock, hours, minutes = match.groups()
    try:
        wall = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    offset = timedelta(hours=int(hours), minutes=int(minutes) * (-1 if hours[0] == "-" else 1))
    if abs(offset) >= timedelta(days=1):
        return None
    return pd.Timestamp((wall - offset).replace(tzinfo=timezone.utc))


def _number(text: str | None) -> float | None:
    return xmltools.finite_number(text)


def _metres(value: float | None, unit: str | None) -> float | None:
    if value is None or unit is None:
        return None
    factor = _METRES_PER.get(unit.strip())
    return None if factor is None else value * factor


def _quantity_metres(text: str | None) -> float | None:
    """``"6575 cm"`` (a metadata quantity) in metres."""
    if not text:
        return None
    parts = text.split()
    if len(parts) != 2:
        return None
    return _metres(_number(parts[0]), parts[1])


# --- one workout --------------------------------------------------------------------------------


@dataclass
class Workout:
    """What a ``<Workout>`` block says, before the routes and step records are joined."""

    activity: Activity
    end_time: pd.Timestamp | None
    source_name: str
    from_watch: bool
    steps: float | None = None  # the workout's own StepCount statistic
    route_files: list[str] = field(default_factory=list)
    locations: list[dict[str, str]] = field(default_factory=list)
    has_route: bool = False  # a <WorkoutRoute> names a route
    route_joined: bool = False


def _is_watch(source_name: str, device: str | None) -> bool:
    if device and "model:" in device:
        return "model:Watch" in device
    return "watch" in source_name.lower()


def _statistics(elem: Element) -> dict[str, dict[str, str]]:
    return {s.get("type", ""): dict(s.attrib) for s in elem if s.tag == "WorkoutStatistics"}


def _metadata(elem: Element) -> dict[str, str]:
    # The whole block may be written twice: the same keys, the same values.
    return {m.get("key", ""): m.get("value", "") for m in elem if m.tag == "MetadataEntry"}


def read_workout(elem: Element, source: str) -> Workout:
    attrs = elem.attrib
    type_text = attrs.get("workoutActivityType", "")
    kind = type_text.removeprefix(_TYPE_PREFIX)
    act = Activity(source=source, format=FORMAT)
    if kind in _SPORTS:
        act.sport, act.sub_sport = _SPORTS[kind]
    else:
        act.sport, act.sub_sport = vocab.sport_from_type(
            re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind)) or ("other", None)
        act.note(f"workout type {type_text!r} read as {act.sport}")
    # Names hold no-break spaces ("Apple\xa0Watch") and trailing spaces: one spelling.
    source_name = " ".join(attrs.get("sourceName", "").split())
    device = attrs.get("device")
    act.device = source_name or None
    act.start_time = apple_time(attrs.get("startDate"))
    end_time = apple_time(attrs.get("endDate"))
    if act.start_time is not None and end_time is not None and end_time >= act.start_time:
        act.elapsed_time_s = (end_time - act.start_time).total_seconds()
    duration = _number(attrs.get("duration"))
    unit = attrs.get("durationUnit", "min")
    if duration is not None and duration >= 0 and unit in _SECONDS_PER:
        act.moving_time_s = act.timer_time_s = duration * _SECONDS_PER[unit]

    activities = [c for c in elem if c.tag == "WorkoutActivity"]
    metadata = {}
    for sub in activities:  # the workout's own entries win
        metadata.update(_metadata(sub))
    metadata.update(_metadata(elem))
    statistics = _statistics(elem)
    inner = [_statistics(sub) for sub in activities]

    if metadata.get("HKIndoorWorkout") == "1":
        if act.sport == "running":
            act.sub_sport = "treadmill"
        elif act.sub_sport is None:
            act.sub_sport = "indoor"
    act.surface, act.surface_source = vocab.infer_surface(
        act.sport, act.sub_sport, None, sub_sport_origin="apple HKIndoorWorkout")

    _distance(act, attrs, statistics, inner)
    heart = statistics.get(_HEART_RATE) or (inner[0].get(_HEART_RATE) if len(inner) == 1
                                             else None)
    if heart:
        act.avg_hr = _number(heart.get("average"))
    act.elevation_gain_m = _quantity_metres(metadata.get("HKElevationAscended"))

    zone_name = metadata.get("HKTimeZone")
    if act.start_time is not None:
        try:
            zone = ZoneInfo(zone_name) if zone_name else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
            act.note(f"unknown HKTimeZone {zone_name!r}")
        if zone is not None:
            act.local_start = act.start_time.tz_convert(zone).tz_localize(None).to_pydatetime()
            act.local_start_source = "file (HKTimeZone)"

    workout = Workout(act, end_time, source_name, _is_watch(source_name, device))
    step_stat = statistics.get(_STEPS)
    if step_stat is not None:
        workout.steps = _number(step_stat.get("sum"))
    for route in elem.iter("WorkoutRoute"):
        workout.has_route = True
        for ref in route.iter("FileReference"):
            path = ref.get("path")
            if path and path not in workout.route_files:
                workout.route_files.append(path)
        workout.locations.extend(dict(loc.attrib) for loc in route.iter("Location"))
    return workout


def _distance(act: Activity, attrs: dict[str, str], statistics: dict[str, dict[str, str]],
              inner: list[dict[str, dict[str, str]]]) -> None:
    total = _metres(_number(attrs.get("totalDistance")), attrs.get("totalDistanceUnit"))
    if total:
        act.distance_m = total
        act.distance_source = f"apple Workout totalDistance ({attrs.get('totalDistanceUnit')})"
        return
    kind = _DISTANCE_STATISTIC.get(act.sport)
    candidates = [kind] if kind else list(dict.fromkeys(_DISTANCE_STATISTIC.values()))
    for name in candidates:
        stat = statistics.get(name)
        if stat is not None:
            metres = _metres(_number(stat.get("sum")), stat.get("unit"))
            if metres:
                act.distance_m = metres
                short = name.removeprefix("HKQuantityTypeIdentifier")
                act.distance_source = f"apple WorkoutStatistics {short} ({stat.get('unit')})"
                return
    for name in candidates:
        # No workout-level figure: each WorkoutActivity (an interval step) holds its part.
        parts = [_metres(_number(s[name].get("sum")), s[name].get("unit"))
                 for s in inner if name in s]
        if parts and all(p is not None for p in parts) and sum(parts):  # type: ignore[misc]
            act.distance_m = float(sum(parts))  # type: ignore[arg-type]
            short = name.removeprefix("HKQuantityTypeIdentifier")
            act.distance_source = (f"apple WorkoutActivity {short} (sum of {len(parts)})"
                                   if len(parts) > 1 else f"apple WorkoutActivity {short}")
            return


# --- step records --------------------------------------------------------------------------------


class StepRecords:
    """The Watch's step-count records: start and end (naive UTC, datetime64[s]) and steps,
    in order of start."""

    def __init__(self, start: np.ndarray, end: np.ndarray, steps: np.ndarray) -> None:
        order = np.argsort(start, kind="stable")
        self.start, self.end, self.steps = start[order], end[order], steps[order]
        self.longest = (self.end - self.start).max() if len(start) else np.timedelta64(0, "s")

    def overlapping(self, start: pd.Timestamp, end: pd.Timestamp) -> float | None:
        """Steps counted within [start, end], each record prorated by its overlap; None
        when no record overlaps."""
        lo = np.datetime64(start.tz_convert(None).to_datetime64(), "s")
        hi = np.datetime64(end.tz_convert(None).to_datetime64(), "s")
        first = np.searchsorted(self.start, lo - self.longest, "left")
        last = np.searchsorted(self.start, hi, "right")
        starts, ends = self.start[first:last], self.end[first:last]
        hit = (starts < hi) & (ends > lo) | ((starts == ends) & (starts >= lo))
        if not hit.any():
            return None
        s, e, n = starts[hit], ends[hit], self.steps[first:last][hit]
        span = (e - s).astype("float64")
        inside = (np.minimum(e, hi) - np.maximum(s, lo)).astype("float64")
        share = np.where(span > 0, np.clip(inside, 0, None) / np.where(span > 0, span, 1), 1.0)
        return float((n * share).sum())


def _watch(source_name: bytes, device: bytes | None) -> bool:
    if device and b"model:" in device:
        return b"model:Watch" in device
    return b"watch" in source_name.lower()


class _StepCollector:
    """The Watch's StepCount records, gathered a region of the file at a time (FORMATS.md
    section 9: the iPhone's count the same steps again)."""

    def __init__(self) -> None:
        self.starts: list[np.ndarray] = []
        self.ends: list[np.ndarray] = []
        self.values: list[np.ndarray] = []

    def scan(self, data: bytes, start: int, end: int) -> None:
        """Read the step records of ``data[start:end]`` (whole tags only, no workout)."""
        expected = data.count(_STEP_RECORD, start, end)
        if not expected:
            return
        rows = _STEP_LINE.findall(data, start, end)
        if len(rows) != expected:  # another attribute order, or pretty-printed: one by one
            rows = list(self._one_by_one(data[start:end]))
        kept = [(start, end, value) for name, device, start, end, value in rows
                if _watch(name, device)]
        if kept:
            self._add(kept)

    @staticmethod
    def _one_by_one(region: bytes) -> Iterator[tuple[bytes, bytes, bytes, bytes, bytes]]:
        pos = 0
        while True:
            at = region.find(_STEP_RECORD, pos)
            if at < 0:
                return
            pos = at + len(_STEP_RECORD)
            # A record's start tag is a few hundred bytes: look no further for its ends.
            open_at = region.rfind(b"<", max(0, at - _TAG_REACH), at)
            close_at = region.find(b">", at, at + _TAG_REACH)
            if open_at < 0 or close_at < 0 or not region.startswith(b"<Record", open_at):
                continue
            attrs = dict(_ATTRIBUTE.findall(region[open_at:close_at]))
            yield (attrs.get(b"sourceName", b""), attrs.get(b"device", b""),
                   attrs.get(b"startDate", b""), attrs.get(b"endDate", b""),
                   attrs.get(b"value", b""))

    def _add(self, rows: list[tuple[bytes, bytes, bytes]]) -> None:
        starts = _utc_seconds([r[0] for r in rows])
        ends = _utc_seconds([r[1] for r in rows])
        values = np.array([_number(r[2].decode("ascii", "replace")) or np.nan for r in rows],
                          dtype="float64")
        good = ~np.isnat(starts) & ~np.isnat(ends) & (values >= 0)
        good[good] &= ends[good] >= starts[good]
        self.starts.append(starts[good])
        self.ends.append(ends[good])
        self.values.append(values[good])

    def records(self) -> StepRecords:
        if not self.starts:
            empty = np.array([], dtype="datetime64[s]")
            return StepRecords(empty, empty, np.array([], dtype="float64"))
        return StepRecords(np.concatenate(self.starts), np.concatenate(self.ends),
                           np.concatenate(self.values))


def _utc_seconds(texts: list[bytes]) -> np.ndarray:
    """``2016-11-14 07:25:41 -0700`` times as naive UTC datetime64[s] (NaT where unreadable),
    converted together: a real export writes them all with one offset."""
    out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[s]")
    by_offset: dict[bytes, list[int]] = {}
    for i, text in enumerate(texts):
        if len(text) == 25 and text[10:11] == b" " and text[19:20] == b" ":
            by_offset.setdefault(text[20:], []).append(i)
    for zone, rows in by_offset.items():
        match = re.fullmatch(rb"([+-])(\d\d)(\d\d)", zone)
        if match is None:
            continue
        minutes = int(match.group(2)) * 60 + int(match.group(3))
        if minutes >= 24 * 60:
            continue
        minutes = -minutes if match.group(1) == b"-" else minutes
        try:
            wall = np.array([texts[i][:19] for i in rows], dtype="S19").astype(
                "U19").astype("datetime64[s]")
        except ValueError:
            for i in rows:
                when = apple_time(texts[i].decode("ascii", "replace"))
                if when is not None:
                    out[i] = np.datetime64(when.tz_convert(None).to_datetime64(), "s")
            continue
        out[rows] = wall - np.timedelta64(minutes, "m")
    return out


def _set_cadence(workout: Workout, records: StepRecords | None) -> None:
    act = workout.activity
    if act.sport not in streams.FOOT_SPORTS or not act.moving_time_s:
        return
    minutes = act.moving_time_s / 60.0
    if workout.steps:
        cadence, origin = workout.steps / minutes, "apple WorkoutStatistics StepCount"
    elif records is not None and act.start_time is not None and workout.end_time is not None:
        steps = records.overlapping(act.start_time, workout.end_time)
        if not steps:
            return
        cadence, origin = steps / minutes, "apple Watch StepCount records"
    else:
        return
    # Below a slow walk's or above a sprint's: steps counted around the workout, not in it.
    if not 30.0 <= cadence <= 260.0:
        act.note(f"{origin} ÷ duration gives {cadence:.0f} steps/min: not used")
        return
    act.cadence_spm = round(cadence, 1)
    act.cadence_source = f"{origin} ÷ duration (steps/min)"


# --- routes ------------------------------------------------------------------------------------


class RouteFiles:
    """The export's route files: read from the folder or archive the main XML is in."""

    def __init__(self, source: str) -> None:
        self.source = source
        if "!" in source:
            archive, member = source.split("!", 1)
            self.archive: Path | None = Path(archive)
            self.root = str(PurePosixPath(member).parent)
            self.folder: Path | None = None
        else:
            self.archive = None
            self.root = ""
            self.folder = Path(source).parent

    def name(self, reference: str) -> str:
        relative = reference.replace("\\", "/").lstrip("/")
        if self.archive is not None:
            member = relative if self.root in ("", ".") else f"{self.root}/{relative}"
            return f"{self.archive}!{member}"
        return str(self.folder / relative)  # type: ignore[operator]

    def listing(self) -> list[str]:
        """The export's route files, as references (``workout-routes/route_....gpx``)."""
        try:
            if self.archive is not None:
                from .archives import _open_zip

                prefix = "" if self.root in ("", ".") else self.root + "/"
                archive = _open_zip(self.archive, self.archive.stat().st_mtime_ns)
                return sorted(n[len(prefix):] for n in archive.namelist()
                              if n.startswith(prefix + "workout-routes/")
                              and n.lower().endswith(".gpx"))
            folder = self.folder / "workout-routes"  # type: ignore[operator]
            return sorted(f"workout-routes/{p.name}" for p in folder.glob("*.gpx")
                          if p.is_file())
        except (OSError, ValueError):
            return []

    def read(self, reference: str) -> bytes | None:
        """The route file's bytes, or None when the export lacks it."""
        from .archives import Item, _climbs_out

        relative = reference.replace("\\", "/").lstrip("/")
        if _climbs_out(relative):
            return None
        try:
            if self.archive is not None:
                member = relative if self.root in ("", ".") else f"{self.root}/{relative}"
                stat = self.archive.stat()
                item = Item(source=f"{self.archive}!{member}", kind="gpx", path=self.archive,
                            member=member, mtime_ns=stat.st_mtime_ns)
            else:
                path = self.folder / relative  # type: ignore[operator]
                # A route is read from inside the export's folder only (no link out of it).
                if not path.is_file() or not path.resolve().is_relative_to(
                        self.folder.resolve()):  # type: ignore[union-attr]
                    return None
                item = Item(source=str(path), kind="gpx", path=path)
            return item.read_bytes(MAX_ROUTE_BYTES)
        except (ParseError, OSError, KeyError):
            return None


def _join_route(workout: Workout, routes: RouteFiles, options: ReadOptions,
                shared: set[str]) -> None:
    act = workout.activity
    for reference in workout.route_files:
        if reference in shared:
            act.note(f"route file {reference} is named by another workout too: not used")
            continue
        data = routes.read(reference)
        if data is None:
            act.note(f"route file {reference} is missing from the export")
            continue
        why_not = _use_route(workout, data, routes.name(reference), reference, options)
        if why_not:
            act.note(f"route file {reference} {why_not}")
    if workout.locations:
        samples = _location_samples(workout.locations)
        summary = streams.summarize(samples, act.sport)
        _take_route(act, summary.track_distance_m, summary.elevation_gain_m, summary.gps_jumps,
                    "inline route")
        workout.route_joined = True


def _use_route(workout: Workout, data: bytes, name: str, reference: str,
               options: ReadOptions) -> str | None:
    """Take what the route file gives the workout; why not, when it gives nothing."""
    from . import gpx

    act = workout.activity
    try:
        found = [a for a in gpx.read(data, name, options) if isinstance(a, Activity)]
    except ParseError as exc:
        return f"not read: {exc.reason}"
    if not found:
        return "holds no track"
    route = found[0]
    if not _route_fits(workout, route.start_time, route.elapsed_time_s):
        return "was recorded at other times: not used"
    _take_route(act, route.distance_m, route.elevation_gain_m, route.gps_jumps,
                f"route {PurePosixPath(reference).name}")
    if act.cadence_spm is None and route.cadence_spm is not None:
        act.cadence_spm, act.cadence_source = route.cadence_spm, route.cadence_source
        act.cadence_histogram = route.cadence_histogram
    elif route.cadence_histogram and not act.cadence_histogram:
        act.cadence_histogram = route.cadence_histogram
    workout.route_joined = True
    return None


#: A route file's name carries a date (the exporter's, so a day either way) and the minute it
#: ended: ``route_2025-09-16_6.15pm.gpx``.
_ROUTE_NAME_DATE = re.compile(r"route_(\d{4}-\d\d-\d\d)_")


def _join_by_time(workouts: list[Workout], routes: RouteFiles, options: ReadOptions) -> None:
    """Route files no workout names, joined to a workout whose route was not found (its
    file missing, or no FileReference) when their times are the workout's."""
    waiting = [w for w in workouts if w.has_route and not w.route_joined
               and w.activity.start_time is not None]
    if not waiting:
        return
    named = {ref.lstrip("/") for w in workouts for ref in w.route_files}
    spare = [ref for ref in routes.listing() if ref.lstrip("/") not in named]
    for workout in waiting:
        day = workout.activity.start_time.date()  # type: ignore[union-attr]
        for reference in list(spare):
            stamp = _ROUTE_NAME_DATE.search(reference)
            if stamp and abs((date.fromisoformat(stamp.group(1)) - day).days) > 1:
                continue
            data = routes.read(reference)
            if data is None:
                continue
            before = len(workout.activity.notes)
            if _use_route(workout, data, routes.name(reference), reference, options) is None:
                workout.activity.note(f"route file /{reference.lstrip('/')} joined by its times")
                spare.remove(reference)
                break
            del workout.activity.notes[before:]


def _route_fits(workout: Workout, start: pd.Timestamp | None, elapsed: float | None) -> bool:
    act = workout.activity
    if start is None or act.start_time is None or workout.end_time is None:
        return True
    end = start + pd.Timedelta(seconds=elapsed or 0)
    slack = pd.Timedelta(seconds=ROUTE_SLACK_S)
    return start >= act.start_time - slack and end <= workout.end_time + slack


def _take_route(act: Activity, distance: float | None, ascent: float | None, jumps: int,
                origin: str) -> None:
    if act.distance_m is None and distance:
        act.distance_m = distance
        act.distance_source = f"{origin} track"
    if act.elevation_gain_m is None and ascent is not None:
        act.elevation_gain_m = ascent
    act.gps_jumps += jumps


def _location_samples(locations: list[dict[str, str]]) -> pd.DataFrame:
    times = [apple_time(loc.get("date")) for loc in locations]
    return streams.make_samples({
        "time": [t.tz_convert(None).to_datetime64() if t is not None else np.datetime64("NaT")
                 for t in times],
        "lat": [_number(loc.get("latitude")) for loc in locations],
        "lon": [_number(loc.get("longitude")) for loc in locations],
        "altitude_m": [_number(loc.get("altitude")) for loc in locations],
        "distance_m": [None] * len(locations),
        "speed_mps": [_number(loc.get("speed")) for loc in locations],
        "heart_rate": [None] * len(locations),
        "cadence": [None] * len(locations),
    })


# --- the whole export ---------------------------------------------------------------------------


#: Bytes read at a time from a stream; a workout block longer than this is read whole.
CHUNK_BYTES = 8 << 20
#: The prolog (declaration, DTD, comments) is a few kilobytes in every export.
MAX_PROLOG_BYTES = 16 << 20
#: A workout is a few kilobytes (an interval session with its steps, some tens).
MAX_WORKOUT_BYTES = 64 << 20


class Scanner:
    """Reads the main XML a chunk at a time: the prolog checked, each ``<Workout>`` parsed on
    its own, the Watch's step records gathered; nothing else kept."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.buffer = b""
        self.offset = 0  # the byte buffer[0] is at
        self.in_body = False
        self.workouts: list[Workout] = []
        self.problems: list[ParseError] = []
        self.steps = _StepCollector()

    def feed(self, chunk: bytes) -> None:
        self.buffer = self.buffer + chunk if self.buffer else chunk
        if not self.in_body:
            if not self._prolog(final=False):
                return
        self._scan(final=False)

    def finish(self) -> None:
        if not self.in_body:
            self._prolog(final=True)
        self._scan(final=True)
        self.buffer = b""

    def _prolog(self, *, final: bool) -> bool:
        data = self.buffer
        if not final and len(data) < MAX_PROLOG_BYTES and _ROOT.search(data) is None:
            return False
        try:
            start = body_start(data, self.source)
        except ParseError as exc:
            if not final and "never closed" in exc.reason and len(data) < MAX_PROLOG_BYTES:
                return False
            raise
        self._drop(start)
        self.in_body = True
        return True

    def _drop(self, upto: int) -> None:
        self.offset += upto
        self.buffer = self.buffer[upto:]

    def _scan(self, *, final: bool) -> None:
        data = self.buffer
        # Whole tags only: what follows the last "<" may be cut (attribute values hold no "<").
        limit = len(data) if final else max(data.rfind(b"<"), 0)
        pos = 0
        while True:
            at = _next_workout(data, pos, limit)
            if at < 0:
                self._records(data, pos, limit)
                self._drop(limit)
                return
            self._records(data, pos, at)
            end = _workout_end(data, at)
            if end < 0:
                if not final and len(data) - at <= MAX_WORKOUT_BYTES:
                    self._drop(at)
                    return
                end = len(data)
            self._workout(data, at, end)
            pos = end
            if pos > limit:
                limit = pos

    def _records(self, data: bytes, start: int, end: int) -> None:
        # Nothing here is parsed as XML (a declaration past the DTD could only reach expat
        # inside a workout block, where it is a syntax error): the step records are read by
        # pattern, the rest passed over.
        if end > start:
            self.steps.scan(data, start, end)

    def _workout(self, data: bytes, start: int, end: int) -> None:
        try:
            elem = parse_block(data[start:end])
        except XmlSyntaxError as exc:
            reason = re.sub(r": line \d+, column \d+$", "", str(exc))
            # Lines are not counted in a file of millions (a byte offset says where).
            line, column = exc.position
            self.problems.append(ParseError(
                f"workout not read: not well-formed XML: {reason} (its line {line}, column "
                f"{column})", self.source, offset=self.offset + start))
            return
        self.workouts.append(read_workout(elem, self.source))


def _next_workout(data: bytes, pos: int, limit: int) -> int:
    """Where the next ``<Workout`` start tag is in ``data[pos:limit]``, or -1."""
    while True:
        at = data.find(b"<Workout", pos, limit)
        if at < 0 or data[at + 8:at + 9] in (b" ", b"\n", b"\t", b"\r", b">", b"/", b""):
            return at
        pos = at + 8  # <WorkoutRoute>, <WorkoutEvent>... outside a workout


def _workout_end(data: bytes, at: int) -> int:
    """The end of the workout element starting at ``at``; -1 when not in ``data`` yet."""
    # The start tag's end: a ">" outside quotes (attribute values may hold one).
    tag = _START_TAG.match(data, at)
    if tag is not None and tag.group(1):
        return tag.end()
    close = data.find(b"</Workout>", tag.end() if tag else at)
    return -1 if close < 0 else close + len(b"</Workout>")


def read_stream(chunks: Iterable[bytes], source: str, options: ReadOptions
                ) -> list[Activity | ParseError]:
    """The workouts of a main XML given as successive chunks of its bytes."""
    with reader_boundary("Apple Health export", source):
        scanner = Scanner(source)
        for chunk in chunks:
            scanner.feed(chunk)
        scanner.finish()
        return _activities(scanner, source, options)


def _read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    scanner = Scanner(source)
    scanner.feed(data)
    scanner.finish()
    return _activities(scanner, source, options)


def _activities(scanner: Scanner, source: str, options: ReadOptions
                ) -> list[Activity | ParseError]:
    workouts = scanner.workouts
    out: list[Activity | ParseError] = list(scanner.problems)
    if not workouts:
        if out:  # every workout was left out: the file as a whole is not read
            raise out[0]
        raise NotAnActivity("an Apple Health export with no workouts", source)
    records = None
    if any(w.activity.sport in streams.FOOT_SPORTS and not w.steps for w in workouts):
        records = scanner.steps.records()
    routes = RouteFiles(source)
    named = [ref for w in workouts for ref in w.route_files]
    shared = {ref for ref in named if named.count(ref) > 1} if len(named) != len(
        set(named)) else set()
    for workout in workouts:
        _set_cadence(workout, records)
        _join_route(workout, routes, options, shared)
    _join_by_time(workouts, routes, options)
    for workout in workouts:
        act = workout.activity
        if act.local_start is None:
            act.note("no HKTimeZone: local time from the settings (the file's offset is the "
                     "exporting phone's)")
    out.extend(w.activity for w in one_per_session(workouts))
    return out


def one_per_session(workouts: list[Workout]) -> list[Workout]:
    """Workouts, with a session the iPhone and the Watch both recorded kept once (the
    Watch's): same sport, starts and ends within :data:`SAME_SESSION_S`."""
    kept: list[Workout] = []
    ordered = sorted(workouts, key=lambda w: (w.activity.start_time is None,
                                              w.activity.start_time or pd.Timestamp(0, tz="UTC")))
    close = pd.Timedelta(seconds=SAME_SESSION_S)
    for workout in ordered:
        recent = []  # kept sessions that start close enough before this one (kept is in order)
        for k in reversed(kept):
            if (workout.activity.start_time is not None and k.activity.start_time is not None
                    and workout.activity.start_time - k.activity.start_time > 2 * close):
                break
            recent.append(k)
        twin = next((k for k in recent if _same_session(k, workout)), None)
        if twin is None:
            kept.append(workout)
            continue
        if workout.from_watch and not twin.from_watch:
            kept[kept.index(twin)] = workout
            workout, twin = twin, workout
        twin.activity.note(f"the same session recorded by {workout.source_name or 'another app'}"
                           " left out")
    order = {id(w): i for i, w in enumerate(workouts)}
    return sorted(kept, key=lambda w: order[id(w)])


def _same_session(a: Workout, b: Workout) -> bool:
    if a.activity.sport != b.activity.sport or a.source_name == b.source_name:
        return False
    if None in (a.activity.start_time, b.activity.start_time, a.end_time, b.end_time):
        return False
    close = pd.Timedelta(seconds=SAME_SESSION_S)
    return (abs(a.activity.start_time - b.activity.start_time) <= close  # type: ignore[operator]
            and abs(a.end_time - b.end_time) <= close)  # type: ignore[operator]
