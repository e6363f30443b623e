"""TCX reader: Garmin Training Center activities (FORMATS.md sections 1.4, 3, 4.2 and 7).

The standard library's ElementTree parses the file once :mod:`.xmltools` has cleaned it;
elements are matched by local name because producers disagree on namespaces (Strava's
``<TPX>`` redeclares the default one, some files have none). Each ``<Activity>`` (also inside
a ``<MultiSportSession>``) is one activity. Laps give distance and timer time; trackpoints
give the rest through :func:`.streams.fill_from_samples`. A lap's second ``<Track>`` is a
pause (Garmin and Polar start one when the timer stops); a new lap is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import ReadOptions, streams, vocab, xmlpatterns, xmltools
from .xmltools import children, descendants, number_at, text_at

FORMAT = "tcx"
RUN_CADENCE_FIELD = "tcx TPX RunCadence"
CORE_CADENCE_FIELD = "tcx Cadence"
LAP_CADENCE_FIELD = "tcx lap AvgRunCadence"

#: Local start and UTC offset in a file name: ``2020-12-02T06_08_29-300_Running.tcx``.
_NAME_LOCAL_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})T(\d{2})[_:.-](\d{2})[_:.-](\d{2})([+-]\d{3,4})(?!\d)")
#: How far the file name's time may be from the file's own start and still be the same.
NAME_TIME_TOLERANCE = pd.Timedelta(seconds=60)
#: A device ID that some creators append to their name: "Forerunner305 (Unit ID 3815748186)".
_DEVICE_ID_SUFFIX = re.compile(r"\s*\([^)]*\bID\b[^)]*\)\s*$", re.IGNORECASE)


def read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    """One activity per <Activity>; NotAnActivity for a course or a file without activities."""
    try:
        return _read(data, source)
    except ParseError:
        raise
    except Exception as exc:  # the reader boundary: nothing else may escape
        raise ParseError(f"unreadable TCX: {exc}", source) from exc


#: The ways to read a TCX: trackpoints by pattern where the layout allows, else the tree (the
#: default); the tree alone (the reference the pattern is tested against).
PATHS = ("pattern", "tree")


def _read(data: bytes, source: str, *, path: str = "pattern") -> list[Activity | ParseError]:
    found = _read_by_pattern(data, source) if path == "pattern" else None
    doc, cut = found if found is not None else (xmltools.parse(data, source), [])
    root_name = xmltools.local_name(doc.root.tag)
    # runpandas' malformed.tcx has lost its <TrainingCenterDatabase>: <Activities> is the root.
    if root_name not in ("TrainingCenterDatabase", "Activities"):
        raise ParseError(f"not a TCX file: the root element is <{root_name}>", source)
    elements = list(descendants(doc.root, "Activity"))
    if not elements:
        raise NotAnActivity(_why_no_activity(doc.root), source)
    author = _device_name(text_at(doc.root, "Author", "Name"))
    name_time = local_time_from_name(source)
    out: list[Activity | ParseError] = []
    for number, element in enumerate(elements, 1):
        try:
            out.append(_activity(element, source, doc.notes, author, name_time, cut))
        except ParseError as exc:
            if len(elements) == 1:
                raise
            out.append(type(exc)(f"activity {number} left out: {exc.reason}", source))
    left_out = [item for item in out if isinstance(item, ParseError)]
    if len(left_out) == len(out):
        raise left_out[0]
    return out


def _why_no_activity(root: Element) -> str:
    if next(descendants(root, "Course"), None) is not None:
        return "TCX holds a course (a planned route), not a recorded activity"
    if next(descendants(root, "Workout"), None) is not None:
        return "TCX holds a workout plan, not a recorded activity"
    return "TCX holds no <Activity>"


#: No lap lasts a week; a longer total is damage (and overflows the time arithmetic).
LONGEST_LAP_S = 7 * 86_400
#: Lap timers may run this much (s) past what the trackpoints span: rounding, a last point
#: written before the lap closed.
LAP_POINT_SLACK_S = 60.0
#: Trackpoints covering at least this share of the laps' span time most of the activity.
MIN_POINT_COVERAGE = 0.5
#: A lap distance this much over the trackpoints' is not theirs.
LAP_DISTANCE_TOLERANCE = 0.1


@dataclass
class _Lap:
    start: pd.Timestamp | None
    offset: timedelta | None
    total_time_s: float | None
    distance_m: float | None
    avg_hr: float | None
    #: as the file writes it (per foot normally): LX AvgRunCadence, else the core <Cadence>
    cadence: float | None
    #: an impossible total time or distance was left out (damage, not a value)
    damaged: bool = False


def _activity(
    element: Element,
    source: str,
    file_notes: list[str],
    author: str | None,
    name_time: tuple[datetime, timedelta] | None,
    cut: list[_CutTrack],
) -> Activity:
    """The activity of one <Activity>; NotAnActivity when it is empty, ParseError if untimed."""
    act = Activity(source=source, format=FORMAT)
    for text in file_notes:
        act.note(text)
    sport_text = element.get("Sport")
    sport = vocab.sport_from_type(sport_text)
    if sport is None and sport_text:
        act.note(f"unknown TCX sport {sport_text!r}")
    act.sport, act.sub_sport = sport or ("other", None)
    act.device = _device_name(text_at(element, "Creator", "Name")) or author
    notes = text_at(element, "Notes")
    # TCX has no title; a one-line <Notes> is what devices and apps put there instead.
    if notes and "\n" not in notes and len(notes) <= 100:
        act.name = notes

    laps = [_lap(lap, act.sport) for lap in children(element, "Lap")]
    points = _trackpoints(element, act.sport, cut)
    if points.repeated > points.tracks:
        act.note(f"{points.repeated} trackpoints repeating earlier times dropped")
    samples = streams.make_samples(points.rows)
    if samples.empty and not laps:
        raise NotAnActivity("TCX activity holds neither laps nor trackpoints", source)
    start = _start(element, laps, samples)
    if start is None:
        raise ParseError("TCX activity has no readable time", source)
    act.start_time = start.utc

    damaged = sum(lap.damaged for lap in laps)
    if damaged:
        act.note(f"{damaged} laps with a negative or week-long total time or a negative "
                 "distance: totals left out")
    lap_distance = _lap_distance(laps)
    if lap_distance:
        act.distance_m = lap_distance
        act.distance_source = "laps"
    lap_times = [lap.total_time_s for lap in laps if lap.total_time_s is not None]
    if lap_times:
        act.timer_time_s = float(sum(lap_times))

    # TCX cannot say "treadmill": Garmin exports a treadmill run as Running with no <Position>
    # anywhere (FORMATS.md section 4.2).
    if (act.sport == "running" and act.sub_sport is None and samples["time"].notna().any()
            and samples["lat"].isna().all()):
        act.sub_sport = "treadmill"
        act.note("no GPS positions: treadmill assumed")
    summary = streams.fill_from_samples(act, samples, cadence_field=points.cadence_field)
    _fill_from_laps(act, laps, lap_distance)
    _reconcile(act, laps, summary)
    streams.times_within_elapsed(act)
    _local_start(act, start, name_time)
    act.surface, act.surface_source = vocab.infer_surface(
        act.sport, act.sub_sport, act.name,
        sub_sport_origin="tcx (no positions)" if act.sub_sport == "treadmill" else "tcx sport")
    return act


def _lap(lap: Element, sport: str) -> _Lap:
    start = xmltools.file_time(lap.get("StartTime"))
    cadence = number_at(lap, "Extensions", "LX", "AvgRunCadence")
    if cadence is None and sport == "running":
        cadence = number_at(lap, "Cadence")
    total_time_s = number_at(lap, "TotalTimeSeconds")
    distance_m = number_at(lap, "DistanceMeters")
    damaged = not 0 <= (total_time_s or 0) <= LONGEST_LAP_S or (distance_m or 0) < 0
    return _Lap(
        start=start.utc if start and xmltools.is_plausible(start.utc) else None,
        offset=start.offset if start else None,
        total_time_s=None if damaged else total_time_s,
        distance_m=None if damaged else distance_m,
        avg_hr=number_at(lap, "AverageHeartRateBpm", "Value"),
        cadence=cadence if cadence else None,
        damaged=damaged,
    )


@dataclass
class _Trackpoints:
    rows: dict[str, np.ndarray]
    cadence_field: str
    #: trackpoints dropped because an earlier one has the same time
    repeated: int
    tracks: int


#: The columns a trackpoint gives, in order, and where each is: a slot number for an element
#: whose text is read, a table of the same kind for an element whose children hold them.
_POINT_COLUMNS = ("time", "lat", "lon", "altitude_m", "distance_m", "heart_rate",
                  "core_cadence", "speed_mps", "run_cadence")
_POINT_LAYOUT: dict[str, Any] = {
    "Time": 0,
    "Position": {"LatitudeDegrees": 1, "LongitudeDegrees": 2},
    "AltitudeMeters": 3,
    "DistanceMeters": 4,
    "HeartRateBpm": {"Value": 5},
    "Cadence": 6,
    "Extensions": {"TPX": {"Speed": 7, "RunCadence": 8}},
}


def _trackpoints(element: Element, sport: str, cut: list[_CutTrack]) -> _Trackpoints:
    """Sample columns from every trackpoint, with a new segment at each pause.

    A trackpoint repeating an earlier one's time is dropped: Garmin repeats the last point of
    a lap as the first of the next, and COROS writes the whole track again into every lap.
    Values are read as :func:`.xmltools.number_at` and :func:`.xmltools.file_time` read them,
    a column at a time (tests/test_tcx.py compares with a point-by-point reading). The
    trackpoints of a track read by pattern (``cut``) are taken as they are.
    """
    texts: dict[str, list[str | bytes | None]] = {name: [] for name in _POINT_COLUMNS}
    segments: list[int] = []
    tracks = [(number, track) for lap in children(element, "Lap")
              for number, track in enumerate(children(lap, "Track"))]
    names: dict[Any, str] = {}
    segment = 0
    for number_in_lap, track in tracks:
        # A lap's second <Track> starts after the timer was stopped; a new lap goes on running.
        segment += number_in_lap > 0
        mark = track.get(xmlpatterns.CUT_MARK) if cut else None
        if mark is not None:
            body = cut[int(mark)]
            for name in _POINT_COLUMNS:
                texts[name] += body.texts[name]
            segments += [segment] * body.count
            continue
        points = []
        for point in children(track, "Trackpoint"):
            row: list[str | None] = [None] * len(_POINT_COLUMNS)
            _read_point(point, _POINT_LAYOUT, row, names)
            points.append(row)
        for name, column in zip(_POINT_COLUMNS, zip(*points)):
            texts[name] += column
        segments += [segment] * len(points)

    times = _times(texts["time"])
    valid = ~np.isnat(times)
    keep = ~valid
    where = np.flatnonzero(valid)
    keep[where[np.unique(times[where], return_index=True)[1]]] = True
    run_cadence = _numbers(texts["run_cadence"])
    core_cadence = (_numbers(texts["core_cadence"]) if sport == "running"
                    else np.full(len(times), np.nan))
    heart_rate = _numbers(texts["heart_rate"])
    heart_rate[heart_rate == 0] = np.nan  # "or None" in the point-by-point reading
    rows = {
        "time": times,
        "lat": _numbers(texts["lat"]),
        "lon": _numbers(texts["lon"]),
        "altitude_m": _numbers(texts["altitude_m"]),
        "distance_m": _numbers(texts["distance_m"]),
        "speed_mps": _numbers(texts["speed_mps"]),
        "heart_rate": heart_rate,
        # Polar and Suunto write run cadence into the core <Cadence> meant for bikes.
        "cadence": np.where(np.isnan(run_cadence), core_cadence, run_cadence),
        streams.SEGMENT: np.array(segments, dtype="int64"),
    }
    rows = {name: column[keep] for name, column in rows.items()}
    run_cadences = int(np.count_nonzero(~np.isnan(run_cadence[keep])))
    core_cadences = int(np.count_nonzero(~np.isnan(core_cadence[keep])))
    cadence_field = CORE_CADENCE_FIELD if core_cadences > run_cadences else RUN_CADENCE_FIELD
    return _Trackpoints(rows, cadence_field, int(len(keep) - keep.sum()), len(tracks))


def _read_point(elem: Element, layout: dict[str, Any], row: list[str | None],
                names: dict[Any, str]) -> None:
    """Put the stripped texts under ``elem`` into ``row`` as ``layout`` places them; at each
    level the first child of a name is the one read, as :func:`.xmltools.child` does."""
    seen: set[str] = set()
    for sub in elem:
        name = names.get(sub.tag)
        if name is None:
            name = names[sub.tag] = xmltools.local_name(sub.tag)
        place = layout.get(name)
        if place is None or name in seen:
            continue
        seen.add(name)
        if type(place) is int:
            text = sub.text
            row[place] = text.strip() if text is not None else ""
        else:
            _read_point(sub, place, row, names)


# --- trackpoints read by pattern -----------------------------------------------------------------

_WS = rb"[ \t\n]*"
#: Element text; the track body holds printable ASCII only (xmlpatterns.is_plain), so this
#: text is what the XML parser would give.
_TEXT = rb"[^<&]*"
_TRACK_START = re.compile(rb"<Track[ \t\n]*>")
#: The namespace a <TPX> may declare as its default in a trackpoint read by pattern (any
#: other is left to the tree, which knows which names XML reserves).
_ACTIVITY_EXTENSION = rb"http://www\.garmin\.com/xmlschemas/ActivityExtension/v[12]"
#: How deep under a <Track> a trackpoint read by pattern may nest (Trackpoint, Extensions,
#: TPX, Speed): the nesting limit counts it as if it were still in the file.
_CUT_DEPTH = 4
_TPX_PREFIX = re.compile(rb"<(?:([A-Za-z_][-.\w]*):)?TPX[ \t\n>]")


def _element(tag: bytes, group: str) -> bytes:
    return (_WS + b"<" + tag + b">(?P<" + group.encode() + b">" + _TEXT + b")</" + tag + b">")


#: The optional parts of a trackpoint, in schema order (each named after its first group); a
#: layout says which of them every point of a track has.
_PARTS = ("time", "lat", "altitude_m", "distance_m", "heart_rate", "core_cadence",
          "sensor_state", "extensions", "speed_mps", "run_cadence", "watts")


@lru_cache(maxsize=64)
def _point_pattern(prefix: bytes | None, layout: tuple[bool, ...] | None = None
                   ) -> re.Pattern[bytes]:
    """One <Trackpoint> in the order of Garmin's schema, with the ActivityExtension written
    with ``prefix`` (or as a default namespace); no comments, entities, attributes or other
    markup (a track with any is read from the tree). ``layout``: exactly these parts, for an
    expression with fewer alternatives (about twice as fast); None: any of them."""
    def part(name: str, body: bytes) -> bytes:
        if layout is None:
            return b"(?:" + body + b")?"
        return body if layout[_PARTS.index(name)] else b""

    p = re.escape(prefix) + b":" if prefix else b""
    extensions = (_WS + b"<Extensions>" + _WS + b"<" + p + b"TPX(?:[ \t\n]+xmlns=\""
                  + _ACTIVITY_EXTENSION + b"\")?"
                  + _WS + b">" + part("speed_mps", _element(p + b"Speed", "speed_mps"))
                  + part("run_cadence", _element(p + b"RunCadence", "run_cadence"))
                  + part("watts", _element(p + b"Watts", "watts"))
                  + _WS + b"</" + p + b"TPX>" + _WS + b"</Extensions>")
    return re.compile(
        b"<Trackpoint>" + part("time", _element(b"Time", "time"))
        + part("lat", _WS + b"<Position>" + _element(b"LatitudeDegrees", "lat")
               + _element(b"LongitudeDegrees", "lon") + _WS + b"</Position>")
        + part("altitude_m", _element(b"AltitudeMeters", "altitude_m"))
        + part("distance_m", _element(b"DistanceMeters", "distance_m"))
        + part("heart_rate", _WS + rb"<HeartRateBpm(?:[ \t\n]+xsi:type=\"[^\"<&]*\")?" + _WS
               + b">" + _element(b"Value", "heart_rate") + _WS + b"</HeartRateBpm>")
        + part("core_cadence", _element(b"Cadence", "core_cadence"))
        + part("sensor_state", _element(b"SensorState", "sensor_state"))
        + part("extensions", extensions) + _WS + b"</Trackpoint>")


@dataclass
class _CutTrack:
    """The trackpoints of one <Track> read by pattern: each column's texts, as bytes."""

    texts: dict[str, list[bytes | None]]

    @property
    def count(self) -> int:
        return len(self.texts["time"])


