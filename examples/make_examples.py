#!/usr/bin/env python3
"""Generate runlog's two sample athletes, byte for byte the same on every run.

* ``strava-export/``: "Alex", an unzipped Strava bulk export (``activities.csv`` in the
  94-column layout, gzipped FIT files, two Strava GPX files, ``shoes.csv``). One shoe carries
  nearly all the running, the cadence is low, the runs are the same 8 km road loop at the same
  pace, almost daily for the last ten weeks, and there is no cross-training.
* ``watch-folder/``: "Sam", FIT files straight off a Garmin watch plus ``runlog.toml``. A varied,
  healthy history (easy runs, a weekly long run, track intervals, trail runs, treadmill runs,
  cycling, strength, swimming) except for a three-week break in September with a too-quick
  return, and one run in the last four weeks far longer than anything in the month before.

Usage: ``python examples/make_examples.py [--out DIR]`` (default: the folder of this script).
The two athlete folders under DIR are deleted and written afresh, and so are the Apple Health
and Polar Flow samples of ``make_watch_exports.py`` (``apple-health/``, ``polar-flow/``).
Everything random comes from seeded ``random.Random`` instances, dates are fixed and gzip
streams carry no time or name.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import itertools
import math
import random
import shutil
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from garmin_fit_sdk import Encoder, Profile


def _watch_exports():  # type: ignore[no-untyped-def]
    """make_watch_exports.py beside this file, however this one was loaded (as a script, or
    by path from benchmarks/roster.py)."""
    import importlib.util

    path = Path(__file__).with_name("make_watch_exports.py")
    spec = importlib.util.spec_from_file_location("make_watch_exports", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


FIRST_DAY = date(2026, 5, 18)  # a Monday; the histories cover 26 weeks
AS_OF = date(2026, 11, 15)  # the day later reports are run "as of"
RECORD_INTERVAL_S = 5  # Garmin "smart recording" spacing; 1 s files would be 5x bigger
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=timezone.utc)
SEMICIRCLES_PER_DEGREE = 2**31 / 180
EARTH_RADIUS_M = 6_371_000.0
MESG = Profile["mesg_num"]

Waypoint = tuple[float, float, float]  # latitude, longitude, altitude in metres


# --------------------------------------------------------------------------------------------
# Where they run


def metres_between(a: Waypoint, b: Waypoint) -> float:
    mid_lat = math.radians((a[0] + b[0]) / 2)
    north = math.radians(b[0] - a[0]) * EARTH_RADIUS_M
    east = math.radians(b[1] - a[1]) * EARTH_RADIUS_M * math.cos(mid_lat)
    return math.hypot(north, east)


class Route:
    """A path through waypoints; a run follows it from the start and wraps round if longer."""

    def __init__(self, waypoints: Sequence[Waypoint]) -> None:
        self.waypoints = list(waypoints)
        self.cumulative_m = [0.0]
        for a, b in itertools.pairwise(self.waypoints):
            self.cumulative_m.append(self.cumulative_m[-1] + metres_between(a, b))

    @property
    def length_m(self) -> float:
        return self.cumulative_m[-1]

    def at(self, distance_m: float) -> Waypoint:
        along = distance_m % self.length_m
        i = min(bisect.bisect_right(self.cumulative_m, along) - 1, len(self.waypoints) - 2)
        span = self.cumulative_m[i + 1] - self.cumulative_m[i]
        f = (along - self.cumulative_m[i]) / span if span else 0.0
        a, b = self.waypoints[i], self.waypoints[i + 1]
        return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f)

    def grade(self, distance_m: float) -> float:
        return (self.at(distance_m + 10)[2] - self.at(distance_m - 10)[2]) / 20

    def reversed(self) -> Route:
        return Route(self.waypoints[::-1])

    def __add__(self, other: Route) -> Route:
        """Run this loop, then the other (both start and end at home)."""
        return Route(self.waypoints + other.waypoints[1:])


def loop(points: Sequence[Waypoint], seed: str, bend_m: float, every_m: float) -> Route:
    """A closed route through ``points`` whose legs bend like streets or trails do.

    Straight legs between hand-placed corners would look ruled on a map, so each leg gets
    intermediate points pushed sideways by up to ``bend_m`` (switchbacks on trails).
    """
    rng = random.Random(seed)
    closed = list(points) + [points[0]]
    out: list[Waypoint] = [closed[0]]
    for a, b in itertools.pairwise(closed):
        pieces = max(1, round(metres_between(a, b) / every_m))
        north = (b[0] - a[0]) * math.pi / 180 * EARTH_RADIUS_M
        east = (b[1] - a[1]) * math.pi / 180 * EARTH_RADIUS_M * math.cos(math.radians(a[0]))
        norm = math.hypot(north, east) or 1.0
        for k in range(1, pieces):
            f = k / pieces
            side = rng.uniform(-bend_m, bend_m)
            # the sideways unit vector is (-east, north) / norm, in metres
            dlat = math.degrees(side * east / norm / EARTH_RADIUS_M)
            dlon = math.degrees(-side * north / norm / EARTH_RADIUS_M
                                / math.cos(math.radians(a[0])))
            out.append((a[0] + (b[0] - a[0]) * f - dlat, a[1] + (b[1] - a[1]) * f - dlon,
                        a[2] + (b[2] - a[2]) * f))
        out.append(b)
    return Route(out)


# Alex lives off Mill Road, Cambridge (UK): one road loop along Mill Road, Parkside, Newmarket
# Road, Coldham's Lane, Perne Road, Cherry Hinton Road and Coleridge Road.
CAMBRIDGE_LOOP = loop([
    (52.19745, 0.14390, 14.0), (52.19830, 0.14050, 16.5), (52.19930, 0.13700, 13.0),
    (52.20040, 0.13260, 11.5), (52.20090, 0.13040, 11.0), (52.20300, 0.12870, 10.5),
    (52.20520, 0.12780, 9.5), (52.20700, 0.12850, 8.5), (52.20790, 0.13150, 8.0),
    (52.20870, 0.13550, 7.5), (52.20940, 0.14000, 7.0), (52.20990, 0.14500, 7.5),
    (52.21040, 0.15000, 8.0), (52.21050, 0.15450, 9.0), (52.20800, 0.15720, 10.0),
    (52.20500, 0.16100, 12.5), (52.20280, 0.16450, 14.0), (52.19900, 0.16350, 16.0),
    (52.19500, 0.16200, 17.5), (52.19050, 0.16050, 19.0), (52.18900, 0.15400, 20.5),
    (52.18850, 0.15000, 20.0), (52.19250, 0.14750, 18.0), (52.19550, 0.14550, 15.5),
], "cambridge", bend_m=4, every_m=120)

# Sam lives in the Wiehre, Freiburg im Breisgau: river paths along the Dreisam east and west,
# a short loop towards Guenterstal, trails over the Schlossberg to the Rosskopf, the track at
# the university sports ground, a lakeside loop on a weekend in Konstanz and a Kaiserstuhl ride.
_HOME = (47.98790, 7.85890, 283.0)
DREISAM_EAST = loop([
    _HOME, (47.98960, 7.85950, 281.0), (47.98940, 7.86500, 284.0), (47.98900, 7.87100, 288.0),
    (47.98850, 7.87700, 292.0), (47.98800, 7.88300, 296.0), (47.98700, 7.88900, 300.0),
    (47.98560, 7.89600, 304.0), (47.98470, 7.90100, 307.0), (47.98560, 7.90150, 307.0),
    (47.98680, 7.89620, 304.0), (47.98800, 7.88900, 300.0), (47.98900, 7.88300, 296.0),
    (47.98950, 7.87700, 292.0), (47.99000, 7.87100, 288.0), (47.99030, 7.86500, 284.0),
    (47.99060, 7.85950, 281.0), (47.98990, 7.85920, 282.0),
], "dreisam-east", bend_m=5, every_m=150)
DREISAM_WEST = loop([
    _HOME, (47.99060, 7.85950, 281.0), (47.99120, 7.85300, 278.0), (47.99300, 7.84600, 272.0),
    (47.99520, 7.83900, 265.0), (47.99750, 7.83200, 258.0), (48.00000, 7.82500, 251.0),
    (48.00250, 7.81900, 246.0), (48.00500, 7.81100, 241.0), (48.00430, 7.81050, 241.0),
    (48.00180, 7.81850, 246.0), (47.99930, 7.82450, 251.0), (47.99680, 7.83150, 258.0),
    (47.99450, 7.83850, 265.0), (47.99230, 7.84550, 272.0), (47.99050, 7.85250, 278.0),
    (47.98960, 7.85950, 281.0),
], "dreisam-west", bend_m=5, every_m=150)
WIEHRE_SHORT = loop([
    _HOME, (47.98500, 7.85700, 287.0), (47.98000, 7.85500, 295.0), (47.97500, 7.85200, 305.0),
    (47.97000, 7.85400, 315.0), (47.96800, 7.86000, 325.0), (47.97300, 7.86300, 318.0),
    (47.97700, 7.86500, 310.0), (47.98200, 7.86400, 298.0),
    (47.98600, 7.86100, 287.0),
], "wiehre", bend_m=4, every_m=120)
ROSSKOPF_TRAIL = loop([
    _HOME, (47.99060, 7.85950, 281.0), (47.99190, 7.85560, 285.0), (47.99420, 7.85900, 390.0),
    (47.99650, 7.86300, 455.0), (47.99950, 7.87000, 480.0), (48.00350, 7.87800, 560.0),
    (48.00750, 7.88500, 660.0), (48.01050, 7.89050, 737.0), (48.01100, 7.90000, 700.0),
    (48.00600, 7.90500, 610.0), (48.00100, 7.90300, 500.0), (47.99700, 7.89300, 400.0),
    (47.99350, 7.88500, 320.0),
    (47.99150, 7.87300, 290.0), (47.99080, 7.86300, 284.0),
], "rosskopf", bend_m=30, every_m=80)
SCHLOSSBERG_TRAIL = loop([
    _HOME, (47.99060, 7.85950, 281.0), (47.99190, 7.85560, 285.0), (47.99420, 7.85900, 390.0),
    (47.99650, 7.86300, 455.0), (47.99900, 7.86700, 470.0), (48.00200, 7.87300, 500.0),
    (47.99900, 7.87800, 420.0), (47.99500, 7.87500, 340.0), (47.99250, 7.87000, 300.0),
    (47.99080, 7.86300, 284.0),
], "schlossberg", bend_m=25, every_m=70)
KONSTANZ_LAKE = loop([
    (47.66020, 9.17750, 398.0), (47.66480, 9.18200, 398.0), (47.67050, 9.18450, 399.0),
    (47.67650, 9.18900, 400.0), (47.68000, 9.19600, 401.0), (47.67700, 9.19800, 401.0),
    (47.67250, 9.19100, 400.0), (47.66700, 9.18700, 399.0), (47.66250, 9.18350, 398.0),
], "konstanz", bend_m=5, every_m=120)
KAISERSTUHL_RIDE = loop([
    _HOME, (47.99800, 7.82000, 255.0), (48.02000, 7.78000, 215.0), (48.03500, 7.74000, 205.0),
    (48.04800, 7.70500, 200.0), (48.03000, 7.68000, 245.0), (48.00500, 7.70500, 230.0),
    (47.98000, 7.74000, 215.0), (47.97400, 7.79000, 240.0),
], "kaiserstuhl", bend_m=20, every_m=250)
TRACK_CENTRE = (47.98560, 7.87880, 299.0)


def track_lap() -> Route:
    """A 400 m oval: two 84.39 m straights joined by 36.5 m-radius bends (lane 1)."""
    straight, radius = 84.39, 36.5
    points: list[Waypoint] = []

    def add(east_m: float, north_m: float) -> None:
        lat = TRACK_CENTRE[0] + math.degrees(north_m / EARTH_RADIUS_M)
        lon = TRACK_CENTRE[1] + math.degrees(
            east_m / EARTH_RADIUS_M / math.cos(math.radians(TRACK_CENTRE[0])))
        points.append((lat, lon, TRACK_CENTRE[2]))

    for k in range(9):
        add(radius, -straight / 2 + straight * k / 8)
    for k in range(1, 16):
        a = math.pi * k / 16
        add(radius * math.cos(a), straight / 2 + radius * math.sin(a))
    for k in range(9):
        add(-radius, straight / 2 - straight * k / 8)
    for k in range(1, 17):
        a = math.pi * k / 16
        add(-radius * math.cos(a), -straight / 2 - radius * math.sin(a))
    return Route(points)


TRACK = track_lap()


# --------------------------------------------------------------------------------------------
# How they move: 5-second samples from a plan of efforts


@dataclass
class Sample:
    t_s: int
    distance_m: float | None
    speed_mps: float | None
    position: tuple[float, float] | None
    altitude_m: float | None
    heart_rate: int | None
    cadence: float | None  # one foot's strides/min for runs, rpm for rides


@dataclass(frozen=True)
class Effort:
    """One part of a session: run (or ride) ``distance_m`` at about ``speed_mps``."""

    distance_m: float
    speed_mps: float
    heart_rate: float  # steady-state bpm on the flat
    cadence: float
    intensity: str = "active"
    auto_lap_m: float | None = 1000.0  # None: the effort is one lap (intervals)


@dataclass
class Lap:
    first: int  # sample index where the lap starts
    last: int  # sample index where it ends (the next lap starts here)
    intensity: str
    trigger: str


@dataclass
class Workout:
    start: datetime  # UTC
    zone: ZoneInfo
    sport: str
    sub_sport: str
    samples: list[Sample]
    laps: list[Lap]
    lengths: list[dict[str, object]] = field(default_factory=list)
    session_extra: dict[str, object] = field(default_factory=dict)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.samples[-1].t_s)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.zone)

    @property
    def distance_m(self) -> float:
        return self.samples[-1].distance_m or 0.0


class Wander:
    """A slowly varying random offset (AR(1)): GPS error, pace drift, barometer noise."""

    def __init__(self, rng: random.Random, sd: float, keep: float = 0.9) -> None:
        self.rng, self.keep, self.value = rng, keep, 0.0
        self.step = sd * math.sqrt(1 - keep * keep)

    def __call__(self) -> float:
        self.value = self.keep * self.value + self.rng.gauss(0, self.step)
        return self.value


@dataclass(frozen=True)
class Mover:
    """How one athlete's numbers respond (rides use the same model with other constants)."""

    resting_hr: float
    uphill_slowdown: float  # fraction of speed lost per unit of grade going up
    downhill_speedup: float
    cadence_per_mps: float  # cadence change per m/s faster than planned


