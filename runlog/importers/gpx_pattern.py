"""GPX track points read by pattern: each <trkseg> that holds nothing but points as Garmin
Connect, Strava and most watches write them is cut out of the text and read with one regular
expression; the rest of the file goes through :mod:`.gpx_tree` as usual."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from functools import lru_cache

import numpy as np

from ..errors import ParseError
from . import gpx_tree, xmlpatterns, xmltools
from .gpx_tracks import TPX_CADENCE_FIELD, TRACK_POINT_EXTENSIONS, Gpx
from .gpx_tree import NUMERIC, Segment

#: Whitespace, element text and attribute values as XML reads them unchanged (a body with
#: anything else is not split whole, and is left to the tree).
_WS = xmlpatterns.WS
_TEXT = xmlpatterns.TEXT
_VALUE = xmlpatterns.ATTRIBUTE_VALUE
_TIME = xmlpatterns.ISO_LOCAL_TIME
_ZONE = rb"Z|[+-]\d\d:\d\d"
#: TrackPointExtension children in the order of Garmin's schema; the reader uses three.
_TPX_CHILDREN = ("atemp", "wtemp", "depth", "hr", "cad", "speed", "course", "bearing")
_TPX_USED = ("hr", "cad", "speed")
#: The optional parts of a point, in order; a layout says which of them a point has.
_PARTS = ("ele", "time", "extensions", *_TPX_CHILDREN)
#: The values of a point in a pattern copied from one (xmlpatterns.exact_pattern): groups for
#: those the reader uses; the zone is copied as written, like the markup.
_EXACT_VALUES = {
    "lat": rb"(?P<lat>" + _VALUE + rb")", "lon": rb"(?P<lon>" + _VALUE + rb")",
    "ele": rb"(?P<ele>" + _TEXT + rb")", "time": rb"(?P<time>" + _TIME + rb")",
    **{name: (rb"(?P<" + name.encode() + rb">" if name in _TPX_USED else rb"(?:") + _TEXT + rb")"
       for name in _TPX_CHILDREN}}
#: A segment this many times as long as its first point is read with a pattern copied from
#: that point: compiling one takes about half a millisecond (once per layout and process;
#: Python keeps the last 512), which this many points repay.
_EXACT_FROM_POINTS = 500


def _point_pattern(layout: tuple[bool, ...] | None = None, prefix: bytes | None = None
                   ) -> re.Pattern[bytes]:
    """One <trkpt> as Garmin Connect, Strava and most watches write it: lat then lon, an
    optional <ele> and a <time> in ISO form, and optionally a TrackPointExtension in schema
    order; no comments, entities or other markup (anything else is read from the tree).
    ``layout`` (with the extension ``prefix``): exactly these parts, for a regular expression
    without alternatives, twice as fast; None: any of them (groups named after the parts).
    Whitespace before the point is part of it, so the parts of a split between points are
    all empty, no new object per point."""
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
        _WS + rb"<trkpt[ \t\n]+lat=\"(?P<lat>" + _VALUE + rb")\"[ \t\n]+lon=\"(?P<lon>"
        + _VALUE + rb")\"" + _WS + rb">"
        + part("ele", rb"<ele>(?P<ele>" + _TEXT + rb")</ele>")
        + part("time", rb"<time>(?P<time>" + _TIME + rb")(?P<zone>" + _ZONE + rb")</time>")
        + extensions + _WS + rb"</trkpt>")


_POINT = _point_pattern()


@lru_cache(maxsize=64)
def _layout_pattern(layout: tuple[bool, ...], prefix: bytes | None) -> re.Pattern[bytes]:
    return _point_pattern(layout, prefix)


_SEGMENT_START = re.compile(rb"<trkseg[ \t\n]*>")


def read_by_pattern(data: bytes, source: str) -> tuple[xmltools.XmlDocument, Gpx] | None:
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
    declarations = xmlpatterns.root_namespaces(data)
    if declarations is None:
        return None
    tpx_prefixes = {prefix for prefix, uri in declarations
                    if prefix and uri in TRACK_POINT_EXTENSIONS}
    cut = xmlpatterns.cut_bodies(data, _SEGMENT_START, b"</trkseg>", "trkseg",
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
            or xmlpatterns.deepest_cut(doc.root) + 4 >= xmltools.MAX_DEPTH):
        return None
    try:
        return doc, gpx_tree.read_tree(doc, segments)
    except gpx_tree.Unsupported:
        return None


def _pattern_segment(body: bytes, tpx_prefixes: set[bytes]) -> Segment | None:
    """The points of one <trkseg> body of nothing but plain-layout points, else None.

    A pattern copied from the first point reads a long segment whose points are all written
    alike; else the first point's layout gives a pattern for all; a segment whose points vary
    is split with the general pattern.
    """
    first = _POINT.search(body)
    if first is None:
        return None if body.strip(b" \t\n") else Segment(
            {name: np.empty(0) for name in NUMERIC}, np.empty(0, "datetime64[us]"), None,
            Counter())
    layout = tuple(first.group("prefix" if name == "extensions" else name) is not None
                   for name in _PARTS)
    prefix = first.group("prefix")
    if prefix is not None and prefix not in tpx_prefixes:
        return None
    patterns = [_layout_pattern(layout, prefix), _POINT]
    if len(body) >= _EXACT_FROM_POINTS * len(first.group()):
        patterns.insert(0, xmlpatterns.exact_pattern(first, _EXACT_VALUES))
    split = xmlpatterns.split_whole(body, patterns)
    if split is None:
        return None  # something between the points that the pattern does not read
    column = split.column
    if split.pattern is _POINT and not set(column("prefix")) - {None} <= tpx_prefixes:
        return None
    try:
        lat = xmltools.floats(column("lat"), strict=True)
        lon = xmltools.floats(column("lon"), strict=True)
        altitude = xmltools.floats(column("ele"), strict=True)
    except ValueError:  # gpxpy refuses the file: the tree path says how
        return None
    zone = column("zone") if "zone" in split.pattern.groupindex else first.group("zone")
    times = _pattern_times(column("time"), zone)
    if times is None:
        return None
    heart_rate = xmltools.floats(column("hr"))
    heart_rate[heart_rate == 0] = np.nan  # "no sensor" (OpenTracks), not a reading
    cadence = xmltools.floats(column("cad"))
    cadences = int(np.count_nonzero(~np.isnan(cadence)))
    speed = xmltools.floats(column("speed"))
    return Segment(
        {"lat": lat, "lon": lon, "altitude_m": altitude, "speed_mps": speed,
         "heart_rate": heart_rate, "cadence": cadence},
        *times, Counter({TPX_CADENCE_FIELD: cadences} if cadences else {}))


def _pattern_times(local: list[bytes | None], zone: list[bytes | None] | bytes | None
                   ) -> tuple[np.ndarray, timedelta | None] | None:
    """The times of a segment read by pattern, when all points have one in one zone (each
    point's ``zone``, or the one all were written in)."""
    if not local:
        return np.empty(0, "datetime64[us]"), None
    if isinstance(zone, list):
        zone = zone[0] if len(set(zone)) == 1 else None
    if zone is None:
        return None  # times in several zones, or missing on some points: the tree reads them
    return xmlpatterns.local_times(local, zone)  # type: ignore[arg-type]
