"""runlog's FIT decoder against fitparse, the reference: on every FIT file of the corpus, on
files written by the FIT SDK's encoder and on files written byte by byte here (endianness,
compressed timestamps, developer fields, odd field sizes, cuts), both decoders give the same
messages (the fields the reader uses), the same activities (every column of the table) and
the same samples; where runlog's cannot, it hands the file to fitparse and says so."""

from __future__ import annotations

import csv
import gzip
import random
import struct
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd
import pytest
from fitparse.profile import MESSAGE_TYPES
from garmin_fit_sdk import Encoder, Profile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runlog.errors import ParseError
from runlog.importers import fit, fit_decode, fit_records
from runlog.model import to_frame

START = 1_000_000_000  # FIT seconds: 2021-09-08T01:46:40Z

#: The fields the fast decoder names: those the reader reads, with their subfields.
NAMED: dict[str, set[str]] = {}
for _type in MESSAGE_TYPES.values():
    if _type.name in fit.FIELDS_READ:
        _names = set(fit.FIELDS_READ[_type.name])
        for _field in _type.fields.values():
            if _field.name in _names:
                _names |= {sub.name for sub in _field.subfields or ()}
        NAMED[_type.name] = _names


# --- comparing the two decoders --------------------------------------------------------------


def named(items: list[Any]) -> list[Any]:
    """Messages cut down to the fields the fast decoder names, damage as it is; the records
    of each member (dicts from fitparse, a table from runlog's decoder) as the reader's
    float columns, with the developer fields of the records that have them."""
    out: list[Any] = []
    records: dict[int, fit_records.Records] = {}
    for m in items:
        if isinstance(m, fit_decode.FitTable):
            records.setdefault(m.member, fit_records.Records()).add_table(m)
            continue
        if isinstance(m, fit.FitMessage) and m.name == "record":
            records.setdefault(m.member, fit_records.Records()).add(m.fields)
            continue
        if isinstance(m, fit.FitMessage):
            fields = m.fields
            m = (m.name, m.member, {k: fields[k] for k in NAMED.get(m.name, ()) if k in fields})
        out.append(m)
    for member, rows in sorted(records.items()):
        column = rows.columns(fit_records.RECORD_FIELDS)
        developer = {row: fields[fit_decode.DEVELOPER_FIELDS]
                     for row, fields in zip(rows.dict_rows, rows.dicts)
                     if fields.get(fit_decode.DEVELOPER_FIELDS)}
        for first, table in rows.tables:  # a table's developer fields, message by message
            for dev in table.developer:
                for raw, row in zip(dev.raw, dev.rows.tolist()):
                    developer[first + row] = (*developer.get(first + row, ()), (
                        dev.developer_data_index, dev.number, raw.tobytes(), dev.big_endian))
        out.append(("records", member, len(rows), sorted(developer.items()),
                    {name: column(name).tobytes() for name in fit_records.RECORD_FIELDS}))
    return out


def outcome(items: list[Any], source: str) -> tuple[str, Any, list[pd.DataFrame]]:
    """What the reader makes of a message stream: the table or the refusal, and the samples
    it built on the way."""
    built: list[pd.DataFrame] = []

    def recording(records: list[dict[str, Any]]) -> Any:
        result = make_samples(records)
        built.append(result[0])
        return result

    make_samples = fit.record_samples
    with mock.patch.object(fit, "record_samples", recording):
        try:
            activities = fit.activities_from_messages(iter(items), source)
        except ParseError as exc:
            return type(exc).__name__, str(exc), built
    return "table", to_frame(activities), built


def compare(data: bytes, source: str = "gen.fit") -> list[str]:
    """Assert both decoders agree on ``data``; the fast decoder's fallback notes."""
    fast = list(fit.fit_messages(data))
    reference = list(fit.fit_messages(data, fast=False))
    fallbacks = [d.reason for d in fast
                 if isinstance(d, fit.FitDamage) and d.reason.startswith(fit.FALLBACK_NOTE)]
    fast = [d for d in fast
            if not (isinstance(d, fit.FitDamage) and d.reason in fallbacks)]
    assert named(fast) == named(reference), source
    got, expected = outcome(fast, source), outcome(reference, source)
    assert got[0] == expected[0], (source, got[:2], expected[:2])
    if got[0] == "table":
        if fallbacks:  # the only difference allowed: the note that says fitparse decoded it
            got[1]["notes"] = got[1]["notes"].str.replace(
                r"(; )?decoded with fitparse: [^;]*", "", regex=True).replace("", None)
        pd.testing.assert_frame_equal(got[1], expected[1], check_exact=True)
    else:
        assert got[1] == expected[1], source
    assert len(got[2]) == len(expected[2]), source
    for mine, theirs in zip(got[2], expected[2]):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
    return fallbacks


