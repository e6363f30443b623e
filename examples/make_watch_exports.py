"""The Apple Health and Polar Flow samples of ``examples/`` (issue 12), byte for byte the same
on every run; ``make_examples.py`` calls :func:`generate`.

* ``apple-health/apple_health_export/``: "Jo", four weeks with an Apple Watch in Lyon, as the
  Health app exports them (HealthKit Export Version 14): runs with their statistics, a
  WorkoutActivity and the metadata block twice; a treadmill run; a run the iPhone recorded too;
  a run written into Health by another app (duration and distance only: its cadence comes from
  the Watch's step records); one route file, one route file missing; a walk and a strength
  session. The export was made in November (+0100), the October runs were in summer time.
* ``polar-flow/``: one Polar Flow training session in the current schema, with samples
  (a bare ``NaN`` where the sensor dropped out) and its route.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

LYON = ZoneInfo("Europe/Paris")
EXPORTED = "2026-11-16 08:02:11 +0100"
WATCH = ("sourceName=\"Jo’s Apple Watch\" sourceVersion=\"11.1\" device=\"&lt;&lt;HKDevice: "
         "0x3027a1cc0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
         "hardware:Watch7,3, software:11.1&gt;\"")
PHONE = ("sourceName=\"Jo’s iPhone\" sourceVersion=\"26.1\" device=\"&lt;&lt;HKDevice: "
         "0x3027a1d40&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
         "hardware:iPhone17,1, software:26.1&gt;\"")
# The head of the v14 DTD (the benchmark's export carries all of it).
DTD = """<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|\
ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ELEMENT WorkoutActivity ((MetadataEntry)*)>
<!ELEMENT WorkoutStatistics EMPTY>
<!ELEMENT WorkoutRoute ((MetadataEntry|FileReference)*)>
<!ELEMENT FileReference EMPTY>
<!ATTLIST FileReference
  path CDATA #REQUIRED
>
]>
"""
# Along the Rhône from the Pont Wilson, heading north (the route file's run).
RHONE = (45.7570, 4.8370)


def apple_time(moment: datetime) -> str:
    """As the export writes every time: in the exporting phone's offset (+0100 in November)."""
    return (moment.astimezone(timezone(timedelta(hours=1)))).strftime("%Y-%m-%d %H:%M:%S +0100")


def local(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LYON)


def metadata(indoor: bool = False, ascended_cm: int | None = None) -> str:
    lines = [f'  <MetadataEntry key="HKIndoorWorkout" value="{int(indoor)}"/>',
             '  <MetadataEntry key="HKTimeZone" value="Europe/Paris"/>']
    if ascended_cm is not None:
        lines.append(f'  <MetadataEntry key="HKElevationAscended" value="{ascended_cm} cm"/>')
    if not indoor:
        lines.append('  <MetadataEntry key="HKWeatherTemperature" value="52.3 degF"/>')
    return "\n".join(lines) + "\n"


def statistics(start: str, end: str, km: float, steps: int | None, hr: int) -> str:
    rows = [("DistanceWalkingRunning", f'sum="{km}" unit="km"')]
    if steps is not None:
        rows.append(("StepCount", f'sum="{steps}" unit="count"'))
    rows += [("HeartRate", f'average="{hr}" minimum="{hr - 40}" maximum="{hr + 22}" '
                           'unit="count/min"'),
             ("ActiveEnergyBurned", f'sum="{round(km * 62, 1)}" unit="kcal"')]
    return "".join(f'  <WorkoutStatistics type="HKQuantityTypeIdentifier{kind}" '
                   f'startDate="{start}" endDate="{end}" {values}/>\n' for kind, values in rows)


