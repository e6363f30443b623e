"""Every reader, any bytes (issue 6): random bytes, real files cut at every offset, flipped
bytes, FIT headers and definitions that lie about sizes, and hostile values in XML and CSV.

The contract: a reader returns activities (that the table and the store accept) or raises a
RunlogError naming the file, within a time and memory bound (see ``hardening.Sandbox``), and
never lets another exception out. The number of inputs tried per reader is printed in the
terminal summary. ``RUNLOG_FUZZ_EXAMPLES=N`` makes a deeper, randomised run: N examples per
property and at least N sampled cut points in the larger seeds.
"""

from __future__ import annotations

import random
import re
import struct
from pathlib import Path

import pytest
from hardening import Fuzz, Outcome, Sandbox, deep_run, fuzz_examples, read_bytes, report_at_end
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, EXAMPLES

KINDS = ("fit", "gpx", "tcx", "csv", "apple-health", "polar")

# --- seeds: small real files, plus a few written here for formats the corpus has none of ----

TINY_TCX = b"""<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
  xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">
 <Activities><Activity Sport="Running"><Id>2024-03-01T07:00:00Z</Id>
  <Lap StartTime="2024-03-01T07:00:00Z"><TotalTimeSeconds>120</TotalTimeSeconds>
   <DistanceMeters>400</DistanceMeters><AverageHeartRateBpm><Value>140</Value>
   </AverageHeartRateBpm><Track>
   <Trackpoint><Time>2024-03-01T07:00:00Z</Time><Position><LatitudeDegrees>46.0
    </LatitudeDegrees><LongitudeDegrees>14.0</LongitudeDegrees></Position><AltitudeMeters>300
    </AltitudeMeters><DistanceMeters>0</DistanceMeters><HeartRateBpm><Value>130</Value>
    </HeartRateBpm><Extensions><ns3:TPX><ns3:RunCadence>85</ns3:RunCadence></ns3:TPX>
    </Extensions></Trackpoint>
   <Trackpoint><Time>2024-03-01T07:01:00Z</Time><Position><LatitudeDegrees>46.0018
    </LatitudeDegrees><LongitudeDegrees>14.0</LongitudeDegrees></Position><AltitudeMeters>302
    </AltitudeMeters><DistanceMeters>200</DistanceMeters><HeartRateBpm><Value>142</Value>
    </HeartRateBpm><Cadence>86</Cadence></Trackpoint>
   <Trackpoint><Time>2024-03-01T07:02:00Z</Time><Position><LatitudeDegrees>46.0036
    </LatitudeDegrees><LongitudeDegrees>14.0</LongitudeDegrees></Position><AltitudeMeters>305
    </AltitudeMeters><DistanceMeters>400</DistanceMeters><HeartRateBpm><Value>150</Value>
    </HeartRateBpm><Cadence>87</Cadence></Trackpoint>
  </Track></Lap><Creator><Name>Forerunner 945</Name></Creator></Activity></Activities>
</TrainingCenterDatabase>
"""

TINY_GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="StravaGPX" xmlns="http://www.topografix.com/GPX/1/1"
  xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
 <metadata><time>2024-03-01T07:00:00Z</time></metadata>
 <trk><name>Morning Run</name><type>9</type><trkseg>
  <trkpt lat="46.0000" lon="14.0"><ele>300</ele><time>2024-03-01T07:00:00Z</time>
   <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>130</gpxtpx:hr><gpxtpx:cad>85</gpxtpx:cad>
   </gpxtpx:TrackPointExtension></extensions></trkpt>
  <trkpt lat="46.0018" lon="14.0"><ele>302</ele><time>2024-03-01T07:01:00Z</time>
   <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>142</gpxtpx:hr><gpxtpx:cad>86</gpxtpx:cad>
   </gpxtpx:TrackPointExtension></extensions></trkpt>
  </trkseg><trkseg>
  <trkpt lat="46.0036" lon="14.0"><ele>305</ele><time>2024-03-01T07:03:00Z</time></trkpt>
  <trkpt lat="46.0054" lon="14.0"><ele>306</ele><time>2024-03-01T07:04:00Z</time></trkpt>
 </trkseg></trk></gpx>
