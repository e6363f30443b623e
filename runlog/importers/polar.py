"""Polar Flow training sessions (flow.polar.com → Settings → "Download your data"): the
``training-session-*.json`` files of the account export, in both schemas (FORMATS.md
section 10). One activity per exercise of a session.

* **Old** (``"exportVersion": "1.8"``...): ``startTime`` on the wall clock, ``timeZoneOffset``
  (session) / ``timezoneOffset`` (exercise) in minutes, ``duration`` ISO 8601 (``PT1970.031S``),
  ``exercises[].sport`` an enum (``RUNNING``, ``OTHER_INDOOR``...), ``cadence.avg`` in strides
  per minute (one foot: ×2), samples as ``{dateTime, value}`` lists (``value`` left out when
  there is no reading), ``recordedRoute``.
* **New** (``identifier``, ``durationMillis``): ``sport.id`` a numeric string, ``hrAvg`` 0
  when no sensor was worn (no reading, not zero), ``samples.samples[]`` of ``{type,
  intervalMillis, values}`` with dropouts as bare ``NaN`` tokens or ``"NaN"`` strings, and
  ``routes.route.wayPoints[]`` timed by ``elapsedMillis``.

Distance and cadence are the file's own summary figures; the samples give what it lacks (the
distance when it has none, elevation gain, average heart rate) and the cadence histogram.
A file with no offset gives the start in the settings' time zone, and says so.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import ReadOptions, reader_boundary, streams, vocab

FORMAT = "polar"

#: Polar's numeric sport ids as seen in exports (no published table: FORMATS.md section 10).
SPORT_IDS: dict[str, tuple[str, str | None]] = {
    "1": ("running", None),
    "17": ("running", "treadmill"),
    "2": ("cycling", None),
    "16": ("other", "other outdoor"),
    "83": ("other", "other indoor"),
    "103": ("swimming", "pool"),
    "15": ("strength", None),
    "20": ("fitness", "circuit training"),
}
#: Old-schema sport names that the type vocabulary does not read as they are.
SPORT_NAMES: dict[str, tuple[str, str | None]] = {
    "RUNNING": ("running", None),
    "TREADMILL_RUNNING": ("running", "treadmill"),
    "TRAIL_RUNNING": ("running", "trail"),
    "ROAD_RUNNING": ("running", "street"),
    "TRACK_AND_FIELD_RUNNING": ("running", "track"),
    "OTHER_INDOOR": ("other", "other indoor"),
    "OTHER_OUTDOOR": ("other", "other outdoor"),
    "CIRCUIT_TRAINING": ("fitness", "circuit training"),
    "STRENGTH_TRAINING": ("strength", None),
    "POOL_SWIMMING": ("swimming", "pool"),
    "OPEN_WATER_SWIMMING": ("swimming", "open water"),
}
_DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")
#: New-schema sample types -> sample column (and the factor to SI).
_SAMPLE_TYPES = {"DISTANCE": ("distance_m", 1.0), "SPEED": ("speed_mps", 1 / 3.6),
                 "HEART_RATE": ("heart_rate", 1.0), "CADENCE": ("cadence", 1.0),
                 "ALTITUDE": ("altitude_m", 1.0)}
#: Old-schema sample lists -> sample column (and the factor to SI).
_OLD_SAMPLES = {"distance": ("distance_m", 1.0), "speed": ("speed_mps", 1 / 3.6),
                "heartRate": ("heart_rate", 1.0), "cadence": ("cadence", 1.0),
                "altitude": ("altitude_m", 1.0)}


def read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    """The exercises of a Polar Flow training session file."""
    with reader_boundary("Polar session", source):
        return _read(data, source, options)


def load_json(data: bytes, source: str) -> Any:
    """The file's JSON (bare ``NaN`` tokens allowed, as Polar writes them)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError("not a Polar JSON file: not UTF-8 text", source,
                         offset=exc.start) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ParseError("not a Polar JSON file: nested too deep", source) from None
    except json.JSONDecodeError as exc:
        raise ParseError(f"not a Polar JSON file: {exc.msg}", source, line=exc.lineno,
                         offset=len(text[:exc.pos].encode())) from None