def watch_run(begin: datetime, minutes: float, km: float, cadence: int, hr: int, *,
              indoor: bool = False, route: str | None = None, paused_min: float = 0.0,
              source: str = WATCH) -> str:
    """A run as current exports write it (v12+): no totals, the workout's own statistics,
    a WorkoutActivity repeating them, the metadata written twice."""
    end_at = begin + timedelta(minutes=minutes + paused_min)
    start, end = apple_time(begin), apple_time(end_at)
    meta = metadata(indoor, None if indoor else 400 + int(km * 180))
    stats = statistics(start, end, km, round(cadence * minutes), hr)
    activity = (f'  <WorkoutActivity uuid="{begin:%Y%m%d}-{begin:%H%M}-4A1B-9C2D-0E3F4A5B6C7D" '
                f'startDate="{start}" endDate="{end}" duration="{minutes}" durationUnit="min">\n'
                f"{meta}{stats}  </WorkoutActivity>\n")
    events = ""
    if paused_min:
        pause = begin + timedelta(minutes=minutes / 2)
        events = (f'  <WorkoutEvent type="HKWorkoutEventTypePause" date="{apple_time(pause)}"/>\n'
                  f'  <WorkoutEvent type="HKWorkoutEventTypeResume" '
                  f'date="{apple_time(pause + timedelta(minutes=paused_min))}"/>\n')
    routes = ""
    if route:
        routes = (f'  <WorkoutRoute {source} creationDate="{end}" startDate="{start}" '
                  f'endDate="{end}">\n'
                  '   <MetadataEntry key="HKMetadataKeySyncVersion" value="2"/>\n'
                  f'   <FileReference path="/workout-routes/{route}"/>\n  </WorkoutRoute>\n')
    return (f' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="{minutes}" '
            f'durationUnit="min" {source} creationDate="{end}" startDate="{start}" '
            f'endDate="{end}">\n{meta}{events}{activity}{stats}{routes}{meta} </Workout>\n')


def other_workout(kind: str, begin: datetime, minutes: float, km: float | None) -> str:
    start, end = apple_time(begin), apple_time(begin + timedelta(minutes=minutes))
    stats = statistics(start, end, km, None, 104) if km else ""
    return (f' <Workout workoutActivityType="HKWorkoutActivityType{kind}" duration="{minutes}" '
            f'durationUnit="min" {WATCH} creationDate="{end}" startDate="{start}" '
            f'endDate="{end}">\n{metadata()}{stats} </Workout>\n')


def third_party_run(begin: datetime, minutes: float, km: float) -> str:
    """What another app (here Strava) writes into Health: duration and distance only."""
    start, end = apple_time(begin), apple_time(begin + timedelta(minutes=minutes))
    return (f' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="{minutes}" '
            f'durationUnit="min" totalDistance="{km}" totalDistanceUnit="km" '
            f'sourceName="Strava" sourceVersion="41120" creationDate="{end}" '
            f'startDate="{start}" endDate="{end}">\n'
            '  <MetadataEntry key="HKTimeZone" value="Europe/Paris"/>\n </Workout>\n')


def step_records(begin: datetime, minutes: int, cadence: int) -> str:
    """The Watch's step records of a run (5-minute records), and the iPhone's count of the
    same steps (never added)."""
    lines = []
    for i in range(0, minutes, 5):
        a, b = begin + timedelta(minutes=i), begin + timedelta(minutes=i + 5)
        lines.append(f' <Record type="HKQuantityTypeIdentifierStepCount" {WATCH} unit="count" '
                     f'creationDate="{apple_time(b)}" startDate="{apple_time(a)}" '
                     f'endDate="{apple_time(b)}" value="{cadence * 5}"/>\n')
    a, b = begin, begin + timedelta(minutes=minutes)
    lines.append(f' <Record type="HKQuantityTypeIdentifierStepCount" {PHONE} unit="count" '
                 f'creationDate="{apple_time(b)}" startDate="{apple_time(a)}" '
                 f'endDate="{apple_time(b)}" value="{round(cadence * minutes * 0.93)}"/>\n')
    return "".join(lines)