"""

RUNLOG_CSV = b"""date,distance,duration,type,surface,shoe,cadence,avg_hr,name,notes
2024-03-01 07:30,10 km,52:10,Run,road,Pegasus 40,172,148,Easy ten,felt good
2024-03-03,6.2 mi,1:01:30,Trail Run,,Speedgoat 5,,,,
2024-03-05 18:00,"5,5 km",28:00,Run,track,,180,160,"Intervals, 6x400",
"""

GARMIN_CSV = (
    b"Activity Type,Date,Favorite,Title,Distance,Calories,Time,Avg HR,Max HR,Avg Run Cadence,"
    b"Avg Pace,Total Ascent,Avg Stride Length,Moving Time,Elapsed Time\n"
    b'Running,2024-03-01 07:30:12,false,Easy run,10.02,"1,035",00:50:06,148,165,170,5:00,85,'
    b"1.18,00:50:00,00:52:30.5\n"
    b"Treadmill Running,2024-03-02 18:00:00,false,Intervals,8.00,500,00:40:00,155,170,172,5:00,"
    b"--,1.16,00:40:00,00:41:00\n"
)

#: An Apple Health export in little: the v12 DTD Expat cannot parse, a current Watch run (its
#: statistics, a WorkoutActivity, the metadata twice), Watch and iPhone step records, and a
#: 2016-era run with totals as attributes and an inline route.
APPLE_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 12 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST WorkoutActivity
  uuid          CDATA #REQUIRED
<!ELEMENT WorkoutStatistics EMPTY>\x0b
]>
<HealthData locale="en_GB">
 <ExportDate value="2024-01-20 10:00:00 +0100"/>
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Anna\xe2\x80\x99s Apple Watch" \
device="&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch, model:Watch, hardware:Watch6,2&gt;" \
unit="count" startDate="2023-07-15 07:00:00 +0100" endDate="2023-07-15 07:10:00 +0100" \
 value="1650"/>
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Anna\xe2\x80\x99s iPhone" \
unit="count" startDate="2023-07-15 07:00:00 +0100" endDate="2023-07-15 07:10:00 +0100" \
 value="1400"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="50" durationUnit="min" \
sourceName="Anna\xe2\x80\x99s Apple Watch" startDate="2023-07-14 07:00:00 +0100" \
endDate="2023-07-14 07:52:00 +0100">
  <MetadataEntry key="HKTimeZone" value="Europe/Paris"/>
  <MetadataEntry key="HKIndoorWorkout" value="0"/>
  <MetadataEntry key="HKElevationAscended" value="6575 cm"/>
  <WorkoutActivity uuid="A1" startDate="2023-07-14 07:00:00 +0100" duration="50">
   <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" sum="10.02" unit="km"/>
  </WorkoutActivity>
  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" sum="10.02" unit="km"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierStepCount" sum="8250" unit="count"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" average="152" unit="count/min"/>
  <MetadataEntry key="HKTimeZone" value="Europe/Paris"/>
  <WorkoutRoute sourceName="Anna" startDate="2023-07-14 07:00:00 +0100" \
endDate="2023-07-14 07:52:00 +0100"><FileReference path="/workout-routes/route_x.gpx"/>
  </WorkoutRoute>
 </Workout>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="10" durationUnit="min" \
totalDistance="1.5" totalDistanceUnit="mi" sourceName="Apple Watch" \
startDate="2023-07-15 07:00:00 +0100" endDate="2023-07-15 07:10:30 +0100">
  <WorkoutRoute sourceName="iPhone" startDate="2023-07-15 07:00:00 +0100" \
endDate="2023-07-15 07:10:00 +0100">
   <Location date="2023-07-15 07:00:01 +0100" latitude="48.85" longitude="2.35" altitude="30" \
speed="3.1"/>
   <Location date="2023-07-15 07:00:02 +0100" latitude="48.85003" longitude="2.35" altitude="31" \
speed="3.1"/>
  </WorkoutRoute>
 </Workout>
</HealthData>
"""

