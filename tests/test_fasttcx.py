"""The TCX reader's fast paths against each other and against the former point-by-point
reading: trackpoints read by pattern and read off the tree give the same activities (every
column) or the same refusal, and the column-wise trackpoint reading gives the columns of the
former loop (tests/tcx_reference.py), on every corpus TCX and on generated documents that vary
what producers vary (namespaces, xsi:type, missing parts, time forms, odd numbers, repeated
times, pauses, stray markup, line endings, encodings, damage)."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path
from typing import Any
from unittest import mock
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd
import pytest
import tcx_reference
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from runlog.errors import ParseError
from runlog.importers import streams, tcx, tcx_trackpoints, vocab, xmltools
from runlog.model import Activity, to_frame

TCD = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
T0 = pd.Timestamp("2021-05-01T07:00:00")
SOURCE = "gen.tcx"


# --- comparing the paths -----------------------------------------------------------------------


def outcome(data: bytes, path: str, source: str = SOURCE) -> tuple[str, Any]:
    """What one of the reader's paths makes of ``data``: ("table", (activity table, cadence
    histograms, the activities left out, the kinds of the items in order)) or the refusal as
    (exception type, message with path and line)."""
    try:
        items = tcx._read(data, source, path=path)
        acts = [item for item in items if isinstance(item, Activity)]
        table = to_frame(acts)
    except Exception as exc:  # noqa: BLE001 - read() turns any into a ParseError
        return type(exc).__name__, str(exc)
    left_out = [(type(item).__name__, str(item)) for item in items
                if not isinstance(item, Activity)]
    kinds = [type(item).__name__ for item in items]
    return "table", (table, [a.cadence_histogram for a in acts], left_out, kinds)


def assert_same_outcome(data: bytes, source: str = SOURCE) -> None:
    """The pattern path and the tree path read ``data`` alike: the same table, every column,
    or the same refusal."""
    by_pattern, by_tree = outcome(data, "pattern", source), outcome(data, "tree", source)
    assert by_pattern[0] == by_tree[0], (by_pattern, by_tree)
    if by_tree[0] != "table":
        assert by_pattern[1] == by_tree[1]
        return
    pd.testing.assert_frame_equal(by_pattern[1][0], by_tree[1][0], check_exact=True)
    assert by_pattern[1][1:] == by_tree[1][1:]


def sport_of(element: Element) -> str:
    """The sport as the reader gives it to its trackpoint reading."""
    return (vocab.sport_from_type(element.get("Sport")) or ("other", None))[0]


def assert_same_trackpoints(got: tcx_trackpoints.Trackpoints,
                            want: tcx_reference.Trackpoints, where: str) -> None:
    """Column-wise trackpoints equal the point-by-point reading: times (NaT included, to the
    nanosecond), floats (NaN included), segments, repeated count, cadence field, tracks."""
    expected = tcx_reference.columns(want.rows)
    assert set(got.rows) == set(expected), where
    assert got.rows["time"].dtype.kind == "M", where
    times = got.rows["time"].astype("datetime64[ns]")
    np.testing.assert_array_equal(np.isnat(times), np.isnat(expected["time"]), err_msg=where)
    np.testing.assert_array_equal(times, expected["time"], err_msg=where)
    for name in tcx_reference.FLOAT_COLUMNS:
        column = got.rows[name]
        assert column.dtype == np.float64, (where, name)
        np.testing.assert_array_equal(np.isnan(column), np.isnan(expected[name]),
                                      err_msg=f"{where}: {name}")
        np.testing.assert_array_equal(column, expected[name], err_msg=f"{where}: {name}")
    np.testing.assert_array_equal(got.rows[streams.SEGMENT], expected[streams.SEGMENT],
                                  err_msg=where)
    assert (got.repeated, got.cadence_field, got.tracks) == (
        want.repeated, want.cadence_field, want.tracks), where


def assert_trackpoints_as_before(data: bytes, source: str = SOURCE) -> int:
    """On every <Activity> of ``data``, the column-wise trackpoints (read off the tree, and read
    by pattern where the pattern reads the file) equal the former loop's on the whole tree;
    how many activities were compared (0 when the file does not parse)."""
    try:
        doc = xmltools.parse(data, source)
    except ParseError:
        return 0
    elements = list(xmltools.descendants(doc.root, "Activity"))
    found = tcx_trackpoints.read_by_pattern(data, source)
    cut_elements: list[Element] = []
    if found is not None:
        cut_elements = list(xmltools.descendants(found[0].root, "Activity"))
        assert len(cut_elements) == len(elements), source
    for number, element in enumerate(elements):
        sport = sport_of(element)
        want = tcx_reference.trackpoints(element, sport)
        where = f"{source}: activity {number + 1}"
        assert_same_trackpoints(tcx_trackpoints.trackpoints(element, sport, []), want,
                                f"{where} (tree)")
        if found is not None:
            assert sport_of(cut_elements[number]) == sport
            assert_same_trackpoints(
                tcx_trackpoints.trackpoints(cut_elements[number], sport, found[1]), want,
                f"{where} (pattern)")
    return len(elements)


# --- the corpus ------------------------------------------------------------------------------


def corpus_tcx_files(corpus: Path) -> dict[str, bytes]:
    with (corpus / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        names = [r["local_name"] for r in csv.DictReader(handle, delimiter="\t")
                 if r["local_name"].startswith("tcx/")]
    out = {}
    for name in names:
        data = (corpus / name).read_bytes()
        out[name] = gzip.decompress(data) if name.endswith(".gz") else data
    return out


def test_every_corpus_tcx_reads_alike_by_both_paths(corpus: Path) -> None:
    files = corpus_tcx_files(corpus)
    assert len(files) >= 20
    by_pattern = set()
    for name, data in files.items():
        assert_same_outcome(data, name)
        if tcx_trackpoints.read_by_pattern(data, name) is not None:
            by_pattern.add(name)
    # Garmin Connect's and Strava's exports, and most others, are read by pattern.
    assert {"tcx/sports-alliance__sports-lib__6782987395.tcx",
            "tcx/corriporai__runpandas__run_garmin.tcx",
            "tcx/thomaschampagne__elevate__20180622_ride_1655245835.tcx"} <= by_pattern
    assert len(by_pattern) >= 10, sorted(by_pattern)


def test_every_corpus_activity_has_the_trackpoints_of_the_former_loop(corpus: Path) -> None:
    activities = 0
    for name, data in corpus_tcx_files(corpus).items():
        activities += assert_trackpoints_as_before(data, name)
    assert activities >= 20


# --- generated documents -----------------------------------------------------------------------

#: Whitespace between the parts of a trackpoint, and between trackpoints.
SPACING = ["", "\n", "\n      ", " ", "\t"]


def number_text(plain: str) -> st.SearchStrategy[str]:
    """Mostly ``plain``; sometimes what float() reads its own way or not at all."""
    return st.one_of(
        st.just(plain), st.just(plain),
        st.sampled_from(["", "   ", f" {plain} ", f"\n {plain}\n", "1e3", "nan", "inf", "-inf",
                         "abc", "1_000", "0", "-0.0", "0x10", "1,5", "+7", ".5"]))


def time_text(second: float, form: str) -> str:
    """The time ``second`` s after T0 as ``form`` writes it."""
    when = T0 + pd.Timedelta(seconds=second)
    plain = when.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = when.strftime("%f")
    forms = {
        "Z": plain + "Z", ".000Z": f"{plain}.{fraction[:3]}Z", "+02:00": plain + "+02:00",
        "-05:30": plain + "-05:30", ".f1Z": f"{plain}.{fraction[:1]}Z",
        ".f6+02:00": f"{plain}.{fraction}+02:00", ".f7Z": f"{plain}.{fraction}3Z",
        "naive": plain, "space": plain.replace("T", " ") + "Z", "padded": f"\n  {plain}Z  ",
        "+0200": plain + "+0200", "-00:00": plain + "-00:00", "+05:75": plain + "+05:75",
        "+24:00": plain + "+24:00", "+25:00": plain + "+25:00", "-23:59": plain + "-23:59",
    }
    return forms[form]


#: Forms a whole file writes its times in (the fast numpy reading takes one zone).
FILE_FORMS = ["Z", ".000Z", "+02:00", "-05:30", ".f1Z", ".f6+02:00", ".f7Z", "naive"]
#: Forms a point may stray into, and texts that are no time a watch recorded.
ODD_FORMS = ["space", "padded", "+0200", "-00:00", "+05:75", "+24:00", "+25:00", "-23:59"]
ODD_TIMES = ["", "   ", "yesterday", "2021-13-01T07:00:00Z", "2021-02-29T07:00:00Z",
             "2021-05-01T24:00:00Z", "2021-05-01T07:00:60Z", "2021-05-01T07:60:00Z",
             "1970-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "1989-12-31T23:59:59Z",
             "0001-01-01T00:00:00Z", "2021-05-01T07:00:00.Z", "20210501T070000Z"]


class Layout:
    """What a generated document's producer does, and whether the pattern must read it."""

    def __init__(self, tpx: str, xsi_declared: bool, rich: bool, rarity: int = 0) -> None:
        self.tpx = tpx
        self.xsi_declared = xsi_declared
        self.rich = rich
        #: one part in about this many is written in a way the pattern must leave alone
        self.rarity = rarity
        #: what is in a track (or the file) that the pattern must leave to the tree
        self.reasons: list[str] = []
        self.tracks = 0

    def leave(self, reason: str) -> None:
        """Note something the pattern must leave to the tree."""
        self.reasons.append(reason)

    def odd(self, draw: st.DrawFn) -> bool:
        """Whether to write the next part oddly (rich documents only; the rate is drawn per
        document, so that many hold a single odd part, some none, some many)."""
        # (Hypothesis favours the ends of a range: a value in its middle keeps the rate.)
        return self.rich and draw(st.integers(0, self.rarity)) == self.rarity // 2

    def tpx_tags(self) -> tuple[str, str, str]:
        """(TPX start tag, prefix for its children, TPX end tag)."""
        if self.tpx == "default":
            return f'<TPX xmlns="{AX}">', "", "</TPX>"
        if self.tpx == "bare":
            return "<TPX>", "", "</TPX>"
        if self.tpx == "local":  # declared on the element itself, not on the root
            self.leave("TPX prefix declared below the root")
            return f'<ns3:TPX xmlns:ns3="{AX}">', "ns3:", "</ns3:TPX>"
        if self.tpx == "undeclared":
            self.leave("TPX prefix undeclared")
        return "<ns3:TPX>", "ns3:", "</ns3:TPX>"