# --- the corpus ------------------------------------------------------------------------------


def corpus_fit_files(corpus: Path) -> list[tuple[str, bytes]]:
    with (corpus / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        names = [r["local_name"] for r in csv.DictReader(handle, delimiter="\t")
                 if r["local_name"].startswith("fit/")]
    out = []
    for name in names:
        data = (corpus / name).read_bytes()
        out.append((name, gzip.decompress(data) if name.endswith(".gz") else data))
    return out


def test_every_corpus_fit_file_decodes_as_fitparse_decodes_it(corpus: Path) -> None:
    files = corpus_fit_files(corpus)
    assert len(files) >= 80
    fallbacks = {name: compare(data, name) for name, data in files}
    # Every real file is decoded by runlog's decoder: none needs fitparse.
    assert {name: notes for name, notes in fallbacks.items() if notes} == {}


def test_corpus_files_cut_and_flipped_decode_alike(corpus: Path) -> None:
    """Damage on real files (compressed timestamps, developer data, chains, big-endian
    definitions among them): truncation and undefined messages stop both at the same byte."""
    rng = random.Random(5)
    files = [(n, d) for n, d in corpus_fit_files(corpus) if 12 < len(d) < 40_000]
    for _ in range(40):
        name, data = rng.choice(files)
        damaged = bytearray(data[: rng.randrange(12, len(data) + 1)])
        for _ in range(rng.randrange(3)):
            damaged[rng.randrange(len(damaged))] ^= rng.randrange(1, 256)
        compare(bytes(damaged), name)


# --- files written by the FIT SDK's encoder ----------------------------------------------------


def encode(*messages: tuple[str, dict[str, Any]]) -> bytes:
    encoder = Encoder()
    for name, fields in messages:
        encoder.on_mesg(Profile["mesg_num"][name.upper()], fields)
    return bytes(encoder.close())


record_fields = st.fixed_dictionaries({}, optional={
    "heart_rate": st.integers(0, 255),
    "cadence": st.integers(0, 255),
    "fractional_cadence": st.sampled_from([0.0, 0.5, 0.25]),
    "altitude": st.floats(-400, 4000).map(lambda a: round(a, 1)),
    "enhanced_altitude": st.floats(-400, 9000).map(lambda a: round(a, 1)),
    "speed": st.floats(0, 30).map(lambda s: round(s, 3)),
    "enhanced_speed": st.floats(0, 60).map(lambda s: round(s, 3)),
    "position_lat": st.integers(-(2**31) + 1, 2**31 - 2),
    "position_long": st.integers(-(2**31) + 1, 2**31 - 2),
    "power": st.integers(0, 2000),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(record_fields, min_size=2, max_size=30),
       sport=st.sampled_from(["running", "cycling", "walking", "swimming", "generic"]),
       sub_sport=st.sampled_from(["generic", "trail", "treadmill", "road", "track"]),
       session_cadence=st.integers(0, 255), gap=st.integers(1, 5))
def test_sdk_encoded_files_decode_alike(rows: list[dict[str, Any]], sport: str, sub_sport: str,
                                        session_cadence: int, gap: int) -> None:
    records = [("record", {"timestamp": START + i * gap, "distance": 2.5 * i * gap, **row})
               for i, row in enumerate(rows)]
    elapsed = float(gap * (len(rows) - 1))
    data = encode(
        ("file_id", {"type": "activity", "manufacturer": "garmin", "product": 3113,
                     "time_created": START}),
        *records,
        ("lap", {"timestamp": START + int(elapsed), "sport": sport}),
        ("session", {"timestamp": START + int(elapsed), "start_time": START,
                     "total_elapsed_time": elapsed, "total_timer_time": elapsed,
                     "sport": sport, "sub_sport": sub_sport, "avg_cadence": session_cadence,
                     "total_distance": 2.5 * elapsed}),
        ("activity", {"timestamp": START + int(elapsed), "local_timestamp": START + 7200}))
    assert compare(data) == []


# --- files written byte by byte ---------------------------------------------------------------


def fit_file(body: bytes, *, header_size: int = 14) -> bytes:
    header = struct.pack("<BBHI4s", header_size, 0x20, 2132, len(body), b".FIT")
    if header_size == 14:
        header += struct.pack("<H", fit_decode.crc16(header))
    data = header + body
    return data + struct.pack("<H", fit_decode.crc16(data))


def definition(local: int, mesg_num: int, fields: list[tuple[int, int, int]], *,
               big_endian: bool = False, developer: list[tuple[int, int, int]] = ()) -> bytes:
    header = 0x40 | local | (0x20 if developer else 0)
    out = struct.pack(">BBBHB" if big_endian else "<BBBHB", header, 0, int(big_endian),
                      mesg_num, len(fields))
    out += b"".join(bytes(f) for f in fields)
    if developer:
        out += bytes([len(developer)]) + b"".join(bytes(f) for f in developer)
    return out


#: Record fields (number, base type, struct code, scale of values drawn) the decoder names or
#: must step over; 0x0D is bytes (compressed_speed_distance is three of them).
RECORD_FIELDS = [
    (253, 0x86, "I"), (0, 0x85, "i"), (1, 0x85, "i"), (2, 0x84, "H"), (3, 0x02, "B"),
    (4, 0x02, "B"), (5, 0x86, "I"), (6, 0x84, "H"), (8, 0x0D, "3B"), (73, 0x86, "I"),
    (78, 0x86, "I"), (53, 0x02, "B"), (7, 0x84, "H"), (13, 0x01, "b"), (18, 0x02, "B"),
]
INVALID = {"I": 0xFFFFFFFF, "i": 0x7FFFFFFF, "H": 0xFFFF, "B": 0xFF, "b": 0x7F}
RANGE = {"I": (0, 0xFFFFFFFF), "i": (-(2**31), 2**31 - 1), "H": (0, 0xFFFF), "B": (0, 0xFF),
         "b": (-128, 127)}


@st.composite
def raw_fit_files(draw: st.DrawFn) -> bytes:
    """A file_id, records of a drawn layout (any field order, either endianness, developer
    bytes, compressed timestamps, invalid values, a redefinition midway) and a session."""
    body = definition(0, 0, [(0, 1, 0x00), (1, 2, 0x84)]) + bytes([0, 4, 1, 0])
    layouts = []
    for _ in range(draw(st.integers(1, 2))):
        chosen = draw(st.lists(st.sampled_from(RECORD_FIELDS), min_size=1, max_size=10,
                               unique=True))
        developer = draw(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 4),
                                            st.integers(0, 1)), max_size=2))
        layouts.append((chosen, draw(st.booleans()), developer))
    timestamp = START
    for number, (chosen, big, developer) in enumerate(layouts):
        local = draw(st.integers(0, 3))
        fields = [(num, struct.calcsize(code), base) for num, base, code in chosen]
        body += definition(local, 20, fields, big_endian=big, developer=developer)
        fmt = (">" if big else "<") + "".join(code for _, _, code in chosen)
        for _ in range(draw(st.integers(1, 12))):
            values = []
            for num, _, code in chosen:
                items = 3 if code == "3B" else 1
                kind = code[-1]
                for _ in range(items):
                    if num == 253:
                        timestamp += draw(st.integers(0, 40))
                        values.append(timestamp)
                    elif draw(st.integers(0, 5)) == 0:
                        values.append(INVALID[kind])
                    else:
                        values.append(draw(st.integers(*RANGE[kind])))
            dev = bytes(draw(st.integers(0, 255)) for _, size, _ in developer
                        for _ in range(size))
            if draw(st.integers(0, 3)) == 0:  # a compressed-timestamp header
                header = 0x80 | (local << 5) | draw(st.integers(0, 31))
            else:
                header = local
            body += bytes([header]) + struct.pack(fmt, *values) + dev
        if number == 0 and draw(st.booleans()):
            # A record redefined under another local number, as watches do mid-file.
            continue
    body += definition(5, 18, [(253, 4, 0x86), (2, 4, 0x86), (7, 4, 0x86), (8, 4, 0x86),
                               (5, 1, 0x00), (18, 1, 0x02), (9, 4, 0x86)])
    elapsed = draw(st.integers(0, 4000))
    body += bytes([5]) + struct.pack("<IIIIBBI", START + elapsed // 1000, START, elapsed,
                                     elapsed, draw(st.sampled_from([1, 2, 11])),
                                     draw(st.integers(0, 255)), draw(st.integers(0, 10**6)))
    return fit_file(body, header_size=draw(st.sampled_from([12, 14])))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=raw_fit_files(), cut=st.integers(0, 600), chain=st.booleans())
