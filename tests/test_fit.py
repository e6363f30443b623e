"""FIT reader: every corpus file read or refused with a reason, each quirk of FORMATS.md
sections 3, 4.1 and 5 on its real file, and hand-computed cases on files written here with
the FIT SDK's encoder."""

from __future__ import annotations

import csv
import gzip
import io
import struct
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

import fitparse
import numpy as np
import pandas as pd
import pytest
from fitparse.processors import FitFileDataProcessor
from fitparse.records import DevFieldDefinition
from garmin_fit_sdk import Encoder, Profile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runlog.errors import NotAnActivity, ParseError
from runlog.importers import ReadOptions, fit, fit_fitparse, fit_records
from runlog.model import SPORTS, SURFACES, Activity, to_frame

#: 2021-09-08T01:46:40Z in FIT seconds (seconds since 1989-12-31T00:00:00Z).
START = 1_000_000_000
START_UTC = pd.Timestamp("2021-09-08T01:46:40Z")
#: Wahoo ELEMNT BOLT ride whose developer_data_id has no application_id.
BOLT = "dtcooper__python-fitparse__elemnt-bolt-no-application-id-inside-developer-data-id.fit"


# --- the corpus, read once --------------------------------------------------------------------


@dataclass
class CorpusOutcome:
    """What read() made of one corpus file, and the session messages it decoded on the way."""

    name: str
    kind: str
    note: str
    activities: list[Activity] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    error_class: type | None = None
    error: str = ""
    error_offset: int | None = None


def _read_corpus_file(path: Path, row: dict[str, str]) -> CorpusOutcome:
    """Read one corpus file with fit.read(), tapping the decoder for its session messages so
    the totals can be checked without decoding the file twice."""
    name = row["local_name"]
    outcome = CorpusOutcome(name, row["kind"], row["note"])
    data = path.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    decode = fit.fit_messages

    def tapped(raw: bytes):  # type: ignore[no-untyped-def]
        for item in decode(raw):
            if isinstance(item, fit.FitMessage) and item.name == "session":
                outcome.sessions.append(item.fields)
            yield item

    with mock.patch.object(fit, "fit_messages", tapped):
        try:
            outcome.activities = fit.read(data, name, ReadOptions())  # type: ignore[assignment]
        except Exception as exc:  # noqa: BLE001 - the walk records any error; tests judge it
            outcome.error_class = type(exc)
            outcome.error = str(exc)
            outcome.error_offset = getattr(exc, "offset", None)
    return outcome


@pytest.fixture(scope="module")
def fit_corpus(corpus: Path) -> dict[str, CorpusOutcome]:
    """Every FIT file of the corpus, read once for all the tests here (~20 s in all)."""
    with (corpus / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t")
                if r["local_name"].startswith("fit/")]
    assert rows, "the corpus manifest lists no FIT files"
    outcomes = [_read_corpus_file(corpus / r["local_name"], r) for r in rows]
    return {o.name.removeprefix("fit/"): o for o in outcomes}


def read_ok(fit_corpus: dict[str, CorpusOutcome], name: str) -> list[Activity]:
    outcome = fit_corpus[name]
    assert outcome.error_class is None, outcome.error
    assert outcome.activities and all(isinstance(a, Activity) for a in outcome.activities)
    return outcome.activities


def refused(fit_corpus: dict[str, CorpusOutcome], name: str) -> CorpusOutcome:
    outcome = fit_corpus[name]
    assert outcome.error_class is not None, f"{name} was read: {outcome.activities}"
    return outcome


def only(items: list) -> Activity:  # type: ignore[type-arg]
    assert len(items) == 1, items
    assert isinstance(items[0], Activity)
    return items[0]


# --- FIT files written here -------------------------------------------------------------------


def encode(*messages: tuple[str, dict[str, Any]], developer: dict | None = None) -> bytes:
    """A FIT file of ``(message name, fields)`` in order, written by the FIT SDK's encoder."""
    encoder = Encoder(field_descriptions=developer)
    for name, fields in messages:
        encoder.on_mesg(Profile["mesg_num"][name.upper()], fields)
    return encoder.close()


def file_id(kind: str = "activity") -> tuple[str, dict[str, Any]]:
    return ("file_id", {"type": kind, "manufacturer": "garmin", "product": 3113,
                        "time_created": START})


def records(
    first: int, count: int, *, start_distance: float = 0.0, speed: float = 3.0,
    **fields: Any,
) -> list[tuple[str, dict[str, Any]]]:
    """One record a second from ``first`` (FIT seconds), moving at ``speed`` m/s."""
    return [("record", {"timestamp": first + i, "distance": start_distance + speed * i,
                        "speed": speed, **fields}) for i in range(count)]


def session(first: int, elapsed: float, timer: float | None = None, *,
            sport: str = "running", **fields: Any) -> tuple[str, dict[str, Any]]:
    return ("session", {"timestamp": first + int(elapsed), "start_time": first,
                        "total_elapsed_time": elapsed,
                        "total_timer_time": elapsed if timer is None else timer,
                        "sport": sport, **fields})


def run_file(**session_fields: Any) -> bytes:
    """A 10-minute run at 3 m/s with cadence 85 strides/min: the base of many cases."""
    return encode(file_id(), *records(START, 601, cadence=85, heart_rate=150),
                  session(START, 600.0, total_distance=1800.0, **session_fields))


def read(data: bytes, source: str = "gen.fit") -> list[Activity]:
    items = fit.read(data, source, ReadOptions())
    assert all(isinstance(item, Activity) for item in items)
    to_frame(items)  # type: ignore[arg-type]  # every result must fit the table's schema
    return items  # type: ignore[return-value]


