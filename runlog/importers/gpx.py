"""GPX reader: recorded tracks to activities (FORMATS.md sections 1.4, 3 and 6).

:mod:`.xmltools` cleans and parses the file; the tracks are then read straight off that tree
(:func:`_fast_parse`), the way gpxpy would read them, without building gpxpy's objects: ~15x
less time per track point. A file the fast path cannot read exactly as gpxpy does (a
namespace layout gpxpy reads its own way, a value gpxpy refuses) is handed to gpxpy, the
reference, and the activity says so. Every ``<trk>`` and ``<trkseg>`` is read; a segment break
is a pause. Tracks recorded within two hours of each other make one activity, so a watch's
several "ACTIVE LOG" tracks of one outing stay together while a file holding several days' logs
gives one activity per outing. GPX has no device totals: distance, moving time, heart rate,
cadence and ascent all come from the points via :func:`.streams.fill_from_samples`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element

import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd
from gpxpy.gpxfield import TIME_TYPE

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import ReadOptions, streams, vocab, xmltools

FORMAT = "gpx"

#: Garmin's TrackPointExtension (v1 by Garmin Connect and Strava, v2 by OpenTracks).
TRACK_POINT_EXTENSIONS = frozenset({
    "http://www.garmin.com/xmlschemas/TrackPointExtension/v1",
    "http://www.garmin.com/xmlschemas/TrackPointExtension/v2",
})
#: Un-namespaced or converter extensions directly under <extensions> (Amazfit <heartrate>,
#: mapstogpx and Movescount gpxdata:hr / gpxdata:cadence / <cadence>).
LOOSE_HEART_RATE = frozenset({"heartrate", "hr"})
LOOSE_CADENCE = frozenset({"cadence"})
TPX_CADENCE_FIELD = "gpx TrackPointExtension cad"
LOOSE_CADENCE_FIELD = "gpx cadence extension"

#: Tracks further apart than this are separate activities.
SEPARATE_ACTIVITY_GAP = pd.Timedelta(hours=2)
#: Median moving speed (m/s) below which an untyped track is a walk, and up to which a run.
WALKING_BELOW_MPS = 2.0
RUNNING_UP_TO_MPS = 5.0


def read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    """Activities in a GPX file; NotAnActivity for routes, waypoints and untimed tracks."""
    try:
        return _read(data, source)
    except ParseError:
        raise
    except Exception as exc:  # the reader boundary: nothing else may escape
        raise ParseError(f"unreadable GPX: {exc}", source) from exc


#: The note on an activity the fast path left to gpxpy.
FALLBACK_NOTE = "read with gpxpy: "


@dataclass
class _Track:
    """One <trk>'s points as sample columns (numpy arrays: times as naive UTC datetime64[us]),
    with what is needed to group and describe it."""

    name: str | None
    type: str | None
    rows: dict[str, np.ndarray]
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    timed_points: int = 0
    #: UTC offset the track's first time was written with (None for Z)
    offset: timedelta | None = None
    bogus_times: list[str] = field(default_factory=list)
    cadence_fields: Counter[str] = field(default_factory=Counter)

    @property
    def size(self) -> int:
        return len(self.rows["time"])


@dataclass
class _Gpx:
    """What the reader takes from a GPX document, by either path."""

    tracks: list[_Track]  # the tracks that hold points
    name: str | None
    creator: str | None
    why_no_track: str


#: The ways to read a GPX: by pattern, else the tree, else gpxpy (the default); the tree,
#: else gpxpy; gpxpy alone (the reference the others are tested against).
PATHS = ("pattern", "tree", "gpxpy")


def _read(data: bytes, source: str, *, path: str = "pattern") -> list[Activity | ParseError]:
    found = _read_by_pattern(data, source) if path == "pattern" else None
    if found is not None:
        doc, parsed = found
        file_notes = list(doc.notes)
    else:
        doc = xmltools.parse(data, source)
        if xmltools.local_name(doc.root.tag) != "gpx":
            raise ParseError(f"not a GPX file: the root element is "
                             f"<{xmltools.local_name(doc.root.tag)}>", source)
        file_notes = list(doc.notes)
        try:
            if path == "gpxpy":
                raise _Unsupported("asked for")
            parsed = _fast_parse(doc)
        except _Unsupported as exc:
            parsed = _gpxpy_parse(doc, source)
            if path != "gpxpy":
                file_notes.append(f"{FALLBACK_NOTE}{exc}")

    tracks = parsed.tracks
    if not tracks:
        raise NotAnActivity(parsed.why_no_track, source)
    joined = _join_heart_rate_track(doc.root, tracks)
    if joined:
        file_notes.append(f"heart rate from the document's SportTracks heartRateTrack "
                          f"({joined} points joined by time)")
    # One timed point records no movement: such a track is as untimed as a planned route.
    timed = [t for t in tracks if t.timed_points >= 2]
    if not timed:
        bogus = [b for t in tracks for b in t.bogus_times]
        if bogus:
            raise ParseError(f"every track time is bogus (e.g. {bogus[0]}): no usable time",
                             source)
        if any(t.timed_points for t in tracks):
            raise NotAnActivity("track has a single timestamped point: not a recorded activity",
                                source)
        raise NotAnActivity("track has no timestamps: a planned route, not a recorded activity",
                            source)

    untimed = len(tracks) - len(timed)
    if untimed:
        # A track without any time beside recorded ones is a saved copy or a planned route;
        # adding it would count the same ground twice.
        file_notes.append(f"{untimed} track{'s' if untimed > 1 else ''} without timestamps "
                          f"left out")
    metadata_name = _clean(parsed.name)
    device = _clean(parsed.creator)
    return [_activity(group, source, metadata_name, device, file_notes)
            for group in _outings(timed)]


def _heart_rate_track(root: Element) -> tuple[np.ndarray, np.ndarray] | None:
    """SportTracks' document-level heart rate (``<gpx><extensions><st:activity>
    <st:heartRateTrack><st:heartRate time=".." bpm=".."/>``): (naive UTC datetime64[us]
    times in order, bpm), or None when there is none. Namespaces are not checked: the
    structure is SportTracks' own."""
    times: list[np.datetime64] = []
    bpms: list[float] = []
    for extensions in root:
        if xmltools.local_name(extensions.tag) != "extensions":
            continue
        for activity in extensions:
            if xmltools.local_name(activity.tag) != "activity":
                continue
            for track in activity:
                if xmltools.local_name(track.tag) != "heartRateTrack":
                    continue
                for mark in track:
                    when = xmltools.file_time(mark.get("time"))
                    bpm = _number(mark.get("bpm"))
                    if when is None or bpm is None or not 0 < bpm < 260:
                        continue
                    times.append(np.datetime64(when.utc.tz_localize(None), "us"))
                    bpms.append(bpm)
    if not times:
        return None
    when_arr = np.array(times, dtype="datetime64[us]")
    order = np.argsort(when_arr, kind="stable")
    return when_arr[order], np.array(bpms, dtype="float64")[order]