#: Polar Flow sessions, both schemas: a value left out, bare NaN tokens and "NaN" strings.
POLAR_OLD = b"""{"exportVersion": "1.8", "name": "Laufen", "startTime": "2023-06-03T09:00:00.000",
 "timeZoneOffset": 120, "duration": "PT4.5S", "distance": 12.0, "exercises": [{
  "startTime": "2023-06-03T09:00:00.000", "timezoneOffset": 120, "duration": "PT4.5S",
  "distance": 12.0, "sport": "RUNNING", "heartRate": {"avg": 150}, "cadence": {"avg": 88},
  "samples": {"heartRate": [{"dateTime": "2023-06-03T09:00:00.000"},
   {"dateTime": "2023-06-03T09:00:01.000", "value": 150}],
   "cadence": [{"dateTime": "2023-06-03T09:00:00.000", "value": 87},
   {"dateTime": "2023-06-03T09:00:01.000", "value": 88}],
   "recordedRoute": [{"dateTime": "2023-06-03T09:00:00.000", "latitude": 60.17,
    "longitude": 24.94, "altitude": 10}, {"dateTime": "2023-06-03T09:00:01.000",
    "latitude": 60.17003, "longitude": 24.94, "altitude": 11}]}}]}
"""
POLAR_NEW = b"""{"identifier": {"id": "a"}, "startTime": "2025-08-16T17:12:22",
 "durationMillis": 4000, "distanceMeters": 11.5, "hrAvg": 0,
 "timezoneOffsetMinutes": -420, "sport": {"id": "1"},
 "exercises": [{"startTime": "2025-08-16T17:12:22", "durationMillis": 4000,
  "distanceMeters": 11.5, "sport": {"id": "1"}, "samples": {"samples": [
   {"type": "DISTANCE", "intervalMillis": 1000, "values": [0, NaN, 5.8, "NaN"]},
   {"type": "SPEED", "intervalMillis": 1000, "values": [10.1, 10.2, NaN, 10.4]}]},
  "routes": {"route": {"wayPoints": [{"latitude": 47.0, "longitude": 8.0, "elapsedMillis": 0},
   {"latitude": 47.00003, "longitude": 8.0, "elapsedMillis": 1000}]}}}]}
"""

#: Cut a seed at every offset (a few small real files per format), or at this many sampled
#: offsets (larger ones; at least $RUNLOG_FUZZ_EXAMPLES in a deep run).
EVERY = 0
SAMPLED = 100

