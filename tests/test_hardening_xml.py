"""Hostile XML in GPX and TCX (issue 6): entity-expansion bombs, external entities (file:// and
http://), external and parameter DTDs, XInclude, deep nesting and codecs that are not text
encodings. Bombs and DTD tricks are refused with a reason that says why, inside the sandbox's
time and memory bounds (a bomb that expanded would need gigabytes); nothing is fetched from the
network or read from another file.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from hardening import TALLY, Outcome, Sandbox, read_bytes, report_at_end

from runlog.errors import ParseError
from runlog.importers import xmltools
from runlog.importers.xmltools import MAX_DEPTH

#: Memory a hostile XML file may make the reader allocate (the bombs below would need GBs).
XML_MEMORY_BYTES = 256 << 20
SECRET = "RUNLOG-HARDENING-SECRET-7f3a"

GPX = """<?xml version="1.0" encoding="UTF-8"?>
{doctype}<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"{attrs}>
 <trk><name>{name}</name><type>running</type><trkseg>
  <trkpt lat="46.0000" lon="14.0"><time>2024-03-01T07:00:00Z</time>{extensions}</trkpt>
  <trkpt lat="46.0018" lon="14.0"><time>2024-03-01T07:01:00Z</time></trkpt>
  <trkpt lat="46.0036" lon="14.0"><time>2024-03-01T07:02:00Z</time></trkpt>
 </trkseg></trk></gpx>
"""

TCX = """<?xml version="1.0" encoding="UTF-8"?>
{doctype}<TrainingCenterDatabase
  xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"{attrs}>
 <Activities><Activity Sport="Running"><Id>2024-03-01T07:00:00Z</Id>
  <Lap StartTime="2024-03-01T07:00:00Z"><TotalTimeSeconds>120</TotalTimeSeconds>
   <DistanceMeters>400</DistanceMeters><Track>
   <Trackpoint><Time>2024-03-01T07:00:00Z</Time><DistanceMeters>0</DistanceMeters>
    {extensions}</Trackpoint>
   <Trackpoint><Time>2024-03-01T07:02:00Z</Time><DistanceMeters>400</DistanceMeters>
   </Trackpoint>
  </Track></Lap><Notes>{name}</Notes></Activity></Activities>
</TrainingCenterDatabase>
"""
#: An Apple Health export reads attributes: the hostile text goes into one.
APPLE = """<?xml version="1.0" encoding="UTF-8"?>
{doctype}<HealthData locale="en_GB"{attrs}>
 <ExportDate value="2024-01-20 10:00:00 +0100"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="2" durationUnit="min"
  totalDistance="400" totalDistanceUnit="m" sourceName="{name}"
  startDate="2024-03-01 08:00:00 +0100" endDate="2024-03-01 08:02:00 +0100">{extensions}
 </Workout>