def _read_by_pattern(data: bytes, source: str) -> tuple[xmltools.XmlDocument,
                                                         list[_CutTrack]] | None:
    """Cut every <Track> body that is nothing but plain trackpoints out of the file and read
    them by pattern; parse the rest with xmltools as usual. None when the file is not plainly
    that layout (then the whole file is read from the tree).

    Only local names count in a TCX, so namespaces matter only where a prefix is used: every
    prefix in a cut body must be declared on the root. Anything whose refusal, repair or note
    could differ from the whole file's (a syntax error's line, a decoding repair naming a
    byte offset) gives None.
    """
    declarations = xmlpatterns.root_namespaces(data)
    if declarations is None:
        return None
    declared = {prefix for prefix, _ in declarations if prefix}
    cut = xmlpatterns.cut_bodies(data, _TRACK_START, b"</Track>", "Track",
                              lambda body: _pattern_track(body, declared))
    if cut is None:
        return None
    remainder, tracks = cut
    try:
        doc = xmltools.parse(remainder, source)
    except ParseError:
        return None
    if any("Windows-1252" in note for note in doc.notes):
        return None
    if xmlpatterns.deepest_cut(doc.root) + _CUT_DEPTH >= xmltools.MAX_DEPTH:
        return None  # perhaps nested too deep with its trackpoints: the tree says
    return doc, tracks


