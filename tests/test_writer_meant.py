"""Issue 17: files whose writer meant more than a literal reading gives. Each case is a file
built here for its quirk (FIT with the FIT SDK's encoder, GPX/TCX/CSV by hand), with the
totals the writer meant and the note that says how runlog got them."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any

import fitparse
import gpxpy
import pytest
from garmin_fit_sdk import Encoder, Profile

from runlog.errors import UnsupportedFormat
from runlog.importers import ReadOptions, csv, fit, gpx, tcx
from runlog.model import Activity, to_frame

START = 1_000_000_000  # FIT seconds: 2021-09-08T01:46:40Z
T0 = datetime(2024, 5, 4, 7, 0, tzinfo=timezone.utc)
TCD = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
TPX_V1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
#: Degrees of latitude a metre north.
DEG_PER_M = 1 / 111_195.0


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


# --- 2. Developer fields that declare native_field_num --------------------------------------


def developer_field(key: str, number: int, name: str, base_type: int, native: int,
                    native_mesg: int, units: str) -> dict[str, Any]:
    return {key: {
        "developer_data_id_mesg": {"developer_data_index": 0, "application_version": 1},
        "field_description_mesg": {"developer_data_index": 0, "field_definition_number": number,
                                   "fit_base_type_id": base_type, "field_name": name,
                                   "units": units, "native_field_num": native,
                                   "native_mesg_num": native_mesg}}}


def test_connect_iq_swim_distance_only_in_a_developer_field() -> None:
    """A Connect IQ swim app writes the session's distance (150 m) only as its own field,
    declared to stand for session.total_distance (native 9); the native one says 0 m."""
    developer = developer_field("distance", 0, "total_distance", 134, 9, 18, "m")
    description = developer["distance"]
    recs = [("record", {"timestamp": START + 30 * i, "heart_rate": 120}) for i in range(21)]
    data = encode(file_id(), ("developer_data_id", description["developer_data_id_mesg"]),
                  ("field_description", description["field_description_mesg"]), *recs,
                  ("session", {"timestamp": START + 600, "start_time": START,
                               "total_elapsed_time": 600.0, "total_timer_time": 600.0,
                               "total_distance": 0.0, "sport": "swimming",
                               "developer_fields": {"distance": 150}}),
                  developer=developer)
    act = read_fit(data, "ciq-swim.fit")
    assert (act.sport, act.distance_m) == ("swimming", 150.0)
    assert act.distance_source == "session (developer field 'total_distance')"
    assert ("session.total_distance from developer field 'total_distance' (1 session): the "
            "native field was empty") in act.notes


def test_stryd_heart_rate_only_in_a_developer_field() -> None:
    """A Forerunner 920XT with a Stryd pod: the heart rate exists only as Stryd's field
    declared to stand for record.heart_rate (native 3), 1,932 samples averaging 157."""
    developer = developer_field("hr", 6, "Heart Rate", 2, 3, 20, "bpm")
    description = developer["hr"]
    recs = [("record", {"timestamp": START + i, "distance": 3.0 * i, "speed": 3.0,
                        "cadence": 85, "developer_fields": {"hr": 152 + (i % 11)}})
            for i in range(1932)]
    data = encode(file_id(), ("developer_data_id", description["developer_data_id_mesg"]),
                  ("field_description", description["field_description_mesg"]), *recs,
                  ("session", {"timestamp": START + 1931, "start_time": START,
                               "total_elapsed_time": 1931.0, "total_timer_time": 1931.0,
                               "total_distance": 5793.0, "sport": "running"}),
                  developer=developer)
    act = read_fit(data, "fr920xt-stryd.fit")
    assert act.avg_hr == pytest.approx(157.0, abs=0.05)
    # Both of runlog's decoders keep the developer fields' bytes alike; fitparse itself gives
    # the value under the developer field's name, never as heart_rate: runlog reads more.
    # (runlog's own gives the records as a table: the field's bytes a row a record).
    reference = [m.fields.get("developer_fields") for m in fit.fit_messages(data, fast=False)
                 if isinstance(m, fit.FitMessage) and m.name == "record"]
    table = next(m for m in fit.fit_messages(data) if isinstance(m, fit.FitTable))
    (field,) = table.developer
    fast = [((field.developer_data_index, field.number, raw.tobytes(), field.big_endian),)
            for raw in field.raw]
    assert field.rows.tolist() == list(range(1932))
    assert fast == reference and fast[0] == ((0, 6, bytes([152]), False),)
    first = next(fitparse.FitFile(io.BytesIO(data)).get_messages("record")).get_values()
    assert first.get("heart_rate") is None and first.get("Heart Rate") == 152
    assert ("record.heart_rate from developer field 'Heart Rate' (1932 records): the native "
            "field was empty") in act.notes


def test_a_developer_field_never_overrides_a_native_value() -> None:
    developer = developer_field("hr", 6, "Heart Rate", 2, 3, 20, "bpm")
    description = developer["hr"]
    recs = [("record", {"timestamp": START + i, "distance": 3.0 * i, "heart_rate": 140,
                        "developer_fields": {"hr": 180}}) for i in range(601)]
    data = encode(file_id(), ("developer_data_id", description["developer_data_id_mesg"]),
                  ("field_description", description["field_description_mesg"]), *recs,
                  ("session", {"timestamp": START + 600, "start_time": START,
                               "total_elapsed_time": 600.0, "total_timer_time": 600.0,
                               "total_distance": 1800.0, "sport": "running"}),
                  developer=developer)
    act = read_fit(data)
    assert act.avg_hr == 140.0
    assert not [n for n in act.notes if "developer field" in n]


# --- GPX and TCX written here ---------------------------------------------------------------


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_one(module: Any, text: str, source: str) -> Activity:
    items = module.read(text.encode("utf-8"), source, ReadOptions())
    to_frame(items)
    assert len(items) == 1 and isinstance(items[0], Activity), items
    return items[0]


def trackpoint(t: float, distance: float | None = None, *, north_m: float | None = None,
               hr: int | None = None, run_cadence: int | None = None) -> str:
    parts = [f"<Time>{stamp(t)}</Time>"]
    if north_m is not None:
        parts.append(f"<Position><LatitudeDegrees>{46 + north_m * DEG_PER_M:.7f}"
                     f"</LatitudeDegrees><LongitudeDegrees>14.0</LongitudeDegrees></Position>")
    if distance is not None:
        parts.append(f"<DistanceMeters>{distance:.1f}</DistanceMeters>")
    if hr is not None:
        parts.append(f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>")
    if run_cadence is not None:
        parts.append(f'<Extensions><TPX xmlns="{AX}"><RunCadence>{run_cadence}</RunCadence>'
                     f"</TPX></Extensions>")
    return f"<Trackpoint>{''.join(parts)}</Trackpoint>"


def tcx_lap(start_s: float, points: list[str], *, seconds: float | None = None,
            distance: float | None = None, hr: int | None = None) -> str:
    parts = [f"<TotalTimeSeconds>{seconds}</TotalTimeSeconds>" if seconds is not None else "",
             f"<DistanceMeters>{distance}</DistanceMeters>" if distance is not None else "",
             f"<AverageHeartRateBpm><Value>{hr}</Value></AverageHeartRateBpm>" if hr else ""]
    return (f'<Lap StartTime="{stamp(start_s)}">{"".join(parts)}'
            f'<Track>{"".join(points)}</Track></Lap>')


def tcx_document(*laps: str, sport: str = "Running") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<TrainingCenterDatabase xmlns="{TCD}"><Activities><Activity Sport="{sport}">'
            f'<Id>{stamp(0)}</Id>{"".join(laps)}</Activity></Activities>'
            '</TrainingCenterDatabase>')


def smart_recorded(count: int) -> list[tuple[float, int]]:
    """(time, bpm) as smart recording writes them: a point when the rate changes, so the
    short climbs to 150 get a point a second and the long steady 170 one point per 8 s."""
    out: list[tuple[float, int]] = []
    t = 0.0
    for _ in range(count):
        out.append((t, 170))
        t += 8
        for _ in range(4):
            out.append((t, 150))
            t += 1
    return out


# --- 6. Average heart rate weighted by time ----------------------------------------------


def test_tcx_smart_recorded_heart_rate_is_averaged_over_time() -> None:
    points = smart_recorded(50)  # 250 points over 600 s
    body = [trackpoint(t, 3.0 * t, north_m=3.0 * t, hr=bpm) for t, bpm in points]
    act = read_one(tcx, tcx_document(tcx_lap(0, body, seconds=600, distance=1800, hr=163)),
                   "smart.tcx")
    unweighted = (170 + 4 * 150) / 5  # 154: what a plain mean of the points gives
    assert unweighted == 154
    # 8 s at 170 and 4 s at 150 a cycle; the last point holds for the usual step (1 s).
    assert act.avg_hr == pytest.approx((50 * 8 * 170 + 199 * 150 + 150) / 600, abs=0.01)
    assert round(act.avg_hr) == 163  # as the lap says


def test_gpx_smart_recorded_heart_rate_is_averaged_over_time() -> None:
    points = smart_recorded(50)
    body = "".join(
        f'<trkpt lat="{46 + 3.0 * t * DEG_PER_M:.7f}" lon="14.0"><time>{stamp(t)}</time>'
        f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{bpm}</gpxtpx:hr>"
        f"</gpxtpx:TrackPointExtension></extensions></trkpt>" for t, bpm in points)
    text = (f'<?xml version="1.0"?><gpx version="1.1" creator="t" '
            f'xmlns="http://www.topografix.com/GPX/1/1" xmlns:gpxtpx="{TPX_V1}">'
            f"<trk><type>running</type><trkseg>{body}</trkseg></trk></gpx>")
    act = read_one(gpx, text, "smart.gpx")
    assert act.avg_hr == pytest.approx((50 * 8 * 170 + 199 * 150 + 150) / 600, abs=0.01)


# --- 7. Per foot or steps/min ----------------------------------------------------------------


def test_treadmill_walking_warm_up_does_not_decide_the_cadence_unit() -> None:
    """Steps/min throughout: 10 min walking at 1.4 m/s and 110 spm, then 9 min 50 s running at
    3 m/s and 165 spm. The median over all moving samples is 110 (under the per-foot line of
    120): by it every value would be doubled. At running speed the values are 165 with
    1.09 m steps: steps/min."""
    body = [trackpoint(t, 1.4 * t, hr=110, run_cadence=110) for t in range(0, 601, 5)]
    body += [trackpoint(600 + t, 840 + 3.0 * t, hr=150, run_cadence=165)
             for t in range(5, 591, 5)]
    act = read_one(tcx, tcx_document(tcx_lap(0, body, seconds=1190, distance=2610)),
                   "treadmill.tcx")
    assert act.sub_sport == "treadmill"
    assert act.cadence_spm == 165.0
    assert act.cadence_source == (
        "tcx TPX RunCadence (steps/min); steps/min: 10 min at running speed: median 165, "
        "1.09 m a step if steps/min")


def test_per_foot_values_are_told_by_their_step_length() -> None:
    """Per foot (85 at 3 m/s): read as steps/min that is a 2.1 m step, which no runner makes."""
    body = [trackpoint(t, 3.0 * t, north_m=3.0 * t, run_cadence=85) for t in range(0, 601, 5)]
    act = read_one(tcx, tcx_document(tcx_lap(0, body, seconds=600, distance=1800)),
                   "per-foot.tcx")
    assert act.cadence_spm == 170.0
    assert act.cadence_source == (
        "tcx TPX RunCadence x2 (per foot); per foot: 10 min at running speed: median 85, "
        "2.12 m a step if steps/min")


def test_lap_cadence_unit_is_judged_at_the_laps_running_speed() -> None:
    """No trackpoint cadence; lap AvgRunCadence in steps/min: two 5-minute walking laps at
    110 and a 6-minute run lap at 165. The laps' median (110) is under the per-foot line and
    would double them all; the run lap's speed decides: at 3 m/s, 165 is a 1.09 m step."""
    lx = f'<Extensions><LX xmlns="{AX}"><AvgRunCadence>{{}}</AvgRunCadence></LX></Extensions>'
    walks = [tcx_lap(start, [trackpoint(start + t, 1.4 * (start + t)) for t in range(0, 301, 30)],
                     seconds=300, distance=420).replace("</Lap>", lx.format(110) + "</Lap>")
             for start in (0, 300)]
    run = tcx_lap(600, [trackpoint(600 + t, 840 + 3.0 * t) for t in range(30, 361, 30)],
                  seconds=360, distance=1080).replace("</Lap>", lx.format(165) + "</Lap>")
    act = read_one(tcx, tcx_document(*walks, run), "lap-cadence.tcx")
    assert act.cadence_spm == 165.0
    assert act.cadence_source == (
        "tcx lap AvgRunCadence (steps/min); steps/min: 6 min at running speed: median 165, "
        "1.09 m a step if steps/min")