def _join_heart_rate_track(root: Element, tracks: list[_Track]) -> int:
    """Give points without a heart rate the document-level heart rate at their time (the
    last value at or before it, held at most streams.MAX_HOLD_S); how many got one."""
    found = _heart_rate_track(root)
    if found is None:
        return 0
    mark_times, bpms = found
    hold = np.timedelta64(int(streams.MAX_HOLD_S * 1_000_000), "us")
    joined = 0
    for track in tracks:
        times = track.rows["time"].astype("datetime64[us]")
        heart_rate = track.rows["heart_rate"]
        slot = np.searchsorted(mark_times, times, side="right") - 1
        usable = (~np.isnat(times)) & (slot >= 0) & np.isnan(heart_rate)
        safe = np.clip(slot, 0, None)
        usable &= (times - mark_times[safe]) <= hold
        if usable.any():
            heart_rate = heart_rate.copy()
            heart_rate[usable] = bpms[safe[usable]]
            track.rows["heart_rate"] = heart_rate
            joined += int(usable.sum())
    return joined


def _why_no_track(tracks: int, routes: int, waypoints: int) -> str:
    if tracks:
        return "GPX tracks hold no points"
    if routes:
        return "GPX holds only a route (<rte>), not a recorded track"
    if waypoints:
        return "GPX holds only waypoints, not a recorded track"
    return "GPX holds no track (<trk>)"


def _clean(text: str | None) -> str | None:
    text = " ".join(text.split()) if text else ""
    return text or None


# ---------------------------------------------------------------------------------------
# The reference path: gpxpy


def _gpxpy_parse(doc: xmltools.XmlDocument, source: str) -> _Gpx:
    try:
        gpx = gpxpy.parse(doc.text)
    except gpxpy.gpx.GPXException as exc:
        raise ParseError(f"unreadable GPX: {exc}", source) from None
    if gpx.version != "1.1":
        _attach_extensions(gpx, doc)
    return _Gpx(tracks=_tracks(gpx), name=gpx.name, creator=gpx.creator,
                why_no_track=_why_no_track(len(gpx.tracks), len(gpx.routes),
                                           len(gpx.waypoints)))


def _attach_extensions(gpx: gpxpy.gpx.GPX, doc: xmltools.XmlDocument) -> None:
    """Give gpxpy's points of a GPX 1.0 document the <extensions> gpxpy skips there: each
    point's first <extensions> element's children, from the tree, point by point (left as
    they are unless the tree's tracks, segments and points match gpxpy's one to one)."""
    tags = _Tags(_namespace_prefix(doc), False)
    trks = [e for e in doc.root if e.tag == tags["trk"]]
    if len(trks) != len(gpx.tracks):
        return
    pairs: list[tuple[Element, gpxpy.gpx.GPXTrackPoint]] = []
    for trk, track in zip(trks, gpx.tracks):
        segs = [e for e in trk if e.tag == tags["trkseg"]]
        if len(segs) != len(track.segments):
            return
        for seg, segment in zip(segs, track.segments):
            points = [e for e in seg if e.tag == tags["trkpt"]]
            if len(points) != len(segment.points):
                return
            pairs.extend(zip(points, segment.points))
    for element, point in pairs:
        found = _first(element, tags.extensions)
        if found is not None:
            point.extensions = list(found)