def _pattern_track(body: bytes, declared: set[bytes]) -> _CutTrack | None:
    if not xmlpatterns.is_plain(body):
        return None
    tpx = _TPX_PREFIX.search(body)
    prefix = tpx.group(1) if tpx else None
    if prefix is not None and prefix not in declared:
        return None
    if b"xsi:" in body and b"xsi" not in declared:
        return None
    general = _point_pattern(prefix)
    first = general.search(body)
    if first is None:
        return None if body.strip(b" \t\n") else _CutTrack({name: [] for name in _POINT_COLUMNS})
    # The first point's layout for all (one expression without alternatives); the general
    # expression when the points differ.
    extensions = first.group(0).find(b"<Extensions>") >= 0
    layout = tuple(extensions if name == "extensions" else first.group(name) is not None
                   for name in _PARTS)
    split = xmlpatterns.split_whole(body, (_point_pattern(prefix, layout), general))
    if split is None:
        return None  # something between the points that the pattern does not read
    return _CutTrack({name: split.column(name) for name in _POINT_COLUMNS})


def _times(raw: list[str | bytes | None]) -> np.ndarray:
    """UTC times as datetime64[us] (NaT for none, unreadable or implausible): one numpy
    conversion when every time is plain ISO in one zone, else each by xmltools.file_time."""
    texts = [(t.decode("ascii") if isinstance(t, bytes) else t).strip() or None if t else None
             for t in raw]
    out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[us]")
    written = [i for i, text in enumerate(texts) if text is not None]
    found = xmltools.plain_utc_times([texts[i] for i in written])  # type: ignore[misc]
    if found is not None:
        out[written] = found[0]
    else:
        for i in written:
            when = xmltools.file_time(texts[i])
            if when is not None:
                out[i] = xmltools.datetime64(when)
    earliest = np.datetime64(xmltools.EARLIEST_PLAUSIBLE.tz_localize(None), "us")
    latest = np.datetime64((pd.Timestamp.now(tz="UTC") + xmltools.FUTURE_SLACK)
                           .tz_localize(None), "us")
    out[(out < earliest) | (out > latest)] = np.datetime64("NaT")
    return out


