"""FIT sessions to activity fields: which records belong to which session, the session's
totals as written or, where they are bogus, from the records; sport, start time and the local
clock; clock jumps repaired."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from ..model import Activity
from . import streams, vocab
from .fit_records import FIT_EPOCH_S, RELATIVE_TIME_LIMIT, as_number, latest_real_time

#: A gap between records of a day or more is the device left off, not a pause.
DEVICE_OFF_GAP_S = 86_400


#: Session elapsed time counts as bogus beyond this factor of the records' span ...
BOGUS_ELAPSED_FACTOR = 2.0


#: ... and this many seconds more than it.
BOGUS_ELAPSED_EXCESS_S = 3_600.0


#: A timer time longer than the elapsed time by more than this (s) is no rounding.
TIMER_OVER_ELAPSED_S = 60.0


#: A step between records longer than this (s) and than the sessions' elapsed time, across
#: which the distance carries on, is the clock being corrected (a smaller step is a pause).
CLOCK_JUMP_MIN_S = 600.0


#: ... carries on: moves no more than this (m) plus a running step.
CLOCK_JUMP_MAX_STEP_M = 50.0


#: Records running past the session's elapsed and timer times by more than this (s) mean the
#: session summed only closed laps.
OPEN_SESSION_SLACK_S = 60.0


#: Records of a file cut short that span less of the session than this are a fragment.
MIN_RECORD_COVERAGE = 0.9


#: Moving time from samples needs motion data (position, distance, speed) on this share.
MIN_MOTION_SHARE = 0.5


#: Local-time offsets are whole quarter hours; anything beyond 14 h is not a zone.
OFFSET_STEP_S = 900


MAX_OFFSET_S = 14 * 3600


def first_time(raw_times: np.ndarray) -> float | None:
    usable = raw_times[np.isfinite(raw_times)]
    return float(usable.min()) if len(usable) else None


def session_start(session: dict[str, Any]) -> float | None:
    start = as_number(session.get("start_time"))
    if start is not None:
        return start
    end = as_number(session.get("timestamp"))
    elapsed = as_number(session.get("total_elapsed_time"))
    if end is not None and elapsed is not None:
        return end - elapsed
    return None


def assign_records(raw_times: np.ndarray, sessions: list[dict[str, Any]],
            activity: dict[str, Any] | None = None) -> np.ndarray:
    """Index of the session each record belongs to (-1: none): the latest session started at
    or before the record, if the record is not after that session's end.

    A session ends at the latest of what it says (start + elapsed, start + timer, its own
    timestamp) and, for the last session, what the ``activity`` message says (its timestamp,
    start + its timer): a watch that left its last lap open writes a session cut short at
    that lap, while the records, the session's timestamp and the activity carry on. Records
    past all of these stay out: nothing but themselves says they belong.
    """
    owner = np.full(len(raw_times), -1)
    starts = [session_start(s) for s in sessions]
    if len(sessions) == 1 and starts[0] is None:
        owner[np.isfinite(raw_times)] = 0
        return owner
    ends = []
    for number, (session, start) in enumerate(zip(sessions, starts)):
        # Elapsed time can be bogusly shorter than the timer time; the longer one holds.
        found = [as_number(session.get(k)) for k in ("total_elapsed_time", "total_timer_time")]
        lengths = [length for length in found if length is not None]
        if start is None or not lengths:
            ends.append(np.inf)
            continue
        end = start + max(lengths)
        marks = [as_number(session.get("timestamp"))]
        if number == len(sessions) - 1 and activity:
            marks.append(as_number(activity.get("timestamp")))
            total = as_number(activity.get("total_timer_time"))
            marks.append(None if total is None else start + total)
        for mark in marks:
            # A mark days past the session's own length is another clock, not its end.
            if mark is not None and end < mark < end + DEVICE_OFF_GAP_S:
                end = mark
        ends.append(end)
    start_arr = np.array([np.nan if s is None else s for s in starts], dtype="float64")
    end_arr = np.array(ends, dtype="float64")
    known = np.flatnonzero(np.isfinite(start_arr))
    if not len(known) or not len(raw_times):
        return owner
    times = np.nan_to_num(raw_times, nan=-np.inf)
    slot = np.searchsorted(start_arr[known], times, side="right") - 1
    candidate = known[np.clip(slot, 0, None)]
    inside = (slot >= 0) & (times <= end_arr[candidate])
    owner[inside] = candidate[inside]
    return owner


def repair_clock_jumps(samples: pd.DataFrame, raw_times: np.ndarray,
                        sessions: list[dict[str, Any]]) -> tuple[np.ndarray, str | None]:
    """Put records after a forward clock jump back on the recording's time axis.

    A step between consecutive records longer than the sessions' whole elapsed time cannot be
    a pause inside them; when the distance carries on across it (no more than a few seconds'
    running), the device's clock was corrected mid-run (a GPS fix, a time sync), and the
    records after it are shifted back to follow on at the recording's usual interval.
    Returns the raw times (repaired) and the note, or None; the samples' times are set.
    """
    lengths: list[float] = []
    for session in sessions:
        found = [as_number(session.get(k)) for k in ("total_elapsed_time", "total_timer_time")]
        values = [v for v in found if v is not None and v > 0]
        if not values:
            return raw_times, None
        lengths.append(max(values))
    if not lengths:
        return raw_times, None
    longest_pause = sum(lengths)
    timed = np.flatnonzero(np.isfinite(raw_times))
    if len(timed) < 3:
        return raw_times, None
    steps = np.diff(raw_times[timed])
    jumps = np.flatnonzero(steps > max(longest_pause, CLOCK_JUMP_MIN_S))
    if not len(jumps):
        return raw_times, None
    ordinary = steps[(steps > 0) & (steps < CLOCK_JUMP_MIN_S)]
    usual = float(np.median(ordinary)) if len(ordinary) else 1.0
    distance = samples["distance_m"].to_numpy()
    raw_times = raw_times.copy()
    repaired = []
    for jump in jumps:
        before, after = timed[jump], timed[jump + 1]
        moved = distance[after] - distance[before]
        if np.isfinite(moved) and not (0 <= moved <= CLOCK_JUMP_MAX_STEP_M + 12.5 * usual):
            continue  # the recording does not carry on across it: a separate stretch
        shift = float(steps[jump]) - usual
        raw_times[timed[jump + 1:]] -= shift
        repaired.append((int(after), shift))
    if not repaired:
        return raw_times, None
    samples["time"] = pd.to_datetime(raw_times + FIT_EPOCH_S, unit="s", utc=True)
    parts = "; ".join(f"+{shift:,.0f} s before record {record + 1} of {len(raw_times)}"
                      for record, shift in repaired)
    return raw_times, (f"device clock jumped forward mid-recording ({parts}): the records "
                       f"after it put back on the recording's time axis")


def open_session(act: Activity, session: dict[str, Any], raw_times: np.ndarray,
                  span: float | None, activity: dict[str, Any] | None) -> float | None:
    """When the session's records run well past its elapsed and timer times (a last lap left
    open: the session sums only the closed laps), its sums are short: take the times from
    the records (and the activity's timer total), and leave distance and moving time to the
    records. Returns the session's distance when it was set aside (the records' distance
    replaces it unless shorter), else None."""
    if span is None:
        return None
    written = max((v for v in (act.elapsed_time_s, act.timer_time_s) if v is not None),
                  default=None)
    if written is None or span <= written + OPEN_SESSION_SLACK_S:
        return None
    start = session_start(session)
    first = first_time(raw_times)
    end_raw = float(np.nanmax(raw_times)) if np.isfinite(raw_times).any() else None
    elapsed = span
    if start is not None and first is not None and end_raw is not None and first >= start:
        elapsed = max(span, end_raw - start)
    act.note(f"session sums cover {written:.0f} s but its records run {elapsed:.0f} s "
             f"(last lap left open): times and distance from the records")
    act.elapsed_time_s = elapsed
    total = as_number(activity.get("total_timer_time")) if activity else None
    if total is not None and (act.timer_time_s is None or total > act.timer_time_s):
        act.timer_time_s = total
        act.note("timer time from the activity message")
    else:
        act.timer_time_s = None
    act.moving_time_s = None
    session_distance, act.distance_m, act.distance_source = act.distance_m, None, None
    return session_distance


def matching_sport_message(
    unused: list[dict[str, Any]], session: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The ``sport`` message that describes ``session`` (taken out of ``unused``)."""
    if not unused:
        return None
    wanted = session.get("sport") if session else None
    for index, candidate in enumerate(unused):
        if wanted is None or candidate.get("sport") == wanted:
            return unused.pop(index)
    return unused[0] if len(unused) == 1 else None