def _read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    doc = load_json(data, source)
    if not isinstance(doc, dict):
        raise NotAnActivity("a JSON file that is not a Polar training session", source)
    exercises = doc.get("exercises")
    if not isinstance(exercises, list) or not exercises:
        if any(key in doc for key in ("summaries", "samples", "steps", "date")):
            raise NotAnActivity("a Polar daily activity file (steps through the day), not a "
                                "training session", source)
        raise NotAnActivity("a JSON file with no Polar exercises: not a training session",
                            source)
    new = "exportVersion" not in doc and ("durationMillis" in doc or "identifier" in doc)
    out: list[Activity | ParseError] = []
    for index, exercise in enumerate(exercises):
        if not isinstance(exercise, dict):
            out.append(ParseError(f"exercise {index + 1} is not an object: left out", source))
            continue
        act = (_new_exercise if new else _old_exercise)(doc, exercise, source, options)
        if len(exercises) > 1:
            act.note(f"exercise {index + 1} of {len(exercises)} in the session")
        out.append(act)
    if not any(isinstance(a, Activity) for a in out):
        raise next(a for a in out if isinstance(a, ParseError))  # the first: all are
    return out


# --- values --------------------------------------------------------------------------------------


def _number(value: object) -> float | None:
    """A finite number, or None (for "NaN", NaN, strings, booleans, objects)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _block(value: object) -> dict[str, Any]:
    """A JSON object of the export, or an empty one where it holds anything else."""
    return value if isinstance(value, dict) else {}


def _positive(value: object) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _duration_s(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value.strip())
    if match is None or not any(match.groups()):
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _wall_clock(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=None) if when.tzinfo is None else when


def _offset(*values: object) -> timedelta | None:
    for value in values:
        minutes = _number(value)
        if minutes is not None and abs(minutes) < 24 * 60:
            return timedelta(minutes=minutes)
    return None


class _Clock:
    """Wall-clock times of one file to UTC: with its offset, else in the settings' zone."""

    def __init__(self, offset: timedelta | None, options: ReadOptions) -> None:
        self.offset = offset
        self.zone = options.zone

    def utc(self, wall: datetime | None) -> pd.Timestamp | None:
        if wall is None:
            return None
        if wall.tzinfo is not None:
            return pd.Timestamp(wall).tz_convert("UTC")
        if self.offset is not None:
            return pd.Timestamp(wall - self.offset, tz="UTC")
        try:
            return pd.Timestamp(wall).tz_localize(self.zone, ambiguous=True,
                                                  nonexistent="shift_forward").tz_convert("UTC")
        except (ValueError, OverflowError):
            return None


def _start(act: Activity, wall: datetime | None, clock: _Clock) -> None:
    act.start_time = clock.utc(wall)
    if act.start_time is None:
        return
    if clock.offset is not None and wall is not None and wall.tzinfo is None:
        act.local_start = wall
        act.local_start_source = "file (time offset)"
    elif clock.offset is None:
        act.note("no time zone offset in the file: its wall-clock start is read in the "
                 "settings' time zone")


def _sport_from_id(act: Activity, sport_id: object) -> None:
    key = str(sport_id).strip() if sport_id is not None else ""
    if key in SPORT_IDS:
        act.sport, act.sub_sport = SPORT_IDS[key]
    else:
        act.sport, act.sub_sport = "other", None
        act.note(f"Polar sport id {key or 'missing'}: not known, read as other")


def _sport_from_name(act: Activity, name: object) -> None:
    key = str(name).strip().upper() if name is not None else ""
    if key in SPORT_NAMES:
        act.sport, act.sub_sport = SPORT_NAMES[key]
        return
    found = vocab.sport_from_type(key.replace("_", " ").lower()) if key else None
    act.sport, act.sub_sport = found or ("other", None)
    if found is None:
        act.note(f"Polar sport {key or 'missing'}: not known, read as other")


