"""GPX read off the parsed tree as gpxpy would read it, without building gpxpy's objects (~15x
less time per track point): the same values, the same refusals. What it cannot read exactly
as gpxpy does (a namespace layout gpxpy reads its own way, a value gpxpy refuses) raises
:class:`Unsupported`, and the reader hands the file to gpxpy.

It also takes the segments that :mod:`.gpx_pattern` cut out of the text and read, where it
meets their marked elements."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd
from gpxpy.gpxfield import TIME_TYPE

from . import streams, xmlpatterns, xmltools
from .gpx_tracks import Gpx, Track, clean, extension_values, why_no_track


class Unsupported(Exception):
    """The tree path cannot read this file exactly as gpxpy does; the reason says why."""


#: gpxpy removes the first default namespace declaration from the text before parsing, then
#: finds elements by bare name.
_DEFAULT_NAMESPACE = re.compile(r"""\sxmlns=(['"])([^'"]+)\1""")
_ROOT_START = re.compile(r"<[^?!]")
#: No time, in the unit of the time columns.
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
class Tags:
    """The tags gpxpy reads, in the document's default namespace (gpxpy's bare names)."""

    prefix: str
    version_11: bool

    def __getitem__(self, name: str) -> str:
        return self.prefix + name

    @property
    def extensions(self) -> str:
        """Read in every version: gpxpy skips a GPX 1.0 point's <extensions>, but producers
        that write ``version="1.0"`` with GPX 1.1 extensions (heart rate, cadence) mean them
        (:mod:`.gpx_gpxpy` gives them to gpxpy's points too)."""
        return self.prefix + "extensions"

    def fields(self, checks: dict[str, Any]) -> dict[str, Any]:
        return {self.prefix + name: check for name, check in checks.items()}


@dataclass
class Segment:
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


def read_tree(doc: xmltools.XmlDocument, segments: list[Segment] | None = None) -> Gpx:
    """The document as gpxpy would read it; ``segments``: the points of the <trkseg>s cut out
    of the text, each left as an empty element marked with its index."""
    try:
        return _fast_gpx(doc, segments)
    except (ValueError, TypeError, OverflowError) as exc:  # a value gpxpy refuses
        raise Unsupported(f"{type(exc).__name__}: {exc}") from None


def _fast_gpx(doc: xmltools.XmlDocument, segments: list[Segment] | None) -> Gpx:
    root = doc.root
    version_11 = root.get("version") == "1.1"
    tags = Tags(namespace_prefix(doc), version_11)
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
            mark = seg.get(xmlpatterns.CUT_MARK) if segments is not None else None
            if mark is not None:
                if mark != str(used):
                    raise Unsupported("cut segments out of order")
                points: Segment | list[Element] = segments[used]  # type: ignore[index]
                used += 1
            else:
                points = [p for p in seg if p.tag == tags["trkpt"]]
            if len(points):
                segment += 1
                columns.add(points, segment)
        if columns.segments:
            name = _first_text(trk, tags["name"])
            kind = _first_text(trk, tags["type"]) if version_11 else None
            tracks.append(columns.track(clean(name), clean(kind)))
    if segments is not None and used != len(segments):
        raise Unsupported("a cut segment is not where gpxpy reads tracks")
    if version_11:
        metadata = first_child(root, tags["metadata"])
        name = _first_text(metadata, tags["name"]) if metadata is not None else None
    else:
        name = _first_text(root, tags["name"])
    return Gpx(tracks=tracks, name=name, creator=root.get("creator"),
               why_no_track=why_no_track(len(trks), len(routes), len(waypoints)))


def namespace_prefix(doc: xmltools.XmlDocument) -> str:
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
        raise Unsupported("a default namespace declared below the root")
    return "{" + uri + "}"


def first_child(elem: Element, tag: str) -> Element | None:
    """ElementTree's find(tag): the first child with this tag."""
    for child in elem:
        if child.tag == tag:
            return child
    return None


def _first_text(elem: Element, tag: str) -> str | None:
    found = first_child(elem, tag)
    return None if found is None else found.text


def _check_first(elem: Element, tag: str, check: Any) -> None:
    found = first_child(elem, tag)
    if found is not None:
        check(found.text)


def _check_metadata(root: Element, tags: Tags) -> None:
    """The bounds are the only metadata gpxpy converts (1.1: under <metadata>)."""
    holder = first_child(root, tags["metadata"]) if tags.version_11 else root
    bounds = first_child(holder, tags["bounds"]) if holder is not None else None
    if bounds is not None:
        for attribute in ("minlat", "maxlat", "minlon", "maxlon"):
            _float(bounds.get(attribute))


def _check_point(point: Element, fields: dict[str, Any]) -> None:
    """Raise where gpxpy refuses a waypoint or route point."""
    for attribute in ("lat", "lon"):
        value = point.get(attribute)
        if value is None:
            raise Unsupported(f"a point without {attribute}")
        float(value.strip())
    seen = set()
    for child in point:
        check = fields.get(child.tag)
        if check is not None and child.tag not in seen:
            seen.add(child.tag)
            check(child.text)


NUMERIC = ("lat", "lon", "altitude_m", "speed_mps", "heart_rate", "cadence")


class _TrackColumns:
    """A track's points, collected segment by segment, then turned into sample columns."""

    def __init__(self, tags: Tags) -> None:
        self.tags = tags
        self.chunks: list[Segment] = []
        self.segments: list[tuple[int, int]] = []  # (segment number, points)

    def add(self, points: list[Element] | Segment, segment: int) -> None:
        chunk = points if isinstance(points, Segment) else self._read_elements(points)
        self.chunks.append(chunk)
        self.segments.append((segment, len(chunk)))

    def _read_elements(self, points: list[Element]) -> Segment:
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
                raise Unsupported("a track point without lat or lon")
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
            heart_rate, cadence, ext_speed, cadence_field = extension_values(extensions)
            if cadence_field:
                cadence_fields[cadence_field] += 1
            speed.append(ext_speed if ext_speed is not None else point_speed)
            # 0 bpm is a placeholder for "no sensor" (OpenTracks), not a reading.
            heart_rates.append(heart_rate if heart_rate else None)
            cadences.append(cadence)
        values = (lat, lon, altitude, speed, heart_rates, cadences)
        utc, offsets = _times(times)
        return Segment({name: np.array(column, dtype="float64")
                        for name, column in zip(NUMERIC, values)}, utc, offsets,
                       cadence_fields)

    def track(self, name: str | None, kind: str | None) -> Track:
        """The columns, and the bookkeeping gpx_gpxpy does point by point, on arrays."""
        utc_us = np.concatenate([chunk.utc for chunk in self.chunks])
        now_us = (pd.Timestamp.now(tz="UTC") + xmltools.FUTURE_SLACK).value // 1000
        earliest_us = xmltools.EARLIEST_PLAUSIBLE.value // 1000
        known = ~np.isnat(utc_us)
        values = utc_us.astype("int64")
        plausible = known & (values >= earliest_us) & (values <= now_us)
        times = np.where(plausible, utc_us, _NO_TIME)
        rows = {"time": times}
        for column in NUMERIC:
            rows[column] = np.concatenate([chunk.columns[column] for chunk in self.chunks])
        rows[streams.SEGMENT] = np.repeat(
            np.array([s for s, _ in self.segments], dtype="int64"), [n for _, n in self.segments])
        track = Track(name=name, type=kind, rows=rows,
                      cadence_fields=sum((c.cadence_fields for c in self.chunks), Counter()))
        track.bogus_times = [pd.Timestamp(t, tz="UTC").strftime("%Y-%m-%d")
                             for t in utc_us[known & ~plausible]]
        track.timed_points = int(plausible.sum())
        if track.timed_points:
            track.first = pd.Timestamp(times[plausible].min(), tz="UTC")
            track.last = pd.Timestamp(times[plausible].max(), tz="UTC")
            # gpx_gpxpy keeps the offset of the last point at the earliest time.
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
