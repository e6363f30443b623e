"""The routes of an Apple Health export's workouts: ``workout-routes/*.gpx`` files beside the
main XML (in its folder or archive), or 2016-era inline ``<Location>``\\ s. A route gives a
workout the distance and ascent it lacks, and its GPS jumps; a route file missing, shared by
two workouts or recorded at other times is a note instead."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from ..errors import ParseError
from ..model import Activity
from . import ReadOptions, streams
from .apple_workouts import Workout, apple_time
from .xmltools import finite_number

#: A route file is read up to this size (a 1 Hz route of 10 hours is about 2 MB).
MAX_ROUTE_BYTES = 64 << 20
#: A route whose points start or end further than this outside its workout is another's (s).
ROUTE_SLACK_S = 300.0


class RouteFiles:
    """The export's route files: read from the folder or archive the main XML is in."""

    def __init__(self, source: str) -> None:
        self.source = source
        if "!" in source:
            archive, member = source.split("!", 1)
            self.archive: Path | None = Path(archive)
            self.root = str(PurePosixPath(member).parent)
            self.folder: Path | None = None
        else:
            self.archive = None
            self.root = ""
            self.folder = Path(source).parent

    def name(self, reference: str) -> str:
        relative = reference.replace("\\", "/").lstrip("/")
        if self.archive is not None:
            member = relative if self.root in ("", ".") else f"{self.root}/{relative}"
            return f"{self.archive}!{member}"
        return str(self.folder / relative)  # type: ignore[operator]

    def listing(self) -> list[str]:
        """The export's route files, as references (``workout-routes/route_....gpx``)."""
        try:
            if self.archive is not None:
                from .archives import _open_zip

                prefix = "" if self.root in ("", ".") else self.root + "/"
                archive = _open_zip(self.archive, self.archive.stat().st_mtime_ns)
                return sorted(n[len(prefix):] for n in archive.namelist()
                              if n.startswith(prefix + "workout-routes/")
                              and n.lower().endswith(".gpx"))
            folder = self.folder / "workout-routes"  # type: ignore[operator]
            return sorted(f"workout-routes/{p.name}" for p in folder.glob("*.gpx")
                          if p.is_file())
        except (OSError, ValueError):
            return []

    def read(self, reference: str) -> bytes | None:
        """The route file's bytes, or None when the export lacks it."""
        from .archives import Item, _climbs_out

        relative = reference.replace("\\", "/").lstrip("/")
        if _climbs_out(relative):
            return None
        try:
            if self.archive is not None:
                member = relative if self.root in ("", ".") else f"{self.root}/{relative}"
                stat = self.archive.stat()
                item = Item(source=f"{self.archive}!{member}", kind="gpx", path=self.archive,
                            member=member, mtime_ns=stat.st_mtime_ns)
            else:
                path = self.folder / relative  # type: ignore[operator]
                # A route is read from inside the export's folder only (no link out of it).
                if not path.is_file() or not path.resolve().is_relative_to(
                        self.folder.resolve()):  # type: ignore[union-attr]
                    return None
                item = Item(source=str(path), kind="gpx", path=path)
            return item.read_bytes(MAX_ROUTE_BYTES)
        except (ParseError, OSError, KeyError):
            return None


def join_route(workout: Workout, routes: RouteFiles, options: ReadOptions,
                shared: set[str]) -> None:
    act = workout.activity
    for reference in workout.route_files:
        if reference in shared:
            act.note(f"route file {reference} is named by another workout too: not used")
            continue
        data = routes.read(reference)
        if data is None:
            act.note(f"route file {reference} is missing from the export")
            continue
        why_not = _use_route(workout, data, routes.name(reference), reference, options)
        if why_not:
            act.note(f"route file {reference} {why_not}")
    if workout.locations:
        samples = _location_samples(workout.locations)
        summary = streams.summarize(samples, act.sport)
        _take_route(act, summary.track_distance_m, summary.elevation_gain_m, summary.gps_jumps,
                    "inline route")
        workout.route_joined = True


