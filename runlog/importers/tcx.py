"""TCX reader: Garmin Training Center activities (FORMATS.md sections 1.4, 3, 4.2 and 7).

The standard library's ElementTree parses the file once :mod:`.xmltools` has cleaned it;
elements are matched by local name because producers disagree on namespaces (Strava's
``<TPX>`` redeclares the default one, some files have none). Each ``<Activity>`` (also inside
a ``<MultiSportSession>``) is one activity. Laps give distance and timer time; trackpoints
(:mod:`.tcx_trackpoints`, which reads the tracks of common layouts by pattern) give the rest
through :func:`.streams.fill_from_samples`. A lap's second ``<Track>`` is a pause (Garmin and
Polar start one when the timer stops); a new lap is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import ReadOptions, streams, tcx_trackpoints, vocab, xmltools
from .tcx_trackpoints import CORE_CADENCE_FIELD as CORE_CADENCE_FIELD
from .tcx_trackpoints import RUN_CADENCE_FIELD as RUN_CADENCE_FIELD
from .xmltools import children, descendants, number_at, text_at

FORMAT = "tcx"
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
    found = tcx_trackpoints.read_by_pattern(data, source) if path == "pattern" else None
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
    cut: list[tcx_trackpoints.CutTrack],
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
    points = tcx_trackpoints.trackpoints(element, act.sport, cut)
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
