"""From a time series of samples to an activity's totals, with provenance.

Every reader that has per-point data (FIT records, GPX track points, TCX trackpoints) builds a
samples frame with the columns in :data:`SAMPLE_COLUMNS` and calls :func:`fill_from_samples`,
which fills whatever the file's own summary did not give: distance from the track (GPS jumps
at impossible speeds removed and counted), moving time (pauses and stops excluded), elapsed
time, cadence in steps/min (per-foot values doubled, detected per file), average heart rate and
elevation gain.

The frame itself is built in :mod:`.samples`; readers reach it through this module
(``streams.make_samples``, ``streams.SEGMENT``...), so those names are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import overload

import numpy as np
import pandas as pd

from ..model import Activity
from ..stats import weighted_median as weighted_median
from .samples import SAMPLE_COLUMNS as SAMPLE_COLUMNS
from .samples import SEGMENT as SEGMENT
from .samples import Columns, seconds_since_first, segment_breaks
from .samples import make_samples as make_samples
from .samples import seconds as seconds

#: Slower than this (m/s) between two samples counts as stopped (about 1.8 km/h).
MOVING_SPEED_MPS = 0.5
#: Faster than this between two track points is a GPS jump, not the athlete (m/s).
MAX_SPEED_MPS = {"running": 12.5, "walking": 8.0, "hiking": 8.0, "cycling": 35.0}
DEFAULT_MAX_SPEED_MPS = 60.0
#: Without times, consecutive points farther apart than this are a jump (m).
MAX_UNTIMED_STEP_M = 1000.0
#: A sample's weight in cadence statistics is its time step, capped (s).
MAX_SAMPLE_WEIGHT_S = 10.0
#: A heart-rate sample counts for the time to the next one, at most this (s): longer is a
#: pause or a dropout, not time spent at that rate.
MAX_HOLD_S = 30.0
#: Running cadence below this is walking (EVIDENCE.md, cadence: drop samples under ~140).
WALKING_CADENCE_SPM = 140.0
#: A running file whose median cadence is below this writes one foot (FORMATS.md section 3).
PER_FOOT_BELOW = {"running": 120.0, "walking": 80.0, "hiking": 80.0}
#: Samples at this speed or faster (m/s, 7.2 km/h) are running: they judge the cadence's unit.
RUNNING_SPEED_MPS = 2.0
#: ... when at least this many seconds of them are there.
MIN_RUNNING_JUDGE_S = 60.0
#: A running step is longer than MIN_STEP_M and shorter than MAX_STEP_M (m): Cavanagh &
#: Kram 1989 measured 1.2-1.6 m at 3-5 m/s; elite sprinters reach ~2.3 m only at 10 m/s.
MIN_STEP_M = 0.45
MAX_STEP_M = 1.9
#: Altitude changes smaller than this are noise when summing ascent (m).
ASCENT_HYSTERESIS_M = 3.0
FOOT_SPORTS = ("running", "walking", "hiking")
EARTH_RADIUS_M = 6_371_008.8


@dataclass
class SampleSummary:
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    elapsed_s: float | None = None
    moving_s: float | None = None
    track_distance_m: float | None = None
    device_distance_m: float | None = None
    gps_jumps: int = 0
    elevation_gain_m: float | None = None
    avg_hr: float | None = None
    cadence_spm: float | None = None
    cadence_doubled: bool = False
    #: how per foot or steps/min was decided (empty when the caller said)
    cadence_decision: str = ""
    cadence_histogram: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@overload
def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float: ...
@overload
def haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
                ) -> np.ndarray: ...
def haversine_m(lat1: float | np.ndarray, lon1: float | np.ndarray, lat2: float | np.ndarray,
                lon2: float | np.ndarray) -> float | np.ndarray:
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    metres: float | np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return metres


def _steps(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """``haversine_m`` from each point to the next, each point's radians and cosine taken
    once: the same operations in the same order, so the same floats."""
    lat, lon = np.radians(lat), np.radians(lon)
    # A damaged point (an infinite longitude) makes its steps NaN: no distance, no warning.
    with np.errstate(invalid="ignore"):
        cos = np.cos(lat)
        a = (np.sin((lat[1:] - lat[:-1]) / 2) ** 2
             + cos[:-1] * cos[1:] * np.sin((lon[1:] - lon[:-1]) / 2) ** 2)
    steps: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return steps


def _track_distance(lat: np.ndarray, lon: np.ndarray, seg: np.ndarray | None,
                    when: np.ndarray, max_speed: float) -> tuple[float, int, np.ndarray]:
    """Distance along lat/lon points (in time order), dropping jump points; (metres, dropped,
    the steps from each point to the next before any was dropped).

    ``when`` holds the points' times (NaT where unknown), ``seg`` their segments if any.
    """
    if seg is None:
        seg = np.zeros(len(lat))
    has_time = not np.isnat(when).any()
    t = seconds_since_first(when) if has_time else np.zeros(len(lat))
    keep = np.ones(len(lat), dtype=bool)
    dropped = 0
    # The steps between the points kept, once measured: the same as measuring them again.
    every_step = _steps(lat, lon)
    steps: np.ndarray | None = every_step
    for _ in range(5):
        idx = np.flatnonzero(keep)
        if len(idx) < 2:
            break
        if steps is None:
            steps = _steps(lat[idx], lon[idx])
        d = steps
        if has_time:
            dt = np.diff(t[idx])
            with np.errstate(divide="ignore", invalid="ignore"):
                bad = (d > 5.0) & ((dt <= 0) | (d / np.where(dt > 0, dt, 1) > max_speed))
        else:
            bad = d > MAX_UNTIMED_STEP_M
        # A pause between segments may cover any distance: it is not a jump.
        bad &= seg[idx[:-1]] == seg[idx[1:]]
        if not bad.any():
            break
        # Drop the point a jump lands on; the jump back from it disappears with it.
        landing = bad & ~np.concatenate(([False], bad[:-1]))
        keep[idx[1:][landing]] = False
        dropped += int(landing.sum())
        steps = None
    idx = np.flatnonzero(keep)
    if len(idx) < 2:
        return 0.0, dropped, every_step
    if steps is None:
        steps = _steps(lat[idx], lon[idx])
    total = float(steps[seg[idx[:-1]] == seg[idx[1:]]].sum())
    return total, dropped, every_step


def _ascent(alt: np.ndarray) -> float:
    # Python floats: the same IEEE double arithmetic as numpy scalars, many times faster.
    values = alt.tolist()
    gain = 0.0
    low = values[0]
    for value in values[1:]:
        if value < low:
            low = value
        elif value - low >= ASCENT_HYSTERESIS_M:
            gain += value - low
            low = value
    return float(gain)


def summarize(
    samples: pd.DataFrame,
    sport: str,
    *,
    cadence_per_foot: bool | None = None,
) -> SampleSummary:
    """Totals from samples. ``cadence_per_foot`` None means detect from the values."""
    out = SampleSummary()
    if samples.empty:
        return out
    n = len(samples)
    times = samples["time"]
    cols = Columns.of(samples)
    # Positions of the samples with a time, in time order (a stable sort, as sort_values).
    timed_rows = np.flatnonzero(~np.isnat(cols.when))
    n_timed = len(timed_rows)
    if n_timed < n and n_timed:
        out.notes.append(f"{n - n_timed} samples without time")
    if n_timed:
        when = cols.when[timed_rows]
        if (when[1:] < when[:-1]).any():
            out.notes.append("samples out of time order were sorted")
            timed_rows = timed_rows[np.argsort(when, kind="stable")]
    has_time = n_timed >= 2
    # The rows the totals come from: the timed ones in time order, or all as they are.
    rows = timed_rows if has_time else np.arange(n)
    frame = cols.take(rows)

    if has_time:
        out.start = times.iloc[rows[0]]
        out.end = times.iloc[rows[-1]]
        out.elapsed_s = float((out.end - out.start).total_seconds())
    elif n_timed == 1:
        out.start = times.iloc[timed_rows[0]]

    # Track distance from positions. Points without a time still trace the route (GPX files
    # often lose the time on some points), so then the track is measured in file order.
    track = np.arange(n) if n_timed < n else rows
    lat, lon = cols.lat[track], cols.lon[track]
    # NaN fails the range test: this also drops points without a position.
    usable = ((np.abs(lat) <= 90) & (np.abs(lon) <= 180) & ~((lat == 0) & (lon == 0)))
    pos = track[usable]
    # The steps between consecutive rows, when the track is those very rows.
    row_steps = None
    if len(pos) >= 2:
        max_speed = MAX_SPEED_MPS.get(sport, DEFAULT_MAX_SPEED_MPS)
        out.track_distance_m, out.gps_jumps, pos_steps = _track_distance(
            lat[usable], lon[usable], None if cols.segment is None else cols.segment[pos],
            cols.when[pos], max_speed)
        if track is rows and len(pos) == len(rows):
            row_steps = pos_steps
        if out.gps_jumps:
            out.notes.append(f"{out.gps_jumps} GPS points dropped as jumps faster than "
                             f"{max_speed:g} m/s")

    dist = frame.distance_m[~np.isnan(frame.distance_m)]
    if len(dist) >= 2:
        out.device_distance_m = float(max(dist.max() - dist[0], 0.0))

    t = step = None
    if has_time:
        t = seconds_since_first(frame.when)
        step = _interval_distance(frame, t, row_steps)
        out.moving_s = _moving_time(step, t, sport)

    hr_ok = (frame.heart_rate > 0) & (frame.heart_rate < 260)
    if hr_ok.any():
        out.avg_hr = _time_weighted_mean(frame.heart_rate[hr_ok],
                                         None if t is None else t[hr_ok])

    alt = frame.altitude_m[(frame.altitude_m > -500) & (frame.altitude_m < 9000)]
    if len(alt) >= 2:
        out.elevation_gain_m = _ascent(alt)

    if sport in FOOT_SPORTS:
        _cadence(frame, sport, cadence_per_foot, out, t, step)
    return out


def _time_weighted_mean(values: np.ndarray, t: np.ndarray | None) -> float:
    """The mean over time of a value each sample holds until the next one (smart recording
    writes a point when something changes, so a plain mean over-counts the changes), each
    hold capped at :data:`MAX_HOLD_S` (a pause is no time at that value); untimed, the plain
    mean."""
    if t is None or len(values) < 2:
        # Series.mean: the sum over the count as a float64.
        return float(values.sum() / np.float64(len(values)))
    hold = np.clip(np.diff(t), 0.0, MAX_HOLD_S)
    usual = float(np.median(hold))
    weights = np.append(hold, usual if usual > 0 else 1.0)
    if weights.sum() <= 0:
        return float(values.sum() / np.float64(len(values)))
    return float(np.average(values, weights=weights))


def _interval_distance(frame: Columns, t: np.ndarray,
                       row_steps: np.ndarray | None = None) -> np.ndarray | None:
    """Metres covered in each interval between consecutive samples (first entry 0).

    The interval into a new segment counts as a pause: 0 m. ``t`` is :func:`seconds` of the
    samples' times; ``row_steps``, if known, the haversine steps between the samples (all
    with a position).
    """
    step = _raw_interval_distance(frame, t, row_steps)
    if step is not None:
        step[segment_breaks(frame.segment)] = 0.0
    return step


def _filled(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``ffill().bfill()``: each gap takes the last value before it, leading ones the first."""
    first = int(np.flatnonzero(known)[0])
    at = np.where(known, np.arange(len(values)), first)
    return values[np.maximum.accumulate(at)]