RUNNER = Mover(resting_hr=62, uphill_slowdown=3.2, downhill_speedup=1.0, cadence_per_mps=4.0)
RIDER = Mover(resting_hr=62, uphill_slowdown=9.0, downhill_speedup=4.0, cadence_per_mps=1.5)


def simulate(
    efforts: Sequence[Effort],
    route: Route | None,
    rng: random.Random,
    mover: Mover = RUNNER,
    stops: int = 0,
    indoor_altitude_m: float = 280.0,
) -> tuple[list[Sample], list[Lap]]:
    """Samples every 5 s and the laps for a session; ``route`` None means indoors (no GPS).

    ``stops`` waits at crossings (speed and cadence 0, distance still) make moving time
    shorter than elapsed time, as on real street runs.
    """
    total_m = sum(e.distance_m for e in efforts)
    stop_at = sorted(rng.uniform(0.1, 0.9) * total_m for _ in range(stops))
    gps_north, gps_east = Wander(rng, 1.6), Wander(rng, 1.6)
    baro, pace = Wander(rng, 0.25, keep=0.97), Wander(rng, 0.025, keep=0.95)
    hr = mover.resting_hr + 30 + rng.uniform(0, 10)
    samples: list[Sample] = []
    laps: list[Lap] = []
    t = 0
    d = 0.0

    def emit(speed: float, cadence: float, hr_target: float) -> None:
        nonlocal hr
        hr += (hr_target - hr) * 0.12 + rng.gauss(0, 0.7)
        if route is None:
            position, altitude = None, indoor_altitude_m
        else:
            lat, lon, alt = route.at(d)
            lat += math.degrees(gps_north() / EARTH_RADIUS_M)
            lon += math.degrees(gps_east() / EARTH_RADIUS_M / math.cos(math.radians(lat)))
            position, altitude = (lat, lon), alt + baro()
        samples.append(Sample(t, d, speed, position, altitude, round(hr), cadence))

    lap_start = 0
    emit(0.0, 0.0, hr)
    for effort in efforts:
        effort_start_d = d
        next_split = effort.auto_lap_m
        while d - effort_start_d < effort.distance_m:
            grade = route.grade(d) if route is not None else 0.0
            if grade > 0:
                factor = 1 - mover.uphill_slowdown * grade
            else:
                factor = 1 - mover.downhill_speedup * grade
            # hills change speed, not cadence: runners shorten or lengthen the stride
            planned = effort.speed_mps * (1 + pace())
            speed = planned * min(max(factor, 0.45), 1.25)
            drift = t / 720  # cardiac drift, about 5 bpm an hour
            target = effort.heart_rate + drift + 80 * max(grade, 0.0)
            if stop_at and d >= stop_at[0]:
                stop_at.pop(0)
                for _ in range(rng.randint(2, 6)):
                    t += RECORD_INTERVAL_S
                    emit(0.0, 0.0, mover.resting_hr + 50)
            t += RECORD_INTERVAL_S
            d += speed * RECORD_INTERVAL_S
            cadence = (effort.cadence + mover.cadence_per_mps * (planned - effort.speed_mps)
                       + rng.gauss(0, 0.6))
            emit(speed, cadence, target)
            if next_split is not None and d - effort_start_d >= next_split and \
                    d - effort_start_d < effort.distance_m:
                laps.append(Lap(lap_start, len(samples) - 1, effort.intensity, "distance"))
                lap_start = len(samples) - 1
                next_split += effort.auto_lap_m or 0.0
        trigger = "manual" if effort.auto_lap_m is None else "distance"
        laps.append(Lap(lap_start, len(samples) - 1, effort.intensity, trigger))
        lap_start = len(samples) - 1
    laps[-1].trigger = "session_end"
    return samples, laps


