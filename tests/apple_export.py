"""Apple Health exports built for tests, in the shapes real ones come in (FORMATS.md section 9).

Each helper writes the text a real export holds for that part; :func:`export_xml` puts them
together behind a DTD of the chosen version.
"""

from __future__ import annotations

from pathlib import Path

#: A DTD head as real exports write it (element and attribute declarations, comments).
DTD_V11 = """<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 11 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
]>
"""
#: v12 (iOS 16): an ATTLIST that is never closed, and a stray vertical tab, as Apple wrote it.
DTD_V12_BROKEN = """<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 12 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT WorkoutActivity ((MetadataEntry|WorkoutEvent|WorkoutStatistics)*)>
<!ATTLIST WorkoutActivity
  uuid          CDATA #REQUIRED
  startDate     CDATA #REQUIRED
  endDate       CDATA #IMPLIED
<!ELEMENT WorkoutStatistics EMPTY>\x0b
<!ATTLIST WorkoutStatistics
  type          CDATA #REQUIRED
  sum           CDATA #IMPLIED
  unit          CDATA #IMPLIED
>
]>
"""
WATCH_DEVICE = ("&lt;&lt;HKDevice: 0x283fa4b40&gt;, name:Apple Watch, manufacturer:Apple Inc., "
                "model:Watch, hardware:Watch6,2, software:9.1&gt;")
PHONE_DEVICE = ("&lt;&lt;HKDevice: 0x283fa4c80&gt;, name:iPhone, manufacturer:Apple Inc., "
                "model:iPhone, hardware:iPhone14,2, software:16.1&gt;")


def export_xml(*parts: str, dtd: str = DTD_V11, export_date: str = "2024-01-20 10:00:00 +0100"
               ) -> bytes:
    body = "\n".join(parts)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{dtd}<HealthData locale="en_GB">\n'
            f' <ExportDate value="{export_date}"/>\n'
            f' <Me HKCharacteristicTypeIdentifierDateOfBirth=""/>\n{body}\n</HealthData>\n'
            ).encode()


def record(kind: str, start: str, end: str, value: float, *, source: str = "Anna’s Apple Watch",
           device: str = WATCH_DEVICE, unit: str = "count") -> str:
    return (f' <Record type="HKQuantityTypeIdentifier{kind}" sourceName="{source}" '
            f'sourceVersion="9.1" device="{device}" unit="{unit}" creationDate="{end}" '
            f'startDate="{start}" endDate="{end}" value="{value}"/>')


def metadata(zone: str = "Europe/Paris", *, indoor: str | None = None,
             ascended_cm: float | None = None) -> str:
    entries = [f'  <MetadataEntry key="HKTimeZone" value="{zone}"/>'] if zone else []
    if indoor is not None:
        entries.append(f'  <MetadataEntry key="HKIndoorWorkout" value="{indoor}"/>')
    if ascended_cm is not None:
        entries.append(f'  <MetadataEntry key="HKElevationAscended" value="{ascended_cm:g} cm"/>')
    entries.append('  <MetadataEntry key="HKWeatherTemperature" value="61.4 degF"/>')
    return "\n".join(entries)


def statistic(kind: str, start: str, end: str, *, total: float | None = None,
              unit: str = "count", average: float | None = None) -> str:
    values = f'sum="{total}" ' if total is not None else ""
    if average is not None:
        values = f'average="{average}" minimum="{average - 20}" maximum="{average + 20}" '
    return (f'  <WorkoutStatistics type="HKQuantityTypeIdentifier{kind}" startDate="{start}" '
            f'endDate="{end}" {values}unit="{unit}"/>')


def workout(kind: str, start: str, end: str, duration_min: float, *children: str,
            source: str = "Anna’s Apple Watch", device: str = WATCH_DEVICE,
            totals: str = "") -> str:
    inner = "\n".join(children)
    return (f' <Workout workoutActivityType="HKWorkoutActivityType{kind}" '
            f'duration="{duration_min}" durationUnit="min" {totals}sourceName="{source}" '
            f'sourceVersion="9.1" device="{device}" creationDate="{end}" startDate="{start}" '
            f'endDate="{end}">\n{inner}\n </Workout>')


def route_reference(path: str, start: str, end: str) -> str:
    return (f'  <WorkoutRoute sourceName="Anna’s Apple Watch" sourceVersion="9.1" '
            f'creationDate="{end}" startDate="{start}" endDate="{end}">\n'
            f'   <MetadataEntry key="HKMetadataKeySyncVersion" value="2"/>\n'
            f'   <FileReference path="{path}"/>\n  </WorkoutRoute>')


def route_gpx(start_utc: str, points: list[tuple[float, float]], step_s: int = 1) -> bytes:
    """An Apple route file: 1 Hz points, un-namespaced speed/course/hAcc/vAcc extensions."""
    from datetime import datetime, timedelta

    t0 = datetime.fromisoformat(start_utc)
    rows = []
    for i, (lat, lon) in enumerate(points):
        when = (t0 + timedelta(seconds=i * step_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(f'<trkpt lon="{lon:.6f}" lat="{lat:.6f}"><ele>{30 + (i % 7)}.0</ele>'
                    f"<time>{when}</time><extensions><speed>3.1</speed><course>90.0</course>"
                    "<hAcc>3.5</hAcc><vAcc>2.1</vAcc></extensions></trkpt>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Apple Health '
            'Export" xmlns="http://www.topografix.com/GPX/1/1">\n<metadata><time>'
            '2024-01-20T09:00:00Z</time></metadata>\n<trk><name>Route</name><trkseg>\n'
            + "\n".join(rows) + "\n</trkseg></trk>\n</gpx>\n").encode()


def straight_line(n: int, metres_per_point: float = 3.0) -> list[tuple[float, float]]:
    """Points heading east from Paris, ``metres_per_point`` apart."""
    step = metres_per_point / (111_320.0 * 0.656)  # degrees of longitude at 48.85 N
    return [(48.85, 2.35 + i * step) for i in range(n)]


def write_export(folder: Path, xml: bytes, routes: dict[str, bytes] | None = None,
                 name: str = "export.xml") -> Path:
    """An unpacked ``apple_health_export/`` folder; the main XML's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(xml)
    (folder / "export_cda.xml").write_bytes(b'<?xml version="1.0"?>\n<ClinicalDocument/>\n')
    ecg = folder / "electrocardiograms"
    ecg.mkdir(exist_ok=True)
    (ecg / "ecg_2023-05-01.csv").write_text("Name,Anna\nSample Rate,512 hertz\n")
    for ref, data in (routes or {}).items():
        path = folder / ref.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder / name