def _raw_interval_distance(frame: Columns, t: np.ndarray,
                           row_steps: np.ndarray | None) -> np.ndarray | None:
    n = len(frame.distance_m)
    dist_ok = ~np.isnan(frame.distance_m)
    if np.count_nonzero(dist_ok) >= 2:
        filled = _filled(frame.distance_m, dist_ok)
        step = np.diff(filled, prepend=filled[0])
        return np.clip(step, 0.0, None)
    lat_ok = ~np.isnan(frame.lat)
    lon_ok = ~np.isnan(frame.lon)
    if np.count_nonzero(lat_ok & lon_ok) >= 2:
        step = np.zeros(n)
        if row_steps is None:
            row_steps = _steps(_filled(frame.lat, lat_ok), _filled(frame.lon, lon_ok))
        step[1:] = row_steps
        return step
    speed_ok = ~np.isnan(frame.speed_mps)
    if np.count_nonzero(speed_ok) >= 2:
        dt = np.diff(t, prepend=t[0])
        return np.clip(np.where(speed_ok, frame.speed_mps, 0.0), 0.0, None) * dt
    return None


def _moving_time(step: np.ndarray | None, t: np.ndarray, sport: str) -> float | None:
    if step is None:
        return None
    dt = np.diff(t, prepend=t[0])
    dt = np.clip(dt, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dt > 0, step / np.where(dt > 0, dt, 1), 0.0)
    max_speed = MAX_SPEED_MPS.get(sport, DEFAULT_MAX_SPEED_MPS)
    moving = (speed >= MOVING_SPEED_MPS) & (speed <= max_speed * 2)
    return float(dt[moving].sum())