def _use_route(workout: Workout, data: bytes, name: str, reference: str,
               options: ReadOptions) -> str | None:
    """Take what the route file gives the workout; why not, when it gives nothing."""
    from . import gpx

    act = workout.activity
    try:
        found = [a for a in gpx.read(data, name, options) if isinstance(a, Activity)]
    except ParseError as exc:
        return f"not read: {exc.reason}"
    if not found:
        return "holds no track"
    route = found[0]
    if not _route_fits(workout, route.start_time, route.elapsed_time_s):
        return "was recorded at other times: not used"
    _take_route(act, route.distance_m, route.elevation_gain_m, route.gps_jumps,
                f"route {PurePosixPath(reference).name}")
    if act.cadence_spm is None and route.cadence_spm is not None:
        act.cadence_spm, act.cadence_source = route.cadence_spm, route.cadence_source
        act.cadence_histogram = route.cadence_histogram
    elif route.cadence_histogram and not act.cadence_histogram:
        act.cadence_histogram = route.cadence_histogram
    workout.route_joined = True
    return None


#: A route file's name carries a date (the exporter's, so a day either way) and the minute it
#: ended: ``route_2025-09-16_6.15pm.gpx``.
_ROUTE_NAME_DATE = re.compile(r"route_(\d{4}-\d\d-\d\d)_")


def join_by_time(workouts: list[Workout], routes: RouteFiles, options: ReadOptions) -> None:
    """Route files no workout names, joined to a workout whose route was not found (its
    file missing, or no FileReference) when their times are the workout's."""
    waiting = [w for w in workouts if w.has_route and not w.route_joined
               and w.activity.start_time is not None]
    if not waiting:
        return
    named = {ref.lstrip("/") for w in workouts for ref in w.route_files}
    spare = [ref for ref in routes.listing() if ref.lstrip("/") not in named]
    for workout in waiting:
        day = workout.activity.start_time.date()  # type: ignore[union-attr]
        for reference in list(spare):
            stamp = _ROUTE_NAME_DATE.search(reference)
            if stamp and abs((date.fromisoformat(stamp.group(1)) - day).days) > 1:
                continue
            data = routes.read(reference)
            if data is None:
                continue
            before = len(workout.activity.notes)
            if _use_route(workout, data, routes.name(reference), reference, options) is None:
                workout.activity.note(f"route file /{reference.lstrip('/')} joined by its times")
                spare.remove(reference)
                break
            del workout.activity.notes[before:]


def _route_fits(workout: Workout, start: pd.Timestamp | None, elapsed: float | None) -> bool:
    act = workout.activity
    if start is None or act.start_time is None or workout.end_time is None:
        return True
    end = start + pd.Timedelta(seconds=elapsed or 0)
    slack = pd.Timedelta(seconds=ROUTE_SLACK_S)
    return start >= act.start_time - slack and end <= workout.end_time + slack


def _take_route(act: Activity, distance: float | None, ascent: float | None, jumps: int,
                origin: str) -> None:
    if act.distance_m is None and distance:
        act.distance_m = distance
        act.distance_source = f"{origin} track"
    if act.elevation_gain_m is None and ascent is not None:
        act.elevation_gain_m = ascent
    act.gps_jumps += jumps


def _location_samples(locations: list[dict[str, str]]) -> pd.DataFrame:
    times = [apple_time(loc.get("date")) for loc in locations]
    return streams.make_samples({
        "time": [t.tz_convert(None).to_datetime64() if t is not None else np.datetime64("NaT")
                 for t in times],
        "lat": [finite_number(loc.get("latitude")) for loc in locations],
        "lon": [finite_number(loc.get("longitude")) for loc in locations],
        "altitude_m": [finite_number(loc.get("altitude")) for loc in locations],
        "distance_m": [None] * len(locations),
        "speed_mps": [finite_number(loc.get("speed")) for loc in locations],
        "heart_rate": [None] * len(locations),
        "cadence": [None] * len(locations),
    })