def _numbers(texts: list[str | bytes | None]) -> np.ndarray:
    """Floats as :func:`.xmltools.number_at` reads them (NaN where it gives None) from texts
    as the tree or a pattern gives them ("" or None where there is no text)."""
    try:
        if all(texts):
            values = np.fromiter(map(float, texts), "float64", len(texts))  # type: ignore[arg-type]
        else:
            values = np.array([float(t) if t else np.nan for t in texts], dtype="float64")
    except ValueError:  # a text that is no number: each alone
        values = np.array([_number(text) for text in texts], dtype="float64")
    values[~np.isfinite(values)] = np.nan
    return values


def _number(text: str | bytes | None) -> float:
    try:
        return float(text) if text else np.nan
    except ValueError:
        return np.nan


def _start(element: Element, laps: list[_Lap], samples: pd.DataFrame) -> xmltools.FileTime | None:
    """The first lap's StartTime or the first trackpoint time, whichever is earlier; else <Id>.

    Garmin Connect cuts <Id> to the minute (09:42:00 for a run started 09:42:23); Sigma
    starts the lap seconds after the first trackpoint.
    """
    declared = next((xmltools.FileTime(lap.start, lap.offset) for lap in laps
                     if lap.start is not None), None)
    if declared is None:
        ident = xmltools.file_time(text_at(element, "Id"))
        declared = ident if ident is not None and xmltools.is_plausible(ident.utc) else None
    times = samples["time"].dropna()
    if len(times) and (declared is None or times.min() < declared.utc):
        return xmltools.FileTime(times.min(), declared.offset if declared else None)
    return declared