@dataclass
class _PointRows:
    """A track's points as gpxpy gives them, collected a point at a time."""

    rows: dict[str, list[Any]] = field(default_factory=lambda: {
        "time": [], "lat": [], "lon": [], "altitude_m": [], "speed_mps": [],
        "heart_rate": [], "cadence": [], streams.SEGMENT: []})
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    timed_points: int = 0
    offset: timedelta | None = None
    bogus_times: list[str] = field(default_factory=list)
    cadence_fields: Counter[str] = field(default_factory=Counter)


def _tracks(gpx: gpxpy.gpx.GPX) -> list[_Track]:
    """Tracks that hold points; every non-empty segment gets its own segment number."""
    out = []
    segment = 0
    for trk in gpx.tracks:
        points = _PointRows()
        for seg in trk.segments:
            if not seg.points:
                continue
            segment += 1
            for point in seg.points:
                _add_point(points, point, segment)
        if points.rows["time"]:
            rows = points.rows
            times = pd.to_datetime(pd.Series(rows.pop("time"), dtype=object), utc=True)
            columns = {"time": times.dt.tz_localize(None).to_numpy().astype("datetime64[us]")}
            columns.update({k: np.array(v, dtype="float64") for k, v in rows.items()})
            columns[streams.SEGMENT] = columns[streams.SEGMENT].astype("int64")
            out.append(_Track(
                name=_clean(trk.name), type=_clean(trk.type), rows=columns,
                first=points.first, last=points.last, timed_points=points.timed_points,
                offset=points.offset, bogus_times=points.bogus_times,
                cadence_fields=points.cadence_fields))
    return out


def _add_point(track: _PointRows, point: gpxpy.gpx.GPXTrackPoint, segment: int) -> None:
    when = xmltools.file_time(point.time)
    if when is not None and not xmltools.is_plausible(when.utc):
        track.bogus_times.append(when.utc.strftime("%Y-%m-%d"))
        when = None
    if when is not None:
        track.timed_points += 1
        if track.first is None or when.utc < track.first:
            track.first = when.utc
        if track.last is None or when.utc > track.last:
            track.last = when.utc
        if track.first == when.utc:
            track.offset = when.offset
    heart_rate, cadence, speed, cadence_field = _extension_values(point.extensions)
    if cadence_field:
        track.cadence_fields[cadence_field] += 1
    rows = track.rows
    rows["time"].append(when.utc if when else pd.NaT)
    rows["lat"].append(point.latitude)
    rows["lon"].append(point.longitude)
    rows["altitude_m"].append(point.elevation)
    rows["speed_mps"].append(speed if speed is not None else point.speed)
    # 0 bpm is a placeholder for "no sensor" (OpenTracks), not a reading.
    rows["heart_rate"].append(heart_rate if heart_rate else None)
    rows["cadence"].append(cadence)
    rows[streams.SEGMENT].append(segment)


#: What an extension element is, by its tag: Garmin's TrackPointExtension, a loose heart rate
#: or cadence, or nothing the reader uses; and the local name of the tags inside one.
_EXTENSION_KIND: dict[str, str | None] = {}
_LOCAL_NAME: dict[str, str] = {}
#: Bound on the tag caches: a hostile file may invent any number of tags.
_TAG_CACHE_SIZE = 4096


def _extension_kind(tag: str) -> str | None:
    kind = _EXTENSION_KIND.get(tag, "")
    if kind == "":
        name = xmltools.local_name(tag)
        if name == "TrackPointExtension" and xmltools.namespace(tag) in TRACK_POINT_EXTENSIONS:
            kind = "tpx"
        elif name in LOOSE_HEART_RATE:
            kind = "hr"
        elif name in LOOSE_CADENCE:
            kind = "cad"
        else:
            kind = None
        if len(_EXTENSION_KIND) < _TAG_CACHE_SIZE:
            _EXTENSION_KIND[tag] = kind
    return kind


def _local_name(tag: str) -> str:
    name = _LOCAL_NAME.get(tag)
    if name is None:
        name = xmltools.local_name(tag)
        if len(_LOCAL_NAME) < _TAG_CACHE_SIZE:
            _LOCAL_NAME[tag] = name
    return name


def _number(text: str | bytes | None) -> float | None:
    """xmltools.number_at of an element with this text."""
    return xmltools.finite_number(text)


def _extension_values(
    extensions: Iterable[Element],
) -> tuple[float | None, float | None, float | None, str | None]:
    """(heart rate, cadence, speed, cadence field) from a point's <extensions>.

    Garmin's TrackPointExtension is matched by namespace URI (its prefix differs by producer)
    and wins over the loose elements other producers write. Tags are classified once and
    cached: this runs for every point of every track.
    """
    tpx: dict[str, float | None] = {}
    loose_hr = loose_cadence = None
    for ext in extensions:
        kind = _extension_kind(ext.tag) if isinstance(ext.tag, str) else None
        if kind == "tpx":
            for item in ext:
                if isinstance(item.tag, str):
                    tpx[_local_name(item.tag)] = _number(item.text)
        elif kind == "hr" and loose_hr is None:
            loose_hr = _number(ext.text)
        elif kind == "cad" and loose_cadence is None:
            loose_cadence = _number(ext.text)
    heart_rate = tpx.get("hr") or loose_hr
    if tpx.get("cad") is not None:
        cadence, cadence_field = tpx["cad"], TPX_CADENCE_FIELD
    elif loose_cadence is not None:
        cadence, cadence_field = loose_cadence, LOOSE_CADENCE_FIELD
    else:
        cadence, cadence_field = None, None
    return heart_rate, cadence, tpx.get("speed"), cadence_field


