"""The samples summary on numpy arrays (runlog/importers/streams.py) against the pandas one it
replaced (tests/streams_reference.py): ``make_samples`` builds the same frame (columns, dtypes,
time zone, index, every value bit for bit) and ``summarize`` / ``fill_from_samples`` give bit
for bit the same totals, notes, start and end (unit and zone too) and cadence histogram, on
the samples of every corpus file and on generated samples: NaN anywhere, times missing,
unsorted or repeated, sub-second times at every resolution, segments, zeros, (0, 0) points,
positions out of range, GPS jumps, no positions, only speed, cadence per foot or per minute,
every sport kind."""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import streams_reference as reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import runlog
from conftest import manifest
from runlog.importers import samples, streams
from runlog.model import Activity

T0 = np.datetime64("2021-05-01T07:00:00", "ns")
TICKS = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
SPORTS = ("running", "cycling", "walking", "hiking", "other", "swimming")


# --- what "the same" means ---------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equal and of one type; floats bit for bit (NaN equals NaN, 0.0 is not -0.0),
    timestamps with their unit and zone, containers in order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a.hex() == b.hex()
    if isinstance(a, pd.Timestamp):
        return a == b and a.unit == b.unit and str(a.tz) == str(b.tz)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def assert_same_dataclass(old: Any, new: Any) -> None:
    for f in dataclasses.fields(old):
        a, b = getattr(old, f.name), getattr(new, f.name)
        assert same(a, b), (f.name, a, b)


def bits(column: pd.Series) -> np.ndarray:
    """The column's values as integers: datetimes as ticks (UTC), floats as their bits."""
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return column.to_numpy(dtype=f"datetime64[{dtype.unit}]").view("int64")
    values = column.to_numpy()
    if values.dtype.kind in "Mf":
        return values.view("int64")
    return values


def assert_same_frame(old: pd.DataFrame, new: pd.DataFrame) -> None:
    assert list(old.columns) == list(new.columns)
    assert type(old.index) is type(new.index) and old.index.equals(new.index)
    for name in old.columns:
        a, b = old[name], new[name]
        assert a.dtype == b.dtype, (name, a.dtype, b.dtype)
        if isinstance(a.dtype, pd.DatetimeTZDtype):
            assert a.dt.tz is b.dt.tz, name
        assert np.array_equal(bits(a), bits(b)), name


def assert_same_summaries(samples: pd.DataFrame, sport: str,
                          per_foot: bool | None = None) -> None:
    old = reference.summarize(samples, sport, cadence_per_foot=per_foot)
    new = streams.summarize(samples, sport, cadence_per_foot=per_foot)
    assert_same_dataclass(old, new)
    if "time" in samples:
        old_s = reference.seconds(samples["time"])
        new_s = streams.seconds(samples["time"])
        assert old_s.dtype == new_s.dtype and np.array_equal(old_s.view("int64"),
                                                             new_s.view("int64"))


def assert_same_fill(act: Activity, samples: pd.DataFrame, kwargs: dict[str, Any]) -> None:
    old_act, new_act = copy.deepcopy(act), copy.deepcopy(act)
    old = reference.fill_from_samples(old_act, samples, **kwargs)
    new = streams.fill_from_samples(new_act, samples, **kwargs)
    assert_same_dataclass(old, new)
    assert_same_dataclass(old_act, new_act)