#: kind -> [(name, where, file, cuts)]: where is "corpus", "examples" or "inline".
SEEDS: dict[str, list[tuple[str, str, str | bytes, int]]] = {
    "fit": [
        ("Activity.fit", "corpus", "fit/dtcooper__python-fitparse__Activity.fit", EVERY),
        ("activity_truncated.fit", "corpus", "fit/muktihari__fit__activity_truncated.fit", EVERY),
        ("FitTrackee example.fit", "corpus", "fit/SamR1__FitTrackee__example.fit", EVERY),
        ("chained activity+settings", "corpus",
         "fit/dtcooper__python-fitparse__activity-settings.fit", SAMPLED),
        ("fenix 5 run", "corpus", "fit/dtcooper__python-fitparse__garmin-fenix-5-run.fit",
         SAMPLED),
        ("example watch run", "examples", "watch-folder/2026-09-14-06-42-18.fit", SAMPLED),
    ],
    "gpx": [
        ("tiny Strava-style", "inline", TINY_GPX, EVERY),
        ("garmin extension", "corpus", "gpx/tkrajina__gpxpy__gpx_with_garmin_extension.gpx",
         EVERY),
        ("less-sec-time", "corpus", "gpx/tkrajina__gpxpy__track-with-less-sec-time.gpx", EVERY),
        ("unicode with BOM", "corpus", "gpx/tkrajina__gpxpy__unicode_with_bom.gpx", EVERY),
        ("garmin connect", "corpus", "gpx/corriporai__runpandas__garmin_connect.gpx", EVERY),
        ("empty segment", "corpus", "gpx/tkrajina__gpxpy__track-with-empty-segment.gpx", EVERY),
    ],
    "tcx": [
        ("tiny FR945", "inline", TINY_TCX, EVERY),
        ("FR910XT swim", "corpus",
         "tcx/GoldenCheetah__GoldenCheetah__argmac_Garmin_FR910XT_2015_01_31_10_17_02.tcx",
         SAMPLED * 3),
    ],
    "csv": [
        ("runlog log", "inline", RUNLOG_CSV, EVERY),
        ("garmin connect", "inline", GARMIN_CSV, EVERY),
        ("strava gear", "corpus", "csv/martin-ueding__geo-activity-playground__shoes.csv", EVERY),
        ("strava activities", "corpus",
         "csv/martin-ueding__geo-activity-playground__activities.csv", SAMPLED * 3),
        ("example strava export", "examples", "strava-export/activities.csv", SAMPLED // 2),
    ],
    "apple-health": [
        ("small export", "inline", APPLE_EXPORT, SAMPLED * 3),
    ],
    "polar": [
        ("old schema", "inline", POLAR_OLD, EVERY),
        ("new schema", "inline", POLAR_NEW, EVERY),
    ],
}
#: Mutations start from seeds up to this size (a mutated 64 KB CSV costs 20 times a 2 KB one
#: and finds nothing more).
MUTATION_SEED_MAX = 40 * 1024


def seed_bytes(where: str, ref: str | bytes) -> bytes | None:
    if where == "inline":
        assert isinstance(ref, bytes)
        return ref
    base = CORPUS if where == "corpus" else EXAMPLES
    path = base / str(ref)
    return path.read_bytes() if path.is_file() else None


def mutation_seeds(kind: str) -> list[bytes]:
    found = [seed_bytes(where, ref) for _, where, ref, _ in SEEDS[kind]]
    return [data for data in found if data and len(data) <= MUTATION_SEED_MAX]


# --- running cases ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_fuzz(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    report_at_end(request.config)
    box = Sandbox()
    yield Fuzz(box)
    box.close()


@pytest.fixture
def fuzz(module_fuzz: Fuzz):  # type: ignore[no-untyped-def]
    """The module's fuzzer; after each test, the table is built from what it read."""
    yield module_fuzz
    failure = module_fuzz.settle()
    assert failure is None, f"{failure.kind}: {failure.detail}"


def check(outcome: Outcome, data: bytes) -> None:
    assert outcome.ok, (f"{outcome.kind}: {outcome.detail}\ninput ({len(data)} bytes): "
                        f"{data[:300]!r}")


def fuzz_settings(default_examples: int):  # type: ignore[no-untyped-def]
    return settings(max_examples=fuzz_examples(default_examples), deadline=None,
                    derandomize=not deep_run(), database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


# --- truncation at every offset ------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "name", "where", "ref", "sampled"), [
    (kind, *seed) for kind, seeds in SEEDS.items() for seed in seeds
], ids=[f"{kind}-{seed[0]}" for kind, seeds in SEEDS.items() for seed in seeds])
def test_truncated(fuzz: Fuzz, kind: str, name: str, where: str, ref: str | bytes,
                   sampled: int) -> None:
    """A real file cut short: at every offset, or at sampled offsets for the larger ones."""
    data = seed_bytes(where, ref)
    if data is None:
        pytest.skip(f"{where} file {ref} is not here")
    check(fuzz.read(kind, data, name), data)
    if sampled != EVERY:
        sampled = max(sampled, fuzz_examples(0))  # a deep run samples more
    if sampled == EVERY or sampled >= len(data):
        cuts = list(range(len(data)))
    else:
        rng = random.Random(f"{kind}/{name}" if not deep_run() else None)
        cuts = sorted({0, 1, len(data) - 1, *rng.sample(range(len(data)), sampled)})
    failures = []
    for cut in cuts:
        outcome = fuzz.read(kind, data[:cut], f"{name}-cut{cut}")
        if not outcome.ok:
            failures.append(f"cut at {cut}: {outcome.kind}: {outcome.detail[:300]}")
    assert not failures, f"{len(failures)} of {len(cuts)} cuts failed:\n" + "\n".join(
        failures[:5])


