"""The GPX reader's fast paths against gpxpy, the reference: reading track points by pattern,
reading them off the parsed tree, and gpxpy give the same activities (every column), the same
refusals and the same track columns on every corpus GPX and on generated documents that vary
what producers vary (namespaces, versions, point layouts, time forms, extensions, damage).

Where runlog reads more than gpxpy: the <extensions> of a GPX 1.0 document, which gpxpy skips;
runlog's gpxpy path adds them from the tree (``gpx_gpxpy._attach_extensions``), so "gpxpy" below
means gpxpy plus that (test_gpx_10_extensions_are_read_where_gpxpy_skips_them)."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path
from typing import Any
from unittest import mock

import gpxpy
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runlog.errors import ParseError
from runlog.importers import ReadOptions, gpx, gpx_gpxpy, gpx_pattern, gpx_tree, xmlpatterns
from runlog.model import to_frame

TPX_V1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
TPX_V2 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
GPX_11 = "http://www.topografix.com/GPX/1/1"


# --- comparing the paths -----------------------------------------------------------------------


def outcome(data: bytes, path: str) -> tuple[str, Any, str, Any]:
    """(kind, table or refusal, which way it was read, what that way read) for one of the
    reader's paths. The notes lose the one that says gpxpy read the file."""
    read: dict[str, Any] = {}
    by_pattern = gpx_pattern.read_by_pattern
    by_tree = gpx_tree.read_tree
    by_gpxpy = gpx_gpxpy.read_with_gpxpy

    def pattern(*args: Any) -> Any:
        found = by_pattern(*args)
        if found is not None:
            read.setdefault("pattern", found[1])
        return found

    def tree(doc: Any, segments: Any = None) -> Any:
        parsed = by_tree(doc, segments)
        read.setdefault("tree", parsed)
        return parsed

    def gpxpy(*args: Any) -> Any:
        parsed = by_gpxpy(*args)
        read.setdefault("gpxpy", parsed)
        return parsed

    with mock.patch.object(gpx_pattern, "read_by_pattern", pattern), \
            mock.patch.object(gpx_tree, "read_tree", tree), \
            mock.patch.object(gpx_gpxpy, "read_with_gpxpy", gpxpy):
        try:
            activities = gpx._read(data, "gen.gpx", path=path)
        except Exception as exc:  # noqa: BLE001 - read() turns any into a ParseError
            kind, result = type(exc).__name__, str(exc)
        else:
            kind, result = "table", to_frame(activities)  # type: ignore[arg-type]
            result["notes"] = result["notes"].fillna("").str.replace(
                r"(; )?read with gpxpy: [^;]*", "", regex=True).replace("", None)
    way = next((w for w in gpx.PATHS if w in read), "none")
    return kind, result, way, read.get(way)


def assert_same_tracks(mine: list[Any], theirs: list[Any]) -> None:
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        assert (a.name, a.type, a.first, a.last, a.timed_points, a.offset, a.bogus_times,
                a.cadence_fields) == (b.name, b.type, b.first, b.last, b.timed_points,
                                      b.offset, b.bogus_times, b.cadence_fields)
        assert a.rows.keys() == b.rows.keys()
        for key in a.rows:
            np.testing.assert_array_equal(a.rows[key], b.rows[key], err_msg=key)


def compare(data: bytes) -> str:
    """Assert the three paths agree on ``data`` (activities or refusal, and the tracks read on
    the way); which way the default path read it."""
    reference = outcome(data, "gpxpy")
    ways = []
    for path in ("pattern", "tree"):
        got = outcome(data, path)
        assert got[0] == reference[0], (path, got[:2], reference[:2])
        if got[0] == "table":
            pd.testing.assert_frame_equal(got[1], reference[1], check_exact=True)
        else:
            assert got[1] == reference[1], path
        if got[3] is not None and reference[3] is not None:
            assert_same_tracks(got[3].tracks, reference[3].tracks)
            assert (got[3].name, got[3].creator, got[3].why_no_track) == (
                reference[3].name, reference[3].creator, reference[3].why_no_track)
        ways.append(got[2])
    return ways[0]