# --- 5. TCX lap totals against trackpoints -----------------------------------------------------


def test_cut_down_tcx_whose_laps_claim_far_more_takes_the_laps() -> None:
    """The laps (one of 3,312 s and 9,900 m, starting at 0) describe the whole run; only
    142 s of trackpoints were kept. Timer 3,312 s with elapsed 142 s cannot both hold."""
    body = [trackpoint(t, 3.0 * t, north_m=3.0 * t, hr=150) for t in range(0, 143, 2)]
    act = read_one(tcx, tcx_document(tcx_lap(0, body, seconds=3312, distance=9900, hr=152)),
                   "cut-down.tcx")
    assert (act.elapsed_time_s, act.timer_time_s, act.moving_time_s) == (3312, 3312, 3312)
    assert (act.distance_m, act.distance_source) == (9900, "laps")
    assert ("trackpoints cover 142 s of the laps' 3,312 s: elapsed, timer, moving time and "
            "distance from the laps") in act.notes


def test_laps_that_claim_time_within_the_trackpoints_give_way_to_them() -> None:
    """Two laps starting 300 s apart inside 641 s of trackpoints, but timing 8,133 s between
    them (and 20 km): the laps are wrong, the trackpoints hold."""
    first = [trackpoint(t, 3.0 * t, north_m=3.0 * t) for t in range(0, 300, 5)]
    second = [trackpoint(t, 3.0 * t, north_m=3.0 * t) for t in range(300, 642, 5)]
    act = read_one(tcx, tcx_document(tcx_lap(0, first, seconds=4000, distance=10_000),
                                     tcx_lap(300, second, seconds=4133, distance=10_000)),
                   "bogus-laps.tcx")
    assert act.elapsed_time_s == 640
    assert act.timer_time_s is None
    assert act.moving_time_s == 640
    assert act.distance_m == pytest.approx(1920, abs=1)
    assert act.distance_source == "samples (device distance)"
    assert ("lap times add up to 8,133 s but the laps lie within the trackpoints' 640 s: "
            "times from the trackpoints") in act.notes
    assert ("lap distance 20,000 m is beyond the trackpoints' 1,920 m: distance from the "
            "trackpoints") in act.notes


