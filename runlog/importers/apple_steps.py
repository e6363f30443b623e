"""The Watch's step-count records in an Apple Health export, and the cadence they give a
foot workout that has no step count of its own (FORMATS.md section 9: the iPhone's records
count the same steps again, so only the Watch's are kept).

The records are millions of one-line ``<Record>``\\ s: they are read by pattern, a region of
the file at a time, never parsed as XML."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd

from . import streams
from .apple_workouts import STEP_COUNT, Workout, apple_time
from .xmltools import finite_number

_ATTRIBUTE = re.compile(rb'([A-Za-z_][\w.-]*)\s*=\s*"([^"]*)"')
_TAG_REACH = 8192
_STEP_RECORD = b'"' + STEP_COUNT.encode() + b'"'
#: A step record as real exports write it, on one line, attributes in this order.
_STEP_LINE = re.compile(
    rb'<Record type="HKQuantityTypeIdentifierStepCount" sourceName="([^"]*)"'
    rb'(?: sourceVersion="[^"]*")?(?: device="([^"]*)")? unit="[^"]*"'
    rb'(?: creationDate="[^"]*")? startDate="([^"]*)" endDate="([^"]*)" value="([^"]*)"')


def _utc_second(when: pd.Timestamp) -> np.datetime64:
    """``when`` as naive UTC datetime64[s], the records' resolution."""
    # numpy's stubs lack datetime64(datetime64, unit), which numpy takes.
    utc = when.tz_convert(None).to_datetime64()
    second: np.datetime64 = np.datetime64(utc, "s")  # type: ignore[call-overload]
    return second


class StepRecords:
    """The Watch's step-count records: start and end (naive UTC, datetime64[s]) and steps,
    in order of start."""

    def __init__(self, start: np.ndarray, end: np.ndarray, steps: np.ndarray) -> None:
        order = np.argsort(start, kind="stable")
        self.start, self.end, self.steps = start[order], end[order], steps[order]
        self.longest = (self.end - self.start).max() if len(start) else np.timedelta64(0, "s")

    def overlapping(self, start: pd.Timestamp, end: pd.Timestamp) -> float | None:
        """Steps counted within [start, end], each record prorated by its overlap; None
        when no record overlaps."""
        lo = _utc_second(start)
        hi = _utc_second(end)
        first = np.searchsorted(self.start, lo - self.longest, "left")
        last = np.searchsorted(self.start, hi, "right")
        starts, ends = self.start[first:last], self.end[first:last]
        hit = (starts < hi) & (ends > lo) | ((starts == ends) & (starts >= lo))
        if not hit.any():
            return None
        s, e, n = starts[hit], ends[hit], self.steps[first:last][hit]
        span = (e - s).astype("float64")
        inside = (np.minimum(e, hi) - np.maximum(s, lo)).astype("float64")
        share = np.where(span > 0, np.clip(inside, 0, None) / np.where(span > 0, span, 1), 1.0)
        return float((n * share).sum())


def _watch(source_name: bytes, device: bytes | None) -> bool:
    if device and b"model:" in device:
        return b"model:Watch" in device
    return b"watch" in source_name.lower()