#: A 30-second run: the seed of the damaged-bytes property test.
SMALL_RUN = encode(file_id(), *records(START, 31, cadence=85, heart_rate=150),
                   session(START, 30.0, total_distance=90.0),
                   ("activity", {"timestamp": START + 30, "local_timestamp": START + 3630}))


def header_data_size(data: bytes) -> int:
    return struct.unpack_from("<I", data, 4)[0]


# --- the corpus walk --------------------------------------------------------------------------


def test_every_corpus_fit_file_is_read_or_refused_as_its_kind_says(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    expected_sport = {"run": "running", "bike": "cycling", "swim": "swimming"}
    problems = []
    for name, outcome in sorted(fit_corpus.items()):
        not_activity = "NOT an activity" in outcome.note
        if outcome.error_class is not None:
            if not issubclass(outcome.error_class, ParseError):
                problems.append(f"{name}: {outcome.error_class.__name__}: {outcome.error}")
            elif f"fit/{name}" not in outcome.error:
                problems.append(f"{name}: the error does not name the file: {outcome.error}")
            elif not_activity and not issubclass(outcome.error_class, NotAnActivity):
                problems.append(f"{name}: refused, but not as NotAnActivity: {outcome.error}")
            elif outcome.kind in ("run", "bike", "swim", "other") and not not_activity:
                problems.append(f"{name} ({outcome.kind}) refused: {outcome.error}")
            continue
        if not_activity:
            problems.append(f"{name} is not an activity but was read")
            continue
        sports = {a.sport for a in outcome.activities}
        if outcome.kind in expected_sport and expected_sport[outcome.kind] not in sports:
            problems.append(f"{name} ({outcome.kind}) read as {sorted(sports)}")
        for act in outcome.activities:
            if act.sport not in SPORTS or act.surface not in SURFACES:
                problems.append(f"{name}: sport {act.sport!r}, surface {act.surface!r}")
            if act.source != f"fit/{name}" or act.format != "fit":
                problems.append(f"{name}: source {act.source!r}, format {act.format!r}")
            if act.activity_id is not None or act.athlete is not None:
                problems.append(f"{name}: activity_id/athlete must be left to the pipeline")
        to_frame(outcome.activities)
    assert not problems, "\n".join(problems)


def test_corpus_refusals_give_their_reason(fit_corpus: dict[str, CorpusOutcome]) -> None:
    reasons = {name: (o.error_class, o.error.split(": ", 1)[1])
               for name, o in fit_corpus.items() if o.error_class is not None}
    assert reasons == {
        "dtcooper__python-fitparse__MonitoringFile.fit":
            (NotAnActivity, "a FIT monitoring_b file, not an activity"),
        "dtcooper__python-fitparse__Settings.fit":
            (NotAnActivity, "a FIT settings file, not an activity"),
        "dtcooper__python-fitparse__WorkoutIndividualSteps.fit":
            (NotAnActivity, "a FIT workout file, not an activity"),
        "SamR1__FitTrackee__example.fit": (NotAnActivity, "a FIT course file, not an activity"),
        "martin-ueding__geo-activity-playground__Berlin__0_9_km_.fit":
            (NotAnActivity, "a FIT course file, not an activity"),
        "muktihari__fit__valid_only_contain_fileid.fit":
            (NotAnActivity, "no session and a single record"),
        "sports-alliance__sports-lib__empty-sessions.fit": (ParseError, "empty file (at byte 0)"),
    }


#: Files whose session distance only a developer field holds (Concept2 rowing via Connect IQ).
DEVELOPER_SESSION_DISTANCE = {"dtcooper__python-fitparse__20170518-191602-1740899583.fit": 6163.0}


def test_session_totals_are_taken_as_written(fit_corpus: dict[str, CorpusOutcome]) -> None:
    """Done-when: for every FIT with a session, distance and timer time equal the session's."""
    checked = 0
    for name, outcome in sorted(fit_corpus.items()):
        if outcome.error_class is not None or not outcome.sessions:
            continue
        assert len(outcome.activities) == len(outcome.sessions), name
        expected = []
        for s in outcome.sessions:
            timer, elapsed = s.get("total_timer_time"), s.get("total_elapsed_time")
            if timer is not None and elapsed is not None and timer > elapsed + 60:
                timer = elapsed  # written the wrong way round; the reader swaps and notes it
            if timer is not None and elapsed is not None:
                timer = min(timer, elapsed)  # a timer a rounding over the clock is cut to it
            distance = s.get("total_distance")
            # Where runlog reads more than fitparse: a developer field declaring native field 9
            # (total_distance) stands in for the session's empty (0 m) one.
            distance = DEVELOPER_SESSION_DISTANCE.get(name, distance) if not distance else distance
            expected.append((distance, timer))
        got = [(a.distance_m if (a.distance_source or "").startswith("session") else None,
                a.timer_time_s) for a in outcome.activities]
        assert sorted(got, key=repr) == sorted(expected, key=repr), name
        checked += 1
    assert checked >= 75


def test_running_cadence_comes_out_in_steps_per_minute(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    cadences = {}
    for name, outcome in fit_corpus.items():
        for act in outcome.activities:
            if act.sport == "running" and act.cadence_spm is not None:
                assert 140 <= act.cadence_spm <= 200, (name, act.cadence_spm)
                assert "x2 (per foot)" in act.cadence_source, (name, act.cadence_source)
                cadences[name] = act.cadence_spm
    assert len(cadences) >= 25
    assert 160 <= pd.Series(cadences).median() <= 180
    # fenix 5: record.cadence + fractional_cadence (x.5 values), doubled.
    fenix = only(read_ok(fit_corpus, "dtcooper__python-fitparse__garmin-fenix-5-run.fit"))
    assert (fenix.cadence_source.partition("; ")[0]
            == "fit record.cadence+fractional_cadence x2 (per foot)")
    # COROS writes whole strides/min without a fraction.
    coros = only(read_ok(fit_corpus, "sports-alliance__sports-lib__6916663933.fit"))
    assert coros.cadence_source.partition("; ")[0] == "fit record.cadence x2 (per foot)"


# --- quirks, each on its real file ------------------------------------------------------------


def test_multisport_file_splits_into_one_activity_per_session(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    fr945 = read_ok(fit_corpus, "muktihari__fit__activity_multisport.fit")
    assert [(a.sport, a.sub_sport) for a in fr945] == [("cycling", "mountain"),
                                                       ("running", "trail")]
    triathlon = read_ok(fit_corpus, "GoldenCheetah__GoldenCheetah__MultiSport-2019-11-24.fit")
    assert [a.sport for a in triathlon] == ["swimming", "transition", "cycling", "transition",
                                             "running"]
    assert [round(a.distance_m / 1000, 1) for a in triathlon] == [3.9, 0.7, 179.4, 0.1, 34.7]
    starts = [a.start_time for a in triathlon]
    assert starts == sorted(starts)


def test_summary_first_triathlon_equals_summary_last(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    first = read_ok(fit_corpus, "muktihari__fit__triathlon_summary_first.fit")
    last = read_ok(fit_corpus, "muktihari__fit__triathlon_summary_last.fit")
    assert len(first) == 5
    strip = ("source",)
    assert ([{k: v for k, v in a.to_record().items() if k not in strip} for a in first]
            == [{k: v for k, v in a.to_record().items() if k not in strip} for a in last])


def test_chained_triathlon_in_four_fit_files_gives_five_activities(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    acts = read_ok(fit_corpus, "dtcooper__python-fitparse__sample_mulitple_header.fit")
    assert [(a.sport, a.name) for a in acts] == [
        ("swimming", "Open Water"), ("transition", None), ("cycling", "Bike"),
        ("transition", None), ("running", "Run")]
    assert [n for a in acts for n in a.notes if "GPS points dropped" not in n] == []


def test_two_chained_activities_of_different_sports_are_both_read(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    acts = read_ok(fit_corpus, "muktihari__fit__chained_Activity_activity_poolswim.fit")
    assert [(a.sport, a.sub_sport) for a in acts] == [("paddling", None),
                                                      ("swimming", "lap_swimming")]
    # Both start at the same second: records must stay with their own file's session.
    assert acts[0].start_time == acts[1].start_time
    assert acts[1].distance_m == pytest.approx(457.2)


def test_chained_settings_file_is_skipped(fit_corpus: dict[str, CorpusOutcome]) -> None:
    act = only(read_ok(fit_corpus, "dtcooper__python-fitparse__activity-settings.fit"))
    assert act.notes == []
    assert act.distance_m == pytest.approx(5.73)


@pytest.mark.parametrize(("name", "note"), [
    ("dtcooper__python-fitparse__activity-settings-corruptheader.fit",
     "no FIT header after the first file"),
    ("dtcooper__python-fitparse__activity-settings-nodata.fit", "truncated at byte 783"),
])
def test_corrupt_later_member_is_noted_not_fatal(
    fit_corpus: dict[str, CorpusOutcome], name: str, note: str,
) -> None:
    act = only(read_ok(fit_corpus, name))
    assert act.notes == [note]
    assert (act.sport, act.distance_m, act.timer_time_s) == ("running", 5.73, 13.749)


def test_bad_file_crc_is_read_with_a_note(fit_corpus: dict[str, CorpusOutcome]) -> None:
    act = only(read_ok(fit_corpus, "dtcooper__python-fitparse__activity-filecrc.fit"))
    assert act.notes == ["file CRC mismatch"]
    good = only(read_ok(fit_corpus, "dtcooper__python-fitparse__Activity.fit"))
    assert good.notes == []
    assert act.to_record() | {"notes": [], "source": ""} == good.to_record() | {"source": ""}
    both = read_ok(fit_corpus, "dtcooper__python-fitparse__activity-activity-filecrc.fit")
    assert len(both) == 2 and all("file CRC mismatch" in a.notes for a in both)


def test_truncated_file_is_salvaged_with_a_note(fit_corpus: dict[str, CorpusOutcome]) -> None:
    cut = only(read_ok(fit_corpus, "dtcooper__python-fitparse__activity-unexpected-eof.fit"))
    assert cut.notes == ["truncated at byte 724"]
    assert (cut.distance_m, cut.distance_source, cut.timer_time_s) == (5.73, "session", 13.749)
    # Unterminated and without a session: the records up to the break make the activity.
    nick = only(read_ok(fit_corpus, "dtcooper__python-fitparse__nick.fit"))
    assert "no session message: totals from records" in nick.notes
    assert "truncated at byte 403437" in nick.notes
    assert nick.sport == "cycling" and nick.distance_source == "samples (device distance)"
    assert nick.distance_m == pytest.approx(113_550, abs=100)


def test_undefined_local_message_keeps_what_came_before(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    act = only(read_ok(fit_corpus,
                       "dtcooper__python-fitparse__strava-android-app-201.10-b1218918.fit"))
    # The Strava app writes its session first, so the totals survive the break at 7471.
    assert (act.distance_m, act.timer_time_s, act.sport) == (11274.04, 3558.0, "running")
    assert any(n.startswith("unreadable from byte 7471 (") for n in act.notes)
    assert "records cover only 9% of the session" in act.notes
    # A fragment of the records gives no moving time: the timer's is kept.
    assert act.moving_time_s == 3558.0
    assert act.device == "strava 102"


def test_misaligned_field_sizes_are_read_as_bytes(fit_corpus: dict[str, CorpusOutcome]) -> None:
    act = only(read_ok(fit_corpus,
                       "dtcooper__python-fitparse__coros-pace-2-cycling-misaligned-fields.fit"))
    assert act.notes == []
    assert (act.sport, act.distance_m, act.timer_time_s) == ("cycling", 32145.76, 11287.0)


def test_header_data_size_zero_is_read_to_the_end(fit_corpus: dict[str, CorpusOutcome]) -> None:
    act = only(read_ok(fit_corpus, "sports-alliance__sports-lib__empty-activities.fit"))
    assert act.notes[-2:] == ["header data size 0: read to the end of the file",
                              "truncated at byte 86008"]
    assert act.start_time == pd.Timestamp("2016-01-16T14:33:51Z")
    assert act.elapsed_time_s == 2318.0


def test_zero_byte_file_is_refused_at_byte_0(fit_corpus: dict[str, CorpusOutcome]) -> None:
    outcome = refused(fit_corpus, "sports-alliance__sports-lib__empty-sessions.fit")
    assert outcome.error_class is ParseError and outcome.error_offset == 0


def test_relative_timestamps_give_no_start_time(fit_corpus: dict[str, CorpusOutcome]) -> None:
    for name in ("dtcooper__python-fitparse__compressed-speed-distance.fit",
                 "dtcooper__python-fitparse__antfs-dump.63.fit"):
        act = only(read_ok(fit_corpus, name))
        assert act.start_time is None and act.local_start is None
        assert "device clock not set: no real date" in act.notes
        assert act.sport == "running"
    fr70 = only(read_ok(fit_corpus, "dtcooper__python-fitparse__compressed-speed-distance.fit"))
    # compressed_speed_distance gives the records their distance; the session its totals.
    assert (fr70.distance_m, fr70.timer_time_s) == (10248.67, 3772.75)
    assert fr70.cadence_spm == pytest.approx(178, abs=6)


@pytest.mark.parametrize("name", ["SamR1__FitTrackee__example.fit",
                                  "martin-ueding__geo-activity-playground__Berlin__0_9_km_.fit"])
def test_course_file_is_refused_as_not_an_activity(
    fit_corpus: dict[str, CorpusOutcome], name: str,
) -> None:
    outcome = refused(fit_corpus, name)
    assert outcome.error_class is NotAnActivity
    assert outcome.error == f"fit/{name}: a FIT course file, not an activity"


@pytest.mark.parametrize(("name", "surface"), [
    ("sports-alliance__sports-lib__6860622783.fit", "treadmill"),
    ("sports-alliance__sports-lib__6909950168.fit", "trail"),
    ("GoldenCheetah__GoldenCheetah__4077461142.fit", "trail"),
    ("thomaschampagne__elevate__loup-blanc.fit", "trail"),
])
def test_sub_sport_gives_the_surface(
    fit_corpus: dict[str, CorpusOutcome], name: str, surface: str,
) -> None:
    act = only(read_ok(fit_corpus, name))
    assert (act.sport, act.sub_sport, act.surface) == ("running", surface, surface)
    assert act.surface_source == "fit sub_sport"


def test_unset_sub_sport_leaves_the_surface_unknown(fit_corpus: dict[str, CorpusOutcome]) -> None:
    act = only(read_ok(fit_corpus, "dtcooper__python-fitparse__activity-small-fenix2-run.fit"))
    assert (act.sport, act.sub_sport, act.surface, act.surface_source) == (
        "running", None, "unknown", None)


def test_local_start_from_the_activity_local_timestamp(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    sdk = only(read_ok(fit_corpus, "dtcooper__python-fitparse__Activity.fit"))
    assert sdk.start_time == pd.Timestamp("2012-04-09T21:22:26Z")
    assert sdk.local_start == datetime(2012, 4, 9, 17, 22, 26)  # UTC-4
    assert sdk.local_start_source == "file"
    nz = only(read_ok(fit_corpus, "thomaschampagne__elevate__kaiteriteri.fit"))
    assert nz.local_start == datetime(2020, 1, 7, 11, 33)  # UTC+13, the next day
    # A session without an activity message: local_start is left to the pipeline.
    no_activity = only(read_ok(fit_corpus, "sports-alliance__sports-lib__broken-dates.fit"))
    assert no_activity.local_start is None and no_activity.local_start_source is None


def test_bogus_multi_day_elapsed_time_is_replaced_by_the_record_span(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    for name, days in (("sports-alliance__sports-lib__27-days-activity.fit", 27.9),
                       ("sports-alliance__sports-lib__31-days-activity.fit", 30.7)):
        act = only(read_ok(fit_corpus, name))
        assert f"session elapsed time of {days} days is bogus: record span used" in act.notes
        assert act.timer_time_s <= act.elapsed_time_s < 3 * 3600


def test_session_without_start_time_and_shared_timestamps(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    act = only(read_ok(fit_corpus, "sports-alliance__sports-lib__broken-dates.fit"))
    assert act.start_time == pd.Timestamp("2017-03-20T19:09:28Z")  # the first record's
    assert act.distance_m == 3599.62 and act.elapsed_time_s == 658.083
    assert "records sharing a timestamp merged (2622)" in act.notes
    assert act.device == "1052 1052"


def test_session_without_records_keeps_the_session_totals(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    act = only(read_ok(fit_corpus, "GoldenCheetah__GoldenCheetah__2012_02_05_09_03_59.fit"))
    assert (act.timer_time_s, act.elapsed_time_s, act.moving_time_s) == (18.71, 38.35, 18.71)
    assert act.avg_hr == 107.0


def test_no_session_message_gives_totals_from_records(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    act = only(read_ok(fit_corpus, "muktihari__fit__activity_truncated.fit"))
    assert act.notes == ["no session message: totals from records"]
    assert act.distance_source == "samples (device distance)"
    assert act.distance_m == pytest.approx(5.71)
    assert act.elapsed_time_s == 13.0
    developer = only(read_ok(fit_corpus, "dtcooper__python-fitparse__DeveloperData.fit"))
    assert developer.start_time is None and "no start time in the file" in developer.notes


def test_timer_longer_than_elapsed_is_swapped(fit_corpus: dict[str, CorpusOutcome]) -> None:
    act = only(read_ok(fit_corpus, "sports-alliance__sports-lib__inverted-times.fit"))
    assert (act.timer_time_s, act.elapsed_time_s) == (2839.6, 21680.0)
    assert "session timer and elapsed times swapped: the timer was the longer" in act.notes


def test_pool_swim_moving_time_falls_back_to_the_timer(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    # Records carry a distance once a length: their moving time would be seconds.
    act = only(read_ok(fit_corpus, "sports-alliance__sports-lib__6688025408.fit"))
    assert act.moving_time_s == act.timer_time_s == 3963.128


def test_developer_fields_and_unknown_messages_do_not_disturb(
    fit_corpus: dict[str, CorpusOutcome],
) -> None:
    # FR955 with Stryd dev fields (Cadence shadows record.cadence), hrv, gps_metadata and
    # thousands of unknown_233 messages.
    fr955 = only(read_ok(fit_corpus, "GoldenCheetah__GoldenCheetah__14211916346_ACTIVITY.fit"))
    assert [n for n in fr955.notes if "GPS points dropped" not in n] == []
    assert (fr955.cadence_source.partition("; ")[0]
            == "fit record.cadence+fractional_cadence x2 (per foot)")
    assert fr955.distance_m == pytest.approx(19_100, abs=100)
    bolt = only(read_ok(fit_corpus, BOLT))
    assert bolt.sport == "cycling" and bolt.notes == []


def test_device_and_sport_message_name(fit_corpus: dict[str, CorpusOutcome]) -> None:
    fenix = only(read_ok(fit_corpus, "GoldenCheetah__GoldenCheetah__4077461142.fit"))
    assert fenix.name == "Trail Run"
    fr935 = only(read_ok(fit_corpus, "thomaschampagne__elevate__portland.fit"))
    assert fr935.device == "garmin fr935"
    wahoo = only(read_ok(fit_corpus, "tormoder__fit__unterminated-strings.fit"))
    assert wahoo.device == "wahoo_fitness 37" and wahoo.sub_sport == "indoor_cycling"


def test_strava_export_copy_equals_the_device_file(fit_corpus: dict[str, CorpusOutcome]) -> None:
    original = only(read_ok(
        fit_corpus, "martin-ueding__geo-activity-playground__2022-05-29-15-53-35_Laufen_"
                    "Landal_Park.fit"))
    export = only(read_ok(fit_corpus, "martin-ueding__geo-activity-playground__12866632127.fit.gz"))
    for name in ("start_time", "sport", "distance_m", "timer_time_s", "elapsed_time_s"):
        assert getattr(original, name) == getattr(export, name), name
    # The export lost fractional_cadence; whole strides give the same median here.
    assert export.cadence_source.partition("; ")[0] == "fit record.cadence x2 (per foot)"
    assert abs(original.cadence_spm - export.cadence_spm) <= 2


class _RawValues(FitFileDataProcessor):
    """fitparse's processors off: date_time values stay raw FIT seconds, as the reader's."""

    def run_type_processor(self, field_data: Any) -> None:
        pass

    def run_field_processor(self, field_data: Any) -> None:
        pass

    def run_unit_processor(self, field_data: Any) -> None:
        pass


class _FitparseDataPath(fit_fitparse.ReaderFitFile):
    """The reader's decoder with fitparse's own data-message path put back."""

    _parse_data_message = fitparse.FitFile._parse_data_message


def test_quick_data_path_decodes_as_fitparse_does(corpus: Path) -> None:
    """The reader unpacks data messages itself; fitparse's own (slow) path must give the same
    messages on files with compressed timestamps, accumulated components, developer data,
    subfields and chained members."""
    for name in ("dtcooper__python-fitparse__compressed-speed-distance.fit",
                 "dtcooper__python-fitparse__event_timestamp.fit",
                 BOLT,
                 "dtcooper__python-fitparse__garmin-fenix-5-run.fit",
                 "muktihari__fit__activity_multisport.fit"):
        data = (corpus / "fit" / name).read_bytes()
        quick = [(m.name, m.fields) for m in fit.fit_messages(data, fast=False)
                 if isinstance(m, fit.FitMessage)]
        decoder = _FitparseDataPath(io.BytesIO(data), check_crc=False,
                                    data_processor=_RawValues())
        reference = [(m.name, {f.name: f.value for f in m.fields
                               if not isinstance(f.field_def, DevFieldDefinition)})
                     for m in decoder.get_messages()]
        assert len(quick) > 50 and quick == reference, name


# --- hand-computed cases on generated files ---------------------------------------------------


def test_cadence_85_plus_fraction_64_is_171_steps_per_minute() -> None:
    data = encode(file_id(), *records(START, 601, cadence=85, fractional_cadence=64 / 128),
                  session(START, 600.0, total_distance=1800.0))
    act = only(read(data))
    assert act.cadence_spm == 171.0
    assert (act.cadence_source.partition("; ")[0]
            == "fit record.cadence+fractional_cadence x2 (per foot)")
    assert act.cadence_histogram == {171: 600.0}


def test_whole_record_cadence_is_doubled() -> None:
    act = only(read(run_file()))
    assert act.cadence_spm == 170.0
    assert act.cadence_source.partition("; ")[0] == "fit record.cadence x2 (per foot)"
    assert (act.distance_m, act.distance_source) == (1800.0, "session")
    assert (act.timer_time_s, act.elapsed_time_s, act.moving_time_s) == (600.0, 600.0, 600.0)
    assert act.avg_hr == 150.0  # from the records: the session has none
    assert act.start_time == START_UTC
    assert act.device == "garmin 3113"


def test_session_cadence_is_used_when_records_have_none() -> None:
    data = encode(file_id(), *records(START, 601),
                  session(START, 600.0, total_distance=1800.0, avg_cadence=84,
                          avg_fractional_cadence=0.25))
    act = only(read(data))
    assert act.cadence_spm == 168.5  # 2 x (84 + 32/128)
    assert act.cadence_source == "fit session.avg_running_cadence x2 (per foot)"


def test_developer_cadence_does_not_shadow_the_native_cadence() -> None:
    developer = {"stryd": {
        "developer_data_id_mesg": {"developer_data_index": 0, "application_version": 1},
        "field_description_mesg": {"developer_data_index": 0, "field_definition_number": 0,
                                   "fit_base_type_id": 2, "field_name": "cadence",
                                   "units": "RPM", "native_field_num": 4}}}
    data = encode(file_id(),
                  ("developer_data_id", developer["stryd"]["developer_data_id_mesg"]),
                  ("field_description", developer["stryd"]["field_description_mesg"]),
                  *[(name, fields | {"developer_fields": {"stryd": 95}})
                    for name, fields in records(START, 601, cadence=85)],
                  session(START, 600.0), developer=developer)
    assert only(read(data)).cadence_spm == 170.0


def test_run_with_a_pause_moving_time_from_the_records() -> None:
    # 600 s at 3 m/s, the timer stopped for 300 s, 600 s more: 599 + 599 one-second moving
    # steps; the step over the pause covers 3 m in 301 s and is not moving.
    data = encode(file_id(), *records(START, 600),
                  *records(START + 900, 600, start_distance=1800.0),
                  session(START, 1499.0, 1199.0, total_distance=3597.0))
    act = only(read(data))
    assert act.moving_time_s == 1198.0
    assert (act.timer_time_s, act.elapsed_time_s, act.distance_m) == (1199.0, 1499.0, 3597.0)


def test_records_split_over_one_timestamp_are_merged() -> None:
    # The Strava app writes position/speed and distance as two records of the same second;
    # apart, each step would be either zero seconds or zero metres: no moving time at all.
    split = [("record", {"timestamp": START + i, "speed": 3.0, "heart_rate": 150})
             for i in range(601)]
    split += [("record", {"timestamp": START + i, "distance": 3.0 * i}) for i in range(601)]
    split.sort(key=lambda message: message[1]["timestamp"])
    act = only(read(encode(file_id(), *split, session(START, 600.0, total_distance=1800.0))))
    assert act.moving_time_s == 600.0
    assert act.notes == ["records sharing a timestamp merged (601)"]


def test_session_moving_time_wins_over_the_records() -> None:
    act = only(read(run_file(total_moving_time=555.0)))
    assert act.moving_time_s == 555.0


def test_two_sessions_take_their_own_records() -> None:
    # A run (hr 140, cadence 85) and a ride (hr 160, cadence 90 rpm) back to back; the record
    # at 600 s ends the run's range and starts the ride's: it belongs to the ride.
    data = encode(file_id(),
                  *records(START, 600, cadence=85, heart_rate=140),
                  *records(START + 600, 601, speed=8.0, cadence=90, heart_rate=160),
                  session(START, 600.0, total_distance=1797.0),
                  session(START + 600, 600.0, sport="cycling", total_distance=4800.0))
    run, ride = read(data)
    assert (run.sport, run.avg_hr, run.cadence_spm) == ("running", 140.0, 170.0)
    assert (ride.sport, ride.avg_hr, ride.cadence_spm) == ("cycling", 160.0, None)
    assert ride.start_time == START_UTC + pd.Timedelta(seconds=600)


def test_sessions_written_first_give_the_same_activities() -> None:
    body = records(START, 601, cadence=86)
    summary = [session(START, 600.0, total_distance=1800.0),
               ("activity", {"timestamp": START + 600, "local_timestamp": START + 600 + 3600})]
    last = read(encode(file_id(), *body, *summary))
    first = read(encode(file_id(), *summary, *body))
    assert [a.to_record() for a in first] == [a.to_record() for a in last]
    assert first[0].local_start == datetime(2021, 9, 8, 2, 46, 40)


@pytest.mark.parametrize(("offset_s", "local"), [
    (7200 + 13, datetime(2021, 9, 8, 3, 46, 40)),    # rounded to the quarter hour
    (-5 * 3600, datetime(2021, 9, 7, 20, 46, 40)),
    (5 * 3600 + 1800, datetime(2021, 9, 8, 7, 16, 40)),
])
def test_local_start_offset_is_rounded_to_the_quarter_hour(offset_s: int, local: datetime) -> None:
    data = encode(file_id(), *records(START, 61),
                  session(START, 60.0),
                  ("activity", {"timestamp": START + 60, "local_timestamp": START + 60 + offset_s}))
    act = only(read(data))
    assert (act.local_start, act.local_start_source) == (local, "file")


def test_device_clock_not_set_gives_no_start_time() -> None:
    first = 17_217_864  # seconds since power-on, as the FR70 writes them
    data = encode(file_id(), *records(first, 601, cadence=85), session(first, 600.0))
    act = only(read(data))
    assert act.start_time is None
    assert act.notes == ["device clock not set: no real date"]
    assert (act.elapsed_time_s, act.cadence_spm) == (600.0, 170.0)


def test_start_time_in_the_future_is_no_date() -> None:
    soon = int(pd.Timestamp.now(tz="UTC").timestamp()) - fit_records.FIT_EPOCH_S + 10 * 86400
    act = only(read(encode(file_id(), *records(soon, 61), session(soon, 60.0))))
    assert act.start_time is None
    assert act.notes == ["start time lies in the future: no real date"]


def test_month_long_session_elapsed_time_becomes_the_record_span() -> None:
    data = encode(file_id(), *records(START, 3601), session(START, 30 * 86400.0, 3600.0))
    act = only(read(data))
    assert act.elapsed_time_s == 3600.0
    assert act.notes == ["session elapsed time of 30.0 days is bogus: record span used"]


def test_long_pause_is_not_taken_for_a_bogus_elapsed_time() -> None:
    # Two hours at a café with the timer stopped: the records span it, the elapsed time holds.
    data = encode(file_id(), *records(START, 1800), *records(START + 9000, 1801),
                  session(START, 10800.0, 3600.0))
    act = only(read(data))
    assert act.elapsed_time_s == 10800.0 and act.notes == []


def test_sport_and_name_from_the_sport_message_when_the_session_has_none() -> None:
    data = encode(file_id(), ("sport", {"sport": "running", "sub_sport": "generic",
                                        "name": "Trail Run"}),
                  *records(START, 61), ("session", {"timestamp": START + 60,
                                                    "start_time": START,
                                                    "total_elapsed_time": 60.0,
                                                    "total_timer_time": 60.0}))
    act = only(read(data))
    assert (act.sport, act.sub_sport, act.name) == ("running", None, "Trail Run")
    assert (act.surface, act.surface_source) == ("trail", "activity name")


def test_no_sport_anywhere_is_other() -> None:
    data = encode(file_id(), *records(START, 61))
    act = only(read(data))
    assert act.sport == "other"
    assert act.notes == ["no session message: totals from records"]
    assert (act.distance_m, act.elapsed_time_s) == (180.0, 60.0)


@pytest.mark.parametrize("kind", ["course", "settings", "workout", "monitoring_b"])
def test_other_file_types_are_not_activities(kind: str) -> None:
    data = encode(file_id(kind), *records(START, 61))
    with pytest.raises(NotAnActivity, match=f"^gen.fit: a FIT {kind} file, not an activity$"):
        fit.read(data, "gen.fit", ReadOptions())


def test_file_id_alone_is_not_an_activity() -> None:
    with pytest.raises(NotAnActivity, match="no records or sessions"):
        fit.read(encode(file_id()), "gen.fit", ReadOptions())


def test_missing_file_type_is_read() -> None:
    data = encode(("file_id", {"manufacturer": "garmin"}), *records(START, 61),
                  session(START, 60.0))
    assert only(read(data)).sport == "running"


# --- integrity on generated files -------------------------------------------------------------


def test_flipped_crc_is_noted() -> None:
    data = bytearray(run_file())
    data[-1] ^= 0xFF
    act = only(read(bytes(data)))
    assert act.notes == ["file CRC mismatch"]
    assert fit.fit_crc(data[:-2]) == int.from_bytes(run_file()[-2:], "little")


def test_cut_in_the_records_keeps_the_records_before_the_cut() -> None:
    data = encode(file_id(), *records(START, 601, cadence=85))
    cut = data[: len(data) // 2 + 3]
    act = only(read(cut))
    assert act.notes[0] == "no session message: totals from records"
    assert act.notes[-1].startswith("truncated at byte ")
    offset = int(act.notes[-1].rsplit(" ", 1)[1])
    assert len(data) // 2 - 40 < offset <= len(cut)
    assert act.elapsed_time_s == pytest.approx(offset / len(data) * 600, abs=5)


def test_cut_before_any_record_is_refused_with_the_offset() -> None:
    data = run_file()
    with pytest.raises(ParseError) as caught:
        fit.read(data[:30], "cut.fit", ReadOptions())
    assert str(caught.value).startswith("cut.fit: truncated at byte ")
    assert caught.value.offset is not None and 14 <= caught.value.offset <= 30


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty file"),
    (b"<?xml version='1.0'?><gpx/>", "not a FIT file"),
    (b"\x0e\x10", "too short for a FIT file (2 bytes)"),
])
def test_not_fit_bytes_are_refused_at_byte_0(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        fit.read(data, "x.fit", ReadOptions())
    assert caught.value.reason == reason and caught.value.offset == 0
    assert not isinstance(caught.value, NotAnActivity)


def test_chained_files_are_each_read_and_trailing_garbage_noted() -> None:
    ride = encode(file_id(), *records(START + 3600, 61, speed=8.0),
                  session(START + 3600, 60.0, sport="cycling"))
    run = run_file()
    acts = read(run + ride + b"garbage-after-the-end")
    assert [a.sport for a in acts] == ["running", "cycling"]
    assert all(a.notes == ["no FIT header after the first file"] for a in acts)


def test_header_data_size_zero_reads_to_the_end() -> None:
    data = bytearray(run_file())
    assert header_data_size(data) > 0
    data[4:8] = bytes(4)
    act = only(read(bytes(data[:-2])))  # a recorder that died: no CRC either
    assert act.notes[0] == "header data size 0: read to the end of the file"
    assert act.distance_m == 1800.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(0, 2000), flips=st.lists(st.tuples(st.integers(0, 2000),
                                                           st.integers(1, 255)), max_size=4))
def test_damaged_bytes_give_activities_or_a_parse_error(
    cut: int, flips: list[tuple[int, int]],
) -> None:
    data = bytearray(SMALL_RUN[: max(cut, 1)] if cut < len(SMALL_RUN) else SMALL_RUN)
    for where, mask in flips:
        if where < len(data):
            data[where] ^= mask
    try:
        items = fit.read(bytes(data), "fuzz.fit", ReadOptions())
    except ParseError as exc:
        assert str(exc).startswith("fuzz.fit: ")
        assert "FIT reader failed" not in str(exc), "an unexpected error reached the boundary"
    else:
        assert items and all(isinstance(i, Activity) for i in items)
        to_frame(items)  # type: ignore[arg-type]



# --- record columns -----------------------------------------------------------------------------

COLUMN_READS = [("timestamp",), ("cadence",), ("fractional_cadence",), ("position_lat",),
                ("position_long",), ("enhanced_altitude", "altitude"), ("distance",),
                ("enhanced_speed", "speed"), ("heart_rate",)]


def assert_columns_as_one_by_one(records: list[dict[str, Any]]) -> bool:
    """RecordColumns (all fields in one conversion) gives what first_number_column gives
    field by field; True when it took the one-conversion way."""
    columns = fit_records.RecordColumns(records, fit_records.RECORD_FIELDS)
    for names in COLUMN_READS:
        np.testing.assert_array_equal(
            columns(*names), fit_records.first_number_column(records, *names),
            err_msg=str(names))
    return columns.table is not None


def test_record_columns_in_one_conversion_equal_one_by_one(corpus: Path) -> None:
    one_conversion = 0
    for path in sorted((corpus / "fit").iterdir()):
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        # Records as dicts (fitparse's): runlog's decoder gives them as columns already.
        records = [m.fields for m in fit.fit_messages(data, fast=False)
                   if isinstance(m, fit.FitMessage) and m.name == "record"]
        if records:
            one_conversion += assert_columns_as_one_by_one(records)
    assert one_conversion >= 20
    # An array, a text or a bool among the values: field by field, as before.
    odd = [{"timestamp": 1, "heart_rate": 140, "speed": 2.5},
           {"timestamp": 2, "heart_rate": [140, 141], "altitude": 300.0},
           {"timestamp": 3, "heart_rate": "n/a", "enhanced_speed": True},
           {"timestamp": 4, "distance": None, "cadence": 80}]
    assert not assert_columns_as_one_by_one(odd)
    assert not assert_columns_as_one_by_one([{"heart_rate": "140"}, {"heart_rate": b"x"}])
    assert assert_columns_as_one_by_one(odd[:1] + odd[3:])
    assert not assert_columns_as_one_by_one([])


def test_developer_heart_rate_fills_the_records_without_one_in_both_decoders() -> None:
    """A chest strap app's heart rate (a developer field naming native field 3) fills the
    records whose own heart rate is absent or 0, and only those, whether the records come
    as a table (runlog's decoder) or as dicts (fitparse)."""
    developer = {"strap": {
        "developer_data_id_mesg": {"developer_data_index": 0, "application_version": 1},
        "field_description_mesg": {"developer_data_index": 0, "field_definition_number": 0,
                                   "fit_base_type_id": 2, "field_name": "strap hr",
                                   "units": "bpm", "native_field_num": 3}}}
    rows = []
    for i, (name, fields) in enumerate(records(START, 601)):
        own = {} if i % 3 == 0 else {"heart_rate": 0} if i % 3 == 1 else {"heart_rate": 150}
        rows.append((name, fields | own | {"developer_fields": {"strap": 120 + i % 5}}))
    data = encode(file_id(),
                  ("developer_data_id", developer["strap"]["developer_data_id_mesg"]),
                  ("field_description", developer["strap"]["field_description_mesg"]),
                  *rows, session(START, 600.0), developer=developer)
    fast = only(fit.activities_from_messages(fit.fit_messages(data), "gen.fit"))
    reference = only(fit.activities_from_messages(fit.fit_messages(data, fast=False),
                                                  "gen.fit"))
    assert any(isinstance(m, fit.FitTable) and m.developer for m in fit.fit_messages(data))
    # 401 of the 601 records take the strap's 120-124 bpm, 200 keep their own 150.
    expected = (401 * 122 + 200 * 150) / 601
    assert fast.avg_hr == reference.avg_hr and abs(fast.avg_hr - expected) < 1.0
    assert fast.notes == reference.notes
    assert any("developer field 'strap hr' (401 records)" in note for note in fast.notes)