# --- the corpus ------------------------------------------------------------------------------


def corpus_gpx_files(corpus: Path) -> dict[str, bytes]:
    with (corpus / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        names = [r["local_name"] for r in csv.DictReader(handle, delimiter="\t")
                 if r["local_name"].startswith("gpx/")]
    out = {}
    for name in names:
        data = (corpus / name).read_bytes()
        out[name.removeprefix("gpx/")] = gzip.decompress(data) if name.endswith(".gz") else data
    return out


def test_every_corpus_gpx_reads_alike_by_every_path(corpus: Path) -> None:
    readers = {name: compare(data) for name, data in corpus_gpx_files(corpus).items()}
    assert len(readers) >= 30
    # No real file needs gpxpy; Strava's and Garmin Connect's exports are read by pattern.
    assert "gpxpy" not in readers.values(), readers
    by_pattern = {name for name, path in readers.items() if path == "pattern"}
    assert {"corriporai__runpandas__strava_export.gpx", "corriporai__runpandas__run.gpx",
            "sports-alliance__sports-lib__garmin.gpx"} <= by_pattern
    assert len(by_pattern) >= 10


# --- generated documents -----------------------------------------------------------------------


def number_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.floats(-90, 90, allow_nan=False).map(lambda v: f"{v:.6f}"),
        st.integers(-200, 4000).map(str),
        st.sampled_from(["", " 12.5 ", "1e3", "nan", "inf", "north", "1_0", "0", "-0.0"]))


def time_text(second: int) -> st.SearchStrategy[str]:
    """The forms producers write, and ones gpxpy reads its own way or not at all."""
    base = pd.Timestamp("2021-05-01T07:00:00") + pd.Timedelta(seconds=second)
    plain = base.strftime("%Y-%m-%dT%H:%M:%S")
    return st.sampled_from([
        plain + "Z", plain + ".250Z", plain + ".1234567Z", plain + "+02:00", plain + "-05:30",
        plain, plain.replace("T", " ") + "Z", f" {plain}Z", plain + "Z\n", "", "yesterday",
        "2021-02-30T07:00:00Z", "2021-05-01T24:00:00Z", "0000-01-01T00:00:00Z",
        "1901-12-13T20:45:52Z", "2999-01-01T00:00:00Z", plain + "+0200", plain + "+25:00",
        plain + "+05:75"])


@st.composite
def points(draw: st.DrawFn, count: int, start: int, prefix: str, rich: bool) -> list[str]:
    out = []
    ws = draw(st.sampled_from(["", "\n", "\n  ", " ", "\r\n"]))
    for i in range(count):
        lat = f"{46 + (start + i) * 2.7e-4:.7f}" if draw(st.integers(0, 9)) else draw(
            number_text())
        lon = "14.0000000" if draw(st.integers(0, 9)) else draw(number_text())
        attrs = (f'lat="{lat}" lon="{lon}"' if draw(st.integers(0, 5))
                 else f"lon='{lon}' lat='{lat}'")
        parts = []
        if draw(st.integers(0, 5)):
            parts.append(f"<ele>{draw(number_text()) if rich else '300.5'}</ele>")
        if draw(st.integers(0, 9)):
            when = draw(time_text(start + i)) if rich else draw(time_text(start + i).filter(
                lambda t: t.endswith("Z") and "T" in t and not t.startswith(" ")))
            parts.append(f"<time>{when}</time>")
        if rich and not draw(st.integers(0, 7)):
            parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(
                ["<name>TP1</name>", "<sat>5</sat>", "<hdop>x</hdop>", "<fix>3d</fix>",
                 "<!-- note -->", "<speed>3.2</speed>", "<fix>4d</fix>"])))
        if draw(st.integers(0, 3)):
            children = draw(st.lists(st.sampled_from(["atemp", "hr", "cad", "speed", "course"]),
                                     unique=True, max_size=4))
            if not rich:
                order = ["atemp", "hr", "cad", "speed", "course"]
                children.sort(key=order.index)
            inner = "".join(
                f"<{prefix}:{c}>{draw(number_text()) if rich else str(140 + i)}</{prefix}:{c}>"
                for c in children)
            loose = draw(st.sampled_from(["", "<heartrate>150</heartrate>",
                                          "<cadence>80</cadence>"])) if rich else ""
            parts.append(f"<extensions><{prefix}:TrackPointExtension>{inner}"
                         f"</{prefix}:TrackPointExtension>{loose}</extensions>")
        out.append(f"<trkpt {attrs}>{ws}{ws.join(parts)}{ws}</trkpt>")
    return out