def route_gpx(begin: datetime, seconds: int, rng: random.Random) -> str:
    """An Apple route file: 1 Hz, un-namespaced speed/course/hAcc/vAcc extensions."""
    lat, lon = RHONE
    rows = []
    for i in range(seconds):
        speed = 3.05 + 0.15 * math.sin(i / 90) + rng.uniform(-0.05, 0.05)
        lat += speed / 111_200.0
        lon += rng.uniform(-0.4, 0.4) / 78_000.0
        when = (begin + timedelta(seconds=i)).astimezone(timezone.utc)
        ele = 165 + 2 * math.sin(i / 200)
        rows.append(f'      <trkpt lon="{lon:.6f}" lat="{lat:.6f}"><ele>{ele:.6f}'
                    f'</ele><time>{when:%Y-%m-%dT%H:%M:%SZ}</time><extensions><speed>{speed:.6f}'
                    f'</speed><course>{2.5 + rng.uniform(-3, 3):.6f}</course><hAcc>'
                    f'{3 + rng.uniform(0, 2):.6f}</hAcc><vAcc>{2 + rng.uniform(0, 2):.6f}</vAcc>'
                    '</extensions></trkpt>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Apple Health '
            'Export" xmlns="http://www.topografix.com/GPX/1/1" xmlns:xsi="http://www.w3.org/'
            '2001/XMLSchema-instance" xsi:schemaLocation="http://www.topografix.com/GPX/1/1 '
            'http://www.topografix.com/GPX/1/1/gpx.xsd">\n  <metadata>\n    <time>'
            '2026-11-16T07:02:11Z</time>\n  </metadata>\n  <trk>\n    <name>Route '
            f'{begin:%Y-%m-%d %-I:%M%p}</name>\n    <trkseg>\n' + "\n".join(rows)
            + "\n    </trkseg>\n  </trk>\n</gpx>\n")


def write_apple_health(folder: Path) -> None:
    rng = random.Random("jo-apple")
    export = folder / "apple_health_export"
    (export / "workout-routes").mkdir(parents=True)
    parts: list[str] = []
    workouts: list[str] = []
    first = date(2026, 10, 19)  # a Monday, summer time until 25 October
    for week in range(4):
        monday = first + timedelta(days=7 * week)
        tuesday, thursday, saturday, sunday = (monday + timedelta(days=d) for d in (1, 3, 5, 6))
        workouts.append(watch_run(local(tuesday, 18, 40), 41.5, 7.6, 168 + week, 148))
        if week == 1:
            workouts.append(watch_run(local(thursday, 7, 5), 35.0, 6.4, 171, 152, indoor=True))
        else:
            workouts.append(watch_run(local(thursday, 18, 30), 30.0 + week, 5.9 + week * 0.2,
                                      172, 155, paused_min=2.0 if week == 3 else 0.0))
        if week == 2:
            # The run of the route file; the iPhone recorded it too.
            begin = local(saturday, 9, 12)
            route = f"route_{begin + timedelta(minutes=16):%Y-%m-%d_%-I.%M%p}".lower() + ".gpx"
            workouts.append(watch_run(begin, 16.0, 2.94, 174, 158, route=route))
            workouts.append(watch_run(begin + timedelta(seconds=20), 15.5, 2.81, 174, 158,
                                      source=PHONE))
            (export / "workout-routes" / route).write_text(
                route_gpx(begin, 16 * 60, rng), encoding="utf-8", newline="\n")
        elif week == 3:
            begin = local(saturday, 9, 30)
            parts.append(step_records(begin, 50, 166))
            workouts.append(third_party_run(begin, 50.0, 9.1))
        else:
            begin = local(saturday, 9, 0)
            workouts.append(watch_run(begin, 58.0 + week * 4, 10.2 + week * 0.8, 169, 150,
                                      route=f"route_{begin:%Y-%m-%d}_missing.gpx"))
        workouts.append(watch_run(local(sunday, 10, 0), 70.0 + 5 * week, 12.0 + week, 166, 146))
        workouts.append(other_workout("Walking", local(monday, 12, 30), 28.0, 2.3))
        if week % 2 == 0:
            workouts.append(other_workout("TraditionalStrengthTraining", local(monday, 19, 0),
                                          35.0, None))
    body = "".join(parts) + "".join(workouts)
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n' + DTD + '<HealthData locale="fr_FR">\n'
           f' <ExportDate value="{EXPORTED}"/>\n'
           ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1994-04-02" '
           'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" '
           'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" '
           'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" '
           'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n'
           + body + "</HealthData>\n")
    # A French phone names the main XML in French.
    (export / "exportation.xml").write_text(xml, encoding="utf-8", newline="\n")
    (folder / "runlog.toml").write_text('athlete = "Jo"\nunits = "km"\n'
                                        'timezone = "Europe/Paris"\n', encoding="utf-8",
                                        newline="\n")


