"""TCX trackpoints to sample columns: read off the tree a column at a time, or, for each
<Track> that holds nothing but trackpoints as Garmin writes them, cut out of the text and
read by pattern (:func:`read_by_pattern`); both as the former point-by-point reading read
them (tests/test_fasttcx.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from ..errors import ParseError
from . import streams, xmlpatterns, xmltools
from .xmltools import children

RUN_CADENCE_FIELD = "tcx TPX RunCadence"
CORE_CADENCE_FIELD = "tcx Cadence"


@dataclass
class Trackpoints:
    rows: dict[str, np.ndarray]
    cadence_field: str
    #: trackpoints dropped because an earlier one has the same time
    repeated: int
    tracks: int


#: The columns a trackpoint gives, in order, and where each is: a slot number for an element
#: whose text is read, a table of the same kind for an element whose children hold them.
_POINT_COLUMNS = ("time", "lat", "lon", "altitude_m", "distance_m", "heart_rate",
                  "core_cadence", "speed_mps", "run_cadence")
_NUMBER_COLUMNS = _POINT_COLUMNS[1:]
_POINT_LAYOUT: dict[str, Any] = {
    "Time": 0,
    "Position": {"LatitudeDegrees": 1, "LongitudeDegrees": 2},
    "AltitudeMeters": 3,
    "DistanceMeters": 4,
    "HeartRateBpm": {"Value": 5},
    "Cadence": 6,
    "Extensions": {"TPX": {"Speed": 7, "RunCadence": 8}},
}


def trackpoints(element: Element, sport: str, cut: list[CutTrack]) -> Trackpoints:
    """Sample columns from every trackpoint, with a new segment at each pause.

    A trackpoint repeating an earlier one's time is dropped: Garmin repeats the last point of
    a lap as the first of the next, and COROS writes the whole track again into every lap.
    Values are read as :func:`.xmltools.number_at` and :func:`.xmltools.file_time` read them,
    a column at a time (tests/test_tcx.py compares with a point-by-point reading). The
    trackpoints of a track read by pattern (``cut``) are taken as they are.
    """
    texts: dict[str, list[str | bytes | None]] = {name: [] for name in _NUMBER_COLUMNS}
    track_times: list[np.ndarray] = []
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
            for name in _NUMBER_COLUMNS:
                texts[name] += body.texts[name]
            track_times.append(body.times())
            segments += [segment] * body.count
            continue
        points = []
        for point in children(track, "Trackpoint"):
            row: list[str | None] = [None] * len(_POINT_COLUMNS)
            _read_point(point, _POINT_LAYOUT, row, names)
            points.append(row)
        columns = dict(zip(_POINT_COLUMNS, zip(*points)))
        for name in _NUMBER_COLUMNS:
            texts[name] += columns.get(name, ())
        track_times.append(_times(columns.get("time", [])))
        segments += [segment] * len(points)

    times = (np.concatenate(track_times) if track_times
             else np.empty(0, dtype="datetime64[us]"))
    valid = ~np.isnat(times)
    keep = ~valid
    where = np.flatnonzero(valid)
    keep[where[np.unique(times[where], return_index=True)[1]]] = True
    run_cadence = xmltools.floats(texts["run_cadence"])
    core_cadence = (xmltools.floats(texts["core_cadence"]) if sport == "running"
                    else np.full(len(times), np.nan))
    heart_rate = xmltools.floats(texts["heart_rate"])
    heart_rate[heart_rate == 0] = np.nan  # "or None" in the point-by-point reading
    rows = {
        "time": times,
        "lat": xmltools.floats(texts["lat"]),
        "lon": xmltools.floats(texts["lon"]),
        "altitude_m": xmltools.floats(texts["altitude_m"]),
        "distance_m": xmltools.floats(texts["distance_m"]),
        "speed_mps": xmltools.floats(texts["speed_mps"]),
        "heart_rate": heart_rate,
        # Polar and Suunto write run cadence into the core <Cadence> meant for bikes.
        "cadence": np.where(np.isnan(run_cadence), core_cadence, run_cadence),
        streams.SEGMENT: np.array(segments, dtype="int64"),
    }
    rows = {name: column[keep] for name, column in rows.items()}
    run_cadences = int(np.count_nonzero(~np.isnan(run_cadence[keep])))
    core_cadences = int(np.count_nonzero(~np.isnan(core_cadence[keep])))
    cadence_field = CORE_CADENCE_FIELD if core_cadences > run_cadences else RUN_CADENCE_FIELD
    return Trackpoints(rows, cadence_field, int(len(keep) - keep.sum()), len(tracks))


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

_WS = xmlpatterns.WS
#: Element text as XML reads it unchanged (a track body with anything else is not split
#: whole, and is left to the tree).
_TEXT = xmlpatterns.TEXT
#: A time as almost every producer writes it (ISO, seconds to six decimals), and its zone.
_ISO_LOCAL = xmlpatterns.ISO_LOCAL_TIME
_ISO_TIME = re.compile(b"(" + _ISO_LOCAL + rb")(Z|[+-]\d\d:\d\d)")
#: A track this many times as long as its first trackpoint is read with a pattern copied
#: from that point (xmlpatterns.exact_pattern): compiling one takes about half a millisecond
#: (once per layout and process; Python keeps the last 512), which this many points repay.
_EXACT_FROM_POINTS = 500
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
    expression with fewer alternatives (about twice as fast); None: any of them. Whitespace
    before the point is part of it, so the parts of a split between points are all empty."""
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
        _WS + b"<Trackpoint>" + part("time", _element(b"Time", "time"))
        + part("lat", _WS + b"<Position>" + _element(b"LatitudeDegrees", "lat")
               + _element(b"LongitudeDegrees", "lon") + _WS + b"</Position>")
        + part("altitude_m", _element(b"AltitudeMeters", "altitude_m"))
        + part("distance_m", _element(b"DistanceMeters", "distance_m"))
        + part("heart_rate", _WS + rb"<HeartRateBpm(?:[ \t\n]+xsi:type=\""
               + xmlpatterns.ATTRIBUTE_VALUE + rb"\")?" + _WS + b">"
               + _element(b"Value", "heart_rate") + _WS + b"</HeartRateBpm>")
        + part("core_cadence", _element(b"Cadence", "core_cadence"))
        + part("sensor_state", _element(b"SensorState", "sensor_state"))
        + part("extensions", extensions) + _WS + b"</Trackpoint>")