def _finish(act: Activity, samples: pd.DataFrame | None, summary_cadence: float | None,
            file_distance: float | None) -> Activity:
    """Summary figures first; samples fill what they lack; the surface from the sport."""
    if file_distance is not None:
        act.distance_m = file_distance
        act.distance_source = "polar session distance"
    if samples is not None and not samples.empty:
        streams.fill_from_samples(act, samples, cadence_field="polar cadence samples",
                                  cadence_per_foot=True)
    if summary_cadence is not None and act.sport in streams.FOOT_SPORTS:
        # Polar counts strides (one foot): x2 for steps/min.
        act.cadence_spm = round(summary_cadence * 2, 1)
        act.cadence_source = "polar exercise cadence avg x2 (per foot)"
    act.surface, act.surface_source = vocab.infer_surface(
        act.sport, act.sub_sport, act.name, sub_sport_origin="polar sport")
    return act


# --- the new schema ------------------------------------------------------------------------------


def _new_exercise(doc: dict[str, Any], exercise: dict[str, Any], source: str,
                  options: ReadOptions) -> Activity:
    act = Activity(source=source, format=FORMAT)
    sport = exercise.get("sport") or doc.get("sport")
    _sport_from_id(act, sport.get("id") if isinstance(sport, dict) else sport)
    act.name = doc.get("name") if isinstance(doc.get("name"), str) else None
    product = _block(doc.get("product"))
    application = _block(doc.get("application"))
    act.device = product.get("modelName") or application.get("name") or "Polar"
    clock = _Clock(_offset(exercise.get("timezoneOffsetMinutes"),
                           doc.get("timezoneOffsetMinutes")), options)
    wall = _wall_clock(exercise.get("startTime") or doc.get("startTime"))
    _start(act, wall, clock)
    stop = clock.utc(_wall_clock(exercise.get("stopTime") or doc.get("stopTime")))
    if act.start_time is not None and stop is not None and stop >= act.start_time:
        act.elapsed_time_s = (stop - act.start_time).total_seconds()
    millis = _positive(exercise.get("durationMillis", doc.get("durationMillis")))
    if millis is not None:
        act.moving_time_s = act.timer_time_s = millis / 1000.0
    act.avg_hr = _positive(exercise.get("hrAvg", doc.get("hrAvg")))
    cadence = None
    statistics = exercise.get("statistics")
    stats = statistics.get("statistics") if isinstance(statistics, dict) else None
    for stat in stats if isinstance(stats, list) else []:
        if isinstance(stat, dict) and stat.get("type") == "STATISTICS_TYPE_CADENCE":
            cadence = _positive(stat.get("avg"))
        if isinstance(stat, dict) and stat.get("type") == "STATISTICS_TYPE_HEART_RATE":
            act.avg_hr = act.avg_hr or _positive(stat.get("avg"))
    distance = _positive(exercise.get("distanceMeters", doc.get("distanceMeters")))
    samples = _new_samples(exercise, act.start_time)
    return _finish(act, samples, cadence, distance)


def _new_samples(exercise: dict[str, Any], start: pd.Timestamp | None) -> pd.DataFrame | None:
    if start is None:
        return None
    rows: dict[int, dict[str, float | None]] = {}
    holder = exercise.get("samples")
    series = holder.get("samples") if isinstance(holder, dict) else None
    for entry in series if isinstance(series, list) else []:
        if not isinstance(entry, dict) or entry.get("type") not in _SAMPLE_TYPES:
            continue
        column, factor = _SAMPLE_TYPES[entry["type"]]
        step = _positive(entry.get("intervalMillis")) or 1000.0
        values = entry.get("values")
        for i, value in enumerate(values if isinstance(values, list) else []):
            number = _number(value)
            if number is not None:
                rows.setdefault(int(i * step), {})[column] = number * factor
    routes = exercise.get("routes")
    route = routes.get("route") if isinstance(routes, dict) else None
    points = route.get("wayPoints") if isinstance(route, dict) else None
    for point in points if isinstance(points, list) else []:
        if not isinstance(point, dict):
            continue
        at = _number(point.get("elapsedMillis"))
        if at is not None:
            _add_route_point(rows, int(round(at / 1000.0) * 1000), point)
    return _frame(rows, start)