def test_moving_time_from_the_lap_timer_never_exceeds_the_elapsed_time() -> None:
    """A pool swim without distances: moving time comes from the lap timer (610 s), which
    the trackpoints' 600 s of clock cannot hold."""
    body = [trackpoint(t, hr=120) for t in range(0, 601, 10)]
    act = read_one(tcx, tcx_document(tcx_lap(0, body, seconds=610), sport="Other"),
                   "pool.tcx")
    assert (act.elapsed_time_s, act.timer_time_s, act.moving_time_s) == (600, 600, 600)
    assert "timer_time_s 610 s cut to the elapsed time 600 s" in act.notes


# --- 3. GPX 1.0 with GPX 1.1 extensions --------------------------------------------------------


def gpx_10_with_extensions() -> str:
    body = "".join(
        f'<trkpt lat="{46 + 30.0 * i * DEG_PER_M:.7f}" lon="14.0"><ele>300</ele>'
        f"<time>{stamp(10 * i)}</time><extensions><gpxtpx:TrackPointExtension>"
        f"<gpxtpx:hr>{140 + i % 10}</gpxtpx:hr><gpxtpx:cad>{84 + i % 3}</gpxtpx:cad>"
        f"</gpxtpx:TrackPointExtension></extensions></trkpt>" for i in range(46))
    return (f'<?xml version="1.0"?><gpx version="1.0" creator="Run.GPS" '
            f'xmlns="http://www.topografix.com/GPX/1/0" xmlns:gpxtpx="{TPX_V1}">'
            f"<trk><name>Run</name><trkseg>{body}</trkseg></trk></gpx>")


