"""A generated Apple Health export for the benchmark (issue 12): the real v14 DTD, records
grouped by type as the Health app writes them (heart rate, energy, distance, the Watch's and
the iPhone's step counts), then the workouts: about 1,300 runs over five years, half written
as current exports write them (statistics, a WorkoutActivity, the metadata twice), half as
older ones (totals as attributes, no step count: the cadence comes from the Watch's records).

Every run lasts 45 minutes from 07:00 and its steps are known, so the benchmark checks what it
times: the runs found, and their cadence.
"""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from pathlib import Path

DTD = (Path(__file__).parent / "apple_dtd_v14.txt").read_text(encoding="utf-8")
FIRST_DAY = date(2019, 1, 1)
DAYS = 1826
RUN_EVERY_DAYS = 1.4  # about 1,300 runs in five years
OFFSET = "+0100"  # the exporter's: every time of the file is written in it
WATCH = ("sourceName=\"Anna’s Apple Watch\" sourceVersion=\"10.1\" device=\"&lt;&lt;HKDevice: "
         "0x281e5c0f0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
         "hardware:Watch6,2, software:10.1&gt;\"")
PHONE = ("sourceName=\"Anna’s iPhone\" sourceVersion=\"17.1\" device=\"&lt;&lt;HKDevice: "
         "0x281e5c1e0&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
         "hardware:iPhone14,2, software:17.1&gt;\"")
#: Record types in file order, with the share of the records each has.
RECORD_TYPES = (("HeartRate", 0.45), ("ActiveEnergyBurned", 0.2), ("BasalEnergyBurned", 0.15),
                ("DistanceWalkingRunning", 0.1), ("StepCount", 0.1))
#: Bytes of one record line, about (heart rate records carry a metadata entry).
RECORD_BYTES = 430


