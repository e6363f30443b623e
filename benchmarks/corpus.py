"""Deterministic benchmark corpora: one-hour activities recorded at 1 Hz, as FIT, GPX and TCX.

File ``i`` of a corpus is always the same bytes: its route, pace, heart rate and cadence come
from ``random.Random(i)``, and it starts ``i`` days before :data:`LAST_START`, so no two files
of a corpus are the same activity (the store would parse identical bytes once). FIT files are
written by Garmin's own encoder (garmin-fit-sdk, ~0.2 s a file), so they are kept in a cache
folder and written once; GPX and TCX are plain text, written as Garmin Connect does.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

#: Every corpus ends on this day (file 0 starts here; file i, i days earlier).
LAST_START = datetime(2026, 10, 31, 6, 30, tzinfo=timezone.utc)
#: FIT timestamps count seconds from this moment.
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=timezone.utc)
SAMPLES = 3600  # one hour at 1 Hz
KINDS = ("fit", "gpx", "tcx")
#: Bump when the files written change, so cached FIT files are not reused.
CORPUS_VERSION = 1
SEMICIRCLES_PER_DEGREE = 2**31 / 180.0
METRES_PER_DEGREE = 111_195.0


@dataclass(frozen=True)
class Sample:
    """One second of a run."""

    time: datetime
    lat: float
    lon: float
    altitude_m: float
    distance_m: float
    speed_mps: float
    heart_rate: int
    cadence_spm: int


def samples(index: int) -> list[Sample]:
    """The hour of file ``index``: an out-and-back loop at an easy pace, with a few hills."""
    rng = random.Random(index)
    start = LAST_START - timedelta(days=index)
    lat0 = 46.0 + rng.uniform(-0.5, 0.5)
    lon0 = 14.0 + rng.uniform(-0.5, 0.5)
    base_speed = rng.uniform(2.6, 3.6)
    heading = rng.uniform(0, 2 * math.pi)
    out = []
    distance = 0.0
    lat, lon = lat0, lon0
    for second in range(SAMPLES):
        speed = base_speed * (1 + 0.08 * math.sin(second / 240.0)) + rng.uniform(-0.05, 0.05)
        heading += rng.uniform(-0.03, 0.03)
        step = speed / METRES_PER_DEGREE
        lat += step * math.cos(heading)
        lon += step * math.sin(heading) / math.cos(math.radians(lat))
        distance += speed
        out.append(Sample(
            time=start + timedelta(seconds=second),
            lat=round(lat, 7), lon=round(lon, 7),
            altitude_m=round(300 + 25 * math.sin(second / 400.0 + index), 1),
            distance_m=round(distance, 2), speed_mps=round(speed, 3),
            heart_rate=int(140 + 15 * math.sin(second / 900.0) + rng.randint(-2, 2)),
            cadence_spm=int(170 + rng.randint(-4, 4))))
    return out


def fit_bytes(index: int) -> bytes:
    """File ``index`` as a FIT activity written by the FIT SDK's encoder."""
    from garmin_fit_sdk import Encoder, Profile

    mesg = Profile["mesg_num"]
    points = samples(index)
    start = _fit_time(points[0].time)
    end = _fit_time(points[-1].time)
    encoder = Encoder()
    encoder.on_mesg(mesg["FILE_ID"], {"type": "activity", "manufacturer": "garmin",
                                      "product": 3113, "time_created": start,
                                      "serial_number": 1000 + index})
    for point in points:
        encoder.on_mesg(mesg["RECORD"], {
            "timestamp": _fit_time(point.time),
            "position_lat": round(point.lat * SEMICIRCLES_PER_DEGREE),
            "position_long": round(point.lon * SEMICIRCLES_PER_DEGREE),
            "distance": point.distance_m, "enhanced_speed": point.speed_mps,
            "enhanced_altitude": point.altitude_m, "heart_rate": point.heart_rate,
            "cadence": point.cadence_spm // 2, "fractional_cadence": (point.cadence_spm % 2) / 2,
        })
    totals = {"timestamp": end, "start_time": start, "total_elapsed_time": float(SAMPLES - 1),
              "total_timer_time": float(SAMPLES - 1), "total_distance": points[-1].distance_m,
              "sport": "running", "sub_sport": "road"}
    encoder.on_mesg(mesg["LAP"], totals)
    encoder.on_mesg(mesg["SESSION"], {**totals, "avg_heart_rate": 145})
    encoder.on_mesg(mesg["ACTIVITY"], {"timestamp": end, "local_timestamp": end + 3600,
                                       "num_sessions": 1})
    return bytes(encoder.close())


