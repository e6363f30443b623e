"""What every way of reading a GPX gives the reader: tracks as sample columns, and the
<extensions> vocabulary the tree and gpxpy paths share (which elements hold heart rate,
cadence and speed, whatever prefix a producer gave them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from . import xmltools

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


@dataclass
class Track:
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
class Gpx:
    """What the reader takes from a GPX document, by either path."""

    tracks: list[Track]  # the tracks that hold points
    name: str | None
    creator: str | None
    why_no_track: str


def why_no_track(tracks: int, routes: int, waypoints: int) -> str:
    if tracks:
        return "GPX tracks hold no points"
    if routes:
        return "GPX holds only a route (<rte>), not a recorded track"
    if waypoints:
        return "GPX holds only waypoints, not a recorded track"
    return "GPX holds no track (<trk>)"


def clean(text: str | None) -> str | None:
    text = " ".join(text.split()) if text else ""
    return text or None


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


def extension_values(
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