@st.composite
def element_text(draw: st.DrawFn, layout: Layout, tag: str, text: str) -> str:
    """``<tag>text</tag>``, or (rich) an empty form, or text the pattern must leave alone."""
    if not layout.odd(draw):
        return f"<{tag}>{text}</{tag}>"
    how = draw(st.sampled_from(["empty", "self-closing", "comment", "cdata", "entity",
                                "reference", "non-ascii", "cdata-end-free"]))
    if how == "empty":
        return f"<{tag}></{tag}>"
    layout.leave(f"{how} <{tag}>")
    if how == "self-closing":
        return f"<{tag}/>"
    if how == "comment":
        return f"<{tag}>{text}<!-- checked --></{tag}>"
    if how == "cdata":
        return f"<{tag}><![CDATA[{text}]]></{tag}>"
    if how == "entity":
        return f"<{tag}>{text}&amp;</{tag}>"
    if how == "reference":
        return f"<{tag}>&#49;{text}</{tag}>"
    if how == "non-ascii":
        return f"<{tag}>{text}\u00b0</{tag}>"
    return f"<{tag}>{text} ]] &gt;</{tag}>"


@st.composite
def trackpoint(draw: st.DrawFn, layout: Layout, second: float, form: str, index: int) -> str:
    ws = draw(st.sampled_from(SPACING))
    parts: list[str] = []
    rich = layout.rich
    if draw(st.integers(0, 9)):
        if rich and not draw(st.integers(0, 5)):
            odd = draw(st.sampled_from(ODD_FORMS + ODD_TIMES))
            text = time_text(second, odd) if odd in ODD_FORMS else odd
        elif layout.odd(draw):
            # Digits XML takes and fromisoformat reads, but not ASCII.
            layout.leave("full-width digits in a time")
            text = time_text(second, "Z").replace("2021", "\uff12\uff10\uff12\uff11")
        else:
            text = time_text(second, form)
        parts.append(draw(element_text(layout, "Time", text)))
    if draw(st.integers(0, 4)):
        lat = draw(number_text(f"{46 + index * 2.7e-4:.7f}")) if rich else \
            f"{46 + index * 2.7e-4:.7f}"
        lon = draw(number_text("14.0000000")) if rich else "14.0000000"
        inner = [draw(element_text(layout, "LatitudeDegrees", lat)),
                 draw(element_text(layout, "LongitudeDegrees", lon))]
        if layout.odd(draw):
            layout.leave("<Position> incomplete or out of order")
            inner = draw(st.sampled_from([inner[:1], inner[1:], inner[::-1]]))
        parts.append(f"<Position>{ws}{ws.join(inner)}{ws}</Position>")
    for tag, plain in (("AltitudeMeters", f"{300 + index * 0.2:.1f}"),
                       ("DistanceMeters", f"{index * 3.1:.2f}")):
        if draw(st.integers(0, 4)):
            text = draw(number_text(plain)) if rich else plain
            parts.append(draw(element_text(layout, tag, text)))
    if draw(st.integers(0, 3)):
        text = draw(number_text(str(140 + index % 30))) if rich else str(140 + index % 30)
        typed = draw(st.booleans()) and (layout.xsi_declared or layout.odd(draw))
        if typed and not layout.xsi_declared:
            layout.leave("xsi:type with xsi undeclared")
        attr = ' xsi:type="HeartRateInBeatsPerMinute_t"' if typed else ""
        value = draw(element_text(layout, "Value", text))
        parts.append(f"<HeartRateBpm{attr}>{ws}{value}{ws}</HeartRateBpm>")
    if draw(st.integers(0, 2)) == 0:
        text = draw(number_text("88")) if rich else "88"
        parts.append(draw(element_text(layout, "Cadence", text)))
    if draw(st.integers(0, 5)) == 0:
        parts.append("<SensorState>Present</SensorState>")
    if draw(st.integers(0, 3)):
        start, prefix, end = layout.tpx_tags()
        names = draw(st.lists(st.sampled_from(["Speed", "RunCadence", "Watts"]), unique=True,
                              max_size=3))
        order = ["Speed", "RunCadence", "Watts"]
        if not layout.odd(draw):
            names.sort(key=order.index)
        elif names != sorted(names, key=order.index):
            layout.leave("TPX children out of order")
        plain = {"Speed": f"{3 + index % 7 * 0.1:.3f}", "RunCadence": str(80 + index % 9),
                 "Watts": "250"}
        inner = [draw(element_text(layout, f"{prefix}{n}",
                                   draw(number_text(plain[n])) if rich else plain[n]))
                 for n in names]
        parts.append(f"<Extensions>{ws}{start}{ws}{ws.join(inner)}{ws}{end}{ws}</Extensions>")
    if layout.odd(draw):
        # Markup no trackpoint of the schema holds, or a part written twice (the first counts).
        layout.leave("stray markup in a trackpoint")
        strays = ["<!-- lap button -->", "<Foo>1</Foo>", "<![CDATA[ ]]>"]
        strays += [re.sub(r">[^<>]*[^<>\s][^<>]*<", ">999<", part, count=1) for part in parts]
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(strays)))
    head = "<Trackpoint>"
    if layout.odd(draw) and layout.odd(draw):
        layout.leave("a trackpoint start tag with more than its name")
        head = draw(st.sampled_from(['<Trackpoint n="1">', "<Trackpoint >"]))
    if not parts and layout.odd(draw):
        layout.leave("<Trackpoint/>")
        return "<Trackpoint/>"
    return f"{head}{ws}{ws.join(parts)}{ws}</Trackpoint>"


