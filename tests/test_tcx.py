"""TCX reader: every corpus file read, each quirk of FORMATS.md sections 1.4, 3, 4.2 and 7 on
its real file, hand-computed cases on small generated files, and one FR945 run compared across
FIT, GPX and TCX."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import fitparse
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runlog.errors import NotAnActivity, ParseError
from runlog.importers import ReadOptions, gpx, tcx
from runlog.model import SPORTS, SURFACES, Activity, to_frame

# One kilometre of latitude on the mean-radius sphere: 1000 / (6371008.8 * pi / 180) degrees.
KM_NORTH = 0.0089932
T0 = pd.Timestamp("2021-05-01T07:00:00Z")
TCD = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"


# --- helpers ----------------------------------------------------------------------------------


def read_corpus(corpus: Path, name: str) -> list[Activity]:
    path = corpus / "tcx" / name
    items = tcx.read(path.read_bytes(), f"tcx/{name}", ReadOptions())
    assert all(isinstance(item, Activity) for item in items)
    return items  # type: ignore[return-value]


def only(items: list) -> Activity:  # type: ignore[type-arg]
    assert len(items) == 1
    assert isinstance(items[0], Activity)
    return items[0]


def stamp(seconds: float) -> str:
    return (T0 + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def trackpoint(seconds: float | None = None, *, north_m: float | None = None,
               distance: float | None = None, hr: int | None = None,
               cadence: int | None = None, run_cadence: int | None = None) -> str:
    parts = []
    if seconds is not None:
        parts.append(f"<Time>{stamp(seconds)}</Time>")
    if north_m is not None:
        parts.append(f"<Position><LatitudeDegrees>{46.0 + north_m / 1000 * KM_NORTH:.7f}"
                     f"</LatitudeDegrees><LongitudeDegrees>14.0</LongitudeDegrees></Position>")
    if distance is not None:
        parts.append(f"<DistanceMeters>{distance}</DistanceMeters>")
    if hr is not None:
        parts.append(f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>")
    if cadence is not None:
        parts.append(f"<Cadence>{cadence}</Cadence>")
    if run_cadence is not None:
        parts.append(f'<Extensions><TPX xmlns="{AX}"><RunCadence>{run_cadence}</RunCadence>'
                     f"</TPX></Extensions>")
    return f"<Trackpoint>{''.join(parts)}</Trackpoint>"


def lap(start_s: float, tracks: list[list[str]], *, seconds: float | None = None,
        distance: float | None = None, hr: int | None = None, extra: str = "") -> str:
    parts = [f"<TotalTimeSeconds>{seconds}</TotalTimeSeconds>" if seconds is not None else "",
             f"<DistanceMeters>{distance}</DistanceMeters>" if distance is not None else "",
             f"<AverageHeartRateBpm><Value>{hr}</Value></AverageHeartRateBpm>" if hr else "",
             extra]
    body = "".join(f"<Track>{''.join(points)}</Track>" for points in tracks)
    return f'<Lap StartTime="{stamp(start_s)}">{"".join(parts)}{body}</Lap>'


def activity(*laps: str, sport: str = "Running", ident: str | None = None,
             creator: str | None = None, notes: str | None = None) -> str:
    head = f"<Id>{ident or stamp(0)}</Id>" + (f"<Notes>{notes}</Notes>" if notes else "")
    tail = (f'<Creator xsi:type="Device_t"><Name>{creator}</Name></Creator>' if creator else "")
    return f'<Activity Sport="{sport}">{head}{"".join(laps)}{tail}</Activity>'


def document(*activities: str, author: str | None = None) -> str:
    author_xml = (f'<Author xsi:type="Application_t"><Name>{author}</Name></Author>'
                  if author else "")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<TrainingCenterDatabase xmlns="{TCD}" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<Activities>{"".join(activities)}</Activities>{author_xml}'
            '</TrainingCenterDatabase>')


def read_text(tmp_path: Path, text: str | bytes, name: str = "generated.tcx") -> list:  # type: ignore[type-arg]
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return tcx.read(path.read_bytes(), path.name, ReadOptions())


def steady_run(count: int = 11, step_m: float = 100, every_s: float = 30, *,
               start_s: float = 0, start_m: float = 0, **extra: int) -> list[str]:
    """Trackpoints going north ``step_m`` every ``every_s`` s, device distance included."""
    return [trackpoint(start_s + i * every_s, north_m=start_m + i * step_m,
                       distance=start_m + i * step_m, **extra) for i in range(count)]


# --- the whole corpus -------------------------------------------------------------------------


def test_every_corpus_tcx_is_read_naming_its_source(corpus: Path) -> None:
    with (corpus / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t")
                if r["local_name"].startswith("tcx/")]
    assert len(rows) >= 20
    problems = []
    for row in rows:
        source = row["local_name"]
        try:
            items = tcx.read((corpus / source).read_bytes(), source, ReadOptions())
        except ParseError as exc:  # no corpus TCX is a course or beyond repair
            problems.append(f"{source}: refused: {exc}")
            if exc.path != source:
                problems.append(f"{source}: error names {exc.path!r}")
            continue
        acts = [i for i in items if isinstance(i, Activity)]
        if len(acts) != len(items) or not acts:
            problems.append(f"{source}: {items}")
        to_frame(acts)  # schema-checked: UTC start, known sports and surfaces, no negatives
        for act in acts:
            if act.source != source or act.format != "tcx" or act.start_time is None:
                problems.append(f"{source}: source/format/start not filled")
            if act.sport not in SPORTS or act.surface not in SURFACES:
                problems.append(f"{source}: sport {act.sport}, surface {act.surface}")
            if act.timer_time_s is None or act.elapsed_time_s is None:
                problems.append(f"{source}: no timer or elapsed time")
        if row["kind"] == "run" and not all(
                a.sport == "running" and 1_000 < (a.distance_m or 0) < 50_000 for a in acts):
            problems.append(f"{source}: run read as {[(a.sport, a.distance_m) for a in acts]}")
    assert not problems, "\n".join(problems)


# --- quirks on real files ---------------------------------------------------------------------


def test_strava_leading_spaces_before_xml_declaration(corpus: Path) -> None:
    act = only(read_corpus(corpus, "sports-alliance__sports-lib__6281425038.tcx"))
    assert "whitespace before <?xml removed" in act.notes
    assert act.device == "Polar V800"
    # Polar writes run cadence into the core <Cadence>.
    assert act.cadence_source.partition("; ")[0] == "tcx Cadence x2 (per foot)"
    assert 140 <= act.cadence_spm <= 200


def test_undeclared_xsi_prefix_is_repaired(corpus: Path) -> None:
    broken = only(read_corpus(corpus, "corriporai__runpandas__malformed.tcx"))
    intact = only(read_corpus(corpus, "corriporai__runpandas__basic.tcx"))
    assert "undeclared XML prefix xsi: declared" in broken.notes
    assert broken.distance_m == intact.distance_m
    assert broken.start_time == intact.start_time == pd.Timestamp("2012-12-26T21:29:53Z")
    assert broken.device == "Forerunner 410 Software Version 2.20"
    assert broken.name == "Aerobics"  # <Notes>


def test_strava_tcx_with_bogus_maximum_speed_and_redeclared_tpx_namespace(corpus: Path) -> None:
    act = only(read_corpus(corpus, "thomaschampagne__elevate__20180622_ride_1655245835.tcx"))
    assert act.sport == "cycling"
    assert act.distance_m == pytest.approx(39342, abs=1)
    assert act.distance_source == "laps"
    # <MaximumSpeed>64800.0</MaximumSpeed> is ignored: times come from the trackpoints.
    assert 0 < act.moving_time_s <= act.elapsed_time_s == pytest.approx(6998, abs=1)


def test_multisport_session_gives_one_activity_per_sport(corpus: Path) -> None:
    acts = read_corpus(corpus, "GoldenCheetah__GoldenCheetah__activity_165850259_multi-session.tcx")
    assert [a.sport for a in acts] == ["running", "cycling", "running", "cycling"]
    assert all(a.device == "Forerunner305" for a in acts)  # "(Unit ID 3815748186)" cut off
    # The bike legs carry no distance: the lap timer stands in for moving time.
    assert acts[1].distance_m == 0
    assert acts[1].moving_time_s == acts[1].timer_time_s
    assert "moving time from lap timer" in acts[1].notes


def test_polar_core_cadence_is_run_cadence(corpus: Path) -> None:
    act = only(read_corpus(corpus, "GoldenCheetah__sweatpy__3173437224.tcx"))
    assert act.device == "Polar M400"
    assert act.cadence_source.partition("; ")[0] == "tcx Cadence x2 (per foot)"
    assert 140 <= act.cadence_spm <= 200


def test_run_cadence_preferred_over_core_cadence(corpus: Path) -> None:
    act = only(read_corpus(corpus, "sports-alliance__sports-lib__movescount.tcx"))
    assert act.cadence_source.partition("; ")[0] == "tcx TPX RunCadence x2 (per foot)"


def test_treadmill_run_without_positions(corpus: Path) -> None:
    act = only(read_corpus(corpus, "sports-alliance__sports-lib__6860622783.tcx"))
    assert (act.sport, act.sub_sport, act.surface) == ("running", "treadmill", "treadmill")
    assert act.surface_source == "tcx (no positions)"
    assert "no GPS positions: treadmill assumed" in act.notes
    assert act.distance_source == "laps"
    assert act.gps_jumps == 0


def test_local_time_and_offset_in_the_file_name(corpus: Path) -> None:
    act = only(read_corpus(corpus, "corriporai__runpandas__2020-12-02T06_08_29-300_Running.tcx"))
    assert act.start_time == pd.Timestamp("2020-12-02T09:08:29Z")
    assert act.local_start == datetime(2020, 12, 2, 6, 8, 29)
    assert act.local_start_source == "file name"
    assert act.device is None  # no <Creator>


def test_garmin_connect_id_cut_to_the_minute(corpus: Path) -> None:
    act = only(read_corpus(corpus, "sports-alliance__sports-lib__6782987395.tcx"))
    # <Id>09:42:00</Id>, but the first lap and trackpoint say 09:42:23.
    assert act.start_time == pd.Timestamp("2019-06-15T09:42:23Z")


def test_lap_run_cadence_and_trackpoint_cadence_agree(corpus: Path) -> None:
    act = only(read_corpus(corpus, "corriporai__runpandas__run_garmin.tcx"))
    assert act.device == "Garmin Forerunner 620"
    assert act.cadence_source.partition("; ")[0] == "tcx TPX RunCadence x2 (per foot)"
    assert 160 <= act.cadence_spm <= 190


def test_coros_laps_repeating_the_whole_track(corpus: Path) -> None:
    act = only(read_corpus(corpus, "GoldenCheetah__GoldenCheetah__OWswim.tcx"))
    assert "1435 trackpoints repeating earlier times dropped" in act.notes
    assert act.sport == "other"  # Sport="Other": TCX has no word for swimming
    assert act.elapsed_time_s == 1689  # 11:18:16 to 11:46:25, not twice over


def test_lowercase_sport_other_and_biking(corpus: Path) -> None:
    assert only(read_corpus(corpus, "alenrajsp__tcxreader__sup_activity_1.tcx")).sport == "other"
    ride = only(read_corpus(corpus, "alenrajsp__tcxreader__mapmyride_biking.tcx"))
    assert ride.sport == "cycling"
    assert ride.device is None
    assert ride.local_start is None  # <Id> with +00:00 is UTC


# --- the same run in three formats ------------------------------------------------------------


def test_fr945_run_agrees_across_fit_gpx_and_tcx(corpus: Path) -> None:
    stem = "sports-alliance__sports-lib__6782987395"
    as_tcx = only(read_corpus(corpus, f"{stem}.tcx"))
    as_gpx = only(gpx.read((corpus / "gpx" / f"{stem}.gpx").read_bytes(), f"{stem}.gpx",
                           ReadOptions()))
    session = next(fitparse.FitFile(str(corpus / "fit" / f"{stem}.fit")).get_messages("session"))
    fit_distance = session.get_value("total_distance")
    fit_start = pd.Timestamp(session.get_value("start_time"), tz="UTC")

    assert fit_distance == pytest.approx(14_005, abs=10)
    assert as_tcx.distance_m == pytest.approx(fit_distance, rel=0.001)
    assert as_gpx.distance_m == pytest.approx(as_tcx.distance_m, rel=0.02)
    assert abs(as_gpx.cadence_spm - as_tcx.cadence_spm) <= 2
    assert abs((as_gpx.start_time - as_tcx.start_time).total_seconds()) <= 3
    assert abs((as_tcx.start_time - fit_start).total_seconds()) <= 3
    assert as_gpx.elapsed_time_s == as_tcx.elapsed_time_s == pytest.approx(4989, abs=1)
    assert as_gpx.avg_hr == pytest.approx(as_tcx.avg_hr, abs=1)
    assert as_gpx.elevation_gain_m == pytest.approx(as_tcx.elevation_gain_m, rel=0.05)


# --- hand-computed cases on generated files ---------------------------------------------------


def test_lap_distances_and_times_are_summed(tmp_path: Path) -> None:
    text = document(activity(
        lap(0, [steady_run(6, 100, 30)], seconds=149, distance=500.5),
        lap(150, [steady_run(6, 100, 30, start_s=150, start_m=500)], seconds=150.5,
            distance=499.5),
        creator="Forerunner 945 (Geräte-ID 3991234)"))
    act = only(read_text(tmp_path, text))
    assert act.distance_m == 1000
    assert act.distance_source == "laps"
    assert act.timer_time_s == 299.5  # (a timer over the elapsed time would be cut to it)
    assert act.elapsed_time_s == 300
    assert act.moving_time_s == 300
    assert act.device == "Forerunner 945"


def test_latin1_creator_in_a_file_that_claims_utf8(tmp_path: Path) -> None:
    text = document(activity(lap(0, [steady_run()], seconds=300, distance=1000),
                             creator="Forerunner305 (Geräte-ID 3815748186)"))
    act = only(read_text(tmp_path, text.encode("latin-1")))
    assert act.device == "Forerunner305"
    assert any(n.startswith("not valid UTF-8 (byte ") for n in act.notes)


def test_missing_lap_distances_fall_back_to_trackpoint_distance(tmp_path: Path) -> None:
    text = document(activity(lap(0, [steady_run(11, 100, 30)], seconds=300)))
    act = only(read_text(tmp_path, text))
    assert act.distance_m == pytest.approx(1000)
    assert act.distance_source == "samples (device distance)"


def test_no_distances_at_all_fall_back_to_the_track(tmp_path: Path) -> None:
    points = [trackpoint(i * 30, north_m=i * 100) for i in range(11)]
    act = only(read_text(tmp_path, document(activity(lap(0, [points], seconds=300)))))
    assert act.distance_m == pytest.approx(1000, abs=1)
    assert act.distance_source == "track"


def test_lap_pause_between_tracks_is_not_moving_or_distance(tmp_path: Path) -> None:
    # 1 km in 5 min, a 10-minute pause in which the watch moved 1 km, 1 km in 5 min.
    before = [trackpoint(i * 30, north_m=i * 100) for i in range(11)]
    after = [trackpoint(900 + i * 30, north_m=2000 + i * 100) for i in range(11)]
    act = only(read_text(tmp_path, document(activity(lap(0, [before, after], seconds=600)))))
    assert act.distance_m == pytest.approx(2000, abs=2)
    assert act.moving_time_s == 600
    assert act.elapsed_time_s == 1200


def test_trackpoints_without_time_and_an_empty_first_point(tmp_path: Path) -> None:
    points = ["<Trackpoint></Trackpoint>"] + [
        trackpoint(None if i in (4, 5) else i * 30, north_m=i * 100) for i in range(11)]
    act = only(read_text(tmp_path, document(activity(lap(0, [points], seconds=300)))))
    assert act.distance_m == pytest.approx(1000, abs=1)
    assert act.elapsed_time_s == 300
    assert act.start_time == T0


def test_run_cadence_wins_over_core_cadence_and_is_doubled(tmp_path: Path) -> None:
    points = steady_run(11, 100, 30, cadence=60, run_cadence=85)
    act = only(read_text(tmp_path, document(activity(lap(0, [points], seconds=300)))))
    assert act.cadence_spm == 170
    assert act.cadence_source.partition("; ")[0] == "tcx TPX RunCadence x2 (per foot)"


def test_core_cadence_is_not_run_cadence_on_a_bike(tmp_path: Path) -> None:
    points = steady_run(11, 500, 30, cadence=90)
    act = only(read_text(tmp_path, document(activity(lap(0, [points], seconds=300),
                                                     sport="Biking"))))
    assert (act.sport, act.cadence_spm) == ("cycling", None)


def test_doubled_run_cadence_is_not_doubled_again(tmp_path: Path) -> None:
    points = steady_run(11, 100, 30, run_cadence=172)
    act = only(read_text(tmp_path, document(activity(lap(0, [points], seconds=300)))))
    assert act.cadence_spm == 172
    assert act.cadence_source.partition("; ")[0] == "tcx TPX RunCadence (steps/min)"


def test_lap_avg_run_cadence_when_trackpoints_have_none(tmp_path: Path) -> None:
    extra = f'<Extensions><LX xmlns="{AX}"><AvgRunCadence>{{}}</AvgRunCadence></LX></Extensions>'
    text = document(activity(
        lap(0, [steady_run(6, 100, 30)], seconds=150, distance=500, extra=extra.format(84)),
        lap(150, [steady_run(6, 100, 30, start_s=150, start_m=500)], seconds=450, distance=500,
            extra=extra.format(88)),
    ))
    act = only(read_text(tmp_path, text))
    assert act.cadence_spm == 176  # time-weighted median: the 450 s lap
    assert act.cadence_histogram == {168: 150.0, 176: 450.0}
    assert act.cadence_source.partition("; ")[0] == "tcx lap AvgRunCadence x2 (per foot)"


def test_heart_rate_from_laps_when_trackpoints_have_none(tmp_path: Path) -> None:
    text = document(activity(
        lap(0, [steady_run(6, 100, 30)], seconds=100, distance=500, hr=140),
        lap(150, [steady_run(6, 100, 30, start_s=150, start_m=500)], seconds=300, distance=500,
            hr=160)))
    assert only(read_text(tmp_path, text)).avg_hr == pytest.approx(155)


def test_swim_without_trackpoint_times_uses_the_laps(tmp_path: Path) -> None:
    laps = [lap(i * 70, [["<Trackpoint/>"]], seconds=65, distance=50) for i in range(4)]
    act = only(read_text(tmp_path, document(activity(*laps, sport="Other"),
                                            author="Garmin Connect API")))
    assert act.start_time == T0
    assert act.distance_m == 200
    assert act.timer_time_s == 260
    assert act.elapsed_time_s == 3 * 70 + 65
    assert act.moving_time_s == 260
    assert "moving time from lap timer" in act.notes
    assert act.device == "Garmin Connect API"  # no <Creator>: the file's <Author>


def test_several_activities_in_one_file_and_lowercase_sport(tmp_path: Path) -> None:
    text = document(
        activity(lap(0, [steady_run()], seconds=300, distance=1000), sport="running"),
        activity(lap(7200, [steady_run(start_s=7200)], seconds=300, distance=1000),
                 ident=stamp(7200), sport="Biking"),
        activity(sport="Running", ident=stamp(9000)),  # neither laps nor trackpoints
    )
    items = read_text(tmp_path, text, "Multiple-Trainings.tcx")
    assert [a.sport for a in items[:2]] == ["running", "cycling"]
    assert items[1].start_time == T0 + pd.Timedelta(hours=2)
    assert isinstance(items[2], ParseError)
    assert isinstance(items[2], NotAnActivity)
    assert items[2].reason == "activity 3 left out: TCX activity holds neither laps nor trackpoints"
    assert items[2].path == "Multiple-Trainings.tcx"


def test_a_lone_activity_without_any_time_is_refused(tmp_path: Path) -> None:
    untimed = document(activity(lap(0, [[trackpoint(north_m=0), trackpoint(north_m=100)]]))
                       .replace(f' StartTime="{stamp(0)}"', "")
                       .replace(f"<Id>{stamp(0)}</Id>", "<Id>yesterday</Id>"))
    with pytest.raises(ParseError) as info:
        read_text(tmp_path, untimed)
    assert not isinstance(info.value, NotAnActivity)
    assert info.value.reason == "TCX activity has no readable time"


def test_sigma_lap_starting_after_its_first_trackpoint(tmp_path: Path) -> None:
    # negative-pause.tcx: no lap totals, the lap "starts" 7 s after the first trackpoint.
    late_lap = f'<Lap StartTime="{stamp(7)}"><Track>{"".join(steady_run())}</Track></Lap>'
    act = only(read_text(tmp_path, document(activity(late_lap, sport="Biking"))))
    assert act.start_time == T0
    assert act.elapsed_time_s == act.moving_time_s == 300
    assert act.timer_time_s is None
    assert act.distance_m == pytest.approx(1000)


def test_id_with_an_offset_gives_the_local_start(tmp_path: Path) -> None:
    text = document(activity(lap(0, [steady_run()], seconds=300, distance=1000)).replace(
        f'StartTime="{stamp(0)}"', 'StartTime="2021-05-01T09:00:00+02:00"'))
    act = only(read_text(tmp_path, text))
    assert act.start_time == T0
    assert act.local_start == datetime(2021, 5, 1, 9, 0)
    assert act.local_start_source == "file (time offset)"


def test_file_name_time_that_disagrees_is_not_used(tmp_path: Path) -> None:
    text = document(activity(lap(0, [steady_run()], seconds=300, distance=1000)))
    agrees = only(read_text(tmp_path, text, "2021-05-01T09_00_00+200_Running.tcx"))
    assert agrees.local_start == datetime(2021, 5, 1, 9, 0)
    assert agrees.local_start_source == "file name"
    disagrees = only(read_text(tmp_path, text, "2021-05-01T10_00_00+200_Running.tcx"))
    assert disagrees.local_start is None


def test_local_time_from_name_parses_the_offset() -> None:
    assert tcx.local_time_from_name("a/2020-12-02T06_08_29-300_Running.tcx") == (
        datetime(2020, 12, 2, 6, 8, 29), -timedelta(hours=3))
    assert tcx.local_time_from_name("2020-12-02T06_08_29+0530_Run.tcx") == (
        datetime(2020, 12, 2, 6, 8, 29), timedelta(hours=5, minutes=30))
    assert tcx.local_time_from_name("2020-12-02T06_08_29-317_Run.tcx") is None
    assert tcx.local_time_from_name("activity_165850259.tcx") is None


def test_watts_without_namespace_are_harmless(tmp_path: Path) -> None:
    points = [p.replace("</Trackpoint>", "<Extensions><TPX><Watts>200</Watts></TPX>"
                                         "</Extensions></Trackpoint>") for p in steady_run()]
    act = only(read_text(tmp_path, document(activity(lap(0, [points], seconds=300,
                                                          distance=1000), sport="Biking"))))
    assert act.distance_m == 1000


def test_course_is_not_an_activity(tmp_path: Path) -> None:
    course = (f'<?xml version="1.0"?><TrainingCenterDatabase xmlns="{TCD}"><Courses><Course>'
              f'<Name>route-only</Name><Track>{"".join(steady_run())}</Track></Course>'
              f'</Courses></TrainingCenterDatabase>')
    with pytest.raises(NotAnActivity) as info:
        read_text(tmp_path, course, "Route-only.tcx")
    assert info.value.reason == "TCX holds a course (a planned route), not a recorded activity"
    assert info.value.path == "Route-only.tcx"


@pytest.mark.parametrize("data,error,reason", [
    (b"", ParseError, "empty file"),
    (b"<TrainingCenterDatabase><Activities>", ParseError, "not well-formed XML: no element found"),
    (b'<gpx version="1.1"></gpx>', ParseError, "not a TCX file: the root element is <gpx>"),
    (b'<!DOCTYPE t [<!ENTITY e "x">]><TrainingCenterDatabase>&e;</TrainingCenterDatabase>',
     ParseError, "XML entity declarations are not allowed"),
])
def test_unreadable_files_raise_parse_error(
        tmp_path: Path, data: bytes, error: type, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        read_text(tmp_path, data, "bad.tcx")
    assert type(info.value) is error
    assert info.value.reason == reason
    assert info.value.path == "bad.tcx"


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=3000), junk=st.binary(max_size=8))
def test_damaged_files_only_ever_raise_parse_error(cut: int, junk: bytes) -> None:
    text = document(activity(lap(0, [steady_run(6, run_cadence=85, hr=150)], seconds=150,
                                 distance=500))).encode()
    data = text[:cut] + junk + text[cut + len(junk):]
    try:
        items = tcx.read(data, "damaged.tcx", ReadOptions())
    except ParseError as exc:
        assert exc.path == "damaged.tcx"
    else:
        assert all(isinstance(i, (Activity, ParseError)) for i in items)