# ---------------------------------------------------------------------------------------
# The fast path: the parsed tree, read as gpxpy reads it


class _Unsupported(Exception):
    """The fast path cannot read this file exactly as gpxpy does; the reason says why."""


#: gpxpy removes the first default namespace declaration from the text before parsing, then
#: finds elements by bare name.
_DEFAULT_NAMESPACE = re.compile(r"""\sxmlns=(['"])([^'"]+)\1""")
_ROOT_START = re.compile(r"<[^?!]")
#: Times in the forms almost every producer writes; gpxpy and numpy read these alike, any
#: other form is read point by point by gpxpy's own time parser.
_NO_TIME = np.datetime64("NaT", "us")
_FIXES = ("none", "2d", "3d", "dgps", "pps", "3")


def _float(text: str | bytes | None) -> float | None:
    """gpxpy's float field: absent when the element has no text, else it must parse."""
    return None if text is None else float(text.strip())


def _int(text: str | None) -> int | None:
    return None if text is None else int(text.strip())


def _fix(text: str | None) -> str | None:
    if text is not None and text not in _FIXES:
        raise ValueError(f"invalid fix {text!r}")
    return text


#: Point fields gpxpy converts (and refuses the file over), by GPX version; time is lenient.
_POINT_FIELDS = {"ele": _float, "magvar": _float, "geoidheight": _float, "sat": _int,
                 "hdop": _float, "vdop": _float, "pdop": _float, "ageofdgpsdata": _float,
                 "dgpsid": _int, "fix": _fix}
_TRACK_POINT_FIELDS_10 = {**_POINT_FIELDS, "course": _float, "speed": _float}


@dataclass(frozen=True)
class _Tags:
    """The tags gpxpy reads, in the document's default namespace (gpxpy's bare names)."""

    prefix: str
    version_11: bool

    def __getitem__(self, name: str) -> str:
        return self.prefix + name

    @property
    def extensions(self) -> str:
        """Read in every version: gpxpy skips a GPX 1.0 point's <extensions>, but producers
        that write ``version="1.0"`` with GPX 1.1 extensions (heart rate, cadence) mean them
        (:func:`_attach_extensions` gives them to the gpxpy path too)."""
        return self.prefix + "extensions"

    def fields(self, checks: dict[str, Any]) -> dict[str, Any]:
        return {self.prefix + name: check for name, check in checks.items()}


@dataclass
class _Segment:
    """One <trkseg>'s points as sample columns: float arrays (NaN where absent), the times
    as naive UTC datetime64[us] (NaT where absent) with the UTC offsets they were written
    with (one for all, or one per point), and where the cadences came from."""

    columns: dict[str, np.ndarray]
    utc: np.ndarray
    offsets: list[timedelta | None] | timedelta | None
    cadence_fields: Counter[str]

    def __len__(self) -> int:
        return len(self.utc)

    def offset_at(self, index: int) -> timedelta | None:
        return self.offsets[index] if isinstance(self.offsets, list) else self.offsets


def _fast_parse(doc: xmltools.XmlDocument, segments: list[_Segment] | None = None) -> _Gpx:
    """The document as gpxpy would read it; ``segments``: the points of the <trkseg>s cut out
    of the text, each left as an empty element marked with its index."""
    try:
        return _fast_gpx(doc, segments)
    except (ValueError, TypeError, OverflowError) as exc:  # a value gpxpy refuses
        raise _Unsupported(f"{type(exc).__name__}: {exc}") from None


def _fast_gpx(doc: xmltools.XmlDocument, segments: list[_Segment] | None) -> _Gpx:
    root = doc.root
    version_11 = root.get("version") == "1.1"
    tags = _Tags(_namespace_prefix(doc), version_11)
    point_fields = tags.fields(_POINT_FIELDS)
    children = list(root)
    _check_metadata(root, tags)
    waypoints = [e for e in children if e.tag == tags["wpt"]]
    routes = [e for e in children if e.tag == tags["rte"]]
    for waypoint in waypoints:
        _check_point(waypoint, point_fields)
    for route in routes:
        _check_first(route, tags["number"], _int)
        for route_point in route:
            if route_point.tag == tags["rtept"]:
                _check_point(route_point, point_fields)
    trks = [e for e in children if e.tag == tags["trk"]]
    tracks = []
    segment = 0
    used = 0
    for trk in trks:
        _check_first(trk, tags["number"], _int)
        columns = _TrackColumns(tags)
        for seg in trk:
            if seg.tag != tags["trkseg"]:
                continue
            mark = seg.get(xmltools.CUT_MARK) if segments is not None else None
            if mark is not None:
                if mark != str(used):
                    raise _Unsupported("cut segments out of order")
                points: _Segment | list[Element] = segments[used]  # type: ignore[index]
                used += 1
            else:
                points = [p for p in seg if p.tag == tags["trkpt"]]
            if len(points):
                segment += 1
                columns.add(points, segment)
        if columns.segments:
            name = _first_text(trk, tags["name"])
            kind = _first_text(trk, tags["type"]) if version_11 else None
            tracks.append(columns.track(_clean(name), _clean(kind)))
    if segments is not None and used != len(segments):
        raise _Unsupported("a cut segment is not where gpxpy reads tracks")
    if version_11:
        metadata = _first(root, tags["metadata"])
        name = _first_text(metadata, tags["name"]) if metadata is not None else None
    else:
        name = _first_text(root, tags["name"])
    return _Gpx(tracks=tracks, name=name, creator=root.get("creator"),
                why_no_track=_why_no_track(len(trks), len(routes), len(waypoints)))