@st.composite
def documents(draw: st.DrawFn, rich: bool) -> bytes:
    prefix = draw(st.sampled_from(["gpxtpx", "ns3", "x"]))
    tpx = draw(st.sampled_from([TPX_V1, TPX_V2, "urn:other"])) if rich else TPX_V1
    version = draw(st.sampled_from(["1.1", "1.0", None])) if rich else "1.1"
    namespace = draw(st.sampled_from([GPX_11, "http://www.topografix.com/GPX/1/0", None]))
    root = "<gpx" + (f' version="{version}"' if version else "") + ' creator="gen"'
    root += f' xmlns="{namespace}"' if namespace else ""
    root += f' xmlns:{prefix}="{tpx}">'
    body = []
    if rich and draw(st.booleans()):
        body.append('<wpt lat="46.1" lon="14.1"><name>start</name></wpt>')
    second = 0
    for t in range(draw(st.integers(1, 2))):
        segments = []
        for _ in range(draw(st.integers(1, 3))):
            count = draw(st.integers(0, 8))
            segments.append("<trkseg>" + "\n".join(draw(points(count, second, prefix, rich)))
                            + "</trkseg>")
            second += count + draw(st.sampled_from([1, 60, 9000]))
        head = f"<name>Run {t}</name><type>{draw(st.sampled_from(['running', '9', 'Ride']))}</type>"
        body.append(f"<trk>{head}{''.join(segments)}</trk>")
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + root + "\n".join(body) + "</gpx>"
    if rich and not draw(st.integers(0, 5)):
        text = draw(st.sampled_from(["\ufeff", "  ", "<!-- exported -->\n"])) + text
    data = text.encode()
    if rich and not draw(st.integers(0, 4)):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.sampled_from([b"", b"&bogus;", b"<", b"\x00", b"\xff"])) \
            + data[cut:]
    return data


#: Segments as long as the pattern path needs before it copies a pattern from the first point
#: (xmlpatterns.exact_pattern): as the reader has it, and from the first point on, so that
#: the short generated segments are read that way too.
EXACT_FROM = [gpx_pattern._EXACT_FROM_POINTS, 0]


@pytest.mark.parametrize("exact_from", EXACT_FROM)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents(rich=False))
def test_plain_producer_layouts_read_alike(data: bytes, exact_from: int) -> None:
    """Layouts as Garmin Connect and Strava write them: mostly read by pattern."""
    with mock.patch.object(gpx_pattern, "_EXACT_FROM_POINTS", exact_from):
        compare(data)


@pytest.mark.parametrize("exact_from", EXACT_FROM)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents(rich=True))
def test_any_layout_reads_alike(data: bytes, exact_from: int) -> None:
    """Other versions and namespaces, odd values, out-of-order extensions, stray markup,
    comments, CRLF, damage: whichever path reads it, the result is gpxpy's."""
    with mock.patch.object(gpx_pattern, "_EXACT_FROM_POINTS", exact_from):
        compare(data)