# --- random bytes ------------------------------------------------------------------------------

#: Random bytes rarely get past a format's first check; these prefixes let them.
PREFIXES = {
    "fit": [b"\x0e\x10\xd9\x07\x00\x00\x00\x00.FIT\x00\x00",
            b"\x0c\x10\x00\x00\xff\xff\xff\x7f.FIT"],
    "gpx": [b'<?xml version="1.0"?><gpx version="1.1" creator="x"><trk><trkseg><trkpt ',
            b"<gpx><trk><trkseg><trkpt lat='1' lon='2'><time>"],
    "tcx": [b"<TrainingCenterDatabase><Activities><Activity Sport='Running'><Id>",
            b"<TrainingCenterDatabase><Activities><Activity><Lap StartTime='"],
    "apple-health": [
        b'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ELEMENT Workout EMPTY>\n]>\n'
        b"<HealthData><Workout workoutActivityType='HKWorkoutActivityTypeRunning' ",
        b"<HealthData locale='en'><Workout duration='30' durationUnit='min' startDate='2024-0",
    ],
    "polar": [b'{"exportVersion": "1.8", "exercises": [{"sport": "RUNNING", "samples": {"',
              b'{"identifier": {"id": "a"}, "exercises": [{"samples": {"samples": [{"type": '],
    "csv": [b"date,distance,duration\n", b"Activity Type,Date,Title,Distance,Time\nRunning,",
            b"Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance\n1,"],
}


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(60)
@given(data=st.binary(max_size=4096))
def test_random_bytes(fuzz: Fuzz, kind: str, data: bytes) -> None:
    check(fuzz.read(kind, data, "random"), data)


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(60)
@given(choice=st.data(), tail=st.binary(max_size=2048))
def test_random_bytes_behind_a_valid_start(fuzz: Fuzz, kind: str, choice: st.DataObject,
                                           tail: bytes) -> None:
    prefix = choice.draw(st.sampled_from(PREFIXES[kind]))
    data = prefix + tail
    check(fuzz.read(kind, data, "prefixed"), data)


# --- mutations of real files --------------------------------------------------------------------


@st.composite
def flipped(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with 1-16 bytes xor-ed, set to 0x00/0xff, or a run of bytes overwritten."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 16))):
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(("xor", "zero", "ff", "run")))
        if how == "xor":
            data[at] ^= draw(st.integers(1, 255))
        elif how == "zero":
            data[at] = 0
        elif how == "ff":
            data[at] = 0xFF
        else:
            run = draw(st.binary(min_size=1, max_size=32))
            data[at:at + len(run)] = run
    return bytes(data)


