"""GPX reader: recorded tracks to activities (FORMATS.md sections 1.4, 3 and 6).

gpxpy parses the file once :mod:`.xmltools` has cleaned it. Every ``<trk>`` and ``<trkseg>`` is
read; a segment break is a pause. Tracks recorded within two hours of each other make one
activity, so a watch's several "ACTIVE LOG" tracks of one outing stay together while a file
holding several days' logs gives one activity per outing. GPX has no device totals: distance,
moving time, heart rate, cadence and ascent all come from the points via
:func:`.streams.fill_from_samples`.
"""

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


@dataclass
class _Track:
    """One <trk>'s points as sample columns, with what is needed to group and describe it."""

    name: str | None
    type: str | None
    rows: dict[str, list[Any]] = field(default_factory=lambda: {
        "time": [], "lat": [], "lon": [], "altitude_m": [], "speed_mps": [],
        "heart_rate": [], "cadence": [], streams.SEGMENT: []})
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


def _read(data: bytes, source: str) -> list[Activity | ParseError]:
    doc = xmltools.parse(data, source)
    if xmltools.local_name(doc.root.tag) != "gpx":
        raise ParseError(f"not a GPX file: the root element is "
                         f"<{xmltools.local_name(doc.root.tag)}>", source)
    try:
        gpx = gpxpy.parse(doc.text)
    except gpxpy.gpx.GPXException as exc:
        raise ParseError(f"unreadable GPX: {exc}", source) from None

    tracks = _tracks(gpx)
    if not tracks:
        raise NotAnActivity(_why_no_track(gpx), source)
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

    file_notes = list(doc.notes)
    untimed = len(tracks) - len(timed)
    if untimed:
        # A track without any time beside recorded ones is a saved copy or a planned route;
        # adding it would count the same ground twice.
        file_notes.append(f"{untimed} track{'s' if untimed > 1 else ''} without timestamps "
                          f"left out")
    metadata_name = _clean(gpx.name)
    device = _clean(gpx.creator)
    return [_activity(group, source, metadata_name, device, file_notes)
            for group in _outings(timed)]


def _why_no_track(gpx: gpxpy.gpx.GPX) -> str:
    if gpx.tracks:
        return "GPX tracks hold no points"
    if gpx.routes:
        return "GPX holds only a route (<rte>), not a recorded track"
    if gpx.waypoints:
        return "GPX holds only waypoints, not a recorded track"
    return "GPX holds no track (<trk>)"


def _clean(text: str | None) -> str | None:
    text = " ".join(text.split()) if text else ""
    return text or None


def _tracks(gpx: gpxpy.gpx.GPX) -> list[_Track]:
    """Tracks that hold points; every non-empty segment gets its own segment number."""
    out = []
    segment = 0
    for trk in gpx.tracks:
        track = _Track(name=_clean(trk.name), type=_clean(trk.type))
        for seg in trk.segments:
            if not seg.points:
                continue
            segment += 1
            for point in seg.points:
                _add_point(track, point, segment)
        if track.size:
            out.append(track)
    return out


def _add_point(track: _Track, point: gpxpy.gpx.GPXTrackPoint, segment: int) -> None:
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


def _extension_values(
    extensions: list[Element],
) -> tuple[float | None, float | None, float | None, str | None]:
    """(heart rate, cadence, speed, cadence field) from a point's <extensions>.

    Garmin's TrackPointExtension is matched by namespace URI (its prefix differs by producer)
    and wins over the loose elements other producers write.
    """
    tpx: dict[str, float | None] = {}
    loose_hr = loose_cadence = None
    for ext in extensions:
        name = xmltools.local_name(ext.tag)
        if name == "TrackPointExtension" and xmltools.namespace(ext.tag) in TRACK_POINT_EXTENSIONS:
            for item in ext:
                tpx[xmltools.local_name(item.tag)] = xmltools.number_at(item)
        elif name in LOOSE_HEART_RATE and loose_hr is None:
            loose_hr = xmltools.number_at(ext)
        elif name in LOOSE_CADENCE and loose_cadence is None:
            loose_cadence = xmltools.number_at(ext)
    heart_rate = tpx.get("hr") or loose_hr
    if tpx.get("cad") is not None:
        cadence, cadence_field = tpx["cad"], TPX_CADENCE_FIELD
    elif loose_cadence is not None:
        cadence, cadence_field = loose_cadence, LOOSE_CADENCE_FIELD
    else:
        cadence, cadence_field = None, None
    return heart_rate, cadence, tpx.get("speed"), cadence_field


def _outings(tracks: list[_Track]) -> list[list[_Track]]:
    """Timed tracks grouped into activities: a gap over two hours starts a new one."""
    ordered = sorted(tracks, key=lambda t: t.first)
    groups: list[list[_Track]] = []
    group_end: pd.Timestamp | None = None
    for track in ordered:
        if group_end is None or track.first - group_end > SEPARATE_ACTIVITY_GAP:
            groups.append([])
            group_end = track.last
        groups[-1].append(track)
        group_end = max(group_end, track.last)
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

    rows = {key: [v for t in group for v in t.rows[key]] for key in group[0].rows}
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