def garmin_connect_gpx(points: int, zone: str = "Z") -> bytes:
    lines = [f'      <trkpt lat="{46 + i * 1e-5:.7f}" lon="14.0000000"><ele>{300 + i % 7}.0</ele>'
             f"<time>2021-05-01T{7 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}{zone}</time>"
             f"<extensions><ns3:TrackPointExtension><ns3:hr>{140 + i % 30}</ns3:hr>"
             f"<ns3:cad>{80 + i % 9}</ns3:cad></ns3:TrackPointExtension></extensions></trkpt>"
             for i in range(points)]
    return (f'<?xml version="1.0"?>\n<gpx version="1.1" creator="c" xmlns="{GPX_11}" '
            f'xmlns:ns3="{TPX_V1}">\n<trk><type>running</type><trkseg>\n' + "\n".join(lines)
            + "\n</trkseg></trk>\n</gpx>\n").encode()


def test_a_long_segment_written_alike_is_read_with_a_pattern_copied_from_its_first_point(
) -> None:
    used: list[re.Pattern[bytes]] = []
    split_whole = xmlpatterns.split_whole

    def spy(body: bytes, patterns: Any) -> Any:
        found = split_whole(body, patterns)
        used.append(found.pattern if found is not None else None)
        return found

    data = garmin_connect_gpx(600)
    with mock.patch.object(xmlpatterns, "split_whole", spy):
        assert compare(data) == "pattern"
    # Copied: the first point's markup and its zone, written as they are.
    assert used and all(b'<trkpt\\ lat="' in p.pattern and b")Z</time>" in p.pattern
                        for p in used), used
    # One point written otherwise (a space more, another zone): the layout's pattern, or the
    # tree, reads the segment, alike.
    used.clear()
    spaced = data.replace(b"<ele>300.0</ele><time>", b"<ele>300.0</ele> <time>", 1)
    with mock.patch.object(xmlpatterns, "split_whole", spy):
        assert compare(spaced) == "pattern"
    assert used and not any(b")Z</time>" in p.pattern for p in used), used
    assert compare(data.replace(b":10Z</time>", b":10+00:00</time>", 1)) == "tree"
    assert compare(garmin_connect_gpx(600, "+02:00")) == "pattern"


@pytest.mark.parametrize(("stray", "way"), [
    (b"140\xc3\xa9", "tree"), (b"140\x7f", "tree"), (b"140\r\n", "tree"), (b"14]0", "tree"),
    (b"14&#48;", "tree"), (b"140]]>", "none"), (b"140\x00", "none"), (b"140\x0b", "none"),
])
def test_bytes_xml_reads_otherwise_leave_the_segment_to_the_tree(stray: bytes,
                                                                  way: str) -> None:
    """What XML decodes, normalizes, refuses or expands, in one heart rate of a long segment:
    the patterns match none of it, so the segment is the tree's (or the file is refused)."""
    data = garmin_connect_gpx(600).replace(b"<ns3:hr>140</ns3:hr>", b"<ns3:hr>" + stray
                                           + b"</ns3:hr>", 1)
    assert compare(data) == way


@pytest.mark.parametrize("zone", ["+25:00", "-24:00", "+23:59", "+05:75"])
def test_one_zone_for_every_point_reads_as_gpxpy_reads_it(zone: str) -> None:
    """Offsets of a day or more are no zone (gpxpy's reading fails); minutes past 59 carry."""
    points = "".join(f'<trkpt lat="{46 + i * 1e-4:.6f}" lon="14.0"><time>2021-05-01T07:00:'
                     f"{i:02d}{zone}</time></trkpt>" for i in range(10))
    data = (f'<?xml version="1.0"?><gpx version="1.1" creator="c" xmlns="{GPX_11}"><trk>'
            f"<trkseg>{points}</trkseg></trk></gpx>").encode()
    compare(data)