@st.composite
def spliced(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with a chunk deleted, repeated, or moved: lengths and counts stop agreeing."""
    data = draw(st.sampled_from(seeds))
    start = draw(st.integers(0, len(data) - 1))
    end = draw(st.integers(start, min(len(data), start + 512)))
    chunk = data[start:end]
    how = draw(st.sampled_from(("delete", "repeat", "move")))
    if how == "delete":
        return data[:start] + data[end:]
    if how == "repeat":
        return data[:end] + chunk * draw(st.integers(1, 50)) + data[end:]
    rest = data[:start] + data[end:]
    at = draw(st.integers(0, len(rest)))
    return rest[:at] + chunk + rest[at:]


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(80)
@given(choice=st.data())
def test_flipped_bytes(fuzz: Fuzz, kind: str, choice: st.DataObject) -> None:
    data = choice.draw(flipped(mutation_seeds(kind)))
    check(fuzz.read(kind, data, "flipped"), data)


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(60)
@given(choice=st.data())
def test_spliced_chunks(fuzz: Fuzz, kind: str, choice: st.DataObject) -> None:
    data = choice.draw(spliced(mutation_seeds(kind)))
    check(fuzz.read(kind, data, "spliced"), data)


# --- FIT files whose headers and definitions lie -------------------------------------------------


def fit_layout(data: bytes) -> list[tuple[str, int]]:
    """Offsets of what a FIT file declares: ("header", 0), then per record ("definition", o)
    and ("data", o), walked as far as the file's own sizes allow."""
    spots: list[tuple[str, int]] = [("header", 0)]
    if len(data) < 12:
        return spots
    pos = data[0]
    end = min(len(data), pos + struct.unpack_from("<I", data, 4)[0])
    sizes: dict[int, int] = {}
    while pos < end:
        head = data[pos]
        if head & 0x80:  # compressed timestamp header: a data record
            local = (head >> 5) & 0x3
            kind = "data"
        else:
            local = head & 0x0F
            kind = "definition" if head & 0x40 else "data"
        spots.append((kind, pos))
        if kind == "definition":
            if pos + 6 > end:
                break
            count = data[pos + 5]
            fields_end = pos + 6 + 3 * count
            if fields_end > end:
                break
            size = sum(data[pos + 6 + 3 * i + 1] for i in range(count))
            if head & 0x20 and fields_end < end:
                dev_count = data[fields_end]
                size += sum(data[fields_end + 1 + 3 * i + 1] for i in range(dev_count)
                            if fields_end + 3 * i + 2 < end)
                fields_end += 1 + 3 * dev_count
            sizes[local] = size
            pos = fields_end
        else:
            if local not in sizes:
                break
            pos += 1 + sizes[local]
    return spots


@st.composite
def lying_fit(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A real FIT file with one to four declared sizes, counts or types changed."""
    data = bytearray(draw(st.sampled_from(seeds)))
    spots = fit_layout(bytes(data))
    for _ in range(draw(st.integers(1, 4))):
        kind, at = draw(st.sampled_from(spots))
        if kind == "header":
            lie = draw(st.sampled_from(("header_size", "data_size", "protocol", "magic")))
            if lie == "header_size":
                data[0] = draw(st.sampled_from((0, 1, 11, 12, 13, 15, 64, 255)))
            elif lie == "data_size" and len(data) >= 8:
                size = draw(st.sampled_from((0, 1, 2, len(data), len(data) * 2, 0x7FFFFFFF,
                                             0xFFFFFFFF)) | st.integers(0, 0xFFFFFFFF))
                data[4:8] = struct.pack("<I", size)
            elif lie == "protocol":
                data[1] = draw(st.integers(0, 255))
            elif len(data) >= 12:
                data[8:12] = draw(st.binary(min_size=4, max_size=4))
        elif kind == "definition":
            lie = draw(st.sampled_from(("count", "size", "base_type", "message", "arch")))
            count = data[at + 5] if at + 5 < len(data) else 0
            field_at = at + 6 + 3 * draw(st.integers(0, max(count - 1, 0)))
            if lie == "count" and at + 5 < len(data):
                data[at + 5] = draw(st.sampled_from((0, 1, 255)) | st.integers(0, 255))
            elif lie == "size" and field_at + 1 < len(data):
                data[field_at + 1] = draw(st.sampled_from((0, 1, 3, 7, 255)) | st.integers(0, 255))
            elif lie == "base_type" and field_at + 2 < len(data):
                data[field_at + 2] = draw(st.integers(0, 255))
            elif lie == "message" and at + 4 < len(data):
                data[at + 3:at + 5] = struct.pack("<H", draw(st.integers(0, 0xFFFF)))
            elif at + 2 < len(data):
                data[at + 2] = draw(st.integers(0, 255))
        else:  # a data record claims another local message type
            data[at] = (data[at] & 0xF0) | draw(st.integers(0, 15))
    return bytes(data)


@fuzz_settings(150)
@given(choice=st.data())
def test_fit_headers_and_definitions_that_lie(fuzz: Fuzz, choice: st.DataObject) -> None:
    data = choice.draw(lying_fit(mutation_seeds("fit")))
    check(fuzz.read("fit", data, "lying"), data)


def test_fit_layout_walker_finds_every_record() -> None:
    """The walker the lying-FIT strategy relies on reaches the end of a real file."""
    data = (EXAMPLES / "watch-folder" / "2026-09-14-06-42-18.fit").read_bytes()
    spots = fit_layout(data)
    kinds = {kind for kind, _ in spots}
    assert kinds == {"header", "definition", "data"}
    data_size = struct.unpack_from("<I", data, 4)[0]
    assert spots[-1][1] < data[0] + data_size <= len(data)
    assert len(spots) > 20


# --- hostile values in XML and CSV --------------------------------------------------------------

HOSTILE_NUMBERS = ["nan", "NaN", "inf", "-inf", "1e309", "-1e309", "1e308", "-1", "-0", "0",
                   "", " ", "99999999999999999999999", "0x10", "1_000", "1,5", "١٢٣", "--",
                   "4e-400", "+7", "12abc", "\u00a0", "1" * 400]
HOSTILE_TIMES = ["1970-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "0001-01-01T00:00:00",
                 "9999-12-31T23:59:59Z", "2099-01-01T00:00:00Z", "2024-13-45T99:99:99Z",
                 "2024-02-30T10:00:00Z", "+275760-09-13T00:00:00Z", "2024-03-01T07:00:00+25:00",
                 "2024-03-01T07:00:00.123456789123Z", "yesterday", "", "T", "2024-03-01"]
_XML_NUMBER = re.compile(rb">\s*-?\d+(?:\.\d+)?\s*<|=\"-?\d+(?:\.\d+)?\"")
_XML_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")


@st.composite
def hostile_xml(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A real GPX/TCX file with numbers and times swapped for hostile ones."""
    data = draw(st.sampled_from(seeds))
    numbers = list(_XML_NUMBER.finditer(data))
    times = list(_XML_TIME.finditer(data))
    edits: dict[int, tuple[int, bytes]] = {}
    for _ in range(draw(st.integers(1, 12))):
        if times and draw(st.booleans()):
            match = draw(st.sampled_from(times))
            edits[match.start()] = (match.end(), draw(st.sampled_from(HOSTILE_TIMES)).encode())
        elif numbers:
            match = draw(st.sampled_from(numbers))
            text = match.group()
            if draw(st.integers(0, 3)) == 0:  # the same number, negative
                value = b"-" + text.strip(b'>=<"').strip().lstrip(b"-")
            else:
                value = draw(st.sampled_from(HOSTILE_NUMBERS)).encode()
            wrapped = (b">" + value + b"<") if text.startswith(b">") else (
                b'="' + value + b'"')
            edits[match.start()] = (match.end(), wrapped)
    out, last = [], 0
    for start in sorted(edits):
        end, value = edits[start]
        if start < last:
            continue
        out += [data[last:start], value]
        last = end
    out.append(data[last:])
    return b"".join(out)


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
@fuzz_settings(60)
@given(choice=st.data())
def test_hostile_values_in_xml(fuzz: Fuzz, kind: str, choice: st.DataObject) -> None:
    data = choice.draw(hostile_xml(mutation_seeds(kind)))
    check(fuzz.read(kind, data, "values"), data)


HOSTILE_CELLS = [*HOSTILE_NUMBERS, *HOSTILE_TIMES, "1970-01-01", "31.12.9999", "0:00",
                 "-50:00", "99999:99:99", "1e309 km", "-5 km", "nan mi", "0 m", '"', '""', "'",
                 "=cmd|' /C calc'!A0", "\x00", "\r", "a\nb", "Run" * 300, "Лыжи", "🏃"]


@st.composite
def hostile_csv(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A real CSV with cells swapped for hostile values, and rows that gain or lose cells."""
    lines = draw(st.sampled_from(seeds)).split(b"\n")
    for _ in range(draw(st.integers(1, 10))):
        row = draw(st.integers(0, len(lines) - 1))
        cells = lines[row].split(b",")
        how = draw(st.sampled_from(("replace", "replace", "add", "drop")))
        at = draw(st.integers(0, len(cells) - 1))
        value = draw(st.sampled_from(HOSTILE_CELLS)).encode()
        if how == "replace":
            cells[at] = value
        elif how == "add":
            cells.insert(at, value)
        elif len(cells) > 1:
            del cells[at]
        lines[row] = b",".join(cells)
    return b"\n".join(lines)


@fuzz_settings(150)
@given(choice=st.data())
def test_hostile_cells_in_csv(fuzz: Fuzz, choice: st.DataObject) -> None:
    data = choice.draw(hostile_csv(mutation_seeds("csv")))
    check(fuzz.read("csv", data, "cells"), data)


# --- the sandbox itself -----------------------------------------------------------------------


def _sleep_forever() -> Outcome:
    import time
    while True:
        time.sleep(1)


def _allocate_too_much() -> Outcome:
    hoard = bytearray(4 << 30)
    return Outcome("activities", str(len(hoard)))


def _die() -> Outcome:
    import os
    os._exit(3)


def test_sandbox_catches_hangs_runaway_memory_and_crashes() -> None:
    """The bounds are real: a hang, a 4 GiB allocation and a dying worker each fail one case,
    and the worker comes back for the next."""
    box = Sandbox(timeout_s=1.0)
    try:
        assert box.run(_sleep_forever).kind == "hang"
        assert box.run(_allocate_too_much).kind == "memory"
        assert box.run(_die).kind == "crash"
        outcome = box.run(read_bytes, "csv", RUNLOG_CSV, "log.csv")
        assert outcome.kind == "activities", outcome.detail
    finally:
        box.close()


def test_a_refusal_that_does_not_name_the_file_fails(tmp_path: Path) -> None:
    """The check the fuzz relies on can fail: an error without the file's name is caught."""
    from hardening import refusal

    from runlog.errors import ParseError

    assert refusal(ParseError("bad", "fuzz/x.fit"), "fuzz/x.fit").kind == "refused"
    assert refusal(ParseError("bad"), "fuzz/x.fit").kind == "unnamed"


# --- what the fuzz found, kept as cases -------------------------------------------------------

STRAVA_ROW = ("Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance\n"
              '1,"{date}",Morning Run,Run,2610,7.90\n2,"May 21, 2026, 5:33:08 AM",Run,Run,60,1\n')
FOUND = {
    # a year the activity table cannot hold crashed the whole load in to_frame()
    "runlog csv dated year 1": ("csv", b"date,distance\n0001-01-01T00:00:00,6.2 mi\n"
                                        b"2024-01-01,5 km\n"),
    "strava csv dated 9999": ("csv", STRAVA_ROW.format(date="Dec 31, 9999, 7:00:00 AM").encode()),
    # a negative lap total reached the table, whose schema check then failed every load
    "tcx negative lap time": ("tcx", TINY_TCX.replace(b"<TotalTimeSeconds>120",
                                                      b"<TotalTimeSeconds>-120")),
    "tcx negative lap distance": ("tcx", TINY_TCX.replace(b"<DistanceMeters>400</Distance",
                                                          b"<DistanceMeters>-400</Distance")),
    # a lap of 1e32 seconds overflowed the end-time arithmetic: the whole file was refused
    "tcx lap of 1e32 s": ("tcx", TINY_TCX.replace(b"<TotalTimeSeconds>120",
                                                  b"<TotalTimeSeconds>99999999999999999999999999999999")),
}


@pytest.mark.parametrize("case", list(FOUND))
def test_inputs_the_fuzz_found_are_read(fuzz: Fuzz, case: str) -> None:
    kind, data = FOUND[case]
    outcome = fuzz.read(kind, data, case.replace(" ", "-"))
    assert outcome.kind == "activities", outcome.detail  # the rest of the file still counts
    assert fuzz.settle() is None  # and the table takes it


@pytest.mark.parametrize("path", ["pattern", "tree", "gpxpy"])
def test_one_impossible_time_offset_does_not_refuse_a_gpx(path: str) -> None:
    """The point with a +25:00 offset loses its time; the other three still make the run."""
    from runlog.importers import gpx

    data = TINY_GPX.replace(b"2024-03-01T07:04:00Z", b"2024-03-01T07:04:00+25:00")
    (run,) = gpx._read(data, "offset.gpx", path=path)
    assert run.elapsed_time_s == 180.0  # 07:00 to 07:03
    assert run.notes == ["1 samples without time"]