def _namespace_prefix(doc: xmltools.XmlDocument) -> str:
    """The ``{uri}`` of the elements gpxpy reads by bare name: the default namespace when the
    root's start tag declares the only one; "" when the text declares none."""
    text = doc.text
    declarations = list(_DEFAULT_NAMESPACE.finditer(text))
    if not declarations:
        return ""
    start = _ROOT_START.search(text)
    end = text.find(">", start.end()) if start else -1
    where = declarations[0].start()
    uri = declarations[0].group(2)
    if (len(declarations) > 1 or start is None or not start.start() < where < end
            or xmltools.namespace(doc.root.tag) != uri):
        raise _Unsupported("a default namespace declared below the root")
    return "{" + uri + "}"


def _first(elem: Element, tag: str) -> Element | None:
    """ElementTree's find(tag): the first child with this tag."""
    for child in elem:
        if child.tag == tag:
            return child
    return None


def _first_text(elem: Element, tag: str) -> str | None:
    found = _first(elem, tag)
    return None if found is None else found.text


def _check_first(elem: Element, tag: str, check: Any) -> None:
    found = _first(elem, tag)
    if found is not None:
        check(found.text)


def _check_metadata(root: Element, tags: _Tags) -> None:
    """The bounds are the only metadata gpxpy converts (1.1: under <metadata>)."""
    holder = _first(root, tags["metadata"]) if tags.version_11 else root
    bounds = _first(holder, tags["bounds"]) if holder is not None else None
    if bounds is not None:
        for attribute in ("minlat", "maxlat", "minlon", "maxlon"):
            _float(bounds.get(attribute))


def _check_point(point: Element, fields: dict[str, Any]) -> None:
    """Raise where gpxpy refuses a waypoint or route point."""
    for attribute in ("lat", "lon"):
        value = point.get(attribute)
        if value is None:
            raise _Unsupported(f"a point without {attribute}")
        float(value.strip())
    seen = set()
    for child in point:
        check = fields.get(child.tag)
        if check is not None and child.tag not in seen:
            seen.add(child.tag)
            check(child.text)


_NUMERIC = ("lat", "lon", "altitude_m", "speed_mps", "heart_rate", "cadence")