def day_count(target_bytes: int) -> int:
    """Five years for a real export's size; fewer days for a small one (quick runs)."""
    return min(DAYS, max(60, target_bytes // 400_000))


def run_days(days: int) -> list[int]:
    return [int(i * RUN_EVERY_DAYS) for i in range(int(days / RUN_EVERY_DAYS))]


def run_cadence(index: int) -> int:
    """The steps/min of run ``index`` (the file's truth)."""
    return 160 + index % 16


def build(path: Path, target_bytes: int) -> dict[str, int]:
    """Write an export.xml of about ``target_bytes``; what it holds."""
    days = [FIRST_DAY + timedelta(days=d) for d in range(day_count(target_bytes))]
    runs = run_days(len(days))
    per_day = max(8, int(target_bytes / RECORD_BYTES / len(days)))
    records = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + DTD)
        out.write('<HealthData locale="en_GB">\n <ExportDate value="2024-01-20 10:00:00 +0100"/>\n'
                  ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-02-02" '
                  'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" '
                  'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" '
                  'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" '
                  'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n')
        run_on = {d: i for i, d in enumerate(runs)}
        for kind, share in RECORD_TYPES:
            count = max(4, int(per_day * share))
            for number, day in enumerate(days):
                lines = _records(kind, day, count, run_on.get(number))
                records += len(lines)
                out.write("".join(lines))
        for index, number in enumerate(runs):
            out.write(_workout(index, days[number]))
        out.write("</HealthData>\n")
    return {"records": records, "runs": len(runs), "bytes": path.stat().st_size}


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _records(kind: str, day: date, count: int, run: int | None) -> list[str]:
    d = day.isoformat()
    unit = {"HeartRate": "count/min", "StepCount": "count", "DistanceWalkingRunning": "km"}.get(
        kind, "kcal")
    lines = []
    if kind == "StepCount":
        # The Watch's and the iPhone's counts of the same walking, in 15-minute records; on a
        # run day the Watch's three records from 07:00 hold the run's steps.
        half = max(2, count // 2)
        step = max(60, 16 * 3600 // half)
        for source in (WATCH, PHONE):
            for i in range(half):
                begin = 6 * 3600 + i * step
                if source is WATCH and run is not None and 7 * 3600 <= begin < 7 * 3600 + 2700:
                    continue
                value = 150 + (i * 37) % 900
                lines.append(f' <Record type="HKQuantityTypeIdentifierStepCount" {source} '
                             f'unit="count" creationDate="{d} {_clock(begin + step)} {OFFSET}" '
                             f'startDate="{d} {_clock(begin)} {OFFSET}" '
                             f'endDate="{d} {_clock(begin + min(step, 900))} {OFFSET}" '
                             f'value="{value}"/>\n')
        if run is not None:
            for i in range(3):
                begin = 7 * 3600 + i * 900
                lines.append(f' <Record type="HKQuantityTypeIdentifierStepCount" {WATCH} '
                             f'unit="count" creationDate="{d} {_clock(begin + 900)} {OFFSET}" '
                             f'startDate="{d} {_clock(begin)} {OFFSET}" '
                             f'endDate="{d} {_clock(begin + 900)} {OFFSET}" '
                             f'value="{run_cadence(run) * 15}"/>\n')
        return lines
    step = max(1, 86400 // count)
    for i in range(count):
        t = _clock(i * step)
        value = f"{60 + i % 90}" if kind == "HeartRate" else f"{0.01 + (i % 50) / 100:.3f}"
        tail = ('>\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
                ' </Record>\n') if kind == "HeartRate" else "/>\n"
        lines.append(f' <Record type="HKQuantityTypeIdentifier{kind}" {WATCH} unit="{unit}" '
                     f'creationDate="{d} {t} {OFFSET}" startDate="{d} {t} {OFFSET}" '
                     f'endDate="{d} {t} {OFFSET}" value="{value}"{tail}')
    return lines


def _workout(index: int, day: date) -> str:
    d = day.isoformat()
    start, end = f"{d} 07:00:00 {OFFSET}", f"{d} 07:45:00 {OFFSET}"
    km = 7.5 + index % 5
    meta = ('  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n'
            '  <MetadataEntry key="HKTimeZone" value="Europe/Paris"/>\n'
            '  <MetadataEntry key="HKElevationAscended" value="6575 cm"/>\n'
            '  <MetadataEntry key="HKWeatherTemperature" value="61.4 degF"/>\n')
    head = (' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="45" '
            'durationUnit="min" ')
    if index % 2 == 0:  # as exports up to v11 wrote it: totals, no step count
        return (f'{head}totalDistance="{km}" totalDistanceUnit="km" totalEnergyBurned="610" '
                f'totalEnergyBurnedUnit="kcal" {WATCH} creationDate="{end}" '
                f'startDate="{start}" endDate="{end}">\n{meta}'
                f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{start}" '
                f'duration="5" durationUnit="min"/>\n </Workout>\n')
    stats = "".join(
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifier{kind}" startDate="{start}" '
        f'endDate="{end}" {values}/>\n' for kind, values in (
            ("DistanceWalkingRunning", f'sum="{km}" unit="km"'),
            ("StepCount", f'sum="{run_cadence(index) * 45}" unit="count"'),
            ("HeartRate", 'average="151" minimum="98" maximum="176" unit="count/min"'),
            ("ActiveEnergyBurned", 'sum="610" unit="kcal"')))
    activity = (f'  <WorkoutActivity uuid="{index:08d}-0000-4000-8000-000000000000" '
                f'startDate="{start}" endDate="{end}" duration="45" durationUnit="min">\n'
                f"{meta}{stats}  </WorkoutActivity>\n")
    return (f"{head}{WATCH} creationDate=\"{end}\" startDate=\"{start}\" endDate=\"{end}\">\n"
            f"{meta}{activity}{stats}{meta} </Workout>\n")


def zipped(xml: Path, archive: Path) -> Path:
    """The export as the iPhone shares it: export.zip with apple_health_export/export.xml."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.write(xml, "apple_health_export/export.xml")
    return archive