def _add_route_point(rows: dict[Any, dict[str, float | None]], key: Any,
                     point: dict[str, Any]) -> None:
    """A route point's position (and altitude, where no sample gave one) in the row of its
    moment, in either schema; a point without both coordinates is passed over."""
    lat, lon = _number(point.get("latitude")), _number(point.get("longitude"))
    if lat is None or lon is None:
        return
    row = rows.setdefault(key, {})
    row["lat"], row["lon"] = lat, lon
    altitude = _number(point.get("altitude"))
    if altitude is not None:
        row.setdefault("altitude_m", altitude)


def _frame(rows: dict[int, dict[str, float | None]], start: pd.Timestamp) -> pd.DataFrame | None:
    if not rows:
        return None
    millis = sorted(rows)
    base = start.tz_convert(None).to_datetime64().astype("datetime64[ms]")
    columns: dict[str, list[Any]] = {
        "time": list(base + np.array(millis, dtype="timedelta64[ms]")),
    }
    for name in streams.SAMPLE_COLUMNS[1:]:
        columns[name] = [rows[m].get(name) for m in millis]
    heart = columns["heart_rate"]
    columns["heart_rate"] = [v if v else None for v in heart]  # 0 is no sensor
    return streams.make_samples(columns)


# --- the old schema ------------------------------------------------------------------------------


def _old_exercise(doc: dict[str, Any], exercise: dict[str, Any], source: str,
                  options: ReadOptions) -> Activity:
    act = Activity(source=source, format=FORMAT)
    _sport_from_name(act, exercise.get("sport"))
    act.name = doc.get("name") if isinstance(doc.get("name"), str) else None
    act.device = "Polar"
    clock = _Clock(_offset(exercise.get("timezoneOffset"), doc.get("timeZoneOffset")), options)
    wall = _wall_clock(exercise.get("startTime") or doc.get("startTime"))
    _start(act, wall, clock)
    stop = clock.utc(_wall_clock(exercise.get("stopTime") or doc.get("stopTime")))
    if act.start_time is not None and stop is not None and stop >= act.start_time:
        act.elapsed_time_s = (stop - act.start_time).total_seconds()
    duration = _duration_s(exercise.get("duration") or doc.get("duration"))
    if duration:
        act.moving_time_s = act.timer_time_s = duration
    heart = _block(exercise.get("heartRate"))
    act.avg_hr = _positive(heart.get("avg")) or _positive(doc.get("averageHeartRate"))
    cadence_block = _block(exercise.get("cadence"))
    distance = _positive(exercise.get("distance", doc.get("distance")))
    samples = _old_samples(exercise, clock)
    return _finish(act, samples, _positive(cadence_block.get("avg")), distance)


def _old_samples(exercise: dict[str, Any], clock: _Clock) -> pd.DataFrame | None:
    holder = exercise.get("samples")
    if not isinstance(holder, dict):
        return None
    rows: dict[datetime, dict[str, float | None]] = {}
    for key, (column, factor) in _OLD_SAMPLES.items():
        series = holder.get(key)
        for entry in series if isinstance(series, list) else []:
            if not isinstance(entry, dict):
                continue
            number = _number(entry.get("value"))  # no "value": no reading that second
            when = _wall_clock(entry.get("dateTime"))
            if number is not None and when is not None:
                rows.setdefault(when, {})[column] = number * factor
    route = holder.get("recordedRoute")
    for point in route if isinstance(route, list) else []:
        if not isinstance(point, dict):
            continue
        when = _wall_clock(point.get("dateTime"))
        if when is not None:
            _add_route_point(rows, when, point)
    if not rows:
        return None
    ordered = sorted(rows, key=lambda w: (w.tzinfo is not None, w.replace(tzinfo=None)))
    times = [clock.utc(w) for w in ordered]
    columns: dict[str, list[Any]] = {
        "time": [t.tz_convert(None).to_datetime64() if t is not None else np.datetime64("NaT")
                 for t in times]}
    for name in streams.SAMPLE_COLUMNS[1:]:
        columns[name] = [rows[w].get(name) for w in ordered]
    columns["heart_rate"] = [v if v else None for v in columns["heart_rate"]]
    return streams.make_samples(columns)