@st.composite
def documents(draw: st.DrawFn, rich: bool, stray: bool = False
              ) -> tuple[bytes, str | None, list[str]]:
    """A TCX document, the path that must read it ("pattern", "tree", or None for either:
    damaged files, which the tree may refuse) and why the pattern must leave it. ``stray``
    puts one thing the pattern must not read into one trackpoint."""
    tpx = draw(st.sampled_from(["ns3", "ns3", "ns3", "default", "default", "bare"]
                               + (["undeclared", "local"] if rich else [])))
    layout = Layout(tpx, draw(st.booleans()), rich, draw(st.sampled_from([12, 60, 300, 10_000])))
    form = draw(st.sampled_from(FILE_FORMS))
    crlf = rich and draw(st.integers(0, 9)) == 4
    nl = "\n" if crlf else draw(st.sampled_from(["", "\n", "\n    "]))
    second = 0.0
    acts = []
    for number in range(draw(st.integers(1, 2))):
        sport = draw(st.sampled_from(["Running", "Biking", "Other", "running"]))
        first = second
        laps = []
        for _ in range(draw(st.integers(1, 3))):
            # A new lap goes on, repeats the last point (Garmin) or the whole track (COROS).
            second = draw(st.sampled_from([second, second + 1, second + 1, first]))
            tracks = []
            for _ in range(draw(st.integers(0 if rich else 1, 3))):
                points = []
                for _ in range(draw(st.integers(0, 6))):
                    points.append(draw(trackpoint(layout, second, form, int(second))))
                    second += draw(st.sampled_from([1, 1, 1.5, 0.25, 3]))
                tracks.append(f"<Track>{nl}{nl.join(points)}{nl}</Track>")
                layout.tracks += 1
                second += draw(st.sampled_from([30, 600]))  # a pause
            totals = (f"<TotalTimeSeconds>{second - first:.1f}</TotalTimeSeconds>"
                      f"<DistanceMeters>{draw(st.sampled_from(['500.0', '0', '']))}"
                      "</DistanceMeters><Intensity>Active</Intensity>")
            lx = (f'<Extensions><LX xmlns="{AX}"><AvgRunCadence>84</AvgRunCadence></LX>'
                  "</Extensions>" if draw(st.booleans()) else "")
            laps.append(f'<Lap StartTime="{time_text(second, "Z")}">{nl}{totals}{nl}'
                        f"{nl.join(tracks)}{nl}{lx}</Lap>")
        notes = draw(st.sampled_from(["", "<Notes>Morning run</Notes>",
                                      "<Notes>Morgenlauf \u00fcber die Br\u00fccke</Notes>",
                                      "<Notes><![CDATA[Tempo <fast>]]></Notes>",
                                      "<Notes>Tom &amp; Jerry</Notes>"]))
        creator = draw(st.sampled_from(
            ["", '<Creator xsi:type="Device_t"><Name>Forerunner 945</Name></Creator>',
             "<Creator><Name>Polar V800</Name></Creator>"]))
        acts.append(f'<Activity Sport="{sport}">{nl}<Id>{time_text(first, form)}</Id>{notes}'
                    f"{nl}{nl.join(laps)}{nl}{creator}</Activity>")
        second += draw(st.sampled_from([3600, 0])) if number == 0 else 0
    root = f'<TrainingCenterDatabase xmlns="{TCD}"'
    if layout.xsi_declared:
        root += f' xmlns:xsi="{XSI}"'
    if tpx == "ns3" or (tpx in ("default", "bare") and draw(st.booleans())):
        root += f'\n  xmlns:ns3="{AX}"'
    author = draw(st.sampled_from(
        ["", '<Author xsi:type="Application_t"><Name>Garmin Connect</Name></Author>']))
    declaration = draw(st.sampled_from(['<?xml version="1.0" encoding="UTF-8"?>\n', "",
                                        '<?xml version="1.0" encoding="ISO-8859-1"?>\n']))
    text = (f"{declaration}{root}>{nl}<Activities>{nl.join(acts)}</Activities>{author}"
            "</TrainingCenterDatabase>")
    if "</Trackpoint>" in text and (stray or (rich and draw(st.integers(0, 5)) == 2)):
        # One thing in one trackpoint (often the only odd thing in the file) that XML reads
        # and the pattern must not: a comment, CDATA, a reference, a non-ASCII character.
        at = draw(st.sampled_from([m.start() for m in re.finditer("</Trackpoint>", text)]))
        stray = draw(st.sampled_from(["<!-- lap -->", "<![CDATA[7]]>", "&amp;", "&#32;",
                                      "\u00e9", "<?garmin x?>"]))
        text = text[:at] + stray + text[at:]
        layout.leave(f"{stray!r} in a trackpoint")
    if crlf:
        text = text.replace("\n", "\r\n")
    latin1 = "ISO-8859-1" in declaration or (rich and draw(st.integers(0, 9)) == 4)
    # (Latin-1 writes what it cannot encode, the full-width digits, as character references.)
    data = text.encode("latin-1", "xmlcharrefreplace") if latin1 else text.encode()
    if latin1 and "ISO-8859-1" not in declaration and not data.isascii():
        layout.leave("Latin-1 in a file that claims UTF-8")  # decoding repaired
    if crlf and layout.tracks:
        layout.leave("CR LF")
    if not layout.tracks:
        layout.leave("no <Track>")
    expected: str | None = "tree" if layout.reasons else "pattern"
    if rich and draw(st.integers(0, 9)) == 4:
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.sampled_from([b"", b"&bogus;", b"<", b"\x00", b"\xff"])) \
            + data[cut:]
        expected = None
    return data, expected, layout.reasons