def _lap_distance(laps: list[_Lap]) -> float | None:
    """The sum of the laps' distances; None unless every lap has one."""
    distances = [lap.distance_m for lap in laps if lap.distance_m is not None]
    if not laps or len(distances) < len(laps):
        return None
    return float(sum(distances))


def _fill_from_laps(act: Activity, laps: list[_Lap], lap_distance: float | None) -> None:
    """Lap summaries for whatever the trackpoints could not give."""
    if act.distance_m is None and lap_distance is not None:
        # Laps that all say 0 m, and trackpoints without a distance or a position either.
        act.distance_m = lap_distance
        act.distance_source = "laps"
    if act.elapsed_time_s is None:
        act.elapsed_time_s = _laps_span_s(laps)
    # Without any distance (a pool swim without laps, a trainer ride) "not moving" only means
    # "not measured": the lap timer is the better guess.
    unmeasured = act.moving_time_s is None or (act.moving_time_s == 0 and not act.distance_m)
    if unmeasured and act.timer_time_s:
        act.moving_time_s = act.timer_time_s
        act.note("moving time from lap timer")
    weighted = [(lap.avg_hr, lap.total_time_s) for lap in laps
                if lap.avg_hr and lap.total_time_s]
    if act.avg_hr is None and weighted:
        act.avg_hr = float(np.average([hr for hr, _ in weighted], weights=[t for _, t in weighted]))
    if act.cadence_spm is None and act.sport in streams.FOOT_SPORTS:
        _lap_cadence(act, laps)