class _TrackColumns:
    """A track's points, collected segment by segment, then turned into sample columns."""

    def __init__(self, tags: _Tags) -> None:
        self.tags = tags
        self.chunks: list[_Segment] = []
        self.segments: list[tuple[int, int]] = []  # (segment number, points)

    def add(self, points: list[Element] | _Segment, segment: int) -> None:
        chunk = points if isinstance(points, _Segment) else self._read_elements(points)
        self.chunks.append(chunk)
        self.segments.append((segment, len(chunk)))

    def _read_elements(self, points: list[Element]) -> _Segment:
        """One segment's points, read as gpxpy reads a <trkpt> (first child of each tag
        wins; typed children must convert)."""
        tags = self.tags
        lat: list[float] = []
        lon: list[float] = []
        altitude: list[float | None] = []
        speed: list[float | None] = []
        heart_rates: list[float | None] = []
        cadences: list[float | None] = []
        times: list[str | None] = []
        ele_tag, time_tag, ext_tag, speed_tag = (tags["ele"], tags["time"], tags.extensions,
                                                 tags["speed"])
        checked_fields = tags.fields(_POINT_FIELDS if tags.version_11
                                     else _TRACK_POINT_FIELDS_10)
        cadence_fields: Counter[str] = Counter()
        for point in points:
            lat_text, lon_text = point.get("lat"), point.get("lon")
            if lat_text is None or lon_text is None:
                raise _Unsupported("a track point without lat or lon")
            lat.append(float(lat_text.strip()))
            lon.append(float(lon_text.strip()))
            ele = when = extensions = None
            point_speed = None
            seen: set[str] | None = None
            for child in point:
                tag = child.tag
                if tag == ele_tag:
                    if ele is None:
                        ele = child
                elif tag == time_tag:
                    if when is None:
                        when = child
                elif tag == ext_tag:
                    if extensions is None:
                        extensions = child
                elif tag in checked_fields:
                    seen = seen if seen is not None else set()
                    if tag not in seen:
                        seen.add(tag)
                        value = checked_fields[tag](child.text)
                        if tag == speed_tag:
                            point_speed = value
            altitude.append(None if ele is None else _float(ele.text))
            times.append(None if when is None else when.text)
            if extensions is None:
                speed.append(point_speed)
                heart_rates.append(None)
                cadences.append(None)
                continue
            heart_rate, cadence, ext_speed, cadence_field = _extension_values(extensions)
            if cadence_field:
                cadence_fields[cadence_field] += 1
            speed.append(ext_speed if ext_speed is not None else point_speed)
            # 0 bpm is a placeholder for "no sensor" (OpenTracks), not a reading.
            heart_rates.append(heart_rate if heart_rate else None)
            cadences.append(cadence)
        values = (lat, lon, altitude, speed, heart_rates, cadences)
        utc, offsets = _times(times)
        return _Segment({name: np.array(column, dtype="float64")
                         for name, column in zip(_NUMERIC, values)}, utc, offsets,
                        cadence_fields)

    def track(self, name: str | None, kind: str | None) -> _Track:
        """The columns, and the bookkeeping _add_point does point by point, on arrays."""
        utc_us = np.concatenate([chunk.utc for chunk in self.chunks])
        now_us = (pd.Timestamp.now(tz="UTC") + xmltools.FUTURE_SLACK).value // 1000
        earliest_us = xmltools.EARLIEST_PLAUSIBLE.value // 1000
        known = ~np.isnat(utc_us)
        values = utc_us.astype("int64")
        plausible = known & (values >= earliest_us) & (values <= now_us)
        times = np.where(plausible, utc_us, _NO_TIME)
        rows = {"time": times}
        for column in _NUMERIC:
            rows[column] = np.concatenate([chunk.columns[column] for chunk in self.chunks])
        rows[streams.SEGMENT] = np.repeat(
            np.array([s for s, _ in self.segments], dtype="int64"), [n for _, n in self.segments])
        track = _Track(name=name, type=kind, rows=rows,
                       cadence_fields=sum((c.cadence_fields for c in self.chunks), Counter()))
        track.bogus_times = [pd.Timestamp(t, tz="UTC").strftime("%Y-%m-%d")
                             for t in utc_us[known & ~plausible]]
        track.timed_points = int(plausible.sum())
        if track.timed_points:
            track.first = pd.Timestamp(times[plausible].min(), tz="UTC")
            track.last = pd.Timestamp(times[plausible].max(), tz="UTC")
            # _add_point keeps the offset of the last point at the earliest time.
            earliest = values[plausible].min()
            at = int(np.flatnonzero(plausible & (values == earliest))[-1])
            for chunk in self.chunks:
                if at < len(chunk):
                    track.offset = chunk.offset_at(at)
                    break
                at -= len(chunk)
        return track


def _times(texts: list[str | None]
           ) -> tuple[np.ndarray, list[timedelta | None] | timedelta | None]:
    """Point times as naive UTC datetime64[us] (NaT where there is none), and the UTC offsets
    they were written with: one for all, or one per point. As gpxpy, then xmltools.file_time,
    read them."""
    out = np.full(len(texts), _NO_TIME)
    found = xmltools.plain_utc_times([t for t in texts if t is not None])
    if found is not None:
        out[[i for i, t in enumerate(texts) if t is not None]] = found[0]
        return out, found[1]
    offsets: list[timedelta | None] = []
    for index, text in enumerate(texts):
        when = xmltools.file_time(TIME_TYPE.from_string(text)) if text is not None else None
        offsets.append(when.offset if when is not None else None)
        if when is not None:
            out[index] = xmltools.datetime64(when)
    return out, offsets


# ---------------------------------------------------------------------------------------
# The fastest path: track points read by pattern


_WS = rb"[ \t\n]*"
#: Element text and attribute values; the body they are in holds printable ASCII only
#: (checked once per segment), so no character XML would refuse or change.
_TEXT = rb"[^<&]*"
_VALUE = rb"[^<&\"]*"
_TIME = rb"(?!0000)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?"
_ZONE = rb"Z|[+-]\d\d:\d\d"
#: TrackPointExtension children in the order of Garmin's schema; the reader uses three.
_TPX_CHILDREN = ("atemp", "wtemp", "depth", "hr", "cad", "speed", "course", "bearing")
_TPX_USED = ("hr", "cad", "speed")
#: The optional parts of a point, in order; a layout says which of them a point has.
_PARTS = ("ele", "time", "extensions", *_TPX_CHILDREN)


def _point_pattern(layout: tuple[bool, ...] | None = None, prefix: bytes | None = None
                   ) -> re.Pattern[bytes]:
    """One <trkpt> as Garmin Connect, Strava and most watches write it: lat then lon, an
    optional <ele> and a <time> in ISO form, and optionally a TrackPointExtension in schema
    order; no comments, entities or other markup (anything else is read from the tree).
    ``layout`` (with the extension ``prefix``): exactly these parts, for a regular expression
    without alternatives, twice as fast; None: any of them (groups named after the parts)."""
    def part(name: str, body: bytes) -> bytes:
        if layout is None:
            return rb"(?:" + _WS + body + rb")?"
        return _WS + body if layout[_PARTS.index(name)] else b""

    tag = rb"(?P=prefix)" if layout is None else re.escape(prefix or b"")
    tpx = b"".join(
        part(name, rb"<" + tag + b":" + name.encode() + rb">(?P<" + name.encode() + rb">"
             + _TEXT + rb")</" + tag + b":" + name.encode() + rb">")
        for name in _TPX_CHILDREN)
    opening = (rb"<(?P<prefix>[A-Za-z_][-.\w]*):TrackPointExtension>" if layout is None
               else rb"<" + tag + rb":TrackPointExtension>")
    extensions = part("extensions", rb"<extensions>" + _WS + opening + tpx + _WS
                      + rb"</" + tag + rb":TrackPointExtension>" + _WS + rb"</extensions>")
    return re.compile(
        rb"<trkpt[ \t\n]+lat=\"(?P<lat>" + _VALUE + rb")\"[ \t\n]+lon=\"(?P<lon>" + _VALUE
        + rb")\"" + _WS + rb">"
        + part("ele", rb"<ele>(?P<ele>" + _TEXT + rb")</ele>")
        + part("time", rb"<time>(?P<time>" + _TIME + rb")(?P<zone>" + _ZONE + rb")</time>")
        + extensions + _WS + rb"</trkpt>")


