"""GPX reader: recorded tracks to activities (FORMATS.md sections 1.4, 3 and 6).

The tracks are read by the fastest way that reads the file exactly as gpxpy would: by pattern
(:mod:`.gpx_pattern`: the points of common layouts, cut out of the text), else off the tree
:mod:`.xmltools` parses (:mod:`.gpx_tree`), else by gpxpy itself (:mod:`.gpx_gpxpy`, the
reference; the activity says so). Every ``<trk>`` and ``<trkseg>`` is read; a segment break
is a pause. Tracks recorded within two hours of each other make one activity, so a watch's
several "ACTIVE LOG" tracks of one outing stay together while a file holding several days' logs
gives one activity per outing. GPX has no device totals: distance, moving time, heart rate,
cadence and ascent all come from the points via :func:`.streams.fill_from_samples`.
"""

from __future__ import annotations

from collections import Counter
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import ReadOptions, gpx_gpxpy, gpx_pattern, gpx_tree, streams, vocab, xmltools
from .gpx_tracks import LOOSE_CADENCE as LOOSE_CADENCE
from .gpx_tracks import LOOSE_CADENCE_FIELD as LOOSE_CADENCE_FIELD
from .gpx_tracks import LOOSE_HEART_RATE as LOOSE_HEART_RATE
from .gpx_tracks import TPX_CADENCE_FIELD, Track, clean
from .gpx_tracks import TRACK_POINT_EXTENSIONS as TRACK_POINT_EXTENSIONS

FORMAT = "gpx"

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


#: The note on an activity the faster paths left to gpxpy.
FALLBACK_NOTE = "read with gpxpy: "

#: The ways to read a GPX: by pattern, else the tree, else gpxpy (the default); the tree,
#: else gpxpy; gpxpy alone (the reference the others are tested against).
PATHS = ("pattern", "tree", "gpxpy")


def _read(data: bytes, source: str, *, path: str = "pattern") -> list[Activity | ParseError]:
    found = gpx_pattern.read_by_pattern(data, source) if path == "pattern" else None
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
                raise gpx_tree.Unsupported("asked for")
            parsed = gpx_tree.read_tree(doc)
        except gpx_tree.Unsupported as exc:
            parsed = gpx_gpxpy.read_with_gpxpy(doc, source)
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
    metadata_name = clean(parsed.name)
    device = clean(parsed.creator)
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
                    bpm = xmltools.finite_number(mark.get("bpm"))
                    if when is None or bpm is None or not 0 < bpm < 260:
                        continue
                    times.append(np.datetime64(when.utc.tz_localize(None), "us"))
                    bpms.append(bpm)
    if not times:
        return None
    when_arr = np.array(times, dtype="datetime64[us]")
    order = np.argsort(when_arr, kind="stable")
    return when_arr[order], np.array(bpms, dtype="float64")[order]


def _join_heart_rate_track(root: Element, tracks: list[Track]) -> int:
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


def _outings(tracks: list[Track]) -> list[list[Track]]:
    """Timed tracks grouped into activities: a gap over two hours starts a new one."""
    # A timed track has both times; the filter drops nothing, it gives them their type.
    spans = sorted(((t.first, t.last, t) for t in tracks
                    if t.first is not None and t.last is not None), key=lambda s: s[0])
    groups: list[list[Track]] = []
    group_end: pd.Timestamp | None = None
    for first, last, track in spans:
        if group_end is None or first - group_end > SEPARATE_ACTIVITY_GAP:
            groups.append([])
            group_end = last
        groups[-1].append(track)
        group_end = max(group_end, last)
    return groups


def _activity(
    group: list[Track],
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


def _sport(group: list[Track], act: Activity, samples: pd.DataFrame) -> tuple[str, str | None]:
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
