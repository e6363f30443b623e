"""One ``<Workout>`` block of an Apple Health export as an activity (FORMATS.md section 9):
sport, distance, durations, heart rate, ascent and local time, from the workout's attributes,
statistics and metadata. Routes and the Watch's step records are joined later
(:mod:`.apple_routes`, :mod:`.apple_steps`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from xml.etree.ElementTree import Element
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from ..model import Activity
from . import vocab
from .xmltools import finite_number

FORMAT = "apple-health"

_TYPE_PREFIX = "HKWorkoutActivityType"
_SPORTS: dict[str, tuple[str, str | None]] = {
    "Running": ("running", None),
    "Walking": ("walking", None),
    "Hiking": ("hiking", None),
    "Cycling": ("cycling", None),
    "HandCycling": ("cycling", "hand cycling"),
    "Swimming": ("swimming", None),
    "TraditionalStrengthTraining": ("strength", None),
    "FunctionalStrengthTraining": ("strength", "functional"),
    "CoreTraining": ("strength", "core"),
    "Rowing": ("rowing", None),
    "PaddleSports": ("paddling", None),
    "CrossCountrySkiing": ("skiing", "cross country"),
    "DownhillSkiing": ("skiing", "downhill"),
    "Snowboarding": ("skiing", "snowboarding"),
    "Yoga": ("yoga", None),
    "Pilates": ("fitness", "pilates"),
    "CrossTraining": ("fitness", "cross training"),
    "MixedCardio": ("fitness", "mixed cardio"),
    "HighIntensityIntervalTraining": ("fitness", "hiit"),
    "Elliptical": ("fitness", "elliptical"),
    "StairClimbing": ("fitness", "stair climbing"),
    "Stairs": ("fitness", "stairs"),
    "Dance": ("fitness", "dance"),
    "Other": ("other", None),
}
#: The workout-level statistic that holds a sport's distance.
_DISTANCE_STATISTIC = {
    "running": "HKQuantityTypeIdentifierDistanceWalkingRunning",
    "walking": "HKQuantityTypeIdentifierDistanceWalkingRunning",
    "hiking": "HKQuantityTypeIdentifierDistanceWalkingRunning",
    "cycling": "HKQuantityTypeIdentifierDistanceCycling",
    "swimming": "HKQuantityTypeIdentifierDistanceSwimming",
    "skiing": "HKQuantityTypeIdentifierDistanceDownhillSnowSports",
}
STEP_COUNT = "HKQuantityTypeIdentifierStepCount"
_HEART_RATE = "HKQuantityTypeIdentifierHeartRate"
_METRES_PER = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "yd": 0.9144, "ft": 0.3048,
               "cm": 0.01, "mm": 0.001, "in": 0.0254}
_SECONDS_PER = {"min": 60.0, "s": 1.0, "sec": 1.0, "hr": 3600.0, "h": 3600.0, "ms": 0.001,
                "d": 86400.0}

_APPLE_TIME = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ?([+-]\d\d):?(\d\d)")


# --- times and quantities -------------------------------------------------------------------


def apple_time(text: str | None) -> pd.Timestamp | None:
    """``2016-11-14 07:25:41 -0700`` as a UTC timestamp (the offset is the exporter's)."""
    if not text:
        return None
    match = _APPLE_TIME.match(text.strip())
    if match is None:
        return None
    day, clock, hours, minutes = match.groups()
    try:
        wall = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    offset = timedelta(hours=int(hours), minutes=int(minutes) * (-1 if hours[0] == "-" else 1))
    if abs(offset) >= timedelta(days=1):
        return None
    return pd.Timestamp((wall - offset).replace(tzinfo=timezone.utc))


def _metres(value: float | None, unit: str | None) -> float | None:
    if value is None or unit is None:
        return None
    factor = _METRES_PER.get(unit.strip())
    return None if factor is None else value * factor


def _quantity_metres(text: str | None) -> float | None:
    """``"6575 cm"`` (a metadata quantity) in metres."""
    if not text:
        return None
    parts = text.split()
    if len(parts) != 2:
        return None
    return _metres(finite_number(parts[0]), parts[1])


# --- one workout --------------------------------------------------------------------------------


@dataclass
class Workout:
    """What a ``<Workout>`` block says, before the routes and step records are joined."""

    activity: Activity
    end_time: pd.Timestamp | None
    source_name: str
    from_watch: bool
    steps: float | None = None  # the workout's own StepCount statistic
    route_files: list[str] = field(default_factory=list)
    locations: list[dict[str, str]] = field(default_factory=list)
    has_route: bool = False  # a <WorkoutRoute> names a route
    route_joined: bool = False


def _is_watch(source_name: str, device: str | None) -> bool:
    if device and "model:" in device:
        return "model:Watch" in device
    return "watch" in source_name.lower()


def _statistics(elem: Element) -> dict[str, dict[str, str]]:
    return {s.get("type", ""): dict(s.attrib) for s in elem if s.tag == "WorkoutStatistics"}


def _metadata(elem: Element) -> dict[str, str]:
    # The whole block may be written twice: the same keys, the same values.
    return {m.get("key", ""): m.get("value", "") for m in elem if m.tag == "MetadataEntry"}


def read_workout(elem: Element, source: str) -> Workout:
    attrs = elem.attrib
    type_text = attrs.get("workoutActivityType", "")
    kind = type_text.removeprefix(_TYPE_PREFIX)
    act = Activity(source=source, format=FORMAT)
    if kind in _SPORTS:
        act.sport, act.sub_sport = _SPORTS[kind]
    else:
        act.sport, act.sub_sport = vocab.sport_from_type(
            re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind)) or ("other", None)
        act.note(f"workout type {type_text!r} read as {act.sport}")
    # Names hold no-break spaces ("Apple\xa0Watch") and trailing spaces: one spelling.
    source_name = " ".join(attrs.get("sourceName", "").split())
    device = attrs.get("device")
    act.device = source_name or None
    act.start_time = apple_time(attrs.get("startDate"))
    end_time = apple_time(attrs.get("endDate"))
    if act.start_time is not None and end_time is not None and end_time >= act.start_time:
        act.elapsed_time_s = (end_time - act.start_time).total_seconds()
    duration = finite_number(attrs.get("duration"))
    unit = attrs.get("durationUnit", "min")
    if duration is not None and duration >= 0 and unit in _SECONDS_PER:
        act.moving_time_s = act.timer_time_s = duration * _SECONDS_PER[unit]

    activities = [c for c in elem if c.tag == "WorkoutActivity"]
    metadata = {}
    for sub in activities:  # the workout's own entries win
        metadata.update(_metadata(sub))
    metadata.update(_metadata(elem))
    statistics = _statistics(elem)
    inner = [_statistics(sub) for sub in activities]

    if metadata.get("HKIndoorWorkout") == "1":
        if act.sport == "running":
            act.sub_sport = "treadmill"
        elif act.sub_sport is None:
            act.sub_sport = "indoor"
    act.surface, act.surface_source = vocab.infer_surface(
        act.sport, act.sub_sport, None, sub_sport_origin="apple HKIndoorWorkout")

    _distance(act, attrs, statistics, inner)
    heart = statistics.get(_HEART_RATE) or (inner[0].get(_HEART_RATE) if len(inner) == 1
                                             else None)
    if heart:
        act.avg_hr = finite_number(heart.get("average"))
    act.elevation_gain_m = _quantity_metres(metadata.get("HKElevationAscended"))

    zone_name = metadata.get("HKTimeZone")
    if act.start_time is not None:
        try:
            zone = ZoneInfo(zone_name) if zone_name else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
            act.note(f"unknown HKTimeZone {zone_name!r}")
        if zone is not None:
            act.local_start = act.start_time.tz_convert(zone).tz_localize(None).to_pydatetime()
            act.local_start_source = "file (HKTimeZone)"

    workout = Workout(act, end_time, source_name, _is_watch(source_name, device))
    step_stat = statistics.get(STEP_COUNT)
    if step_stat is not None:
        workout.steps = finite_number(step_stat.get("sum"))
    for route in elem.iter("WorkoutRoute"):
        workout.has_route = True
        for ref in route.iter("FileReference"):
            path = ref.get("path")
            if path and path not in workout.route_files:
                workout.route_files.append(path)
        workout.locations.extend(dict(loc.attrib) for loc in route.iter("Location"))
    return workout


