"""Apple Health export (iPhone Health app → "Export All Health Data"): one activity per
``<Workout>`` of the main XML (FORMATS.md section 9).

The main XML is mostly one-line ``<Record>``\\ s (millions of them in a real export); the
workouts are a few thousand small blocks among them. So the file is not parsed as one tree:
its internal DTD is skipped unparsed (v12's is malformed) after checking it declares no
entity, each ``<Workout>`` block is found by a byte search and parsed alone, and the Watch's
step records are read by pattern only when some foot workout lacks its own step count.

What a workout gives:

* sport from ``workoutActivityType``; ``HKIndoorWorkout`` = 1 makes a run a treadmill run;
* distance from the workout's ``totalDistance`` (exports up to v11), else its own
  ``WorkoutStatistics`` (``DistanceWalkingRunning``, ``DistanceCycling``...), in the unit it
  states; never the ``WorkoutActivity`` copies added to it;
* moving time from ``duration`` (pauses excluded), elapsed time from the dates;
* cadence: the workout's ``StepCount`` statistic ÷ duration (iOS 16+), else the Watch's own
  step records overlapping it, prorated (the iPhone's would add its own count of the same
  steps);
* heart rate from the ``HeartRate`` statistic, elevation gain from ``HKElevationAscended``;
* local time: the instant in ``HKTimeZone`` (the written offset is the exporting phone's);
* its route (``FileReference`` to ``workout-routes/*.gpx`` beside the XML, or 2016-era inline
  ``<Location>``\\ s): distance and ascent when the workout lacks them, GPS jumps; a missing
  route file, or one whose times are not the workout's, is a note.

A session that the iPhone and the Watch both recorded is one activity, the Watch's.

Here the export as a whole: telling the file, reading it (whole or streamed) and keeping one
workout per session. :mod:`.apple_xml` finds the workouts among the records,
:mod:`.apple_workouts` reads each, :mod:`.apple_steps` and :mod:`.apple_routes` join the step
records and the routes.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..errors import NotAnActivity, ParseError
from ..model import Activity
from . import ReadOptions, reader_boundary, streams
from .apple_routes import RouteFiles, join_by_time, join_route
from .apple_steps import set_cadence
from .apple_workouts import Workout
from .apple_xml import DOCTYPE, ROOT, Scanner

#: Bytes at the start of a file that tell an Apple Health export: the document type or root.
SNIFF_BYTES = 4096
#: Two workouts of one sport whose starts and ends are this close are one session (s).
SAME_SESSION_S = 120.0


def sniff(head: bytes) -> bool:
    """True when the first bytes of a file are those of an Apple Health export's main XML
    (whatever its localized name: export.xml, exportar.xml, 导出.xml...)."""
    head = head[:SNIFF_BYTES]
    return bool(DOCTYPE.search(head) or ROOT.search(head))


def read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    """The workouts of an Apple Health export's main XML."""
    with reader_boundary("Apple Health export", source):
        return _read(data, source, options)


# --- the whole export ---------------------------------------------------------------------------


def read_stream(chunks: Iterable[bytes], source: str, options: ReadOptions
                ) -> list[Activity | ParseError]:
    """The workouts of a main XML given as successive chunks of its bytes."""
    with reader_boundary("Apple Health export", source):
        scanner = Scanner(source)
        for chunk in chunks:
            scanner.feed(chunk)
        scanner.finish()
        return _activities(scanner, source, options)


def _read(data: bytes, source: str, options: ReadOptions) -> list[Activity | ParseError]:
    scanner = Scanner(source)
    scanner.feed(data)
    scanner.finish()
    return _activities(scanner, source, options)


def _activities(scanner: Scanner, source: str, options: ReadOptions
                ) -> list[Activity | ParseError]:
    workouts = scanner.workouts
    out: list[Activity | ParseError] = list(scanner.problems)
    if not workouts:
        if scanner.problems:  # every workout was left out: the file as a whole is not read
            raise scanner.problems[0]
        raise NotAnActivity("an Apple Health export with no workouts", source)
    records = None
    if any(w.activity.sport in streams.FOOT_SPORTS and not w.steps for w in workouts):
        records = scanner.steps.records()
    routes = RouteFiles(source)
    named = [ref for w in workouts for ref in w.route_files]
    shared = {ref for ref in named if named.count(ref) > 1} if len(named) != len(
        set(named)) else set()
    for workout in workouts:
        set_cadence(workout, records)
        join_route(workout, routes, options, shared)
    join_by_time(workouts, routes, options)
    for workout in workouts:
        act = workout.activity
        if act.local_start is None:
            act.note("no HKTimeZone: local time from the settings (the file's offset is the "
                     "exporting phone's)")
    out.extend(w.activity for w in one_per_session(workouts))
    return out


def one_per_session(workouts: list[Workout]) -> list[Workout]:
    """Workouts, with a session the iPhone and the Watch both recorded kept once (the
    Watch's): same sport, starts and ends within :data:`SAME_SESSION_S`."""
    kept: list[Workout] = []
    ordered = sorted(workouts, key=lambda w: (w.activity.start_time is None,
                                              w.activity.start_time or pd.Timestamp(0, tz="UTC")))
    close = pd.Timedelta(seconds=SAME_SESSION_S)
    for workout in ordered:
        recent = []  # kept sessions that start close enough before this one (kept is in order)
        for k in reversed(kept):
            if (workout.activity.start_time is not None and k.activity.start_time is not None
                    and workout.activity.start_time - k.activity.start_time > 2 * close):
                break
            recent.append(k)
        twin = next((k for k in recent if _same_session(k, workout)), None)
        if twin is None:
            kept.append(workout)
            continue
        if workout.from_watch and not twin.from_watch:
            kept[kept.index(twin)] = workout
            workout, twin = twin, workout
        twin.activity.note(f"the same session recorded by {workout.source_name or 'another app'}"
                           " left out")
    order = {id(w): i for i, w in enumerate(workouts)}
    return sorted(kept, key=lambda w: order[id(w)])


def _same_session(a: Workout, b: Workout) -> bool:
    if a.activity.sport != b.activity.sport or a.source_name == b.source_name:
        return False
    start_a, start_b = a.activity.start_time, b.activity.start_time
    if start_a is None or start_b is None or a.end_time is None or b.end_time is None:
        return False
    close = pd.Timedelta(seconds=SAME_SESSION_S)
    return abs(start_a - start_b) <= close and abs(a.end_time - b.end_time) <= close