def _cadence(
    frame: Columns,
    sport: str,
    per_foot: bool | None,
    out: SampleSummary,
    t: np.ndarray | None,
    step: np.ndarray | None,
) -> None:
    """Cadence from ``frame``; ``t`` (seconds) and ``step`` (interval metres) are given when
    the samples are timed, else None."""
    raw = frame.cadence
    valid = np.isfinite(raw) & (raw > 0) & (raw < 300)
    if not valid.any():
        return
    speed = None
    if t is not None:
        weight = np.clip(np.diff(t, prepend=t[0]), 0.0, MAX_SAMPLE_WEIGHT_S)
        if len(weight) > 1:
            weight[0] = weight[1] if weight[1] > 0 else 1.0
        if step is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                speed = np.where(weight > 0, step / np.where(weight > 0, weight, 1), np.nan)
            stopped = np.isfinite(speed) & (speed < MOVING_SPEED_MPS)
            valid &= ~stopped
            # The weights are capped: the speed that judges the unit is over the whole step.
            dt = np.diff(t, prepend=t[0])
            with np.errstate(divide="ignore", invalid="ignore"):
                speed = np.where(dt > 0, step / np.where(dt > 0, dt, 1), np.nan)
    else:
        weight = np.ones(len(raw))
    if not valid.any():
        return
    if per_foot is None:
        per_foot, out.cadence_decision = judge_per_foot(raw, valid, weight, speed, sport)
    spm = raw * 2.0 if per_foot else raw
    out.cadence_doubled = per_foot
    keep = valid.copy()
    if sport == "running":
        keep &= spm >= WALKING_CADENCE_SPM
        if not keep.any():
            out.notes.append("cadence: no samples at running cadence (>= 140 spm)")
            return
    values = spm[keep]
    weights = weight[keep]
    out.cadence_spm = round(weighted_median(values, weights), 1)
    bins = np.round(values).astype(int)
    # Per bin, the weights added one by one in sample order from 0.0 (bincount's loop), as
    # a dict would; Python's round of the Python floats.
    present = np.flatnonzero(np.bincount(bins))
    sums = np.bincount(bins, weights=weights)[present]
    out.cadence_histogram = {b: round(w, 1) for b, w in zip(present.tolist(), sums.tolist())}