def test_handwritten_layouts_decode_alike(data: bytes, cut: int, chain: bool) -> None:
    compare(data)
    if chain:
        compare(data + data)  # two chained members: accumulators start again in the second
    compare(data[: max(12, len(data) - cut)])  # cut short: both stop at the same byte


def test_a_member_it_cannot_decode_goes_to_fitparse_with_a_note() -> None:
    """A timestamp field written as bytes: fitparse keeps it as bytes and then fails on the
    next compressed timestamp; runlog's decoder leaves such a member to fitparse."""
    body = definition(0, 0, [(0, 1, 0x00)]) + bytes([0, 4])
    body += definition(1, 20, [(253, 4, 0x0D), (3, 1, 0x02)])
    body += b"".join(bytes([1]) + struct.pack("<IB", START + i, 150) for i in range(3))
    body += definition(2, 20, [(253, 4, 0x86), (3, 1, 0x02)])
    body += b"".join(bytes([2]) + struct.pack("<IB", START + i, 150) for i in range(3, 9))
    data = fit_file(body)
    notes = compare(data)
    assert notes == ["decoded with fitparse: a timestamp field of type byte[4]"]
    activities = fit.read(data, "bytes-timestamp.fit", fit.ReadOptions())
    assert "decoded with fitparse: a timestamp field of type byte[4]" in activities[0].notes