@pytest.mark.parametrize("path", gpx.PATHS)
def test_gpx_10_document_with_11_extensions_gives_heart_rate_and_cadence(path: str) -> None:
    """46 points with gpxtpx:hr in a document that says version="1.0". gpxpy skips every
    <extensions> of a 1.0 document (its own parse gives none); runlog reads them on every
    path, gpxpy's included: here runlog reads more than gpxpy."""
    text = gpx_10_with_extensions()
    assert all(not p.extensions for t in gpxpy.parse(text).tracks for s in t.segments
               for p in s.points)
    items = gpx._read(text.encode(), "v10.gpx", path=path)
    act = items[0]
    assert isinstance(act, Activity)
    values = [140 + i % 10 for i in range(46)]
    assert act.avg_hr == pytest.approx((sum(values[:-1]) * 10 + values[-1] * 10) / 460)
    assert act.cadence_spm == 170.0


# --- 4. SportTracks' document-level heart-rate track ------------------------------------------


def test_sportstracks_heart_rate_track_is_joined_to_the_points_by_time() -> None:
    """Points with no heart rate; the document's <st:heartRateTrack> holds a bpm every 5 s
    (from 2 s before the first point): each point takes the last value at or before it."""
    st = "urn:uuid:D0EB2ED5-49B6-44e3-B13C-CF15BE7DD7DD"
    marks = "".join(f'<st:heartRate time="{stamp(5 * k - 2)}" bpm="{150 + k % 2 * 10}"/>'
                    for k in range(122))
    points = "".join(
        f'<trkpt lat="{46 + 15.0 * i * DEG_PER_M:.7f}" lon="14.0"><time>{stamp(5 * i)}'
        f"</time></trkpt>" for i in range(121))
    text = (f'<?xml version="1.0"?><gpx version="1.1" creator="SportTracks 3.1" '
            f'xmlns="http://www.topografix.com/GPX/1/1" xmlns:st="{st}">'
            f'<extensions><st:activity><st:heartRateTrack>{marks}</st:heartRateTrack>'
            f"</st:activity></extensions>"
            f"<trk><type>running</type><trkseg>{points}</trkseg></trk></gpx>")
    act = read_one(gpx, text, "sporttracks.gpx")
    # The point at 5i s takes the mark at 5i - 2 s (the next is at 5i + 3 s): 150 for even
    # i, 160 for odd.
    assert act.avg_hr == pytest.approx((61 * 150 + 60 * 160) / 121, abs=0.01)
    assert ("heart rate from the document's SportTracks heartRateTrack (121 points joined "
            "by time)") in act.notes


