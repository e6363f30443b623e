"""The samples frame every reader with per-point data builds: its columns, their types, and
its times as seconds.

A reader (FIT records, GPX track points, TCX trackpoints, Polar samples, Apple's inline
route) hands its points to :func:`make_samples`; :mod:`.streams` turns the frame into an
activity's totals. Building the frame is kept apart from summing it up, so the fast path from
typed numpy arrays and the conversions it must match sit together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: time (UTC), lat/lon (degrees), altitude_m, distance_m (cumulative, from the device),
#: speed_mps, heart_rate (bpm), cadence (as the file writes it: per foot or per minute).
SAMPLE_COLUMNS = ("time", "lat", "lon", "altitude_m", "distance_m", "speed_mps",
                  "heart_rate", "cadence")
#: Optional integer column: samples with different ``segment`` numbers are separated by a
#: pause (a GPX ``<trkseg>`` break, a TCX lap's second ``<Track>``), so no distance or moving
#: time is counted from one segment to the next.
SEGMENT = "segment"


def make_samples(rows: Mapping[str, Sequence[Any] | np.ndarray] | pd.DataFrame
                 ) -> pd.DataFrame:
    """A samples frame with every column of :data:`SAMPLE_COLUMNS` (and :data:`SEGMENT` when
    given), typed."""
    fast = _typed_samples(rows)
    if fast is not None:
        return fast
    frame = pd.DataFrame(rows)
    for name in SAMPLE_COLUMNS:
        if name not in frame:
            frame[name] = np.nan
    columns = list(SAMPLE_COLUMNS) + ([SEGMENT] if SEGMENT in frame else [])
    frame = frame[columns].copy()
    # A column already of its type is left as it is: converting it would change nothing.
    typed = frame.columns.is_unique
    time_dtype = frame["time"].dtype if typed else None
    if not (isinstance(time_dtype, pd.DatetimeTZDtype) and time_dtype.tz is _UTC):
        frame["time"] = pd.to_datetime(frame["time"], utc=True)
    for name in SAMPLE_COLUMNS[1:]:
        if not (typed and frame[name].dtype == np.float64):
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    if SEGMENT in frame and not (typed and frame[SEGMENT].dtype == np.int64):
        frame[SEGMENT] = frame[SEGMENT].astype("int64")
    return frame


#: The time zone ``pd.to_datetime(..., utc=True)`` gives, so both ways of building a frame
#: give the same dtype.
_UTC = pd.to_datetime(pd.Series([np.datetime64(0, "s")]), utc=True).dt.tz
#: Ticks a second, for the datetime resolutions pandas keeps as they are.
_TICKS_PER_S = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_MAX_EXACT_TICKS = 2**53


def _typed_samples(rows: object) -> pd.DataFrame | None:
    """The frame :func:`make_samples` builds, without pandas' conversions, when ``rows`` is
    a dict of equally long 1-d numpy arrays already of the frame's dtypes (naive UTC
    datetime64 times, float64 numbers, int64 segments); else None."""
    if type(rows) is not dict or "time" not in rows:
        return None
    time = rows["time"]
    if (type(time) is not np.ndarray or time.ndim != 1 or time.dtype.kind != "M"
            or not time.dtype.isnative or np.datetime_data(time.dtype)[0] not in _TICKS_PER_S):
        return None
    n = len(time)
    for name, values in rows.items():
        if name == "time":
            continue
        dtype = "int64" if name == SEGMENT else "float64"
        if (name not in _SAMPLE_NUMBERS or type(values) is not np.ndarray
                or values.ndim != 1 or len(values) != n or values.dtype != dtype):
            return None
    columns: dict[str, object] = {"time": pd.DatetimeIndex(time.copy()).tz_localize(_UTC)}
    for name in SAMPLE_COLUMNS[1:]:
        columns[name] = rows[name].copy() if name in rows else np.full(n, np.nan)
    if SEGMENT in rows:
        columns[SEGMENT] = rows[SEGMENT].copy()
    return pd.DataFrame(columns, copy=False)


_SAMPLE_NUMBERS = frozenset(SAMPLE_COLUMNS[1:]) | {SEGMENT}


def segment_breaks(seg: np.ndarray | None) -> np.ndarray | slice:
    """Where a sample starts a new segment (a pause since the previous one): a mask, or an
    empty slice without segments."""
    if seg is None or not len(seg):
        return slice(0, 0)
    return np.concatenate(([False], seg[1:] != seg[:-1]))


def _utc_values(times: pd.Series) -> np.ndarray:
    """The column's UTC times as a naive datetime64 array at its own resolution."""
    dtype = times.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        # Documented: a datetime64 dtype converts to UTC and drops the zone.
        return times.to_numpy(dtype=f"datetime64[{dtype.unit}]")
    return times.to_numpy()


def seconds(times: pd.Series) -> np.ndarray:
    """Seconds since the first time in ``times`` (whatever the datetime resolution)."""
    if times.empty:
        return np.zeros(0)
    return seconds_since_first(_utc_values(times))


def seconds_since_first(values: np.ndarray) -> np.ndarray:
    """Seconds since ``values[0]`` as pandas' ``total_seconds`` gives them.

    Whole seconds apart (1 Hz recordings), every way of dividing is exact, so the ticks are
    divided as integers; otherwise pandas divides, as it always did here (its rounding of
    sub-second parts differs from numpy's between pandas versions).
    """
    ticks = _TICKS_PER_S.get(np.datetime_data(values.dtype)[0]) if values.dtype.kind == "M" \
        else None
    if ticks is not None and len(values):
        raw = values.view("int64")
        low, high = int(raw.min()), int(raw.max())
        # NaT is the lowest int64; a span past 2**53 ticks is not exact in float64.
        if low != np.iinfo(np.int64).min and high - low <= _MAX_EXACT_TICKS:
            delta = raw - raw[0]
            whole, part = np.divmod(delta, ticks)
            if not part.any():
                as_float: np.ndarray = whole.astype("float64")
                return as_float
    series = pd.Series(values)
    since: np.ndarray = (series - series.iloc[0]).dt.total_seconds().to_numpy(dtype="float64")
    return since


@dataclass
class Columns:
    """The samples frame's columns as numpy arrays, taken once; rows picked by position."""

    when: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    altitude_m: np.ndarray
    distance_m: np.ndarray
    speed_mps: np.ndarray
    heart_rate: np.ndarray
    cadence: np.ndarray
    segment: np.ndarray | None

    @classmethod
    def of(cls, samples: pd.DataFrame) -> Columns:
        def numbers(name: str) -> np.ndarray:
            return samples[name].to_numpy(dtype="float64")
        return cls(when=_utc_values(samples["time"]), lat=numbers("lat"), lon=numbers("lon"),
                   altitude_m=numbers("altitude_m"), distance_m=numbers("distance_m"),
                   speed_mps=numbers("speed_mps"), heart_rate=numbers("heart_rate"),
                   cadence=numbers("cadence"),
                   segment=samples[SEGMENT].to_numpy() if SEGMENT in samples else None)

    def take(self, rows: np.ndarray) -> Columns:
        return Columns(self.when[rows], self.lat[rows], self.lon[rows], self.altitude_m[rows],
                       self.distance_m[rows], self.speed_mps[rows], self.heart_rate[rows],
                       self.cadence[rows], None if self.segment is None else self.segment[rows])