class StepCollector:
    """The Watch's StepCount records, gathered a region of the file at a time (FORMATS.md
    section 9: the iPhone's count the same steps again)."""

    def __init__(self) -> None:
        self.starts: list[np.ndarray] = []
        self.ends: list[np.ndarray] = []
        self.values: list[np.ndarray] = []

    def scan(self, data: bytes, start: int, end: int) -> None:
        """Read the step records of ``data[start:end]`` (whole tags only, no workout)."""
        expected = data.count(_STEP_RECORD, start, end)
        if not expected:
            return
        rows = _STEP_LINE.findall(data, start, end)
        if len(rows) != expected:  # another attribute order, or pretty-printed: one by one
            rows = list(self._one_by_one(data[start:end]))
        kept = [(start, end, value) for name, device, start, end, value in rows
                if _watch(name, device)]
        if kept:
            self._add(kept)

    @staticmethod
    def _one_by_one(region: bytes) -> Iterator[tuple[bytes, bytes, bytes, bytes, bytes]]:
        pos = 0
        while True:
            at = region.find(_STEP_RECORD, pos)
            if at < 0:
                return
            pos = at + len(_STEP_RECORD)
            # A record's start tag is a few hundred bytes: look no further for its ends.
            open_at = region.rfind(b"<", max(0, at - _TAG_REACH), at)
            close_at = region.find(b">", at, at + _TAG_REACH)
            if open_at < 0 or close_at < 0 or not region.startswith(b"<Record", open_at):
                continue
            attrs = dict(_ATTRIBUTE.findall(region[open_at:close_at]))
            yield (attrs.get(b"sourceName", b""), attrs.get(b"device", b""),
                   attrs.get(b"startDate", b""), attrs.get(b"endDate", b""),
                   attrs.get(b"value", b""))

    def _add(self, rows: list[tuple[bytes, bytes, bytes]]) -> None:
        starts = _utc_seconds([r[0] for r in rows])
        ends = _utc_seconds([r[1] for r in rows])
        values = np.array([finite_number(r[2].decode("ascii", "replace")) or np.nan for r in rows],
                          dtype="float64")
        good = ~np.isnat(starts) & ~np.isnat(ends) & (values >= 0)
        good[good] &= ends[good] >= starts[good]
        self.starts.append(starts[good])
        self.ends.append(ends[good])
        self.values.append(values[good])

    def records(self) -> StepRecords:
        if not self.starts:
            empty = np.array([], dtype="datetime64[s]")
            return StepRecords(empty, empty, np.array([], dtype="float64"))
        return StepRecords(np.concatenate(self.starts), np.concatenate(self.ends),
                           np.concatenate(self.values))


def _utc_seconds(texts: list[bytes]) -> np.ndarray:
    """``2016-11-14 07:25:41 -0700`` times as naive UTC datetime64[s] (NaT where unreadable),
    converted together: a real export writes them all with one offset."""
    out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[s]")
    by_offset: dict[bytes, list[int]] = {}
    for i, text in enumerate(texts):
        if len(text) == 25 and text[10:11] == b" " and text[19:20] == b" ":
            by_offset.setdefault(text[20:], []).append(i)
    for zone, rows in by_offset.items():
        match = re.fullmatch(rb"([+-])(\d\d)(\d\d)", zone)
        if match is None:
            continue
        minutes = int(match.group(2)) * 60 + int(match.group(3))
        if minutes >= 24 * 60:
            continue
        minutes = -minutes if match.group(1) == b"-" else minutes
        try:
            wall = np.array([texts[i][:19] for i in rows], dtype="S19").astype(
                "U19").astype("datetime64[s]")
        except ValueError:
            for i in rows:
                when = apple_time(texts[i].decode("ascii", "replace"))
                if when is not None:
                    out[i] = _utc_second(when)
            continue
        out[rows] = wall - np.timedelta64(minutes, "m")
    return out


def set_cadence(workout: Workout, records: StepRecords | None) -> None:
    act = workout.activity
    if act.sport not in streams.FOOT_SPORTS or not act.moving_time_s:
        return
    minutes = act.moving_time_s / 60.0
    if workout.steps:
        cadence, origin = workout.steps / minutes, "apple WorkoutStatistics StepCount"
    elif records is not None and act.start_time is not None and workout.end_time is not None:
        steps = records.overlapping(act.start_time, workout.end_time)
        if not steps:
            return
        cadence, origin = steps / minutes, "apple Watch StepCount records"
    else:
        return
    # Below a slow walk's or above a sprint's: steps counted around the workout, not in it.
    if not 30.0 <= cadence <= 260.0:
        act.note(f"{origin} ÷ duration gives {cadence:.0f} steps/min: not used")
        return
    act.cadence_spm = round(cadence, 1)
    act.cadence_source = f"{origin} ÷ duration (steps/min)"
