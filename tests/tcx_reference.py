"""The TCX reader's former point-by-point trackpoint loop, kept as the reference its column-wise
reading is tested against (tests/test_fasttcx.py).

``trackpoints`` is ``_trackpoints`` of runlog/importers/tcx.py as it was before the reader read
whole columns (as of commit bf54cd1), with the tree look-ups it used (``child``,
``text_at``, ``number_at``, ``local_name``) copied as they were then, so that a change to the
optimised look-ups in :mod:`runlog.importers.xmltools` is measured against the old ones too.
Times are read by :func:`.xmltools.file_time` and :func:`.xmltools.is_plausible`, which the
change left as they were. :func:`columns` turns the rows into the arrays the new reading gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from runlog.importers import streams, xmltools
from runlog.importers.tcx import CORE_CADENCE_FIELD, RUN_CADENCE_FIELD

#: The float columns of a trackpoint table (time and segment are the others).
FLOAT_COLUMNS = ("lat", "lon", "altitude_m", "distance_m", "speed_mps", "heart_rate", "cadence")


def local_name(tag: object) -> str:
    """``{uri}name`` → ``name`` (comments and processing instructions give "")."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(elem: Element, name: str) -> list[Element]:
    return [c for c in elem if local_name(c.tag) == name]


def child(elem: Element | None, *path: str) -> Element | None:
    """The first element down ``path`` (local names), or None."""
    for name in path:
        if elem is None:
            return None
        elem = next((c for c in elem if local_name(c.tag) == name), None)
    return elem


def text_at(elem: Element | None, *path: str) -> str | None:
    """Stripped text of the element down ``path``; None when absent or empty."""
    found = child(elem, *path)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text or None


def number_at(elem: Element | None, *path: str) -> float | None:
    """The number down ``path``; None when absent or not a number."""
    text = text_at(elem, *path)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class Trackpoints:
    rows: dict[str, list[Any]]
    cadence_field: str
    #: trackpoints dropped because an earlier one has the same time
    repeated: int
    tracks: int


def trackpoints(element: Element, sport: str) -> Trackpoints:
    """Sample columns from every trackpoint, with a new segment at each pause.

    A trackpoint repeating an earlier one's time is dropped: Garmin repeats the last point of
    a lap as the first of the next, and COROS writes the whole track again into every lap.
    """
    rows: dict[str, list[Any]] = {
        "time": [], "lat": [], "lon": [], "altitude_m": [], "distance_m": [], "speed_mps": [],
        "heart_rate": [], "cadence": [], streams.SEGMENT: []}
    run_cadences = core_cadences = repeated = segment = 0
    tracks = [(number, track) for lap in children(element, "Lap")
              for number, track in enumerate(children(lap, "Track"))]
    seen: set[pd.Timestamp] = set()
    for number_in_lap, track in tracks:
        # A lap's second <Track> starts after the timer was stopped; a new lap goes on running.
        segment += number_in_lap > 0
        for point in children(track, "Trackpoint"):
            when = xmltools.file_time(text_at(point, "Time"))
            if when is not None and not xmltools.is_plausible(when.utc):
                when = None
            if when is not None:
                if when.utc in seen:
                    repeated += 1
                    continue
                seen.add(when.utc)
            tpx = child(point, "Extensions", "TPX")
            run_cadence = number_at(tpx, "RunCadence")
            # Polar and Suunto write run cadence into the core <Cadence> meant for bikes.
            core_cadence = number_at(point, "Cadence") if sport == "running" else None
            run_cadences += run_cadence is not None
            core_cadences += core_cadence is not None
            rows["time"].append(when.utc if when else pd.NaT)
            rows["lat"].append(number_at(point, "Position", "LatitudeDegrees"))
            rows["lon"].append(number_at(point, "Position", "LongitudeDegrees"))
            rows["altitude_m"].append(number_at(point, "AltitudeMeters"))
            rows["distance_m"].append(number_at(point, "DistanceMeters"))
            rows["speed_mps"].append(number_at(tpx, "Speed"))
            rows["heart_rate"].append(number_at(point, "HeartRateBpm", "Value") or None)
            rows["cadence"].append(run_cadence if run_cadence is not None else core_cadence)
            rows[streams.SEGMENT].append(segment)
    cadence_field = CORE_CADENCE_FIELD if core_cadences > run_cadences else RUN_CADENCE_FIELD
    return Trackpoints(rows, cadence_field, repeated, len(tracks))


def columns(rows: dict[str, list[Any]]) -> dict[str, np.ndarray]:
    """The reference rows as arrays: times as UTC datetime64[ns] without a zone (NaT where
    there is none), numbers as float64 (NaN for None), segments as int64. Nanoseconds are kept,
    so a reading that cut them would not compare equal."""
    times = np.array([np.datetime64("NaT", "ns") if pd.isna(t)
                      else np.datetime64(pd.Timestamp(t).value, "ns") for t in rows["time"]],
                     dtype="datetime64[ns]")
    out: dict[str, np.ndarray] = {"time": times}
    for name in FLOAT_COLUMNS:
        out[name] = np.array([np.nan if v is None else v for v in rows[name]], dtype="float64")
    out[streams.SEGMENT] = np.array(rows[streams.SEGMENT], dtype="int64")
    return out
