"""The samples summary as it was before it worked on numpy arrays, kept as the reference the
optimised :mod:`runlog.importers.streams` is tested against (tests/test_streams_speed.py).

This is runlog/importers/streams.py as of commit da44384, unchanged but for this docstring
and the absolute import of :class:`runlog.model.Activity`: ``make_samples`` builds the frame
with pandas' conversions, ``summarize`` filters and sorts DataFrames and Series. The
optimised module must give the same frames and bit-for-bit the same summaries.

Changed since, with the module (issue 17): heart rate is a time-weighted mean and a running
file's per-foot cadence is judged from its samples at running speed, with how it was judged
in the summary. Both rules (``_time_weighted_mean``, ``judge_per_foot``) are imported from the
module: they are not the frame-building and filtering this reference checks.

Original module docstring: from a time series of samples to an activity's totals, with
provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from runlog.importers.streams import _time_weighted_mean, judge_per_foot
from runlog.model import Activity

#: time (UTC), lat/lon (degrees), altitude_m, distance_m (cumulative, from the device),
#: speed_mps, heart_rate (bpm), cadence (as the file writes it: per foot or per minute).
SAMPLE_COLUMNS = ("time", "lat", "lon", "altitude_m", "distance_m", "speed_mps",
                  "heart_rate", "cadence")
#: Optional integer column: samples with different ``segment`` numbers are separated by a
#: pause (a GPX ``<trkseg>`` break, a TCX lap's second ``<Track>``), so no distance or moving
#: time is counted from one segment to the next.
SEGMENT = "segment"

#: Slower than this (m/s) between two samples counts as stopped (about 1.8 km/h).
MOVING_SPEED_MPS = 0.5
#: Faster than this between two track points is a GPS jump, not the athlete (m/s).
MAX_SPEED_MPS = {"running": 12.5, "walking": 8.0, "hiking": 8.0, "cycling": 35.0}
DEFAULT_MAX_SPEED_MPS = 60.0
#: Without times, consecutive points farther apart than this are a jump (m).
MAX_UNTIMED_STEP_M = 1000.0
#: A sample's weight in cadence statistics is its time step, capped (s).
MAX_SAMPLE_WEIGHT_S = 10.0
#: Running cadence below this is walking (EVIDENCE.md, cadence: drop samples under ~140).
WALKING_CADENCE_SPM = 140.0
#: A running file whose median cadence is below this writes one foot (FORMATS.md section 3).
PER_FOOT_BELOW = {"running": 120.0, "walking": 80.0, "hiking": 80.0}
#: A heart-rate sample counts for the time to the next one, at most this (s): longer is a
#: pause or a dropout, not time spent at that rate.
MAX_HOLD_S = 30.0
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
    cadence_decision: str = ""
    cadence_histogram: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def make_samples(rows: dict[str, list] | pd.DataFrame) -> pd.DataFrame:
    """A samples frame with every column of :data:`SAMPLE_COLUMNS` (and :data:`SEGMENT` when
    given), typed."""
    frame = pd.DataFrame(rows)
    for name in SAMPLE_COLUMNS:
        if name not in frame:
            frame[name] = np.nan
    columns = list(SAMPLE_COLUMNS) + ([SEGMENT] if SEGMENT in frame else [])
    frame = frame[columns].copy()
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    for name in SAMPLE_COLUMNS[1:]:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    if SEGMENT in frame:
        frame[SEGMENT] = frame[SEGMENT].astype("int64")
    return frame


def _segment_breaks(frame: pd.DataFrame) -> np.ndarray:
    """For each sample, True where it starts a new segment (a pause since the previous one)."""
    if SEGMENT not in frame or frame.empty:
        return np.zeros(len(frame), dtype=bool)
    seg = frame[SEGMENT].to_numpy()
    return np.concatenate(([False], seg[1:] != seg[:-1]))


def seconds(times: pd.Series) -> np.ndarray:
    """Seconds since the first time in ``times`` (whatever the datetime resolution)."""
    if times.empty:
        return np.zeros(0)
    return (times - times.iloc[0]).dt.total_seconds().to_numpy(dtype="float64")


def haversine_m(lat1, lon1, lat2, lon2):  # type: ignore[no-untyped-def]
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _track_distance(pos: pd.DataFrame, max_speed: float) -> tuple[float, int]:
    """Distance along lat/lon points (in time order), dropping jump points; (metres, dropped)."""
    lat = pos["lat"].to_numpy()
    lon = pos["lon"].to_numpy()
    seg = pos[SEGMENT].to_numpy() if SEGMENT in pos else np.zeros(len(lat))
    has_time = not pos["time"].isna().any()
    t = seconds(pos["time"]) if has_time else np.zeros(len(lat))
    keep = np.ones(len(lat), dtype=bool)
    dropped = 0
    for _ in range(5):
        idx = np.flatnonzero(keep)
        if len(idx) < 2:
            break
        d = haversine_m(lat[idx[:-1]], lon[idx[:-1]], lat[idx[1:]], lon[idx[1:]])
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
    idx = np.flatnonzero(keep)
    if len(idx) < 2:
        return 0.0, dropped
    steps = haversine_m(lat[idx[:-1]], lon[idx[:-1]], lat[idx[1:]], lon[idx[1:]])
    total = float(steps[seg[idx[:-1]] == seg[idx[1:]]].sum())
    return total, dropped


def _ascent(alt: np.ndarray) -> float:
    gain = 0.0
    low = alt[0]
    for value in alt[1:]:
        if value < low:
            low = value
        elif value - low >= ASCENT_HYSTERESIS_M:
            gain += value - low
            low = value
    return float(gain)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    v = values[order]
    w = weights[order]
    cum = np.cumsum(w)
    if cum[-1] <= 0:
        return float(np.median(v))
    return float(v[np.searchsorted(cum, cum[-1] / 2.0)])


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
    timed = samples[samples["time"].notna()]
    if len(timed) < len(samples) and len(timed):
        out.notes.append(f"{len(samples) - len(timed)} samples without time")
    if len(timed) and not timed["time"].is_monotonic_increasing:
        out.notes.append("samples out of time order were sorted")
        timed = timed.sort_values("time", kind="stable")
    frame = timed if len(timed) >= 2 else samples
    has_time = len(timed) >= 2

    if has_time:
        out.start = timed["time"].iloc[0]
        out.end = timed["time"].iloc[-1]
        out.elapsed_s = float((out.end - out.start).total_seconds())
    elif len(timed) == 1:
        out.start = timed["time"].iloc[0]

    # Track distance from positions. Points without a time still trace the route (GPX files
    # often lose the time on some points), so then the track is measured in file order.
    track = samples if len(timed) < len(samples) else frame
    pos = track[track["lat"].notna() & track["lon"].notna()]
    pos = pos[~((pos["lat"] == 0) & (pos["lon"] == 0))]
    pos = pos[(pos["lat"].abs() <= 90) & (pos["lon"].abs() <= 180)]
    if len(pos) >= 2:
        max_speed = MAX_SPEED_MPS.get(sport, DEFAULT_MAX_SPEED_MPS)
        out.track_distance_m, out.gps_jumps = _track_distance(pos, max_speed)
        if out.gps_jumps:
            out.notes.append(f"{out.gps_jumps} GPS points dropped as jumps faster than "
                             f"{max_speed:g} m/s")

    dist = frame["distance_m"].dropna()
    if len(dist) >= 2:
        out.device_distance_m = float(max(dist.max() - dist.iloc[0], 0.0))

    if has_time:
        out.moving_s = _moving_time(timed, sport)

    hr = frame["heart_rate"]
    hr_ok = ((hr > 0) & (hr < 260)).to_numpy()
    if hr_ok.any():
        if has_time:
            out.avg_hr = _time_weighted_mean(hr.to_numpy()[hr_ok],
                                             seconds(frame["time"])[hr_ok])
        else:
            out.avg_hr = float(hr[hr_ok].mean())

    alt = frame["altitude_m"].dropna().to_numpy()
    alt = alt[(alt > -500) & (alt < 9000)]
    if len(alt) >= 2:
        out.elevation_gain_m = _ascent(alt)

    if sport in FOOT_SPORTS:
        _cadence(timed if has_time else frame, sport, cadence_per_foot, out, has_time)
    return out


def _interval_distance(timed: pd.DataFrame, sport: str) -> np.ndarray | None:
    """Metres covered in each interval between consecutive samples (first entry 0).

    The interval into a new segment counts as a pause: 0 m.
    """
    step = _raw_interval_distance(timed)
    if step is not None:
        step[_segment_breaks(timed)] = 0.0
    return step


def _raw_interval_distance(timed: pd.DataFrame) -> np.ndarray | None:
    n = len(timed)
    dist = timed["distance_m"]
    if dist.notna().sum() >= 2:
        filled = dist.ffill().fillna(dist.dropna().iloc[0]).to_numpy()
        step = np.diff(filled, prepend=filled[0])
        return np.clip(step, 0.0, None)
    pos_ok = (timed["lat"].notna() & timed["lon"].notna()).to_numpy()
    if pos_ok.sum() >= 2:
        lat = timed["lat"].ffill().bfill().to_numpy()
        lon = timed["lon"].ffill().bfill().to_numpy()
        step = np.zeros(n)
        step[1:] = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
        return step
    speed = timed["speed_mps"]
    if speed.notna().sum() >= 2:
        t = seconds(timed["time"])
        dt = np.diff(t, prepend=t[0])
        return np.clip(speed.fillna(0).to_numpy(), 0.0, None) * dt
    return None


def _moving_time(timed: pd.DataFrame, sport: str) -> float | None:
    step = _interval_distance(timed, sport)
    if step is None:
        return None
    t = seconds(timed["time"])
    dt = np.diff(t, prepend=t[0])
    dt = np.clip(dt, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dt > 0, step / np.where(dt > 0, dt, 1), 0.0)
    max_speed = MAX_SPEED_MPS.get(sport, DEFAULT_MAX_SPEED_MPS)
    moving = (speed >= MOVING_SPEED_MPS) & (speed <= max_speed * 2)
    return float(dt[moving].sum())


def _cadence(
    frame: pd.DataFrame,
    sport: str,
    per_foot: bool | None,
    out: SampleSummary,
    has_time: bool,
) -> None:
    raw = frame["cadence"].to_numpy(dtype="float64")
    valid = np.isfinite(raw) & (raw > 0) & (raw < 300)
    if not valid.any():
        return
    speed = None
    if has_time:
        t = seconds(frame["time"])
        weight = np.clip(np.diff(t, prepend=t[0]), 0.0, MAX_SAMPLE_WEIGHT_S)
        if len(weight) > 1:
            weight[0] = weight[1] if weight[1] > 0 else 1.0
        step = _interval_distance(frame, sport)
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
    hist: dict[int, float] = {}
    for b, w in zip(bins.tolist(), weights.tolist()):
        hist[b] = hist.get(b, 0.0) + w
    out.cadence_histogram = {k: round(v, 1) for k, v in sorted(hist.items())}


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
