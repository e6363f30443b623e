"""Totals from samples, on hand-computed tracks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runlog.importers.streams import haversine_m, make_samples, summarize
from runlog.stats import stable_order, weighted_median

METRES_PER_DEG_LAT = 2 * np.pi * 6_371_008.8 / 360


def straight_run(seconds: int, speed: float, **columns) -> pd.DataFrame:
    t = pd.date_range("2024-05-01 07:00", periods=seconds + 1, freq="1s", tz="UTC")
    lat = 52.0 + np.arange(seconds + 1) * speed / METRES_PER_DEG_LAT
    return make_samples({"time": t, "lat": lat, "lon": np.full(seconds + 1, 13.0), **columns})


def test_haversine_one_degree_of_latitude() -> None:
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_195, rel=1e-4)


def test_distance_moving_time_and_elapsed_of_a_steady_run() -> None:
    summary = summarize(straight_run(600, 3.0), "running")
    assert summary.track_distance_m == pytest.approx(1800, rel=1e-3)
    assert summary.elapsed_s == 600
    assert summary.moving_s == pytest.approx(600)
    assert summary.gps_jumps == 0


def test_a_gps_jump_is_dropped_and_counted() -> None:
    samples = straight_run(600, 3.0)
    samples.loc[300, "lat"] += 0.01  # about 1.1 km off for one second
    summary = summarize(samples, "running")
    assert summary.gps_jumps == 1
    assert summary.track_distance_m == pytest.approx(1800, rel=1e-3)
    assert any("dropped as jumps" in n for n in summary.notes)


def test_a_stop_is_not_moving_time() -> None:
    run = straight_run(600, 3.0)
    # Stand still for 120 s in the middle: positions frozen, times go on.
    run.loc[241:360, "lat"] = run.loc[240, "lat"]
    run.loc[361:, "lat"] -= run.loc[361, "lat"] - run.loc[240, "lat"] - 3.0 / METRES_PER_DEG_LAT
    summary = summarize(run, "running")
    assert summary.moving_s == pytest.approx(480, abs=2)
    assert summary.elapsed_s == 600


def test_per_foot_cadence_is_doubled_once_and_walking_samples_left_out() -> None:
    cadence = np.full(601, 85.0)
    cadence[:100] = 55.0  # a walk to warm up: 110 steps/min, not running
    summary = summarize(straight_run(600, 3.0, cadence=cadence), "running")
    assert summary.cadence_doubled is True
    assert summary.cadence_spm == 170.0
    assert set(summary.cadence_histogram) == {170}
    assert sum(summary.cadence_histogram.values()) == pytest.approx(501, abs=1)


def test_cadence_already_in_steps_is_not_doubled() -> None:
    summary = summarize(straight_run(300, 3.0, cadence=np.full(301, 176.0)), "running")
    assert summary.cadence_doubled is False
    assert summary.cadence_spm == 176.0


def test_cadence_is_not_a_step_rate_for_cycling() -> None:
    summary = summarize(straight_run(300, 8.0, cadence=np.full(301, 90.0)), "cycling")
    assert summary.cadence_spm is None


def test_zero_heart_rate_is_missing_not_zero() -> None:
    hr = np.zeros(301)
    assert summarize(straight_run(300, 3.0, heart_rate=hr), "running").avg_hr is None
    hr[150:] = 150
    assert summarize(straight_run(300, 3.0, heart_rate=hr), "running").avg_hr == 150


def test_ascent_ignores_noise_below_hysteresis() -> None:
    alt = 100 + np.tile([0.0, 1.0], 150)  # +-1 m noise only
    alt = np.append(alt, 100.0)
    assert summarize(straight_run(300, 3.0, altitude_m=alt), "running").elevation_gain_m == 0
    climb = np.linspace(100, 150, 301)
    gain = summarize(straight_run(300, 3.0, altitude_m=climb), "running").elevation_gain_m
    assert gain == pytest.approx(50, abs=3)


def test_weighted_median_respects_time_weights() -> None:
    values = np.array([160.0, 180.0])
    assert weighted_median(values, np.array([1.0, 9.0])) == 180.0
    assert weighted_median(values, np.array([9.0, 1.0])) == 160.0


def test_empty_and_untimed_samples_do_not_crash() -> None:
    assert summarize(make_samples({}), "running").track_distance_m is None
    untimed = make_samples({"lat": [52.0, 52.004, 52.008], "lon": [13.0, 13.0, 13.0]})
    summary = summarize(untimed, "running")
    assert summary.track_distance_m == pytest.approx(889.6, rel=1e-3)
    assert summary.moving_s is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.integers(0, 511).map(float),
    st.integers(0, 65535).map(lambda n: n / 128.0),
    st.sampled_from([-0.0, 0.0, -1.0, 512.0, 0.3, float("nan"), float("inf"), 1e-300])),
    min_size=0, max_size=300))
def test_stable_order_is_numpys_stable_argsort(values: list[float]) -> None:
    """The radix path for cadences (multiples of 1/128) and the float path give numpy's own
    stable order, ties and NaN included."""
    array = np.array(values, dtype=np.float64)
    np.testing.assert_array_equal(stable_order(array), np.argsort(array, kind="stable"))


def test_an_hour_of_fractional_cadence_sorts_as_numpy_sorts_it() -> None:
    rng = np.random.default_rng(7)
    cadence = rng.integers(78, 96, 3600) + rng.integers(0, 128, 3600) / 128.0
    np.testing.assert_array_equal(stable_order(cadence), np.argsort(cadence, kind="stable"))
    weights = rng.uniform(0.5, 2.0, 3600)
    order = np.argsort(cadence, kind="stable")
    cum = np.cumsum(weights[order])
    assert weighted_median(cadence, weights) == cadence[order][np.searchsorted(cum, cum[-1] / 2)]


def _stable_weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    if cum[-1] <= 0:
        return float(np.median(values[order]))
    return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.91, 1.2, 1.2, 1.85, 2.0, 7.5, 0.0]),
                          st.sampled_from([0.0, 1.0, 1.0, 2.0, 3.0, 0.5])),
                min_size=1, max_size=200))
def test_weighted_median_is_the_stable_orders_with_ties_in_any_order(
        pairs: list[tuple[float, float]]) -> None:
    """Step lengths with whole weights (a second a sample) take numpy's unstable sort: the
    same answer as the stable order, ties and zero weights included; other weights (0.5)
    keep the stable order."""
    values = np.array([v for v, _ in pairs])
    weights = np.array([w for _, w in pairs])
    assert weighted_median(values, weights) == _stable_weighted_median(values, weights)