def test_plain_layouts_are_read_by_pattern() -> None:
    points = "".join(
        f'<trkpt lat="{46 + i * 1e-4:.6f}" lon="14.0"><ele>300</ele>'
        f"<time>2021-05-01T07:00:{i:02d}Z</time><extensions><ns3:TrackPointExtension>"
        f"<ns3:hr>150</ns3:hr><ns3:cad>85</ns3:cad></ns3:TrackPointExtension></extensions>"
        f"</trkpt>" for i in range(30))
    data = (f'<?xml version="1.0"?><gpx version="1.1" creator="c" xmlns="{GPX_11}" '
            f'xmlns:ns3="{TPX_V1}"><trk><type>running</type><trkseg>{points}</trkseg></trk>'
            f"</gpx>").encode()
    assert compare(data) == "pattern"
    # A comment among the points, or a prefix declared below the root: the tree reads it.
    assert compare(data.replace(b"</trkpt><trkpt", b"</trkpt><!-- x --><trkpt", 1)) == "tree"
    assert compare(data.replace(b"<trk>", f'<trk xmlns:ns4="{TPX_V1}">'.encode())) == "tree"
    # What XML refuses in text, or a segment written inside a comment or CDATA: the pattern
    # leaves it; the first two are refused as not well-formed ("none" read them), the third
    # is the name's text.
    assert compare(data.replace(b"<ele>300</ele>", b"<ele>]]></ele>", 1)) == "none"
    commented = b"<!-- <trkseg><trkpt lat='1' lon='1'>--</trkpt></trkseg> -->"
    assert compare(data.replace(b"<trk>", b"<trk>" + commented, 1)) == "none"
    in_cdata = b"<name><![CDATA[<trkseg></trkseg>]]></name>"
    assert compare(data.replace(b"<trk>", b"<trk>" + in_cdata, 1)) == "tree"


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE gpx [<!ENTITY a "ha">]>',
    b'<!DOCTYPE gpx SYSTEM "http://example.com/gpx.dtd">',
])
def test_entities_are_refused_on_the_fast_path_too(doctype: bytes) -> None:
    points = b"".join(b'<trkpt lat="46.0" lon="14.0"><time>2021-05-01T07:00:%02dZ</time>'
                      b"</trkpt>" % i for i in range(5))
    data = (b'<?xml version="1.0"?>' + doctype + b'<gpx version="1.1" creator="&a;" xmlns="'
            + GPX_11.encode() + b'"><trk><trkseg>' + points + b"</trkseg></trk></gpx>")
    with pytest.raises(ParseError, match="not allowed"):
        gpx.read(data, "doctype.gpx", gpx.ReadOptions())
    compare(data)


def test_gpx_10_extensions_are_read_where_gpxpy_skips_them() -> None:
    """Where runlog reads more than gpxpy: gpxpy gives a GPX 1.0 document's points no
    <extensions>; runlog reads them on every path (its gpxpy path adds them from the tree),
    so the paths still agree with each other, and the heart rate is there."""
    points = "".join(
        f'<trkpt lat="46.{i:04d}" lon="14.0"><time>2024-05-04T07:00:{i:02d}Z</time>'
        f"<extensions><x:TrackPointExtension><x:hr>150</x:hr></x:TrackPointExtension>"
        f"</extensions></trkpt>" for i in range(10))
    data = (f'<?xml version="1.0"?><gpx version="1.0" creator="c" '
            f'xmlns="http://www.topografix.com/GPX/1/0" xmlns:x="{TPX_V1}"><trk><trkseg>'
            f"{points}</trkseg></trk></gpx>").encode()
    assert not any(p.extensions for t in gpxpy.parse(data.decode()).tracks
                   for s in t.segments for p in s.points)
    compare(data)
    act = gpx.read(data, "v10.gpx", ReadOptions())[0]
    assert act.avg_hr == 150.0