def judge_per_foot(raw: np.ndarray, valid: np.ndarray, weight: np.ndarray,
                   speed: np.ndarray | None, sport: str) -> tuple[bool, str]:
    """Whether a file's cadence values count one foot, and how that was told.

    A median over every moving sample can sit on the threshold when a walking warm-up drags
    it down (a treadmill run at 110 then 165 steps/min); so for running the samples at
    running speed decide. There the step length each reading implies (speed over cadence)
    tells the two apart: a runner's step is 0.5-1.9 m, so values whose steps/min reading
    gives 2 m steps count one foot, and values whose per-foot reading gives 0.4 m steps
    count both. When both readings are plausible, the median at running speed is far from
    the threshold (per foot 70-100, steps 140-200). Without running samples, the median of
    all moving samples decides, as before.
    """
    threshold = PER_FOOT_BELOW.get(sport, 80.0)
    if sport == "running" and speed is not None:
        running = valid & np.isfinite(speed) & (speed >= RUNNING_SPEED_MPS) & (
            speed <= MAX_SPEED_MPS["running"])
        seconds_running = float(weight[running].sum())
        if seconds_running >= MIN_RUNNING_JUDGE_S:
            typical = weighted_median(raw[running], weight[running])
            step_as_spm = weighted_median(60.0 * speed[running] / raw[running],
                                          weight[running])
            where = (f"{seconds_running / 60:.0f} min at running speed: median {typical:g}, "
                     f"{step_as_spm:.2f} m a step if steps/min")
            if step_as_spm > MAX_STEP_M:
                return True, f"per foot: {where}"
            if step_as_spm / 2.0 < MIN_STEP_M:
                return False, f"steps/min: {where}"
            per_foot = typical < threshold
            return per_foot, f"{'per foot' if per_foot else 'steps/min'}: {where}"
    typical = float(np.median(raw[valid]))
    per_foot = cadence_is_per_foot(typical, sport)
    return per_foot, (f"{'per foot' if per_foot else 'steps/min'}: median {typical:g} of "
                      f"the moving samples")


