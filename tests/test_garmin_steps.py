"""Garmin Connect CSV with Steps but no cadence column (FORMATS.md section 11): the cadence is
steps ÷ moving time, else ÷ time, with that provenance."""

from __future__ import annotations

import pytest

from runlog.importers import ReadOptions
from runlog.importers.csv import read
from runlog.model import Activity

HEADER = "Activity Type,Date,Title,Distance,Time,Moving Time,Steps,Avg Stride Length\n"


def runs(text: str) -> list[Activity]:
    return [a for a in read(text.encode(), "Activities.csv", ReadOptions())
            if isinstance(a, Activity)]


def test_steps_over_moving_time() -> None:
    # 8,250 steps in 50:00 moving: 165 steps/min, both feet (never doubled)
    (run,) = runs(HEADER + 'Running,2025-01-05 08:00:00,Run,10.02,00:52:10,00:50:00,"8,250",1.21\n')
    assert run.cadence_spm == 165.0
    assert run.cadence_source == "garmin csv steps ÷ moving time"


def test_steps_over_time_without_a_moving_time_column() -> None:
    text = ("Activity Type,Date,Title,Distance,Time,Steps\n"
            "Walking,2025-01-06 08:00:00,Walk,3.00,00:40:00,4400\n")
    (walk,) = runs(text)
    assert walk.cadence_spm == 110.0 and walk.cadence_source == "garmin csv steps ÷ time"


def test_a_cadence_column_wins_and_implausible_steps_are_a_note() -> None:
    text = ("Activity Type,Date,Title,Distance,Time,Avg Run Cadence,Steps\n"
            "Running,2025-01-05 08:00:00,Run,10.00,00:50:00,170,8000\n")
    (run,) = runs(text)
    assert run.cadence_spm == 170.0
    (odd,) = runs(HEADER + "Running,2025-01-05 08:00:00,Run,10.0,00:50:00,00:50:00,95,1.2\n")
    assert odd.cadence_spm is None
    assert "Steps ÷ moving time gives 2 steps/min: not used as the cadence" in odd.notes


@pytest.mark.parametrize("sport", ["Cycling", "Pool Swim"])
def test_no_cadence_from_steps_outside_foot_sports(sport: str) -> None:
    (act,) = runs(HEADER + f"{sport},2025-01-05 08:00:00,x,10.0,00:50:00,00:50:00,8000,1.2\n")
    assert act.cadence_spm is None