def _laps_span_s(laps: list[_Lap]) -> float | None:
    """Seconds from the first lap's start to the last lap's end, by their own times."""
    timed = [(lap.start, lap.total_time_s) for lap in laps
             if lap.start is not None and lap.total_time_s is not None]
    if not timed:
        return None
    end = max(start + pd.Timedelta(seconds=length) for start, length in timed)
    return float((end - min(start for start, _ in timed)).total_seconds())


def _reconcile(act: Activity, laps: list[_Lap], points: streams.SampleSummary) -> None:
    """Lap totals and trackpoints that cannot both be right: keep one side, and say which.

    Laps whose timers add up to more than the trackpoints span have either lost their
    trackpoints (a file cut down, a recording that started late: the laps' own start times
    span their timers, so the laps describe the whole activity) or claim time they do not
    have (their start times lie within the trackpoints: the trackpoints hold).
    """
    lap_timer = act.timer_time_s
    covered = points.elapsed_s
    if lap_timer is None or covered is None or lap_timer <= covered + LAP_POINT_SLACK_S:
        return
    span = _laps_span_s(laps)
    if span is not None and span >= lap_timer - LAP_POINT_SLACK_S:
        act.elapsed_time_s = span
        point_moving = points.moving_s or 0.0
        if covered >= MIN_POINT_COVERAGE * span:
            # The stretch without trackpoints counts as the laps time it.
            act.moving_time_s = min(lap_timer, point_moving + lap_timer - covered)
        else:
            act.moving_time_s = lap_timer
        if act.distance_source != "laps" and _lap_distance(laps):
            act.distance_m, act.distance_source = _lap_distance(laps), "laps"
        act.note(f"trackpoints cover {covered:,.0f} s of the laps' {span:,.0f} s: elapsed, "
                 f"timer, moving time and distance from the laps")
        return
    act.note(f"lap times add up to {lap_timer:,.0f} s but the laps lie within the "
             f"trackpoints' {covered:,.0f} s: times from the trackpoints")
    act.timer_time_s = None
    if points.moving_s is not None:
        act.moving_time_s = points.moving_s
    point_distance = points.device_distance_m or points.track_distance_m
    if (act.distance_source == "laps" and point_distance and act.distance_m
            and act.distance_m > point_distance * (1 + LAP_DISTANCE_TOLERANCE)):
        act.note(f"lap distance {act.distance_m:,.0f} m is beyond the trackpoints' "
                 f"{point_distance:,.0f} m: distance from the trackpoints")
        act.distance_m = point_distance
        act.distance_source = ("samples (device distance)" if points.device_distance_m
                               else "track")


