"""GPX read through gpxpy, the reference the faster paths are tested against, and the reader's
last resort for a file they cannot read exactly as gpxpy does."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from xml.etree.ElementTree import Element

import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd

from ..errors import ParseError
from . import streams, xmltools
from .gpx_tracks import Gpx, Track, clean, extension_values, why_no_track
from .gpx_tree import Tags, first_child, namespace_prefix


def read_with_gpxpy(doc: xmltools.XmlDocument, source: str) -> Gpx:
    try:
        gpx = gpxpy.parse(doc.text)
    except gpxpy.gpx.GPXException as exc:
        raise ParseError(f"unreadable GPX: {exc}", source) from None
    if gpx.version != "1.1":
        _attach_extensions(gpx, doc)
    return Gpx(tracks=_tracks(gpx), name=gpx.name, creator=gpx.creator,
               why_no_track=why_no_track(len(gpx.tracks), len(gpx.routes),
                                         len(gpx.waypoints)))


def _attach_extensions(gpx: gpxpy.gpx.GPX, doc: xmltools.XmlDocument) -> None:
    """Give gpxpy's points of a GPX 1.0 document the <extensions> gpxpy skips there: each
    point's first <extensions> element's children, from the tree, point by point (left as
    they are unless the tree's tracks, segments and points match gpxpy's one to one)."""
    tags = Tags(namespace_prefix(doc), False)
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
        found = first_child(element, tags.extensions)
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


def _tracks(gpx: gpxpy.gpx.GPX) -> list[Track]:
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
            out.append(Track(
                name=clean(trk.name), type=clean(trk.type), rows=columns,
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
    heart_rate, cadence, speed, cadence_field = extension_values(point.extensions)
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