def test_a_data_message_before_its_definition_stops_both_at_the_same_byte() -> None:
    body = definition(0, 0, [(0, 1, 0x00)]) + bytes([0, 4])
    body += definition(1, 20, [(253, 4, 0x86), (3, 1, 0x02)])
    body += b"".join(bytes([1]) + struct.pack("<IB", START + i, 150) for i in range(5))
    body += bytes([3, 0, 0])  # local message 3 was never defined
    data = fit_file(body)
    compare(data)
    damage = [d for d in fit.fit_messages(data) if isinstance(d, fit.FitDamage)]
    assert [d.reason for d in damage] == [
        f"unreadable from byte {14 + 6 + 5 + 6 + 6 + 5 * 6} (local message 3 not defined): "
        "the rest left out"]


def test_definitions_compile_once_across_files() -> None:
    decoder = fit_decode.Decoder(fit.FIELDS_READ)
    data = encode(("file_id", {"type": "activity", "manufacturer": "garmin"}),
                  *[("record", {"timestamp": START + i, "heart_rate": 140}) for i in range(5)])
    first = decoder.decode_member(data, 0, 0)
    second = decoder.decode_member(data, 0, 0)
    assert first == second
    info = decoder._compile.cache_info()
    assert (info.misses, info.hits) == (2, 2)  # file_id and record, each compiled once


@given(st.binary(max_size=5000))
def test_block_crc_equals_the_byte_loop(data: bytes) -> None:
    assert fit_decode.crc16(data) == fit_decode._crc_loop(data)


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 2047, 2048, 2049, 100_003, 1_048_593])
def test_block_crc_at_block_edges(size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert fit_decode.crc16(data) == fit_decode._crc_loop(data)


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=200, max_size=20_000))
def test_block_crc_equals_fitparses(data: bytes) -> None:
    """The CRC fitparse checks a file with, on what the lanes and their joins cover."""
    from fitparse.records import Crc

    assert fit_decode.crc16(data) == Crc.calculate(data)


def test_invalid_values_are_fitparses() -> None:
    """The decoder's table of invalid values is fitparse's: each sentinel parses to None and
    its neighbour does not."""
    from fitparse.records import BASE_TYPES

    for base in BASE_TYPES.values():
        if base.name in fit_decode.INVALID:
            sentinel = fit_decode.INVALID[base.name]
            assert base.parse(sentinel) is None, base.name
            assert base.parse(sentinel - 1 if sentinel else 1) is not None, base.name


def test_corpus_records_come_as_columns(corpus: Path) -> None:
    """The column path is the common one: on real files nearly every record is decoded by
    numpy, developer fields (Connect IQ apps, Stryd) included. Records go one by one in
    definitions with accumulated components, and in members with compressed timestamps (two
    files of the corpus)."""
    in_columns = one_by_one = files_one_by_one = 0
    for _, data in corpus_fit_files(corpus):
        items = list(fit.fit_messages(data))
        tables = [i for i in items if isinstance(i, fit_decode.FitTable)]
        messages = [i for i in items if isinstance(i, fit.FitMessage) and i.name == "record"]
        in_columns += sum(t.count - len(t.rows) for t in tables)
        one_by_one += sum(len(t.rows) for t in tables) + len(messages)
        files_one_by_one += bool(messages)
    assert files_one_by_one == 2
    assert in_columns > 400_000 and one_by_one < 0.02 * in_columns


def test_runs_of_records_cut_at_every_byte_near_the_end_decode_alike() -> None:
    """A run of back-to-back records is taken as one slice: cut inside its last messages,
    at its CRC, or with the header's data size pointing mid-run, both decoders stop alike."""
    data = encode(("file_id", {"type": "activity", "manufacturer": "garmin"}),
                  *[("record", {"timestamp": START + i, "heart_rate": 120 + i % 40,
                                "distance": 3.1 * i}) for i in range(60)])
    for cut in range(len(data) - 60, len(data) + 1):
        compare(data[:cut])
    for shrink in range(1, 40):
        short = bytearray(data)
        short[4:8] = struct.pack("<I", int.from_bytes(data[4:8], "little") - shrink)
        compare(bytes(short))