def check_document(data: bytes, expected: str | None, reasons: list[str]) -> None:
    found = tcx_trackpoints.read_by_pattern(data, SOURCE)
    if expected == "pattern":
        assert found is not None, "the pattern should read this file"
    elif expected == "tree":
        assert found is None, f"the pattern should leave this file to the tree: {reasons}"
    assert_same_outcome(data)
    assert_trackpoints_as_before(data)


#: Tracks as long as the pattern path needs before it copies a pattern from the first point
#: (xmlpatterns.exact_pattern): as the reader has it, and from the first point on, so that
#: the short generated tracks are read that way too.
EXACT_FROM = [tcx_trackpoints._EXACT_FROM_POINTS, 0]


@pytest.mark.parametrize("exact_from", EXACT_FROM)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(rich=False))
def test_plain_producer_layouts_read_alike(doc: tuple[bytes, str | None, list[str]],
                                           exact_from: int) -> None:
    """Layouts as Garmin Connect, Strava and most watches write them: read by pattern, with
    the tree's result."""
    with mock.patch.object(tcx_trackpoints, "_EXACT_FROM_POINTS", exact_from):
        check_document(*doc)


@pytest.mark.parametrize("exact_from", EXACT_FROM)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(rich=True))
def test_any_layout_reads_alike(doc: tuple[bytes, str | None, list[str]],
                                exact_from: int) -> None:
    """Undeclared and locally declared prefixes, odd times and numbers, empty elements,
    comments, CDATA and entities in points, CRLF, Latin-1, damage: whichever path reads it,
    the result is the tree's, and the trackpoints are the former loop's."""
    with mock.patch.object(tcx_trackpoints, "_EXACT_FROM_POINTS", exact_from):
        check_document(*doc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(rich=False, stray=True))