def write_polar_flow(folder: Path) -> None:
    rng = random.Random("polar-session")
    folder.mkdir(parents=True)
    seconds = 1800
    start = datetime(2026, 11, 14, 8, 15, 0)  # Helsinki wall clock, +120 in November
    distance, cadence, heart, speed, points = [], [], [], [], []
    metres = 0.0
    lat, lon = 60.1699, 24.9384
    for i in range(seconds):
        v = 2.95 + 0.2 * math.sin(i / 120) + rng.uniform(-0.05, 0.05)
        metres += v
        lat += v * 0.6 / 111_200.0
        lon += v * 0.8 / 55_600.0
        distance.append("NaN" if i == 611 else f"{metres:.1f}")
        cadence.append(str(84 + round(2 * math.sin(i / 60))))
        heart.append(str(120 + min(i // 30, 30) + rng.randint(-2, 2)))
        speed.append(f"{v * 3.6:.2f}")
        points.append({"latitude": round(lat, 6), "longitude": round(lon, 6),
                       "elapsedMillis": i * 1000})
    avg_cadence = round(sum(int(c) for c in cadence) / seconds)
    avg_hr = round(sum(int(h) for h in heart) / seconds)

    def samples(kind: str, values: list[str]) -> str:
        return (f'{{"type": "{kind}", "intervalMillis": 1000, "values": ['
                + ", ".join(values) + "]}")

    stop = start + timedelta(seconds=seconds)
    head = {
        "identifier": {"id": "0e2f1a7c-6090-3d51-a1b2-5c4d3e2f1a0b"},
        "created": "2026-11-14T09:01:12.000", "modified": "2026-11-14T09:01:13.000",
        "startTime": start.isoformat(), "stopTime": stop.isoformat(), "name": "Running",
        "durationMillis": seconds * 1000, "distanceMeters": round(metres, 1),
        "hrMax": max(int(h) for h in heart), "hrAvg": avg_hr, "timezoneOffsetMinutes": 120,
        "application": {"name": "Polar Flow"}, "sport": {"id": "1"},
        "product": {"modelName": "Polar Pacer Pro"},
    }
    exercise = {
        "identifier": {"id": "8812345678"}, "startTime": start.isoformat(),
        "stopTime": stop.isoformat(), "durationMillis": seconds * 1000,
        "distanceMeters": round(metres, 1), "timezoneOffsetMinutes": 120, "sport": {"id": "1"},
        "statistics": {"statistics": [
            {"type": "STATISTICS_TYPE_CADENCE", "avg": avg_cadence, "max": 90},
            {"type": "STATISTICS_TYPE_HEART_RATE", "avg": avg_hr, "max": head["hrMax"]}]},
    }
    body = json.dumps(exercise, indent=1)[:-2]  # the samples and route follow, as Polar writes
    text = (json.dumps(head, indent=1)[:-2] + ',\n "exercises": [\n' + body + ',\n "samples": '
            '{"samples": [\n  ' + ",\n  ".join([
                samples("DISTANCE", distance), samples("SPEED", speed),
                samples("HEART_RATE", heart), samples("CADENCE", cadence)])
            + "\n ]},\n \"routes\": {\"route\": {\"wayPoints\": "
            + json.dumps(points, separators=(", ", ": ")) + "}}\n}]\n}\n")
    name = "training-session-2026-11-14-8812345678-5c4d3e2f-1a0b-4e6c-9d8e-7f6a5b4c3d2e.json"
    (folder / name).write_text(text, encoding="utf-8", newline="\n")
    (folder / "runlog.toml").write_text('athlete = "Aino"\nunits = "km"\n'
                                        'timezone = "Europe/Helsinki"\n', encoding="utf-8",
                                        newline="\n")


FOLDERS = {"apple-health": write_apple_health, "polar-flow": write_polar_flow}


def generate(out: Path) -> None:
    for name, writer in FOLDERS.items():
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        writer(target)


if __name__ == "__main__":
    import sys

    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