def simulate_still(duration_s: int, hr_base: float, rng: random.Random,
                   sets: int) -> tuple[list[Sample], list[Lap]]:
    """A gym session: heart rate only, rising during each set and falling between them."""
    samples: list[Sample] = []
    hr = hr_base - 10
    set_s = duration_s / sets
    for k in range(duration_s // RECORD_INTERVAL_S + 1):
        t = k * RECORD_INTERVAL_S
        in_set = (t % set_s) < set_s * 0.35
        target = hr_base + (28 if in_set else 0)
        hr += (target - hr) * 0.2 + rng.gauss(0, 1.0)
        samples.append(Sample(t, None, None, None, None, round(hr), None))
    return samples, [Lap(0, len(samples) - 1, "active", "session_end")]


# --------------------------------------------------------------------------------------------
# FIT files


@dataclass(frozen=True)
class Watch:
    product: int  # garmin_product number (garmin_fit_sdk profile)
    serial_number: int
    software_version: float
    fractional_cadence: bool  # Strava's re-encoded export copies drop it (FORMATS.md 1.1)


FR55 = Watch(product=3869, serial_number=3378129045, software_version=18.1,
             fractional_cadence=False)
FR255 = Watch(product=3992, serial_number=3461902277, software_version=21.19,
              fractional_cadence=True)


def fit_seconds(moment: datetime) -> int:
    return int((moment - FIT_EPOCH).total_seconds())


def split_cadence(cadence: float) -> tuple[int, float]:
    """Whole strides/min plus the fraction in 1/128 steps (what fractional_cadence holds)."""
    whole = math.floor(cadence)
    steps = round((cadence - whole) * 128)
    if steps == 128:
        whole, steps = whole + 1, 0
    return whole, steps / 128


@dataclass(frozen=True)
class Summary:
    """Totals over a span of samples, as a watch puts them in its lap and session messages."""

    elapsed_s: float
    distance_m: float | None
    moving_s: float
    avg_speed: float | None
    max_speed: float | None
    avg_hr: int | None
    max_hr: int | None
    avg_cadence: float | None
    max_cadence: int | None
    ascent_m: int | None
    descent_m: int | None
    strides: int | None


def climb(altitudes: Sequence[float], hysteresis_m: float = 1.5) -> tuple[int, int]:
    """Ascent and descent the way watches count them: changes smaller than a step are noise."""
    up = down = 0.0
    anchor = altitudes[0]
    for alt in altitudes[1:]:
        if alt - anchor >= hysteresis_m:
            up += alt - anchor
            anchor = alt
        elif anchor - alt >= hysteresis_m:
            down += anchor - alt
            anchor = alt
    return round(up), round(down)


def summarize(samples: Sequence[Sample]) -> Summary:
    elapsed = float(samples[-1].t_s - samples[0].t_s)
    moving = [s for s in samples[1:] if (s.speed_mps or 0) > 0.5]
    hrs = [s.heart_rate for s in samples if s.heart_rate is not None]
    cadences = [s.cadence for s in moving if s.cadence]
    alts = [s.altitude_m for s in samples if s.altitude_m is not None]
    distance = None
    if samples[-1].distance_m is not None and samples[0].distance_m is not None:
        distance = samples[-1].distance_m - samples[0].distance_m
    ascent, descent = climb(alts) if alts else (None, None)
    return Summary(
        elapsed_s=elapsed,
        distance_m=distance,
        moving_s=len(moving) * RECORD_INTERVAL_S,
        avg_speed=distance / elapsed if distance is not None and elapsed else None,
        max_speed=max((s.speed_mps or 0.0) for s in samples) if distance is not None else None,
        avg_hr=round(sum(hrs) / len(hrs)) if hrs else None,
        max_hr=max(hrs) if hrs else None,
        avg_cadence=sum(cadences) / len(cadences) if cadences else None,
        max_cadence=math.floor(max(cadences)) if cadences else None,
        ascent_m=ascent,
        descent_m=descent,
        strides=round(sum(cadences) * RECORD_INTERVAL_S / 60) if cadences else None,
    )


def summary_fields(summary: Summary, watch: Watch) -> dict[str, object]:
    fields: dict[str, object] = {
        "total_elapsed_time": summary.elapsed_s,
        "total_timer_time": summary.elapsed_s,
        "total_distance": summary.distance_m,
        "total_cycles": summary.strides,
        "enhanced_avg_speed": summary.avg_speed,
        "enhanced_max_speed": summary.max_speed,
        "avg_heart_rate": summary.avg_hr,
        "max_heart_rate": summary.max_hr,
        "total_ascent": summary.ascent_m,
        "total_descent": summary.descent_m,
    }
    if summary.avg_cadence is not None:
        # the encoder writes main fields only: avg_cadence is avg_running_cadence for runs
        whole, fraction = split_cadence(summary.avg_cadence)
        fields["avg_cadence"] = whole
        fields["max_cadence"] = summary.max_cadence
        if watch.fractional_cadence:
            fields["avg_fractional_cadence"] = fraction
    return fields


def record_fields(sample: Sample, start: datetime, watch: Watch) -> dict[str, object]:
    fields: dict[str, object] = {"timestamp": start + timedelta(seconds=sample.t_s)}
    if sample.position is not None:
        fields["position_lat"] = round(sample.position[0] * SEMICIRCLES_PER_DEGREE)
        fields["position_long"] = round(sample.position[1] * SEMICIRCLES_PER_DEGREE)
    fields["distance"] = sample.distance_m
    fields["enhanced_speed"] = sample.speed_mps
    fields["enhanced_altitude"] = sample.altitude_m
    fields["heart_rate"] = sample.heart_rate
    if sample.cadence is not None:
        whole, fraction = split_cadence(max(sample.cadence, 0.0))
        fields["cadence"] = whole
        if watch.fractional_cadence:
            fields["fractional_cadence"] = fraction
    return fields


class LayoutCachingEncoder(Encoder):
    """garmin-fit-sdk's Encoder, building each message layout once per file.

    The stock encoder rebuilds the definition of every message from the profile, which makes
    generating these examples several times slower. A layout here depends only on which
    fields a message carries, because no message written here holds strings or arrays.
    """

    def __init__(self) -> None:
        super().__init__()
        self._layouts: dict[tuple[int, tuple[str, ...]], object] = {}

    def _create_mesg_definition(self, mesg_num, mesg):  # type: ignore[no-untyped-def]
        key = (mesg_num, tuple(name for name, value in mesg.items() if value is not None))
        if key not in self._layouts:
            self._layouts[key] = super()._create_mesg_definition(mesg_num, mesg)
        return self._layouts[key]

    def _find_local_mesg_definition(self, mesg_definition):  # type: ignore[no-untyped-def]
        # a cached layout that is already defined is the very same object
        for local in self._local_mesg_definitions:
            if local is mesg_definition:
                return local
        return super()._find_local_mesg_definition(mesg_definition)


def fit_file(workout: Workout, watch: Watch) -> bytes:
    """The activity as a Garmin watch writes it: records with laps as they close, then totals."""
    enc = LayoutCachingEncoder()
    start, end = workout.start, workout.end
    enc.on_mesg(MESG["FILE_ID"], {
        "type": "activity", "manufacturer": "garmin", "product": watch.product,
        "serial_number": watch.serial_number, "time_created": start,
    })
    enc.on_mesg(MESG["DEVICE_INFO"], {
        "timestamp": start, "device_index": 0, "manufacturer": "garmin",
        "serial_number": watch.serial_number, "product": watch.product,
        "software_version": watch.software_version, "source_type": "local",
    })
    enc.on_mesg(MESG["EVENT"], {"timestamp": start, "event": "timer", "event_type": "start",
                                "event_group": 0})
    lap_ends = {lap.last: (index, lap) for index, lap in enumerate(workout.laps)}
    samples = workout.samples
    for i, sample in enumerate(samples):
        enc.on_mesg(MESG["RECORD"], record_fields(sample, start, watch))
        if i in lap_ends:
            index, lap = lap_ends[i]
            span = samples[lap.first:lap.last + 1]
            first_position = span[0].position or span[-1].position
            enc.on_mesg(MESG["LAP"], {
                "message_index": index,
                "timestamp": start + timedelta(seconds=span[-1].t_s),
                "event": "lap", "event_type": "stop",
                "start_time": start + timedelta(seconds=span[0].t_s),
                "start_position_lat": _semicircles(first_position, 0),
                "start_position_long": _semicircles(first_position, 1),
                **summary_fields(summarize(span), watch),
                "intensity": lap.intensity, "lap_trigger": lap.trigger,
                "sport": workout.sport, "sub_sport": workout.sub_sport,
            })
    for length in workout.lengths:
        enc.on_mesg(MESG["LENGTH"], length)
    enc.on_mesg(MESG["EVENT"], {"timestamp": end, "event": "timer", "event_type": "stop_all",
                                "event_group": 0})
    total = summarize(samples)
    first_position = next((s.position for s in samples if s.position), None)
    enc.on_mesg(MESG["SESSION"], {
        "message_index": 0, "timestamp": end, "event": "session", "event_type": "stop",
        "start_time": start,
        "start_position_lat": _semicircles(first_position, 0),
        "start_position_long": _semicircles(first_position, 1),
        "sport": workout.sport, "sub_sport": workout.sub_sport,
        **summary_fields(total, watch),
        "total_calories": calories(workout, total),
        "first_lap_index": 0, "num_laps": len(workout.laps), "trigger": "activity_end",
        **workout.session_extra,
    })
    offset = int(end.astimezone(workout.zone).utcoffset().total_seconds())  # type: ignore[union-attr]
    enc.on_mesg(MESG["ACTIVITY"], {
        "timestamp": end, "total_timer_time": total.elapsed_s, "num_sessions": 1,
        "type": "manual", "event": "activity", "event_type": "stop",
        # local_date_time counts seconds on the wall clock since the FIT epoch
        "local_timestamp": fit_seconds(end) + offset,
    })
    return bytes(enc.close())


def _semicircles(position: tuple[float, float] | None, axis: int) -> int | None:
    return None if position is None else round(position[axis] * SEMICIRCLES_PER_DEGREE)


def calories(workout: Workout, total: Summary) -> int:
    """About 1 kcal per kg per km running (70 kg athletes); time-based for the rest."""
    if workout.sport == "running" and total.distance_m:
        return round(total.distance_m / 1000 * 70)
    per_minute = {"cycling": 9.0, "swimming": 8.5, "training": 5.5}.get(workout.sport, 6.0)
    return round(total.elapsed_s / 60 * per_minute)


# --------------------------------------------------------------------------------------------
# Sessions


def at_local(day: date, clock: time, zone: ZoneInfo, rng: random.Random,
             jitter_min: int = 20) -> datetime:
    """A start time on the athlete's wall clock, some minutes either way, as UTC."""
    local = datetime.combine(day, clock, tzinfo=zone)
    local += timedelta(seconds=rng.randint(-jitter_min * 60, jitter_min * 60))
    return local.astimezone(timezone.utc)


def steady_run(start: datetime, zone: ZoneInfo, route: Route | None, distance_m: float,
               speed: float, hr: float, cadence: float, rng: random.Random, sub_sport: str,
               stops: int = 0) -> Workout:
    samples, laps = simulate([Effort(distance_m, speed, hr, cadence)], route, rng, stops=stops)
    return Workout(start, zone, "running", sub_sport, samples, laps)


def track_session(start: datetime, zone: ZoneInfo, rng: random.Random) -> Workout:
    """Warm-up, repeats with jog recoveries, cool-down: one lap per part, like a workout."""
    reps, rep_m, jog_m, rep_speed = rng.choice([
        (6, 800, 200, 4.55), (5, 1000, 400, 4.35), (10, 400, 200, 4.9), (4, 1200, 400, 4.3),
    ])
    efforts = [Effort(1600, 2.9, 138, 85.5, "warmup", None)]
    for k in range(reps):
        efforts.append(Effort(rep_m, rep_speed * rng.uniform(0.98, 1.02), 172, 90.5,
                              "active", None))
        if k < reps - 1:
            efforts.append(Effort(jog_m, 2.4, 150, 84.5, "rest", None))
    efforts.append(Effort(1200, 2.8, 140, 85.5, "cooldown", None))
    samples, laps = simulate(efforts, TRACK, rng)
    return Workout(start, zone, "running", "track", samples, laps)


def ride(start: datetime, zone: ZoneInfo, rng: random.Random) -> Workout:
    route = KAISERSTUHL_RIDE if rng.random() < 0.5 else KAISERSTUHL_RIDE.reversed()
    efforts = [Effort(route.length_m * rng.uniform(0.995, 1.005), rng.uniform(7.4, 8.0),
                      rng.uniform(126, 134), rng.uniform(84, 90), "active", 5000.0)]
    samples, laps = simulate(efforts, route, rng, mover=RIDER, stops=2)
    return Workout(start, zone, "cycling", "road", samples, laps)


def strength(start: datetime, zone: ZoneInfo, rng: random.Random) -> Workout:
    samples, laps = simulate_still(rng.choice([2400, 2700, 3000]), 98, rng, sets=12)
    return Workout(start, zone, "training", "strength_training", samples, laps)


def pool_swim(start: datetime, zone: ZoneInfo, rng: random.Random) -> Workout:
    """A 25 m pool: a record and a length message per length, rests between 400 m sets."""
    samples = [Sample(0, 0.0, 0.0, None, None, None, None)]
    lengths: list[dict[str, object]] = []
    laps: list[Lap] = []
    t, d = 0.0, 0.0
    for _ in range(rng.choice([3, 4])):
        lap_first = len(samples) - 1
        for _ in range(16):
            length_s = rng.uniform(25.5, 28.5)
            strokes = rng.randint(15, 18)
            lengths.append({
                "message_index": len(lengths),
                "timestamp": start + timedelta(seconds=round(t + length_s)),
                "event": "length", "event_type": "stop",
                "start_time": start + timedelta(seconds=round(t)),
                "total_elapsed_time": length_s, "total_timer_time": length_s,
                "total_strokes": strokes, "avg_speed": 25 / length_s,
                "swim_stroke": "freestyle", "avg_swimming_cadence": round(strokes / length_s * 60),
                "length_type": "active",
            })
            t += length_s
            d += 25
            samples.append(Sample(round(t), d, 25 / length_s, None, None, None, None))
        laps.append(Lap(lap_first, len(samples) - 1, "active", "manual"))
        rest_s = rng.randint(40, 75)
        t += rest_s
        samples.append(Sample(round(t), d, 0.0, None, None, None, None))
        laps.append(Lap(len(samples) - 2, len(samples) - 1, "rest", "manual"))
    laps.pop()
    samples.pop()
    laps[-1].trigger = "session_end"
    return Workout(start, zone, "swimming", "lap_swimming", samples, laps, lengths=lengths,
                   session_extra={"pool_length": 25.0, "pool_length_unit": "metric",
                                  "num_lengths": len(lengths),
                                  "num_active_lengths": len(lengths)})


# --------------------------------------------------------------------------------------------
# Alex: a Strava bulk export


LONDON = ZoneInfo("Europe/London")
PEGASUS = "Nike Pegasus 40"
KINVARA = "Saucony Kinvara 14"
# Strava gear ids as they appear (as floats) in the export's numeric Gear column
GEAR_IDS = {PEGASUS: "14520377.0", KINVARA: "17730514.0"}
ALEX_GPX_DAYS = {date(2026, 7, 11), date(2026, 10, 17)}  # watch on the charger: phone app
ALEX_KINVARA_DAYS = {date(2026, 6, 13), date(2026, 6, 21), date(2026, 7, 4)}

ALEX_DESCRIPTIONS = {
    date(2026, 5, 24): "Same loop as always.\nLegs felt heavy after yesterday.",
    date(2026, 6, 13): "Trying the Kinvaras.\nFeel fast but my calves are not sure.",
    date(2026, 7, 4): "Last go in the Kinvaras, back to the Pegs tomorrow.",
    date(2026, 7, 26): ("Ran with [strava://athletes/58210395/9]Jamie Reed\n"
                        "Talked the whole way \U0001f605"),
    date(2026, 8, 30): "Mill Road loop x1\nHR looked high for the first km, strap was dry.",
    date(2026, 9, 13): "Sixth run this week.\nSame loop, same pace, feels like a habit now.",
    date(2026, 10, 4): "Three weeks of daily loops.\nPegs are getting a bit flat \U0001f62c",
    date(2026, 10, 27): "Clocks went back, dark this morning.\nHi-vis on, same loop.",
}

ALEX_FIXED_DAYS = ALEX_GPX_DAYS | ALEX_KINVARA_DAYS | set(ALEX_DESCRIPTIONS)


@dataclass
class StravaEntry:
    """One row of activities.csv and, for recorded activities, its file."""

    start: datetime
    activity_type: str
    name: str
    description: str
    gear: str
    workout: Workout | None = None
    upload: str | None = None  # "fit", "gpx" or None (entered by hand)
    manual_distance_m: float = 0.0
    manual_elapsed_s: int = 0


def strava_default_name(local: datetime, activity_type: str) -> str:
    hour = local.hour
    part = ("Morning" if hour < 12 else "Lunch" if hour < 14 else "Afternoon" if hour < 17
            else "Evening" if hour < 21 else "Night")
    return f"{part} {activity_type}"


def alex_history() -> list[StravaEntry]:
    """26 weeks: four runs a week, five from mid-August, then from September the same loop
    six days a week (seven every third week). The step up is gradual on purpose: Alex's
    problems are the sameness and the shoe, not a sudden jump in load.
    """
    rng = random.Random("alex")
    entries: list[StravaEntry] = []
    day = FIRST_DAY
    while day <= AS_OF:
        weekday, week = day.weekday(), (day - FIRST_DAY).days // 7
        if week < 13:  # like clockwork: Tue, Thu, Sat, Sun and now and then a Wednesday
            runs = weekday in (1, 3, 5, 6) or (weekday == 2 and rng.random() < 0.15)
        elif week < 16:
            runs = weekday in (1, 2, 3, 5, 6)
        else:
            runs = weekday != 4 or week % 3 == 0
        runs = runs or day in ALEX_FIXED_DAYS
        manual = alex_manual_entry(day, rng)
        if manual is not None:
            entries.append(manual)
        elif runs:
            entries.append(alex_run(day, rng))
        day += timedelta(days=1)
    return entries


def alex_run(day: date, rng: random.Random) -> StravaEntry:
    clock = time(6, 45) if day.weekday() < 5 else time(8, 40)
    start = at_local(day, clock, LONDON, rng, jitter_min=12)
    route = CAMBRIDGE_LOOP if rng.random() < 0.7 else CAMBRIDGE_LOOP.reversed()
    # the same loop at the same effort: 5:15-5:25/km, HR mid-150s, cadence 158-164 spm
    workout = steady_run(start, LONDON, route, route.length_m * rng.gauss(1.0, 0.004),
                         speed=rng.uniform(3.08, 3.17), hr=rng.uniform(150, 156),
                         cadence=rng.uniform(79.3, 81.6), rng=rng, sub_sport="street",
                         stops=rng.randint(1, 3))
    local = start.astimezone(LONDON)
    name = strava_default_name(local, "Run")
    if rng.random() < 0.12:
        name = rng.choice(["Mill Road loop", "The usual", "Loop", "Mill Road loop again"])
    gear = KINVARA if day in ALEX_KINVARA_DAYS else PEGASUS
    upload = "gpx" if day in ALEX_GPX_DAYS else "fit"
    return StravaEntry(start, "Run", name, ALEX_DESCRIPTIONS.get(day, ""), gear, workout, upload)


def alex_manual_entry(day: date, rng: random.Random) -> StravaEntry | None:
    """Activities typed into Strava by hand: no file behind them."""
    if day == date(2026, 6, 3):
        start = at_local(day, time(18, 30), LONDON, rng)
        return StravaEntry(start, "Weight Training", "Gym", "Back, shoulders, core.\n3x10 each.",
                           "", manual_elapsed_s=2700)
    if day == date(2026, 8, 12):
        start = at_local(day, time(6, 30), LONDON, rng)
        return StravaEntry(start, "Run", "Treadmill run",
                           "Hotel gym treadmill, 1% incline.\nLogged by hand, watch was flat.",
                           PEGASUS, manual_distance_m=6000.0, manual_elapsed_s=1935)
    if day == date(2026, 9, 23):
        start = at_local(day, time(6, 45), LONDON, rng)
        return StravaEntry(start, "Run", "Mill Road loop (watch died)", "",
                           PEGASUS, manual_distance_m=8000.0, manual_elapsed_s=2580)
    return None


def float32(value: float) -> str:
    """A number as Strava's export prints it: a float32 widened to a double."""
    return repr(struct.unpack("<f", struct.pack("<f", value))[0])


def strava_date(moment: datetime) -> str:
    utc = moment.astimezone(timezone.utc)
    return f"{utc:%b} {utc.day}, {utc.year}, {utc.hour % 12 or 12}:{utc:%M:%S} {utc:%p}"


def strava_row(entry: StravaEntry, activity_id: int, filename: str,
               header: Sequence[str]) -> list[str]:
    """The 94 cells of one activities.csv row; names that occur twice get both cells."""
    first: dict[str, str] = {}  # the first of a duplicated pair (or the only one)
    second: dict[str, str] = {}
    is_run = entry.activity_type == "Run"
    first.update({
        "Activity ID": str(activity_id), "Activity Date": strava_date(entry.start),
        "Activity Name": entry.name, "Activity Type": entry.activity_type,
        "Activity Description": entry.description, "Commute": "false",
        "Activity Private Note": "", "Activity Gear": entry.gear, "Filename": filename,
        "Flagged": "0.0", "Media": "",
    })
    second["Commute"] = "0.0"
    if entry.gear:
        first["Gear"] = GEAR_IDS[entry.gear]
    if entry.workout is None:
        distance = entry.manual_distance_m
        elapsed = float(entry.manual_elapsed_s)
        first.update({"Elapsed Time": str(entry.manual_elapsed_s),
                      "Distance": f"{distance / 1000:.2f}",
                      "From Upload": "0.0", "Moving Time": f"{elapsed:.1f}"})
        second.update({"Elapsed Time": f"{elapsed:.1f}", "Distance": f"{distance:.1f}"})
        if distance:
            first["Average Speed"] = float32(distance / elapsed)
            first["Average Elapsed Speed"] = float32(distance / elapsed)
        first["Calories"] = f"{round(distance / 1000 * 70 if distance else elapsed / 60 * 5.5)}.0"
    else:
        total = summarize(entry.workout.samples)
        distance = total.distance_m or 0.0
        first.update({
            "Elapsed Time": str(round(total.elapsed_s)), "Distance": f"{distance / 1000:.2f}",
            "Max Heart Rate": f"{total.max_hr}.0", "Relative Effort": relative_effort(total),
            "Moving Time": f"{total.moving_s:.1f}", "Max Speed": float32(total.max_speed or 0.0),
            "Average Speed": float32(distance / total.moving_s),
            "Elevation Gain": float32(total.ascent_m or 0.0),
            "Elevation Loss": f"{total.descent_m or 0}.0",
            "Elevation Low": float32(min(s.altitude_m or 0.0 for s in entry.workout.samples)),
            "Elevation High": float32(max(s.altitude_m or 0.0 for s in entry.workout.samples)),
            "Max Grade": float32(steepest_grade(entry.workout.samples)), "Average Grade": "0.0",
            "Average Heart Rate": float32(mean_hr(entry.workout)),
            "Calories": f"{calories(entry.workout, total)}.0", "From Upload": "1.0",
            "Grade Adjusted Distance": float32(distance * 1.004),
            "Average Elapsed Speed": float32(distance / total.elapsed_s), "Dirt Distance": "0.0",
            "Average Grade Adjusted Pace": float32(distance * 1.004 / total.moving_s),
        })
        second.update({
            "Elapsed Time": f"{total.elapsed_s:.1f}", "Distance": float32(distance),
            "Max Heart Rate": f"{total.max_hr}.0", "Relative Effort": relative_effort(total),
        })
        if is_run and total.avg_cadence is not None:
            # Strava's run cadence is one foot's strides per minute; steps are twice that
            first["Max Cadence"] = f"{total.max_cadence}.0"
            first["Average Cadence"] = float32(total.avg_cadence)
            first["Total Steps"] = f"{round(total.avg_cadence * 2 * total.moving_s / 60)}.0"
    row = []
    seen: set[str] = set()
    for name in header:
        row.append((second if name in seen else first).get(name, ""))
        seen.add(name)
    return row


def steepest_grade(samples: Sequence[Sample]) -> float:
    """The steepest climb over about 100 m, in percent."""
    steepest = 0.0
    for a, b in zip(samples, samples[20:]):
        run_m = (b.distance_m or 0.0) - (a.distance_m or 0.0)
        if run_m > 50 and a.altitude_m is not None and b.altitude_m is not None:
            steepest = max(steepest, (b.altitude_m - a.altitude_m) / run_m * 100)
    return steepest


def mean_hr(workout: Workout) -> float:
    hrs = [s.heart_rate for s in workout.samples if s.heart_rate is not None]
    return sum(hrs) / len(hrs)


def relative_effort(total: Summary) -> str:
    """A Strava-like score: minutes weighted by how far heart rate sits above easy."""
    if total.avg_hr is None:
        return ""
    return f"{round(total.moving_s / 60 * ((total.avg_hr - 95) / 55) ** 2)}.0"


# Strava writes these cells quoted even when they hold nothing to escape
_ALWAYS_QUOTED = {"Activity Date", "Activity Description", "Activity Private Note", "Media"}


def csv_line(cells: Sequence[str], header: Sequence[str]) -> str:
    out = []
    for name, cell in zip(header, cells):
        if name in _ALWAYS_QUOTED or any(c in cell for c in ',"\n\r'):
            cell = '"' + cell.replace('"', '""') + '"'
        out.append(cell)
    return ",".join(out) + "\n"


STRAVA_HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute",
    "Activity Private Note", "Activity Gear", "Filename", "Athlete Weight", "Bike Weight",
    "Elapsed Time", "Moving Time", "Distance", "Max Speed", "Average Speed", "Elevation Gain",
    "Elevation Loss", "Elevation Low", "Elevation High", "Max Grade", "Average Grade",
    "Average Positive Grade", "Average Negative Grade", "Max Cadence", "Average Cadence",
    "Max Heart Rate", "Average Heart Rate", "Max Watts", "Average Watts", "Calories",
    "Max Temperature", "Average Temperature", "Relative Effort", "Total Work", "Number of Runs",
    "Uphill Time", "Downhill Time", "Other Time", "Perceived Exertion", "Type", "Start Time",
    "Weighted Average Power", "Power Count", "Prefer Perceived Exertion",
    "Perceived Relative Effort", "Commute", "Total Weight Lifted", "From Upload",
    "Grade Adjusted Distance", "Weather Observation Time", "Weather Condition",
    "Weather Temperature", "Apparent Temperature", "Dewpoint", "Humidity", "Weather Pressure",
    "Wind Speed", "Wind Gust", "Wind Bearing", "Precipitation Intensity", "Sunrise Time",
    "Sunset Time", "Moon Phase", "Bike", "Gear", "Precipitation Probability", "Precipitation Type",
    "Cloud Cover", "Weather Visibility", "UV Index", "Weather Ozone", "Jump Count", "Total Grit",
    "Average Flow", "Flagged", "Average Elapsed Speed", "Dirt Distance", "Newly Explored Distance",
    "Newly Explored Dirt Distance", "Activity Count", "Total Steps", "Carbon Saved", "Pool Length",
    "Training Load", "Intensity", "Average Grade Adjusted Pace", "Timer Time", "Total Cycles",
    "Media",
]