_POINT = _point_pattern()


@lru_cache(maxsize=64)
def _layout_pattern(layout: tuple[bool, ...], prefix: bytes | None) -> re.Pattern[bytes]:
    return _point_pattern(layout, prefix)


_SEGMENT_START = re.compile(rb"<trkseg[ \t\n]*>")


def _read_by_pattern(data: bytes, source: str) -> tuple[xmltools.XmlDocument, _Gpx] | None:
    """Read the track points of a common-layout GPX with one regular expression per segment,
    the rest of the file through xmltools and the tree: the document and what gpxpy would
    read from it, or None when the file is not plainly that layout.

    Each ``<trkseg>`` body is cut out of the text when it is nothing but points of the plain
    layout (which makes it well-formed XML of itself); the rest, each cut ``<trkseg>`` marked
    with its index, is parsed by :func:`xmltools.parse` as usual, and the tree walk takes the
    cut points where it meets a marked segment. So refusals, repairs and notes are those of
    the whole file: anything that might differ (a decoding repair that names a byte offset,
    a namespace declared below the root, a marked segment the walk does not meet) gives None.
    """
    declarations = xmltools.root_namespaces(data)
    if declarations is None:
        return None
    tpx_prefixes = {prefix for prefix, uri in declarations
                    if prefix and uri in TRACK_POINT_EXTENSIONS}
    cut = xmltools.cut_bodies(data, _SEGMENT_START, b"</trkseg>", "trkseg",
                              lambda body: _pattern_segment(body, tpx_prefixes))
    if cut is None:
        return None
    remainder, segments = cut
    # The cut bodies hold no attribute (the pattern allows none), so every namespace
    # declaration left is in the remainder: all must be the root's, or a prefix in the points
    # might mean something else where they are.
    if remainder.count(b"xmlns") != len(declarations):
        return None
    try:
        doc = xmltools.parse(remainder, source)
    except ParseError:
        return None
    if (any("Windows-1252" in note for note in doc.notes)
            or xmltools.local_name(doc.root.tag) != "gpx" or doc.root.get("version") != "1.1"
            # trkpt, extensions, TrackPointExtension, hr: as deep as a cut point may nest
            or xmltools.deepest_cut(doc.root) + 4 >= xmltools.MAX_DEPTH):
        return None
    try:
        return doc, _fast_parse(doc, segments)
    except _Unsupported:
        return None


def _pattern_segment(body: bytes, tpx_prefixes: set[bytes]) -> _Segment | None:
    """The points of one <trkseg> body of nothing but plain-layout points, else None.

    The first point's layout gives a pattern for all; a segment whose points vary is split
    with the general pattern.
    """
    if not xmltools.is_plain(body):
        return None
    first = _POINT.search(body)
    if first is None:
        return None if body.strip(b" \t\n") else _Segment(
            {name: np.empty(0) for name in _NUMERIC}, np.empty(0, "datetime64[us]"), None,
            Counter())
    layout = tuple(first.group("prefix" if name == "extensions" else name) is not None
                   for name in _PARTS)
    prefix = first.group("prefix")
    if prefix is not None and prefix not in tpx_prefixes:
        return None
    split = xmltools.split_whole(body, (_layout_pattern(layout, prefix), _POINT))
    if split is None:
        return None  # something between the points that the pattern does not read
    column = split.column
    if split.pattern is _POINT and not set(column("prefix")) - {None} <= tpx_prefixes:
        return None
    try:
        lat = _floats(column("lat"), strict=True)
        lon = _floats(column("lon"), strict=True)
        altitude = _floats(column("ele"), strict=True)
    except ValueError:  # gpxpy refuses the file: the tree path says how
        return None
    times = _pattern_times(column("time"), column("zone"))
    if times is None:
        return None
    heart_rate = _floats(column("hr"))
    heart_rate[heart_rate == 0] = np.nan  # "no sensor" (OpenTracks), not a reading
    cadence = _floats(column("cad"))
    cadences = int(np.count_nonzero(~np.isnan(cadence)))
    return _Segment(
        {"lat": lat, "lon": lon, "altitude_m": altitude, "speed_mps": _floats(column("speed")),
         "heart_rate": heart_rate, "cadence": cadence},
        *times, Counter({TPX_CADENCE_FIELD: cadences} if cadences else {}))