</HealthData>
"""
ROOT = {"gpx": "gpx", "tcx": "TrainingCenterDatabase", "apple-health": "HealthData"}
TEMPLATES = {"gpx": GPX, "tcx": TCX, "apple-health": APPLE}


def document(kind: str, *, doctype: str = "", name: str = "Morning Run", attrs: str = "",
             extensions: str = "", encoding: str = "utf-8") -> bytes:
    template = TEMPLATES[kind]
    text = template.format(doctype=doctype.replace("ROOT", ROOT[kind]), name=name,
                           attrs=attrs, extensions=extensions)
    return text.encode(encoding)


class Listener(http.server.BaseHTTPRequestHandler):
    """Counts every request: a reader that fetches anything is caught here."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY leak "fetched">')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def listener() -> Iterator[str]:
    """The base URL of a local HTTP server that records what is fetched from it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture(scope="module")
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    report_at_end(request.config)
    box = Sandbox(memory_bytes=XML_MEMORY_BYTES)
    yield box
    box.close()


def hostile(box: Sandbox, kind: str, data: bytes, label: str, keep: bool = False) -> Outcome:
    outcome = box.run(read_bytes, kind, data, f"hostile/{label}.{kind}", keep)
    TALLY.add(f"{kind} (hostile XML)", outcome)
    return outcome


LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
#: name -> (DOCTYPE, name text using it, the reason's key words)
BOMBS = {
    "billion laughs": (f'<!DOCTYPE ROOT [<!ENTITY lol0 "lol">{LAUGHS}]>', "&lol9;", "entity"),
    "quadratic blowup": (f'<!DOCTYPE ROOT [<!ENTITY a "{"A" * 50_000}">]>', "&a;" * 50_000,
                         "entity"),
    "external entity, file": ('<!DOCTYPE ROOT [<!ENTITY x SYSTEM "file://{secret}">]>', "&x;",
                              "entity"),
    "external entity, http": ('<!DOCTYPE ROOT [<!ENTITY x SYSTEM "{url}/entity">]>', "&x;",
                              "entity"),
    "parameter entity, http": ('<!DOCTYPE ROOT [<!ENTITY % p SYSTEM "{url}/param.dtd"> %p;]>',
                               "x", "entity"),
    "external DTD": ('<!DOCTYPE ROOT SYSTEM "{url}/root.dtd">', "x", "DOCTYPE"),
    "public DTD": ('<!DOCTYPE ROOT PUBLIC "-//runlog//x//EN" "{url}/public.dtd">', "x",
                   "DOCTYPE"),
    "attribute defaults": ('<!DOCTYPE ROOT [<!ATTLIST trkpt lat CDATA "0">]>', "x", "DOCTYPE"),
}


@pytest.mark.parametrize("kind", ["gpx", "tcx", "apple-health"])
@pytest.mark.parametrize("bomb", list(BOMBS))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_bombs_and_dtd_tricks_are_refused_with_a_reason(
        sandbox: Sandbox, listener: str, secret_file: Path, kind: str, bomb: str,
        encoding: str) -> None:
    doctype, name, words = BOMBS[bomb]
    doctype = doctype.replace("{url}", listener).replace("{secret}", str(secret_file))
    # In UTF-16 (with its byte order mark) a byte-level scan for "<!ENTITY" would miss them.
    data = document(kind, doctype=doctype, name=name, encoding=encoding)
    outcome = hostile(sandbox, kind, data, bomb.replace(" ", "-"))
    if kind == "apple-health" and encoding == "utf-16":
        # Apple writes UTF-8: a UTF-16 export is refused before any DTD is looked at.
        assert outcome.kind == "refused" and "UTF-16" in outcome.detail
        return
    if kind == "apple-health" and bomb == "attribute defaults":
        # Every real export declares attributes (and no entity): that DTD is accepted,
        # skipped unparsed, and the workout read as written.
        assert outcome.kind == "activities", outcome.detail
        return
    assert outcome.kind == "refused", f"{outcome.kind}: {outcome.detail}"
    assert words in outcome.detail
    assert outcome.masked is None
    assert SECRET not in outcome.detail
    assert Listener.hits == []


@pytest.mark.parametrize("kind", ["gpx", "tcx", "apple-health"])
def test_references_outside_the_file_are_never_followed(
        sandbox: Sandbox, listener: str, secret_file: Path, kind: str) -> None:
    """XInclude, a stylesheet and a schema location are read as plain markup: the activity
    is read, nothing is fetched, the other file's text appears nowhere."""
    xinclude = (f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                f'href="file://{secret_file}" parse="text"/>')
    if kind == "apple-health":
        xinclude = xinclude.replace("<", "&lt;").replace('"', "&quot;")
    data = document(kind, name=f"Run {xinclude}",
                    attrs=(' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                           f'xsi:schemaLocation="urn:x {listener}/schema.xsd"'))
    data = data.replace(b"?>", f'?>\n<?xml-stylesheet href="{listener}/style.xsl"?>'.encode(),
                        1)
    outcome = hostile(sandbox, kind, data, "references", keep=True)
    assert outcome.kind == "activities", outcome.detail
    assert SECRET not in repr(outcome.records)
    assert Listener.hits == []


def nested(kind: str, levels: int) -> bytes:
    """A one-activity file whose first point holds extensions ``levels`` deep in all."""
    below = levels - (5 if kind == "gpx" else 7)  # the levels down to <extensions> itself
    nest = "<x>" * below + "</x>" * below
    tag = "extensions" if kind == "gpx" else "Extensions"
    return document(kind, extensions=f"<{tag}>{nest}</{tag}>")


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
@pytest.mark.parametrize("levels", [10_000, 300_000])
def test_deep_nesting_is_refused_without_crashing(sandbox: Sandbox, kind: str,
                                                  levels: int) -> None:
    """300 000 levels crashed the interpreter (gpxpy deep-copies extensions in C)."""
    outcome = hostile(sandbox, kind, nested(kind, levels), f"deep{levels}")
    assert outcome.kind == "refused", f"{outcome.kind}: {outcome.detail}"
    assert f"nested more than {MAX_DEPTH} elements deep" in outcome.detail


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_nesting_up_to_the_limit_is_read(kind: str) -> None:
    assert xmltools.parse(nested(kind, MAX_DEPTH), "ok").root is not None
    with pytest.raises(ParseError, match="nested more than"):
        xmltools.parse(nested(kind, MAX_DEPTH + 1), "too-deep")


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
@pytest.mark.parametrize("codec", ["rot13", "zlib", "base64", "hex", "uu", "punycode",
                                   "no-such-codec"])
def test_a_declared_codec_that_is_not_a_text_encoding_is_not_used(
        sandbox: Sandbox, kind: str, codec: str) -> None:
    """A declared "zlib" must not inflate the file; the file is read as UTF-8, with a note."""
    data = document(kind).replace(b'encoding="UTF-8"', f'encoding="{codec}"'.encode())
    outcome = hostile(sandbox, kind, data, f"codec-{codec}", keep=True)
    assert outcome.kind == "activities", f"{outcome.kind}: {outcome.detail}"
    notes = outcome.records[0]["notes"]
    assert any(codec in note for note in notes), notes


def test_a_refused_bomb_counts_in_the_summary() -> None:
    """The hostile files above are counted for the closing note."""
    refused = sum(TALLY.outcomes[f"{kind} (hostile XML)"]["refused"]
                  for kind in ("gpx", "tcx", "apple-health"))
    assert refused >= 2 * 2 * len(BOMBS) + 2 * len(BOMBS) - 1