def strava_gpx(workout: Workout, name: str) -> str:
    """A GPX file as Strava exports one: numeric <type>, gpxtpx heart rate and cadence."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        ('<gpx creator="StravaGPX Android" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
         ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1'
         ' http://www.topografix.com/GPX/1/1/gpx.xsd'
         ' http://www.garmin.com/xmlschemas/TrackPointExtension/v1'
         ' http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd" version="1.1"'
         ' xmlns="http://www.topografix.com/GPX/1/1"'
         ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'),
        " <metadata>", f"  <time>{_gpx_time(workout.start)}</time>", " </metadata>",
        " <trk>", f"  <name>{name}</name>", "  <type>9</type>", "  <trkseg>",
    ]
    for sample in workout.samples:
        if sample.position is None:
            continue
        lines += [
            f'   <trkpt lat="{sample.position[0]:.7f}" lon="{sample.position[1]:.7f}">',
            f"    <ele>{sample.altitude_m:.1f}</ele>",
            f"    <time>{_gpx_time(workout.start + timedelta(seconds=sample.t_s))}</time>",
            "    <extensions>", "     <gpxtpx:TrackPointExtension>",
            f"      <gpxtpx:hr>{sample.heart_rate}</gpxtpx:hr>",
            f"      <gpxtpx:cad>{round(sample.cadence or 0)}</gpxtpx:cad>",
            "     </gpxtpx:TrackPointExtension>", "    </extensions>", "   </trkpt>",
        ]
    lines += ["  </trkseg>", " </trk>", "</gpx>"]
    return "\n".join(lines) + "\n"


def _gpx_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_strava_export(folder: Path) -> None:
    rng = random.Random("strava-ids")
    (folder / "activities").mkdir(parents=True)
    activity_id, file_number = 15_873_402_118, 16_905_118_730
    lines = [",".join(STRAVA_HEADER) + "\n"]
    for entry in alex_history():
        # ids and upload numbers both grow with time but are different counters
        activity_id += rng.randint(2_000_000, 9_000_000)
        file_number += rng.randint(2_000_000, 9_000_000)
        filename = ""
        if entry.workout is not None and entry.upload == "fit":
            filename = f"activities/{file_number}.fit.gz"
            fit = fit_file(entry.workout, FR55)
            (folder / filename).write_bytes(gzip.compress(fit, compresslevel=9, mtime=0))
        elif entry.workout is not None:
            filename = f"activities/{file_number}.gpx"
            (folder / filename).write_text(strava_gpx(entry.workout, entry.name),
                                           encoding="utf-8", newline="\n")
        lines.append(csv_line(strava_row(entry, activity_id, filename, STRAVA_HEADER),
                              STRAVA_HEADER))
    (folder / "activities.csv").write_text("".join(lines), encoding="utf-8", newline="")
    (folder / "shoes.csv").write_text(
        "Shoe Name,Shoe Brand,Shoe Model,Shoe Default Sport Types\n"
        f"{PEGASUS},Nike,Pegasus 40,Run\n"
        f"{KINVARA},Saucony,Kinvara 14,\n",
        encoding="utf-8", newline="")
    # Not part of Strava's archive: the runner's own settings, kept beside it.
    (folder / "runlog.toml").write_text(ALEX_TOML, encoding="utf-8", newline="\n")


# --------------------------------------------------------------------------------------------
# Sam: a Garmin watch folder


BERLIN = ZoneInfo("Europe/Berlin")
SAM_BREAK = (date(2026, 9, 14), date(2026, 10, 4))  # calf strain: no running, swims instead
SAM_AWAY = (date(2026, 8, 8), date(2026, 8, 9))  # Konstanz, watch on its plain Run profile
SAM_SPIKE_DAY = date(2026, 11, 8)  # 24 km "to see if the calf holds"

ALEX_TOML = """\
athlete = "Alex"
units = "mi"
timezone = "Europe/London"
"""

SAM_TOML = """\
athlete = "Sam"
units = "km"
timezone = "Europe/Berlin"