# --- the corpus --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_calls(corpus: Path) -> dict[str, list[tuple[str, Any]]]:
    """Per corpus file, what the readers passed to make_samples and fill_from_samples."""
    calls: dict[str, list[tuple[str, Any]]] = {}
    current: list[tuple[str, Any]] = []
    make, fill = streams.make_samples, streams.fill_from_samples

    def making(rows: Any) -> pd.DataFrame:
        current.append(("make", copy.deepcopy(rows)))
        return make(rows)

    def filling(act: Activity, samples: pd.DataFrame, **kwargs: Any) -> Any:
        current.append(("fill", (copy.deepcopy(act), samples.copy(), kwargs)))
        return fill(act, samples, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(streams, "make_samples", making)
        patch.setattr(streams, "fill_from_samples", filling)
        for row in manifest():
            current = []
            runlog.load([corpus / row["local_name"]], store=None, jobs=1,
                        settings=runlog.Settings(timezone="UTC"))
            calls[row["local_name"]] = current
    return calls


def test_corpus_samples_and_summaries_are_the_same(
        corpus_calls: dict[str, list[tuple[str, Any]]]) -> None:
    made = filled = 0
    # Besides the reader's own sport, two other sport and cadence_per_foot pairs a file, in
    # turn, so that every pair meets many files (all of them for every file: 40 s more).
    pairs = [(sport, per_foot) for sport in SPORTS for per_foot in (None, True, False)]
    for name, calls in corpus_calls.items():
        for kind, args in calls:
            if kind == "make":
                made += 1
                assert_same_frame(reference.make_samples(copy.deepcopy(args)),
                                  streams.make_samples(copy.deepcopy(args)))
            else:
                filled += 1
                act, samples, kwargs = args
                try:
                    assert_same_fill(act, samples, kwargs)
                    for turn in (filled, filled + len(pairs) // 2 + 1):
                        assert_same_summaries(samples, *pairs[turn % len(pairs)])
                except AssertionError as exc:
                    raise AssertionError(f"{name}: {exc}") from exc
    # Every FIT, GPX and TCX file with points went through both (GPX and TCX readers make
    # samples for files they then refuse too).
    assert made >= 100 and filled >= 100, (made, filled)


# --- generated samples -------------------------------------------------------------------------


@st.composite
def sample_rows(draw: st.DrawFn) -> tuple[Any, str, bool | None]:
    """Rows as a reader may give them (numpy arrays of the frame's dtypes, lists, or a
    frame), a sport and a cadence_per_foot; values drawn from a seeded generator so that
    long tracks cost no more to make than short ones."""
    n = draw(st.one_of(st.integers(0, 12), st.integers(13, 400)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    form = draw(st.sampled_from(["arrays", "arrays", "lists", "frame"]))
    unit = draw(st.sampled_from(sorted(TICKS)))

    def rate(p: float) -> float:
        return draw(st.sampled_from([0.0, 0.0, p]))

    def sprinkle(values: np.ndarray, p: float, *choices: float) -> np.ndarray:
        hit = rng.random(n) < p
        values[hit] = rng.choice(np.array(choices), size=int(hit.sum()))
        return values

    # Times: steady, sub-second, paused, repeated, going back; some missing; maybe shuffled.
    tick = draw(st.sampled_from([1.0, 1.0, 0.2, 1.001, 1 / 3, 5.0]))
    steps = rng.choice(np.array([tick, tick, tick, 0.0, 300.0, -2.0, 0.37]),
                       p=[0.6, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05], size=n)
    if draw(st.booleans()):
        steps = np.full(n, tick)
    seconds = np.cumsum(steps) + draw(st.sampled_from([0.0, 1e6, 0.5]))
    ns = T0 + np.round(seconds * 1e9).astype("int64").astype("timedelta64[ns]")
    times = ns.astype(f"datetime64[{unit}]")
    times[rng.random(n) < rate(0.1)] = np.datetime64("NaT")
    if draw(st.booleans()) and n:
        times[: int(rng.integers(0, n))] = np.datetime64("NaT")
    if draw(st.booleans()):
        times = times[rng.permutation(n)]

    # Positions: a track at some speed, with jumps, gaps, (0, 0), out of range, or none.
    speed = draw(st.sampled_from([0.0, 0.3, 3.0, 3.0, 9.0, 20.0, 50.0]))
    lat = draw(st.sampled_from([52.0, -33.9, 0.0, 89.9999, 78.2])) + np.cumsum(
        rng.normal(speed, speed / 5 + 0.01, n)) / 111_195
    lon = draw(st.sampled_from([13.0, -0.00001, 179.9999, -73.9])) + np.cumsum(
        rng.normal(0.0, 1.0, n)) / 111_195
    lat = sprinkle(lat, rate(0.05), 0.5, -0.5, 45.0)  # jumps
    lat = sprinkle(lat, rate(0.1), np.nan, 91.0, -95.0, np.inf)
    lon = sprinkle(lon, rate(0.1), np.nan, 181.0, -200.0)
    zero = rng.random(n) < rate(0.1)
    lat[zero], lon[zero] = 0.0, 0.0
    if draw(st.booleans()):
        lat[:] = np.nan
        lon[:] = np.nan

    altitude = sprinkle(40 + np.cumsum(rng.choice([0.0, 0.5, -0.5, 1.5, 3.2, -4.0], n)),
                        rate(0.1), np.nan, -600.0, 9500.0)
    distance = sprinkle(np.cumsum(rng.choice([3.0, 3.0, 0.0, -5.0, 40.0], n)),
                        rate(0.2), np.nan, np.inf)
    device_speed = sprinkle(rng.normal(3.0, 1.0, n), rate(0.2), np.nan, 0.0, -1.0, 70.0)
    heart_rate = sprinkle(rng.normal(150, 10, n).round(), rate(0.2),
                          np.nan, 0.0, -5.0, 259.9, 260.0, 300.0)
    cadence = sprinkle(draw(st.sampled_from([85.0, 172.0, 60.0, 95.0, 130.0]))
                       + rng.choice([-3.0, -1.0, 0.0, 0.5, 1.0, 4.0, 0.25], n),
                       rate(0.2), np.nan, 0.0, -1.0, 300.0, 350.0, 70.0, 140.0)
    rows: dict[str, Any] = {"time": times, "lat": lat, "lon": lon, "altitude_m": altitude,
                            "distance_m": distance, "speed_mps": device_speed,
                            "heart_rate": heart_rate, "cadence": cadence}
    for name in ("lat", "lon", "altitude_m", "distance_m", "speed_mps", "heart_rate",
                 "cadence"):
        if draw(st.integers(0, 4)) == 0:
            del rows[name]  # not in the file (only speed, no device distance, ...)
    if draw(st.booleans()):
        if draw(st.booleans()):
            rows[streams.SEGMENT] = np.cumsum(rng.random(n) < 0.05).astype("int64") + 1
        else:
            rows[streams.SEGMENT] = rng.integers(0, 3, n).astype("int64")

    if form == "lists":
        rows = {name: [None if (isinstance(v, float) and math.isnan(v)) else v
                       for v in column.tolist()] if name != "time"
                else [None if pd.isna(v) else pd.Timestamp(v) for v in column]
                for name, column in rows.items()}
    elif form == "frame":
        frame = pd.DataFrame(rows)
        zone = draw(st.sampled_from(["utc", "utc", "Europe/Berlin", "naive"]))
        if zone == "utc":
            frame["time"] = pd.to_datetime(frame["time"], utc=True)
        elif zone != "naive":
            frame["time"] = frame["time"].dt.tz_localize("UTC").dt.tz_convert(zone)
        if draw(st.booleans()):
            frame.index = frame.index[::-1] * 2 + 5
        rows = frame
    return rows, draw(st.sampled_from(SPORTS)), draw(st.sampled_from([None, True, False]))


# Infinite latitudes reach numpy's trigonometry, in the reference as in the module.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample_rows(), st.booleans())
def test_generated_samples_and_summaries_are_the_same(
        drawn: tuple[Any, str, bool | None], subset: bool) -> None:
    rows, sport, per_foot = drawn
    old = reference.make_samples(copy.deepcopy(rows))
    new = streams.make_samples(copy.deepcopy(rows))
    assert_same_frame(old, new)
    assert_same_summaries(old, sport, per_foot)
    if subset and len(old):
        # As the FIT reader passes a session's samples: rows picked, index kept or reset.
        part = old[np.arange(len(old)) % 3 != 1]
        assert_same_summaries(part, sport, per_foot)
        assert_same_summaries(part.reset_index(drop=True), sport, per_foot)
    act = Activity(source="gen", format="gen", sport=sport)
    assert_same_fill(act, old, {"cadence_field": "gen.cadence", "cadence_per_foot": per_foot})


def test_typed_arrays_take_the_fast_path_and_others_do_not() -> None:
    n = 5
    arrays = {"time": T0.astype("datetime64[us]") + np.arange(n) * np.timedelta64(1, "s"),
              "lat": np.full(n, 52.0), streams.SEGMENT: np.ones(n, dtype="int64")}
    assert samples._typed_samples(arrays) is not None
    for changed in ({"lat": np.full(n, 52, dtype="int64")}, {"lat": [52.0] * n},
                    {"extra": np.zeros(n)}, {"lat": np.zeros(n + 1)},
                    {"time": arrays["time"].astype("datetime64[m]")},
                    {streams.SEGMENT: np.ones(n)}):
        rows = {**arrays, **changed}
        assert samples._typed_samples(rows) is None, changed
        try:
            old = reference.make_samples(copy.deepcopy(rows))
        except ValueError:
            with pytest.raises(ValueError):
                streams.make_samples(copy.deepcopy(rows))
        else:
            assert_same_frame(old, streams.make_samples(copy.deepcopy(rows)))
    # The frame owns its values: changing the rows afterwards changes nothing.
    frame = streams.make_samples(arrays)
    arrays["lat"][0] = 0.0
    arrays["time"][0] = np.datetime64("NaT")
    assert frame["lat"].iloc[0] == 52.0 and frame["time"].notna().all()