def _pattern_times(local: list[bytes | None], zones: list[bytes | None]
                   ) -> tuple[np.ndarray, timedelta | None] | None:
    """The times of a segment read by pattern, when all points have one in one zone."""
    if not local:
        return np.empty(0, "datetime64[us]"), None
    if len(set(zones)) != 1 or zones[0] is None:
        return None  # times in several zones, or missing on some points: the tree reads them
    texts = b"\n".join(local).decode("ascii").split("\n")  # type: ignore[arg-type]
    return xmltools.utc_times(texts, zones[0].decode("ascii"))


def _floats(values: list[bytes | None], *, strict: bool = False) -> np.ndarray:
    """Numbers from element texts: NaN where there is no text; where there is one that is
    no finite number, gpxpy's float() raises (``strict``) or number_at gives none."""
    if all(values):
        try:
            numbers = np.array(list(map(float, values)), dtype="float64")  # type: ignore[arg-type]
        except ValueError:
            if strict:
                raise
        else:
            if strict or np.isfinite(numbers).all():
                return numbers
    if strict:
        return np.array([float(v) if v else np.nan for v in values], dtype="float64")
    out = [_number(v) for v in values]
    return np.array([np.nan if v is None else v for v in out], dtype="float64")


def _outings(tracks: list[_Track]) -> list[list[_Track]]:
    """Timed tracks grouped into activities: a gap over two hours starts a new one."""
    # A timed track has both times; the filter drops nothing, it gives them their type.
    spans = sorted(((t.first, t.last, t) for t in tracks
                    if t.first is not None and t.last is not None), key=lambda s: s[0])
    groups: list[list[_Track]] = []
    group_end: pd.Timestamp | None = None
    for first, last, track in spans:
        if group_end is None or first - group_end > SEPARATE_ACTIVITY_GAP:
            groups.append([])
            group_end = last
        groups[-1].append(track)
        group_end = max(group_end, last)
    return groups


def _activity(
    group: list[_Track],
    source: str,
    metadata_name: str | None,
    device: str | None,
    file_notes: list[str],
) -> Activity:
    act = Activity(source=source, format=FORMAT, device=device)
    for text in file_notes:
        act.note(text)
    if len(group) > 1:
        act.note(f"{len(group)} tracks combined")
    bogus = [b for t in group for b in t.bogus_times]
    if bogus:
        act.note(f"{len(bogus)} bogus point times dropped (e.g. {bogus[0]})")
    act.name = next((t.name for t in group if t.name), None) or metadata_name

    rows = {key: np.concatenate([t.rows[key] for t in group]) for key in group[0].rows}
    samples = streams.make_samples(rows)
    act.sport, act.sub_sport = _sport(group, act, samples)

    cadence_fields = sum((t.cadence_fields for t in group), Counter())
    cadence_field = cadence_fields.most_common(1)[0][0] if cadence_fields else TPX_CADENCE_FIELD
    streams.fill_from_samples(act, samples, cadence_field=cadence_field)

    if act.start_time is not None:
        act.local_start = xmltools.local_wall_clock(act.start_time, group[0].offset)
        if act.local_start is not None:
            act.local_start_source = "file (time offset)"
    act.surface, act.surface_source = vocab.infer_surface(
        act.sport, act.sub_sport, act.name, sub_sport_origin="gpx type")
    return act


def _sport(group: list[_Track], act: Activity, samples: pd.DataFrame) -> tuple[str, str | None]:
    """From <type>, else the title's words, else the median moving speed."""
    type_text = next((t.type for t in group if t.type), None)
    from_type = vocab.sport_from_type(type_text)
    if type_text and from_type is None:
        act.note(f"unknown activity type {type_text!r}")
    # OpenTracks writes <type>unknown</type>: no better than no type at all.
    if from_type is not None and from_type != ("other", None):
        return from_type
    from_name = vocab.sport_from_name(act.name)
    if from_name is not None:
        act.note("sport inferred from the name")
        return from_name
    speed = _median_moving_speed(samples)
    if speed is None:
        return "other", None
    act.note("sport inferred from speed")
    if speed < WALKING_BELOW_MPS:
        return "walking", None
    if speed <= RUNNING_UP_TO_MPS:
        return "running", None
    return "cycling", None


def _median_moving_speed(samples: pd.DataFrame) -> float | None:
    """Time-weighted median speed (m/s) between moving, timed, positioned samples."""
    pos = samples[samples["time"].notna() & samples["lat"].notna() & samples["lon"].notna()]
    pos = pos.sort_values("time", kind="stable")
    if len(pos) < 2:
        return None
    step_m = streams.haversine_m(pos["lat"].to_numpy()[:-1], pos["lon"].to_numpy()[:-1],
                                 pos["lat"].to_numpy()[1:], pos["lon"].to_numpy()[1:])
    dt = np.diff(streams.seconds(pos["time"]))
    same_segment = np.diff(pos[streams.SEGMENT].to_numpy()) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dt > 0, step_m / np.where(dt > 0, dt, 1), 0.0)
    moving = (same_segment & (dt > 0) & (speed >= streams.MOVING_SPEED_MPS)
              & (speed <= streams.DEFAULT_MAX_SPEED_MPS))
    if not moving.any():
        return None
    return streams.weighted_median(speed[moving], dt[moving])