[[shoes]]
name = "Brooks Ghost 15"
first_used = 2026-03-01
initial_distance = 300        # km, before tracking began
surfaces = ["road", "treadmill", "track"]

[[shoes]]
name = "Salomon Speedcross 6"
first_used = 2026-05-01
surfaces = ["trail"]
"""


def sam_easy(day: date, rng: random.Random, route: Route = DREISAM_EAST) -> Workout:
    start = at_local(day, time(7, 10), BERLIN, rng)
    return steady_run(start, BERLIN, route if rng.random() < 0.6 else route.reversed(),
                      route.length_m * rng.gauss(1.0, 0.004), rng.uniform(2.85, 3.0),
                      rng.uniform(136, 142), rng.uniform(86.0, 87.5), rng, "street",
                      stops=rng.randint(0, 1))


def sam_long(day: date, rng: random.Random, route: Route) -> Workout:
    start = at_local(day, time(8, 45), BERLIN, rng)
    return steady_run(start, BERLIN, route, route.length_m * rng.gauss(1.0, 0.003),
                      rng.uniform(2.8, 2.92), rng.uniform(140, 145), rng.uniform(85.8, 87.0),
                      rng, "street", stops=rng.randint(0, 2))


def sam_trail(day: date, rng: random.Random, route: Route = ROSSKOPF_TRAIL) -> Workout:
    start = at_local(day, time(9, 15), BERLIN, rng)
    return steady_run(start, BERLIN, route, route.length_m * rng.gauss(1.0, 0.006),
                      rng.uniform(2.7, 2.85), rng.uniform(134, 140), rng.uniform(85.2, 86.5),
                      rng, "trail")


def sam_treadmill(day: date, rng: random.Random) -> Workout:
    start = at_local(day, time(18, 40), BERLIN, rng)
    return steady_run(start, BERLIN, None, rng.choice([6000.0, 7000.0, 8000.0]),
                      rng.uniform(2.9, 3.05), rng.uniform(138, 144), rng.uniform(87.5, 89.0),
                      rng, "treadmill")


def sam_track(day: date, rng: random.Random) -> Workout:
    return track_session(at_local(day, time(18, 30), BERLIN, rng, jitter_min=5), BERLIN, rng)


def sam_away_run(day: date, rng: random.Random, laps: int) -> Workout:
    start = at_local(day, time(7, 30), BERLIN, rng)
    return steady_run(start, BERLIN, KONSTANZ_LAKE,
                      laps * KONSTANZ_LAKE.length_m * rng.gauss(1, 0.004),
                      rng.uniform(2.85, 3.0), rng.uniform(136, 142), rng.uniform(86.0, 87.5),
                      rng, "generic")


def sam_history() -> list[Workout]:
    rng = random.Random("sam")
    workouts: list[Workout] = []
    day = FIRST_DAY
    while day <= AS_OF:
        workouts.extend(sam_day(day, (day - FIRST_DAY).days // 7, rng))
        day += timedelta(days=1)
    return workouts


RETURN_WEEK = (SAM_BREAK[1] - FIRST_DAY).days // 7 + 1


def sam_day(day: date, week: int, rng: random.Random) -> list[Workout]:
    """What Sam does on ``day`` of history week ``week`` (0-based).

    Until the break: strength on Monday and a ride on Wednesday in alternate weeks, track
    intervals every Tuesday, an easy run on Thursday in the other weeks, trails on Saturday,
    and a long run on Sunday, road and trail in turn. During the break: swims and a ride.
    After it: straight back to running four or five times a week with no run over 11 km,
    until the 24 km run on the spike day; an easy week to finish.
    """
    weekday = day.weekday()
    if SAM_AWAY[0] <= day <= SAM_AWAY[1]:  # an easy lap on Saturday, the long run Sunday
        return [sam_away_run(day, rng, laps=1 if weekday == 5 else 3)]
    if SAM_BREAK[0] <= day <= SAM_BREAK[1]:
        if weekday in (0, 3):
            return [pool_swim(at_local(day, time(7, 0), BERLIN, rng), BERLIN, rng)]
        if weekday == 5:
            return [ride(at_local(day, time(10, 0), BERLIN, rng), BERLIN, rng)]
        return []
    returned = day > SAM_BREAK[1]
    if day == SAM_SPIKE_DAY:
        return [sam_long(day, rng, DREISAM_WEST + DREISAM_EAST + DREISAM_WEST)]
    if weekday == 0 and week % 2 == 0:
        return [strength(at_local(day, time(18, 0), BERLIN, rng), BERLIN, rng)]
    if weekday == 1 and day < SAM_SPIKE_DAY:  # no intervals in the week after the long run
        return [sam_track(day, rng)]
    if weekday == 2:
        if week == RETURN_WEEK:
            return [sam_easy(day, rng, DREISAM_WEST)]  # back at it on day three
        if week % 2 == 1 and not returned:
            return [ride(at_local(day, time(17, 45), BERLIN, rng), BERLIN, rng)]
        return []
    if weekday == 3:
        if week % 2 == 0 and not returned:
            return []
        if week in (3, 9, 21, 23, 25):  # rain: the gym's treadmill
            return [sam_treadmill(day, rng)]
        return [sam_easy(day, rng, WIEHRE_SHORT if returned else DREISAM_EAST)]
    if weekday == 5:
        if returned:
            short = week in (22, 25)
            return [sam_trail(day, rng, SCHLOSSBERG_TRAIL if short else ROSSKOPF_TRAIL)]
        return [sam_trail(day, rng)]
    if weekday == 6 and day < AS_OF:
        if returned:
            return [sam_easy(day, rng, DREISAM_WEST)]
        if week % 2 == 0:
            return [sam_long(day, rng, DREISAM_WEST + DREISAM_EAST)]
        return [sam_trail(day, rng, ROSSKOPF_TRAIL + SCHLOSSBERG_TRAIL)]
    return []


def write_watch_folder(folder: Path) -> None:
    folder.mkdir(parents=True)
    for workout in sam_history():
        # Garmin watches name activity files by the local start time
        name = workout.local_start.strftime("%Y-%m-%d-%H-%M-%S") + ".fit"
        (folder / name).write_bytes(fit_file(workout, FR255))
    (folder / "runlog.toml").write_text(SAM_TOML, encoding="utf-8", newline="\n")


# --------------------------------------------------------------------------------------------


def generate(out: Path) -> None:
    for name, writer in (("strava-export", write_strava_export),
                         ("watch-folder", write_watch_folder)):
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        writer(target)
    # The Apple Health and Polar Flow samples (apple-health/, polar-flow/).
    _watch_exports().generate(out)


def iter_files(out: Path) -> Iterator[Path]:
    for name in ("strava-export", "watch-folder"):
        yield from sorted(p for p in (out / name).rglob("*") if p.is_file())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder to write strava-export/ and watch-folder/ into")
    args = parser.parse_args(argv)
    generate(args.out)
    total = sum(p.stat().st_size for p in iter_files(args.out))
    print(f"wrote {sum(1 for _ in iter_files(args.out))} files, {total / 1e6:.2f} MB, "
          f"into {args.out}")


if __name__ == "__main__":
    main()
