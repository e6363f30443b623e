"""GPX reader: every corpus file read or refused with a reason, each quirk of FORMATS.md
sections 1.4, 3 and 6 on its real file, and hand-computed cases on small generated files."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runlog.errors import NotAnActivity, ParseError
from runlog.importers import ReadOptions, gpx, streams
from runlog.model import SPORTS, SURFACES, Activity, to_frame

# One kilometre of latitude on the mean-radius sphere: 1000 / (6371008.8 * pi / 180) degrees.
KM_NORTH = 0.0089932
T0 = datetime(2021, 5, 1, 7, 0, tzinfo=timezone.utc)
TPX_V1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"

#: Corpus files that are not activities (or cannot be), with the reason given.
REFUSED = {
    "GoldenCheetah__GoldenCheetah__MetadataOnly.gpx": (NotAnActivity, "no track"),
    "GoldenCheetah__GoldenCheetah__A_ride_mapped_on_11_22_2011.gpx":
        (NotAnActivity, "planned route"),
    "martin-ueding__geo-activity-playground__Berlin__0_9_km_.gpx":
        (NotAnActivity, "planned route"),
    "tkrajina__gpxpy__route.gpx": (NotAnActivity, "only a route"),
    "tkrajina__gpxpy__unicode_with_bom.gpx": (NotAnActivity, "only waypoints"),
    "tkrajina__gpxpy__gpx_with_garmin_extension.gpx": (NotAnActivity, "only waypoints"),
    "tkrajina__gpxpy__gpx1.0_with_all_fields.gpx": (NotAnActivity, "single timestamped point"),
    "tkrajina__gpxpy__Mojstrovka.gpx": (ParseError, "bogus (e.g. 1901-12-13)"),
}


# --- helpers ----------------------------------------------------------------------------------


def read_corpus(corpus: Path, name: str) -> list[Activity]:
    path = corpus / "gpx" / name
    items = gpx.read(path.read_bytes(), f"gpx/{name}", ReadOptions())
    assert all(isinstance(item, Activity) for item in items)
    return items  # type: ignore[return-value]


def only(items: list) -> Activity:  # type: ignore[type-arg]
    assert len(items) == 1
    assert isinstance(items[0], Activity)
    return items[0]


def stamp(seconds: float, start: datetime = T0) -> str:
    return (start + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def point(lat: float, lon: float, time: str | None, extensions: str = "") -> str:
    time_tag = f"<time>{time}</time>" if time else ""
    ext = f"<extensions>{extensions}</extensions>" if extensions else ""
    return f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>300</ele>{time_tag}{ext}</trkpt>'


def northward(count: int, step_m: float, every_s: float, *, start_s: float = 0.0,
              lat0: float = 46.0, lon0: float = 14.0) -> list[str]:
    """Points going north ``step_m`` metres every ``every_s`` seconds."""
    return [point(lat0 + i * step_m / 1000 * KM_NORTH, lon0, stamp(start_s + i * every_s))
            for i in range(count)]


def track(segments: list[list[str]], *, name: str | None = None, kind: str | None = None) -> str:
    head = (f"<name>{name}</name>" if name else "") + (f"<type>{kind}</type>" if kind else "")
    body = "".join(f"<trkseg>{''.join(points)}</trkseg>" for points in segments)
    return f"<trk>{head}{body}</trk>"


def document(*tracks: str, creator: str = "runlog tests", namespaces: str = "",
             prolog: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> str:
    return (f'{prolog}<gpx version="1.1" creator="{creator}" '
            f'xmlns="http://www.topografix.com/GPX/1/1" '
            f'xmlns:gpxtpx="{TPX_V1}"{namespaces}>{"".join(tracks)}</gpx>')


def read_text(tmp_path: Path, text: str | bytes, name: str = "generated.gpx") -> list:  # type: ignore[type-arg]
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return gpx.read(path.read_bytes(), path.name, ReadOptions())


# --- the whole corpus -------------------------------------------------------------------------


def test_every_corpus_gpx_is_read_or_refused_naming_its_source(corpus: Path) -> None:
    with (corpus / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t")
                if r["local_name"].startswith("gpx/")]
    assert len(rows) >= 30
    problems = []
    for row in rows:
        source = row["local_name"]
        name = source.removeprefix("gpx/")
        try:
            items = gpx.read((corpus / source).read_bytes(), source, ReadOptions())
        except ParseError as exc:
            expected = REFUSED.get(name)
            if expected is None or type(exc) is not expected[0] or expected[1] not in exc.reason:
                problems.append(f"{name}: refused: {exc}")
            if exc.path != source:
                problems.append(f"{name}: error names {exc.path!r}")
            continue
        if name in REFUSED:
            problems.append(f"{name}: read, but should be refused ({REFUSED[name][1]})")
            continue
        acts = [i for i in items if isinstance(i, Activity)]
        if not acts:
            problems.append(f"{name}: no activity")
        to_frame(acts)  # schema-checked: UTC start, known sports and surfaces, no negatives
        for act in acts:
            if act.source != source or act.format != "gpx" or act.start_time is None:
                problems.append(f"{name}: source/format/start not filled")
            if act.sport not in SPORTS or act.surface not in SURFACES:
                problems.append(f"{name}: sport {act.sport}, surface {act.surface}")
            if row["kind"] == "run" and not (
                    act.sport == "running" and 1_000 < (act.distance_m or 0) < 50_000):
                problems.append(f"{name}: run read as {act.sport}, {act.distance_m} m")
    assert not problems, "\n".join(problems)


# --- quirks on real files ---------------------------------------------------------------------


def test_strava_numeric_type_9_is_a_run_with_gpxtpx_cadence_per_foot(corpus: Path) -> None:
    act = only(read_corpus(corpus, "sports-alliance__sports-lib__1681613317.gpx"))
    assert (act.sport, act.device, act.name) == ("running", "StravaGPX Android",
                                                 "Run avec Nico & Mag")
    assert act.distance_source == "track"
    assert act.cadence_source.partition("; ")[0] == "gpx TrackPointExtension cad x2 (per foot)"
    assert 150 <= act.cadence_spm <= 190
    assert 100 < act.avg_hr < 200
    assert act.start_time == pd.Timestamp("2017-03-19T16:49:30Z")
    assert act.elapsed_time_s == 1958  # 16:49:30 to 17:22:08


def test_two_strava_renderings_of_one_run_agree(corpus: Path) -> None:
    one = only(read_corpus(corpus, "sports-alliance__sports-lib__1681613317.gpx"))
    other = only(read_corpus(corpus, "thomaschampagne__elevate__20170319_run_906581465.gpx"))
    assert one.start_time == other.start_time
    assert one.distance_m == pytest.approx(other.distance_m, rel=0.005)
    assert one.cadence_spm == other.cadence_spm


def test_garmin_connect_binds_track_point_extension_to_ns3(corpus: Path) -> None:
    act = only(read_corpus(corpus, "sports-alliance__sports-lib__2067489619.gpx"))
    assert act.sport == "running"
    assert act.cadence_source.partition("; ")[0] == "gpx TrackPointExtension cad x2 (per foot)"
    assert 140 <= act.cadence_spm <= 190
    assert act.avg_hr is not None
    assert act.start_time == pd.Timestamp("2017-10-08T14:54:11Z")  # ms timestamps


def test_opentracks_v2_namespace_local_offset_and_zero_heart_rate(corpus: Path) -> None:
    act = only(read_corpus(
        corpus,
        "martin-ueding__geo-activity-playground__2025-08-30_20_29_18.085_BC_Cadzand-Bad.gpx"))
    assert act.start_time == pd.Timestamp("2025-08-30T18:29:19.825Z")
    assert act.local_start == datetime(2025, 8, 30, 20, 29, 19, 825000)
    assert act.local_start_source == "file (time offset)"
    assert act.avg_hr is None  # every point says hr=0: no sensor
    # <type><![CDATA[unknown]]></type> says nothing; a 1 km stroll is a walk by its speed.
    assert act.sport == "walking"
    assert "sport inferred from speed" in act.notes
    assert act.device == "OpenTracks"


def test_undeclared_gpxdata_prefix_and_bom_are_repaired(corpus: Path) -> None:
    act = only(read_corpus(corpus, "sports-alliance__sports-lib__6037744996.gpx"))
    assert "undeclared XML prefix gpxdata: declared" in act.notes
    assert act.sport == "running"  # <type>9</type>
    assert act.cadence_source.partition("; ")[0] == "gpx cadence extension x2 (per foot)"


def test_unnamespaced_heartrate_from_amazfit(corpus: Path) -> None:
    act = only(read_corpus(corpus, "sports-alliance__sports-lib__amazfit.gpx"))
    assert act.sport == "running"  # <type>Running</type>
    assert 100 < act.avg_hr < 200


def test_movescount_gpxdata_cadence_and_hr_without_type(corpus: Path) -> None:
    act = only(read_corpus(corpus, "GoldenCheetah__GoldenCheetah__Move_2014_01_17_09_33_11.gpx"))
    assert 100 < act.avg_hr < 200  # gpxdata:hr
    movescount = only(read_corpus(corpus, "sports-alliance__sports-lib__movescount.gpx"))
    assert movescount.cadence_source.partition("; ")[0] == "gpx cadence extension x2 (per foot)"
    assert movescount.sport == "running"
    assert "sport inferred from speed" in movescount.notes  # no <type>, name "Move"


def test_strava_swim_16_and_zwift_17_types(corpus: Path) -> None:
    swim = only(read_corpus(corpus, "sports-alliance__sports-lib__4623204522-1.gpx"))
    assert (swim.sport, swim.cadence_spm) == ("swimming", None)
    ride = only(read_corpus(corpus, "sports-alliance__sports-lib__6909869014.gpx"))
    assert (ride.sport, ride.sub_sport) == ("cycling", "virtual_activity")
    assert ride.gps_jumps == 0  # the cycling speed limit applies, not the running one


def test_fractional_second_timestamps(corpus: Path) -> None:
    act = only(read_corpus(corpus, "corriporai__runpandas__nike_run.gpx"))
    assert act.start_time == pd.Timestamp("2021-07-04T11:23:19.418Z")


def test_offset_and_millisecond_times(corpus: Path) -> None:
    act = only(read_corpus(corpus, "tkrajina__gpxpy__track-with-less-sec-time.gpx"))
    assert act.start_time == pd.Timestamp("2015-12-11T14:43:13Z")  # 15:43:13+01:00
    assert act.local_start == datetime(2015, 12, 11, 15, 43, 13)
    assert act.elapsed_time_s == pytest.approx(0.994)
    assert act.sport == "running"  # <type>run</type>


def test_track_with_empty_segment(corpus: Path) -> None:
    act = only(read_corpus(corpus, "tkrajina__gpxpy__track-with-empty-segment.gpx"))
    assert act.start_time == pd.Timestamp("2013-07-06T17:26:26Z")
    assert act.distance_m > 0


def test_two_segments_of_one_run_are_a_pause(corpus: Path) -> None:
    act = only(read_corpus(corpus, "corriporai__runpandas__run.gpx"))
    assert act.sport == "running"  # from the name "Running"
    assert "sport inferred from the name" in act.notes
    assert 4_000 < act.distance_m < 6_000


def test_eight_active_logs_of_one_walk_are_combined(corpus: Path) -> None:
    act = only(read_corpus(corpus, "tkrajina__gpxpy__cerknicko-jezero-no-creator.gpx"))
    assert "7 tracks combined" in act.notes  # the eighth <trk> is empty
    assert act.device is None  # no creator attribute
    assert act.start_time == pd.Timestamp("2010-08-05T14:23:59Z")
    assert act.elapsed_time_s == (16 * 3600 + 23 * 60 + 49) - (14 * 3600 + 23 * 60 + 59)


def test_untimed_tracks_beside_recorded_ones_are_left_out(corpus: Path) -> None:
    act = only(read_corpus(corpus, "tkrajina__gpxpy__korita-zbevnica.gpx"))
    assert "1 track without timestamps left out" in act.notes
    assert "2 tracks combined" in act.notes
    without = only(read_corpus(corpus, "tkrajina__gpxpy__cerknicko-without-times.gpx"))
    assert "6 tracks without timestamps left out" in without.notes
    assert "16 samples without time" in without.notes  # kept for distance


def test_metadata_time_a_week_after_the_track_is_not_the_start(corpus: Path) -> None:
    act = only(read_corpus(corpus, "sports-alliance__sports-lib__6090674952.gpx"))
    assert act.start_time == pd.Timestamp("2021-01-04T16:22:18Z")
    assert act.avg_hr is not None  # gpxtpx:hr, <heartrate> and gpxdata:hr all present


@pytest.mark.parametrize("name,reason", [
    ("GoldenCheetah__GoldenCheetah__MetadataOnly.gpx", "GPX holds no track (<trk>)"),
    ("tkrajina__gpxpy__route.gpx", "GPX holds only a route (<rte>), not a recorded track"),
    ("tkrajina__gpxpy__unicode_with_bom.gpx", "GPX holds only waypoints, not a recorded track"),
    ("GoldenCheetah__GoldenCheetah__A_ride_mapped_on_11_22_2011.gpx",
     "track has no timestamps: a planned route, not a recorded activity"),
    # An XML comment before <gpx> is fine; the route still has no times.
    ("martin-ueding__geo-activity-playground__Berlin__0_9_km_.gpx",
     "track has no timestamps: a planned route, not a recorded activity"),
])
def test_files_without_a_recorded_track_are_not_activities(
        corpus: Path, name: str, reason: str) -> None:
    with pytest.raises(NotAnActivity) as info:
        read_corpus(corpus, name)
    assert info.value.reason == reason
    assert info.value.path == f"gpx/{name}"


def test_bogus_1901_times_leave_no_usable_time(corpus: Path) -> None:
    with pytest.raises(ParseError) as info:
        read_corpus(corpus, "tkrajina__gpxpy__Mojstrovka.gpx")
    assert not isinstance(info.value, NotAnActivity)
    assert "1901-12-13" in info.value.reason


# --- hand-computed cases on generated files ---------------------------------------------------


def test_two_points_one_km_apart_north_south(tmp_path: Path) -> None:
    text = document(track([[point(46.0, 14.0, stamp(0)),
                             point(46.0 + KM_NORTH, 14.0, stamp(300))]], kind="running"))
    act = only(read_text(tmp_path, text))
    assert act.distance_m == pytest.approx(1000, abs=1)
    assert act.distance_source == "track"
    assert act.moving_time_s == act.elapsed_time_s == 300
    assert act.start_time == pd.Timestamp(T0)
    assert act.device == "runlog tests"


def test_segment_break_is_a_pause_not_distance(tmp_path: Path) -> None:
    # 1 km north in 5 minutes, a 10-minute pause while moving 1 km on, then 1 km more.
    first = northward(11, 100, 30)
    second = northward(11, 100, 30, start_s=900, lat0=46.0 + 2 * KM_NORTH)
    act = only(read_text(tmp_path, document(track([first, second], kind="running"))))
    assert act.distance_m == pytest.approx(2000, abs=2)
    assert act.moving_time_s == 600
    assert act.elapsed_time_s == 1200
    assert act.gps_jumps == 0  # the gap between segments is no jump


def test_gps_jump_is_dropped_and_counted(tmp_path: Path) -> None:
    points = northward(21, 30, 10)  # 600 m at 3 m/s
    points[10] = point(46.0 + 10 * 0.03 * KM_NORTH, 14.1, stamp(100))  # 7.7 km east, for 10 s
    act = only(read_text(tmp_path, document(track([points], kind="Run"))))
    assert act.gps_jumps == 1
    assert act.distance_m == pytest.approx(600, abs=1)
    assert "1 GPS points dropped as jumps faster than 12.5 m/s" in act.notes


def test_points_without_time_still_count_for_distance(tmp_path: Path) -> None:
    points = northward(11, 100, 30)
    for i in (3, 4, 5, 6):
        points[i] = points[i].replace(f"<time>{stamp(i * 30)}</time>", "")
    act = only(read_text(tmp_path, document(track([points], kind="running"))))
    assert act.distance_m == pytest.approx(1000, abs=1)
    assert "4 samples without time" in act.notes
    assert act.elapsed_time_s == 300


def test_negative_time_step_at_start(tmp_path: Path) -> None:
    # runkeeper-negative-time-step-at-start.gpx: the first point is stamped after the second.
    points = northward(11, 100, 30)
    points[0] = points[0].replace(stamp(0), stamp(45))
    act = only(read_text(tmp_path, document(track([points], kind="running"))))
    assert "samples out of time order were sorted" in act.notes
    assert act.start_time == pd.Timestamp(T0) + pd.Timedelta(seconds=30)
    assert act.elapsed_time_s == 270


def test_tracks_more_than_two_hours_apart_are_separate_activities(tmp_path: Path) -> None:
    morning = track([northward(11, 100, 30)], name="Morning", kind="running")
    evening = track([northward(11, 100, 30, start_s=3 * 3600 + 300)], name="Evening",
                    kind="running")
    acts = read_text(tmp_path, document(morning, evening))
    assert [a.name for a in acts] == ["Morning", "Evening"]
    assert [a.distance_m for a in acts] == pytest.approx([1000, 1000], abs=1)

    soon_after = track([northward(11, 100, 30, start_s=3600)], kind="running")
    act = only(read_text(tmp_path, document(morning, soon_after)))
    assert "2 tracks combined" in act.notes
    assert act.distance_m == pytest.approx(2000, abs=2)  # the hour between is not counted
    assert act.name == "Morning"


def test_bogus_point_time_is_dropped_with_a_note(tmp_path: Path) -> None:
    points = northward(11, 100, 30)
    points[5] = points[5].replace(stamp(150), "1901-12-13T20:45:52Z")
    points[6] = points[6].replace(stamp(180), "2999-01-01T00:00:00Z")  # far in the future
    act = only(read_text(tmp_path, document(track([points], kind="running"))))
    assert "2 bogus point times dropped (e.g. 1901-12-13)" in act.notes
    assert act.start_time == pd.Timestamp(T0)
    assert act.elapsed_time_s == 300
    assert act.distance_m == pytest.approx(1000, abs=1)


def test_garmin_extension_any_prefix_and_loose_elements(tmp_path: Path) -> None:
    v2 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
    tpx = (f'<x:TrackPointExtension xmlns:x="{v2}"><x:hr>150</x:hr><x:cad>85</x:cad>'
           f'</x:TrackPointExtension>')
    loose = "<heartrate>140</heartrate><cadence>80</cadence>"
    points = [point(46.0 + i * 0.03 * KM_NORTH, 14.0, stamp(i * 10), tpx if i % 2 else loose)
              for i in range(21)]
    act = only(read_text(tmp_path, document(track([points], kind="running"))))
    # TrackPointExtension points: 150 bpm, 85 per foot; loose ones: 140 bpm, 80 per foot.
    assert act.avg_hr == pytest.approx((10 * 150 + 11 * 140) / 21)
    assert set(act.cadence_histogram) == {160, 170}
    # the more common one
    assert act.cadence_source.partition("; ")[0] == "gpx cadence extension x2 (per foot)"


def heart_rate_extension(bpm: int) -> str:
    return (f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{bpm}</gpxtpx:hr>"
            f"</gpxtpx:TrackPointExtension>")


def test_zero_heart_rate_is_missing(tmp_path: Path) -> None:
    points = [point(46.0 + i * 0.03 * KM_NORTH, 14.0, stamp(i * 10),
                    heart_rate_extension(0 if i < 10 else 120))
              for i in range(20)]
    act = only(read_text(tmp_path, document(track([points], kind="running"))))
    assert act.avg_hr == 120


def test_undeclared_prefix_is_declared_and_noted(tmp_path: Path) -> None:
    points = [point(46.0 + i * 0.03 * KM_NORTH, 14.0, stamp(i * 10),
                    "<gpxdata:hr>130</gpxdata:hr><gpxx:Temperature>20</gpxx:Temperature>")
              for i in range(10)]
    act = only(read_text(tmp_path, document(track([points], kind="9"))))
    assert act.avg_hr == 130
    assert act.notes[:2] == ["undeclared XML prefix gpxdata: declared",
                             "undeclared XML prefix gpxx: declared"]


def test_strava_leading_spaces_bom_and_comment_before_gpx(tmp_path: Path) -> None:
    body = document(track([northward(11, 100, 30)], kind="9"),
                    prolog='<?xml version="1.0"?>\n<!-- exported -->\n')
    act = only(read_text(tmp_path, b"\xef\xbb\xbf" + b"          " + body.encode()))
    assert "whitespace before <?xml removed" in act.notes
    assert act.sport == "running"
    assert act.distance_m == pytest.approx(1000, abs=1)


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;">]>'
              '<gpx version="1.1" creator="&b;"></gpx>')
    with pytest.raises(ParseError) as info:
        read_text(tmp_path, laughs, "laughs.gpx")
    assert info.value.reason == "XML entity declarations are not allowed"
    external = ('<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                '<gpx version="1.1" creator="&x;"></gpx>')
    with pytest.raises(ParseError) as info:
        read_text(tmp_path, external, "external.gpx")
    assert info.value.reason == "XML entity declarations are not allowed"
    assert info.value.path == "external.gpx"


@pytest.mark.parametrize("kind,speed_mps,sport", [
    (None, 1.5, "walking"), (None, 3.0, "running"), (None, 8.0, "cycling"),
])
def test_sport_inferred_from_median_moving_speed(
        tmp_path: Path, kind: str | None, speed_mps: float, sport: str) -> None:
    act = only(read_text(tmp_path, document(track([northward(31, speed_mps * 10, 10)]))))
    assert act.sport == sport
    assert "sport inferred from speed" in act.notes


def test_sport_from_the_name_when_there_is_no_type(tmp_path: Path) -> None:
    act = only(read_text(tmp_path, document(track([northward(11, 10, 10)], name="Evening Ride"))))
    assert act.sport == "cycling"  # although 1 m/s would be a walk
    assert "sport inferred from the name" in act.notes


def test_unknown_type_is_noted_and_the_speed_decides(tmp_path: Path) -> None:
    act = only(read_text(tmp_path, document(track([northward(31, 30, 10)], kind="Parkour"))))
    assert act.sport == "running"
    assert act.notes == ["unknown activity type 'Parkour'", "sport inferred from speed"]


def test_trail_in_the_type_gives_surface(tmp_path: Path) -> None:
    act = only(read_text(tmp_path, document(track([northward(11, 100, 30)],
                                                  name="Sunday long run", kind="Trail Run"))))
    assert (act.sport, act.sub_sport, act.surface, act.surface_source) == (
        "running", "trail", "trail", "gpx type")


@pytest.mark.parametrize("data,reason", [
    (b"", "empty file"),
    (b"\x0e\x10\x08\x08.FIT garbage", "not an XML file (it does not start with '<')"),
    (b"<gpx><trk><trkseg><trkpt lat='1' lon='2'>", "not well-formed XML: no element found"),
    (b'<?xml version="1.0"?><kml></kml>', "not a GPX file: the root element is <kml>"),
])
def test_unreadable_files_raise_parse_error(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        read_text(tmp_path, data, "bad.gpx")
    assert not isinstance(info.value, NotAnActivity)
    assert info.value.reason == reason
    assert info.value.path == "bad.gpx"


def test_truncated_file_error_names_its_line(tmp_path: Path) -> None:
    text = document(track([northward(5, 10, 10)])).replace("><", ">\n<")
    with pytest.raises(ParseError) as info:
        read_text(tmp_path, text[: len(text) // 2], "cut.gpx")
    assert info.value.line is not None and info.value.line > 1


def test_bad_coordinate_is_a_parse_error(tmp_path: Path) -> None:
    points = northward(6, 50, 10)
    points[2] = points[2].replace('lat="', 'lat="north ')
    with pytest.raises(ParseError) as info:
        read_text(tmp_path, document(track([points])), "bad-lat.gpx")
    assert info.value.reason.startswith("unreadable GPX: ")
    assert "north" in info.value.reason


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=2000), junk=st.binary(max_size=8))
def test_damaged_files_only_ever_raise_parse_error(cut: int, junk: bytes) -> None:
    text = document(track([northward(6, 50, 10)], kind="running")).encode()
    data = text[:cut] + junk + text[cut + len(junk):]
    try:
        items = gpx.read(data, "damaged.gpx", ReadOptions())
    except ParseError as exc:
        assert exc.path == "damaged.gpx"
    else:
        assert all(isinstance(i, (Activity, ParseError)) for i in items)


# --- the segment column of streams ------------------------------------------------------------


def test_streams_segment_column_stops_distance_and_moving_time_at_breaks() -> None:
    times = pd.date_range("2021-05-01T07:00:00Z", periods=6, freq="60s")
    lat = [46.0, 46.0 + 0.2 * KM_NORTH, 46.0 + 0.4 * KM_NORTH,   # 400 m in 2 min
           46.0 + 0.9 * KM_NORTH, 46.0 + 1.1 * KM_NORTH, 46.0 + 1.3 * KM_NORTH]
    rows = {"time": times, "lat": lat, "lon": [14.0] * 6}
    whole = streams.summarize(streams.make_samples(rows), "running")
    split = streams.summarize(streams.make_samples({**rows, streams.SEGMENT: [1, 1, 1, 2, 2, 2]}),
                              "running")
    assert whole.track_distance_m == pytest.approx(1300, abs=1)
    assert whole.moving_s == 300
    assert split.track_distance_m == pytest.approx(800, abs=1)
    assert split.moving_s == 240
    assert list(streams.make_samples({**rows, streams.SEGMENT: [1] * 6}).columns) == [
        *streams.SAMPLE_COLUMNS, streams.SEGMENT]
    assert list(streams.make_samples(rows).columns) == list(streams.SAMPLE_COLUMNS)