def _lap_cadence(act: Activity, laps: list[_Lap]) -> None:
    """Cadence from lap averages when no trackpoint has one (per foot judged as for samples:
    at the laps' running speed, where their distances give one)."""
    timed = [lap for lap in laps if lap.cadence and lap.total_time_s]
    if not timed:
        return
    raw = np.array([lap.cadence for lap in timed], dtype="float64")
    seconds = np.array([lap.total_time_s for lap in timed], dtype="float64")
    # float64 division, as Python's: the same speeds
    speed = np.array([np.nan if lap.distance_m is None else lap.distance_m
                      for lap in timed], dtype="float64") / seconds
    per_foot, how = streams.judge_per_foot(raw, np.ones(len(raw), dtype=bool), seconds,
                                           speed if np.isfinite(speed).any() else None,
                                           act.sport)
    spm = raw * 2.0 if per_foot else raw
    keep = spm >= streams.WALKING_CADENCE_SPM if act.sport == "running" else spm > 0
    if not keep.any():
        return
    act.cadence_spm = round(streams.weighted_median(spm[keep], seconds[keep]), 1)
    act.cadence_source = (f"{LAP_CADENCE_FIELD} {'x2 (per foot)' if per_foot else '(steps/min)'}"
                          f"; {how.replace('moving samples', 'laps')}")
    histogram: dict[int, float] = {}
    for value, weight in zip(np.round(spm[keep]).astype(int).tolist(), seconds[keep].tolist()):
        histogram[value] = histogram.get(value, 0.0) + weight
    act.cadence_histogram = {k: round(v, 1) for k, v in sorted(histogram.items())}


def _local_start(
    act: Activity,
    start: xmltools.FileTime,
    name_time: tuple[datetime, timedelta] | None,
) -> None:
    if act.start_time is None:
        return
    if name_time is not None:
        local, offset = name_time
        if abs(pd.Timestamp(local - offset, tz="UTC") - act.start_time) <= NAME_TIME_TOLERANCE:
            act.local_start = local
            act.local_start_source = "file name"
            return
    act.local_start = xmltools.local_wall_clock(act.start_time, start.offset)
    if act.local_start is not None:
        act.local_start_source = "file (time offset)"


def local_time_from_name(source: str) -> tuple[datetime, timedelta] | None:
    """(local start, UTC offset) written in a file name like ``2020-12-02T06_08_29-300_x.tcx``."""
    match = _NAME_LOCAL_TIME.search(PurePosixPath(source.replace("\\", "/")).name)
    if match is None:
        return None
    day, hour, minute, second, offset_text = match.groups()
    digits = offset_text[1:]
    offset = timedelta(hours=int(digits[:-2]), minutes=int(digits[-2:]))
    if offset_text[0] == "-":
        offset = -offset
    try:
        local = datetime.fromisoformat(f"{day}T{hour}:{minute}:{second}")
    except ValueError:
        return None
    if abs(offset) > timedelta(hours=14) or offset.total_seconds() % 900:
        return None
    return local, offset


def _device_name(text: str | None) -> str | None:
    if not text:
        return None
    name = _DEVICE_ID_SUFFIX.sub("", " ".join(text.split()))
    return name or None