def test_one_stray_thing_in_a_trackpoint_leaves_the_file_to_the_tree(
        doc: tuple[bytes, str | None, list[str]]) -> None:
    """A comment, CDATA, an entity or character reference, a non-ASCII character or a
    processing instruction in one trackpoint of an otherwise plain file."""
    assume(b"</Trackpoint>" in doc[0])
    assert doc[1] == "tree"
    check_document(*doc)


# --- single cases ---------------------------------------------------------------------------


def garmin_connect(points: int = 30, *, stray: str = "", stray_in: int | None = None) -> bytes:
    """A run as Garmin Connect exports it (namespaces, indentation, ns3 TPX, xsi:type), with
    ``stray`` after the heart rate of trackpoint ``stray_in``."""
    rows = []
    for i in range(points):
        when = (T0 + pd.Timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        note = f"\n            {stray}" if i == stray_in else ""
        rows.append(f"""
          <Trackpoint>
            <Time>{when}</Time>
            <Position>
              <LatitudeDegrees>{46 + i * 2.7e-5:.15f}</LatitudeDegrees>
              <LongitudeDegrees>14.000000000000000</LongitudeDegrees>
            </Position>
            <AltitudeMeters>{300 + i * 0.2:.1f}</AltitudeMeters>
            <DistanceMeters>{i * 3.0:.1f}</DistanceMeters>
            <HeartRateBpm>
              <Value>{140 + i % 10}</Value>
            </HeartRateBpm>{note}
            <Extensions>
              <ns3:TPX>
                <ns3:Speed>3.0</ns3:Speed>
                <ns3:RunCadence>{84 + i % 3}</ns3:RunCadence>
              </ns3:TPX>
            </Extensions>
          </Trackpoint>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase
  xsi:schemaLocation="{TCD} http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd"
  xmlns:ns5="http://www.garmin.com/xmlschemas/ActivityGoals/v1"
  xmlns:ns3="{AX}"
  xmlns:ns2="http://www.garmin.com/xmlschemas/UserProfile/v2"
  xmlns="{TCD}"
  xmlns:xsi="{XSI}" xmlns:ns4="http://www.garmin.com/xmlschemas/ProfileExtension/v1">
  <Activities>
    <Activity Sport="Running">
      <Id>2021-05-01T07:00:00.000Z</Id>
      <Lap StartTime="2021-05-01T07:00:00.000Z">
        <TotalTimeSeconds>{points - 1}.0</TotalTimeSeconds>
        <DistanceMeters>{(points - 1) * 3.0:.1f}</DistanceMeters>
        <Intensity>Active</Intensity>
        <TriggerMethod>Manual</TriggerMethod>
        <Track>{"".join(rows)}
        </Track>
        <Extensions>
          <ns3:LX>
            <ns3:AvgSpeed>3.0</ns3:AvgSpeed>
            <ns3:AvgRunCadence>85</ns3:AvgRunCadence>
          </ns3:LX>
        </Extensions>
      </Lap>
      <Creator xsi:type="Device_t">
        <Name>Forerunner 945</Name>
      </Creator>
    </Activity>
  </Activities>
  <Author xsi:type="Application_t">
    <Name>Connect Api</Name>
  </Author>
</TrainingCenterDatabase>
""".encode()


def test_a_long_track_written_alike_is_read_with_a_pattern_copied_from_its_first_point(
) -> None:
    """Times and all: the copied pattern takes each time without its zone, read in one numpy
    conversion; a point written otherwise leaves the track to the layout's pattern."""
    data = garmin_connect(points=600)
    found = tcx_trackpoints.read_by_pattern(data, SOURCE)
    assert found is not None
    assert [(track.count, track.zone) for track in found[1]] == [(600, b"Z")]
    assert found[1][0].texts["time"][0] == b"2021-05-01T07:00:00.000"
    assert_same_outcome(data)
    assert assert_trackpoints_as_before(data) == 1
    for other, zone in ((b"<Time>2021-05-01T07:00:05.000+00:00</Time>", None),  # another zone
                        (b"<Time>2021-05-01T07:00:05.000Z</Time> ", None),  # a space more
                        (b"<Time>2021-05-01T07:00:05Z</Time>", b"Z"),  # still plain ISO
                        (b"<Time>1989-12-31T23:59:59.000Z</Time>", b"Z"),  # no time a watch
                        (b"<Time>2100-01-01T00:00:00.000Z</Time>", b"Z")):  # recorded
        changed = data.replace(b"<Time>2021-05-01T07:00:05.000Z</Time>", other)
        assert changed != data
        found = tcx_trackpoints.read_by_pattern(changed, SOURCE)
        assert found is not None and [t.zone for t in found[1]] == [zone]
        assert_same_outcome(changed)
        assert assert_trackpoints_as_before(changed) == 1
    # Times whose zone is a day or more, or a field out of range, are no time alike.
    for zone in (b"+25:00", b"-24:00"):
        shifted = data.replace(b".000Z</Time>", b".000" + zone + b"</Time>")
        assert [t.zone for t in tcx_trackpoints.read_by_pattern(shifted, SOURCE)[1]] == [zone]
        assert_same_outcome(shifted)
        assert assert_trackpoints_as_before(shifted) == 1


def test_xsi_type_without_xsi_declared_on_the_root_leaves_a_long_track_to_the_tree() -> None:
    """On every point (the copied pattern takes it from the first) or on a later one only."""
    plain = re.sub(rb'\s(xmlns:xsi|xsi:type|xsi:schemaLocation)="[^"]*"', b"",
                   garmin_connect(points=600))
    assert b"xsi" not in plain and tcx_trackpoints.read_by_pattern(plain, SOURCE) is not None
    typed = b'<HeartRateBpm xsi:type="HeartRateInBeatsPerMinute_t">'
    for data in (plain.replace(b"<HeartRateBpm>", typed),
                 plain.replace(b"<HeartRateBpm>", typed, 300).replace(typed, b"<HeartRateBpm>",
                                                                       299)):
        assert data.count(typed) in (1, 600)
        assert tcx_trackpoints.read_by_pattern(data, SOURCE) is None
        assert_same_outcome(data)


def test_garmin_connect_layout_is_read_by_pattern() -> None:
    data = garmin_connect()
    found = tcx_trackpoints.read_by_pattern(data, SOURCE)
    assert found is not None
    assert [track.count for track in found[1]] == [30]
    assert_same_outcome(data)
    assert assert_trackpoints_as_before(data) == 1
    act = tcx._read(data, SOURCE)[0]
    assert isinstance(act, Activity)
    assert (act.device, act.cadence_source.partition("; ")[0]) == ("Forerunner 945",
                                                "tcx TPX RunCadence x2 (per foot)")


@pytest.mark.parametrize("stray", ["<!-- lap button -->", "<![CDATA[7]]>", "&amp;", "&#32;",
                                   "\u00e9", "<?garmin lap?>"])
def test_a_comment_or_cdata_or_reference_in_a_trackpoint_is_left_to_the_tree(
        stray: str) -> None:
    data = garmin_connect(stray=stray, stray_in=7)
    assert stray.encode() in data
    assert tcx_trackpoints.read_by_pattern(data, SOURCE) is None
    assert_same_outcome(data)
    assert assert_trackpoints_as_before(data) == 1
    # The tree drops it (text between a trackpoint's children counts for nothing): the same
    # activity as the file without it.
    with_stray, without = outcome(data, "pattern"), outcome(garmin_connect(), "tree")
    assert with_stray[0] == without[0] == "table"
    pd.testing.assert_frame_equal(with_stray[1][0], without[1][0], check_exact=True)


def test_trackpoints_repeating_times_are_dropped_alike() -> None:
    """Garmin's repeated lap boundary and COROS's whole track again in the next lap."""
    point = "<Trackpoint><Time>{}</Time><DistanceMeters>{}</DistanceMeters></Trackpoint>"
    track = "".join(point.format(time_text(i, "Z"), i * 3) for i in range(10))
    data = (f'<TrainingCenterDatabase xmlns="{TCD}"><Activities><Activity Sport="Other">'
            f"<Id>{time_text(0, 'Z')}</Id>"
            + "".join(f'<Lap StartTime="{time_text(0, "Z")}"><Track>{track}</Track></Lap>'
                      for _ in range(3))
            + "</Activity></Activities></TrainingCenterDatabase>").encode()
    assert tcx_trackpoints.read_by_pattern(data, SOURCE) is not None
    assert_same_outcome(data)
    assert_trackpoints_as_before(data)
    act = tcx._read(data, SOURCE)[0]
    assert isinstance(act, Activity)
    assert "20 trackpoints repeating earlier times dropped" in act.notes


def test_the_first_of_a_repeated_part_counts() -> None:
    """Parts written twice, the second different: the first is read, as ``child`` reads it."""
    point = (f"<Trackpoint><Time>{time_text(0, 'Z')}</Time><Time>{time_text(5, 'Z')}</Time>"
             "<Position><LatitudeDegrees>46.1</LatitudeDegrees><LatitudeDegrees>47"
             "</LatitudeDegrees><LongitudeDegrees>14</LongitudeDegrees></Position>"
             "<Position><LatitudeDegrees>45</LatitudeDegrees><LongitudeDegrees>13"
             "</LongitudeDegrees></Position><DistanceMeters>3</DistanceMeters>"
             "<HeartRateBpm><Value>150</Value><Value>90</Value></HeartRateBpm>"
             "<HeartRateBpm><Value>91</Value></HeartRateBpm><Cadence>80</Cadence>"
             "<Extensions><Foo/><TPX><Speed>3</Speed><RunCadence>85</RunCadence></TPX>"
             "<TPX><Speed>9</Speed></TPX></Extensions>"
             "<Extensions><TPX><RunCadence>60</RunCadence></TPX></Extensions>"
             "<DistanceMeters>7</DistanceMeters></Trackpoint>")
    later = "".join(f"<Trackpoint><Time>{time_text(i, 'Z')}</Time><DistanceMeters>{i * 3}"
                    "</DistanceMeters></Trackpoint>" for i in range(1, 5))
    data = (f'<TrainingCenterDatabase xmlns="{TCD}"><Activities><Activity Sport="Running">'
            f'<Id>{time_text(0, "Z")}</Id><Lap StartTime="{time_text(0, "Z")}"><Track>'
            f"{point}{later}</Track></Lap></Activity></Activities>"
            "</TrainingCenterDatabase>").encode()
    assert tcx_trackpoints.read_by_pattern(data, SOURCE) is None
    assert_same_outcome(data)
    assert assert_trackpoints_as_before(data) == 1
    element = next(xmltools.descendants(xmltools.parse(data, SOURCE).root, "Activity"))
    rows = tcx_trackpoints.trackpoints(element, "running", []).rows
    assert [rows[name][0] for name in ("lat", "lon", "distance_m", "heart_rate", "speed_mps",
                                       "cadence")] == [46.1, 14, 3, 150, 3, 85]
    assert rows["time"][0] == np.datetime64("2021-05-01T07:00:00")


# --- where the paths parted once (found while writing these tests, since fixed) ----------------


def small_run(point_extra: str = "", *, extensions: str = "", notes: str = "",
              wrappers: int = 0) -> bytes:
    """A five-point run the pattern reads: ``point_extra`` goes into its first trackpoint
    between <Time> and <DistanceMeters>, ``extensions`` after <DistanceMeters>, ``notes`` into
    the activity, and ``wrappers`` elements around <Activities>."""
    points = "".join(f"<Trackpoint><Time>{time_text(i, 'Z')}</Time>"
                     f"{point_extra if i == 0 else ''}<DistanceMeters>{i * 3}</DistanceMeters>"
                     f"{extensions if i == 0 else ''}</Trackpoint>" for i in range(5))
    activities = (f'<Activities><Activity Sport="Running"><Id>{time_text(0, "Z")}</Id>{notes}'
                  f'<Lap StartTime="{time_text(0, "Z")}"><Track>{points}</Track></Lap>'
                  "</Activity></Activities>")
    body = "<W>" * wrappers + activities + "</W>" * wrappers
    return f'<TrainingCenterDatabase xmlns="{TCD}">{body}</TrainingCenterDatabase>'.encode()


def test_small_run_is_read_by_pattern() -> None:
    """The file the cases below alter is read by pattern, alike on both paths."""
    for data in (small_run(), small_run(extensions=f'<Extensions><TPX xmlns="{AX}"><Speed>3'
                                                   "</Speed></TPX></Extensions>")):
        assert tcx_trackpoints.read_by_pattern(data, SOURCE) is not None
        assert_same_outcome(data)


@pytest.mark.parametrize("data", [
    pytest.param(small_run("<AltitudeMeters>]]></AltitudeMeters>"), id="cdata-end-in-text"),
    pytest.param(small_run(extensions='<Extensions><TPX xmlns="http://www.w3.org/2000/xmlns/">'
                                      "<Speed>3</Speed></TPX></Extensions>"),
                 id="tpx-bound-to-xmlns-namespace"),
    pytest.param(small_run(extensions="<Extensions><TPX xmlns="
                                      '"http://www.w3.org/XML/1998/namespace"><Speed>3</Speed>'
                                      "</TPX></Extensions>"),
                 id="tpx-bound-to-xml-namespace"),
    pytest.param(small_run(notes="<!-- <Track><Trackpoint><Time>--</Time></Trackpoint></Track>"
                                 " -->"),
                 id="double-hyphen-in-a-commented-out-track"),
])
def test_what_xml_refuses_is_refused_by_both_paths(data: bytes) -> None:
    assert outcome(data, "tree")[0] == "ParseError"
    assert_same_outcome(data)


def test_a_track_inside_cdata_is_text_on_both_paths() -> None:
    notes = "<Notes><![CDATA[<Track><Trackpoint></Trackpoint></Track>]]></Notes>"
    data = small_run(notes=notes)
    assert outcome(data, "tree")[0] == "table"
    assert_same_outcome(data)


def test_the_nesting_limit_counts_the_trackpoints_read_by_pattern() -> None:
    data = small_run(wrappers=xmltools.MAX_DEPTH - 6)
    assert outcome(data, "tree")[1].endswith(
        f"XML nested more than {xmltools.MAX_DEPTH} elements deep: not an activity file")
    assert_same_outcome(data)


def test_a_track_of_trackpoints_without_a_value_counts_each_once() -> None:
    """A pattern without a group (empty trackpoints make one) splits a track into one part
    more than it has points; the pattern path once counted that part as a trackpoint."""
    empty = small_run().replace(b"<Track>", b"<Track><Trackpoint></Trackpoint>"
                                b"<Trackpoint>\n</Trackpoint></Track></Lap><Lap><Track>", 1)
    found = tcx_trackpoints.read_by_pattern(empty, SOURCE)
    assert found is not None and [track.count for track in found[1]] == [2, 5]
    assert_same_outcome(empty)
    assert assert_trackpoints_as_before(empty) == 1


def test_points_that_differ_from_the_first_are_read_by_the_general_pattern() -> None:
    """The first point's layout makes the fast expression; a later point with a part more
    (heart rate) or less (no time) leaves the track to the general one, still by pattern."""
    plain = small_run()
    more = plain.replace(b"<DistanceMeters>6</DistanceMeters>",
                         b"<DistanceMeters>6</DistanceMeters><HeartRateBpm><Value>150</Value>"
                         b"</HeartRateBpm>")
    less = plain.replace(b"<Time>" + time_text(3, "Z").encode() + b"</Time>", b"")
    for data in (more, less):
        assert data != plain
        found = tcx_trackpoints.read_by_pattern(data, SOURCE)
        assert found is not None and found[1][0].count == 5
        assert_same_outcome(data)
    heart_rates = tcx_trackpoints.read_by_pattern(more, SOURCE)[1][0].texts["heart_rate"]  # type: ignore[index]
    assert heart_rates == [None, None, b"150", None, None]