# --- 8. Localized headers of the runlog CSV -------------------------------------------------------


def read_csv(text: str, source: str = "log.csv") -> list[Activity]:
    items = csv.read(text.encode("utf-8"), source, ReadOptions(timezone="Europe/Berlin"))
    to_frame(items)  # type: ignore[arg-type]
    assert all(isinstance(i, Activity) for i in items), items
    return items  # type: ignore[return-value]


def test_german_hand_kept_log() -> None:
    acts = read_csv("Datum;Art;Distanz in km;Dauer;Untergrund;Schuh;Puls;Bemerkung\n"
                    "01.03.2024;Lauf;10,5;0:52:10;Straße;Pegasus 40;148;locker\n"
                    "03.03.2024 07:30;Laufband;6;32:00;;Pegasus 40;;\n")
    easy, treadmill = acts
    assert easy.format == "runlog-csv"
    assert (easy.distance_m, easy.distance_source) == (10_500.0, "runlog csv distance_km")
    assert (easy.moving_time_s, easy.avg_hr, easy.sport) == (3130.0, 148.0, "running")
    assert (easy.surface, easy.surface_source, easy.shoe) == ("road", "runlog csv",
                                                              "Pegasus 40")
    assert str(easy.local_start) == "2024-03-01 12:00:00"  # date only: midday, noted
    assert str(treadmill.local_start) == "2024-03-03 07:30:00"
    assert (treadmill.sub_sport, treadmill.surface) == ("treadmill", "treadmill")


@pytest.mark.parametrize("text", [
    "Date,Type,Distance (km),Durée,Chaussures,FC moyenne\n01/03/2024,Course à pied,10.5,52:10,"
    "Pegasus 40,148\n",
    "Fecha,Tipo,Distancia (km),Duración,Zapatillas,FC media\n01/03/2024,Carrera,10.5,52:10,"
    "Pegasus 40,148\n",
    "Datum,Soort,Afstand (km),Duur,Schoenen,Hartslag\n01-03-2024,Hardlopen,10.5,52:10,"
    "Pegasus 40,148\n",
])
def test_french_spanish_and_dutch_logs(text: str) -> None:
    act, = read_csv(text)
    assert (act.distance_m, act.moving_time_s, act.avg_hr) == (10_500.0, 3130.0, 148.0)
    assert (act.sport, act.shoe) == ("running", "Pegasus 40")
    assert act.local_start is not None and act.local_start.date().isoformat() == "2024-03-01"


def test_a_header_not_understood_lists_what_runlog_needs() -> None:
    with pytest.raises(UnsupportedFormat) as info:
        read_csv("Datum,Wetter,Gefühl\n01.03.2024,Regen,gut\n", "tagebuch.csv")
    assert str(info.value) == (
        "tagebuch.csv: unrecognised CSV header: 'Datum', 'Wetter', 'Gefühl' (a runlog CSV "
        "needs a distance column (distance with its unit, or distance_km, distance_mi, "
        "distance_m); German, French, Spanish and Dutch column names are read too) "
        "(at line 1)")


def test_a_garmin_export_in_german_is_not_taken_for_a_hand_kept_log() -> None:
    with pytest.raises(UnsupportedFormat, match="unrecognised CSV header: 'Aktivitätstyp'"):
        read_csv("Aktivitätstyp,Datum,Favorit,Titel,Distanz,Kalorien,Zeit\n"
                 "Laufen,2024-03-01 07:30:00,false,Lauf,\"10,20\",700,00:52:10\n")