@dataclass
class CutTrack:
    """The trackpoints of one <Track> read by pattern: each column's texts, as bytes; when
    the pattern read every time as plain ISO in one ``zone``, the times without it."""

    texts: dict[str, list[bytes | None]]
    zone: bytes | None = None

    @property
    def count(self) -> int:
        return len(self.texts["time"])

    def times(self) -> np.ndarray:
        """The times as :func:`_times` reads them."""
        local = self.texts["time"]
        if self.zone is None or not local:
            return _times(local)
        found = xmlpatterns.local_times(local, self.zone)  # type: ignore[arg-type]
        if found is None:  # a field out of range, or a zone of a day or more: none is read
            return _times([time + self.zone for time in local])  # type: ignore[operator]
        return _plausible(found[0])


def read_by_pattern(data: bytes, source: str) -> tuple[xmltools.XmlDocument,
                                                         list[CutTrack]] | None:
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


def _pattern_track(body: bytes, declared: set[bytes]) -> CutTrack | None:
    tpx = _TPX_PREFIX.search(body)
    prefix = tpx.group(1) if tpx else None
    if prefix is not None and prefix not in declared:
        return None
    general = _point_pattern(prefix)
    first = general.search(body)
    if first is None:
        return None if body.strip(b" \t\n") else CutTrack({name: [] for name in _POINT_COLUMNS})
    # A pattern copied from the first point for a long track of points all written alike;
    # the first point's layout for all (one expression without alternatives); the general
    # expression when the points differ.
    extensions = first.group(0).find(b"<Extensions>") >= 0
    layout = tuple(extensions if name == "extensions" else first.group(name) is not None
                   for name in _PARTS)
    patterns = [_point_pattern(prefix, layout), general]
    zone = None
    if len(body) >= _EXACT_FROM_POINTS * len(first.group()):
        values = {name: b"(?P<" + name.encode() + b">" + _TEXT + b")"
                  for name in _POINT_COLUMNS}
        values.update({name: b"(?:" + _TEXT + b")" for name in ("sensor_state", "watts")})
        time = _ISO_TIME.fullmatch(first.group("time") or b"")
        if time is not None:  # then read without a string per point (CutTrack.times)
            zone = time.group(2)
            values["time"] = b"(?P<time>" + _ISO_LOCAL + b")" + re.escape(zone)
        patterns.insert(0, xmlpatterns.exact_pattern(first, values))
    split = xmlpatterns.split_whole(body, patterns)
    if split is None:
        return None  # something between the points that the pattern does not read
    exact = split.pattern is patterns[0] and len(patterns) == 3
    # xsi:type (on <HeartRateBpm>) needs xsi declared where the tree would see it; in a track
    # read by a copied pattern every point's markup is the first one's.
    if b"xsi" not in declared and b"xsi:" in (first.group() if exact else body):
        return None
    return CutTrack({name: split.column(name) for name in _POINT_COLUMNS},
                    zone if exact else None)


def _times(raw: Sequence[str | bytes | None]) -> np.ndarray:
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
    return _plausible(out)


def _plausible(times: np.ndarray) -> np.ndarray:
    """``times`` (changed) with NaT for those no watch recorded
    (:func:`.xmltools.is_plausible`)."""
    earliest = np.datetime64(xmltools.EARLIEST_PLAUSIBLE.tz_localize(None), "us")
    latest = np.datetime64((pd.Timestamp.now(tz="UTC") + xmltools.FUTURE_SLACK)
                           .tz_localize(None), "us")
    times[(times < earliest) | (times > latest)] = np.datetime64("NaT")
    return times