def set_sport(
    act: Activity,
    session: dict[str, Any] | None,
    sport_message: dict[str, Any] | None,
    laps: list[dict[str, Any]],
) -> None:
    sources = [session, sport_message, *laps]
    origin = next((s for s in sources if s and s.get("sport") is not None), None)
    if origin is None:
        act.sport, act.sub_sport = "other", None
    else:
        act.sport, act.sub_sport = vocab.sport_from_fit(origin.get("sport"),
                                                        origin.get("sub_sport"))
    name = sport_message.get("name") if sport_message else None
    act.name = name if isinstance(name, str) and name.strip() else None
    act.surface, act.surface_source = vocab.infer_surface(
        act.sport, act.sub_sport, act.name, sub_sport_origin="fit sub_sport")


def session_totals(act: Activity, session: dict[str, Any], span: float | None) -> None:
    act.distance_m = as_number(session.get("total_distance"))
    if act.distance_m is not None:
        act.distance_source = "session"
    act.timer_time_s = as_number(session.get("total_timer_time"))
    act.elapsed_time_s = as_number(session.get("total_elapsed_time"))
    act.moving_time_s = as_number(session.get("total_moving_time"))
    avg_hr = as_number(session.get("avg_heart_rate"))
    act.avg_hr = avg_hr if avg_hr else None
    act.elevation_gain_m = as_number(session.get("total_ascent"))
    if act.elapsed_time_s is None:
        return
    if (act.timer_time_s is not None
            and act.timer_time_s > act.elapsed_time_s + TIMER_OVER_ELAPSED_S):
        # The timer cannot run longer than the clock: writers that do this (Nielsen-Kellerman,
        # inverted-times.fit) put each value in the other's field; the records agree.
        act.timer_time_s, act.elapsed_time_s = act.elapsed_time_s, act.timer_time_s
        act.note("session timer and elapsed times swapped: the timer was the longer")
    if (span is not None and act.elapsed_time_s > BOGUS_ELAPSED_FACTOR * span
            and act.elapsed_time_s > span + BOGUS_ELAPSED_EXCESS_S):
        act.note(f"session elapsed time of {act.elapsed_time_s / 86400:.1f} days is bogus: "
                 f"record span used")
        act.elapsed_time_s = span