def _distance(act: Activity, attrs: dict[str, str], statistics: dict[str, dict[str, str]],
              inner: list[dict[str, dict[str, str]]]) -> None:
    total = _metres(finite_number(attrs.get("totalDistance")), attrs.get("totalDistanceUnit"))
    if total:
        act.distance_m = total
        act.distance_source = f"apple Workout totalDistance ({attrs.get('totalDistanceUnit')})"
        return
    kind = _DISTANCE_STATISTIC.get(act.sport)
    candidates = [kind] if kind else list(dict.fromkeys(_DISTANCE_STATISTIC.values()))
    for name in candidates:
        stat = statistics.get(name)
        if stat is not None:
            metres = _metres(finite_number(stat.get("sum")), stat.get("unit"))
            if metres:
                act.distance_m = metres
                short = name.removeprefix("HKQuantityTypeIdentifier")
                act.distance_source = f"apple WorkoutStatistics {short} ({stat.get('unit')})"
                return
    for name in candidates:
        # No workout-level figure: each WorkoutActivity (an interval step) holds its part.
        parts = [_metres(finite_number(s[name].get("sum")), s[name].get("unit"))
                 for s in inner if name in s]
        numbers = [p for p in parts if p is not None]
        if parts and len(numbers) == len(parts) and sum(numbers):
            act.distance_m = float(sum(numbers))
            short = name.removeprefix("HKQuantityTypeIdentifier")
            act.distance_source = (f"apple WorkoutActivity {short} (sum of {len(parts)})"
                                   if len(parts) > 1 else f"apple WorkoutActivity {short}")
            return