def _fit_time(moment: datetime) -> int:
    return int((moment - FIT_EPOCH).total_seconds())


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def gpx_bytes(index: int) -> bytes:
    """File ``index`` as Garmin Connect writes a GPX: TrackPointExtension heart rate and
    cadence (per foot, as Garmin writes it)."""
    points = samples(index)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx creator="Garmin Connect" version="1.1" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">',
        f"  <metadata><time>{_iso(points[0].time)}</time></metadata>",
        f"  <trk><name>Morning Run {index}</name><type>running</type><trkseg>",
    ]
    lines += [
        f'      <trkpt lat="{p.lat:.7f}" lon="{p.lon:.7f}"><ele>{p.altitude_m:.1f}</ele>'
        f"<time>{_iso(p.time)}</time><extensions><ns3:TrackPointExtension>"
        f"<ns3:hr>{p.heart_rate}</ns3:hr><ns3:cad>{p.cadence_spm // 2}</ns3:cad>"
        f"</ns3:TrackPointExtension></extensions></trkpt>"
        for p in points]
    lines += ["    </trkseg></trk>", "</gpx>", ""]
    return "\n".join(lines).encode()


def tcx_bytes(index: int) -> bytes:
    """File ``index`` as Garmin Connect writes a TCX: one lap, RunCadence in the TPX."""
    points = samples(index)
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<TrainingCenterDatabase '
        'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">',
        '  <Activities><Activity Sport="Running">',
        f"    <Id>{_iso(points[0].time)}</Id>",
        f'    <Lap StartTime="{_iso(points[0].time)}">',
        f"      <TotalTimeSeconds>{SAMPLES - 1}.0</TotalTimeSeconds>",
        f"      <DistanceMeters>{points[-1].distance_m:.2f}</DistanceMeters>",
        "      <Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>",
        "      <Track>",
    ]
    body = [
        f"        <Trackpoint><Time>{_iso(p.time)}</Time><Position>"
        f"<LatitudeDegrees>{p.lat:.7f}</LatitudeDegrees>"
        f"<LongitudeDegrees>{p.lon:.7f}</LongitudeDegrees></Position>"
        f"<AltitudeMeters>{p.altitude_m:.1f}</AltitudeMeters>"
        f"<DistanceMeters>{p.distance_m:.2f}</DistanceMeters>"
        f"<HeartRateBpm><Value>{p.heart_rate}</Value></HeartRateBpm>"
        f"<Extensions><ns3:TPX><ns3:Speed>{p.speed_mps:.3f}</ns3:Speed>"
        f"<ns3:RunCadence>{p.cadence_spm // 2}</ns3:RunCadence></ns3:TPX></Extensions>"
        f"</Trackpoint>"
        for p in points]
    tail = ["      </Track>", "    </Lap>",
            '    <Creator xsi:type="Device_t" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<Name>Forerunner 255</Name></Creator>",
            "  </Activity></Activities>", "</TrainingCenterDatabase>", ""]
    return "\n".join(head + body + tail).encode()


WRITERS = {"fit": fit_bytes, "gpx": gpx_bytes, "tcx": tcx_bytes}


def file_name(index: int) -> str:
    kind = KINDS[index % len(KINDS)]
    return f"{index:05d}.{kind}"


def _write(task: tuple[int, str]) -> None:
    index, folder = task
    name = file_name(index)
    kind = name.rsplit(".", 1)[1]
    path = Path(folder) / name
    temporary = path.with_suffix(".part")
    temporary.write_bytes(WRITERS[kind](index))
    temporary.replace(path)  # a run cut short leaves no half-written file behind


def build(folder: Path, count: int, *, jobs: int | None = None) -> Path:
    """Files 0 .. count-1 (FIT, GPX, TCX in turn) in ``folder``; those already there are kept
    (same name, same bytes), so a cache folder is filled once."""
    folder.mkdir(parents=True, exist_ok=True)
    missing = [(i, str(folder)) for i in range(count) if not (folder / file_name(i)).exists()]
    if len(missing) > 4 and (jobs or os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_write, missing, chunksize=4))
    else:
        for task in missing:
            _write(task)
    return folder


def files(folder: Path, count: int, kind: str | None = None) -> Iterator[Path]:
    for index in range(count):
        name = file_name(index)
        if kind is None or name.endswith("." + kind):
            yield folder / name