def record_span_s(raw_times: np.ndarray) -> float | None:
    """Seconds the records cover, days-long gaps (device off) left out."""
    times = np.sort(raw_times[np.isfinite(raw_times)])
    if len(times) < 2:
        return None
    steps = np.diff(times)
    return float(steps[steps < DEVICE_OFF_GAP_S].sum())


def fill_from_records(
    act: Activity,
    samples: pd.DataFrame,
    cadence_field: str,
    session: dict[str, Any] | None,
    *,
    fragment: bool,
) -> None:
    """Fill what the session left empty from the samples.

    From a ``fragment`` of the session's records only averages are kept: its sums would be
    short. Moving time needs samples that track motion most of the time; pool swims write a
    distance once a length, and the moving time from those is a few seconds.
    """
    sums = (act.distance_m, act.distance_source, act.moving_time_s, act.elevation_gain_m)
    moving_known = act.moving_time_s is not None
    streams.fill_from_samples(act, samples, cadence_field=cadence_field,
                              cadence_per_foot=None)
    if fragment:
        act.distance_m, act.distance_source, act.moving_time_s, act.elevation_gain_m = sums
    elif session is not None and not moving_known and not _tracks_motion(samples):
        act.moving_time_s = None
    if act.moving_time_s is None:
        act.moving_time_s = act.timer_time_s
    if act.cadence_spm is None and session and act.sport in streams.FOOT_SPORTS:
        recorded = samples["cadence"].to_numpy()
        if not (recorded > 0).any():
            _session_cadence(act, session)


def _tracks_motion(samples: pd.DataFrame) -> bool:
    """Whether most samples carry a position, a distance or a speed."""
    if samples.empty:
        return False
    still = np.ones(len(samples), dtype=bool)
    for name in ("lat", "distance_m", "speed_mps"):
        still &= np.isnan(samples[name].to_numpy(dtype="float64"))
    return bool(np.count_nonzero(~still) / len(still) >= MIN_MOTION_SHARE)


def _session_cadence(act: Activity, session: dict[str, Any]) -> None:
    for name in ("avg_running_cadence", "avg_cadence"):
        per_foot = as_number(session.get(name))
        if per_foot:
            # fitparse has already divided the fraction by its scale of 128.
            per_foot += as_number(session.get("avg_fractional_cadence")) or 0.0
            act.cadence_spm = round(2.0 * per_foot, 1)
            act.cadence_source = f"fit session.{name} x2 (per foot)"
            return


def set_start(act: Activity, start_raw: float | None, offset_s: float | None) -> None:
    """Set start_time (and local_start) from a raw FIT time, or None when it is no date."""
    if start_raw is None:
        act.start_time = None
        act.note("no start time in the file")
        return
    if start_raw < RELATIVE_TIME_LIMIT:
        act.start_time = None
        act.note("device clock not set: no real date")
        return
    if start_raw > latest_real_time():
        act.start_time = None
        act.note("start time lies in the future: no real date")
        return
    # Milliseconds: a start computed as end - elapsed is fractional, and datetime keeps us.
    act.start_time = pd.Timestamp(round((start_raw + FIT_EPOCH_S) * 1000), unit="ms", tz="UTC")
    if offset_s is not None:
        act.local_start = _naive(act.start_time + pd.Timedelta(seconds=offset_s))
        act.local_start_source = "file"


def _naive(moment: pd.Timestamp) -> datetime:
    return moment.tz_localize(None).to_pydatetime()


def local_offset_s(activity: dict[str, Any] | None) -> float | None:
    """The wall clock's offset from UTC: activity.local_timestamp - activity.timestamp."""
    if not activity:
        return None
    local = as_number(activity.get("local_timestamp"))
    utc = as_number(activity.get("timestamp"))
    if local is None or utc is None or utc < RELATIVE_TIME_LIMIT:
        return None
    offset = round((local - utc) / OFFSET_STEP_S) * OFFSET_STEP_S
    return float(offset) if abs(offset) <= MAX_OFFSET_S else None


def device_name(file_id: dict[str, Any] | None) -> str | None:
    if not file_id:
        return None
    manufacturer = file_id.get("manufacturer")
    product = file_id.get("product_name")
    if not product:
        product = next((v for k, v in file_id.items() if k.endswith("product") and v), None)
    parts = [str(p).strip() for p in (manufacturer, product) if p not in (None, "", 0)]
    return " ".join(parts) or None
