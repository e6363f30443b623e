"""Issue 17: files whose writer meant more than a literal reading gives. Each case is a file
built here for its quirk (FIT with the FIT SDK's encoder, GPX/TCX/CSV by hand), with the
totals the writer meant and the note that says how runlog got them."""

from __future__ import annotations

from typing import Any

import pytest
from garmin_fit_sdk import Encoder, Profile

from runlog.importers import ReadOptions, fit
from runlog.model import Activity, to_frame

START = 1_000_000_000  # FIT seconds: 2021-09-08T01:46:40Z


def encode(*messages: tuple[str, dict[str, Any]], developer: dict | None = None) -> bytes:
    encoder = Encoder(field_descriptions=developer)
    for name, fields in messages:
        encoder.on_mesg(Profile["mesg_num"][name.upper()], fields)
    return encoder.close()


def file_id() -> tuple[str, dict[str, Any]]:
    return ("file_id", {"type": "activity", "manufacturer": "garmin", "product": 3113,
                        "time_created": START})


def read_fit(data: bytes, source: str = "gen.fit") -> Activity:
    items = fit.read(data, source, ReadOptions())
    to_frame(items)  # type: ignore[arg-type]
    assert len(items) == 1 and isinstance(items[0], Activity), items
    return items[0]


# --- 1. FIT records past the session's window ---------------------------------------------


def test_last_lap_left_open_takes_times_and_distance_from_the_records() -> None:
    """Suunto Ambit 3 Peak: the session sums the closed laps only (4034.9 s, no distance);
    its timestamp, the activity's timer total (4962 s) and the records run on to 15,220 m."""
    speed = 15_220.0 / 4961
    recs = [("record", {"timestamp": START + i, "distance": speed * i, "speed": speed,
                        "heart_rate": 150, "cadence": 86}) for i in range(4962)]
    data = encode(file_id(), *recs,
                  ("lap", {"timestamp": START + 4035, "start_time": START,
                           "total_timer_time": 4034.9, "total_elapsed_time": 4034.9}),
                  ("session", {"timestamp": START + 4962, "start_time": START,
                               "total_elapsed_time": 4034.9, "total_timer_time": 4034.9,
                               "sport": "running"}),
                  ("activity", {"timestamp": START + 4962, "total_timer_time": 4962.0}))
    act = read_fit(data)
    assert act.distance_m == pytest.approx(15_220.0, abs=1.0)
    assert act.elapsed_time_s == 4961.0
    assert act.timer_time_s == 4961.0  # the activity's 4962 s, cut to the clock's 4961 s
    assert act.moving_time_s == 4961.0
    assert ("session sums cover 4035 s but its records run 4961 s (last lap left open): "
            "times and distance from the records") in act.notes
    assert "timer time from the activity message" in act.notes


def test_records_past_everything_the_file_says_stay_out() -> None:
    """Records after the session's end that no session timestamp or activity message
    vouches for are not taken in (a stress file repeats one record for a day)."""
    recs = [("record", {"timestamp": START + i, "distance": 3.0 * i, "speed": 3.0})
            for i in range(1201)]
    data = encode(file_id(), *recs,
                  ("session", {"timestamp": START + 600, "start_time": START,
                               "total_elapsed_time": 600.0, "total_timer_time": 600.0,
                               "total_distance": 1800.0, "sport": "running"}),
                  ("activity", {"timestamp": START + 600, "total_timer_time": 600.0}))
    act = read_fit(data)
    assert (act.distance_m, act.elapsed_time_s, act.timer_time_s) == (1800.0, 600.0, 600.0)
    assert act.notes == []


def test_forward_clock_jump_mid_run_is_repaired_not_cut() -> None:
    """Forerunner 225: the clock jumps +1,746,563 s (20 days) at record 102 of 567. The 465
    records after it are the same run: they go back on the run's time axis."""
    jump = 1_746_563
    step = 6
    recs = []
    for i in range(567):
        when = START + step * i + (jump if i >= 102 else 0)
        recs.append(("record", {"timestamp": when, "distance": 18.5 * i, "speed": 18.5 / step,
                                "heart_rate": 150, "cadence": 80 if i < 102 else 88}))
    data = encode(file_id(), *recs,
                  ("session", {"timestamp": START + 3396 + jump, "start_time": START,
                               "total_elapsed_time": 3396.0, "total_timer_time": 3396.0,
                               "total_distance": 10_500.0, "sport": "running"}))
    act = read_fit(data)
    assert (act.distance_m, act.elapsed_time_s, act.timer_time_s) == (10_500.0, 3396.0, 3396.0)
    assert act.moving_time_s == 566 * step  # every 6-second step moves at 3.1 m/s
    assert act.cadence_spm == 176.0  # the whole run, not its first 8 minutes (160)
    assert ("device clock jumped forward mid-recording (+1,746,563 s before record 103 of "
            "567): the records after it put back on the recording's time axis") in act.notes