def cadence_is_per_foot(typical: float, sport: str) -> bool:
    """Whether cadence values whose typical value (a file's median, or one activity's
    average) is ``typical`` count one foot: no one runs at under 120 steps/min, nor walks at
    under 80 (FORMATS.md section 3)."""
    return typical < PER_FOOT_BELOW.get(sport, 80.0)


def times_within_elapsed(act: Activity) -> None:
    """Neither the timer nor the moving time can exceed the wall-clock time."""
    if act.elapsed_time_s is None:
        return
    for name in ("timer_time_s", "moving_time_s"):
        value = getattr(act, name)
        if value is not None and value > act.elapsed_time_s:
            setattr(act, name, act.elapsed_time_s)
            if value > act.elapsed_time_s + 1.0:
                act.note(f"{name} {value:.0f} s cut to the elapsed time "
                         f"{act.elapsed_time_s:.0f} s")


def fill_from_samples(
    act: Activity,
    samples: pd.DataFrame,
    *,
    cadence_field: str,
    cadence_per_foot: bool | None = None,
) -> SampleSummary:
    """Fill the fields of ``act`` that are still empty from its samples; keep provenance.

    ``cadence_field`` names where the cadence was read (``"fit record.cadence"``); the
    conversion applied is appended to ``cadence_source``.
    """
    summary = summarize(samples, act.sport, cadence_per_foot=cadence_per_foot)
    if act.start_time is None and summary.start is not None:
        act.start_time = summary.start
    if act.elapsed_time_s is None and summary.elapsed_s is not None:
        act.elapsed_time_s = summary.elapsed_s
    if act.distance_m is None:
        if summary.device_distance_m is not None and summary.device_distance_m > 0:
            act.distance_m = summary.device_distance_m
            act.distance_source = "samples (device distance)"
        elif summary.track_distance_m is not None:
            act.distance_m = summary.track_distance_m
            act.distance_source = "track"
    act.gps_jumps = summary.gps_jumps
    if act.moving_time_s is None and summary.moving_s is not None:
        act.moving_time_s = summary.moving_s
    if act.avg_hr is None:
        act.avg_hr = summary.avg_hr
    if act.elevation_gain_m is None and summary.elevation_gain_m is not None:
        act.elevation_gain_m = summary.elevation_gain_m
    if summary.cadence_spm is not None:
        act.cadence_spm = summary.cadence_spm
        conversion = "x2 (per foot)" if summary.cadence_doubled else "(steps/min)"
        act.cadence_source = f"{cadence_field} {conversion}"
        if summary.cadence_decision:
            act.cadence_source += f"; {summary.cadence_decision}"
        act.cadence_histogram = summary.cadence_histogram
    for text in summary.notes:
        act.note(text)
    return summary
